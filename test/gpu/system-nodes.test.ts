/**
 * Every cluster keeps nodes for system pods (OPERABILITY.md section 4): CoreDNS, metrics-server, the Cilium
 * operator and the operators' controllers tolerate no GPU taint. The vendor taint is kept only where the
 * cluster has a pool without GPUs; on a cluster of GPU pools only it is left off, and asking for it is an
 * error. Checked on a small model of the nodes (labels and taints as the workers register) and pods.
 */
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { Fleet, GpuOperatorStack, Partitioning } from '../../constructs';
import { TrainingJob } from '../../constructs/training-job';
import type { SiteSpec } from '../../lib/model/fleet';
import { ATLANTA_STACK, atlantaSite, buildTestFleet, problems, quebecSite } from './fixtures';

interface Node {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly taints: { key: string; value?: string; effect: string }[];
}
interface PodPlacement {
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: { key?: string; operator?: string; value?: string; effect?: string }[];
}

/** A node as k0s registers it from its worker flags (`--labels=a=b,c=d`, `--taints=k=v:Effect`). */
function nodeFromArgs(name: string, args: readonly string[]): Node {
  const list = (flag: string) => args.filter((a) => a.startsWith(`${flag}=`)).flatMap((a) => a.slice(flag.length + 1).split(','));
  const labels = Object.fromEntries(list('--labels').map((l) => l.split('=') as [string, string]));
  const taints = list('--taints').map((t) => {
    const [kv, effect] = t.split(':') as [string, string];
    const [key, value] = kv.split('=') as [string, string];
    return { key, value, effect };
  });
  return { name, labels, taints };
}

/** Whether the scheduler may put the pod on the node: node selector matched, every NoSchedule/NoExecute taint tolerated. */
function fits(pod: PodPlacement, node: Node): boolean {
  const selected = Object.entries(pod.nodeSelector ?? {}).every(([k, v]) => node.labels[k] === v);
  const tolerated = node.taints
    .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .every((t) => (pod.tolerations ?? []).some((x) => (x.key === undefined || x.key === t.key) && (x.operator === 'Exists' || x.value === t.value) && (x.effect === undefined || x.effect === t.effect)));
  return selected && tolerated;
}

/** A pod like CoreDNS or the Cilium operator: no node selector, no GPU toleration. */
const SYSTEM_POD: PodPlacement = { tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }] };

/** The Master pod of a training job on the cluster of `site`. */
function trainingPod(fleet: Fleet, site: string, gpus: number): PodPlacement {
  const job = new TrainingJob(fleet, `train-${site}`, { target: { site }, image: 'ghcr.io/example/train:1', replicas: 1, gpusPerReplica: gpus });
  const spec = job.objects[0]!.spec as { pytorchReplicaSpecs: { Master: { template: { spec: PodPlacement } } } };
  return spec.pytorchReplicaSpecs.Master.template.spec;
}

function atlantaNodes(tree: ReadonlyMap<string, string>): Node[] {
  const cd = parse(tree.get('management/clusters/atlanta/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_atlanta.yaml')!);
  return (cd.spec.config.machines as { address: string; k0s: { args: string[] } }[]).map((m) => nodeFromArgs(m.address, m.k0s.args));
}

function quebecNodes(tree: ReadonlyMap<string, string>): Node[] {
  return [...tree.keys()]
    .filter((k) => k.startsWith('management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-'))
    .map((k) => nodeFromArgs(k, parse(tree.get(k)!).spec.args as string[]));
}

