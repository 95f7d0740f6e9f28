/**
 * Baselines re-implemented from the published algorithms (PLACEMENT.md sections 1–3 and 6.3). Each
 * decides per workload, in arrival order, how many replicas go to which site; a member cluster's
 * scheduler then binds them to nodes (tightest fit) or leaves them pending. All share the same static
 * eligibility (residency, latency, GPU model, pinning) as our solver, so differences come from the
 * division and capacity logic only. Gangs, spread and affinity are not understood by these
 * schedulers; breaking them shows up as violations in the table.
 */
import type { Instance, Item } from '../../lib/placement/instance';
import { FleetState } from '../../lib/placement/state';

export type Baseline = (inst: Instance, extra: { mck8s?: ReadonlyMap<string, { perLocation: number; locations: number }> }) => FleetState;

/** FNV-32a, the hash KubeFed and Karmada use for tie-breaks. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function sitesOf(inst: Instance, item: Item): string[] {
  return [...new Set(item.pools.map((p) => inst.pools[p]!.site.name))].sort();
}

/** The member cluster's scheduler: bind `n` replicas at `site` to nodes; returns how many were bound. */
function bind(inst: Instance, state: FleetState, item: Item, site: string, n: number): number {
  let bound = 0;
  for (let r = 0; r < n; r++) {
    let done = false;
    for (const p of item.pools) {
      if (inst.pools[p]!.site.name !== site) continue;
      const best = state.bestNode(item.w, p);
      if (best) {
        state.put(item.w, best.node, best.gpus);
        done = true;
        break;
      }
    }
    if (!done) break;
    bound++;
  }
  return bound;
}

/** Free capacity of a site for `item`, as Karmada's general estimator sees it: site-wide sums. */
function siteSumReplicas(inst: Instance, state: FleetState, item: Item, site: string): number {
  let gpus = 0;
  let cpu = 0;
  let mem = 0;
  for (const p of item.pools) {
    if (inst.pools[p]!.site.name !== site) continue;
    for (const node of state.nodes[p]!) {
      gpus += state.freeGpus(node) * (item.w.gpu?.migProfile ? (inst.pools[p]!.mig.get(item.w.gpu.migProfile) ?? 1) : 1);
      cpu += node.cpuFree;
      mem += node.memFree;
    }
  }
  let n = Infinity;
  if (item.w.gpu) n = Math.min(n, Math.floor(gpus / (item.w.gpu.migProfile ? 1 : item.w.gpu.count)));
  if (item.w.cpu > 0) n = Math.min(n, Math.floor(cpu / item.w.cpu + 1e-9));
  if (item.w.memoryGiB > 0) n = Math.min(n, Math.floor(mem / item.w.memoryGiB + 1e-9));
  return n === Infinity ? item.w.replicas : n;
}

/** mck8s `max_replicas`: Σ over nodes of the replicas each node's free resources hold. */
function perNodeReplicas(inst: Instance, state: FleetState, item: Item, site: string): number {
  let total = 0;
  for (const p of item.pools) {
    if (inst.pools[p]!.site.name !== site) continue;
    for (const node of state.nodes[p]!) {
      let n = Infinity;
      if (item.w.cpu > 0) n = Math.min(n, Math.floor(node.cpuFree / item.w.cpu + 1e-9));
      if (item.w.memoryGiB > 0) n = Math.min(n, Math.floor(node.memFree / item.w.memoryGiB + 1e-9));
      if (item.w.gpu) n = Math.min(n, item.w.gpu.migProfile ? state.freeGpus(node) * (inst.pools[p]!.mig.get(item.w.gpu.migProfile) ?? 1) : Math.floor(state.freeGpus(node) / item.w.gpu.count));
      total += n === Infinity ? item.w.replicas : n;
    }
  }
  return total;
}

