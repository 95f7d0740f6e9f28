/**
 * Node-level bookkeeping shared by the greedy, the MIP decoder and the explanations: free GPUs per
 * node (whole, or split into MIG slices of one profile), free CPU and memory, replicas per site.
 */
import type { WorkloadModel } from '../model/workload';
import type { Instance, PoolInfo } from './instance';
import type { PlacementView } from './plugins/plugin';

type GpuSlot =
  | { readonly mode: 'free' }
  | { readonly mode: 'whole' }
  | { readonly mode: 'mig'; readonly profile: string; used: number; readonly max: number }
  /** A GPU with the pool's fixed MIG layout: slices in use per profile (capacity in `pool.mig`). */
  | { readonly mode: 'fixed'; readonly used: Map<string, number> };

export interface NodeState {
  readonly pool: PoolInfo;
  readonly index: number;
  gpus: GpuSlot[];
  cpuFree: number;
  memFree: number;
}

/** One placed replica. */
export interface Placed {
  readonly workload: string;
  readonly pool: number;
  readonly node: number;
  readonly gpus: readonly number[];
}

const EPS = 1e-9;

function sliceCount(g: { readonly used: ReadonlyMap<string, number> }): number {
  let n = 0;
  for (const v of g.used.values()) n += v;
  return n;
}

/** Free slices of a profile on a node (fixed MIG layouts and GPUs already split into that profile). */
export function freeSlices(node: NodeState, profile: string): number {
  let n = 0;
  for (const g of node.gpus) {
    if (g.mode === 'fixed') n += (node.pool.mig.get(profile) ?? 0) - (g.used.get(profile) ?? 0);
    else if (g.mode === 'mig' && g.profile === profile) n += g.max - g.used;
  }
  return n;
}

export class FleetState implements PlacementView {
  public readonly nodes: NodeState[][];
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly placed = new Map<string, Placed[]>();
  private readonly siteGpus = new Map<string, { used: number; total: number }>();
  /** Free whole GPUs and CPU per pool (sums over nodes): a quick "full" test before scanning nodes. */
  private readonly poolFree: { gpus: number; cpu: number }[];

  constructor(public readonly inst: Instance) {
    this.nodes = inst.pools.map((pool) =>
      Array.from({ length: pool.count }, (_, index) => ({
        pool,
        index,
        gpus: Array.from({ length: pool.gpus?.count ?? 0 }, (): GpuSlot => (pool.fixedMig ? { mode: 'fixed', used: new Map() } : { mode: 'free' })),
        cpuFree: pool.cpu,
        memFree: pool.memoryGiB,
      })),
    );
    this.poolFree = inst.pools.map((pool) => ({ gpus: pool.fixedMig ? 0 : pool.count * (pool.gpus?.count ?? 0), cpu: pool.count * pool.cpu }));
    for (const pool of inst.pools) {
      const t = this.siteGpus.get(pool.site.name) ?? { used: 0, total: 0 };
      t.total += pool.count * (pool.gpus?.count ?? 0);
      this.siteGpus.set(pool.site.name, t);
    }
  }

  public countAt(workload: string, site: string): number {
    return this.counts.get(workload)?.get(site) ?? 0;
  }

  /** Replicas per site of a workload. */
  public sitesOf(workload: string): ReadonlyMap<string, number> {
    return this.counts.get(workload) ?? new Map();
  }

  public clustersOf(workload: string): readonly string[] {
    return [...new Set(this.replicasOf(workload).map((p) => `${this.inst.pools[p.pool]!.site.name}/${this.inst.pools[p.pool]!.cluster}`))].sort();
  }

  public replicasOf(workload: string): readonly Placed[] {
    return this.placed.get(workload) ?? [];
  }

  /** GPU indices a replica of `w` would take on `node`, or undefined when it does not fit. */
  public fit(w: WorkloadModel, node: NodeState): number[] | undefined {
    if (node.cpuFree + EPS < w.cpu || node.memFree + EPS < w.memoryGiB) return undefined;
    if (!w.gpu) return [];
    if (w.gpu.migProfile) {
      const profile = w.gpu.migProfile;
      if (node.pool.fixedMig) {
        const max = node.pool.mig.get(profile) ?? 0;
        const i = node.gpus.findIndex((g) => g.mode === 'fixed' && (g.used.get(profile) ?? 0) < max);
        return i >= 0 ? [i] : undefined;
      }
      const shared = node.gpus.findIndex((g) => g.mode === 'mig' && g.profile === profile && g.used < g.max);
      if (shared >= 0) return [shared];
      const free = node.gpus.findIndex((g) => g.mode === 'free');
      return free >= 0 && node.pool.mig.has(profile) ? [free] : undefined;
    }
    const free: number[] = [];
    node.gpus.forEach((g, i) => {
      if (g.mode === 'free' && free.length < w.gpu!.count) free.push(i);
    });
    return free.length === w.gpu.count ? free : undefined;
  }

