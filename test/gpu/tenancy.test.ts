import { Partitioning, TenantIsolation } from '../../constructs';
import { itWithSchemas } from '../helpers';
import { parse as parseYaml } from 'yaml';
import { validateDocument } from '../../lib/validate/validate';
import { ATLANTA_STACK, QUEBEC_STACK, atlantaSite, buildTestFleet, problems, quebecSite, schemas, withNodePools } from './fixtures';


describe('tenants asking for isolation their GPUs cannot give', () => {
  test('mig on an MI300X cluster is an error naming the pools and what they offer', () => {
    const lines = problems(() => buildTestFleet({ atlanta: { tenants: { research: { isolation: TenantIsolation.mig({ '1g.10gb': 2 }) } } } }));
    expect(lines).toEqual([
      "geo/atlanta/atlanta/gpu: tenants[research].isolation: isolation 'mig' needs dedicated MIG partitions, but no pool of cluster 'atlanta' gives them (mi300x (MI300X, amd, whole GPUs)); MIG needs an NVIDIA GPU with MIG and a MIG layout on its pool, otherwise use isolation 'namespace'",
    ]);
  });

  test('mig on a T4 cluster is an error', () => {
    const lines = problems(() => buildTestFleet({ quebecSite: quebecSite('T4'), quebec: { tenants: { research: { isolation: TenantIsolation.mig({ '1g.10gb': 2 }) } } } }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("isolation 'mig' needs dedicated MIG partitions");
    expect(lines[0]).toContain('a100 (T4, nvidia, whole GPUs)');
  });

  test('mig with a profile no pool is partitioned into is an error listing what is on offer', () => {
    const lines = problems(() => buildTestFleet({ quebec: { ...QUEBEC_STACK, tenants: { t: { isolation: TenantIsolation.mig({ '7g.80gb': 1 }) } } } }));
    expect(lines).toEqual([expect.stringContaining("no pool of cluster 'quebec' is partitioned into 7g.80gb (MIG profiles on offer: 1g.10gb, 2g.20gb, 3g.40gb)")]);
  });

  test('time-slicing without a time-sliced pool is an error; on AMD too', () => {
    expect(problems(() => buildTestFleet({ quebec: { tenants: { t: { isolation: TenantIsolation.timeSlicing({ replicas: 2 }) } } } }))).toEqual([
      expect.stringContaining("isolation 'time-slicing' needs an NVIDIA pool shared with time-slicing"),
    ]);
    expect(problems(() => buildTestFleet({ atlanta: { tenants: { t: { isolation: TenantIsolation.timeSlicing({ replicas: 2 }) } } } }))).toEqual([
      expect.stringContaining("cluster 'atlanta' has none (mi300x (MI300X, amd, whole GPUs))"),
    ]);
  });

  test('namespace tenant asking for a vendor the cluster does not have is an error', () => {
    expect(problems(() => buildTestFleet({ atlanta: { tenants: { t: { isolation: TenantIsolation.namespace({ gpus: 1, vendor: 'nvidia' }) } } } }))).toEqual([
      expect.stringContaining("cluster 'atlanta' has no nvidia GPUs"),
    ]);
  });

  describe('cluster-per-tenant', () => {
    itWithSchemas('the tenant owns a hosted cluster: every GPU resource granted, admin in its namespace, objects schema-valid', () => {
      const { fleet } = buildTestFleet({ quebec: { ...QUEBEC_STACK, tenants: { lab: { isolation: TenantIsolation.clusterPerTenant({ workerPools: ['a100', 'a100-mig'] }), groups: ['lab-admins'] } } } });
      const tree = fleet.toTree();
      const quota = parseYaml(tree.get('sites/quebec/quebec/infra/resourcequota_lab_gpu-quota.yaml')!);
      expect(quota.spec.hard).toEqual({ 'requests.nvidia.com/gpu': '16', 'requests.nvidia.com/mig-1g.10gb': '32', 'requests.nvidia.com/mig-2g.20gb': '16', 'requests.nvidia.com/mig-3g.40gb': '16' });
      const rb = parseYaml(tree.get('sites/quebec/quebec/apps/rolebinding_lab_gpu-tenant-admin.yaml')!);
      expect(rb.roleRef.name).toBe('admin');
      expect(rb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'lab-admins' }]);
      expect(parseYaml(tree.get('sites/quebec/quebec/infra/namespace_lab.yaml')!).metadata.labels['k0smos.io/gpu-isolation']).toBe('cluster-per-tenant');
      for (const f of ['infra/namespace_lab.yaml', 'apps/rolebinding_lab_gpu-tenant-admin.yaml', 'infra/resourcequota_lab_gpu-quota.yaml']) {
        expect(validateDocument(schemas(), parseYaml(tree.get(`sites/quebec/quebec/${f}`)!), f, 0)).toEqual([]);
      }
    });

    test('a k0rdent remote-cluster (hosted by k0smotron) qualifies too', () => {
      const { fleet } = buildTestFleet({ atlanta: { ...ATLANTA_STACK, tenants: { lab: { isolation: TenantIsolation.clusterPerTenant() } } } });
      expect(parseYaml(fleet.toTree().get('sites/atlanta/atlanta/infra/resourcequota_lab_gpu-quota.yaml')!).spec.hard).toEqual({ 'requests.amd.com/gpu': '128' });
    });

    test('refused with the reason: a shared cluster, pools of another cluster, a standalone control plane', () => {
      expect(
        problems(() => buildTestFleet({ quebec: { ...QUEBEC_STACK, tenants: { lab: { isolation: TenantIsolation.clusterPerTenant({ workerPools: ['h100'] }) }, other: { isolation: TenantIsolation.namespace({ gpus: 1 }) } } } })),
      ).toEqual([
        expect.stringMatching(/tenants\[lab\]\.isolation: a cluster-per-tenant tenant must be its cluster's only tenant, but cluster 'quebec' also has other; declare a cluster per tenant at the site/),
        expect.stringMatching(/workerPools names 'h100', which is not a node pool of cluster 'quebec' \(pools: a100-mig, a100, cpu\)/),
      ]);
      const standalone = withNodePools(quebecSite(), [{ name: 'gpu', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }]);
      const site = { ...standalone, clusters: [{ name: 'quebec', controlPlane: { mode: 'standalone' as const, keyPath: '~/.ssh/k', hosts: [{ role: 'single' as const, address: '10.99.0.1', nodePool: 'gpu' }] } }] };
      expect(problems(() => buildTestFleet({ quebecSite: site, quebec: { tenants: { lab: { isolation: TenantIsolation.clusterPerTenant() } } } }))).toEqual([
        expect.stringContaining("needs a cluster with a hosted control plane (ControlPlane.hosted(...) or a k0rdent hosted-cp or remote-cluster template); cluster 'quebec' runs standalone (k0sctl)"),
      ]);
    });
  });

  test('tenants granted more than the cluster has is an error listing the grants', () => {
    const lines = problems(() =>
      buildTestFleet({
        quebec: {
          ...QUEBEC_STACK,
          tenants: {
            a: { isolation: TenantIsolation.mig({ '3g.40gb': 10 }) },
            b: { isolation: TenantIsolation.mig({ '3g.40gb': 10 }) },
            c: { isolation: TenantIsolation.namespace({ gpus: 17 }) },
          },
        },
      }),
    );
    expect(lines).toEqual([
      "geo/quebec/quebec/gpu: tenants: tenants are granted 17 nvidia.com/gpu (c=17) but cluster 'quebec' has 16; lower the grants or add GPUs",
      "geo/quebec/quebec/gpu: tenants: tenants are granted 20 nvidia.com/mig-3g.40gb (a=10, b=10) but cluster 'quebec' has 16; lower the grants or add GPUs",
    ]);
  });

  test('a tenant named like a system namespace is refused', () => {
    expect(problems(() => buildTestFleet({ quebec: { tenants: { 'gpu-operator': { isolation: TenantIsolation.namespace({ gpus: 1 }) } } } }))).toEqual([
      expect.stringContaining("tenants[gpu-operator]: 'gpu-operator' is a system namespace"),
    ]);
  });

  test('in a cluster with both vendors a namespace tenant must name its vendor', () => {
    const site = withNodePools(quebecSite(), [...quebecSite().nodePools, ...atlantaSite().nodePools]);
    expect(problems(() => buildTestFleet({ quebecSite: site, quebec: { tenants: { t: { isolation: TenantIsolation.namespace({ gpus: 1 }) } } } }))).toEqual([
      expect.stringContaining("cluster 'quebec' has amd and nvidia GPUs; say which with vendor: 'nvidia' or 'amd'"),
    ]);
    const { quebec } = buildTestFleet({ quebecSite: site, quebec: { partitioning: { mi300x: Partitioning.amd('CPX', 'NPS1') }, tenants: { t: { isolation: TenantIsolation.namespace({ gpus: 64, vendor: 'amd' }) } } } });
    expect(quebec.plan.objects.find((o) => o.kind === 'ResourceQuota')).toMatchObject({
      spec: { hard: { 'requests.amd.com/gpu': '64', 'requests.nvidia.com/gpu': '0' } },
    });
  });

  test('a tenant name that is not a DNS label is reported by field', () => {
    expect(problems(() => buildTestFleet({ quebec: { tenants: { Team_A: { isolation: TenantIsolation.namespace({ gpus: 1 }) } } } }))).toEqual([
      "geo/quebec/quebec/gpu: tenants.Team_A: a tenant's name is its namespace and must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit (got 'Team_A')",
    ]);
  });
});

test('a cluster without GPU pools gets no operator and no objects; a tenant there is an error', () => {
  const cpuOnly = withNodePools(quebecSite(), [{ name: 'cpu', count: 2, cpu: 32, memoryGiB: 128 }]);
  const { quebec } = buildTestFleet({ quebecSite: cpuOnly, quebec: {} });
  expect(quebec.addons).toEqual([]);
  expect(quebec.plan.objects).toEqual([]);
  expect(problems(() => buildTestFleet({ quebecSite: cpuOnly, quebec: { tenants: { t: { isolation: TenantIsolation.namespace({ gpus: 1 }) } } } }))).toEqual([
    "geo/quebec/quebec/gpu: tenants[t].isolation: cluster 'quebec' has no GPU pools to give tenant 't' GPUs",
  ]);
});
