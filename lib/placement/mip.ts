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

function poolPatterns(pool: PoolInfo, items: readonly Item[]): PoolPatterns | undefined {
  if (!pool.gpus) return undefined;
  const classes = new Map<string, GpuClass>();
  for (const it of items) {
    const key = classKey(it);
    if (!key || classes.has(key)) continue;
    const mig = it.w.gpu!.migProfile;
    classes.set(key, mig ? { key, size: 1, slots: pool.mig.get(mig)! } : { key, size: it.w.gpu!.count, slots: 1 });
  }
  if (classes.size === 0) return undefined;
  const sorted = [...classes.values()].sort((a, b) => b.size - a.size || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const patterns = enumeratePatterns(pool.gpus.count, sorted);
  return { classes: sorted, patterns, index: new Map(patterns.map((p, i) => [p.join(','), i] as const)) };
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
}

export interface MipOptions {
  readonly timeLimitSec: number;
  readonly mipRelGap: number;
  readonly secondStage: boolean;
  readonly lpBound: boolean;
  /** Largest node-level model (replica columns per node) solved exactly; above it identical nodes are aggregated. */
  readonly nodeLevelMaxCols: number;
}

/** Builds and solves the MIP; `incumbent` is the greedy placement. */
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

  // Replica columns.
  const x = new Map<number, Map<number, number>>(); // item -> pool -> col
  const itemsAtPool = new Map<number, Item[]>();
  const siteNames = inst.fleet.sites.map((s) => s.name);
  const siteRank = new Map(siteNames.map((s, i) => [s, i / Math.max(1, siteNames.length)] as const));
  let costMax = 0;
  let balMax = 0;
  for (const it of inst.items) {
    let cm = 0;
    let bm = 0;
    for (const p of it.pools) {
      cm = Math.max(cm, costs.cost(it, p));
      bm = Math.max(bm, costs.balance(it, p));
    }
    costMax += cm * it.w.replicas;
    balMax += bm * it.w.replicas;
  }
  const alpha = costMax > 0 ? 0.5 / costMax : 0;
  const beta = balMax > 0 ? 5e-4 / balMax : 0;
  const totalReplicas = inst.items.reduce((s, it) => s + it.w.replicas, 0);
  const gamma = 1e-7 / Math.max(1, totalReplicas);
  for (const it of inst.items) {
    const m = new Map<number, number>();
    for (const p of it.pools) {
      const pool = inst.pools[p]!;
      const perNode = replicasPerNode(it.w, pool);
      const ub = Math.min(it.w.replicas, it.w.spread.maxPerSite ?? Infinity, perNode * pool.count);
      if (ub <= 0) continue;
      const c = addCol(0, ub, true);
      value[c] = it.value;
      stage2[c] = alpha * costs.cost(it, p) + beta * costs.balance(it, p) + gamma * siteRank.get(pool.site.name)!;
      m.set(p, c);
      const list = itemsAtPool.get(p) ?? [];
      list.push(it);
      itemsAtPool.set(p, list);
    }
    x.set(it.index, m);
  }

  const colsAt = (it: Item, site: string): number[] => [...(x.get(it.index) ?? new Map()).entries()].filter(([p]) => inst.pools[p]!.site.name === site).map(([, c]) => c);
  const sitesOf = (it: Item): string[] => [...new Set([...(x.get(it.index) ?? new Map()).keys()].map((p) => inst.pools[p]!.site.name))].sort();

  // Site-use and any-use columns, created on demand by the relational plugins.
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
      const cols = [...(x.get(it.index) ?? new Map()).entries()].filter(([p]) => clusterKeyOf(p) === key).map(([, xc]) => xc);
      for (const xc of cols) addRow(-Infinity, 0, [xc, c], [1, -it.w.replicas]);
    }
    return c;
  };
  const item = (name: string): Item => inst.byName.get(name)!;
  const mipRows: MipRows = {
    eligibleClusters: (w) => [...new Set([...(x.get(item(w).index) ?? new Map()).keys()].map(clusterKeyOf))].sort(),
    clusterUse: (w, key) => clusterUse(item(w), key),
    eligibleSites: (w) => sitesOf(item(w)),
    siteUse: (w, s) => siteUse(item(w), s),
    anyUse: (w) => anyUse(item(w)),
    replicaCols: (w, s) => colsAt(item(w), s),
    addRow,
  };
  for (const it of inst.items) for (const f of FILTERS) f.rows?.(it.w, mipRows, inst.ctx);

  // Replica count (gangs: all or none).
  for (const it of inst.items) {
    const cols = [...(x.get(it.index) ?? new Map()).values()];
    if (cols.length === 0) continue;
    if (it.w.gang) addRow(0, 0, [...cols, anyUse(it)], [...cols.map(() => 1), -it.w.replicas]);
    else if (z.has(it.index)) addRow(-Infinity, 0, [...cols, z.get(it.index)!], [...cols.map(() => 1), -it.w.replicas]);
    else addRow(-Infinity, it.w.replicas, cols, cols.map(() => 1));
  }

  // Capacity. Exact per node when the node-level model is small enough; otherwise identical nodes are
  // aggregated into GPU patterns with CPU and memory summed per pool.
  const nodeCols = inst.pools.reduce((t, pool) => t + (itemsAtPool.get(pool.index)?.length ?? 0) * pool.count, 0);
  const nodeLevel = nodeCols <= opts.nodeLevelMaxCols;
  const patterns = new Map<number, { pp: PoolPatterns; cols: number[] }>();
  const xn = new Map<number, Map<number, number[]>>(); // item -> pool -> col per node
  const migCols = new Map<number, Map<string, number[]>>(); // pool -> MIG profile -> col per node
  for (const pool of inst.pools) {
    const list = itemsAtPool.get(pool.index) ?? [];
    if (list.length === 0) continue;
    if (nodeLevel) {
      const perNode = list.map((it) => {
        const ub = Math.min(replicasPerNode(it.w, pool), it.w.replicas);
        const cols = Array.from({ length: pool.count }, () => addCol(0, ub, true));
        const agg = x.get(it.index)!.get(pool.index)!;
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
      const profiles = [...new Set(list.map((it) => it.w.gpu?.migProfile).filter((p): p is string => p !== undefined))].sort();
      for (const pr of profiles) {
        const members = list.filter((it) => it.w.gpu?.migProfile === pr).map((it) => x.get(it.index)!.get(pool.index)!);
        addRow(-Infinity, pool.count * pool.gpus.count * (pool.mig.get(pr) ?? 0), members, members.map(() => 1));
      }
    }
    const pp = pool.fixedMig ? undefined : poolPatterns(pool, list);
    if (pp) {
      const cols = pp.patterns.map(() => addCol(0, pool.count, true));
      patterns.set(pool.index, { pp, cols });
      addRow(-Infinity, pool.count, cols, cols.map(() => 1));
      pp.classes.forEach((cl, ci) => {
        const members = list.filter((it) => classKey(it) === cl.key).map((it) => x.get(it.index)!.get(pool.index)!);
        addRow(-Infinity, 0, [...members, ...cols], [...members.map(() => 1), ...pp.patterns.map((p) => -p[ci]! * cl.slots)]);
      });
    }
    const cpuItems = list.filter((it) => it.w.cpu > 0);
    if (cpuItems.length > 0) addRow(-Infinity, pool.count * pool.cpu, cpuItems.map((it) => x.get(it.index)!.get(pool.index)!), cpuItems.map((it) => it.w.cpu));
    const memItems = list.filter((it) => it.w.memoryGiB > 0);
    if (memItems.length > 0) addRow(-Infinity, pool.count * pool.memoryGiB, memItems.map((it) => x.get(it.index)!.get(pool.index)!), memItems.map((it) => it.w.memoryGiB));
  }
  if (!nodeLevel) notes.push(`identical nodes aggregated into GPU patterns (${nodeCols} node-level columns would exceed ${opts.nodeLevelMaxCols}); CPU and memory are summed per pool`);

  // Churn.
  const d: { it: Item; site: string; col: number }[] = [];
  for (const it of inst.items) {
    for (const [site, prev] of [...it.previous.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const col = addCol(0, INF, false);
      stage2[col] = 1;
      const cols = colsAt(it, site);
      addRow(prev, INF, [col, ...cols], [1, ...cols.map(() => 1)]);
      d.push({ it, site, col });
    }
  }

  const numCols = lower.length;
  const start = greedyVector(inst, incumbent, numCols, x, patterns, y, z, d, xn, migCols, u);

  const solve = (cost: number[], extra: Row | undefined, sense: 'max' | 'min', warm: Float64Array | number[], mip: boolean) => {
    const all = extra ? [...rows, extra] : rows;
    const data = toModel(highs, numCols, cost, sense, lower, upper, mip ? integer : undefined, all);
    const model = highs.createModel(data);
    try {
      model.options.set({ output_flag: false, time_limit: opts.timeLimitSec, mip_rel_gap: opts.mipRelGap, random_seed: 1 });
      if (mip) {
        try {
          model.setSolution({ colValue: warm });
        } catch {
          notes.push('HiGHS rejected the greedy incumbent; it solved without one');
        }
      }
      model.run();
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
      return { status, objective: sol.colValue.length === numCols ? model.getObjectiveValue() : NaN, col: sol.colValue, dual: mip ? info('mip_dual_bound') : NaN, hasSolution: sol.colValue.length === numCols };
    } finally {
      model.dispose();
    }
  };

  if (numCols === 0) return { state: incumbent, optimal: true, bound: 0, ...(opts.lpBound ? { lpBound: 0 } : {}), notes };
  let lpBound: number | undefined;
  if (opts.lpBound) {
    const lp = solve(value, undefined, 'max', start, false);
    if (lp.status === highs.constants.modelStatus.optimal) lpBound = lp.objective;
    else notes.push(`the LP relaxation stopped (${statusName(highs, lp.status)}); no LP bound`);
  }
  // Stage 1 also carries churn at a weight whose total stays below one unit of placed work (work is
  // integral), so it never trades work for stability but prefers the stable one among equals, which
  // matters when a time limit stops stage 2 early.
  const prevTotal = d.reduce((t, x) => t + (x.it.previous.get(x.site) ?? 0), 0);
  const eps = prevTotal > 0 ? 0.5 / (prevTotal + 1) : 0;
  const stage1 = value.map((v, i) => (stage2[i] === 1 && value[i] === 0 && d.some((x) => x.col === i) ? -eps : v));
  const s1 = solve(stage1, undefined, 'max', start, true);
  const OPT = highs.constants.modelStatus.optimal;
  let col: ArrayLike<number> = s1.hasSolution ? s1.col : start;
  let optimal = s1.status === OPT;
  const v1 = dot(value, col);
  // The dual bound covers work − eps·churn; work is integral and eps·churn < 1/2.
  const dualOnWork = Number.isFinite(s1.dual) ? (eps > 0 ? Math.floor(s1.dual + 0.5 + 1e-6) : s1.dual) : NaN;
  const bound = Number.isFinite(dualOnWork) ? Math.max(dualOnWork, v1) : optimal ? v1 : dot(value, upper);
  if (!optimal) notes.push(`stage 1 stopped (${statusName(highs, s1.status)}) with proven gap ${fmtPct((bound - v1) / Math.max(1e-9, bound))}`);
  if (opts.secondStage) {
    const keep: Row = { lo: Math.round(v1) - 0.5, hi: INF, cols: value.map((_, i) => i).filter((i) => value[i] !== 0), coefs: value.filter((v) => v !== 0) };
    const s2 = solve(stage2, keep, 'min', Array.from(col), true);
    if (s2.hasSolution && dot(value, s2.col) >= Math.round(v1) - 0.5) col = s2.col;
    if (s2.status !== OPT) notes.push(`stage 2 (churn, cost, balance) stopped (${statusName(highs, s2.status)}); its terms may not be minimal`);
  }
  const decoded = decode(inst, col, x, patterns, xn);
  if (decoded.dropped > 0) {
    optimal = false;
    notes.push(`${decoded.dropped} replica${decoded.dropped === 1 ? '' : 's'} did not pack by CPU/memory on single nodes and were left unplaced`);
  }
  return { state: decoded.state, optimal, bound, ...(lpBound !== undefined ? { lpBound } : {}), notes };
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

/** The greedy placement as a column vector of the model. */
function greedyVector(
  inst: Instance,
  state: FleetState,
  numCols: number,
  x: ReadonlyMap<number, ReadonlyMap<number, number>>,
  patterns: ReadonlyMap<number, { pp: PoolPatterns; cols: number[] }>,
  y: ReadonlyMap<string, number>,
  z: ReadonlyMap<number, number>,
  d: readonly { it: Item; site: string; col: number }[],
  xn: ReadonlyMap<number, ReadonlyMap<number, readonly number[]>>,
  migCols: ReadonlyMap<number, ReadonlyMap<string, readonly number[]>>,
  u: ReadonlyMap<string, number>,
): Float64Array {
  const v = new Float64Array(numCols);
  for (const it of inst.items) {
    for (const p of state.replicasOf(it.w.name)) {
      const c = u.get(`${it.index}/${inst.pools[p.pool]!.site.name}/${inst.pools[p.pool]!.cluster}`);
      if (c !== undefined) v[c] = 1;
    }
  }
  for (const it of inst.items) {
    for (const p of state.replicasOf(it.w.name)) {
      const c = xn.get(it.index)?.get(p.pool)?.[p.node];
      if (c !== undefined) v[c]! += 1;
    }
  }
  for (const [poolIndex, byProfile] of migCols) {
    for (const [profile, cols] of byProfile) {
      state.nodes[poolIndex]!.forEach((node, n) => {
        v[cols[n]!] = node.gpus.filter((g) => g.mode === 'mig' && g.profile === profile).length;
      });
    }
  }
  for (const it of inst.items) {
    const placed = state.replicasOf(it.w.name);
    for (const p of placed) {
      const c = x.get(it.index)?.get(p.pool);
      if (c !== undefined) v[c]! += 1;
    }
    for (const [site] of state.sitesOf(it.w.name)) {
      const c = y.get(`${it.index}/${site}`);
      if (c !== undefined) v[c] = 1;
    }
    const zc = z.get(it.index);
    if (zc !== undefined && placed.length > 0) v[zc] = 1;
  }
  for (const { it, site, col } of d) v[col] = Math.max(0, (it.previous.get(site) ?? 0) - state.countAt(it.w.name, site));
  for (const [poolIndex, { pp, cols }] of patterns) {
    const pool = inst.pools[poolIndex]!;
    const content = state.nodes[poolIndex]!.map((node) =>
      pp.classes.map((cl) => (cl.key.startsWith('mig:') ? node.gpus.filter((g) => g.mode === 'mig' && g.profile === cl.key.slice(4)).length : 0)),
    );
    for (const it of inst.items) {
      const key = classKey(it);
      if (!key || key.startsWith('mig:')) continue;
      const ci = pp.classes.findIndex((c) => c.key === key);
      if (ci < 0) continue;
      for (const p of state.replicasOf(it.w.name)) if (p.pool === poolIndex) content[p.node]![ci]! += 1;
    }
    for (const c of content) {
      const k = pp.index.get(maximal(c, pp.classes, pool.gpus!.count).join(','));
      if (k !== undefined) v[cols[k]!]! += 1;
    }
  }
  return v;
}

/** Turns a solution vector into node assignments. */
function decode(
  inst: Instance,
  col: ArrayLike<number>,
  x: ReadonlyMap<number, ReadonlyMap<number, number>>,
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
  for (const pool of inst.pools) {
    const entries: { it: Item; n: number }[] = [];
    for (const it of inst.items) {
      const c = x.get(it.index)?.get(pool.index);
      const n = c === undefined ? 0 : Math.round(col[c]!);
      if (n > 0) entries.push({ it, n });
    }
    if (entries.length === 0) continue;
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
      const key = classKey(it);
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
