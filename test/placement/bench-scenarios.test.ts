/** Every scenario `npm run bench:placement` runs must build: the bench is not run in CI, its inputs are. */
import { aiFleetScenario, mck8sScenario, scaleScenario } from '../../bench/placement/scenarios';

test.each([
  ['a-mck8s-80', () => mck8sScenario(1, 0.8)],
  ['a-mck8s-120', () => mck8sScenario(1, 1.2)],
  ['b-ai-fleet', () => aiFleetScenario(1)],
  ['c-scale-1000x50', () => scaleScenario(1, 1000, 50)],
  ['c-scale-5000x200', () => scaleScenario(1, 5000, 200)],
])('%s builds a valid fleet', (id, make) => {
  const sc = make();
  expect(sc.id.startsWith(id.slice(0, 2))).toBe(true);
  expect(sc.fleet.sites.length).toBeGreaterThan(0);
  expect(sc.fleet.workloads.length).toBeGreaterThan(0);
});
