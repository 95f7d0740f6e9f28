/**
 * `npm run bench:placement [-- --out FILE] [--only ID,...] [--quick]`: every scenario through every
 * placer, metrics from one evaluator, a table on stdout and JSON in `.bench/placement.json`.
 * Timing lives here, never in tests.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Highs } from 'highs';
import type { FleetModel } from '../../lib/model/fleet';
import { checkPlacement } from '../../lib/placement/check';
import { makeCosts } from '../../lib/placement/costs';
import { greedy } from '../../lib/placement/greedy';
import { loadHighs } from '../../lib/placement/highs';
import { buildInstance, type Instance } from '../../lib/placement/instance';
import { place } from '../../lib/placement/place';
import { churnOf } from '../../lib/placement/plugins';
import type { FleetState } from '../../lib/placement/state';
import type { PreviousPlacement } from '../../lib/placement/types';
import { karmadaDynamic, karmadaStatic, kubefedRsp, mck8sBestFit, mck8sWorstFit, type Baseline } from './baselines';
import { aiFleetScenario, mck8sScenario, scaleScenario, type Scenario } from './scenarios';

interface Assignment {
  workload: string;
  site: string;
  pool: number;
  node: number;
  gpus: readonly number[];
}

interface Run {
  assignments: Assignment[];
  wallMs: number;
  cpuMs: number;
  status?: string;
  bound?: number;
  lpBound?: number;
}

type Placer = (fleet: FleetModel, extra: Scenario, previous?: PreviousPlacement) => Run;

function fromState(inst: Instance, state: FleetState): Assignment[] {
  return inst.items.flatMap((it) => state.replicasOf(it.w.name).map((p) => ({ workload: it.w.name, site: inst.pools[p.pool]!.site.name, pool: p.pool, node: p.node, gpus: p.gpus })));
}

function timed(f: () => Omit<Run, 'wallMs' | 'cpuMs'>): Run {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = f();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ...r, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

function baseline(b: Baseline): Placer {
  return (fleet, sc) =>
    timed(() => {
      const inst = buildInstance(fleet, fleet.workloads);
      return { assignments: fromState(inst, b(inst, sc.mck8s ? { mck8s: sc.mck8s } : {})) };
    });
}

const greedyValue: Placer = (fleet, _sc, previous) =>
  timed(() => {
    const inst = buildInstance(fleet, fleet.workloads, previous);
    return { assignments: fromState(inst, greedy(inst, makeCosts(inst, 'carbon'))) };
  });

function ours(highs: Highs, timeLimitSec: number, secondStage: boolean, mipRelGap: number): Placer {
  return (fleet, _sc, previous) =>
    timed(() => {
      const p = place(fleet, fleet.workloads, { highs, timeLimitSec, secondStage, mipRelGap, lpBound: true, ...(previous ? { previous } : {}) });
      const inst = buildInstance(fleet, fleet.workloads);
      const poolIndex = (site: string, cluster: string, pool: string) => inst.pools.findIndex((x) => x.site.name === site && x.cluster === cluster && x.name === pool);
      return {
        assignments: p.workloads.flatMap((w) => w.assignments.map((a) => ({ workload: w.name, site: a.site, pool: poolIndex(a.site, a.cluster, a.pool), node: a.node, gpus: a.gpus }))),
        status: p.status,
        bound: p.bound,
        ...(p.lpBound !== undefined ? { lpBound: p.lpBound } : {}),
      };
    });
}

/** The one evaluator: every metric from the per-node assignment. */
function evaluate(fleet: FleetModel, run: Run) {
  const inst = buildInstance(fleet, fleet.workloads);
  const costs = makeCosts(inst, 'carbon');
  const byW = new Map<string, Assignment[]>();
  for (const a of run.assignments) byW.set(a.workload, [...(byW.get(a.workload) ?? []), a]);
  let requested = 0;
  let pending = 0;
  let workRequested = 0;
  let workPlaced = 0;
  let pendingWorkloads = 0;
  let value = 0;
  let gpuUsed = 0;
  let carbon = 0;
  for (const it of inst.items) {
    const placed = byW.get(it.w.name) ?? [];
    requested += it.w.replicas;
    pending += it.w.replicas - placed.length;
    if (placed.length < it.w.replicas) pendingWorkloads++;
    value += it.value * placed.length;
    workRequested += it.work * it.w.replicas;
    workPlaced += it.work * placed.length;
    for (const a of placed) {
      const pool = inst.pools[a.pool]!;
      const g = it.w.gpu ? (it.w.gpu.migProfile ? 1 / (pool.mig.get(it.w.gpu.migProfile) ?? 1) : it.w.gpu.count) : 0;
      gpuUsed += g;
      if (g > 0) carbon += costs.cost(it, a.pool);
    }
  }
  const gpuTotal = inst.pools.reduce((s, p) => s + p.count * (p.gpus?.count ?? 0), 0);
  const checked = {
    workloads: inst.items.map((it) => ({
      name: it.w.name,
      assignments: (byW.get(it.w.name) ?? []).map((a) => ({ site: a.site, cluster: inst.pools[a.pool]!.cluster, pool: inst.pools[a.pool]!.name, node: a.node, gpus: a.gpus })),
    })),
  };
  const violations = checkPlacement(fleet, fleet.workloads, checked).length;
  return {
    pendingReplicas: pending / Math.max(1, requested),
    pendingWorkloads: pendingWorkloads / Math.max(1, inst.items.length),
    pendingWork: 1 - workPlaced / Math.max(1, workRequested),
    gpuTotal,
    value,
    gpuUtilisation: gpuTotal > 0 ? gpuUsed / gpuTotal : 0,
    gCo2PerGpuHour: gpuUsed > 0 ? carbon / gpuUsed : 0,
    violations,
  };
}

