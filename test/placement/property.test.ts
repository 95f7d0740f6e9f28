import type { Highs } from 'highs';
import { checkPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';
import { randomFleet, randomPartitionedFleet } from './gen';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

describe('property: no placement ever breaks a hard constraint', () => {
  test('greedy over 2000 seeded random fleets', () => {
    let placedSomething = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const fleet = randomFleet(seed, { sites: 3, workloads: 6, maxReplicas: 4, maxNodes: 3, rich: true });
      const p = place(fleet);
      const v = checkPlacement(fleet, fleet.workloads, p);
      if (v.length > 0) throw new Error(`seed ${seed}: ${JSON.stringify(v)}`);
      if (p.objective.placedValue > 0) placedSomething++;
      expect(p.objective.placedValue).toBeLessThanOrEqual(p.bound + 1e-9);
    }
    // The generator must produce instances where something fits, or the property is vacuous.
    expect(placedSomething).toBeGreaterThan(1500);
  });

  test('MIP over 250 seeded random fleets: valid, never below the greedy, within its bound', () => {
    for (let seed = 5001; seed <= 5250; seed++) {
      const fleet = randomFleet(seed, { sites: 3, workloads: 6, maxReplicas: 4, maxNodes: 3, rich: true });
      const g = place(fleet);
      const m = place(fleet, fleet.workloads, { highs, timeLimitSec: 2 });
      const v = checkPlacement(fleet, fleet.workloads, m);
      if (v.length > 0) throw new Error(`seed ${seed}: ${JSON.stringify(v)}`);
      expect(m.objective.placedValue).toBeGreaterThanOrEqual(g.objective.placedValue);
      expect(m.objective.placedValue).toBeLessThanOrEqual(m.bound + 1e-6);
      expect(m.engine).toBe('mip');
    }
  });

  test('GPU stacks\' partitioning (fixed MIG layouts, MIG kept off, AMD partitions, time-slicing) and maxSites: greedy over 1000 and MIP over 150 fleets', () => {
    let fixedMigUsed = 0;
    let oneSiteGangs = 0;
    for (let seed = 9001; seed <= 10000; seed++) {
      const fleet = randomPartitionedFleet(seed, { sites: 3, workloads: 6, maxReplicas: 4, maxNodes: 3, rich: true });
      const p = place(fleet);
      const v = checkPlacement(fleet, fleet.workloads, p);
      if (v.length > 0) throw new Error(`seed ${seed}: ${JSON.stringify(v)}`);
      const layoutPools = new Set(fleet.sites.flatMap((s) => s.nodePools.filter((x) => x.gpus?.migLayout).map((x) => `${s.name}/${x.name}`)));
      if (p.workloads.some((w) => w.assignments.some((a) => layoutPools.has(`${a.site}/${a.pool}`)))) fixedMigUsed++;
      for (const w of fleet.workloads) {
        const placed = p.workloads.find((x) => x.name === w.name)!;
        if (w.gang && w.spread.maxSites === 1 && w.replicas > 1 && placed.placed === w.replicas) oneSiteGangs++;
      }
    }
    expect(oneSiteGangs).toBeGreaterThan(20);
    // Fixed layouts must actually take slices in a good share of the instances, or the property is vacuous.
    expect(fixedMigUsed).toBeGreaterThan(100);
    for (let seed = 12001; seed <= 12150; seed++) {
      const fleet = randomPartitionedFleet(seed, { sites: 3, workloads: 6, maxReplicas: 4, maxNodes: 3, rich: true });
      const g = place(fleet);
      const m = place(fleet, fleet.workloads, { highs, timeLimitSec: 2 });
      const v = checkPlacement(fleet, fleet.workloads, m);
      if (v.length > 0) throw new Error(`seed ${seed}: ${JSON.stringify(v)}`);
      expect(m.objective.placedValue).toBeGreaterThanOrEqual(g.objective.placedValue);
      expect(m.objective.placedValue).toBeLessThanOrEqual(m.bound + 1e-6);
    }
  });

  test('placement is deterministic: same input, same output', () => {
    const fleet = randomFleet(77, { sites: 4, workloads: 10, maxReplicas: 4, maxNodes: 3, rich: true });
    const a = place(fleet, fleet.workloads, { highs, timeLimitSec: 5 });
    const b = place(fleet, fleet.workloads, { highs, timeLimitSec: 5 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
