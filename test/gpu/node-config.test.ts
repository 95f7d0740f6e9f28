/**
 * The GPU stack's node labels and taints reach the workers that register the nodes: k0sctl install
 * flags (standalone), K0sWorkerConfig args (hosted) and the k0rdent template's worker args.
 */
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { Fleet, GpuOperatorStack, Partitioning } from '../../constructs';
import type { SiteSpec } from '../../lib/model/fleet';
import { buildTestFleet } from './fixtures';
import { joinArgs } from '../../lib/kcm/objects';
import { TrainingJob } from '../../constructs/training-job';
import { itWithSchemas, templateSchemas, treeFailures } from '../helpers';

const argsOf = (flags: string[], flag: string) => flags.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1).split(',');

describe('GPU node labels and taints on the workers', () => {
  const { fleet } = buildTestFleet();
  const tree = fleet.toTree();

  test('hosted (Quebec): each pool\'s K0sWorkerConfig registers its nodes with vendor, model, MIG config and the vendor taint', () => {
    const mig = parse(tree.get('management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-a100-mig-0.yaml')!).spec.args as string[];
    expect(argsOf(mig, '--labels')).toEqual(['k0smos.io/gpu-model=A100-80GB', 'k0smos.io/gpu-vendor=nvidia', 'k0smos.io/node-pool=a100-mig', 'nvidia.com/mig.config=k0smos-a100-mig']);
    expect(argsOf(mig, '--taints')).toEqual(['nvidia.com/gpu=present:NoSchedule']);
    // The MIG config the label names exists in the mig-parted ConfigMap.
    const cm = parse(tree.get('sites/quebec/quebec/apps/configmap_gpu-operator_k0smos-mig-parted-config.yaml')!);
    expect(parse(cm.data['config.yaml'])['mig-configs']).toHaveProperty('k0smos-a100-mig');
    // Whole-GPU A100s keep MIG off; CPU nodes carry no GPU label and no taint.
    const whole = parse(tree.get('management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-a100-0.yaml')!).spec.args as string[];
    expect(argsOf(whole, '--labels')).toContain('nvidia.com/mig.config=all-disabled');
    const cpu = parse(tree.get('management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-cpu-0.yaml')!).spec.args as string[];
    expect(cpu).toEqual(['--labels=k0smos.io/node-pool=cpu']);
  });

  test('k0rdent remote-cluster (Atlanta, one GPU pool, hosted control plane): every machine gets the AMD partition profile label and no taint', () => {
    const cd = parse(tree.get('management/clusters/atlanta/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_atlanta.yaml')!);
    for (const m of cd.spec.config.machines) {
      expect(argsOf(m.k0s.args, '--labels')).toEqual(['dcm.amd.com/gpu-config-profile=cpx-nps4-8gpu', 'k0smos.io/gpu-model=MI300X', 'k0smos.io/gpu-vendor=amd', 'k0smos.io/node-pool=mi300x']);
      // Its nodes are the cluster's only nodes: a taint would keep CoreDNS and the Cilium operator off all of them.
      expect(argsOf(m.k0s.args, '--taints')).toBeUndefined();
    }
  });
});

function gpuEdgeSite(extra: Partial<SiteSpec> = {}): SiteSpec {
  return {
    name: 'store',
    region: 'eu-west',
    jurisdiction: 'FR',
    location: { lat: 48.85, lon: 2.35 },
    infrastructure: 'bare-metal',
    nodePools: [{ name: 't4', count: 1, cpu: 8, memoryGiB: 32, gpus: { model: 'T4', count: 1 } }],
    clusters: [{ name: 'store', controlPlane: { mode: 'standalone', keyPath: '~/.ssh/k', hosts: [{ role: 'single', address: '10.0.0.5', nodePool: 't4' }] } }],
    ...extra,
  } as SiteSpec;
}