/** Webster / Sainte-Laguë: each next seat to the largest weight/(2·seats+1); ties: fewer seats, then hash-directed name order. */
export function webster(total: number, weights: ReadonlyMap<string, number>, key: string): Map<string, number> {
  const seats = new Map<string, number>([...weights.keys()].map((k) => [k, 0]));
  const names = [...weights.keys()].filter((k) => weights.get(k)! > 0);
  if (names.length === 0) return seats;
  const preferLarger = fnv32a(key) % 2 === 1;
  for (let s = 0; s < total; s++) {
    let best = names[0]!;
    for (const n of names.slice(1)) {
      const a = weights.get(n)! / (2 * seats.get(n)! + 1);
      const b = weights.get(best)! / (2 * seats.get(best)! + 1);
      if (a > b + 1e-12 || (Math.abs(a - b) <= 1e-12 && (seats.get(n)! < seats.get(best)! || (seats.get(n) === seats.get(best) && (preferLarger ? n > best : n < best))))) best = n;
    }
    seats.set(best, seats.get(best)! + 1);
  }
  return seats;
}

const forEachArrival = (inst: Instance, f: (item: Item, state: FleetState) => void): FleetState => {
  const state = new FleetState(inst);
  for (const item of inst.items) if (item.pools.length > 0) f(item, state);
  return state;
};

/** KubeFed ReplicaSchedulingPreference, weight 1 on every eligible cluster, no capacity estimate (first pass). */
export const kubefedRsp: Baseline = (inst) =>
  forEachArrival(inst, (item, state) => {
    const sites = sitesOf(inst, item).sort((a, b) => fnv32a(a + item.w.name) - fnv32a(b + item.w.name));
    let remaining = item.w.replicas;
    const start = remaining;
    for (const s of sites) {
      const extra = Math.min(remaining, Math.ceil(start / sites.length));
      remaining -= extra;
      bind(inst, state, item, s, extra);
    }
  });

/** Karmada static weights (equal): Webster split, capacity ignored. */
export const karmadaStatic: Baseline = (inst) =>
  forEachArrival(inst, (item, state) => {
    const split = webster(item.w.replicas, new Map(sitesOf(inst, item).map((s) => [s, 1])), item.w.name);
    for (const [s, n] of split) bind(inst, state, item, s, n);
  });

/** Karmada dynamic weights: available replicas from site-wide sums; all-or-nothing; Webster split by availability. */
export const karmadaDynamic: Baseline = (inst) =>
  forEachArrival(inst, (item, state) => {
    const avail = new Map(sitesOf(inst, item).map((s) => [s, siteSumReplicas(inst, state, item, s)]));
    const sum = [...avail.values()].reduce((a, b) => a + b, 0);
    if (sum < item.w.replicas) return;
    const split = webster(item.w.replicas, avail, item.w.name);
    for (const [s, n] of split) bind(inst, state, item, s, n);
  });

/** mck8s worst-fit / best-fit: per-node `max_replicas`, sort, k locations, overflow to the next clusters. */
function mck8s(order: 'worst' | 'best'): Baseline {
  return (inst, extra) =>
    forEachArrival(inst, (item, state) => {
      const sites = sitesOf(inst, item)
        .map((s, i) => ({ s, i, max: perNodeReplicas(inst, state, item, s) }))
        .filter((x) => x.max > 0)
        .sort((a, b) => (order === 'worst' ? b.max - a.max : a.max - b.max) || a.i - b.i);
      const k = extra.mck8s?.get(item.w.name);
      const per = k?.perLocation ?? item.w.replicas;
      const locations = k?.locations ?? 1;
      let placed = 0;
      for (const c of sites.slice(0, locations)) placed += bind(inst, state, item, c.s, Math.min(per, c.max, item.w.replicas - placed));
      let overflow = item.w.replicas - placed;
      for (const c of sites.slice(locations)) {
        if (overflow <= 0) break;
        overflow -= bind(inst, state, item, c.s, Math.min(overflow, c.max));
      }
    });
}

export const mck8sWorstFit = mck8s('worst');
export const mck8sBestFit = mck8s('best');
