/**
 * The exact engine: a mixed-integer program solved by HiGHS (WebAssembly), seeded with the greedy.
 *
 * Formulation (identical replicas and identical nodes aggregated):
 * - `x[w,p]` integer: replicas of workload w on node pool p (only pools that pass the static filters).
 * - `n[p,k]` integer: nodes of pool p filled by GPU pattern k. A pattern is a maximal way to split one
 *   node's GPUs among the replica sizes (and MIG profiles) that can go to the pool, so per-node GPU fit
 *   is exact while identical nodes share one column per pattern (Gilmore–Gomory style).
 * - `y[w,s]`, `z[w]` binary, only for workloads with spread, affinity or anti-affinity rules or gangs.
 * - `d[w,s]` continuous: churn against the previous placement.
 * CPU and memory are constrained per pool (Σ ≤ nodes × per node); the decoder packs them per node and
 * drops what does not fit, which it reports (the status then falls to `feasible`).
 * Stage 1 maximises Σ priority × work × x. Stage 2 keeps that value and minimises
 * churn + α·cost + β·balance + γ·(site order), with α·cost ≤ 0.5, β·balance ≤ 5e-4 and γ-term ≤ 1e-7,
 * so churn dominates cost, and cost dominates balance up to those weights.
 */
import type { Highs } from 'highs';
import type { Costs } from './costs';
import { replicasPerNode, type Instance, type Item, type PoolInfo } from './instance';
import { FILTERS } from './plugins';
import { greedy } from './greedy';
import type { MipRows } from './plugins/plugin';
import { FleetState } from './state';

/** A replica class on a pool: whole GPUs of one size, or one MIG profile. */
interface GpuClass {
  readonly key: string;
  /** GPUs one unit takes (1 for a MIG GPU). */
  readonly size: number;
  /** Replicas one unit holds (MIG slices per GPU; 1 for whole GPUs). */
  readonly slots: number;
}

interface PoolPatterns {
  readonly classes: readonly GpuClass[];
  /** Units of each class per pattern. */
  readonly patterns: readonly (readonly number[])[];
  readonly index: ReadonlyMap<string, number>;
}

function classKey(item: Item): string | undefined {
  const g = item.w.gpu;
  if (!g) return undefined;
  return g.migProfile ? `mig:${g.migProfile}` : `gpu:${g.count}`;
}

/** Every maximal pattern of a node with `gpus` GPUs over `classes`. */
function enumeratePatterns(gpus: number, classes: readonly GpuClass[]): number[][] {
  const out: number[][] = [];
  const minSize = Math.min(...classes.map((c) => c.size));
  const cur = classes.map(() => 0);
  const rec = (i: number, rem: number) => {
    if (i === classes.length) {
      if (rem < minSize) out.push([...cur]);
      return;
    }
    const size = classes[i]!.size;
    for (let k = Math.floor(rem / size); k >= 0; k--) {
      cur[i] = k;
      rec(i + 1, rem - k * size);
    }
    cur[i] = 0;
  };
  rec(0, gpus);
  return out;
}