describe('a cluster of GPU pools only (Atlanta: one MI300X pool, hosted control plane)', () => {
  test('by default its nodes carry no vendor taint: system pods schedule, and AMD pods that tolerate the taint still do', () => {
    const { fleet, atlanta } = buildTestFleet();
    const pod = trainingPod(fleet, 'atlanta', 8);
    expect(pod.tolerations).toContainEqual({ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    const nodes = atlantaNodes(fleet.toTree());
    expect(nodes).toHaveLength(2);
    expect(nodes.every((n) => n.taints.length === 0)).toBe(true);
    expect(nodes.filter((n) => fits(SYSTEM_POD, n))).toHaveLength(2);
    // The toleration is harmless without the taint; the vendor label still selects the AMD nodes.
    expect(nodes.filter((n) => fits(pod, n))).toHaveLength(2);
    expect(atlanta.plan.taintsGpuNodes).toBe(false);
  });

  test('asking for the taint is an error naming the cluster and both fixes', () => {
    expect(problems(() => buildTestFleet({ atlanta: { ...ATLANTA_STACK, taintGpuNodes: true } }))).toEqual([
      "geo/atlanta/atlanta/gpu: taintGpuNodes: every node of cluster 'atlanta' is in a GPU pool (mi300x) (its control plane is hosted, so the cluster has no other node); tainted NoSchedule, they leave no node for CoreDNS, metrics-server, the Cilium operator and the operators' controllers, which tolerate no GPU taint. Add a node pool without GPUs to the cluster (on a standalone cluster, controller+worker hosts with noTaints in that pool count), or drop taintGpuNodes: the GPUs' extended resources already keep other pods off them",
    ]);
  });

  test('with a pool without GPUs added, the GPU nodes are tainted: system pods go to the CPU node, AMD pods to the GPU nodes', () => {
    const site = atlantaSite();
    const withCpu: SiteSpec = {
      ...site,
      nodePools: [...site.nodePools, { name: 'cpu', count: 1, cpu: 16, memoryGiB: 64 }],
      clusters: site.clusters!.map((c) => ({ ...c, controlPlane: { mode: 'hosted', sshKeySecret: { name: 'atlanta-ssh-key' }, workers: [{ address: '10.30.0.11', nodePool: 'mi300x' }, { address: '10.30.0.12', nodePool: 'mi300x' }, { address: '10.30.0.21', nodePool: 'cpu' }] } })),
    } as SiteSpec;
    const { fleet, atlanta } = buildTestFleet({ atlantaSite: withCpu, atlanta: { ...ATLANTA_STACK, taintGpuNodes: true } });
    expect(atlanta.nodeConfig('mi300x').taints).toEqual([{ key: 'amd.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    const tree = fleet.toTree();
    const nodes = [...tree.keys()]
      .filter((k) => k.startsWith('management/clusters/atlanta/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_atlanta-'))
      .map((k) => nodeFromArgs(k, parse(tree.get(k)!).spec.args as string[]));
    const pod = trainingPod(fleet, 'atlanta', 8);
    expect(nodes.filter((n) => fits(SYSTEM_POD, n)).map((n) => n.labels['k0smos.io/node-pool'])).toEqual(['cpu']);
    expect(nodes.filter((n) => fits(pod, n)).map((n) => n.labels['k0smos.io/node-pool'])).toEqual(['mi300x', 'mi300x']);
    // The default is the same: a pool without GPUs means the GPU pools are tainted.
    expect(buildTestFleet({ atlantaSite: withCpu }).atlanta.plan.taintsGpuNodes).toBe(true);
  });
});

describe('a cluster with a pool without GPUs (Quebec: cpu pool next to the A100 pools)', () => {
  test('GPU nodes are tainted by default; system pods have the CPU nodes; CUDA pods the GPU nodes', () => {
    const { fleet } = buildTestFleet();
    const nodes = quebecNodes(fleet.toTree());
    expect(nodes.filter((n) => fits(SYSTEM_POD, n)).map((n) => n.labels['k0smos.io/node-pool'])).toEqual(['cpu', 'cpu']);
    expect(nodes.filter((n) => n.labels['k0smos.io/gpu-vendor'] === 'nvidia').every((n) => n.taints.some((t) => t.key === 'nvidia.com/gpu'))).toBe(true);
  });

  test('taintGpuNodes: false leaves the GPU nodes untainted', () => {
    const { fleet, quebec } = buildTestFleet({ quebec: { partitioning: { 'a100-mig': Partitioning.mig({ '1g.10gb': 7 }) }, taintGpuNodes: false } });
    expect(quebec.plan.taintsGpuNodes).toBe(false);
    expect(quebecNodes(fleet.toTree()).every((n) => n.taints.length === 0)).toBe(true);
  });
});

describe('standalone clusters: controller+worker hosts are nodes of their pool', () => {
  function standaloneSite(nodePools: SiteSpec['nodePools'], hosts: { role: string; address: string; nodePool?: string }[]): SiteSpec {
    return {
      name: 'lab',
      region: 'eu-west',
      jurisdiction: 'FR',
      location: { lat: 48.85, lon: 2.35 },
      infrastructure: 'bare-metal',
      nodePools,
      clusters: [{ name: 'lab', controlPlane: { mode: 'standalone', keyPath: '~/.ssh/k', hosts } }],
    } as SiteSpec;
  }
  function stack(site: SiteSpec, props: ConstructorParameters<typeof GpuOperatorStack>[2] = {}): { fleet: Fleet; stack: GpuOperatorStack } {
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'lab' });
    fleet.addSite('lab', site);
    return { fleet, stack: new GpuOperatorStack(fleet.site('lab').cluster(), 'gpu', props) };
  }
  const hostsOf = (fleet: Fleet) => parse(fleet.toTree().get('sites/lab/lab/k0sctl.yaml')!).spec.hosts as { role: string; installFlags?: string[]; noTaints?: boolean }[];

  test('three controller+worker hosts in a CPU pool and GPU workers: the GPU workers are tainted, the controllers run system pods', () => {
    const site = standaloneSite(
      [
        { name: 'cpu', count: 3, cpu: 16, memoryGiB: 64 },
        { name: 'l4', count: 2, cpu: 32, memoryGiB: 128, gpus: { model: 'L4', count: 4 } },
      ],
      [
        { role: 'controller+worker', address: '10.0.0.1', nodePool: 'cpu' },
        { role: 'controller+worker', address: '10.0.0.2', nodePool: 'cpu' },
        { role: 'controller+worker', address: '10.0.0.3', nodePool: 'cpu' },
        { role: 'worker', address: '10.0.0.11', nodePool: 'l4' },
        { role: 'worker', address: '10.0.0.12', nodePool: 'l4' },
      ],
    );
    const { fleet } = stack(site, { taintGpuNodes: true });
    const nodes = hostsOf(fleet).map((h, i) => nodeFromArgs(`h${i}`, h.installFlags ?? []));
    expect(hostsOf(fleet).filter((h) => h.role === 'controller+worker').every((h) => h.noTaints === true)).toBe(true);
    expect(nodes.filter((n) => fits(SYSTEM_POD, n)).map((n) => n.labels['k0smos.io/node-pool'])).toEqual(['cpu', 'cpu', 'cpu']);
    expect(nodes.filter((n) => n.taints.some((t) => t.key === 'nvidia.com/gpu')).map((n) => n.labels['k0smos.io/node-pool'])).toEqual(['l4', 'l4']);
  });

  test('a controller and GPU workers only: no taint by default; asking for it is an error', () => {
    const site = standaloneSite(
      [{ name: 'l4', count: 2, cpu: 32, memoryGiB: 128, gpus: { model: 'L4', count: 4 } }],
      [
        { role: 'controller', address: '10.0.0.1' },
        { role: 'worker', address: '10.0.0.11', nodePool: 'l4' },
        { role: 'worker', address: '10.0.0.12', nodePool: 'l4' },
      ],
    );
    const { fleet } = stack(site);
    expect(hostsOf(fleet).every((h) => !(h.installFlags ?? []).some((f) => f.startsWith('--taints')))).toBe(true);
    expect(problems(() => stack(site, { taintGpuNodes: true }))).toEqual([expect.stringContaining("f/lab/lab/gpu: taintGpuNodes: every node of cluster 'lab' is in a GPU pool (l4); tainted NoSchedule")]);
  });
});

test('quebecSite keeps its CPU pool (the fixture these tests rely on)', () => {
  expect(quebecSite().nodePools.filter((p) => !p.gpus).map((p) => p.name)).toEqual(['cpu']);
});
