/** spread.maxSites: replicas keep to at most that many sites (a training job in one cluster). */
import { parseFleet, validateFleet } from '../../lib/model/fleet';
import { checkPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';

const site = (name: string, lat: number, gpus: number) => ({
  name,
  region: 'r',
  jurisdiction: 'CA',
  location: { lat, lon: -71 },
  infrastructure: 'bare-metal' as const,
  nodePools: [{ name: 'gpu', count: gpus, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }],
});
// 'a' (first by name) holds 2 nodes, 'b' holds 4: a gang of 3 one-node replicas fits only at 'b'.
const spec = {
  management: { site: 'a' },
  sites: [site('a', 46, 2), site('b', 45, 4)],
  workloads: [{ name: 'train', replicas: 3, gpu: { count: 8 }, gang: true, spread: { maxSites: 1 } }],
};

test.each([['greedy'], ['mip']])('%s: a one-site gang goes where it fits whole, never split over sites', async (engine) => {
  const fleet = parseFleet(spec);
  const p = place(fleet, fleet.workloads, engine === 'mip' ? { highs: await loadHighs() } : {});
  expect(checkPlacement(fleet, fleet.workloads, p)).toEqual([]);
  expect(p.workloads[0]!.assignments.map((a) => a.site)).toEqual(['b', 'b', 'b']);
});

test('the checker refuses replicas over more sites than maxSites, and minSites above maxSites is an input error', () => {
  const fleet = parseFleet(spec);
  const at = (s: string, node: number) => ({ site: s, cluster: s, pool: 'gpu', node, gpus: [0, 1, 2, 3, 4, 5, 6, 7] });
  expect(checkPlacement(fleet, fleet.workloads, { workloads: [{ name: 'train', assignments: [at('a', 0), at('a', 1), at('b', 0)] }] }).map((v) => v.message)).toEqual(['runs at 2 sites (a, b), maxSites 1']);
  const bad = validateFleet({ ...spec, workloads: [{ name: 'w', replicas: 4, spread: { minSites: 3, maxSites: 2 } }] });
  expect(bad.ok).toBe(false);
  expect(!bad.ok && bad.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['workloads[w].spread.minSites: minSites 3 is above maxSites 2; no placement can meet both']);
});

describe('spread.maxClusters', () => {
  // One site, two clusters: c1 holds two 8-GPU nodes, c2 one. A gang of 2 fits only in c1.
  const dc = {
    name: 'dc',
    region: 'r',
    jurisdiction: 'CA',
    location: { lat: 45, lon: -73 },
    infrastructure: 'bare-metal' as const,
    nodePools: [
      { name: 'b', count: 2, cpu: 64, memoryGiB: 512, gpus: { model: 'H100', count: 8 } },
      { name: 'a', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'H100', count: 8 } },
    ],
    clusters: [
      { name: 'c1', nodePools: ['b'] },
      { name: 'c2', nodePools: ['a'] },
    ],
  };
  const spec = { management: { site: 'dc' }, sites: [dc], workloads: [{ name: 'train', replicas: 2, gpu: { count: 8 }, gang: true, spread: { maxSites: 1, maxClusters: 1 } }] };

  test.each([['greedy'], ['mip']])('%s keeps a one-cluster gang in the cluster that holds it whole', async (engine) => {
    const fleet = parseFleet(spec);
    const p = place(fleet, fleet.workloads, engine === 'mip' ? { highs: await loadHighs() } : {});
    expect(checkPlacement(fleet, fleet.workloads, p)).toEqual([]);
    expect(p.workloads[0]!.assignments.map((a) => `${a.site}/${a.cluster}`)).toEqual(['dc/c1', 'dc/c1']);
  });

  test('the checker refuses a split over clusters', () => {
    const fleet = parseFleet(spec);
    const g = [0, 1, 2, 3, 4, 5, 6, 7];
    const v = checkPlacement(fleet, fleet.workloads, { workloads: [{ name: 'train', assignments: [{ site: 'dc', cluster: 'c1', pool: 'b', node: 0, gpus: g }, { site: 'dc', cluster: 'c2', pool: 'a', node: 0, gpus: g }] }] });
    expect(v.map((x) => x.message)).toEqual(['runs in 2 clusters (dc/c1, dc/c2), maxClusters 1']);
  });
});
