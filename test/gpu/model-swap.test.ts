/**
 * Swapping one pool's GPU model by one value changes the operator stack, node labels and partitioning
 * accordingly: two synths are diffed file by file.
 */
import { itWithSchemas } from '../helpers';
import { parse as parseYaml } from 'yaml';
import { Partitioning, TenantIsolation, type GpuOperatorStack, type GpuOperatorStackProps } from '../../constructs';
import type { SiteSpec } from '../../lib/model/fleet';
import { formatFailure, validateDirectory } from '../../lib/validate/validate';
import { atlantaSite, buildTestFleet, quebecSite, readTree, schemas, synthToTemp, withNodePools } from './fixtures';

interface Synth {
  readonly tree: Map<string, string>;
  readonly stack: GpuOperatorStack;
  readonly dist: string;
}

function synth(site: SiteSpec, props: GpuOperatorStackProps): Synth {
  const { fleet, quebec } = buildTestFleet({ quebecSite: site, quebec: props });
  const dist = synthToTemp(fleet);
  return { tree: readTree(dist), stack: quebec, dist };
}

function diff(a: Map<string, string>, b: Map<string, string>): { added: string[]; removed: string[]; changed: string[] } {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return {
    added: keys.filter((k) => !a.has(k)),
    removed: keys.filter((k) => !b.has(k)),
    changed: keys.filter((k) => a.has(k) && b.has(k) && a.get(k) !== b.get(k)),
  };
}

function onePool(model: string): SiteSpec {
  return withNodePools(quebecSite(), [{ name: 'gpu', count: 2, cpu: 64, memoryGiB: 512, gpus: { model, count: 8 } }]);
}

/** One GPU pool and a pool without GPUs for system pods (so the GPU nodes carry their vendor's taint). */
function gpuAndCpu(model: string): SiteSpec {
  return withNodePools(quebecSite(), [
    { name: 'cpu', count: 1, cpu: 16, memoryGiB: 64 },
    { name: 'gpu', count: 2, cpu: 64, memoryGiB: 512, gpus: { model, count: 8 } },
  ]);
}

const TENANT: GpuOperatorStackProps = { tenants: { team: { isolation: TenantIsolation.namespace({ gpus: 8 }) } } };
const Q = 'sites/quebec/quebec';

test('T4 -> H100: same operator, the MIG manager comes in and keeps MIG off on the H100 nodes', () => {
  const t4 = synth(onePool('T4'), TENANT);
  const h100 = synth(onePool('H100'), TENANT);
  const d = diff(t4.tree, h100.tree);
  expect(d.added).toEqual([]);
  expect(d.removed).toEqual([]);
  // The site inventory (both the cluster's and the management's copy), the GPU node config, the
  // workers' registration labels and the operator's values (MIG manager on; the stack installs the chart
  // through the hosted control plane's k0s config) change, nothing else.
  expect(d.changed).toEqual([
    'management/clusters/quebec/apps/configmap_k0smos-system_cluster-quebec.yaml',
    'management/clusters/quebec/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_quebec.yaml',
    'management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-gpu-0.yaml',
    'management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-gpu-1.yaml',
    `${Q}/apps/configmap_k0smos-system_cluster-info.yaml`,
    `${Q}/apps/configmap_k0smos-system_gpu-node-pools.yaml`,
  ]);
  const args = (t: Map<string, string>) => parseYaml(t.get('management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-gpu-0.yaml')!).spec.args;
  // One GPU pool and a hosted control plane: no other node for system pods, so no vendor taint.
  expect(args(t4.tree)).toEqual(['--labels=k0smos.io/gpu-model=T4,k0smos.io/gpu-vendor=nvidia,k0smos.io/node-pool=gpu']);
  expect(args(h100.tree)).toEqual(['--labels=k0smos.io/gpu-model=H100,k0smos.io/gpu-vendor=nvidia,k0smos.io/node-pool=gpu,nvidia.com/mig.config=all-disabled']);
  expect(t4.stack.nodeConfig('gpu').labels).toEqual({ 'k0smos.io/gpu-model': 'T4', 'k0smos.io/gpu-vendor': 'nvidia' });
  expect(h100.stack.nodeConfig('gpu').labels).toEqual({ 'k0smos.io/gpu-model': 'H100', 'k0smos.io/gpu-vendor': 'nvidia', 'nvidia.com/mig.config': 'all-disabled' });
  expect(t4.stack.addons[0]!.values.migManager).toEqual({ enabled: false });
  expect(h100.stack.addons[0]!.values.migManager).toEqual({ enabled: true, config: { create: false, default: 'all-disabled' } });
  expect(h100.stack.addons[0]!.chart).toEqual(t4.stack.addons[0]!.chart);
});

test('T4 -> H100 with a MIG layout: the layout is an error on T4 and a mig-parted config on H100', () => {
  const props: GpuOperatorStackProps = { partitioning: { gpu: Partitioning.mig({ '3g.40gb': 2 }) } };
  expect(() => synth(onePool('T4'), props)).toThrow(/partitioning\.gpu\.mig: T4 has no MIG/);
  const h100 = synth(onePool('H100'), props);
  expect(h100.tree.has(`${Q}/apps/configmap_gpu-operator_k0smos-mig-parted-config.yaml`)).toBe(true);
  expect(h100.stack.nodeConfig('gpu').resources).toEqual({ 'nvidia.com/gpu': 2 * 8 * 2 });
});

