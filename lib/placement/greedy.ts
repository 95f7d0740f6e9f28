/**
 * The greedy engine: workloads by priority, then work per replica, then name (affinity targets
 * first); each replica to the site that keeps it where it was, then costs least, then is least
 * loaded, then comes first by name; within the site the tightest-fitting node. Gangs and
 * `minSites` are all-or-nothing with rollback. Fast, deterministic, and the MIP's incumbent.
 */
import type { Costs } from './costs';
import type { Instance, Item } from './instance';
import { FILTERS } from './plugins';
import { FleetState, type Placed } from './state';

const ADMIT = FILTERS.filter((f) => f.admit);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The order in which the greedy visits workloads. */
export function greedyOrder(inst: Instance): Item[] {
  const sorted = [...inst.items].sort((a, b) => b.w.priority - a.w.priority || b.work - a.work || cmp(a.w.name, b.w.name));
  const done = new Set<string>();
  const out: Item[] = [];
  const pending = [...sorted];
  while (pending.length > 0) {
    // The first workload whose affinity targets are all visited (or, on a cycle, the first one).
    let i = pending.findIndex((it) => it.w.affinity.every((a) => done.has(a) || !inst.byName.has(a)));
    if (i < 0) i = 0;
    const [it] = pending.splice(i, 1);
    done.add(it!.w.name);
    out.push(it!);
  }
  return out;
}

/** Rank of each pool by `site/cluster/pool` name (the last tie-break), computed once per instance. */
const nameRanks = new WeakMap<Instance, Int32Array>();
function nameRank(inst: Instance): Int32Array {
  let r = nameRanks.get(inst);
  if (!r) {
    const names = inst.pools.map((p) => `${p.site.name}/${p.cluster}/${p.name}`);
    const order = inst.pools.map((p) => p.index).sort((a, b) => cmp(names[a]!, names[b]!) || a - b);
    r = new Int32Array(inst.pools.length);
    order.forEach((p, i) => (r![p] = i));
    nameRanks.set(inst, r);
  }
  return r;
}

/** Places one replica of `item` at its best admissible site among the pools `allow` accepts, or returns undefined. */
function placeOne(inst: Instance, state: FleetState, costs: Costs, item: Item, allow?: (pool: number) => boolean): Placed | undefined {
  const ranks = nameRank(inst);
  let best: { placed: { pool: number; node: ReturnType<FleetState['bestNode']> & object }; key: [number, number, number, number] } | undefined;
  const siteOk = new Map<string, boolean>();
  const maxClusters = item.w.spread.maxClusters;
  const usedClusters = maxClusters === undefined ? undefined : new Set(state.replicasOf(item.w.name).map((p) => clusterOf(inst, p.pool)));
  for (const pi of item.pools) {
    const pool = inst.pools[pi]!;
    const site = pool.site.name;
    if (allow && !allow(pi)) continue;
    if (usedClusters && usedClusters.size >= maxClusters! && !usedClusters.has(clusterOf(inst, pi))) continue;
    let ok = siteOk.get(site);
    if (ok === undefined) {
      ok = ADMIT.every((f) => f.admit!(item.w, site, state, inst.ctx) === undefined);
      siteOk.set(site, ok);
    }
    if (!ok) continue;
    const stay = (item.previous.get(site) ?? 0) > state.countAt(item.w.name, site) ? 0 : 1;
    const cost = costs.cost(item, pi);
    const key: [number, number, number, number] = [stay, cost, state.gpuLoad(site) + costs.balance(item, pi), ranks[pi]!];
    if (best && !less(key, best.key)) continue;
    const node = state.bestNode(item.w, pi);
    if (!node) continue;
    best = { placed: { pool: pi, node }, key };
  }
  if (!best) return undefined;
  return state.put(item.w, best.placed.node.node, best.placed.node.gpus);
}

function clusterOf(inst: Instance, pool: number): string {
  return `${inst.pools[pool]!.site.name}/${inst.pools[pool]!.cluster}`;
}

function less(a: [number, number, number, number], b: [number, number, number, number]): boolean {
  const eps = 1e-12;
  if (a[0] !== b[0]) return a[0] < b[0];
  if (Math.abs(a[1] - b[1]) > eps) return a[1] < b[1];
  if (Math.abs(a[2] - b[2]) > eps) return a[2] < b[2];
  return a[3] < b[3];
}

/**
 * Places every workload greedily into `state` (fresh, or partly filled: replicas already there count,
 * so a previous placement can be completed; a gang or `minSites` workload there is left as it is).
 */
export function greedy(inst: Instance, costs: Costs, state = new FleetState(inst)): FleetState {
  for (const item of greedyOrder(inst)) {
    if (item.pools.length === 0) continue;
    const have = state.replicasOf(item.w.name).length;
    if (have > 0 && (item.w.gang || (item.w.spread.minSites ?? 1) > 1 || have >= item.w.replicas)) continue;
    const mine: Placed[] = [];
    const rollback = () => {
      for (const p of mine.reverse()) state.take(item.w, p);
    };
    // A gang kept to one cluster (or one site): try the clusters (sites) one by one, in name order,
    // until one holds it whole.
    const groupOf = !item.w.gang
      ? undefined
      : item.w.spread.maxClusters === 1
        ? (pool: number) => clusterOf(inst, pool)
        : item.w.spread.maxSites === 1
          ? (pool: number) => inst.pools[pool]!.site.name
          : undefined;
    if (groupOf) {
      for (const g of [...new Set(item.pools.map(groupOf))].sort()) {
        while (mine.length < item.w.replicas) {
          const p = placeOne(inst, state, costs, item, (pool) => groupOf(pool) === g);
          if (!p) break;
          mine.push(p);
        }
        if (mine.length === item.w.replicas) break;
        rollback();
        mine.length = 0;
      }
      continue;
    }
    const minSites = item.w.spread.minSites ?? 1;
    if (minSites > 1) {
      const used = new Set<string>();
      for (let k = 0; k < minSites; k++) {
        const p = placeOne(inst, state, costs, item, (pool) => !used.has(inst.pools[pool]!.site.name));
        if (!p) break;
        mine.push(p);
        used.add(inst.pools[p.pool]!.site.name);
      }
      if (used.size < minSites) {
        rollback();
        continue;
      }
    }
    while (have + mine.length < item.w.replicas) {
      const p = placeOne(inst, state, costs, item);
      if (!p) break;
      mine.push(p);
    }
    if (item.w.gang && mine.length < item.w.replicas) rollback();
  }
  return state;
}
