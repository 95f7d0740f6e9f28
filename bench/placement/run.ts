/**
 * `npm run bench:placement [-- --out FILE] [--only ID,...] [--sweep-seeds N]`: every scenario through every
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
import { karmadaDynamic, karmadaStatic, kubefedRsp, kubefedRspLearned, mck8sBestFit, mck8sWorstFit, type Baseline } from './baselines';
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

/** Replicas per workload per site of a previous placement (a baseline's memory of its own decision). */
function countsOf(previous: PreviousPlacement): Map<string, Map<string, number>> {
  const m = new Map<string, Map<string, number>>();
  for (const w of previous.workloads) {
    const c = new Map<string, number>();
    for (const a of w.assignments) c.set(a.site, (c.get(a.site) ?? 0) + 1);
    m.set(w.name, c);
  }
  return m;
}

function baseline(b: Baseline): Placer {
  return (fleet, sc, previous) =>
    timed(() => {
      const inst = buildInstance(fleet, fleet.workloads);
      return { assignments: fromState(inst, b(inst, { ...(sc.mck8s ? { mck8s: sc.mck8s } : {}), ...(previous ? { previous: countsOf(previous) } : {}) })) };
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
    requestedReplicas: requested,
    placedReplicas: requested - pending,
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
 * The two small changes, the same for every placer (they depend on the fleet alone). Loss: the site
 * with the most nodes (ties: first by name) loses the last node of its largest pool; `lostNodeHeld` is
 * what that node held in the placer's own first run. Growth: the first workload grows by one replica.
 */
function perturbation(sc: Scenario): { site: string; pool: string } {
  const nodes = (s: FleetModel['sites'][number]) => s.nodePools.reduce((t, p) => t + p.count, 0);
  const s = [...sc.fleet.sites].sort((a, b) => nodes(b) - nodes(a) || (a.name < b.name ? -1 : 1))[0]!;
  const pool = [...s.nodePools].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))[0]!;
  return { site: s.name, pool: pool.name };
}

function loseNode(sc: Scenario, run: Run): { fleet: FleetModel; lostNodeHeld: number } {
  const { site, pool: poolName } = perturbation(sc);
  const s = sc.fleet.sites.find((x) => x.name === site)!;
  const pool = s.nodePools.find((p) => p.name === poolName)!;
  const inst = buildInstance(sc.fleet, sc.fleet.workloads);
  const lostNodeHeld = run.assignments.filter((a) => inst.pools[a.pool]!.site.name === site && inst.pools[a.pool]!.name === pool.name && a.node === pool.count - 1).length;
  const sites = sc.fleet.sites.map((x) => (x.name !== site ? x : { ...x, nodePools: x.nodePools.map((p) => (p.name !== pool.name || p.count <= 1 ? p : { ...p, count: p.count - 1 })) }));
  return { fleet: { ...sc.fleet, sites }, lostNodeHeld };
}

function growOne(sc: Scenario): FleetModel {
  return { ...sc.fleet, workloads: sc.fleet.workloads.map((w, i) => (i === 0 ? { ...w, replicas: w.replicas + 1 } : w)) };
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

/**
 * Ours runs with the default work limit and a wall-clock safety limit far above it: on a shared
 * machine a tight safety limit would decide results by load, which the work limit exists to avoid.
 */
const SAFETY_SEC = 600;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}

async function main() {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? args[outIdx + 1]! : '.bench/placement.json';
  const onlyIdx = args.indexOf('--only');
  const only = onlyIdx >= 0 ? args[onlyIdx + 1]!.split(',') : undefined;
  const seedsIdx = args.indexOf('--sweep-seeds');
  const sweepSeeds = seedsIdx >= 0 ? Number(args[seedsIdx + 1]) : 3;
  const highs = await loadHighs();
  const load0 = os.loadavg();
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
    () => scaleScenario(1, 1000, 50, true),
  ];
  const placersFor = (scale: boolean, big: boolean): [string, Placer][] => [
    ['kubefed-rsp', baseline(kubefedRsp)],
    ['kubefed-rsp+learn', baseline(kubefedRspLearned)],
    ['karmada-static', baseline(karmadaStatic)],
    ['karmada-dynamic', baseline(karmadaDynamic)],
    ['mck8s-worst-fit', baseline(mck8sWorstFit)],
    ['mck8s-best-fit', baseline(mck8sBestFit)],
    ['greedy-value', greedyValue],
    ['ours (HiGHS MIP)', ours(highs, SAFETY_SEC, !big, scale ? 1e-3 : 1e-4)],
  ];
  const results: Record<string, unknown>[] = [];
  const header = ['scenario', 'placer', 'pending', 'placed', 'pend.work', 'pend.wl', 'value', '%bound', 'GPU util', 'gCO2/GPUh', 'loss churn', 'grow churn', 'viol', 'cpu s', 'status'];
  const rows: string[][] = [];
  for (const make of scenarios) {
    const sc = make();
    if (only && !only.some((o) => sc.id.startsWith(o))) continue;
    const big = sc.fleet.workloads.length >= 5000;
    const scale = sc.fleet.workloads.length >= 1000;
    let lp: number | undefined;
    const measured: { name: string; run: Run; m: ReturnType<typeof evaluate>; lossChurn: number; lostNodeHeld: number; growChurn: number; lossRun: Run; growRun: Run }[] = [];
    for (const [name, placer] of placersFor(scale, big)) {
      const run = placer(sc.fleet, sc);
      const m = evaluate(sc.fleet, run);
      const previous = toPrevious(run);
      const loss = loseNode(sc, run);
      const lossRun = placer(loss.fleet, sc, previous);
      const growRun = placer(growOne(sc), sc, previous);
      // The reference for %: the LP bound, or else the MIP dual / capacity bound ours reports.
      if (run.lpBound !== undefined) lp = run.lpBound;
      else if (run.bound !== undefined) lp = run.bound;
      measured.push({ name, run, m, lossChurn: churnBetween(run, lossRun), lostNodeHeld: loss.lostNodeHeld, growChurn: churnBetween(run, growRun), lossRun, growRun });
      process.stderr.write(`${sc.id} ${name}: ${(run.cpuMs / 1000).toFixed(2)} s CPU, re-runs ${(lossRun.cpuMs / 1000).toFixed(2)} / ${(growRun.cpuMs / 1000).toFixed(2)} s CPU\n`);
    }
    for (const { name, run, m, lossChurn, lostNodeHeld, growChurn, lossRun, growRun } of measured) {
      const pctLp = lp ? (100 * m.value) / lp : NaN;
      rows.push([
        sc.id,
        name,
        pct(m.pendingReplicas),
        `${m.placedReplicas}/${m.requestedReplicas}`,
        pct(m.pendingWork),
        pct(m.pendingWorkloads),
        String(m.value),
        Number.isFinite(pctLp) ? pctLp.toFixed(2) : '-',
        m.gpuTotal > 0 ? pct(m.gpuUtilisation) : '-',
        m.gpuTotal > 0 ? m.gCo2PerGpuHour.toFixed(0) : '-',
        `${lossChurn} (${lostNodeHeld})`,
        String(growChurn),
        String(m.violations),
        (run.cpuMs / 1000).toFixed(2),
        run.status ?? '-',
      ]);
      results.push({
        scenario: sc.id,
        description: sc.description,
        placer: name,
        ...m,
        lpBound: lp,
        pctOfLpBound: pctLp,
        churnAfterNodeLoss: lossChurn,
        lostNodeHeld,
        churnAfterGrowth: growChurn,
        wallSec: run.wallMs / 1000,
        cpuSec: run.cpuMs / 1000,
        nodeLossRerun: { cpuSec: lossRun.cpuMs / 1000, wallSec: lossRun.wallMs / 1000, status: lossRun.status },
        growthRerun: { cpuSec: growRun.cpuMs / 1000, wallSec: growRun.wallMs / 1000, status: growRun.status },
        status: run.status,
        bound: run.bound,
      });
    }
  }
  if (rows.length > 0) table(header, rows);

  // The mck8s-like load sweep: pending replicas against offered load, several seeds, every placer.
  const sweep: Record<string, unknown>[] = [];
  if (!only || only.some((o) => 'sweep'.startsWith(o) || o.startsWith('sweep'))) {
    const loads = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2];
    const placers = placersFor(false, false).map(([n, p]) => [n, n.startsWith('ours') ? ours(highs, SAFETY_SEC, false, 1e-4) : p] as [string, Placer]);
    const pending = new Map<string, number[][]>(placers.map(([n]) => [n, loads.map(() => [])]));
    const cpu = new Map<string, number>(placers.map(([n]) => [n, 0]));
    let oursNeverWorse = 0;
    let points = 0;
    for (let seed = 1; seed <= sweepSeeds; seed++) {
      loads.forEach((load, li) => {
        const sc = mck8sScenario(seed, load, true);
        const here = new Map<string, number>();
        for (const [name, placer] of placers) {
          const run = placer(sc.fleet, sc);
          const m = evaluate(sc.fleet, run);
          pending.get(name)![li]!.push(m.pendingReplicas);
          cpu.set(name, cpu.get(name)! + run.cpuMs / 1000);
          here.set(name, m.pendingReplicas);
          sweep.push({ seed, load, placer: name, pendingReplicas: m.pendingReplicas, placedReplicas: m.placedReplicas, requestedReplicas: m.requestedReplicas, cpuSec: run.cpuMs / 1000, status: run.status });
        }
        const o = here.get('ours (HiGHS MIP)')!;
        points++;
        if ([...here.entries()].every(([n, v]) => n.startsWith('ours') || o <= v + 1e-12)) oursNeverWorse++;
        process.stderr.write(`sweep seed ${seed} load ${Math.round(load * 100)} %: ours ${pct(o)}\n`);
      });
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const sweepRows = placers.map(([name]) => {
      const ys = pending.get(name)!.map(mean);
      // Area under the pending-fraction curve over offered load (trapezoids; load as a fraction).
      let area = 0;
      for (let i = 1; i < loads.length; i++) area += ((ys[i - 1]! + ys[i]!) / 2) * (loads[i]! - loads[i - 1]!);
      return { name, ys, area };
    });
    console.log(`\nmck8s-like load sweep: pending replicas (mean of ${sweepSeeds} seeds) per offered CPU load; area under the curve from 50 % to 120 %`);
    table(
      ['placer', ...loads.map((l) => `${Math.round(l * 100)} %`), 'area', 'cpu s'],
      sweepRows.map((r) => [r.name, ...r.ys.map(pct), r.area.toFixed(4), cpu.get(r.name)!.toFixed(2)]),
    );
    console.log(`ours pends no more than every baseline at ${oursNeverWorse} of ${points} (seed, load) points`);
    results.push({ sweep: { loads, seeds: sweepSeeds, curves: sweepRows.map((r) => ({ placer: r.name, meanPending: r.ys, area: r.area, cpuSec: cpu.get(r.name) })), oursNeverWorse, points, runs: sweep } });
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ node: process.version, warmUpCpuSec, loadAverage: { start: load0, end: os.loadavg() }, cpus: os.cpus().length, results }, null, 2) + '\n');
  console.log(`\nJSON: ${out}`);
}

void main();