/** The replica classes that can go to a pool, largest first (undefined when none takes GPUs). */
function poolClasses(pool: PoolInfo, items: readonly Item[]): GpuClass[] | undefined {
  if (!pool.gpus) return undefined;
  const classes = new Map<string, GpuClass>();
  for (const it of items) {
    const key = classKey(it);
    if (!key || classes.has(key)) continue;
    const mig = it.w.gpu!.migProfile;
    classes.set(key, mig ? { key, size: 1, slots: pool.mig.get(mig)! } : { key, size: it.w.gpu!.count, slots: 1 });
  }
  if (classes.size === 0) return undefined;
  return [...classes.values()].sort((a, b) => b.size - a.size || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * A plain GPU-sum row is exact when every class takes whole GPUs and the sizes divide each other and
 * the node (1, 2, 4, 8 on 8-GPU nodes): then any total up to the pool's GPUs packs into its nodes
 * (largest first, tightest node), so no pattern columns are needed.
 */
function gpuSumExact(classes: readonly GpuClass[], gpus: number): boolean {
  if (classes.some((c) => c.key.startsWith('mig:'))) return false;
  if (gpus % classes[0]!.size !== 0) return false;
  for (let i = 1; i < classes.length; i++) if (classes[i - 1]!.size % classes[i]!.size !== 0) return false;
  return true;
}

function poolPatterns(pool: PoolInfo, classes: GpuClass[]): PoolPatterns {
  const patterns = enumeratePatterns(pool.gpus!.count, classes);
  return { classes, patterns, index: new Map(patterns.map((p, i) => [p.join(','), i] as const)) };
}

/** Extends a node's content to a maximal pattern (adding the largest classes first). */
function maximal(content: number[], classes: readonly GpuClass[], gpus: number): number[] {
  const out = [...content];
  let used = out.reduce((s, k, i) => s + k * classes[i]!.size, 0);
  for (let i = 0; i < classes.length; i++) {
    while (used + classes[i]!.size <= gpus) {
      out[i]! += 1;
      used += classes[i]!.size;
    }
  }
  return out;
}

interface Row {
  readonly lo: number;
  readonly hi: number;
  readonly cols: readonly number[];
  readonly coefs: readonly number[];
}

/** Result of the MIP engine. */
export interface MipResult {
  readonly state: FleetState;
  readonly optimal: boolean;
  readonly bound: number;
  readonly lpBound?: number;
  readonly notes: readonly string[];
  /** Merged column sets (identical workloads share one) and workloads in them, for the report. */
  readonly classes: { readonly units: number; readonly workloads: number };
}

export interface MipOptions {
  /** Wall-clock safety limit per solve in seconds. A solve it stops is discarded, so results never depend on machine speed. */
  readonly timeLimitSec: number;
  /** Deterministic work limit per MIP stage: simplex iterations summed over the branch-and-bound tree. */
  readonly workLimit: number;
  readonly mipRelGap: number;
  readonly secondStage: boolean;
  readonly lpBound: boolean;
  /** Largest node-level model (replica columns per node) solved exactly; above it identical nodes are aggregated. */
  readonly nodeLevelMaxCols: number;
}

/**
 * Workloads that share one column per pool: identical per-replica needs, eligible pools and priority,
 * and no rule that tells them apart (gang, spread, affinity, anti-affinity in either direction).
 * Their previous replicas are summed per site: a merged churn row is exact, because members are
 * interchangeable and any site total can be split so each member keeps min(previous, its share).
 */
export interface Unit {
  readonly index: number;
  /** The member whose needs stand for all (the first by name). */
  readonly rep: Item;
  /** Members in name order. */
  readonly members: readonly Item[];
  readonly replicas: number;
  readonly previous: ReadonlyMap<string, number>;
}

function mergeable(it: Item, referenced: ReadonlySet<string>): boolean {
  const w = it.w;
  const s = w.spread;
  if (w.gang || w.affinity.length > 0 || w.antiAffinity.length > 0 || referenced.has(w.name)) return false;
  if (s.minSites !== undefined || s.maxPerSite !== undefined || s.maxSites !== undefined || s.maxClusters !== undefined) return false;
  let prev = 0;
  for (const n of it.previous.values()) prev += n;
  return prev <= w.replicas;
}

/** Groups identical workloads into units (one per workload when `merge` is off). Linear in the workloads. */
export function buildUnits(inst: Instance, merge: boolean): { units: Unit[]; unitOf: number[] } {
  const referenced = new Set<string>();
  for (const it of inst.items) for (const n of [...it.w.affinity, ...it.w.antiAffinity]) referenced.add(n);
  const groups = new Map<string, Item[]>();
  const order: Item[][] = [];
  for (const it of inst.items) {
    const w = it.w;
    const key = merge && mergeable(it, referenced) ? `${it.pools.join(',')}|${JSON.stringify(w.gpu ?? null)}|${w.cpu}|${w.memoryGiB}|${w.priority}` : `#${it.index}`;
    let g = groups.get(key);
    if (!g) {
      g = [];
      groups.set(key, g);
      order.push(g);
    }
    g.push(it);
  }
  const unitOf = new Array<number>(inst.items.length);
  const units = order.map((members, index): Unit => {
    const previous = new Map<string, number>();
    let replicas = 0;
    for (const m of members) {
      unitOf[m.index] = index;
      replicas += m.w.replicas;
      for (const [site, n] of m.previous) previous.set(site, (previous.get(site) ?? 0) + n);
    }
    return { index, rep: members[0]!, members, replicas, previous };
  });
  return { units, unitOf };
}

/** Builds and solves the MIP; `incumbent` is the warm start (the greedy, or the previous placement completed by it). */
export function solveMip(highs: Highs, inst: Instance, costs: Costs, incumbent: FleetState, opts: MipOptions): MipResult {
  const notes: string[] = [];
  const INF = highs.infinity;
  const lower: number[] = [];
  const upper: number[] = [];
  const integer: number[] = [];
  const value: number[] = [];
  const stage2: number[] = [];
  const rows: Row[] = [];
  const addCol = (lo: number, hi: number, isInt: boolean): number => {
    lower.push(lo);
    upper.push(hi);
    integer.push(isInt ? 1 : 0);
    value.push(0);
    stage2.push(0);
    return lower.length - 1;
  };
  const addRow = (lo: number, hi: number, cols: readonly number[], coefs: readonly number[]) => {
    rows.push({ lo: lo === -Infinity ? -INF : lo, hi: hi === Infinity ? INF : hi, cols, coefs });
  };

  // Per-node columns would be (Σ workloads × nodes over pools): decide the capacity model first, then
  // merge identical workloads when nodes are aggregated (their node-level columns stay per workload).
  let nodeCols = 0;
  for (const it of inst.items) for (const p of it.pools) if (replicasPerNode(it.w, inst.pools[p]!) > 0) nodeCols += inst.pools[p]!.count;
  const nodeLevel = nodeCols <= opts.nodeLevelMaxCols;
  const { units, unitOf } = buildUnits(inst, !nodeLevel);

  // Replica columns: x[unit][pool].
  const x = new Map<number, Map<number, number>>(); // unit -> pool -> col
  const unitsAtPool = new Map<number, Unit[]>();
  const siteNames = inst.fleet.sites.map((s) => s.name);
  const siteRank = new Map(siteNames.map((s, i) => [s, i / Math.max(1, siteNames.length)] as const));
  let costMax = 0;
  let balMax = 0;
  for (const un of units) {
    let cm = 0;
    let bm = 0;
    for (const p of un.rep.pools) {
      cm = Math.max(cm, costs.cost(un.rep, p));
      bm = Math.max(bm, costs.balance(un.rep, p));
    }
    costMax += cm * un.replicas;
    balMax += bm * un.replicas;
  }
  // Stage 2 minimises churn + α·cost + β·balance + γ·(site order); α·cost ≤ 0.25, β·balance ≤ 1e-4,
  // γ-term ≤ 1e-7: churn is integral, so at a gap below 0.25 it is exactly minimal.
  const alpha = costMax > 0 ? 0.25 / costMax : 0;
  const beta = balMax > 0 ? 1e-4 / balMax : 0;
  const totalReplicas = units.reduce((s, un) => s + un.replicas, 0);
  const gamma = 1e-7 / Math.max(1, totalReplicas);
  const colsAtSite = new Map<number, Map<string, number[]>>(); // unit -> site -> cols
  for (const un of units) {
    const it = un.rep;
    const m = new Map<number, number>();
    const bySite = new Map<string, number[]>();
    for (const p of it.pools) {
      const pool = inst.pools[p]!;
      const perNode = replicasPerNode(it.w, pool);
      const ub = Math.min(un.replicas, it.w.spread.maxPerSite ?? Infinity, perNode * pool.count);
      if (ub <= 0) continue;
      const c = addCol(0, ub, true);
      value[c] = it.value;
      stage2[c] = alpha * costs.cost(it, p) + beta * costs.balance(it, p) + gamma * siteRank.get(pool.site.name)!;
      m.set(p, c);
      const list = unitsAtPool.get(p) ?? [];
      list.push(un);
      unitsAtPool.set(p, list);
      const at = bySite.get(pool.site.name) ?? [];
      at.push(c);
      bySite.set(pool.site.name, at);
    }
    x.set(un.index, m);
    colsAtSite.set(un.index, bySite);
  }
  const xOf = (it: Item): Map<number, number> => x.get(unitOf[it.index]!) ?? new Map();
  const colsAt = (it: Item, site: string): number[] => colsAtSite.get(unitOf[it.index]!)?.get(site) ?? [];
  const sitesOf = (it: Item): string[] => [...(colsAtSite.get(unitOf[it.index]!)?.keys() ?? [])].sort();

  // Site-use and any-use columns, created on demand by the relational plugins (never for merged units).
  const y = new Map<string, number>();
  const z = new Map<number, number>();
  const u = new Map<string, number>(); // item/site/cluster -> cluster-use column
  const anyUse = (it: Item): number => {
    let c = z.get(it.index);
    if (c === undefined) {
      c = addCol(0, 1, true);
      z.set(it.index, c);
    }
    return c;
  };
  const siteUse = (it: Item, site: string): number => {
    const key = `${it.index}/${site}`;
    let c = y.get(key);
    if (c === undefined) {
      c = addCol(0, 1, true);
      y.set(key, c);
      const cols = colsAt(it, site);
      const ub = Math.min(it.w.replicas, it.w.spread.maxPerSite ?? Infinity);
      for (const xc of cols) addRow(-Infinity, 0, [xc, c], [1, -ub]);
      addRow(-Infinity, 0, [c, ...cols], [1, ...cols.map(() => -1)]);
      addRow(-Infinity, 0, [c, anyUse(it)], [1, -1]);
    }
    return c;
  };
  const clusterKeyOf = (p: number) => `${inst.pools[p]!.site.name}/${inst.pools[p]!.cluster}`;
  const clusterUse = (it: Item, key: string): number => {
    const k = `${it.index}/${key}`;
    let c = u.get(k);
    if (c === undefined) {
      c = addCol(0, 1, true);
      u.set(k, c);
      const cols = [...xOf(it).entries()].filter(([p]) => clusterKeyOf(p) === key).map(([, xc]) => xc);
      for (const xc of cols) addRow(-Infinity, 0, [xc, c], [1, -it.w.replicas]);
    }
    return c;
  };
  const item = (name: string): Item => inst.byName.get(name)!;
  const mipRows: MipRows = {
    eligibleClusters: (w) => [...new Set([...xOf(item(w)).keys()].map(clusterKeyOf))].sort(),
    clusterUse: (w, key) => clusterUse(item(w), key),
    eligibleSites: (w) => sitesOf(item(w)),
    siteUse: (w, s) => siteUse(item(w), s),
    anyUse: (w) => anyUse(item(w)),
    replicaCols: (w, s) => colsAt(item(w), s),
    addRow,
  };
  for (const un of units) if (un.members.length === 1) for (const f of FILTERS) f.rows?.(un.rep.w, mipRows, inst.ctx);

  // Replica count (gangs: all or none).
  for (const un of units) {
    const it = un.rep;
    const cols = [...(x.get(un.index) ?? new Map<number, number>()).values()];
    if (cols.length === 0) continue;
    if (it.w.gang) addRow(0, 0, [...cols, anyUse(it)], [...cols.map(() => 1), -it.w.replicas]);
    else if (z.has(it.index)) addRow(-Infinity, 0, [...cols, z.get(it.index)!], [...cols.map(() => 1), -it.w.replicas]);
    else addRow(-Infinity, un.replicas, cols, cols.map(() => 1));
  }

  // Capacity. Exact per node when the node-level model is small enough; otherwise identical nodes are
  // aggregated: one GPU-sum row per pool where it is exact (whole-GPU sizes that divide each other and
  // the node), GPU patterns elsewhere, with CPU and memory summed per pool.
  const patterns = new Map<number, { pp: PoolPatterns; cols: number[] }>();
  const xn = new Map<number, Map<number, number[]>>(); // item -> pool -> col per node
  const migCols = new Map<number, Map<string, number[]>>(); // pool -> MIG profile -> col per node
  let sumRows = 0;
  for (const pool of inst.pools) {
    const ulist = unitsAtPool.get(pool.index) ?? [];
    if (ulist.length === 0) continue;
    const colOf = (un: Unit) => x.get(un.index)!.get(pool.index)!;
    if (nodeLevel) {
      const list = ulist.map((un) => un.rep);
      const perNode = list.map((it) => {
        const ub = Math.min(replicasPerNode(it.w, pool), it.w.replicas);
        const cols = Array.from({ length: pool.count }, () => addCol(0, ub, true));
        const agg = xOf(it).get(pool.index)!;
        addRow(0, 0, [agg, ...cols], [1, ...cols.map(() => -1)]);
        const m = xn.get(it.index) ?? new Map<number, number[]>();
        m.set(pool.index, cols);
        xn.set(it.index, m);
        return cols;
      });
      const profiles = [...new Set(list.map((it) => it.w.gpu?.migProfile).filter((p): p is string => p !== undefined))].sort();
      // A fixed layout offers every profile's slices at once: no split decision, no whole GPUs.
      const mig = pool.fixedMig ? new Map<string, number[]>() : new Map(profiles.map((pr) => [pr, Array.from({ length: pool.count }, () => addCol(0, pool.gpus?.count ?? 0, true))] as const));
      if (!pool.fixedMig) migCols.set(pool.index, mig);
      for (let n = 0; n < pool.count; n++) {
        const at = (f: (it: Item) => number) => {
          const cols: number[] = [];
          const coefs: number[] = [];
          list.forEach((it, i) => {
            const c = f(it);
            if (c !== 0) {
              cols.push(perNode[i]![n]!);
              coefs.push(c);
            }
          });
          return { cols, coefs };
        };
        const cpu = at((it) => it.w.cpu);
        if (cpu.cols.length > 0) addRow(-Infinity, pool.cpu, cpu.cols, cpu.coefs);
        const mem = at((it) => it.w.memoryGiB);
        if (mem.cols.length > 0) addRow(-Infinity, pool.memoryGiB, mem.cols, mem.coefs);
        if (pool.gpus && pool.fixedMig) {
          for (const pr of profiles) {
            const slices = at((it) => (it.w.gpu?.migProfile === pr ? 1 : 0));
            if (slices.cols.length > 0) addRow(-Infinity, pool.gpus.count * (pool.mig.get(pr) ?? 0), slices.cols, slices.coefs);
          }
        } else if (pool.gpus) {
          const whole = at((it) => (it.w.gpu && !it.w.gpu.migProfile ? it.w.gpu.count : 0));
          const m = profiles.map((pr) => mig.get(pr)![n]!);
          if (whole.cols.length + m.length > 0) addRow(-Infinity, pool.gpus.count, [...whole.cols, ...m], [...whole.coefs, ...m.map(() => 1)]);
          for (const pr of profiles) {
            const slices = at((it) => (it.w.gpu?.migProfile === pr ? 1 : 0));
            addRow(-Infinity, 0, [...slices.cols, mig.get(pr)![n]!], [...slices.coefs, -pool.mig.get(pr)!]);
          }
        }
        // Identical nodes: order them by the work they hold (removes symmetric copies of a solution).
        if (n + 1 < pool.count) {
          const a = at((it) => it.value);
          const b = list.map((_, i) => perNode[i]![n + 1]!);
          addRow(0, Infinity, [...a.cols, ...b], [...a.coefs, ...list.map((it) => -it.value)]);
        }
      }
      continue;
    }
    if (pool.fixedMig && pool.gpus) {
      // Identical nodes with a fixed layout: each profile's slices are an independent pool-wide capacity.
      const profiles = [...new Set(ulist.map((un) => un.rep.w.gpu?.migProfile).filter((p): p is string => p !== undefined))].sort();
      for (const pr of profiles) {
        const members = ulist.filter((un) => un.rep.w.gpu?.migProfile === pr).map(colOf);
        addRow(-Infinity, pool.count * pool.gpus.count * (pool.mig.get(pr) ?? 0), members, members.map(() => 1));
      }
    }
    const classes = pool.fixedMig ? undefined : poolClasses(pool, ulist.map((un) => un.rep));
    if (classes && pool.gpus && gpuSumExact(classes, pool.gpus.count)) {
      const whole = ulist.filter((un) => classKey(un.rep) !== undefined);
      addRow(-Infinity, pool.count * pool.gpus.count, whole.map(colOf), whole.map((un) => un.rep.w.gpu!.count));
      sumRows++;
    } else if (classes) {
      const pp = poolPatterns(pool, classes);
      const cols = pp.patterns.map(() => addCol(0, pool.count, true));
      patterns.set(pool.index, { pp, cols });
      addRow(-Infinity, pool.count, cols, cols.map(() => 1));
      const byClass = new Map<string, Unit[]>();
      for (const un of ulist) {
        const k = classKey(un.rep);
        if (k) byClass.set(k, [...(byClass.get(k) ?? []), un]);
      }
      pp.classes.forEach((cl, ci) => {
        const members = (byClass.get(cl.key) ?? []).map(colOf);
        addRow(-Infinity, 0, [...members, ...cols], [...members.map(() => 1), ...pp.patterns.map((p) => -p[ci]! * cl.slots)]);
      });
    }
    const cpuUnits = ulist.filter((un) => un.rep.w.cpu > 0);
    if (cpuUnits.length > 0) addRow(-Infinity, pool.count * pool.cpu, cpuUnits.map(colOf), cpuUnits.map((un) => un.rep.w.cpu));
    const memUnits = ulist.filter((un) => un.rep.w.memoryGiB > 0);
    if (memUnits.length > 0) addRow(-Infinity, pool.count * pool.memoryGiB, memUnits.map(colOf), memUnits.map((un) => un.rep.w.memoryGiB));
  }
  const merged = units.filter((un) => un.members.length > 1);
  const classes = { units: units.length, workloads: inst.items.length };
  if (!nodeLevel) {
    notes.push(
      `identical nodes aggregated (${nodeCols} node-level columns would exceed ${opts.nodeLevelMaxCols}): ${sumRows} pool${sumRows === 1 ? '' : 's'} with an exact GPU-sum row, ${patterns.size} with GPU patterns; CPU and memory summed per pool`,
    );
    if (merged.length > 0) notes.push(`${inst.items.length} workloads merged into ${units.length} column sets (${merged.length} sets of identical workloads)`);
  }

  // Churn: d[unit, site] ≥ previous − now.
  const d: { un: Unit; site: string; col: number }[] = [];
  for (const un of units) {
    for (const [site, prev] of [...un.previous.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const col = addCol(0, INF, false);
      stage2[col] = 1;
      const cols = colsAtSite.get(un.index)?.get(site) ?? [];
      addRow(prev, INF, [col, ...cols], [1, ...cols.map(() => 1)]);
      d.push({ un, site, col });
    }
  }

  const isChurn = new Set(d.map((e) => e.col));
  const numCols = lower.length;
  if (numCols === 0) return { state: incumbent, optimal: true, bound: 0, ...(opts.lpBound ? { lpBound: 0 } : {}), notes, classes };
  let start = greedyVector(inst, incumbent, numCols, x, unitOf, patterns, y, z, d, xn, migCols, u);
  const TIME = highs.constants.modelStatus.timeLimit;
  const OPT = highs.constants.modelStatus.optimal;
  const ITER = highs.constants.modelStatus.iterationLimit;
  // The LP relaxation is bounded by simplex iterations too (several MIP stages' worth: it is one solve).
  const lpIterationLimit = Math.max(1, Math.floor(opts.workLimit)) * 4;

  const solve = (cost: number[], extra: readonly Row[], sense: 'max' | 'min', warm: Float64Array | number[], mip: boolean, relGap: number) => {
    const all = extra.length > 0 ? [...rows, ...extra] : rows;
    const data = toModel(highs, numCols, cost, sense, lower, upper, mip ? integer : undefined, all);
    const model = highs.createModel(data);
    try {
      model.options.set({ output_flag: false, time_limit: opts.timeLimitSec, mip_rel_gap: relGap, random_seed: 1, ...(mip ? {} : { simplex_iteration_limit: lpIterationLimit }) });
      if (mip) {
        try {
          model.setSolution({ colValue: warm });
        } catch {
          notes.push('HiGHS rejected the warm start; it solved without one');
        }
      }
      // The work limit counts simplex iterations, which are the same on every machine (wall time is not).
      let stoppedByWork = false;
      const limit = BigInt(Math.max(1, Math.floor(opts.workLimit)));
      model.run(
        mip
          ? {
              [highs.constants.callbackType.mipInterrupt]: (event) => {
                if ((event.data.mip_total_lp_iterations ?? 0n) >= limit) {
                  stoppedByWork = true;
                  event.interrupt();
                }
              },
            }
          : undefined,
      );
      const status = model.getModelStatus();
      let sol: { colValue: ArrayLike<number> } = { colValue: [] };
      try {
        sol = model.getSolution();
      } catch {
        // No primal solution (for example an empty model or an early stop); the caller keeps its incumbent.
      }
      const info = (k: string) => {
        try {
          return Number(model.info.get(k));
        } catch {
          return NaN;
        }
      };
      const timedOut = status === TIME;
      return {
        status,
        timedOut,
        stoppedByWork: stoppedByWork || status === ITER,
        objective: sol.colValue.length === numCols ? model.getObjectiveValue() : NaN,
        col: sol.colValue,
        dual: mip ? info('mip_dual_bound') : NaN,
        hasSolution: !timedOut && sol.colValue.length === numCols,
      };
    } finally {
      model.dispose();
    }
  };

  // Churn rides along stages 0 and 1 at a weight whose total stays below half a unit of work (work is
  // integral when priorities are), so it never trades work for stability: maximising work − eps·churn
  // gives the most work and, at that work, the fewest moves.
  const integral = value.every((v) => Number.isInteger(v));
  const prevTotal = units.reduce((t, un) => t + [...un.previous.values()].reduce((a, b) => a + b, 0), 0);
  const eps = integral && prevTotal > 0 ? 0.5 / (prevTotal + 1) : 0;
  const stage1 = eps > 0 ? value.map((v, i) => (isChurn.has(i) ? -eps : v)) : value;
  const churnIn = (c: ArrayLike<number>) => d.reduce((t, e) => t + Math.round(c[e.col] ?? 0), 0);
  const isIntegral = (c: ArrayLike<number>) => c.length === numCols && integer.every((f, i) => f === 0 || Math.abs(c[i]! - Math.round(c[i]!)) <= 1e-7);

  // Stage 0: the LP relaxation of work − eps·churn. For any placement, work ≤ LP + eps·churn ≤ LP + eps·previous
  // < LP + 1/2, so with integral work its floor bounds every placement. A warm start that reaches the
  // LP value, or an LP vertex that is already integral, is optimal in work and churn without branching.
  const lp = solve(stage1, [], 'max', start, false, opts.mipRelGap);
  let lpBound: number | undefined;
  if (lp.status === OPT) lpBound = lp.objective + eps * prevTotal;
  else notes.push(`the LP relaxation stopped (${lp.timedOut ? 'wall-clock safety limit' : lp.stoppedByWork ? `work limit of ${opts.workLimit} simplex iterations` : statusName(highs, lp.status)}); no LP bound`);
  const lpCap = lpBound === undefined ? undefined : integral ? Math.floor(lpBound + 1e-6) : lpBound;
  // LP-guided rounding: the LP vertex rounded down and completed by the greedy. Where the LP is nearly
  // integral (the merged model) this lands at the bound with about the LP's churn; it replaces the warm
  // start when better in objective order (work, then churn).
  if (lp.status === OPT && eps > 0 && !isIntegral(lp.col)) {
    const floored = Array.from(lp.col, (v, i) => (integer[i] ? Math.floor(v + 1e-7) : v));
    const rounded = greedy(inst, costs, decode(inst, floored, x, units, patterns, xn).state);
    const rv = greedyVector(inst, rounded, numCols, x, unitOf, patterns, y, z, d, xn, migCols, u);
    const vr = dot(value, rv);
    const vs = dot(value, start);
    if (vr > vs + 1e-9 || (vr >= vs - 1e-9 && churnIn(rv) < churnIn(start))) start = rv;
  }
  const v0 = dot(value, start);
  let col: ArrayLike<number> = start;
  let optimal = false;
  /** Churn proven minimal at the optimal work (only with a previous placement). */
  let churnProven = false;
  let bound: number;
  const warmAtLp = lpCap !== undefined && v0 >= lpCap - 1e-6;
  // With a previous placement, the warm start proves churn too when it reaches the LP value of work − eps·churn.
  const warmProven = warmAtLp && (eps === 0 || dot(stage1, start) >= lp.objective - 1e-9);
  const lpIntegral = lp.status === OPT && isIntegral(lp.col) && dot(value, lp.col) >= v0 - 1e-9;
  // Notes name churn only when something moves: no moves is minimal by itself, and a first synth (no previous
  // placement) and the next one (the same placement as previous) then write the same PLACEMENT.md.
  const moves = (c: ArrayLike<number>) => (eps > 0 ? (dot(value, c) - dot(stage1, c)) / eps : 0);
  // Without a previous placement the warm start at the LP bound is optimal; with one, churn still has to be proven.
  if (warmProven || (warmAtLp && eps === 0 && !lpIntegral)) {
    optimal = true;
    bound = lpCap!;
    churnProven = warmProven && eps > 0;
    notes.push(`the warm start reaches the LP bound (${fmt(lpCap!)}): placed work${churnProven && moves(start) > 0.5 ? ' and churn' : ''} proven optimal without branching`);
  } else if (lpCap !== undefined && lpIntegral) {
    col = Array.from(lp.col, (v, i) => (integer[i] ? Math.round(v) : v));
    optimal = true;
    churnProven = eps > 0;
    bound = dot(value, col);
    notes.push(`the LP relaxation has an integral optimum (${fmt(bound)}): placed work${churnProven && moves(col) > 0.5 ? ' and churn' : ''} proven optimal without branching`);
  } else {
    // Stage 1: placed work first, churn below half a unit of work (a stage stopped by its limit leaves a
    // stable answer). With a previous placement the gap closes below eps/4, so an optimal stage 1 has the
    // fewest moves at the most work; its root LP is stage 0's, which the work limit follows.
    const gap1 = eps > 0 ? Math.min(opts.mipRelGap, (0.25 * eps) / Math.max(1, Math.abs(lp.objective) || 1)) : opts.mipRelGap;
    const s1 = solve(stage1, [], 'max', start, true, gap1);
    if (s1.hasSolution && dot(value, s1.col) >= v0 - 1e-9) col = s1.col;
    const v1 = dot(value, col);
    const s1Optimal = s1.status === OPT && s1.hasSolution;
    optimal = s1Optimal || (lpCap !== undefined && v1 >= lpCap - 1e-6);
    churnProven = s1Optimal && eps > 0;
    // The dual bound covers work − eps·churn with eps·churn < 1/2: work is at most its value rounded.
    const dual = s1.timedOut ? NaN : integral && Number.isFinite(s1.dual) ? Math.floor(s1.dual + (eps > 0 ? 0.5 : 0) + 1e-6) : s1.dual;
    const caps = [dual, lpCap ?? NaN].filter((b) => Number.isFinite(b));
    bound = caps.length > 0 ? Math.max(v1, Math.min(...caps)) : optimal ? v1 : dot(value, upper);
    if (s1.timedOut) notes.push(`stage 1 hit the wall-clock safety limit (${opts.timeLimitSec} s); its result was discarded so the placement does not depend on machine speed`);
    else if (!optimal) notes.push(`stage 1 stopped (${s1.stoppedByWork ? `work limit of ${opts.workLimit} simplex iterations` : statusName(highs, s1.status)}) with proven gap ${fmtPct((bound - v1) / Math.max(1e-9, bound))}`);
    else if (!s1Optimal) notes.push(`placed work reaches the LP bound (${fmt(lpCap!)}); stage 1 stopped (${s1.stoppedByWork ? `work limit of ${opts.workLimit} simplex iterations` : statusName(highs, s1.status)}) before proving churn minimal`);
    else if (churnProven) notes.push('stage 1 proved placed work and, at that work, churn optimal');
    if (optimal) bound = v1;
  }
  // Stage 2 runs in full with `secondStage`. Without it, churn was minimised in stages 0–1 already
  // (work − eps·churn); only when work is fractional (eps = 0) does a churn-only stage 2 run.
  if (opts.secondStage || (d.length > 0 && eps === 0)) {
    const objective2 = opts.secondStage ? stage2 : stage2.map((c, i) => (isChurn.has(i) ? c : 0));
    const v1 = dot(value, col);
    const extra: Row[] = [{ lo: integral ? Math.round(v1) - 0.5 : v1 - 1e-6, hi: INF, cols: value.map((_, i) => i).filter((i) => value[i] !== 0), coefs: value.filter((v) => v !== 0) }];
    const churn0 = churnIn(col);
    // Churn proven minimal stays fixed: stage 2 then only orders cost and balance.
    if (churnProven && d.length > 0) extra.push({ lo: -INF, hi: churn0 + 0.5, cols: d.map((e) => e.col), coefs: d.map(() => 1) });
    // Churn must be exact: a gap below 0.25 in absolute terms (cost and balance weigh at most 0.25 together).
    const relGap = Math.min(opts.mipRelGap, 0.2 / (churn0 + 1));
    const s2 = solve(objective2, extra, 'min', Array.from(col), true, relGap);
    if (s2.hasSolution && dot(value, s2.col) >= extra[0]!.lo) col = s2.col;
    if (s2.timedOut) notes.push(`stage 2 (${opts.secondStage ? 'churn, cost, balance' : 'churn'}) hit the wall-clock safety limit (${opts.timeLimitSec} s); its result was discarded so the placement does not depend on machine speed`);
    else if (s2.status !== OPT) notes.push(`stage 2 (${opts.secondStage ? 'churn, cost, balance' : 'churn'}) stopped (${s2.stoppedByWork ? `work limit of ${opts.workLimit} simplex iterations` : statusName(highs, s2.status)}); its terms may not be minimal`);
  }
  const decoded = decode(inst, col, x, units, patterns, xn);
  if (decoded.dropped > 0) {
    optimal = false;
    notes.push(`${decoded.dropped} replica${decoded.dropped === 1 ? '' : 's'} did not pack by CPU/memory on single nodes and were left unplaced`);
  }
  return { state: decoded.state, optimal, bound, ...(lpBound !== undefined ? { lpBound } : {}), notes, classes };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

function dot(a: readonly number[], b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * Math.round(b[i]! * 1e6) / 1e6;
  return s;
}

function fmtPct(x: number): string {
  return `${(Math.max(0, x) * 100).toFixed(3)} %`;
}

function statusName(highs: Highs, s: number): string {
  const entry = Object.entries(highs.constants.modelStatus).find(([, v]) => v === s);
  return entry ? entry[0] : String(s);
}

function toModel(highs: Highs, numCols: number, cost: readonly number[], sense: 'max' | 'min', lower: number[], upper: number[], integrality: number[] | undefined, rows: readonly Row[]) {
  const starts = new Int32Array(rows.length + 1);
  let nnz = 0;
  rows.forEach((r, i) => {
    nnz += r.cols.length;
    starts[i + 1] = nnz;
  });
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let k = 0;
  for (const r of rows) {
    for (let j = 0; j < r.cols.length; j++) {
      indices[k] = r.cols[j]!;
      values[k] = r.coefs[j]!;
      k++;
    }
  }
  return {
    numCols,
    numRows: rows.length,
    sense: sense === 'max' ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize,
    colCost: Float64Array.from(cost),
    colLower: Float64Array.from(lower),
    colUpper: Float64Array.from(upper),
    rowLower: Float64Array.from(rows.map((r) => r.lo)),
    rowUpper: Float64Array.from(rows.map((r) => r.hi)),
    matrix: { format: 'csr' as const, numRows: rows.length, numCols, starts, indices, values },
    ...(integrality ? { integrality: Int32Array.from(integrality) as Int32Array } : {}),
  };
}

/** The warm-start placement as a column vector of the model. Linear in the placed replicas. */
function greedyVector(
  inst: Instance,
  state: FleetState,
  numCols: number,
  x: ReadonlyMap<number, ReadonlyMap<number, number>>,
  unitOf: readonly number[],
  patterns: ReadonlyMap<number, { pp: PoolPatterns; cols: number[] }>,
  y: ReadonlyMap<string, number>,
  z: ReadonlyMap<number, number>,
  d: readonly { un: Unit; site: string; col: number }[],
  xn: ReadonlyMap<number, ReadonlyMap<number, readonly number[]>>,
  migCols: ReadonlyMap<number, ReadonlyMap<string, readonly number[]>>,
  u: ReadonlyMap<string, number>,
): Float64Array {
  const v = new Float64Array(numCols);
  // Whole-GPU classes per node of the pattern pools, filled from the placed replicas.
  const content = new Map<number, number[][]>();
  for (const [poolIndex, { pp }] of patterns) {
    content.set(
      poolIndex,
      state.nodes[poolIndex]!.map((node) => pp.classes.map((cl) => (cl.key.startsWith('mig:') ? node.gpus.filter((g) => g.mode === 'mig' && g.profile === cl.key.slice(4)).length : 0))),
    );
  }
  for (const it of inst.items) {
    const placed = state.replicasOf(it.w.name);
    const xs = x.get(unitOf[it.index]!);
    const key = classKey(it);
    for (const p of placed) {
      const pool = inst.pools[p.pool]!;
      const cu = u.get(`${it.index}/${pool.site.name}/${pool.cluster}`);
      if (cu !== undefined) v[cu] = 1;
      const cn = xn.get(it.index)?.get(p.pool)?.[p.node];
      if (cn !== undefined) v[cn]! += 1;
      const c = xs?.get(p.pool);
      if (c !== undefined) v[c]! += 1;
      const pat = patterns.get(p.pool);
      if (pat && key && !key.startsWith('mig:')) {
        const ci = pat.pp.classes.findIndex((cl) => cl.key === key);
        if (ci >= 0) content.get(p.pool)![p.node]![ci]! += 1;
      }
    }
    for (const [site] of state.sitesOf(it.w.name)) {
      const c = y.get(`${it.index}/${site}`);
      if (c !== undefined) v[c] = 1;
    }
    const zc = z.get(it.index);
    if (zc !== undefined && placed.length > 0) v[zc] = 1;
  }
  for (const [poolIndex, byProfile] of migCols) {
    for (const [profile, cols] of byProfile) {
      state.nodes[poolIndex]!.forEach((node, n) => {
        v[cols[n]!] = node.gpus.filter((g) => g.mode === 'mig' && g.profile === profile).length;
      });
    }
  }
  for (const { un, site, col } of d) {
    let now = 0;
    for (const m of un.members) now += state.countAt(m.w.name, site);
    v[col] = Math.max(0, (un.previous.get(site) ?? 0) - now);
  }
  for (const [poolIndex, { pp, cols }] of patterns) {
    const pool = inst.pools[poolIndex]!;
    for (const c of content.get(poolIndex)!) {
      const k = pp.index.get(maximal(c, pp.classes, pool.gpus!.count).join(','));
      if (k !== undefined) v[cols[k]!]! += 1;
    }
  }
  return v;
}

/**
 * Splits a unit's replicas per pool among its members: per site, each member first gets back up to
 * what it ran there before (so churn is the unit's churn), then the rest fills members in name order
 * (whole workloads first). Returns replicas per member per pool.
 */
function distribute(inst: Instance, un: Unit, col: ArrayLike<number>, xs: ReadonlyMap<number, number>): { byItem: Map<Item, Map<number, number>>; left: number } {
  const byItem = new Map<Item, Map<number, number>>();
  if (un.members.length === 1) {
    const m = new Map<number, number>();
    for (const [p, c] of xs) {
      const n = Math.round(col[c]!);
      if (n > 0) m.set(p, n);
    }
    byItem.set(un.rep, m);
    return { byItem, left: 0 };
  }
  const poolsAt = new Map<string, [number, number][]>();
  const siteTotal = new Map<string, number>();
  for (const [p, c] of xs) {
    const n = Math.round(col[c]!);
    if (n <= 0) continue;
    const site = inst.pools[p]!.site.name;
    poolsAt.set(site, [...(poolsAt.get(site) ?? []), [p, n]]);
    siteTotal.set(site, (siteTotal.get(site) ?? 0) + n);
  }
  const sites = [...siteTotal.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const budget = new Map(un.members.map((m) => [m, m.w.replicas] as const));
  const share = new Map<Item, Map<string, number>>(un.members.map((m) => [m, new Map<string, number>()] as const));
  const give = (m: Item, site: string, k: number) => {
    if (k <= 0) return;
    share.get(m)!.set(site, (share.get(m)!.get(site) ?? 0) + k);
    budget.set(m, budget.get(m)! - k);
    siteTotal.set(site, siteTotal.get(site)! - k);
  };
  for (const site of sites) for (const m of un.members) give(m, site, Math.min(m.previous.get(site) ?? 0, siteTotal.get(site)!, budget.get(m)!));
  for (const site of sites) for (const m of un.members) give(m, site, Math.min(siteTotal.get(site)!, budget.get(m)!));
  let left = 0;
  for (const site of sites) left += siteTotal.get(site)!;
  for (const site of sites) {
    const pools = poolsAt.get(site)!.map(([p, n]) => [p, n] as [number, number]);
    let pi = 0;
    for (const m of un.members) {
      let k = share.get(m)!.get(site) ?? 0;
      while (k > 0 && pi < pools.length) {
        const take = Math.min(k, pools[pi]![1]);
        const mm = byItem.get(m) ?? new Map<number, number>();
        mm.set(pools[pi]![0], (mm.get(pools[pi]![0]) ?? 0) + take);
        byItem.set(m, mm);
        pools[pi]![1] -= take;
        k -= take;
        if (pools[pi]![1] === 0) pi++;
      }
    }
  }
  return { byItem, left };
}

/** Turns a solution vector into node assignments. */
function decode(
  inst: Instance,
  col: ArrayLike<number>,
  x: ReadonlyMap<number, ReadonlyMap<number, number>>,
  units: readonly Unit[],
  patterns: ReadonlyMap<number, { pp: PoolPatterns; cols: number[] }>,
  xn: ReadonlyMap<number, ReadonlyMap<number, readonly number[]>>,
): { state: FleetState; dropped: number } {
  const state = new FleetState(inst);
  let dropped = 0;
  if (xn.size > 0) {
    const order = [...inst.items].sort((a, b) => rankOf(b) - rankOf(a) || (a.w.name < b.w.name ? -1 : 1));
    for (const pool of inst.pools) {
      for (const node of state.nodes[pool.index]!) {
        for (const it of order) {
          const c = xn.get(it.index)?.get(pool.index)?.[node.index];
          for (let r = c === undefined ? 0 : Math.round(col[c]!); r > 0; r--) {
            const gpus = state.fit(it.w, node);
            if (gpus) state.put(it.w, node, gpus);
            else dropped++;
          }
        }
      }
    }
    dropped += repair(inst, state);
    return { state, dropped };
  }
  const entriesAt = new Map<number, { it: Item; n: number }[]>();
  for (const un of units) {
    const xs = x.get(un.index);
    if (!xs) continue;
    const { byItem, left } = distribute(inst, un, col, xs);
    dropped += left;
    for (const [it, m] of byItem) for (const [p, n] of m) entriesAt.set(p, [...(entriesAt.get(p) ?? []), { it, n }]);
  }
  for (const pool of inst.pools) {
    const entries = entriesAt.get(pool.index);
    if (!entries || entries.length === 0) continue;
    entries.sort((a, b) => rankOf(b.it) - rankOf(a.it) || (a.it.w.name < b.it.w.name ? -1 : 1));
    const pat = patterns.get(pool.index);
    const slots: Map<string, number>[] = state.nodes[pool.index]!.map(() => new Map());
    if (pat) {
      let node = 0;
      pat.pp.patterns.forEach((p, k) => {
        for (let r = Math.round(col[pat.cols[k]!]!); r > 0 && node < slots.length; r--, node++) {
          pat.pp.classes.forEach((cl, ci) => slots[node]!.set(cl.key, p[ci]! * cl.slots));
        }
      });
    }
    for (const { it, n } of entries) {
      const key = pat ? classKey(it) : undefined;
      for (let r = 0; r < n; r++) {
        let done = false;
        if (key) {
          for (const node of state.nodes[pool.index]!) {
            if ((slots[node.index]!.get(key) ?? 0) <= 0) continue;
            const gpus = state.fit(it.w, node);
            if (!gpus) continue;
            state.put(it.w, node, gpus);
            slots[node.index]!.set(key, slots[node.index]!.get(key)! - 1);
            done = true;
            break;
          }
        }
        if (!done) {
          const best = state.bestNode(it.w, pool.index);
          if (best) {
            state.put(it.w, best.node, best.gpus);
            done = true;
          }
        }
        if (!done) dropped++;
      }
    }
  }
  dropped += repair(inst, state);
  return { state, dropped };
}

function rankOf(it: Item): number {
  const g = it.w.gpu;
  if (!g) return 0;
  return g.migProfile ? 0.5 : g.count;
}

/** Removes whole workloads whose rules a packing drop broke (gang, minSites, affinity), until stable. */
function repair(inst: Instance, state: FleetState): number {
  let removed = 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const it of inst.items) {
      const placed = state.replicasOf(it.w.name);
      if (placed.length === 0) continue;
      const sites = state.sitesOf(it.w.name);
      const broken =
        (it.w.gang && placed.length < it.w.replicas) ||
        (it.w.spread.minSites !== undefined && sites.size < it.w.spread.minSites) ||
        it.w.affinity.some((a) => [...sites.keys()].some((s) => state.countAt(a, s) === 0));
      if (!broken) continue;
      for (const p of [...placed].reverse()) state.take(it.w, p);
      removed += placed.length;
      changed = true;
    }
  }
  return removed;
}
