/** Every scenario `npm run bench:placement` runs must build: the bench is not run in CI, its inputs are. */
import { aiFleetScenario, mck8sScenario, scaleScenario } from '../../bench/placement/scenarios';

test.each([
  ['a-mck8s-80', () => mck8sScenario(1, 0.8)],
  ['a-mck8s-120', () => mck8sScenario(1, 1.2)],
  ['b-ai-fleet', () => aiFleetScenario(1)],
  ['c-scale-1000x50', () => scaleScenario(1, 1000, 50)],
  ['c-scale-5000x200', () => scaleScenario(1, 5000, 200)],
  ['d-hard-1000x50', () => scaleScenario(1, 1000, 50, true)],
  ['a-mck8s-50 (sweep, seed 3)', () => mck8sScenario(3, 0.5, true)],
  ['a-mck8s-120 (sweep, seed 3)', () => mck8sScenario(3, 1.2, true)],
])('%s builds a valid fleet', (id, make) => {
  const sc = make();
  expect(sc.id.startsWith(id.slice(0, 2))).toBe(true);
  expect(sc.fleet.sites.length).toBeGreaterThan(0);
  expect(sc.fleet.workloads.length).toBeGreaterThan(0);
});

test('the packing-difficulty variant has what its name says: sizes that do not divide 8, memory-bound replicas, gangs, one replica per site', () => {
  const ws = scaleScenario(1, 1000, 50, true).fleet.workloads;
  expect(ws.some((w) => w.gpu && 8 % w.gpu.count !== 0)).toBe(true);
  expect(ws.some((w) => w.gpu && w.memoryGiB > 64 * w.gpu.count)).toBe(true);
  expect(ws.some((w) => w.gang)).toBe(true);
  expect(ws.some((w) => w.spread.maxPerSite === 1)).toBe(true);
  // The plain variant draws the same stream as before: no gangs or spread there.
  expect(scaleScenario(1, 1000, 50).fleet.workloads.some((w) => w.gang || w.spread.maxPerSite !== undefined)).toBe(false);
});

test('the sweep trims the last application, so every load point is its own instance within one application of its target', () => {
  const offered = (load: number) => mck8sScenario(1, load, true).fleet.workloads.reduce((s, w) => s + w.replicas * w.cpu, 0);
  const points = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2].map(offered);
  for (let i = 1; i < points.length; i++) expect(points[i]!).toBeGreaterThan(points[i - 1]!);
  // 92 allocatable CPUs in seed 1: each point ends at or just under its target.
  expect(points.every((p, i) => p <= (0.5 + 0.1 * i) * 92 + 1e-9)).toBe(true);
});
