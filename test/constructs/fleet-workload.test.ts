/**
 * Fleet workloads (issue 14 item 2): one service on every matching cluster, with a per-cluster variant,
 * required resources and probes, rollout settings, flows; each rule broken once and met once.
 */
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { Fleet, FleetWorkload, SiteProfile, type FleetWorkloadProps } from '../../constructs';
import { ValidationError } from '../../lib/model/errors';

const HQ = { region: 'us-east', jurisdiction: 'US', location: { lat: 40.7, lon: -74 }, infrastructure: 'aws' as const, nodePools: [{ name: 'm', count: 3, cpu: 8, memoryGiB: 32 }] };
const STORE = new SiteProfile('store', {
  infrastructure: 'edge',
  nodePools: [{ name: 'store', count: 2, cpu: 8, memoryGiB: 32 }],
  variants: { gpu: { nodePools: [{ name: 'store', count: 1, cpu: 8, memoryGiB: 32 }, { name: 'gpu', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } }], gpuOperator: {} } },
});
const row = (n: number, region: string, variant?: string) => ({ site: `store-${n}`, region, jurisdiction: region.startsWith('ca') ? 'CA' : 'US', location: { lat: 45, lon: -74 }, ...(variant ? { variant } : {}) });
const ROWS = [row(1, 'us-east'), row(2, 'ca-east', 'gpu'), row(3, 'ca-east')];
const NETWORK = { podPrefixLength: 22, servicePrefixLength: 24 };

function fleet(): Fleet {
  const f = new Fleet(new App(), 'retail', { managementSite: 'hq', network: NETWORK });
  f.addSite('hq', HQ);
  f.addSites(STORE, ROWS);
  return f;
}

const base: FleetWorkloadProps = {
  select: { profile: 'store' },
  image: 'vision:cpu',
  resources: { cpu: 1, memoryGiB: 2 },
  probes: { readiness: { httpGet: '/ready' }, liveness: false },
  variants: [{ name: 'l4', when: { gpuVendor: 'nvidia' }, image: 'vision:cuda', gpus: 1, resources: { cpu: 2, memoryGiB: 8 } }],
};

