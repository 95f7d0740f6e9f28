import { spawn } from 'node:child_process';
import type { Highs } from 'highs';
import type { FleetModel, FleetSpec } from '../../lib/model/fleet';
import { parseFleet } from '../../lib/model/fleet';
import type { WorkloadModel } from '../../lib/model/workload';
import { checkPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';
import { readPreviousPlacement, renderPlacementJson } from '../../lib/placement/report';
import type { Placement } from '../../lib/placement/types';
import { scaleScenario } from '../../bench/placement/scenarios';
import { randomFleet } from './gen';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

/** The fleet with a copy of each of its first `copies` workloads (same needs, new name): identical workloads to merge. */
function withCopies(fleet: FleetModel, copies: number): FleetModel {
  const extra: WorkloadModel[] = fleet.workloads.slice(0, copies).map((w) => ({ ...w, name: `${w.name}-copy` }));
  return { ...fleet, workloads: [...fleet.workloads, ...extra] };
}

/** Forces the aggregated model (identical nodes, merged workloads) however small the fleet. */
const MERGED = { nodeLevelMaxCols: 0 } as const;

const previousOf = (p: Placement) => readPreviousPlacement(renderPlacementJson(p)).previous!;
const assignmentsOf = (p: Placement) => p.workloads.flatMap((w) => w.assignments.map((a) => `${w.name}@${a.site}/${a.cluster}/${a.pool}/${a.node}/${a.gpus.join('+')}`)).sort();

describe('the merged model (identical workloads share one column per pool)', () => {
  test('merges identical workloads and says so; valid, never below the greedy, within its bound (120 rich fleets)', () => {
    let mergedSeen = 0;
    for (let seed = 7001; seed <= 7120; seed++) {
      const fleet = withCopies(randomFleet(seed, { sites: 3, workloads: 6, maxReplicas: 4, maxNodes: 3, rich: true }), 3);
      const g = place(fleet, fleet.workloads);
      const m = place(fleet, fleet.workloads, { highs, ...MERGED });
      const v = checkPlacement(fleet, fleet.workloads, m);
      if (v.length > 0) throw new Error(`seed ${seed}: ${JSON.stringify(v)}`);
      expect(m.objective.placedValue).toBeGreaterThanOrEqual(g.objective.placedValue);
      expect(m.objective.placedValue).toBeLessThanOrEqual(m.bound + 1e-6);
      if (m.notes.some((n) => /merged into \d+ column sets/.test(n))) mergedSeen++;
    }
    // Rules (gangs, spread, affinity) keep many copies apart; enough must merge for the property to mean something.
    expect(mergedSeen).toBeGreaterThan(40);
  });

  test('agrees with the node-level model on placed work wherever both prove optimality (40 fleets with identical workloads)', () => {
    let compared = 0;
    for (let seed = 900; seed < 940; seed++) {
      const fleet = withCopies(randomFleet(seed, { sites: 2, workloads: 3, maxReplicas: 2, maxNodes: 2, rich: false }), 2);
      const exact = place(fleet, fleet.workloads, { highs });
      const merged = place(fleet, fleet.workloads, { highs, ...MERGED });
      expect(checkPlacement(fleet, fleet.workloads, merged)).toEqual([]);
      // The merged model sums CPU and memory per pool, so it may only lose work when a packing drop is reported.
      if (merged.status === 'optimal' && exact.status === 'optimal') {
        expect({ seed, value: merged.objective.placedValue }).toEqual({ seed, value: exact.objective.placedValue });
        compared++;
      } else expect(merged.objective.placedValue).toBeLessThanOrEqual(exact.objective.placedValue);
    }
    expect(compared).toBeGreaterThan(30);
  });

  test('churn is exact for merged workloads: previous replicas go back to their sites first', () => {
    const sites = ['east', 'west'].map((name, i) => ({
      name,
      region: 'r',
      jurisdiction: 'US',
      location: { lat: 40, lon: -75 - 40 * i },
      infrastructure: 'bare-metal' as const,
      nodePools: [{ name: 'gpu', count: 2, cpu: 64, memoryGiB: 512, gpus: { model: 'L4', count: 4 } }],
      power: { carbonIntensity: i === 0 ? 500 : 20 },
    }));
    const workloads = Array.from({ length: 6 }, (_, i) => ({ name: `svc-${i}`, replicas: 2, gpu: { count: 1 }, cpu: 1, memoryGiB: 1 }));
    const fleet = parseFleet({ management: { site: 'east' }, sites, workloads } as FleetSpec);
    // Everything ran at the dirty site before; the clean one is free. Moving saves carbon but costs churn, which comes first.
    const previous = { workloads: workloads.map((w) => ({ name: w.name, assignments: [{ site: 'east' }, { site: 'east' }] })) };
    const p = place(fleet, fleet.workloads, { highs, previous, ...MERGED });
    expect(p.notes.some((n) => /merged into 1 column sets/.test(n))).toBe(true);
    expect(p.objective.placedValue).toBe(12);
    expect(p.objective.churn).toBe(4); // east holds 8 GPUs: 8 of the 12 replicas stay, 4 must move
    for (const w of p.workloads) expect(w.placed).toBe(2);
    expect(checkPlacement(fleet, fleet.workloads, p)).toEqual([]);
  });
});

describe('keepPrevious in objective order (issue 16)', () => {
  /** Three sites of 4 × 8 GPUs; 12 workloads that fill about 70 % of them. */
  function roomyFleet(grow = 0): FleetModel {
    const sites = ['alpha', 'bravo', 'charlie'].map((name, i) => ({
      name,
      region: 'r',
      jurisdiction: 'US',
      location: { lat: 40 + i, lon: -75 - i },
      infrastructure: 'bare-metal' as const,
      nodePools: [{ name: 'gpu', count: 4, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }],
      power: { carbonIntensity: [300, 100, 200][i]! },
    }));
    const workloads = Array.from({ length: 12 }, (_, i) => ({ name: `w${String(i).padStart(2, '0')}`, replicas: (i % 3) + 1 + (i === 0 ? grow : 0), gpu: { count: [1, 2, 4][i % 3]! }, cpu: 2, memoryGiB: 8, priority: (i % 4) + 1 }));
    return parseFleet({ management: { site: 'alpha' }, sites, workloads } as FleetSpec);
  }

  for (const [label, opts] of [['node-level model', {}], ['merged model', MERGED]] as const) {
    test(`growing one workload by one replica moves nothing and keeps every previous replica on its GPUs (${label})`, () => {
      const before = roomyFleet();
      const first = place(before, before.workloads, { highs, ...opts });
      const after = roomyFleet(1);
      const second = place(after, after.workloads, { highs, previous: previousOf(first), ...opts });
      expect(second.objective.churn).toBe(0);
      expect(second.objective.placedValue).toBe(first.objective.placedValue + 1);
      const kept = new Set(assignmentsOf(second));
      for (const a of assignmentsOf(first)) expect(kept.has(a)).toBe(true);
      expect(checkPlacement(after, after.workloads, second)).toEqual([]);
    });
  }

  test('a previous placement that costs more carbon is still kept: churn comes before cost', () => {
    const fleet = roomyFleet();
    const fresh = place(fleet, fleet.workloads, { highs });
    // The previous run put everything on the dirtiest site that holds it (alpha, 300 g/kWh).
    const previous = { workloads: fleet.workloads.map((w) => ({ name: w.name, assignments: Array.from({ length: w.replicas }, () => ({ site: 'alpha' })) })) };
    const again = place(fleet, fleet.workloads, { highs, previous });
    expect(again.objective.placedValue).toBe(fresh.objective.placedValue);
    expect(again.objective.cost).toBeGreaterThan(fresh.objective.cost);
    // 24 replicas (68 GPUs) ran on alpha's 32 GPUs: at most 15 stay (4 x 1 + 8 x 2 + 3 x 4 GPUs), so 9 must move, no more.
    expect(again.objective.churn).toBe(9);
  });
});

describe('churn after losing one node, merged model at scale', () => {
  test('200 workloads x 20 sites: placed work optimal, moves at most what the lost node held', () => {
    const sc = scaleScenario(1, 200, 20);
    const first = place(sc.fleet, sc.fleet.workloads, { highs, mipRelGap: 1e-3, ...MERGED });
    expect(first.notes.some((n) => /merged into/.test(n))).toBe(true);
    // The site with the most replicas loses the last node of its largest pool.
    const count = new Map<string, number>();
    for (const a of first.workloads.flatMap((w) => w.assignments)) count.set(a.site, (count.get(a.site) ?? 0) + 1);
    const site = [...count.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    const s = sc.fleet.sites.find((x) => x.name === site)!;
    const pool = [...s.nodePools].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))[0]!;
    const held = first.workloads.flatMap((w) => w.assignments).filter((a) => a.site === site && a.pool === pool.name && a.node === pool.count - 1).length;
    const shrunk: FleetModel = { ...sc.fleet, sites: sc.fleet.sites.map((x) => (x.name !== site ? x : { ...x, nodePools: x.nodePools.map((p) => (p.name !== pool.name ? p : { ...p, count: p.count - 1 })) })) };
    const second = place(shrunk, shrunk.workloads, { highs, previous: previousOf(first), mipRelGap: 1e-3, ...MERGED });
    expect(checkPlacement(shrunk, shrunk.workloads, second)).toEqual([]);
    expect(held).toBeGreaterThan(0);
    expect(second.objective.churn).toBeLessThanOrEqual(held);
    expect(second.status).toBe('optimal');
  });
});