describe('standalone and template clusters', () => {
  test('standalone: k0sctl install flags carry the labels (a single GPU host gets no taint), time-slicing names its device-plugin config', () => {
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'store' });
    fleet.addSite('store', gpuEdgeSite());
    new GpuOperatorStack(fleet.site('store').cluster(), 'gpu', { partitioning: { t4: Partitioning.timeSlicing(4) } });
    const host = parse(fleet.toTree().get('sites/store/store/k0sctl.yaml')!).spec.hosts[0];
    expect(argsOf(host.installFlags, '--labels')).toEqual(expect.arrayContaining(['k0smos.io/gpu-model=T4', 'k0smos.io/node-pool=t4', expect.stringMatching(/^nvidia\.com\/device-plugin\.config=/)]));
    expect(argsOf(host.installFlags, '--taints')).toBeUndefined();
  });

  test('a label another layer set differently is refused with both values', () => {
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'store' });
    fleet.addSite('store', gpuEdgeSite({ nodePools: [{ name: 't4', count: 1, cpu: 8, memoryGiB: 32, gpus: { model: 'T4', count: 1 }, labels: { 'k0smos.io/gpu-model': 'tesla' } }] } as Partial<SiteSpec>));
    expect(() => new GpuOperatorStack(fleet.site('store').cluster(), 'gpu')).toThrow(/node pool 't4': label k0smos.io\/gpu-model is 'tesla' already, cannot also be 'T4'/);
  });

  itWithSchemas('a k0rdent template cluster with one GPU pool: k0s.workerArgs, added to the user\'s own, valid for the template', () => {
    const site = gpuEdgeSite({
      infrastructure: 'openstack',
      clusters: [{ name: 'store', controlPlane: { mode: 'k0rdent', template: 'openstack-hosted-cp', credential: 'os', config: { flavor: 'g1.large', identityRef: { cloudName: 'openstack', region: 'RegionOne' }, k0s: { workerArgs: ['--kubelet-extra-args=--max-pods=200'] } } } }],
    } as Partial<SiteSpec>);
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'store', credentials: [{ name: 'os', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'os', namespace: 'kcm-system' } }] });
    fleet.addSite('store', site);
    new GpuOperatorStack(fleet.site('store').cluster(), 'gpu');
    const tree = fleet.toTree({ templates: templateSchemas() });
    const args = parse(tree.get('management/clusters/store/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_store.yaml')!).spec.config.k0s.workerArgs as string[];
    expect(args[0]).toBe('--kubelet-extra-args=--max-pods=200');
    // The template's one worker group is the cluster's only pool, all GPU nodes: no taint.
    expect(argsOf(args, '--taints')).toBeUndefined();
    expect(treeFailures(tree)).toEqual([]);
  });

  test('a k0rdent cluster with several GPU pools cannot carry per-pool args in one worker group: a synth-time error says what to do', () => {
    const site = gpuEdgeSite({
      infrastructure: 'openstack',
      nodePools: [
        { name: 't4', count: 1, cpu: 8, memoryGiB: 32, gpus: { model: 'T4', count: 1 } },
        { name: 'l4', count: 1, cpu: 8, memoryGiB: 32, gpus: { model: 'L4', count: 1 } },
      ],
      clusters: [{ name: 'store', controlPlane: { mode: 'k0rdent', template: 'openstack-hosted-cp', credential: 'os', config: {} } }],
    } as Partial<SiteSpec>);
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'store', credentials: [{ name: 'os', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'os', namespace: 'kcm-system' } }] });
    fleet.addSite('store', site);
    new GpuOperatorStack(fleet.site('store').cluster(), 'gpu');
    expect(() => fleet.toTree()).toThrow(/node pools l4, t4 need labels and taints .*a k0rdent template has one worker group/);
  });
});

test('k0rdent worker args: the user\'s own flags stay as written; ours add the label and taint keys the user lacks', () => {
  const derived = ['--labels=k0smos.io/gpu-vendor=amd,k0smos.io/node-pool=mi300x', '--taints=amd.com/gpu=present:NoSchedule'];
  expect(joinArgs(['--labels=rack=r1,k0smos.io/gpu-vendor=x', '--kubelet-extra-args=--max-pods=200'], derived)).toEqual([
    '--labels=rack=r1,k0smos.io/gpu-vendor=x',
    '--kubelet-extra-args=--max-pods=200',
    '--labels=k0smos.io/node-pool=mi300x',
    '--taints=amd.com/gpu=present:NoSchedule',
  ]);
  // Two list items, and a space instead of '=': understood, never rewritten.
  expect(joinArgs(['--labels', 'team=a', '--taints amd.com/gpu=present:NoSchedule'], derived)).toEqual([
    '--labels',
    'team=a',
    '--taints amd.com/gpu=present:NoSchedule',
    '--labels=k0smos.io/gpu-vendor=amd,k0smos.io/node-pool=mi300x',
  ]);
  expect(joinArgs(undefined, derived)).toEqual(derived);
});

describe('GpuOperatorStack.migRequest: workloads take MIG slices the stack offers', () => {
  test('mixed strategy: nvidia.com/mig-<profile> on the MIG pool; unknown profiles and other clusters refused', () => {
    const { fleet, quebec } = buildTestFleet();
    const req = quebec.migRequest('3g.40gb');
    const job = new TrainingJob(fleet, 'ft', { target: { site: 'quebec' }, image: 'i', replicas: 2, gpusPerReplica: 1, gpuRequest: req });
    const spec = job.objects[0]!.spec as { pytorchReplicaSpecs: { Master: { template: { spec: { containers: { resources: unknown }[]; nodeSelector: unknown; tolerations: unknown } } } } };
    const pod = spec.pytorchReplicaSpecs.Master.template.spec;
    expect(pod.containers[0]!.resources).toEqual({ requests: { 'nvidia.com/mig-3g.40gb': '1' }, limits: { 'nvidia.com/mig-3g.40gb': '1' } });
    expect(pod.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia', 'k0smos.io/node-pool': 'a100-mig' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(() => quebec.migRequest('7g.80gb')).toThrow(/no pool of cluster 'quebec' is partitioned into 7g\.80gb \(MIG profiles on offer: 1g\.10gb, 2g\.20gb, 3g\.40gb\)/);
    expect(() => new TrainingJob(fleet, 'wrong', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 1, gpuRequest: req })).toThrow(/migRequest\('3g\.40gb'\) is for cluster 'quebec', used for atlanta\/atlanta/);
  });
});
