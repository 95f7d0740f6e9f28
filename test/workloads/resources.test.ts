import { cpuQuantity, defaultShmGiB, memoryQuantity, poolGpuResource, resourceRequirements, type PoolGpuFacts } from '../../lib/workloads/resources';

const a100 = (partitioning: PoolGpuFacts['partitioning']): PoolGpuFacts => ({ name: 'p', vendor: 'nvidia', model: 'A100-80GB', perNode: 8, partitioning });
const mig = a100({ kind: 'mig', layout: { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 } });

describe('poolGpuResource: the resource a pool advertises for a need', () => {
  it('whole GPUs, time slices and AMD partitions, with what one node holds', () => {
    expect(poolGpuResource(a100({ kind: 'none' }), { vendor: 'nvidia', count: 2 }, 'none')).toEqual({ ok: true, resource: 'nvidia.com/gpu', perNode: 8 });
    expect(poolGpuResource(a100({ kind: 'time-slicing', replicas: 4 }), { vendor: 'nvidia', count: 1 }, 'none')).toEqual({ ok: true, resource: 'nvidia.com/gpu.shared', perNode: 32 });
    const mi300x: PoolGpuFacts = { name: 'm', vendor: 'amd', model: 'MI300X', perNode: 8, partitioning: { kind: 'amd-partition', partition: { compute: 'CPX', memory: 'NPS4' } } };
    expect(poolGpuResource(mi300x, { vendor: 'amd', count: 8 }, 'none')).toEqual({ ok: true, resource: 'amd.com/gpu', perNode: 64 });
  });

  it('MIG: slices by profile (mixed) or as nvidia.com/gpu (single); never whole GPUs on a MIG pool', () => {
    expect(poolGpuResource(mig, { vendor: 'nvidia', count: 1, migProfile: '1g.10gb' }, 'mixed')).toEqual({ ok: true, resource: 'nvidia.com/mig-1g.10gb', perNode: 16 });
    expect(poolGpuResource(mig, { vendor: 'nvidia', count: 1, migProfile: '3g.40gb' }, 'single')).toEqual({ ok: true, resource: 'nvidia.com/gpu', perNode: 8 });
    expect(poolGpuResource(mig, { vendor: 'nvidia', count: 1 }, 'mixed')).toMatchObject({ ok: false, reason: expect.stringMatching(/advertise nvidia\.com\/mig-1g\.10gb, nvidia\.com\/mig-2g\.20gb, nvidia\.com\/mig-3g\.40gb only, no nvidia\.com\/gpu/) });
    expect(poolGpuResource(mig, { vendor: 'nvidia', count: 1 }, 'single')).toMatchObject({ ok: false });
    expect(poolGpuResource(a100({ kind: 'none' }), { vendor: 'nvidia', count: 1, migProfile: '1g.10gb' }, 'none')).toMatchObject({ ok: false, reason: expect.stringMatching(/not MIG-partitioned \(whole GPUs\)/) });
    expect(poolGpuResource(mig, { vendor: 'nvidia', count: 1, migProfile: '7g.80gb' }, 'mixed')).toMatchObject({ ok: false, reason: expect.stringMatching(/has no 7g\.80gb slices/) });
    expect(poolGpuResource(mig, { vendor: 'amd', count: 1 }, 'mixed')).toMatchObject({ ok: false, reason: expect.stringMatching(/built for amd/) });
  });
});

describe('quantities and requirements', () => {
  it('writes CPU and memory as Kubernetes quantities', () => {
    expect([cpuQuantity(32), cpuQuantity(0.5), cpuQuantity(1.25)]).toEqual(['32', '500m', '1250m']);
    expect([memoryQuantity(256), memoryQuantity(0.5), memoryQuantity(1.5)]).toEqual(['256Gi', '512Mi', '1536Mi']);
  });

  it('requests everything, limits memory and extended resources, never CPU; omits what is not asked', () => {
    expect(resourceRequirements({ cpu: 32, memoryGiB: 256, extended: { 'amd.com/gpu': '8' } })).toEqual({ requests: { 'amd.com/gpu': '8', cpu: '32', memory: '256Gi' }, limits: { 'amd.com/gpu': '8', memory: '256Gi' } });
    expect(resourceRequirements({ cpu: 2 })).toEqual({ requests: { cpu: '2' } });
    expect(resourceRequirements({ cpu: 0, memoryGiB: 0 })).toEqual({});
  });

  it('sizes /dev/shm at half the pod memory, or 1 GiB per GPU without memory', () => {
    expect([defaultShmGiB(256, 8), defaultShmGiB(undefined, 8), defaultShmGiB(0, 2)]).toEqual([128, 8, 2]);
  });
});