describe('determinism under limits', () => {
  test('a work limit that binds gives the same placement with and without another process loading the CPU', async () => {
    const sc = scaleScenario(3, 150, 15);
    // One simplex iteration per stage: the limit binds, and it counts work, not time.
    const opts = { highs, workLimit: 1, mipRelGap: 0 };
    const quiet = place(sc.fleet, sc.fleet.workloads, opts);
    const spinners = [0, 1].map(() => spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 60000) {}'], { stdio: 'ignore' }));
    try {
      await new Promise((r) => setTimeout(r, 200));
      const loaded = place(sc.fleet, sc.fleet.workloads, opts);
      expect(JSON.stringify(loaded)).toBe(JSON.stringify(quiet));
    } finally {
      for (const s of spinners) s.kill();
    }
    expect(quiet.notes.some((n) => /work limit of 1 simplex iterations|reaches the LP bound/.test(n))).toBe(true);
    expect(checkPlacement(sc.fleet, sc.fleet.workloads, quiet)).toEqual([]);
  });
});

describe('determinism under limits, with a previous placement (the churn path)', () => {
  test('re-placing after a node loss and a growth gives the same bytes with and without another process loading the CPU', async () => {
    const sc = scaleScenario(3, 150, 15);
    const first = place(sc.fleet, sc.fleet.workloads, { highs, ...MERGED });
    const site = sc.fleet.sites[0]!;
    const changed: FleetModel = {
      ...sc.fleet,
      sites: sc.fleet.sites.map((s) => (s !== site ? s : { ...s, nodePools: s.nodePools.map((p, i) => (i === 0 && p.count > 1 ? { ...p, count: p.count - 1 } : p)) })),
      workloads: sc.fleet.workloads.map((w, i) => (i === 0 ? { ...w, replicas: w.replicas + 1 } : w)),
    };
    // A small work limit so that it binds in some stage; the wall-clock limit stays far away.
    const opts = { highs, previous: previousOf(first), workLimit: 20, ...MERGED };
    const quiet = place(changed, changed.workloads, opts);
    const spinners = [0, 1].map(() => spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 60000) {}'], { stdio: 'ignore' }));
    try {
      await new Promise((r) => setTimeout(r, 200));
      const loaded = place(changed, changed.workloads, opts);
      expect(JSON.stringify(loaded)).toBe(JSON.stringify(quiet));
    } finally {
      for (const s of spinners) s.kill();
    }
    expect(checkPlacement(changed, changed.workloads, quiet)).toEqual([]);
    expect(quiet.notes.some((n) => /work limit of 20 simplex iterations/.test(n))).toBe(true);
  });
});
