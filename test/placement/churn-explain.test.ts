import type { Highs } from 'highs';
import { parseFleet, type FleetSpec } from '../../lib/model/fleet';
import { checkPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';
import { readPreviousPlacement, renderPlacementJson, renderPlacementMarkdown } from '../../lib/placement/report';
import { referenceFleetSpec } from '../../apps/reference-fleet';
import { randomFleet } from './gen';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

const sitesOf = (p: ReturnType<typeof place>) => p.workloads.map((w) => `${w.name}:${w.assignments.map((a) => a.site).join(',')}`);

describe('churn', () => {
  test('is zero when nothing changed, for greedy and MIP, and the sites stay the same', () => {
    for (let seed = 300; seed < 330; seed++) {
      const fleet = randomFleet(seed, { sites: 3, workloads: 6, maxReplicas: 3, maxNodes: 2, rich: true });
      for (const opts of [{}, { highs, timeLimitSec: 2 }]) {
        const first = place(fleet, fleet.workloads, opts);
        const previous = readPreviousPlacement(renderPlacementJson(first)).previous!;
        const second = place(fleet, fleet.workloads, { ...opts, previous });
        expect(second.objective.churn).toBe(0);
        expect(second.objective.placedValue).toBe(first.objective.placedValue);
        expect(sitesOf(second)).toEqual(sitesOf(first));
      }
    }
  });

  test('losing a node moves no more replicas than that node held', () => {
    const spec = JSON.parse(JSON.stringify(referenceFleetSpec)) as FleetSpec;
    spec.workloads = [
      { name: 'svc', replicas: 6, gpu: { count: 2 }, priority: 2 },
      { name: 'job', replicas: 2, gpu: { count: 4, model: 'A100-80GB' }, priority: 3 },
    ];
    const fleet = parseFleet(spec);
    const first = place(fleet, fleet.workloads, { highs });
    const previous = readPreviousPlacement(renderPlacementJson(first)).previous!;
    const shrunk = JSON.parse(JSON.stringify(spec)) as FleetSpec;
    const pool = shrunk.sites.find((s) => s.name === 'atlanta')!.nodePools[0]!;
    pool.count -= 1;
    const fleet2 = parseFleet(shrunk);
    const second = place(fleet2, fleet2.workloads, { highs, previous });
    const lostNodeHeld = first.workloads.flatMap((w) => w.assignments).filter((a) => a.site === 'atlanta' && a.node === pool.count).length;
    expect(second.objective.churn).toBeLessThanOrEqual(lostNodeHeld);
    expect(checkPlacement(fleet2, fleet2.workloads, second)).toEqual([]);
  });
});

describe('explanations', () => {
  const spec = (): FleetSpec => ({
    ...JSON.parse(JSON.stringify(referenceFleetSpec)),
    workloads: [{ name: 'train', replicas: 1, gpu: { count: 4, vendor: 'nvidia' }, allowedJurisdictions: ['US', 'CA'], pinnedSite: 'atlanta' }],
  });

  test('an unplaceable workload gets a reason for every site, never a bare infeasible', () => {
    const fleet = parseFleet(spec());
    const p = place(fleet, fleet.workloads, { highs });
    const w = p.workloads[0]!;
    expect(w.placed).toBe(0);
    expect(w.reasons.map((r) => r.site)).toEqual(['atlanta', 'frankfurt', 'quebec']);
    expect(w.reasons.find((r) => r.site === 'atlanta')!.reason).toBe('no NVIDIA GPU (has MI300X)');
    expect(w.reasons.find((r) => r.site === 'frankfurt')!.reason).toBe('pinned to site atlanta');
    expect(w.reasons.find((r) => r.site === 'quebec')!.reason).toBe('pinned to site atlanta');
    expect(w.suggestions[0]).toMatch(/add a node pool with 4 x NVIDIA GPU per node at atlanta/);
    expect(renderPlacementMarkdown(p)).toContain('atlanta: no NVIDIA GPU (has MI300X) (gpu-fit)');
  });

  test('residency and fragmentation reasons, and what would make it fit', () => {
    const s = spec();
    s.workloads = [
      { name: 'fill', replicas: 4, gpu: { count: 6, model: 'A100-80GB' }, priority: 5 },
      { name: 'train', replicas: 1, gpu: { count: 4, vendor: 'nvidia' }, allowedJurisdictions: ['US', 'CA'], priority: 1 },
    ];
    const fleet = parseFleet(s);
    const p = place(fleet, fleet.workloads, { highs });
    const w = p.workloads.find((x) => x.name === 'train')!;
    expect(w.placed).toBe(0);
    expect(w.reasons).toEqual([
      { site: 'atlanta', plugin: 'gpu-fit', reason: 'no NVIDIA GPU (has MI300X)' },
      { site: 'frankfurt', plugin: 'residency', reason: 'jurisdiction DE not in [US, CA]' },
      { site: 'quebec', plugin: 'capacity', reason: 'needs 4 GPUs on one node, largest free block is 2' },
    ]);
    expect(w.suggestions).toEqual([
      'add 1 node to quebec/a100 (8 x A100-80GB each) for 1 more replica (4 GPUs)',
      'add 1 node to quebec/a100-mig (8 x A100-80GB each) for 1 more replica (4 GPUs)',
    ]);
  });
});
