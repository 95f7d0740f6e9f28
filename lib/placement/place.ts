/**
 * `place(fleet, workloads, options) -> Placement`: the solver's entry point. Pure and deterministic:
 * no clock, randomness, environment or file reads. HiGHS, when given, runs the exact MIP seeded with
 * the greedy; otherwise the greedy placement is returned with status `heuristic`.
 */
import { ValidationError, fromZodIssues } from '../model/errors';
import type { FleetModel } from '../model/fleet';
import { resolveWorkloads, workloadIssues, workloadsSchema, type WorkloadModel } from '../model/workload';
import { makeCosts, type Costs } from './costs';
import { reasonsPerSite, suggestions, whyThere } from './explain';
import { greedy } from './greedy';
import { buildInstance, type Instance } from './instance';
import { solveMip } from './mip';
import { churnOf } from './plugins';
import { checkPlacement } from './check';
import { FleetState } from './state';
import type { PlaceOptions, Placement, PlacementObjective, ReplicaAssignment, WorkloadPlacement } from './types';

/** Validates workloads (plain data) against a fleet; throws a `ValidationError` listing every problem. */
export function parseWorkloads(fleet: FleetModel, input: unknown): WorkloadModel[] {
  const parsed = workloadsSchema.safeParse(input);
  const issues = parsed.success ? [] : fromZodIssues(input, parsed.error.issues, workloadsSchema).map((i) => ({ ...i, path: `workloads${i.path.startsWith('[') ? '' : '.'}${i.path}` }));
  const clusters = new Map(fleet.sites.flatMap((s) => s.clusters.map((c) => [c.name, s.name] as const)));
  issues.push(...workloadIssues(input, { siteNames: fleet.sites.map((s) => s.name), clusters }));
  if (issues.length > 0 || !parsed.success) throw new ValidationError(issues, 'invalid workloads');
  return resolveWorkloads(parsed.data);
}

/** Places `workloads` (default: the fleet's own) on `fleet`. */
export function place(fleet: FleetModel, workloads: readonly WorkloadModel[] = fleet.workloads, options: PlaceOptions = {}): Placement {
  const inst = buildInstance(fleet, workloads, options.previous);
  const costs = makeCosts(inst, options.cost ?? 'carbon');
  const greedyState = greedy(inst, costs);
  const greedyObj = objectiveOf(inst, costs, greedyState);
  // The previous placement, where it still holds, completed by the greedy: the warm start, and the
  // placement kept when nothing better exists (so an unchanged input gives unchanged output).
  const warm = fromPrevious(inst, costs, options);
  const start = warm && !better(greedyObj, warm.obj) ? warm : { state: greedyState, obj: greedyObj };
  const capacityBound = inst.items.reduce((s, it) => s + (it.pools.length > 0 ? it.value * it.w.replicas : 0), 0);
  if (!options.highs || inst.items.length === 0) {
    return assemble(inst, costs, start.state, start.obj, { status: inst.items.length === 0 ? 'optimal' : 'heuristic', engine: 'greedy', bound: capacityBound, notes: [] });
  }
  const mip = solveMip(options.highs, inst, costs, start.state, {
    timeLimitSec: options.timeLimitSec ?? 300,
    workLimit: options.workLimit ?? 50000,
    mipRelGap: options.mipRelGap ?? 1e-4,
    secondStage: options.secondStage ?? true,
    lpBound: options.lpBound ?? false,
    nodeLevelMaxCols: options.nodeLevelMaxCols ?? 20000,
  });
  const mipObj = objectiveOf(inst, costs, mip.state);
  const notes = [...mip.notes];
  // Objectives in strict order: the warm start wins ties, so a placement that cannot be improved stays node for node.
  let state = start.state;
  let obj = start.obj;
  if (better(mipObj, obj)) {
    state = mip.state;
    obj = mipObj;
  } else if (better(obj, mipObj)) {
    notes.push(start === warm ? 'the previous placement (completed greedily) is better in objective order than the decoded MIP solution and is kept' : 'the greedy placement is better in objective order than the decoded MIP solution and is kept');
  }
  const bound = Math.min(mip.bound, capacityBound);
  const optimal = mip.optimal && obj.placedValue >= bound - 1e-6;
  return assemble(inst, costs, state, obj, {
    status: optimal ? 'optimal' : 'feasible',
    engine: 'mip',
    bound: optimal ? obj.placedValue : bound,
    notes,
    ...(options.lpBound && mip.lpBound !== undefined ? { lpBound: mip.lpBound } : {}),
  });
}

/** Lexicographic: more placed work, then less churn, then less cost, then less balance. */
export function better(a: PlacementObjective, b: PlacementObjective): boolean {
  const eps = 1e-6;
  if (Math.abs(a.placedValue - b.placedValue) > eps) return a.placedValue > b.placedValue;
  if (a.churn !== b.churn) return a.churn < b.churn;
  if (Math.abs(a.cost - b.cost) > eps) return a.cost < b.cost;
  if (Math.abs(a.balance - b.balance) > eps) return a.balance < b.balance;
  return false;
}

