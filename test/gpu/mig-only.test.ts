/**
 * With MIG strategy mixed, MIG pools advertise nvidia.com/mig-<profile> and no nvidia.com/gpu (OPERABILITY.md
 * section 4). Nothing the stack writes may ask for nvidia.com/gpu on a cluster whose NVIDIA pools are all MIG:
 * a tenant quota on whole GPUs there is an error that says what the nodes offer instead.
 */
import { Partitioning, TenantIsolation } from '../../constructs';
import type { K8sObject } from '../../lib/synth/objects';
import { buildTestFleet, problems, quebecSite, withNodePools } from './fixtures';

/** Quebec with its MIG pool and CPU pool only: every NVIDIA GPU is MIG-partitioned. */
function migOnlySite() {
  return withNodePools(
    quebecSite(),
    quebecSite().nodePools.filter((p) => p.name !== 'a100'),
  );
}
const LAYOUT = { 'a100-mig': Partitioning.mig({ '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 }) };

/** Every place an object asks for or grants a resource: quota `hard` entries and container requests/limits, with non-zero amounts. */
function grants(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown, where: string) => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if ((k === 'hard' || k === 'limits' || k === 'requests') && x && typeof x === 'object') {
        for (const [r, n] of Object.entries(x as Record<string, unknown>)) if (String(n) !== '0') out.push(`${where}: ${r}=${String(n)}`);
      } else walk(x, where);
    }
  };
  for (const o of objects) walk(o, `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  return out.sort();
}

describe('a cluster whose NVIDIA pools are all MIG (strategy mixed)', () => {
  test('nodes advertise MIG profiles only, and nothing the stack writes grants nvidia.com/gpu', () => {
    const { quebec } = buildTestFleet({ quebecSite: migOnlySite(), quebec: { partitioning: LAYOUT, tenants: { vision: { isolation: TenantIsolation.mig({ '3g.40gb': 16 }) } } } });
    expect(quebec.plan.migStrategy).toBe('mixed');
    expect(Object.keys(quebec.plan.supply.resources)).toEqual(['nvidia.com/mig-1g.10gb', 'nvidia.com/mig-2g.20gb', 'nvidia.com/mig-3g.40gb']);
    expect(grants(quebec.plan.objects).filter((g) => /nvidia\.com\/gpu(=|$)/.test(g))).toEqual([]);
    expect(grants(quebec.plan.objects)).toEqual(['ResourceQuota vision/gpu-quota: requests.nvidia.com/mig-3g.40gb=16']);
    // A MIG request on this cluster asks for the profile, not nvidia.com/gpu.
    const r = quebec.migRequest('1g.10gb')({ site: 'quebec', cluster: 'quebec', vendor: 'nvidia', model: 'A100-80GB', count: 1 });
    expect(Object.keys(r.limits)).toEqual(['nvidia.com/mig-1g.10gb']);
  });

  test('a namespace tenant (whole GPUs) is refused with what the nodes offer and the fixes', () => {
    expect(problems(() => buildTestFleet({ quebecSite: migOnlySite(), quebec: { partitioning: LAYOUT, tenants: { nlp: { isolation: TenantIsolation.namespace({ gpus: 8 }) } } } }))).toEqual([
      "geo/quebec/quebec/gpu: tenants[nlp].isolation: isolation 'namespace' grants whole GPUs (nvidia.com/gpu), but no node of cluster 'quebec' advertises them: its nvidia pools offer nvidia.com/mig-1g.10gb, nvidia.com/mig-2g.20gb, nvidia.com/mig-3g.40gb (a100-mig (A100-80GB, nvidia, MIG 2x1g.10gb + 1x2g.20gb + 1x3g.40gb)); use isolation 'mig' with those profiles, or keep a pool of whole GPUs",
    ]);
  });

  test('with a whole-GPU pool beside the MIG pool (the reference Quebec), the namespace tenant gets those GPUs', () => {
    const { quebec } = buildTestFleet({ quebec: { partitioning: LAYOUT, tenants: { nlp: { isolation: TenantIsolation.namespace({ gpus: 8 }) } } } });
    expect(grants(quebec.plan.objects)).toEqual(['ResourceQuota nlp/gpu-quota: requests.nvidia.com/gpu=8']);
  });

  test('under strategy single the MIG slices are nvidia.com/gpu, so a namespace tenant is granted slices', () => {
    const { quebec } = buildTestFleet({ quebecSite: migOnlySite(), quebec: { partitioning: { 'a100-mig': Partitioning.mig({ '1g.10gb': 7 }) }, tenants: { nlp: { isolation: TenantIsolation.namespace({ gpus: 8 }) } } } });
    expect(quebec.plan.migStrategy).toBe('single');
    expect(grants(quebec.plan.objects)).toEqual(['ResourceQuota nlp/gpu-quota: requests.nvidia.com/gpu=8']);
  });

  test('a time-sliced-only cluster refuses a namespace tenant and points at time-slicing', () => {
    const site = withNodePools(quebecSite('T4'), [{ name: 't4', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'T4', count: 4 } }]);
    expect(problems(() => buildTestFleet({ quebecSite: site, quebec: { partitioning: { t4: Partitioning.timeSlicing(4) }, tenants: { nlp: { isolation: TenantIsolation.namespace({ gpus: 2 }) } } } }))).toEqual([
      expect.stringContaining("its nvidia pools offer nvidia.com/gpu.shared (t4 (T4, nvidia, time-sliced x4)); use isolation 'time-slicing', or keep a pool of whole GPUs"),
    ]);
  });
});