test('A100 -> MI300X: the NVIDIA operator is replaced by the AMD one; labels, taints and quotas follow the vendor', () => {
  const a100 = synth(gpuAndCpu('A100-80GB'), TENANT);
  const mi = synth(gpuAndCpu('MI300X'), TENANT);
  const d = diff(a100.tree, mi.tree);
  expect(d.removed).toEqual([`${Q}/infra/namespace_gpu-operator.yaml`]);
  expect(d.added).toEqual([`${Q}/apps/deviceconfig.amd.com_kube-amd-gpu_k0smos-amd-gpu.yaml`, `${Q}/infra/namespace_kube-amd-gpu.yaml`]);
  expect(d.changed).toEqual(
    expect.arrayContaining([`${Q}/apps/configmap_k0smos-system_gpu-node-pools.yaml`, `${Q}/infra/resourcequota_team_gpu-quota.yaml`, `${Q}/apps/kustomization.yaml`, `${Q}/infra/kustomization.yaml`, `${Q}/infra/namespace_k0smos-system.yaml`]),
  );
  expect(a100.stack.addons.map((x) => x.name)).toEqual(['gpu-operator']);
  expect(mi.stack.addons.map((x) => x.name)).toEqual(['amd-gpu-operator']);
  expect(a100.stack.nodeConfig('gpu').taints.map((t) => t.key)).toEqual(['nvidia.com/gpu']);
  expect(mi.stack.nodeConfig('gpu').taints.map((t) => t.key)).toEqual(['amd.com/gpu']);
  expect(mi.stack.nodeConfig('gpu').labels).toEqual({ 'k0smos.io/gpu-model': 'MI300X', 'k0smos.io/gpu-vendor': 'amd' });
  expect(parseYaml(a100.tree.get(`${Q}/infra/resourcequota_team_gpu-quota.yaml`)!).spec.hard).toEqual({ 'requests.nvidia.com/gpu': '8' });
  expect(parseYaml(mi.tree.get(`${Q}/infra/resourcequota_team_gpu-quota.yaml`)!).spec.hard).toEqual({ 'requests.amd.com/gpu': '8' });
  // Atlanta did not change.
  expect([...d.added, ...d.removed, ...d.changed].filter((k) => k.includes('atlanta'))).toEqual([]);
});

test('A100 with MIG -> MI300X with partitions: the partitioning follows the model', () => {
  const a100 = synth(onePool('A100-80GB'), { partitioning: { gpu: Partitioning.mig({ '1g.10gb': 7 }) } });
  const mi = synth(onePool('MI300X'), { partitioning: { gpu: Partitioning.amd('CPX', 'NPS1') } });
  expect(a100.stack.nodeConfig('gpu').labels['nvidia.com/mig.config']).toBe('k0smos-gpu');
  expect(mi.stack.nodeConfig('gpu').labels['dcm.amd.com/gpu-config-profile']).toBe('cpx-nps1-8gpu');
  const d = diff(a100.tree, mi.tree);
  expect(d.removed).toContain(`${Q}/apps/configmap_gpu-operator_k0smos-mig-parted-config.yaml`);
  expect(d.added).toContain(`${Q}/apps/configmap_kube-amd-gpu_k0smos-dcm-config.yaml`);
});

itWithSchemas('a cluster with both vendors gets both operators, each on its own nodes, and one NFD', () => {
  const site: SiteSpec = withNodePools(quebecSite(), [...quebecSite().nodePools, ...atlantaSite().nodePools]);
  const both = synth(site, { partitioning: { 'a100-mig': Partitioning.mig({ '3g.40gb': 2 }), mi300x: Partitioning.amd('QPX', 'NPS1') } });
  expect(both.stack.vendors).toEqual(['amd', 'nvidia']);
  const [nvidia, amd] = both.stack.addons;
  expect([nvidia!.name, amd!.name]).toEqual(['gpu-operator', 'amd-gpu-operator']);
  expect(nvidia!.order!).toBeLessThan(amd!.order!);
  // NFD comes with the NVIDIA chart only, and its worker tolerates the AMD nodes' taint.
  expect(nvidia!.values.nfd).toEqual({ enabled: true });
  expect((nvidia!.values as any)['node-feature-discovery'].worker.tolerations).toContainEqual({ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
  expect((amd!.values as any)['node-feature-discovery']).toEqual({ enabled: false });
  // The DeviceConfig selects AMD nodes only; NVIDIA operands stay on NVIDIA nodes (they tolerate nvidia.com/gpu only).
  const dc = both.stack.plan.objects.find((o) => o.kind === 'DeviceConfig') as unknown as { spec: { selector: Record<string, string> } };
  expect(dc.spec.selector).toEqual({ 'feature.node.kubernetes.io/amd-gpu': 'true' });
  expect(both.stack.plan.clusterPolicySpec!.daemonsets).toEqual({ tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] });
  expect(both.stack.nodeConfig('mi300x').taints[0]!.key).toBe('amd.com/gpu');
  expect(both.stack.nodeConfig('a100').taints[0]!.key).toBe('nvidia.com/gpu');
  expect(validateDirectory(schemas(), both.dist).failures.map(formatFailure)).toEqual([]);
});
