/**
 * The cluster simulator on small hand-made trees: each rule once broken (and reported, naming the
 * cluster and the object) and once satisfied in each allowed way.
 */
import { stringify } from 'yaml';
import type { FleetSpec } from '../../lib/model/fleet';
import { SCHEMAS_DIR, describeWithSchemas } from '../helpers';
import { chart, container, crd, deployment, folder, host, k0sChart, k0sctl, ns, scaledObject, standaloneFleet, treeOf, type O } from './fixtures';
import { simulate, type Simulation } from './simulate';
import { parseQuantity } from './scheduling';
import { flagLabels, flagTaints } from './simulate';

const run = (tree: Map<string, string>, fleet: FleetSpec): Simulation => simulate(tree, fleet, { schemasDir: SCHEMAS_DIR! });

const CPU_POOL = { name: 'cpu', count: 1, cpu: 8, memoryGiB: 32 };
const oneNode = standaloneFleet([CPU_POOL], [{ address: '10.0.0.1', role: 'controller+worker' }]);
const oneHost = [host('10.0.0.1', 'controller+worker', ['--labels=k0smos.io/node-pool=cpu'], { noTaints: true })];
const web = deployment('app', 'web', { containers: [container({}, { cpu: '500m', memory: '256Mi' })] });
const KEDA = chart('keda', 10);

describe('simulator helpers', () => {
  it('parses quantities and k0s flags', () => {
    expect([parseQuantity('500m'), parseQuantity('2'), parseQuantity('1Gi'), parseQuantity('1G'), parseQuantity(8)]).toEqual([0.5, 2, 2 ** 30, 1e9, 8]);
    expect(flagLabels(['--labels=a=1,b=2', '--labels="c=3"'])).toEqual({ a: '1', b: '2', c: '3' });
    expect(flagTaints(['--taints=nvidia.com/gpu=present:NoSchedule,dedicated:NoExecute'])).toEqual([
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      { key: 'dedicated', effect: 'NoExecute' },
    ]);
  });
});

