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
  const capacityBound = inst.items.reduce((s, it) => s + (it.pools.length > 0 ? it.value * it.w.replicas : 0), 0);
  if (!options.highs || inst.items.length === 0) {
    const kept = keepPrevious(inst, costs, options, greedyObj);
    return assemble(inst, costs, kept?.state ?? greedyState, kept?.obj ?? greedyObj, { status: inst.items.length === 0 ? 'optimal' : 'heuristic', engine: 'greedy', bound: capacityBound, notes: [] });
  }
  const mip = solveMip(options.highs, inst, costs, greedyState, {
    timeLimitSec: options.timeLimitSec ?? 10,
    mipRelGap: options.mipRelGap ?? 1e-4,
    secondStage: options.secondStage ?? true,
    lpBound: options.lpBound ?? false,
    nodeLevelMaxCols: options.nodeLevelMaxCols ?? 20000,
  });
  const mipObj = objectiveOf(inst, costs, mip.state);
  const notes = [...mip.notes];
  let state = mip.state;
  let obj = mipObj;
  if (greedyObj.placedValue > mipObj.placedValue + 1e-9) {
    notes.push('the greedy placement places more work than the decoded MIP solution and is kept');
    state = greedyState;
    obj = greedyObj;
  }
  const kept = keepPrevious(inst, costs, options, obj);
  if (kept) {
    state = kept.state;
    obj = kept.obj;
  }
  const bound = Math.min(mip.bound, capacityBound);
  const optimal = mip.optimal && obj.placedValue >= bound - 1e-6;
  return assemble(inst, costs, state, obj, {
    status: optimal ? 'optimal' : 'feasible',
    engine: 'mip',
    bound: optimal ? obj.placedValue : bound,
    notes,
    ...(mip.lpBound !== undefined ? { lpBound: mip.lpBound } : {}),
  });
}

/**
 * "If nothing changed, nothing changes": when the previous placement is still valid and no worse on
 * every objective, it is kept node for node, so a second synth is byte-identical to the first.
 */
function keepPrevious(inst: Instance, costs: Costs, options: PlaceOptions, best: PlacementObjective): { state: FleetState; obj: PlacementObjective } | undefined {
  const prev = options.previous;
  if (!prev) return undefined;
  const state = new FleetState(inst);
  for (const pw of prev.workloads) {
    const item = inst.byName.get(pw.name);
    if (!item) continue;
    for (const a of pw.assignments) {
      const pool = inst.pools.find((p) => p.site.name === a.site && p.cluster === a.cluster && p.name === a.pool);
      if (!pool || a.node === undefined || !a.gpus || !item.pools.includes(pool.index)) return undefined;
      const node = state.nodes[pool.index]![a.node];
      if (!node) return undefined;
      const gpus = state.fit(item.w, node);
      if (!gpus || gpus.length !== a.gpus.length) return undefined;
      state.put(item.w, node, a.gpus);
    }
  }
  const placement = {
    workloads: inst.items.map((it) => ({
      name: it.w.name,
      assignments: state.replicasOf(it.w.name).map((p) => ({ site: inst.pools[p.pool]!.site.name, cluster: inst.pools[p.pool]!.cluster, pool: inst.pools[p.pool]!.name, node: p.node, gpus: p.gpus })),
    })),
  };
  if (checkPlacement(inst.fleet, inst.items.map((i) => i.w), placement).length > 0) return undefined;
  const obj = objectiveOf(inst, costs, state);
  const eps = 1e-6;
  const noWorse = obj.placedValue >= best.placedValue - eps && obj.churn <= best.churn && obj.cost <= best.cost + eps && obj.balance <= best.balance + eps;
  return noWorse ? { state, obj } : undefined;
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
