import { itWithSchemas } from '../helpers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Driver, GpuOperatorStack, Partitioning, TenantIsolation } from '../../constructs';
import { DEVICE_PLUGIN_CONFIGMAP, K0S_CONTAINERD } from '../../lib/gpu/nvidia';
import { validateDirectory, validateDocument, formatFailure } from '../../lib/validate/validate';
import { ATLANTA_STACK, QUEBEC_STACK, SCHEMAS, atlantaSite, buildTestFleet, quebecSite, readTree, schemas, problems, synthToTemp, withNodePools } from './fixtures';

function values(stack: GpuOperatorStack, name: string): Record<string, any> {
  const a = stack.addons.find((x) => x.name === name);
  if (!a) throw new Error(`no add-on ${name} (have ${stack.addons.map((x) => x.name).join(', ')})`);
  return a.values as Record<string, any>;
}

function env(v: Record<string, any>): Record<string, string> {
  return Object.fromEntries((v.toolkit.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
}


describe('reference fleet (Quebec A100 MIG + two tenants, Atlanta MI300X partitions)', () => {
  const { fleet, quebec, atlanta } = buildTestFleet();
  const dist = synthToTemp(fleet);
  const tree = readTree(dist);
  const doc = (rel: string) => parseYaml(tree.get(rel) ?? fail(`missing ${rel}`)) as Record<string, any>;
  function fail(m: string): never {
    throw new Error(m);
  }

  test('each cluster gets the operator of its vendor only', () => {
    expect(quebec.vendors).toEqual(['nvidia']);
    expect(quebec.addons.map((a) => `${a.namespace}/${a.name} ${a.chart.name}@${a.chart.version}`)).toEqual(['gpu-operator/gpu-operator gpu-operator@v26.7.0']);
    expect(atlanta.vendors).toEqual(['amd']);
    expect(atlanta.addons.map((a) => `${a.namespace}/${a.name} ${a.chart.name}@${a.chart.version}`)).toEqual(['kube-amd-gpu/amd-gpu-operator gpu-operator-charts@v1.5.1']);
    expect([...tree.keys()].filter((k) => k.startsWith('sites/quebec/') && /deviceconfig/.test(k))).toEqual([]);
    expect([...tree.keys()].filter((k) => k.startsWith('sites/atlanta/') && /gpu-operator|mig-parted/.test(k))).toEqual([]);
  });

  itWithSchemas('every synthesized file validates against the upstream schemas', () => {
    const result = validateDirectory(schemas(), dist);
    expect(result.failures.map(formatFailure)).toEqual([]);
    expect(result.documents).toBeGreaterThan(15);
  });

  itWithSchemas('the ClusterPolicy the chart renders from our values validates against the CRD', () => {
    const cp = { apiVersion: 'nvidia.com/v1', kind: 'ClusterPolicy', metadata: { name: 'cluster-policy' }, spec: quebec.plan.clusterPolicySpec };
    expect(validateDocument(schemas(), cp, 'cluster-policy', 0).map(formatFailure)).toEqual([]);
    // The values carry the same blocks as the spec.
    const v = values(quebec, 'gpu-operator');
    for (const block of ['operator', 'hostPaths', 'driver', 'toolkit', 'mig', 'dcgmExporter', 'gfd', 'nodeStatusExporter']) expect(v[block]).toEqual(quebec.plan.clusterPolicySpec![block]);
  });

  test('pitfall: the NVIDIA toolkit is pointed at k0s explicitly (drop-in, CRI config, socket, containerd binary), not the pre-v25.10 recipe', () => {
    const v = values(quebec, 'gpu-operator');
    expect(env(v)).toEqual({
      RUNTIME_DROP_IN_CONFIG: '/etc/k0s/containerd.d/nvidia.toml',
      CONTAINERD_CONFIG: '/run/k0s/containerd-cri.toml',
      CONTAINERD_SOCKET: '/run/k0s/containerd.sock',
      RUNTIME_EXECUTABLE_PATH: '/var/lib/k0s/bin/containerd',
      CONTAINERD_RUNTIME_CLASS: 'nvidia',
    });
    // The old k0s recipe pointed CONTAINERD_CONFIG into the drop-in folder, which toolkit v1.18+ turns into a
    // two-step import that breaks k0s nodes (NVIDIA/gpu-operator#1835).
    expect(env(v).CONTAINERD_CONFIG!.startsWith('/etc/k0s/containerd.d/')).toBe(false);
    expect(K0S_CONTAINERD.dropIn.startsWith('/etc/k0s/containerd.d/')).toBe(true);
    expect(v.operator).toMatchObject({ defaultRuntime: 'containerd', runtimeClass: 'nvidia' });
    // k0s's kubelet root, for dcgm-exporter's pod-resources mount (ADDONS.md section 11).
    expect(v.hostPaths).toEqual({ kubeletRootDir: '/var/lib/k0s/kubelet' });
    expect(quebec.plan.clusterPolicySpec!.hostPaths).toEqual({ kubeletRootDir: '/var/lib/k0s/kubelet' });
  });

  test('MIG: strategy mixed (balanced layout, mig tenant), config label per pool, ConfigMap in the operator namespace', () => {
    expect(quebec.plan.migStrategy).toBe('mixed');
    expect(values(quebec, 'gpu-operator').mig).toEqual({ strategy: 'mixed' });
    expect(values(quebec, 'gpu-operator').migManager).toEqual({ enabled: true, config: { create: false, name: 'k0smos-mig-parted-config', default: 'all-disabled' } });
    expect(quebec.nodeConfig('a100-mig').labels['nvidia.com/mig.config']).toBe('k0smos-a100-mig');
    expect(quebec.nodeConfig('a100').labels['nvidia.com/mig.config']).toBe('all-disabled');
    const cm = doc('sites/quebec/quebec/apps/configmap_gpu-operator_k0smos-mig-parted-config.yaml');
    expect(cm.metadata.namespace).toBe('gpu-operator');
    const configs = parseYaml(cm.data['config.yaml'])['mig-configs'];
    // Every config a node label names exists in the ConfigMap.
    for (const pool of ['a100', 'a100-mig']) expect(configs[quebec.nodeConfig(pool).labels['nvidia.com/mig.config']!]).toBeDefined();
    expect(configs['k0smos-a100-mig']).toEqual([{ devices: 'all', 'mig-enabled': true, 'mig-devices': { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 } }]);
  });

  test('tenants: the mig tenant gets its MIG instances, the namespace tenant whole GPUs, every other GPU resource at 0', () => {
    const vision = doc('sites/quebec/quebec/infra/resourcequota_team-vision_gpu-quota.yaml');
    expect(vision.spec.hard).toEqual({
      'requests.nvidia.com/gpu': '0',
      'requests.nvidia.com/mig-1g.10gb': '0',
      'requests.nvidia.com/mig-2g.20gb': '8',
      'requests.nvidia.com/mig-3g.40gb': '16',
    });
    const nlp = doc('sites/quebec/quebec/infra/resourcequota_team-nlp_gpu-quota.yaml');
    expect(nlp.spec.hard['requests.nvidia.com/gpu']).toBe('8');
    expect(Object.entries(nlp.spec.hard).filter(([k]) => k.includes('mig-')).every(([, v]) => v === '0')).toBe(true);
    const rb = doc('sites/quebec/quebec/apps/rolebinding_team-nlp_gpu-tenant-edit.yaml');
    expect(rb.roleRef.name).toBe('edit');
    expect(rb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-nlp' }]);
    expect(quebec.tenants.map((t) => `${t.name}:${t.isolation.spec.kind}`)).toEqual(['team-nlp:namespace', 'team-vision:mig']);
  });

  test('AMD: DeviceConfig with the DCM enabled, the partition profile labelled per pool, logical GPUs counted', () => {
    const dc = doc('sites/atlanta/atlanta/apps/deviceconfig.amd.com_kube-amd-gpu_k0smos-amd-gpu.yaml');
    expect(dc.spec.configManager).toMatchObject({ enable: true, config: { name: 'k0smos-dcm-config' } });
    expect(dc.spec.driver).toEqual({ enable: false });
    expect(dc.spec.devicePlugin.devicePluginTolerations).toContainEqual({ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    const dcm = JSON.parse(doc('sites/atlanta/atlanta/apps/configmap_kube-amd-gpu_k0smos-dcm-config.yaml').data['config.json']);
    const label = atlanta.nodeConfig('mi300x').labels['dcm.amd.com/gpu-config-profile']!;
    // Every GPU of the 8-GPU node is assigned (numGPUsAssigned + skipped = GPUs on the node), or DCM applies nothing.
    expect(label).toBe('cpx-nps4-8gpu');
    expect(dcm['gpu-config-profiles'][label]).toEqual({ skippedGPUs: { ids: [] }, profiles: [{ computePartition: 'CPX', memoryPartition: 'NPS4', numGPUsAssigned: 8 }] });
    // A whole-GPU profile of the same size to relabel a node back to.
    expect(dcm['gpu-config-profiles']['spx-nps1-8gpu']).toEqual({ skippedGPUs: { ids: [] }, profiles: [{ computePartition: 'SPX', memoryPartition: 'NPS1', numGPUsAssigned: 8 }] });
    // 2 nodes x 8 MI300X x 8 CPX partitions.
    expect(atlanta.nodeConfig('mi300x').resources).toEqual({ 'amd.com/gpu': 128 });
    expect(values(atlanta, 'amd-gpu-operator')).toMatchObject({ crds: { defaultCR: { install: false } }, 'node-feature-discovery': { enabled: true } });
  });

  test('vendor separation: pods select and tolerate one vendor; GPU pools are tainted where the cluster has other nodes', () => {
    // Quebec has a CPU pool for system pods: its GPU pools carry the vendor taint.
    expect(quebec.plan.taintsGpuNodes).toBe(true);
    expect(quebec.nodeConfig('a100').taints).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    // Atlanta is GPU nodes only (hosted control plane): no taint, or CoreDNS could never schedule.
    expect(atlanta.plan.taintsGpuNodes).toBe(false);
    expect(atlanta.nodeConfig('mi300x').taints).toEqual([]);
    const cuda = GpuOperatorStack.scheduling('nvidia');
    expect(cuda.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia' });
    // A CUDA pod selects NVIDIA nodes, which the AMD nodes are not, and tolerates no AMD taint.
    expect(atlanta.nodeConfig('mi300x').labels['k0smos.io/gpu-vendor']).toBe('amd');
    expect(cuda.tolerations.map((t) => t.key)).toEqual(['nvidia.com/gpu']);
    expect(() => quebec.nodeConfig('cpu')).toThrow(/no GPU pool 'cpu'.*GPU pools: a100, a100-mig/);
  });

  test('snapshot of the add-ons and the GPU objects (after the assertions above)', () => {
    const gpuFiles = [...tree.keys()].filter((k) => (k.startsWith('sites/quebec/') || k.startsWith('sites/atlanta/')) && !k.includes('cluster-info') && !k.includes('mig-parted'));
    expect({ addons: [...quebec.addons, ...atlanta.addons], files: Object.fromEntries(gpuFiles.map((k) => [k, tree.get(k)])) }).toMatchSnapshot();
  });

  test('a second synth is byte-identical', () => {
    const again = readTree(synthToTemp(buildTestFleet().fleet));
    expect([...again.keys()]).toEqual([...tree.keys()]);
    for (const [k, v] of tree) expect(again.get(k)).toBe(v);
  });
});

describe('chart values exist in the upstream charts', () => {
  /** Paths of every key set in `v`, down to leaves; arrays are leaves. */
  function keyPaths(v: unknown, prefix: string[] = []): string[][] {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return [prefix];
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return [prefix];
    return entries.flatMap(([k, x]) => keyPaths(x, [...prefix, k]));
  }
  function exists(upstream: unknown, p: string[]): boolean {
    let cur = upstream;
    for (const k of p) {
      if (cur === null || typeof cur !== 'object' || !(k in (cur as object))) return false;
      cur = (cur as Record<string, unknown>)[k];
    }
    return true;
  }
  // Read by the chart's ClusterPolicy template but not declared in values.yaml (STACK.md section 7, k0s setup);
  // hostPaths.kubeletRootDir is there as a comment only (ADDONS.md section 11) and is a ClusterPolicy field (checked against the CRD above).
  const NVIDIA_UNDECLARED = ['operator.defaultRuntime', 'hostPaths.kubeletRootDir'];

  itWithSchemas.each([
    ['nvidia', 'nvidia-gpu-operator/values.yaml', 'gpu-operator', NVIDIA_UNDECLARED],
    ['amd', 'amd-gpu-operator/values.yaml', 'amd-gpu-operator', []],
  ])('every key of the %s values is declared in upstream values.yaml', (_v, file, addon, undeclared) => {
    const upstream = parseYaml(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'));
    // A mixed cluster with every option on exercises the most keys.
    const { quebec } = buildTestFleet({
      quebecSite: {
        ...quebecSite(),
        ...withNodePools(quebecSite(), [...quebecSite().nodePools, { name: 't4', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'T4', count: 4 } }, { name: 'mi', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'MI300X', count: 8 } }]),
      },
      quebec: {
        ...QUEBEC_STACK,
        partitioning: { ...QUEBEC_STACK.partitioning, t4: Partitioning.timeSlicing(4), mi: Partitioning.amd('QPX', 'NPS1') },
        tenants: { 'team-vision': QUEBEC_STACK.tenants!['team-vision']! },
      },
    });
    const missing = keyPaths(values(quebec, addon))
      .map((p) => p.join('.'))
      .filter((p) => !(undeclared as string[]).includes(p) && !exists(upstream, p.split('.')));
    expect(missing).toEqual([]);
  });
});

describe('pitfalls and choices', () => {
  test('a preinstalled driver sets driver.enabled false; an operator-managed one carries its version', () => {
    const pre = buildTestFleet({ quebec: { ...QUEBEC_STACK, nvidiaDriver: Driver.preinstalled() } }).quebec;
    expect(values(pre, 'gpu-operator').driver).toEqual({ enabled: false });
    const managed = buildTestFleet({ quebec: { ...QUEBEC_STACK, nvidiaDriver: Driver.operatorManaged('580.95.05') } }).quebec;
    expect(values(managed, 'gpu-operator').driver).toEqual({ enabled: true, version: '580.95.05' });
    expect(problems(() => buildTestFleet({ quebec: { ...QUEBEC_STACK, nvidiaDriver: Driver.operatorManaged('latest') } }))).toEqual([
      "geo/quebec/quebec/gpu: nvidiaDriver: 'latest' is not an NVIDIA driver version such as 595.91.07",
    ]);
  });

  test('time-slicing: ConfigMap in the operator namespace with a default key; node labels name existing keys', () => {
    const site = withNodePools(quebecSite('T4'), [{ name: 't4', count: 3, cpu: 16, memoryGiB: 64, gpus: { model: 'T4', count: 4 } }]);
    const { fleet, quebec } = buildTestFleet({
      quebecSite: site,
      quebec: { nvidiaNamespace: 'nvidia-system', partitioning: { t4: Partitioning.timeSlicing(4) }, tenants: { shared: { isolation: TenantIsolation.timeSlicing({ replicas: 10 }) } } },
    });
    const tree = readTree(synthToTemp(fleet));
    const cm = parseYaml(tree.get(`sites/quebec/quebec/apps/configmap_nvidia-system_${DEVICE_PLUGIN_CONFIGMAP}.yaml`)!);
    expect(cm.metadata.namespace).toBe('nvidia-system');
    const v = values(quebec, 'gpu-operator');
    expect(v.devicePlugin.config).toEqual({ create: false, name: DEVICE_PLUGIN_CONFIGMAP, default: 'default' });
    expect(Object.keys(cm.data)).toContain(v.devicePlugin.config.default);
    const key = quebec.nodeConfig('t4').labels['nvidia.com/device-plugin.config']!;
    expect(Object.keys(cm.data)).toContain(key);
    expect(parseYaml(cm.data[key])).toEqual({
      version: 'v1',
      flags: { migStrategy: 'none' },
      sharing: { timeSlicing: { renameByDefault: true, failRequestsGreaterThanOne: true, resources: [{ name: 'nvidia.com/gpu', replicas: 4 }] } },
    });
    // 3 nodes x 4 T4 x 4 replicas.
    expect(quebec.nodeConfig('t4').resources).toEqual({ 'nvidia.com/gpu.shared': 48 });
    expect(parseYaml(tree.get('sites/quebec/quebec/infra/resourcequota_shared_gpu-quota.yaml')!).spec.hard).toEqual({ 'requests.nvidia.com/gpu.shared': '10' });
    expect(quebec.nodeConfig('t4').labels['nvidia.com/mig.config']).toBeUndefined();
    expect(values(quebec, 'gpu-operator').migManager).toEqual({ enabled: false });
  });

  test('strategy single requested with a layout of several profile types is an error', () => {
    expect(problems(() => buildTestFleet({ quebec: { ...QUEBEC_STACK, tenants: {}, migStrategy: 'single' } }))).toEqual([
      "geo/quebec/quebec/gpu: migStrategy: MIG strategy 'single' needs one profile type per node, but pool 'a100-mig' mixes 1g.10gb, 2g.20gb, 3g.40gb; use migStrategy 'mixed' or give the pool one profile",
    ]);
  });

  test('one profile type per node and no mig tenant derives single; MIG devices then count as nvidia.com/gpu', () => {
    const { quebec } = buildTestFleet({ quebec: { partitioning: { 'a100-mig': Partitioning.mig({ '1g.10gb': 7 }) } } });
    expect(quebec.plan.migStrategy).toBe('single');
    expect(quebec.nodeConfig('a100-mig').resources).toEqual({ 'nvidia.com/gpu': 2 * 8 * 7 });
  });

  test('errors in the plan are reported together, with the construct path and the field', () => {
    const lines = problems(() =>
      buildTestFleet({
        atlanta: { partitioning: { mi300x: Partitioning.mig({ '1g.10gb': 7 }) } },
      }),
    );
    expect(lines).toEqual(["geo/atlanta/atlanta/gpu: partitioning.mi300x.mig: MIG is an NVIDIA feature; MI300X is an AMD GPU. Use AMD compute/memory partitions (SPX, DPX, QPX, CPX x NPS1, NPS4) where the model has them"]);
    const many = problems(() =>
      buildTestFleet({
        quebec: {
          partitioning: { 'a100-mig': Partitioning.mig({ '1g.5gb': 7, '3g.40gb': 2, '2g.20gb': 1 }), cpu: Partitioning.timeSlicing(2), a10: Partitioning.none() },
        },
      }),
    );
    expect(many).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/partitioning\.a10: no node pool 'a10' in cluster 'quebec'; did you mean 'a100'/),
        "geo/quebec/quebec/gpu: partitioning.cpu: pool 'cpu' has no GPUs to partition",
        expect.stringMatching(/partitioning\.a100-mig\.mig\["1g\.5gb"\]: '1g\.5gb' is not a MIG profile of A100-80GB/),
        expect.stringMatching(/partitioning\.a100-mig\.mig: layout 7x1g\.5gb \+ 1x2g\.20gb \+ 2x3g\.40gb over-commits one A100-80GB: it needs 8 of 7 compute slices/),
      ]),
    );
    expect(many).toHaveLength(4);
  });

  test('MIG requested on a T4 pool is an error', () => {
    const lines = problems(() => buildTestFleet({ quebecSite: quebecSite('T4'), quebec: { partitioning: { 'a100-mig': Partitioning.mig({ '1g.10gb': 1 }) } } }));
    expect(lines).toEqual([expect.stringContaining('partitioning.a100-mig.mig: T4 has no MIG')]);
  });

  test('an AMD partition pair the model does not support is an error listing the valid pairs', () => {
    const lines = problems(() => buildTestFleet({ atlanta: { partitioning: { mi300x: Partitioning.amd('SPX', 'NPS4') } } }));
    expect(lines).toEqual(['geo/atlanta/atlanta/gpu: partitioning.mi300x.amdPartition: SPX/NPS4 is not a partition mode of MI300X (valid: SPX/NPS1, DPX/NPS1, QPX/NPS1, CPX/NPS1, CPX/NPS4)']);
    const mi250 = problems(() => buildTestFleet({ atlantaSite: atlantaSite('MI250X'), atlanta: ATLANTA_STACK }));
    expect(mi250).toEqual([expect.stringContaining('MI250X has no compute/memory partitioning (models with it: MI300X, MI325X)')]);
  });

  test('time-slicing on an AMD pool is an error', () => {
    expect(problems(() => buildTestFleet({ atlanta: { partitioning: { mi300x: Partitioning.timeSlicing(4) } } }))).toEqual([
      expect.stringContaining('partitioning.mi300x.timeSlicing: time-slicing is a feature of the NVIDIA device plugin; MI300X is an AMD GPU'),
    ]);
  });

  test('props that are not the typed choices are reported by field', () => {
    const lines = problems(() => buildTestFleet({ quebec: { partitioning: { a100: { kind: 'mig' } as never }, nvidiaDriver: '595' as never } }));
    expect(lines).toEqual(
      expect.arrayContaining([expect.stringContaining('partitioning.a100: use Partitioning.none()'), expect.stringContaining("nvidiaDriver: use Driver.operatorManaged('<version>')")]),
    );
  });

  test('a stack outside a cluster chart, or a second one in a cluster, is refused', () => {
    const { fleet } = buildTestFleet();
    expect(() => new GpuOperatorStack(fleet, 'gpu2', {})).toThrow(/create a GpuOperatorStack in a cluster's chart/);
    expect(() => new GpuOperatorStack(fleet.management, 'gpu', {})).toThrow(/create a GpuOperatorStack in a cluster's chart/);
    expect(() => new GpuOperatorStack(fleet.site('quebec').cluster(), 'gpu2', {})).toThrow(/cluster 'quebec' has a GPU operator stack already \(geo\/quebec\/quebec\/gpu\)/);
  });

  itWithSchemas('an operator-managed NVIDIA driver from a mirror sets repository and image; the ClusterPolicy still validates', () => {
    const { quebec } = buildTestFleet({ quebec: { nvidiaDriver: Driver.operatorManaged('595.91.07', { image: 'registry.example.com/nvidia/driver' }) } });
    expect(values(quebec, 'gpu-operator').driver).toEqual({ enabled: true, version: '595.91.07', repository: 'registry.example.com/nvidia', image: 'driver' });
    const cp = { apiVersion: 'nvidia.com/v1', kind: 'ClusterPolicy', metadata: { name: 'cluster-policy' }, spec: quebec.plan.clusterPolicySpec };
    expect(validateDocument(schemas(), cp, 'cluster-policy', 0).map(formatFailure)).toEqual([]);
  });

  itWithSchemas('an operator-managed AMD driver needs the image repository to build into', () => {
    expect(problems(() => buildTestFleet({ atlanta: { ...ATLANTA_STACK, amdDriver: Driver.operatorManaged('30.20.1') } }))).toEqual([
      expect.stringContaining('geo/atlanta/atlanta/gpu: amdDriver: an operator-managed AMD driver needs image'),
    ]);
    const { atlanta } = buildTestFleet({ atlanta: { ...ATLANTA_STACK, amdDriver: Driver.operatorManaged('30.20.1', { image: 'registry.example.com/amdgpu-driver' }) } });
    const dc = atlanta.plan.objects.find((o) => o.kind === 'DeviceConfig') as unknown as { spec: { driver: Record<string, unknown> } };
    expect(dc.spec.driver).toMatchObject({ enable: true, version: '30.20.1', image: 'registry.example.com/amdgpu-driver', blacklist: true });
    expect(validateDocument(schemas(), dc, 'dc', 0).map(formatFailure)).toEqual([]);
  });
});