describeWithSchemas('simulator: every kind needs its CRD, installed first', () => {
  const site = (objects: readonly O[], charts: readonly O[] = []) => treeOf({ 'sites/s1/c1/k0sctl.yaml': k0sctl(oneHost, charts) }, folder('sites/s1/c1', objects));

  it('reports a ScaledObject in a cluster that installs no KEDA', () => {
    expect(run(site([ns('app'), web, scaledObject('app', 'web')]), oneNode).failures).toEqual(['c1: ScaledObject.keda.sh app/web: no CRD (nothing installs keda.sh)']);
  });

  it('accepts it when the k0s config installs KEDA, when the cluster declares keda.sh present, or when its CRD comes first', () => {
    expect(run(site([ns('app'), web, scaledObject('app', 'web')], [KEDA]), oneNode).failures).toEqual([]);
    const declared = standaloneFleet([CPU_POOL], [{ address: '10.0.0.1', role: 'controller+worker' }], { apiGroups: ['keda.sh'] });
    expect(run(site([ns('app'), web, scaledObject('app', 'web')]), declared).failures).toEqual([]);
    expect(run(site([crd('keda.sh', 'ScaledObject', 'scaledobjects'), ns('app'), web, scaledObject('app', 'web')]), oneNode).failures).toEqual([]);
  });

  it('says when the CRD comes only after the object, and when the group lacks the kind', () => {
    expect(run(site([ns('app'), web, scaledObject('app', 'web'), crd('keda.sh', 'ScaledObject', 'scaledobjects')]), oneNode).failures).toEqual([
      'c1: ScaledObject.keda.sh app/web: no CRD yet (CRD scaledobjects.keda.sh (sites/s1/c1/03-customresourcedefinition-scaledobjects.keda.sh.yaml) installs keda.sh after it)',
    ]);
    const odd = { ...scaledObject('app', 'web'), kind: 'ScaledThing' };
    expect(run(site([ns('app'), odd], [KEDA]), oneNode).failures).toEqual([
      'c1: ScaledThing.keda.sh app/web: no CRD for kind ScaledThing (what is installed serves keda.sh kinds ScaledObject, TriggerAuthentication)',
    ]);
  });

  it('counts a k0s Chart object only for the folders applied after its own (infra before apps)', () => {
    const same = site([k0sChart('keda', 'kedacore/keda'), ns('app'), web, scaledObject('app', 'web')]);
    expect(run(same, oneNode).failures).toEqual([
      "c1: ScaledObject.keda.sh app/web: no CRD yet (Chart kube-system/keda (sites/s1/c1/00-chart-kube-system-keda.yaml) installs keda.sh after it)",
    ]);
    const split = treeOf(
      { 'sites/s1/c1/k0sctl.yaml': k0sctl(oneHost) },
      folder('sites/s1/c1/infra', [k0sChart('keda', 'kedacore/keda')]),
      folder('sites/s1/c1/apps', [ns('app'), web, scaledObject('app', 'web')]),
    );
    const r = run(split, oneNode);
    expect(r.clusters[0]!.folders).toEqual(['sites/s1/c1/infra', 'sites/s1/c1/apps']);
    expect(r.failures).toEqual([]);
    // A top kustomization decides the order: apps listed first breaks it.
    const reversed = new Map([...split, ['sites/s1/c1/kustomization.yaml', stringify({ resources: ['apps', 'infra'] })]]);
    expect(run(reversed, oneNode).failures).toEqual([
      'c1: ScaledObject.keda.sh app/web: no CRD yet (Chart kube-system/keda (sites/s1/c1/infra/00-chart-kube-system-keda.yaml) installs keda.sh after it)',
    ]);
    // k0s reconciles Chart objects in kube-system only.
    const elsewhere = treeOf({ 'sites/s1/c1/k0sctl.yaml': k0sctl(oneHost) }, folder('sites/s1/c1/infra', [k0sChart('keda', 'kedacore/keda', 1, 'keda')]), folder('sites/s1/c1/apps', [ns('app'), scaledObject('app', 'web')]));
    expect(run(elsewhere, oneNode).failures).toEqual([
      'c1: Chart.helm.k0sproject.io keda/keda: k0s reconciles Chart objects only in kube-system; this one is never installed',
      'c1: ScaledObject.keda.sh app/web: no CRD (nothing installs keda.sh)',
    ]);
  });

  it('counts a remote kustomize bundle it knows (the Kubeflow training operator) from where it is listed', () => {
    const job = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'train', namespace: 'app' }, spec: { pytorchReplicaSpecs: {} } };
    const bundle = 'https://github.com/kubeflow/trainer.git/manifests/overlays/standalone?ref=v1.9.4';
    const with_ = treeOf({ 'sites/s1/c1/k0sctl.yaml': k0sctl(oneHost) }, folder('sites/s1/c1/infra', [], [bundle]), folder('sites/s1/c1/apps', [ns('app'), job]));
    expect(run(with_, oneNode).failures).toEqual([]);
    expect(run(site([ns('app'), job]), oneNode).failures).toEqual(['c1: PyTorchJob.kubeflow.org app/train: no CRD (nothing installs kubeflow.org)']);
  });

  it('a chart that needs cert-manager comes up only after it', () => {
    const amd = chart('gpu-operator-charts', 20, {}, 'kube-amd-gpu');
    const broken = run(site([ns('app')], [amd]), oneNode);
    expect(broken.failures).toEqual(['c1: k0s extension gpu-operator-charts (chart gpu-operator-charts): needs cert-manager.io installed first; nothing installs cert-manager.io']);
    expect(run(site([ns('app')], [chart('cert-manager', 10), amd]), oneNode).failures).toEqual([]);
    expect(run(site([ns('app')], [amd, chart('cert-manager', 30)]), oneNode).failures).toEqual([
      'c1: k0s extension gpu-operator-charts (chart gpu-operator-charts): needs cert-manager.io installed first; k0s extension cert-manager (chart cert-manager) installs cert-manager.io but not before it',
    ]);
  });

  it('the management folder needs kcm on the management cluster: installed by k0sctl, or declared present', () => {
    const cd = { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ClusterDeployment', metadata: { name: 'c2', namespace: 'kcm-system' }, spec: { template: 'remote-cluster-1-0-38', credential: 'x' } };
    const cred = { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'Credential', metadata: { name: 'x', namespace: 'kcm-system' }, spec: { identityRef: { kind: 'Secret', name: 'x' } } };
    const repo = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'r', namespace: 'kcm-system' }, spec: { url: 'https://example.net' } };
    const flux = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'k', namespace: 'kcm-system' }, spec: {} };
    // The split management layout: fleet-wide objects, then one folder per managed cluster.
    const mgmt = (charts: readonly O[]) =>
      treeOf({ 'sites/s1/c1/k0sctl.yaml': k0sctl(oneHost, charts) }, folder('sites/s1/c1', [ns('app')]), folder('management/fleet', [cred, repo, flux]), folder('management/clusters/c2', [cd]));
    const without = run(mgmt([]), oneNode);
    expect(without.clusters[0]!.folders).toEqual(['sites/s1/c1', 'management/fleet', 'management/clusters/c2']);
    expect(without.failures).toEqual([
      'c1: Credential.k0rdent.mirantis.com kcm-system/x: no CRD (nothing installs k0rdent.mirantis.com)',
      'c1: HelmRepository.source.toolkit.fluxcd.io kcm-system/r: no CRD (nothing installs source.toolkit.fluxcd.io)',
      'c1: Kustomization.kustomize.toolkit.fluxcd.io kcm-system/k: no CRD (nothing installs kustomize.toolkit.fluxcd.io)',
      'c1: ClusterDeployment.k0rdent.mirantis.com kcm-system/c2: no CRD (nothing installs k0rdent.mirantis.com)',
    ]);
    // kcm brings Flux without its kustomize-controller: a Flux Kustomization still has nothing to serve it.
    expect(run(mgmt([chart('kcm', 10, {}, 'kcm-system')]), oneNode).failures).toEqual([
      'c1: Kustomization.kustomize.toolkit.fluxcd.io kcm-system/k: no CRD (nothing installs kustomize.toolkit.fluxcd.io)',
    ]);
    const declared = standaloneFleet([CPU_POOL], [{ address: '10.0.0.1', role: 'controller+worker' }], {
      apiGroups: ['k0rdent.mirantis.com', 'source.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io'],
    });
    expect(run(mgmt([]), declared).failures).toEqual([]);
  });
});