  /** Whether a replica of `w` fits on `node` on exactly these GPUs (to keep a previous placement byte for byte). */
  public fitsOn(w: WorkloadModel, node: NodeState, gpus: readonly number[]): boolean {
    if (node.cpuFree + EPS < w.cpu || node.memFree + EPS < w.memoryGiB) return false;
    if (!w.gpu) return gpus.length === 0;
    if (w.gpu.migProfile) {
      const profile = w.gpu.migProfile;
      const g = gpus.length === 1 ? node.gpus[gpus[0]!] : undefined;
      if (!g) return false;
      if (g.mode === 'fixed') return (g.used.get(profile) ?? 0) < (node.pool.mig.get(profile) ?? 0);
      if (g.mode === 'mig') return g.profile === profile && g.used < g.max;
      return g.mode === 'free' && node.pool.mig.has(profile);
    }
    return gpus.length === w.gpu.count && new Set(gpus).size === gpus.length && gpus.every((i) => node.gpus[i]?.mode === 'free');
  }

  /** Free whole GPUs on a node. */
  public freeGpus(node: NodeState): number {
    return node.gpus.filter((g) => g.mode === 'free').length;
  }

  /** Places one replica of `w` on `node` (which must fit). */
  public put(w: WorkloadModel, node: NodeState, gpus: readonly number[]): Placed {
    const load = this.siteGpus.get(node.pool.site.name)!;
    for (const i of gpus) {
      const g = node.gpus[i]!;
      if (g.mode === 'fixed') {
        if (sliceCount(g) === 0) load.used += 1;
        g.used.set(w.gpu!.migProfile!, (g.used.get(w.gpu!.migProfile!) ?? 0) + 1);
        continue;
      }
      if (g.mode === 'free') {
        load.used += 1;
        this.poolFree[node.pool.index]!.gpus -= 1;
      }
      if (w.gpu?.migProfile) {
        if (g.mode === 'mig') g.used += 1;
        else node.gpus[i] = { mode: 'mig', profile: w.gpu.migProfile, used: 1, max: node.pool.mig.get(w.gpu.migProfile)! };
      } else node.gpus[i] = { mode: 'whole' };
    }
    node.cpuFree -= w.cpu;
    node.memFree -= w.memoryGiB;
    this.poolFree[node.pool.index]!.cpu -= w.cpu;
    const p: Placed = { workload: w.name, pool: node.pool.index, node: node.index, gpus: [...gpus] };
    this.bump(w.name, node.pool.site.name, 1);
    const list = this.placed.get(w.name) ?? [];
    list.push(p);
    this.placed.set(w.name, list);
    return p;
  }

  /** Undoes `put` (the most recent replicas first keeps MIG state exact). */
  public take(w: WorkloadModel, p: Placed): void {
    const node = this.nodes[p.pool]![p.node]!;
    const load = this.siteGpus.get(node.pool.site.name)!;
    for (const i of p.gpus) {
      const g = node.gpus[i]!;
      if (g.mode === 'fixed') {
        const profile = w.gpu!.migProfile!;
        g.used.set(profile, g.used.get(profile)! - 1);
        if (g.used.get(profile) === 0) g.used.delete(profile);
        if (sliceCount(g) === 0) load.used -= 1;
        continue;
      }
      if (g.mode === 'mig') g.used -= 1;
      if (g.mode !== 'mig' || g.used === 0) {
        node.gpus[i] = { mode: 'free' };
        load.used -= 1;
        this.poolFree[node.pool.index]!.gpus += 1;
      }
    }
    node.cpuFree += w.cpu;
    node.memFree += w.memoryGiB;
    this.poolFree[node.pool.index]!.cpu += w.cpu;
    this.bump(w.name, node.pool.site.name, -1);
    const list = this.placed.get(w.name)!;
    list.splice(list.lastIndexOf(p), 1);
  }

  /**
   * The best node of a pool for one more replica of `w`: the tightest fit (fewest free GPUs left,
   * then least CPU left), ties on node index. Undefined when no node fits.
   */
  public bestNode(w: WorkloadModel, pool: number): { node: NodeState; gpus: number[] } | undefined {
    const free = this.poolFree[pool]!;
    if (free.cpu + EPS < w.cpu || (w.gpu && !w.gpu.migProfile && free.gpus < w.gpu.count)) return undefined;
    let best: { node: NodeState; gpus: number[]; key: [number, number] } | undefined;
    for (const node of this.nodes[pool]!) {
      const gpus = this.fit(w, node);
      if (!gpus) continue;
      const sharesMig = w.gpu?.migProfile && node.gpus[gpus[0]!]!.mode !== 'free' ? -1 : 0;
      const key: [number, number] = [this.freeGpus(node) - (w.gpu && !w.gpu.migProfile ? w.gpu.count : 0) + sharesMig, node.cpuFree - w.cpu];
      if (!best || key[0] < best.key[0] || (key[0] === best.key[0] && key[1] < best.key[1] - EPS)) best = { node, gpus, key };
    }
    return best && { node: best.node, gpus: best.gpus };
  }

  /** GPUs in use at a site divided by GPUs installed there (0 for a site without GPUs). */
  public gpuLoad(site: string): number {
    const t = this.siteGpus.get(site);
    return !t || t.total === 0 ? 0 : t.used / t.total;
  }

  private bump(workload: string, site: string, d: number): void {
    const m = this.counts.get(workload) ?? new Map<string, number>();
    const n = (m.get(site) ?? 0) + d;
    if (n === 0) m.delete(site);
    else m.set(site, n);
    this.counts.set(workload, m);
  }
}