/**
 * The previous placement, node for node where it still fits (replicas on nodes or pools that are
 * gone, or beyond a workload's replicas, are dropped; a gang that lost a member is dropped whole),
 * completed by the greedy. Undefined without a previous placement or when the result breaks a rule.
 */
function fromPrevious(inst: Instance, costs: Costs, options: PlaceOptions): { state: FleetState; obj: PlacementObjective } | undefined {
  const prev = options.previous;
  if (!prev) return undefined;
  const state = new FleetState(inst);
  const poolIndex = new Map(inst.pools.map((p) => [`${p.site.name}/${p.cluster}/${p.name}`, p.index] as const));
  for (const pw of [...prev.workloads].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const item = inst.byName.get(pw.name);
    if (!item) continue;
    const eligible = new Set(item.pools);
    for (const a of pw.assignments) {
      if (state.replicasOf(item.w.name).length >= item.w.replicas) break;
      const pi = poolIndex.get(`${a.site}/${a.cluster}/${a.pool}`);
      if (pi === undefined || a.node === undefined || !a.gpus) {
        // Only the site (or pool) is known: the tightest node of an eligible pool there.
        for (const p of item.pools) {
          const pool = inst.pools[p]!;
          if (pool.site.name !== a.site || (a.cluster !== undefined && pool.cluster !== a.cluster) || (a.pool !== undefined && pool.name !== a.pool)) continue;
          const best = state.bestNode(item.w, p);
          if (best) {
            state.put(item.w, best.node, best.gpus);
            break;
          }
        }
        continue;
      }
      if (!eligible.has(pi)) continue;
      const node = state.nodes[pi]![a.node];
      if (!node) continue;
      // The same GPUs when they are free (a byte-identical second synth); else any that fit on the node.
      const gpus = state.fitsOn(item.w, node, a.gpus) ? [...a.gpus] : state.fit(item.w, node);
      if (!gpus) continue;
      state.put(item.w, node, gpus);
    }
    const placed = state.replicasOf(item.w.name);
    if (item.w.gang && placed.length > 0 && placed.length < item.w.replicas) for (const p of [...placed].reverse()) state.take(item.w, p);
  }
  greedy(inst, costs, state);
  const placement = {
    workloads: inst.items.map((it) => ({
      name: it.w.name,
      assignments: state.replicasOf(it.w.name).map((p) => ({ site: inst.pools[p.pool]!.site.name, cluster: inst.pools[p.pool]!.cluster, pool: inst.pools[p.pool]!.name, node: p.node, gpus: p.gpus })),
    })),
  };
  if (checkPlacement(inst.fleet, inst.items.map((i) => i.w), placement).length > 0) return undefined;
  return { state, obj: objectiveOf(inst, costs, state) };
}

/** Objective values of a node-level placement. */
export function objectiveOf(inst: Instance, costs: Costs, state: FleetState): PlacementObjective {
  let placedValue = 0;
  let churn = 0;
  let cost = 0;
  let balance = 0;
  for (const it of inst.items) {
    const placed = state.replicasOf(it.w.name);
    placedValue += it.value * placed.length;
    for (const p of placed) {
      cost += costs.cost(it, p.pool);
      balance += costs.balance(it, p.pool);
    }
    churn += churnOf(it.previous, state.sitesOf(it.w.name));
  }
  return { placedValue, churn, cost: round6(cost), balance: round6(balance) };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function assemble(
  inst: Instance,
  costs: Costs,
  state: FleetState,
  objective: PlacementObjective,
  meta: { status: Placement['status']; engine: Placement['engine']; bound: number; notes: string[]; lpBound?: number },
): Placement {
  const workloads: WorkloadPlacement[] = inst.items.map((item) => {
    const assignments: ReplicaAssignment[] = state
      .replicasOf(item.w.name)
      .map((p) => {
        const pool = inst.pools[p.pool]!;
        return { site: pool.site.name, cluster: pool.cluster, pool: pool.name, node: p.node, gpus: [...p.gpus] };
      })
      .sort((a, b) => cmp(a.site, b.site) || cmp(a.cluster, b.cluster) || cmp(a.pool, b.pool) || a.node - b.node || (a.gpus[0] ?? -1) - (b.gpus[0] ?? -1))
      .map((a, replica) => ({ replica, ...a }));
    const unplaced = item.w.replicas - assignments.length;
    const reasons = unplaced > 0 ? reasonsPerSite(inst, state, item) : [];
    return {
      name: item.w.name,
      replicas: item.w.replicas,
      placed: assignments.length,
      priority: item.w.priority,
      assignments,
      why: whyThere(inst, costs, state, item),
      reasons,
      suggestions: suggestions(inst, item, unplaced, reasons),
    };
  });
  const gap = meta.bound > 0 ? Math.max(0, (meta.bound - objective.placedValue) / meta.bound) : 0;
  return {
    status: meta.status,
    engine: meta.engine,
    objective,
    bound: meta.bound,
    gap: Math.round(gap * 1e9) / 1e9,
    ...(meta.lpBound !== undefined ? { lpBound: meta.lpBound } : {}),
    notes: meta.notes,
    workloads,
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