describeWithSchemas('simulator: nodes, GPUs and pods', () => {
  const pools = [CPU_POOL, { name: 'gpu', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }];
  const fleet = standaloneFleet(pools, [
    { address: '10.0.0.1', role: 'controller+worker', nodePool: 'cpu' },
    { address: '10.0.0.2', role: 'worker', nodePool: 'gpu' },
  ]);
  const gpuHost = (labels: string) => host('10.0.0.2', 'worker', [`--labels=k0smos.io/node-pool=gpu,${labels}`, '--taints=nvidia.com/gpu=present:NoSchedule']);
  const gpuPod = (resource: string, n = 1) =>
    deployment('app', 'gpu', { nodeSelector: { 'k0smos.io/node-pool': 'gpu' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], containers: [container({ [resource]: String(n) })] });
  const nvidia = (values: O = {}) => chart('gpu-operator', 20, { mig: { strategy: 'mixed' }, ...values }, 'gpu-operator');
  const tree = (labels: string, objects: readonly O[], charts: readonly O[]) =>
    treeOf({ 'sites/s1/c1/k0sctl.yaml': k0sctl([host('10.0.0.1', 'controller+worker', ['--labels=k0smos.io/node-pool=cpu'], { noTaints: true }), gpuHost(labels)], charts) }, folder('sites/s1/c1', [ns('app'), ...objects]));

  it('a pod asking nvidia.com/gpu on a MIG-only pool fits no node; asking its MIG profile, it does', () => {
    const r = run(tree('nvidia.com/mig.config=all-1g.10gb', [gpuPod('nvidia.com/gpu')], [nvidia()]), fleet);
    expect(r.clusters[0]!.nodes.find((n) => n.pool === 'gpu')!.allocatable).toEqual(expect.objectContaining({ 'nvidia.com/mig-1g.10gb': 56 }));
    expect(r.clusters[0]!.nodes.find((n) => n.pool === 'gpu')!.allocatable['nvidia.com/gpu']).toBeUndefined();
    expect(r.failures).toEqual([
      'c1: Deployment.apps app/gpu: no node can take its pods (cpu (10.0.0.1): nodeSelector k0smos.io/node-pool=gpu (node has k0smos.io/node-pool=cpu); nvidia.com/gpu: needs 1, has 0 | gpu (10.0.0.2): nvidia.com/gpu: needs 1, has 0 [advertises nvidia.com/mig-1g.10gb=56])',
    ]);
    expect(run(tree('nvidia.com/mig.config=all-1g.10gb', [gpuPod('nvidia.com/mig-1g.10gb', 2)], [nvidia()]), fleet).failures).toEqual([]);
    // MIG off: whole GPUs.
    expect(run(tree('nvidia.com/mig.config=all-disabled', [gpuPod('nvidia.com/gpu', 8)], [nvidia()]), fleet).failures).toEqual([]);
  });

  it('reports a MIG config the node label names but the mig-parted config lacks', () => {
    expect(run(tree('nvidia.com/mig.config=all-9g.99gb', [], [nvidia()]), fleet).failures).toEqual([
      "c1: node pool gpu (10.0.0.2): MIG config 'all-9g.99gb' (label nvidia.com/mig.config) is not in the mig-parted config",
    ]);
  });

  it('a custom mig-parted ConfigMap and time slicing change what the node advertises', () => {
    const migCm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mig', namespace: 'gpu-operator' }, data: { 'config.yaml': stringify({ version: 'v1', 'mig-configs': { half: [{ devices: [0, 1, 2, 3], 'mig-enabled': true, 'mig-devices': { '3g.40gb': 2 } }] } }) } };
    const r = run(tree('nvidia.com/mig.config=half', [migCm], [nvidia({ migManager: { config: { name: 'mig' } } })]), fleet);
    const gpuNode = r.clusters[0]!.nodes.find((n) => n.pool === 'gpu')!;
    expect([gpuNode.allocatable['nvidia.com/gpu'], gpuNode.allocatable['nvidia.com/mig-3g.40gb']]).toEqual([4, 8]);
    const dp = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dp', namespace: 'gpu-operator' }, data: { shared: stringify({ version: 'v1', sharing: { timeSlicing: { renameByDefault: true, resources: [{ name: 'nvidia.com/gpu', replicas: 4 }] } } }) } };
    const ts = run(tree('nvidia.com/device-plugin.config=shared', [dp, gpuPod('nvidia.com/gpu')], [nvidia({ devicePlugin: { config: { name: 'dp' } } })]), fleet);
    expect(ts.clusters[0]!.nodes.find((n) => n.pool === 'gpu')!.allocatable['nvidia.com/gpu.shared']).toBe(32);
    expect(ts.failures).toEqual([expect.stringContaining('nvidia.com/gpu: needs 1, has 0 [advertises nvidia.com/gpu.shared=32]')]);
  });

  it('GPUs show only where an operator runs whose device plugin tolerates the node', () => {
    expect(run(tree('x=y', [gpuPod('nvidia.com/gpu')], []), fleet).failures).toEqual([expect.stringContaining('[advertises no GPUs; no NVIDIA GPU operator installed: 8 x A100-80GB advertise nothing]')]);
    expect(run(tree('x=y', [gpuPod('nvidia.com/gpu')], [nvidia({ daemonsets: { tolerations: [] } })]), fleet).failures).toEqual([
      expect.stringContaining('the NVIDIA device plugin does not tolerate nvidia.com/gpu=present:NoSchedule'),
    ]);
  });

  it('replicas are placed together: a third 8-GPU replica on two 8-GPU nodes finds no room', () => {
    const two = standaloneFleet(
      [CPU_POOL, { name: 'gpu', count: 2, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }],
      [
        { address: '10.0.0.1', role: 'controller+worker', nodePool: 'cpu' },
        { address: '10.0.0.2', role: 'worker', nodePool: 'gpu' },
        { address: '10.0.0.3', role: 'worker', nodePool: 'gpu' },
      ],
    );
    const t = (replicas: number) =>
      treeOf(
        { 'sites/s1/c1/k0sctl.yaml': k0sctl([host('10.0.0.1', 'controller+worker', [], { noTaints: true }), gpuHost('a=b'), { ...gpuHost('a=b'), ssh: { address: '10.0.0.3' } }], [nvidia()]) },
        folder('sites/s1/c1', [ns('app'), { ...gpuPod('nvidia.com/gpu', 8), spec: { ...(gpuPod('nvidia.com/gpu', 8).spec as O), replicas } }]),
      );
    expect(run(t(2), two).failures).toEqual([]);
    expect(run(t(3), two).failures).toEqual(['c1: Deployment.apps app/gpu: replica 3 of 3 finds no node with room left once the pods before it are placed (nodes it fits: 10.0.0.2, 10.0.0.3)']);
  });

  it('every node tainted leaves no room for system pods; an untainted or control-plane-only node is enough', () => {
    const tainted = standaloneFleet([pools[1]!], [{ address: '10.0.0.2', role: 'worker', nodePool: 'gpu' }]);
    const t = (hosts: readonly O[]) => treeOf({ 'sites/s1/c1/k0sctl.yaml': k0sctl([host('10.0.0.9', 'controller'), ...hosts], [nvidia()]) }, folder('sites/s1/c1', [ns('app')]));
    expect(run(t([gpuHost('a=b')]), tainted).failures).toEqual([
      'c1: no node for system pods: CoreDNS and the Cilium operator tolerate only control-plane taints, and every node is tainted (gpu (10.0.0.2): nvidia.com/gpu=present:NoSchedule)',
    ]);
    expect(run(t([host('10.0.0.2', 'worker', ['--labels=k0smos.io/node-pool=gpu'])]), tainted).failures).toEqual([]);
    // A controller+worker without noTaints carries only the control-plane taint, which CoreDNS tolerates; a plain pod does not.
    const cw = standaloneFleet([CPU_POOL], [{ address: '10.0.0.1', role: 'controller+worker' }]);
    const cwTree = treeOf({ 'sites/s1/c1/k0sctl.yaml': k0sctl([host('10.0.0.1', 'controller+worker')]) }, folder('sites/s1/c1', [ns('app'), web]));
    expect(run(cwTree, cw).failures).toEqual(['c1: Deployment.apps app/web: no node can take its pods (cpu (10.0.0.1): taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated)']);
  });

  it('AMD partitions apply only with a complete DCM profile', () => {
    const amdFleet = standaloneFleet(
      [CPU_POOL, { name: 'mi', count: 1, cpu: 96, memoryGiB: 1536, gpus: { model: 'MI300X', count: 8 } }],
      [
        { address: '10.0.0.1', role: 'controller+worker', nodePool: 'cpu' },
        { address: '10.0.0.2', role: 'worker', nodePool: 'mi' },
      ],
    );
    const dcm = (profile: O) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dcm', namespace: 'kube-amd-gpu' }, data: { 'config.json': JSON.stringify({ 'gpu-config-profiles': { cpx: { profiles: [profile] } } }) } });
    const dc = {
      apiVersion: 'amd.com/v1alpha1',
      kind: 'DeviceConfig',
      metadata: { name: 'gpus', namespace: 'kube-amd-gpu' },
      spec: { selector: { 'feature.node.kubernetes.io/amd-gpu': 'true' }, configManager: { enable: true, config: { name: 'dcm' } }, devicePlugin: { devicePluginArguments: { resource_naming_strategy: 'single' } } },
    };
    const pod = deployment('app', 'train', { nodeSelector: { 'k0smos.io/node-pool': 'mi' }, containers: [container({ 'amd.com/gpu': '16' })] });
    const t = (profile: O) =>
      treeOf(
        {
          'sites/s1/c1/k0sctl.yaml': k0sctl(
            [host('10.0.0.1', 'controller+worker', [], { noTaints: true }), host('10.0.0.2', 'worker', ['--labels=k0smos.io/node-pool=mi,dcm.amd.com/gpu-config-profile=cpx'])],
            [chart('cert-manager', 10), chart('gpu-operator-charts', 20, { crds: { defaultCR: { install: false } } }, 'kube-amd-gpu')],
          ),
        },
        folder('sites/s1/c1', [ns('app'), dcm(profile), dc, pod]),
      );
    const partial = run(t({ computePartition: 'CPX', memoryPartition: 'NPS4' }), amdFleet);
    expect(partial.failures).toEqual([
      "c1: node pool mi (10.0.0.2): DCM profile 'cpx' (label dcm.amd.com/gpu-config-profile) does not apply: it lacks numGPUsAssigned; the node keeps 8 whole GPUs",
      "c1: Deployment.apps app/train: no node can take its pods (cpu (10.0.0.1): nodeSelector k0smos.io/node-pool=mi (node has no such label); amd.com/gpu: needs 16, has 0 | mi (10.0.0.2): amd.com/gpu: needs 16, has 8 [advertises amd.com/gpu=8; DCM profile 'cpx' not applied (it lacks numGPUsAssigned): whole GPUs])",
    ]);
    expect(run(t({ computePartition: 'CPX', memoryPartition: 'NPS4', numGPUsAssigned: 4 }), amdFleet).failures[0]).toBe(
      "c1: node pool mi (10.0.0.2): DCM profile 'cpx' (label dcm.amd.com/gpu-config-profile) does not apply: it assigns 4 GPUs and skips 0; the node has 8; the node keeps 8 whole GPUs",
    );
    const full = run(t({ computePartition: 'CPX', memoryPartition: 'NPS4', numGPUsAssigned: 8 }), amdFleet);
    expect(full.clusters[0]!.nodes.find((n) => n.pool === 'mi')!.allocatable['amd.com/gpu']).toBe(64);
    expect(full.failures).toEqual([]);
  });
});

