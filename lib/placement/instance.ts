/**
 * The solver's view of a fleet: node pools with their site and cluster, and per workload the pools
 * that pass every static filter, with the reasons of those that do not.
 */
import type { FleetModel, NodeGpus, SiteModel } from '../model/fleet';
import { gpuModel } from '../model/gpu-models';
import type { WorkloadModel } from '../model/workload';
import type { FilterContext } from './plugins/plugin';
import { FILTERS } from './plugins';
import type { PreviousPlacement, SiteReason } from './types';

/** A node pool as the solver sees it. */
export interface PoolInfo {
  /** Index in `Instance.pools`. */
  readonly index: number;
  readonly site: SiteModel;
  readonly cluster: string;
  readonly name: string;
  /** Number of identical nodes. */
  readonly count: number;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpus?: NodeGpus;
  /** MIG profile name -> instances per GPU: the model's profiles, or the fixed layout's (then `fixedMig`); empty when MIG is off. */
  readonly mig: ReadonlyMap<string, number>;
  /** Every GPU carries the fixed layout `mig` (all its profiles at once); no whole GPUs. */
  readonly fixedMig: boolean;
}

/** A workload with what the engines need. */
export interface Item {
  readonly index: number;
  readonly w: WorkloadModel;
  /** Work of one replica: GPUs (1 for a MIG slice or a CPU-only replica). */
  readonly work: number;
  /** priority × work. */
  readonly value: number;
  /** Pools that pass every static filter, by index, sorted by site then cluster then pool name. */
  readonly pools: readonly number[];
  /** Static reason per site that has no eligible pool. */
  readonly staticReasons: readonly SiteReason[];
  /** Replicas per site in the previous placement. */
  readonly previous: ReadonlyMap<string, number>;
}

export interface Instance {
  readonly fleet: FleetModel;
  readonly ctx: FilterContext;
  readonly pools: readonly PoolInfo[];
  readonly items: readonly Item[];
  readonly byName: ReadonlyMap<string, Item>;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Work of one replica: whole GPUs, or 1 for a MIG slice or a CPU-only replica. */
export function replicaWork(w: WorkloadModel): number {
  if (!w.gpu) return 1;
  return w.gpu.migProfile ? 1 : w.gpu.count;
}

export function buildInstance(fleet: FleetModel, workloads: readonly WorkloadModel[], previous?: PreviousPlacement): Instance {
  const pools: PoolInfo[] = [];
  for (const site of fleet.sites) {
    for (const cluster of site.clusters) {
      for (const pn of cluster.nodePools) {
        const p = site.nodePools.find((x) => x.name === pn)!;
        const model = p.gpus ? gpuModel(p.gpus.model) : undefined;
        const layout = p.gpus?.migLayout;
        const mig = layout
          ? new Map<string, number>(Object.keys(layout).sort().map((k) => [k, layout[k]!] as const))
          : p.gpus?.migDisabled
            ? new Map<string, number>()
            : new Map<string, number>((model?.mig?.profiles ?? []).map((m) => [m.name, m.maxPerGpu] as const));
        pools.push({ index: pools.length, site, cluster: cluster.name, name: p.name, count: p.count, cpu: p.cpu, memoryGiB: p.memoryGiB, ...(p.gpus ? { gpus: p.gpus } : {}), mig, fixedMig: layout !== undefined });
      }
    }
  }
  const sortedWorkloads = [...workloads].sort((a, b) => cmp(a.name, b.name));
  const ctx: FilterContext = { fleet, workloads: new Map(sortedWorkloads.map((w) => [w.name, w] as const)) };
  const prevMap = new Map<string, Map<string, number>>();
  for (const pw of previous?.workloads ?? []) {
    const m = new Map<string, number>();
    for (const a of pw.assignments) m.set(a.site, (m.get(a.site) ?? 0) + 1);
    prevMap.set(pw.name, m);
  }
  const poolsBySite = new Map<SiteModel, PoolInfo[]>();
  for (const p of pools) poolsBySite.set(p.site, [...(poolsBySite.get(p.site) ?? []), p]);
  // Static filters see a workload's needs only (not its name, size, priority or relations), so
  // workloads with the same needs share one evaluation: linear in distinct needs × pools.
  const memo = new Map<string, { eligible: number[]; staticReasons: SiteReason[] }>();
  const items: Item[] = sortedWorkloads.map((w, index) => {
    const key = needsKey(w);
    const known = memo.get(key);
    const work = replicaWork(w);
    if (known) return { index, w, work, value: w.priority * work, pools: known.eligible, staticReasons: known.staticReasons, previous: prevMap.get(w.name) ?? new Map() };
    const eligible: number[] = [];
    const staticReasons: SiteReason[] = [];
    for (const site of fleet.sites) {
      let siteReason: SiteReason | undefined;
      for (const f of FILTERS) {
        const r = f.site?.(w, site, ctx);
        if (r !== undefined) {
          siteReason = { site: site.name, plugin: f.name, reason: r };
          break;
        }
      }
      if (siteReason) {
        staticReasons.push(siteReason);
        continue;
      }
      const poolReasons: { pool: string; plugin: string; reason: string }[] = [];
      const before = eligible.length;
      for (const pool of poolsBySite.get(site) ?? []) {
        let pr: { plugin: string; reason: string } | undefined;
        for (const f of FILTERS) {
          const r = f.pool?.(w, pool, ctx);
          if (r !== undefined) {
            pr = { plugin: f.name, reason: r };
            break;
          }
        }
        if (pr) poolReasons.push({ pool: pool.name, ...pr });
        else eligible.push(pool.index);
      }
      if (eligible.length === before && poolReasons.length > 0) {
        const distinct = [...new Set(poolReasons.map((r) => r.reason))];
        const reason = distinct.length === 1 ? distinct[0]! : poolReasons.map((r) => `${r.pool}: ${r.reason}`).join('; ');
        staticReasons.push({ site: site.name, plugin: poolReasons[0]!.plugin, reason });
      }
    }
    memo.set(key, { eligible, staticReasons });
    return { index, w, work, value: w.priority * work, pools: eligible, staticReasons, previous: prevMap.get(w.name) ?? new Map() };
  });
  return { fleet, ctx, pools, items, byName: new Map(items.map((i) => [i.w.name, i] as const)) };
}

/** What the static (site and pool) filters read of a workload: everything but its name, size, priority and relations. */
function needsKey(w: WorkloadModel): string {
  const { name: _n, replicas: _r, priority: _p, affinity: _a, antiAffinity: _aa, gang: _g, spread: _s, ...needs } = w;
  return JSON.stringify(needs);
}

/** Most replicas of `w` one empty node of `pool` holds (by GPUs, MIG slices, CPU and memory). */
export function replicasPerNode(w: WorkloadModel, pool: PoolInfo): number {
  let n = Infinity;
  if (w.cpu > 0) n = Math.min(n, Math.floor(pool.cpu / w.cpu + 1e-9));
  if (w.memoryGiB > 0) n = Math.min(n, Math.floor(pool.memoryGiB / w.memoryGiB + 1e-9));
  const g = w.gpu;
  if (g && pool.gpus) n = Math.min(n, g.migProfile ? pool.gpus.count * (pool.mig.get(g.migProfile) ?? 0) : Math.floor(pool.gpus.count / g.count));
  return n === Infinity ? 1e6 : n;
}
