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

export interface BaselineInput {
  readonly mck8s?: ReadonlyMap<string, { perLocation: number; locations: number }>;
  /**
   * The baseline's own previous decision (replicas per workload per site) where the original keeps
   * one: Karmada's Steady mode and ClusterLocality, KubeFed's `rebalance: false`. mck8s re-places.
   */
  readonly previous?: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export type Baseline = (inst: Instance, extra: BaselineInput) => FleetState;

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

/**
 * KubeFed's planner (planner.go) for weight 1 on every cluster: clusters in FNV-hash order; with
 * `rebalance: false` each first keeps what runs there now (capped by its capacity estimate); then
 * rounds of ceil(remaining / clusters) until nothing is left or every cluster is at its estimate.
 * Returns the plan per site; what no cluster can take stays pending (overflow).
 */
function rspPlan(total: number, sites: readonly string[], capacity: ReadonlyMap<string, number>, current?: ReadonlyMap<string, number>): Map<string, number> {
  const plan = new Map(sites.map((s) => [s, 0] as [string, number]));
  const cap = (s: string) => capacity.get(s) ?? Infinity;
  let remaining = total;
  if (current) {
    for (const s of sites) {
      const pre = Math.min(current.get(s) ?? 0, cap(s), remaining);
      plan.set(s, pre);
      remaining -= pre;
    }
  }
  let active = sites.filter((s) => plan.get(s)! < cap(s));
  while (remaining > 0 && active.length > 0) {
    const start = remaining;
    const next: string[] = [];
    for (const s of active) {
      let extra = Math.min(remaining, Math.ceil(start / active.length));
      if (plan.get(s)! + extra >= cap(s)) extra = cap(s) - plan.get(s)!;
      else next.push(s);
      plan.set(s, plan.get(s)! + extra);
      remaining -= extra;
    }
    if (next.length === active.length && remaining === start) break;
    active = next;
  }
  return plan;
}

function kubefed(learn: boolean): Baseline {
  return (inst, extra) => {
    const order = (item: Item) => sitesOf(inst, item).sort((a, b) => fnv32a(a + item.w.name) - fnv32a(b + item.w.name));
    // First pass: no capacity estimate; each member's scheduler binds what fits, the rest stays pending.
    const bound = new Map<string, Map<string, number>>();
    const planned = new Map<string, Map<string, number>>();
    const state = forEachArrival(inst, (item, st) => {
      const plan = rspPlan(item.w.replicas, order(item), new Map(), extra.previous?.get(item.w.name));
      const b = new Map<string, number>();
      for (const [s, n] of plan) b.set(s, bind(inst, st, item, s, n));
      planned.set(item.w.name, plan);
      bound.set(item.w.name, b);
    });
    if (!learn) return state;
    // Second pass, after pods stayed unschedulable for 60 s: capacity = replicas − unschedulable where
    // some were, and the planner moves the overflow to clusters without an estimate.
    for (const item of inst.items) {
      const b = bound.get(item.w.name);
      if (!b) continue;
      const placed = [...b.values()].reduce((x, y) => x + y, 0);
      if (placed >= item.w.replicas) continue;
      const capacity = new Map<string, number>();
      for (const [s, n] of planned.get(item.w.name)!) if (b.get(s)! < n) capacity.set(s, b.get(s)!);
      const plan = rspPlan(item.w.replicas, order(item), capacity, b);
      for (const [s, n] of plan) if (n > b.get(s)!) bind(inst, state, item, s, n - b.get(s)!);
    }
    return state;
  };
}

/** KubeFed ReplicaSchedulingPreference, weight 1 on every eligible cluster, no capacity estimate (first pass). */
export const kubefedRsp = kubefed(false);
/** The same after KubeFed's capacity-learning pass (podanalyzer's 60 s unschedulable threshold). */
export const kubefedRspLearned = kubefed(true);

/** Karmada static weights (equal): Webster split, capacity ignored. */
export const karmadaStatic: Baseline = (inst) =>
  forEachArrival(inst, (item, state) => {
    const split = webster(item.w.replicas, new Map(sitesOf(inst, item).map((s) => [s, 1])), item.w.name);
    for (const [s, n] of split) bind(inst, state, item, s, n);
  });

/**
 * Karmada dynamic weights: available replicas from site-wide sums; all-or-nothing; Webster split by
 * availability. On a re-run it is in Steady mode: the previous assignment stays (ClusterLocality); a
 * scale-up splits only the added replicas by availability (all or none of them), a scale-down
 * re-splits in proportion to the previous assignment. A node lost under a kept assignment leaves its
 * replicas pending in that member (Karmada reschedules on cluster failure, not node loss).
 */
export const karmadaDynamic: Baseline = (inst, extra) =>
  forEachArrival(inst, (item, state) => {
    const sites = sitesOf(inst, item);
    const prev = extra.previous?.get(item.w.name);
    const assigned = new Map(sites.map((s) => [s, prev?.get(s) ?? 0] as [string, number]));
    const kept = [...assigned.values()].reduce((a, b) => a + b, 0);
    if (kept > 0) {
      let target = assigned;
      if (kept < item.w.replicas) {
        const avail = new Map(sites.map((s) => [s, Math.max(0, siteSumReplicas(inst, state, item, s) - assigned.get(s)!)] as [string, number]));
        const delta = item.w.replicas - kept;
        if ([...avail.values()].reduce((a, b) => a + b, 0) >= delta) {
          const split = webster(delta, avail, item.w.name);
          target = new Map(sites.map((s) => [s, assigned.get(s)! + (split.get(s) ?? 0)] as [string, number]));
        }
      } else if (kept > item.w.replicas) target = webster(item.w.replicas, assigned, item.w.name);
      for (const [s, n] of target) bind(inst, state, item, s, n);
      return;
    }
    const avail = new Map(sites.map((s) => [s, siteSumReplicas(inst, state, item, s)]));
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