describeWithSchemas('simulator: hosted and k0rdent clusters read from the management folder', () => {
  const siteBase = { region: 'r1', jurisdiction: 'DE', location: { lat: 50, lon: 8 }, infrastructure: 'bare-metal' };
  const fleet = {
    name: 'f',
    management: { site: 'm' },
    sites: [
      { name: 'm', ...siteBase, nodePools: [CPU_POOL], clusters: [{ name: 'm', controlPlane: { mode: 'standalone', hosts: [{ address: '10.0.0.1', role: 'controller+worker' }] }, present: { apiGroups: ['k0rdent.mirantis.com', 'cluster.x-k8s.io', 'controlplane.cluster.x-k8s.io', 'bootstrap.cluster.x-k8s.io', 'infrastructure.cluster.x-k8s.io'] } }] },
      {
        name: 'h',
        ...siteBase,
        nodePools: [CPU_POOL, { name: 'big', count: 1, cpu: 64, memoryGiB: 256 }],
        clusters: [{ name: 'h', controlPlane: { mode: 'hosted', sshKeySecret: { name: 'k' }, workers: [{ address: '10.1.0.1', nodePool: 'big' }, { address: '10.1.0.2', nodePool: 'cpu' }] } }],
      },
      { name: 'k', ...siteBase, nodePools: [CPU_POOL], clusters: [{ name: 'k', controlPlane: { mode: 'k0rdent', credential: 'x', config: { machines: [{ address: '10.2.0.1' }] } } }] },
    ],
  } as FleetSpec;
  const worker = (name: string, address: string, args: string[]): O[] => [
    { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2', kind: 'K0sWorkerConfig', metadata: { name, namespace: 'kcm-system' }, spec: { args } },
    { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2', kind: 'RemoteMachine', metadata: { name, namespace: 'kcm-system' }, spec: { address } },
    {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Machine',
      metadata: { name, namespace: 'kcm-system' },
      spec: { clusterName: 'h', bootstrap: { configRef: { kind: 'K0sWorkerConfig', name } }, infrastructureRef: { kind: 'RemoteMachine', name } },
    },
  ];
  const kcp = (charts: O[]) => ({ apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2', kind: 'K0smotronControlPlane', metadata: { name: 'h', namespace: 'kcm-system' }, spec: { k0sConfig: { spec: { extensions: { helm: { charts } } } } } });
  const capi = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name: 'h', namespace: 'kcm-system' }, spec: { controlPlaneRef: { kind: 'K0smotronControlPlane', name: 'h' } } };
  const cd = (services: O[]) => ({
    apiVersion: 'k0rdent.mirantis.com/v1beta1',
    kind: 'ClusterDeployment',
    metadata: { name: 'k', namespace: 'kcm-system' },
    spec: { template: 'remote-cluster-1-0-38', config: { machines: [{ address: '10.2.0.1', k0s: { args: ['--labels=role=edge'] } }] }, serviceSpec: { services } },
  });
  const st = { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ServiceTemplate', metadata: { name: 'keda-2-20-2', namespace: 'kcm-system' }, spec: { helm: { chartSpec: { chart: 'keda', version: '2.20.2' } } } };
  const mHost = [host('10.0.0.1', 'controller+worker', [], { noTaints: true })];
  const t = (mgmt: O[], hApps: O[], kApps: O[]) =>
    treeOf({ 'sites/m/m/k0sctl.yaml': k0sctl(mHost) }, folder('sites/m/m', []), folder('management', mgmt), folder('sites/h/h', hApps), folder('sites/k/k', kApps));

  it('reads hosted workers (labels, taints, pools) and the charts of the K0smotronControlPlane', () => {
    const mgmt = [capi, kcp([chart('keda', 5)]), ...worker('h-big-0', '10.1.0.1', ['--labels=tier=big', '--taints=dedicated=big:NoSchedule']), ...worker('h-cpu-0', '10.1.0.2', ['--labels=tier=small']), st, cd([{ name: 'keda', namespace: 'keda', template: 'keda-2-20-2' }])];
    const r = run(t(mgmt, [ns('app'), scaledObject('app', 'a')], [ns('app'), scaledObject('app', 'a')]), fleet);
    expect(r.failures).toEqual([]);
    const h = r.clusters.find((c) => c.name === 'h')!;
    expect(h.installs).toEqual(['k0s extension keda (chart keda)']);
    expect(h.nodes.map((n) => [n.name, n.pool, n.labels.tier, n.taints.length, n.allocatable.cpu])).toEqual([
      ['h-big-0', 'big', 'big', 1, 64000],
      ['h-cpu-0', 'cpu', 'small', 0, 8000],
    ]);
    const k = r.clusters.find((c) => c.name === 'k')!;
    expect(k.installs).toEqual(['service keda (chart keda)']);
    expect(k.nodes.map((n) => [n.name, n.pool, n.labels.role])).toEqual([['10.2.0.1', 'cpu', 'edge']]);
  });

  it('reports what is missing: the K0smotronControlPlane, a ServiceTemplate, and so each cluster its KEDA', () => {
    const r = run(t([capi, cd([{ name: 'keda', namespace: 'keda', template: 'keda-2-20-2' }])], [ns('app'), scaledObject('app', 'a')], [ns('app'), scaledObject('app', 'a')]), fleet);
    expect(r.failures).toEqual([
      "h: hosted cluster without a K0smotronControlPlane 'h' in the management folder: nothing runs its control plane",
      'h: ScaledObject.keda.sh app/a: no CRD (nothing installs keda.sh)',
      'h: no nodes: the output creates no worker machines for this cluster',
      'k: service keda: ServiceTemplate kcm-system/keda-2-20-2 is not in the management folder, so the service never installs',
      'k: ScaledObject.keda.sh app/a: no CRD (nothing installs keda.sh)',
    ]);
  });
});