/** A workload records the problems of its props and writes nothing; synth's checks (`Fleet.resolve`) report them. */
function atSynth(props: FleetWorkloadProps): void {
  const f = fleet();
  new FleetWorkload(f, 'vision', props);
  f.resolve();
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('a fleet workload on every store', () => {
  const f = fleet();
  const w = new FleetWorkload(f, 'vision', { ...base, env: { STORE: '{{site}}' }, rollout: { revisionHistoryLimit: 2 }, egress: [{ cidrs: ['203.0.113.0/24'], ports: [443] }] });
  const tree = f.toTree();
  const deployment = (site: string) => parse(tree.get(`sites/${site}/${site}/apps/deployment_vision_vision.yaml`)!);

  it('renders into every cluster made from the profile, not the management cluster', () => {
    expect(w.placements).toEqual([
      { site: 'store-1', cluster: 'store-1', variant: 'base' },
      { site: 'store-2', cluster: 'store-2', variant: 'l4' },
      { site: 'store-3', cluster: 'store-3', variant: 'base' },
    ]);
    expect([...tree.keys()].filter((k) => k.includes('_vision_vision')).sort()).toEqual(
      ['store-1', 'store-2', 'store-3'].flatMap((s) => [`sites/${s}/${s}/apps/deployment_vision_vision.yaml`, `sites/${s}/${s}/apps/service_vision_vision.yaml`]).sort(),
    );
    expect(tree.get('sites/store-1/store-1/infra/namespace_vision.yaml')).toBeDefined();
  });

  it('uses the GPU variant where the cluster has an NVIDIA pool: one whole GPU, on NVIDIA nodes, replaced without surge', () => {
    const gpu = deployment('store-2');
    const c = gpu.spec.template.spec.containers[0];
    expect(c.image).toBe('vision:cuda');
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '8Gi', 'nvidia.com/gpu': '1' } });
    expect(gpu.spec.template.spec.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia' });
    expect(gpu.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const cpu = deployment('store-1');
    expect(cpu.spec.template.spec.containers[0].image).toBe('vision:cpu');
    expect(cpu.spec.template.spec.nodeSelector).toBeUndefined();
    expect(cpu.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(cpu.spec.revisionHistoryLimit).toBe(2);
  });

  it('has probes and per-cluster values', () => {
    const c = deployment('store-3').spec.template.spec.containers[0];
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    expect(c.livenessProbe).toBeUndefined();
    expect(c.env).toEqual([{ name: 'STORE', value: 'store-3' }]);
  });

  it('declares its flows per cluster: DNS, callers from its namespace, its egress', () => {
    const names = f.flows.map((x) => x.name).filter((n) => n.startsWith('vision-store-1'));
    expect(names).toEqual(['vision-store-1-dns', 'vision-store-1-egress-0', 'vision-store-1-from-own-namespace']);
    const egress = f.flows.find((x) => x.name === 'vision-store-1-egress-0')!;
    expect(egress.to).toEqual({ kind: 'world', cidrs: ['203.0.113.0/24'] });
  });

  it('selects by labels too (a region)', () => {
    const g = fleet();
    const byRegion = new FleetWorkload(g, 'vision', { ...base, select: { labels: { 'k0smos.io/region': 'ca-east' } } });
    expect(byRegion.placements.map((p) => p.cluster)).toEqual(['store-2', 'store-3']);
  });

  it('comes from fleet.yaml the same way; a profile the file lacks is named', () => {
    const g = fleet();
    new FleetWorkload(g, 'vision', base);
    const spec = { management: { site: 'hq' }, network: NETWORK, sites: [{ name: 'hq', ...HQ }], profiles: [STORE.spec], inventories: [{ profile: 'store', rows: ROWS }] };
    const { select: _s, ...rest } = base;
    const fleetWorkloads = [{ name: 'vision', select: { profile: 'store' }, ...rest }];
    expect(Fleet.fromSpec(new App(), 'retail', { ...spec, fleetWorkloads }).toTree()).toEqual(g.toTree());
    expect(problems(() => Fleet.fromSpec(new App(), 'retail', { ...spec, fleetWorkloads: [{ ...fleetWorkloads[0], select: { profile: 'shop' } }] }))).toEqual([
      "retail: fleetWorkloads[vision].select.profile: no profile named 'shop' (profiles: store)",
    ]);
  });
});

describe('fleet workload rules', () => {
  it('requires resources and probes, and a selector that names something', () => {
    const { resources: _r, probes: _p, ...rest } = base;
    expect(problems(() => atSynth({ ...(rest as FleetWorkloadProps), select: {} }))).toEqual([
      'retail/vision: select: must name a profile or at least one label; an empty selector would select every cluster, the management cluster too',
      'retail/vision: resources: is required (expected an object)',
      'retail/vision: probes: is required (expected an object)',
    ]);
  });

  it('refuses GPUs on a cluster without a GPU pool, a pod larger than any node, and a surge with no spare GPU', () => {
    expect(problems(() => atSynth({ ...base, variants: [{ name: 'gpu', when: { labels: { 'k0smos.io/region': 'ca-east' } }, gpus: 1 }] }))).toEqual([
      "retail/vision: clusters[store-3].variants[gpu].gpus: cluster 'store-3' has no GPU pool for 1 GPU per pod; add a when condition (gpuVendor) to the variant, or drop gpus",
    ]);
    expect(problems(() => atSynth({ ...base, resources: { cpu: 12, memoryGiB: 2 } }))).toEqual([
      "retail/vision: clusters[store-1].resources: a pod asks for 12 CPU and 2 GiB, but no node of cluster 'store-1' has that much (store: 8 CPU, 32 GiB)",
      "retail/vision: clusters[store-3].resources: a pod asks for 12 CPU and 2 GiB, but no node of cluster 'store-3' has that much (store: 8 CPU, 32 GiB)",
    ]);
    expect(problems(() => atSynth({ ...base, rollout: { maxSurge: 1 } }))).toEqual([
      "retail/vision: rollout.maxSurge: cluster 'store-2' has 1 nvidia GPU, but 1 replica and 1 surge pod of 1 GPU each need 2; set rollout.maxSurge: 0 (pods are replaced one at a time)",
    ]);
    expect(problems(() => atSynth({ ...base, rollout: { maxSurge: 0, maxUnavailable: 0 } }))).toEqual([
      'retail/vision: rollout: maxSurge and maxUnavailable are both 0, so a rollout could never replace a pod (Kubernetes refuses it); let one of them be at least 1',
    ]);
  });

  it('records its problems and writes nothing, so synth reports the problems of every construct at once', () => {
    const f = fleet();
    const a = new FleetWorkload(f, 'a', { ...base, resources: { cpu: 12, memoryGiB: 2 }, select: { profile: 'store', labels: { 'k0smos.io/region': 'us-east' } } });
    new FleetWorkload(f, 'b', { ...base, rollout: { maxSurge: 0, maxUnavailable: 0 } });
    expect(a.placements).toEqual([]);
    expect(f.node.findAll().filter((c) => c.node.id.startsWith('fleet-workload-'))).toEqual([]);
    expect(problems(() => f.toTree())).toEqual([
      "retail/a: clusters[store-1].resources: a pod asks for 12 CPU and 2 GiB, but no node of cluster 'store-1' has that much (store: 8 CPU, 32 GiB)",
      'retail/b: rollout: maxSurge and maxUnavailable are both 0, so a rollout could never replace a pod (Kubernetes refuses it); let one of them be at least 1',
    ]);
  });

  it('refuses secrets given inline in env or args', () => {
    expect(problems(() => atSynth({ ...base, env: { API_TOKEN: 'f00ba4c0ffee' }, args: ['--db-password=hunter2hunter2'] }))).toEqual([
      expect.stringMatching(/^retail\/vision: args\[0\]: looks like a secret value given inline \('db-password=…'\)/),
      expect.stringMatching(/^retail\/vision: env\.API_TOKEN: /),
    ]);
  });

  it('needs a GPU operator where its pods ask for GPUs: missing, synth says so; declared present, it is assumed', () => {
    const bare = (present?: { apiGroups: string[] }) => {
      const f = new Fleet(new App(), 'retail', { managementSite: 'hq', network: NETWORK });
      f.addSite('hq', HQ);
      const plain = new SiteProfile('store', { infrastructure: 'edge', nodePools: [{ name: 'gpu', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } }], ...(present ? { present } : {}) });
      f.addSites(plain, [row(1, 'us-east')]);
      new FleetWorkload(f, 'vision', base);
      return f;
    };
    expect(problems(() => bare().toTree())).toEqual([expect.stringMatching(/^retail\/vision: cluster 'store-1': Deployment vision\/vision needs api:nvidia\.com \(its pods ask for nvidia\.com\/gpu/)]);
    expect(bare({ apiGroups: ['nvidia.com'] }).toTree().get('sites/store-1/store-1/apps/deployment_vision_vision.yaml')).toContain('nvidia.com/gpu');
  });

  it('refuses at synth a matching site added after the workload', () => {
    const f = fleet();
    new FleetWorkload(f, 'vision', { ...base, select: { labels: { 'k0smos.io/region': 'us-west' } } });
    f.addSite('store-9', { region: 'us-west', jurisdiction: 'US', location: { lat: 37, lon: -122 }, infrastructure: 'edge', nodePools: [{ name: 'store', count: 2, cpu: 8, memoryGiB: 32 }] });
    expect(problems(() => f.toTree())).toEqual(['retail/vision: cluster store-9 matches the selector but was added after the fleet workload; add the sites first, then the fleet workload']);
  });
});