function toPrevious(run: Run): PreviousPlacement {
  const m = new Map<string, { site: string }[]>();
  for (const a of run.assignments) m.set(a.workload, [...(m.get(a.workload) ?? []), { site: a.site }]);
  return { workloads: [...m.entries()].map(([name, assignments]) => ({ name, assignments })) };
}

/**
 * The small change, the same for every placer (it depends on the fleet alone): the site with the
 * most nodes (ties: first by name) loses the last node of its largest pool, and the first workload
 * grows by one replica. `lostNodeHeld` is what that node held in the placer's own first run.
 */
function perturbation(sc: Scenario): { site: string; pool: string } {
  const nodes = (s: FleetModel['sites'][number]) => s.nodePools.reduce((t, p) => t + p.count, 0);
  const s = [...sc.fleet.sites].sort((a, b) => nodes(b) - nodes(a) || (a.name < b.name ? -1 : 1))[0]!;
  const pool = [...s.nodePools].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))[0]!;
  return { site: s.name, pool: pool.name };
}

function perturb(sc: Scenario, run: Run): { fleet: FleetModel; lostNodeHeld: number; site: string } {
  const { site, pool: poolName } = perturbation(sc);
  const s = sc.fleet.sites.find((x) => x.name === site)!;
  const pool = s.nodePools.find((p) => p.name === poolName)!;
  const inst = buildInstance(sc.fleet, sc.fleet.workloads);
  const lostNodeHeld = run.assignments.filter((a) => inst.pools[a.pool]!.site.name === site && inst.pools[a.pool]!.name === pool.name && a.node === pool.count - 1).length;
  const sites = sc.fleet.sites.map((x) => (x.name !== site ? x : { ...x, nodePools: x.nodePools.map((p) => (p.name !== pool.name || p.count <= 1 ? p : { ...p, count: p.count - 1 })) }));
  const workloads = sc.fleet.workloads.map((w, i) => (i === 0 ? { ...w, replicas: w.replicas + 1 } : w));
  return { fleet: { ...sc.fleet, sites, workloads }, lostNodeHeld, site };
}

function churnBetween(before: Run, after: Run): number {
  const count = (r: Run) => {
    const m = new Map<string, Map<string, number>>();
    for (const a of r.assignments) {
      const w = m.get(a.workload) ?? new Map<string, number>();
      w.set(a.site, (w.get(a.site) ?? 0) + 1);
      m.set(a.workload, w);
    }
    return m;
  };
  const b = count(before);
  const a = count(after);
  let moves = 0;
  for (const [w, sites] of b) moves += churnOf(sites, a.get(w) ?? new Map());
  return moves;
}

