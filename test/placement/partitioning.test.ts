/**
 * Placement under the GPU stacks' partitioning: a fixed MIG layout offers all its profiles at once and
 * no whole GPUs; MIG kept off offers no slices; AMD compute partitions are logical GPUs with a share of
 * the memory. The solver and the independent checker count the same thing.
 */
import { App } from 'cdk8s';
import { buildReferenceFleet } from '../../apps/reference-fleet';
import { parseFleet, type FleetSpec } from '../../lib/model/fleet';
import { checkPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { partitionedFleet, partitionedGpus } from '../../lib/placement/partitioning';
import { place } from '../../lib/placement/place';

const site = { region: 'r', jurisdiction: 'CA', location: { lat: 46.8, lon: -71.2 }, infrastructure: 'bare-metal' as const };
function fleetWith(nodePools: FleetSpec['sites'][number]['nodePools'], workloads: FleetSpec['workloads']) {
  return parseFleet({ management: { site: 'q' }, sites: [{ name: 'q', ...site, nodePools }], workloads });
}

describe('partitionedGpus', () => {
  const a100 = { vendor: 'nvidia' as const, model: 'A100-80GB', count: 8, memoryGiB: 80 };
  test('each kind', () => {
    expect(partitionedGpus(a100, { kind: 'mig', layout: { '3g.40gb': 2 } })).toEqual({ ...a100, migLayout: { '3g.40gb': 2 } });
    expect(partitionedGpus(a100, { kind: 'none' })).toEqual({ ...a100, migDisabled: true });
    expect(partitionedGpus({ vendor: 'nvidia', model: 'T4', count: 1, memoryGiB: 16 }, { kind: 'none' })).toEqual({ vendor: 'nvidia', model: 'T4', count: 1, memoryGiB: 16 });
    expect(partitionedGpus({ vendor: 'amd', model: 'MI300X', count: 8, memoryGiB: 192 }, { kind: 'amd-partition', partition: { compute: 'CPX', memory: 'NPS4' } })).toMatchObject({ count: 64, memoryGiB: 24, partitionedFrom: '8 x MI300X in CPX/NPS4' });
    expect(partitionedGpus({ vendor: 'nvidia', model: 'L4', count: 2, memoryGiB: 24 }, { kind: 'time-slicing', replicas: 4 })).toMatchObject({ count: 8, memoryGiB: 24 });
  });
});

describe('a fixed MIG layout', () => {
  // 2 nodes x 2 A100, each GPU 1g.10gb x2 + 3g.40gb x1 at once.
  const base = fleetWith(
    [{ name: 'mig', count: 2, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 2 } }],
    [
      { name: 'small', replicas: 10, gpu: { migProfile: '1g.10gb' }, cpu: 1, memoryGiB: 1 },
      { name: 'medium', replicas: 6, gpu: { migProfile: '3g.40gb' }, cpu: 1, memoryGiB: 1 },
      { name: 'whole', replicas: 1, gpu: { count: 1 }, cpu: 1, memoryGiB: 1 },
      { name: 'seven', replicas: 1, gpu: { migProfile: '2g.20gb' }, cpu: 1, memoryGiB: 1 },
    ],
  );
  const fleet = partitionedFleet(base, new Map([['q/mig', { kind: 'mig', layout: { '1g.10gb': 2, '3g.40gb': 1 } }]]));

  test.each([['greedy'], ['mip']])('%s: both profiles share every GPU up to the layout; whole GPUs and other profiles are refused with the reason', async (engine) => {
    const p = place(fleet, fleet.workloads, engine === 'mip' ? { highs: await loadHighs() } : {});
    expect(checkPlacement(fleet, fleet.workloads, p)).toEqual([]);
    const got = Object.fromEntries(p.workloads.map((w) => [w.name, w.placed]));
    expect(got).toEqual({ small: 8, medium: 4, whole: 0, seven: 0 });
    expect(p.workloads.find((w) => w.name === 'whole')!.reasons[0]!.reason).toMatch(/MIG-partitioned \(1g\.10gb x2, 3g\.40gb x1 per GPU\); no whole GPUs/);
    expect(p.workloads.find((w) => w.name === 'seven')!.reasons[0]!.reason).toMatch(/fixed MIG layout has no 2g\.20gb slices/);
    expect(p.workloads.find((w) => w.name === 'small')!.reasons[0]!.reason).toMatch(/every 1g\.10gb slice of the fixed MIG layout is taken/);
  });

  test('the checker refuses a whole GPU on the layout, more slices than it has, and slices where MIG is off', () => {
    const at = (gpus: number[]) => ({ site: 'q', cluster: 'q', pool: 'mig', node: 0, gpus });
    const v = (name: string, assignments: ReturnType<typeof at>[], f = fleet) => checkPlacement(f, f.workloads, { workloads: [{ name, assignments }] }).map((x) => x.message);
    expect(v('whole', [at([0])])).toEqual(['GPU 0 of node q/q/mig/0 is MIG-partitioned and cannot be given whole']);
    expect(v('small', [at([1]), at([1]), at([1])])).toEqual(['GPU 1 of node q/q/mig/0 holds 3 1g.10gb slices, its layout has 2']);
    expect(v('small', [at([1]), at([1])])).toEqual([]);
    const off = partitionedFleet(base, new Map([['q/mig', { kind: 'none' }]]));
    expect(v('small', [at([0])], off)).toEqual(['GPU 0 of node q/q/mig/0 holds MIG slices, but MIG is off there']);
    expect(place(off).workloads.find((w) => w.name === 'small')!.reasons[0]!.reason).toMatch(/MIG is off on A100-80GB here/);
  });
});

