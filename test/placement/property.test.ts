import type { Highs } from 'highs';
import { checkPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';
import { randomFleet } from './gen';

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

  test('placement is deterministic: same input, same output', () => {
    const fleet = randomFleet(77, { sites: 4, workloads: 10, maxReplicas: 4, maxNodes: 3, rich: true });
    const a = place(fleet, fleet.workloads, { highs, timeLimitSec: 5 });
    const b = place(fleet, fleet.workloads, { highs, timeLimitSec: 5 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