async function main() {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? args[outIdx + 1]! : '.bench/placement.json';
  const onlyIdx = args.indexOf('--only');
  const only = onlyIdx >= 0 ? args[onlyIdx + 1]!.split(',') : undefined;
  const highs = await loadHighs();
  // HiGHS compiles its WebAssembly on first use (once per process); do that before any timing and report it.
  const w0 = process.cpuUsage();
  const warm = aiFleetScenario(2, 2);
  place(warm.fleet, warm.fleet.workloads, { highs });
  const wc = process.cpuUsage(w0);
  const warmUpCpuSec = (wc.user + wc.system) / 1e6;
  process.stderr.write(`HiGHS warm-up (WebAssembly compile, once per process, not in the times below): ${warmUpCpuSec.toFixed(2)} s CPU\n`);
  const scenarios: (() => Scenario)[] = [
    () => mck8sScenario(1, 0.8),
    () => mck8sScenario(1, 1.2),
    () => aiFleetScenario(1),
    () => scaleScenario(1, 1000, 50),
    () => scaleScenario(1, 5000, 200),
  ];
  const results: Record<string, unknown>[] = [];
  const header = ['scenario', 'placer', 'pending', 'pend.work', 'pend.wl', 'value', '%bound', 'GPU util', 'gCO2/GPUh', 'churn', 'viol', 'wall s', 'cpu s', 'status'];
  const rows: string[][] = [];
  for (const make of scenarios) {
    const sc = make();
    if (only && !only.some((o) => sc.id.startsWith(o))) continue;
    const big = sc.fleet.workloads.length >= 5000;
    const scale = sc.fleet.workloads.length >= 1000;
    const placers: [string, Placer][] = [
      ['kubefed-rsp', baseline(kubefedRsp)],
      ['karmada-static', baseline(karmadaStatic)],
      ['karmada-dynamic', baseline(karmadaDynamic)],
      ['mck8s-worst-fit', baseline(mck8sWorstFit)],
      ['mck8s-best-fit', baseline(mck8sBestFit)],
      ['greedy-value', greedyValue],
      ['ours (HiGHS MIP)', ours(highs, 60, !big, scale ? 1e-3 : 1e-4)],
    ];
    let lp: number | undefined;
    const measured: { name: string; run: Run; m: ReturnType<typeof evaluate>; churn: number; lostNodeHeld: number }[] = [];
    for (const [name, placer] of placers) {
      const run = placer(sc.fleet, sc);
      const m = evaluate(sc.fleet, run);
      const p = perturb(sc, run);
      const again = placer(p.fleet, sc, toPrevious(run));
      const churn = churnBetween(run, again);
      // The reference for %: the LP bound, or else the MIP dual / capacity bound ours reports.
      if (run.lpBound !== undefined) lp = run.lpBound;
      else if (run.bound !== undefined) lp = run.bound;
      measured.push({ name, run, m, churn, lostNodeHeld: p.lostNodeHeld });
      process.stderr.write(`${sc.id} ${name}: ${(run.wallMs / 1000).toFixed(2)} s\n`);
    }
    for (const { name, run, m, churn, lostNodeHeld } of measured) {
      const pctLp = lp ? (100 * m.value) / lp : NaN;
      rows.push([
        sc.id,
        name,
        `${(100 * m.pendingReplicas).toFixed(1)} %`,
        `${(100 * m.pendingWork).toFixed(1)} %`,
        `${(100 * m.pendingWorkloads).toFixed(1)} %`,
        String(m.value),
        Number.isFinite(pctLp) ? pctLp.toFixed(2) : '-',
        m.gpuTotal > 0 ? `${(100 * m.gpuUtilisation).toFixed(1)} %` : '-',
        m.gpuTotal > 0 ? m.gCo2PerGpuHour.toFixed(0) : '-',
        `${churn} (${lostNodeHeld})`,
        String(m.violations),
        (run.wallMs / 1000).toFixed(2),
        (run.cpuMs / 1000).toFixed(2),
        run.status ?? '-',
      ]);
      results.push({ scenario: sc.id, description: sc.description, placer: name, ...m, lpBound: lp, pctOfLpBound: pctLp, churnAfterChange: churn, lostNodeHeld, wallSec: run.wallMs / 1000, cpuSec: run.cpuMs / 1000, status: run.status, bound: run.bound });
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ node: process.version, warmUpCpuSec, loadAverage: os.loadavg(), results }, null, 2) + '\n');
  console.log(`\nJSON: ${out}`);
}

void main();