test('AMD compute partitions are logical GPUs with a share of the memory', () => {
  const base = fleetWith(
    [{ name: 'mi', count: 1, cpu: 256, memoryGiB: 2048, gpus: { model: 'MI300X', count: 8 } }],
    [
      { name: 'eight', replicas: 9, gpu: { count: 8 }, cpu: 1, memoryGiB: 1 },
      { name: 'big', replicas: 1, gpu: { count: 1, memoryGiB: 80 }, cpu: 1, memoryGiB: 1 },
    ],
  );
  const fleet = partitionedFleet(base, new Map([['q/mi', { kind: 'amd-partition', partition: { compute: 'CPX', memory: 'NPS4' } }]]));
  const p = place(fleet);
  expect(checkPlacement(fleet, fleet.workloads, p)).toEqual([]);
  expect(p.workloads.find((w) => w.name === 'eight')!.placed).toBe(8);
  expect(p.workloads.find((w) => w.name === 'big')!.reasons[0]!.reason).toBe('MI300X partition (8 x MI300X in CPX/NPS4) has 24 GiB per GPU, needs 80 GiB');
});

test('the reference fleet places whole-GPU work on the whole A100s and MIG work on the MIG pool only', () => {
  const p = buildReferenceFleet(new App()).placement();
  const pools = (name: string) => [...new Set(p.workloads.find((w) => w.name === name)!.assignments.map((a) => `${a.site}/${a.pool}`))].sort();
  expect(pools('llm-pretrain')).toEqual(['quebec/a100']);
  expect(pools('chat-inference')).toEqual(['quebec/a100']);
  expect(pools('embeddings')).toEqual(['quebec/a100-mig']);
});

test('time-sliced GPUs: one slice per replica, no memory promise; the checker agrees', () => {
  const base = fleetWith(
    [{ name: 'l4', count: 1, cpu: 64, memoryGiB: 256, gpus: { model: 'L4', count: 2 } }],
    [
      { name: 'one', replicas: 9, gpu: { count: 1 }, cpu: 1, memoryGiB: 1 },
      { name: 'two', replicas: 1, gpu: { count: 2 }, cpu: 1, memoryGiB: 1 },
      { name: 'mem', replicas: 1, gpu: { count: 1, memoryGiB: 8 }, cpu: 1, memoryGiB: 1 },
    ],
  );
  const fleet = partitionedFleet(base, new Map([['q/l4', { kind: 'time-slicing', replicas: 4 }]]));
  const p = place(fleet);
  expect(checkPlacement(fleet, fleet.workloads, p)).toEqual([]);
  expect(Object.fromEntries(p.workloads.map((w) => [w.name, w.placed]))).toEqual({ one: 8, two: 0, mem: 0 });
  expect(p.workloads.find((w) => w.name === 'two')!.reasons[0]!.reason).toBe('L4 GPUs are time-sliced (x4): one slice per replica, needs 2');
  const at = { site: 'q', cluster: 'q', pool: 'l4', node: 0 };
  expect(checkPlacement(fleet, fleet.workloads, { workloads: [{ name: 'two', assignments: [{ ...at, gpus: [0, 1] }] }] }).map((v) => v.message)).toEqual(['takes 2 time slices on q/q/l4/0; a container gets one']);
});
