/**
 * Pods that can schedule: every pod the workload constructs write asks for what the solver reserved for it
 * (CPU, memory, GPUs) and for a GPU resource its nodes advertise under the cluster's GPU stack (whole GPUs,
 * MIG slices, time slices, AMD partitions); multi-GPU PyTorch pods get /dev/shm; the PyTorchJob master exposes
 * `pytorchjob-port`; KServe runs without Knative unless asked.
 */
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { buildReferenceFleet } from '../../apps/reference-fleet';
import { Fleet, GpuOperatorStack, InferenceRuntime, InferenceService, Partitioning, TrainingJob, TrainingOperator } from '../../constructs';
import { K0sCluster } from '../../constructs/k0s-cluster';
import { ValidationError } from '../../lib/model/errors';
import { gpuModel } from '../../lib/model/gpu-models';
import { cpuQuantity, memoryQuantity } from '../../lib/workloads/resources';
import { validateDocument } from '../../lib/validate/validate';
import { fileIn, itWithSchemas, pathIn, schemaRegistry, synthChecks } from '../helpers';
import { ATLANTA_STACK, atlantaSite } from '../gpu/fixtures';

type Obj = { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: Record<string, any> };
interface Pod {
  readonly where: string;
  readonly nodeSelector: Record<string, string>;
  readonly containers: { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; ports?: { name: string; containerPort: number }[]; volumeMounts?: { name: string; mountPath: string }[] }[];
  readonly volumes: { name: string; emptyDir?: { medium?: string; sizeLimit?: string } }[];
}

/** The pod templates of the objects the workload constructs write. */
function podsOf(o: Obj, file: string): Pod[] {
  const pod = (where: string, spec: Record<string, any>): Pod => ({ where: `${file} ${where}`, nodeSelector: spec.nodeSelector ?? {}, containers: spec.containers ?? [], volumes: spec.volumes ?? [] });
  switch (o.kind) {
    case 'PyTorchJob':
      return Object.keys(o.spec!.pytorchReplicaSpecs).sort().map((r) => pod(r, o.spec!.pytorchReplicaSpecs[r].template.spec));
    case 'Job':
    case 'Deployment':
      return [pod('template', o.spec!.template.spec)];
    case 'InferenceService':
      return [{ where: `${file} predictor`, nodeSelector: o.spec!.predictor.nodeSelector ?? {}, containers: [{ name: 'kserve-container', ...o.spec!.predictor.model }], volumes: [] }];
    default:
      return [];
  }
}

function objectsIn(tree: ReadonlyMap<string, string>, match: RegExp): { file: string; o: Obj }[] {
  return [...tree.keys()].filter((f) => match.test(f) && f.endsWith('.yaml')).sort().map((file) => ({ file, o: parse(tree.get(file)!) as Obj }));
}

const gpuResource = (k: string) => k.startsWith('nvidia.com/') || k.startsWith('amd.com/');

const site = (clusters: unknown[], nodePools: unknown[]) => ({
  region: 'r',
  jurisdiction: 'CA',
  location: { lat: 45, lon: -73 },
  infrastructure: 'bare-metal' as const,
  nodePools,
  clusters,
});
const standalone = (name: string, hosts: { role: string; address: string; nodePool: string }[]) => ({ name, controlPlane: { mode: 'standalone', keyPath: '~/.ssh/k', hosts } });

/** One cluster `edge` with an A100 pool `mig` (MIG-partitioned unless `layout` is undefined) and optionally a whole-GPU pool `whole`. */
function a100Fleet(options: { whole?: boolean; layout?: Record<string, number> | undefined; strategy?: 'single' | 'mixed' } = {}) {
  const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'edge' });
  const pools = [
    { name: 'mig', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } },
    ...(options.whole ? [{ name: 'whole', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }] : []),
    { name: 'sys', count: 1, cpu: 16, memoryGiB: 64 },
  ];
  const hosts = [
    { role: 'controller+worker', address: '10.0.0.1', nodePool: 'sys' },
    { role: 'worker', address: '10.0.0.2', nodePool: 'mig' },
    ...(options.whole ? [{ role: 'worker', address: '10.0.0.3', nodePool: 'whole' }] : []),
  ];
  fleet.addSite('edge', site([standalone('edge', hosts)], pools) as never);
  const layout = 'layout' in options ? options.layout : { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 };
  const stack = layout ? new GpuOperatorStack(fleet.site('edge').cluster(), 'gpu', { partitioning: { mig: Partitioning.mig(layout) }, ...(options.strategy ? { migStrategy: options.strategy } : {}) }) : undefined;
  return { fleet, stack };
}

describe('the reference fleet: every pod asks for what its nodes advertise and what the solver reserved', () => {
  const fleet = buildReferenceFleet(new App());
  const tree = fleet.toTree();
  const model = fleet.resolve();

  it('asks for a GPU resource that the pool it is pinned to (or some pool of its vendor) advertises, never nvidia.com/gpu on a MIG pool', () => {
    let checked = 0;
    for (const c of fleet.clusters()) {
      const stack = c.node.children.find((x): x is GpuOperatorStack => x instanceof GpuOperatorStack);
      // What each GPU pool's nodes advertise: the stack's plan, or whole GPUs where no stack partitions them.
      const advertised = (pool: string): Record<string, number> => {
        if (stack?.plan.pools[pool]) return stack.plan.pools[pool]!.resources;
        const p = c.site.nodePools.find((x) => x.name === pool)!;
        return p.gpus ? { [gpuModel(p.gpus.model)!.vendor === 'amd' ? 'amd.com/gpu' : 'nvidia.com/gpu']: p.gpus.count } : {};
      };
      for (const { file, o } of objectsIn(tree, new RegExp(`^sites/${c.siteName}/${c.name}/`))) {
        for (const pod of podsOf(o, file)) {
          for (const ctr of pod.containers) {
            const asked = Object.keys(ctr.resources?.limits ?? {}).filter(gpuResource);
            for (const r of asked) {
              // An extended resource's request is its limit (Kubernetes defaults it so when left out).
              expect(ctr.resources!.requests?.[r] ?? ctr.resources!.limits![r]).toBe(ctr.resources!.limits![r]);
              const pinned = pod.nodeSelector['k0smos.io/node-pool'];
              const vendor = pod.nodeSelector['k0smos.io/gpu-vendor'];
              const candidates = pinned ? [pinned] : c.nodePools.filter((p) => { const g = c.site.nodePools.find((x) => x.name === p)!.gpus; return g && gpuModel(g.model)!.vendor === vendor; });
              expect({ pod: pod.where, resource: r, offeredBy: candidates.filter((p) => (advertised(p)[r] ?? 0) > 0).length > 0 }).toEqual({ pod: pod.where, resource: r, offeredBy: true });
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('placed pods request the CPU, memory and GPUs the solver reserved (pretrain: 32 CPUs, 256 GiB, 8 amd.com/gpu per replica)', () => {
    for (const [name, file] of [
      ['pretrain', pathIn(tree, 'sites/atlanta/atlanta', 'pytorchjob.kubeflow.org_training_pretrain.yaml')],
      ['chat', pathIn(tree, 'sites/quebec/quebec', 'inferenceservice.serving.kserve.io_inference_chat.yaml')],
    ] as const) {
      const w = model.workloads.find((x) => x.name === name)!;
      const pods = podsOf(parse(tree.get(file)!), file);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        const req = pod.containers[0]!.resources!.requests!;
        const gpu = Object.keys(req).filter(gpuResource);
        expect({ cpu: req.cpu, memory: req.memory, gpus: gpu.map((k) => req[k]) }).toEqual({ cpu: cpuQuantity(w.cpu), memory: memoryQuantity(w.memoryGiB), gpus: [String(w.gpu!.count)] });
      }
    }
    const pj = parse(fileIn(tree, 'sites/atlanta/atlanta', 'pytorchjob.kubeflow.org_training_pretrain.yaml'));
    expect(pj.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources).toEqual({ requests: { 'amd.com/gpu': '8', cpu: '32', memory: '256Gi' }, limits: { 'amd.com/gpu': '8', memory: '256Gi' } });
  });
});

describe('MIG pools: slices where the layout has them, never whole GPUs', () => {
  it('refuses a targeted whole-GPU job on a MIG-only cluster (strategy mixed), naming the pool, what it advertises and the fixes', () => {
    const { fleet } = a100Fleet();
    let err: unknown;
    new TrainingJob(fleet, 'train', { target: { site: 'edge' }, image: 'i', gpusPerReplica: 1 });
    try {
      fleet.resolve();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const issues = (err as ValidationError).issues;
    expect(issues.map((i) => i.path)).toEqual(['f/train: gpusPerReplica']);
    expect(issues[0]!.message).toBe(
      "no GPU pool of edge/edge advertises what the pods would ask for: pool 'mig' is MIG-partitioned (1g.10gb x2, 2g.20gb x1, 3g.40gb x1 per GPU): under MIG strategy mixed its nodes advertise nvidia.com/mig-1g.10gb, nvidia.com/mig-2g.20gb, nvidia.com/mig-3g.40gb only, no nvidia.com/gpu; ask for a MIG slice (placement.migProfile: one of 1g.10gb, 2g.20gb, 3g.40gb), or target a cluster with whole GPUs",
    );
    // Under strategy single the slices are nvidia.com/gpu: a whole-GPU request would get a slice, so it is refused too.
    const single = a100Fleet({ layout: { '1g.10gb': 7 }, strategy: 'single' }).fleet;
    expect(() => synthChecks(() => new TrainingJob(single, 'train', { target: { site: 'edge' }, image: 'i' }))).toThrow(/gpusPerReplica: no GPU pool of edge\/edge .*under MIG strategy single its nodes advertise slices as nvidia\.com\/gpu, so a whole-GPU request would get a slice/);
  });

  it('a targeted slice asks for nvidia.com/mig-<profile> (mixed) or nvidia.com/gpu (single), on the MIG pool', () => {
    const { fleet } = a100Fleet({ whole: true });
    const svc = new InferenceService(fleet, 'embed', { target: { site: 'edge' }, runtime: InferenceRuntime.deployment({ image: 'i' }), placement: { migProfile: '1g.10gb', cpu: 2, memoryGiB: 8 } });
    const spec = (svc.objects[0]!.spec as { template: { spec: { containers: { resources: unknown }[]; nodeSelector: unknown } } }).template.spec;
    expect(spec.containers[0]!.resources).toEqual({ requests: { cpu: '2', memory: '8Gi', 'nvidia.com/mig-1g.10gb': '1' }, limits: { memory: '8Gi', 'nvidia.com/mig-1g.10gb': '1' } });
    expect(spec.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia', 'k0smos.io/node-pool': 'mig' });
    // A whole-GPU job in the same cluster goes to the whole pool.
    const whole = new TrainingJob(fleet, 'whole', { target: { site: 'edge' }, image: 'i', gpusPerReplica: 2, operator: TrainingOperator.indexedJob() });
    const job = (whole.objects.find((o) => o.kind === 'Job')!.spec as { template: { spec: { containers: { resources: { limits: unknown } }[]; nodeSelector: unknown } } }).template.spec;
    expect(job.containers[0]!.resources.limits).toEqual({ 'nvidia.com/gpu': '2' });
    expect(job.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia', 'k0smos.io/node-pool': 'whole' });

    const single = a100Fleet({ layout: { '1g.10gb': 7 }, strategy: 'single' }).fleet;
    const s = new InferenceService(single, 'embed', { target: { site: 'edge' }, runtime: InferenceRuntime.deployment({ image: 'i' }), placement: { migProfile: '1g.10gb' } });
    expect((s.objects[0]!.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0]!.resources).toEqual({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
  });

  it('a placed slice lands on the MIG pool and asks for that slice; a whole-GPU service is kept on the whole pool', () => {
    const { fleet } = a100Fleet({ whole: true });
    new InferenceService(fleet, 'embed', { runtime: InferenceRuntime.deployment({ image: 'i' }), replicas: 3, placement: { migProfile: '1g.10gb', cpu: 2, memoryGiB: 8 } });
    new InferenceService(fleet, 'chat', { runtime: InferenceRuntime.deployment({ image: 'i' }), replicas: 2, placement: { gpuVendor: 'nvidia', cpu: 4, memoryGiB: 32 } });
    const tree = fleet.toTree();
    const embed = parse(fileIn(tree, 'sites/edge/edge', 'deployment_inference_embed.yaml')).spec.template.spec;
    expect(embed.containers[0].resources).toEqual({ requests: { cpu: '2', memory: '8Gi', 'nvidia.com/mig-1g.10gb': '1' }, limits: { memory: '8Gi', 'nvidia.com/mig-1g.10gb': '1' } });
    expect(embed.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia', 'k0smos.io/node-pool': 'mig' });
    const chat = parse(fileIn(tree, 'sites/edge/edge', 'deployment_inference_chat.yaml')).spec.template.spec;
    expect(chat.containers[0].resources.limits).toEqual({ memory: '32Gi', 'nvidia.com/gpu': '1' });
    expect(chat.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia', 'k0smos.io/node-pool': 'whole' });
  });

  it('refuses a placed slice on GPUs no stack partitions (nothing would advertise it), and a slice of several GPUs or of AMD', () => {
    const { fleet } = a100Fleet({ layout: undefined });
    new InferenceService(fleet, 'embed', { runtime: InferenceRuntime.deployment({ image: 'i' }), placement: { migProfile: '1g.10gb' } });
    expect(() => fleet.toTree()).toThrow(/f\/embed: the solver put replicas on edge\/edge, but pool 'mig' \(A100-80GB\) is not MIG-partitioned \(whole GPUs\), so no node advertises nvidia\.com\/mig-1g\.10gb; give the cluster a GpuOperatorStack with partitioning: \{ 'mig': Partitioning\.mig/);
    const other = a100Fleet().fleet;
    expect(() => synthChecks(() => new InferenceService(other, 'two', { runtime: InferenceRuntime.deployment({ image: 'i' }), gpusPerReplica: 2, placement: { migProfile: '1g.10gb' } }))).toThrow(/gpusPerReplica: a replica with migProfile '1g\.10gb' takes one slice/);
    expect(() => synthChecks(() => new InferenceService(other, 'amd', { runtime: InferenceRuntime.deployment({ image: 'i' }), placement: { migProfile: '1g.10gb', gpuVendor: 'amd' } }))).toThrow(/placement\.migProfile: MIG slices are NVIDIA's/);
    // A slice the layout lacks, with a target.
    expect(() => synthChecks(() => new InferenceService(other, 'big', { target: { site: 'edge' }, runtime: InferenceRuntime.deployment({ image: 'i' }), placement: { migProfile: '4g.40gb' } }))).toThrow(/placement\.migProfile: .*pool 'mig' is MIG-partitioned \(1g\.10gb x2, 2g\.20gb x1, 3g\.40gb x1 per GPU\) and has no 4g\.40gb slices; use a profile the layout has \(1g\.10gb, 2g\.20gb, 3g\.40gb\)/);
  });
});

describe('AMD partitions and CPU/memory with a target', () => {
  function atlanta(stack: boolean) {
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'atlanta', credentials: [{ name: 'atlanta-ssh', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'k', namespace: 'kcm-system' } }] });
    fleet.addSite('atlanta', atlantaSite());
    if (stack) new GpuOperatorStack(fleet.site('atlanta').cluster(), 'gpu', ATLANTA_STACK);
    return fleet;
  }

  it('counts CPX partitions as amd.com/gpu: a node of 8 MI300X in CPX offers 64, so 16 per pod fit and 65 do not', () => {
    const job = new TrainingJob(atlanta(true), 'train', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 16, placement: { cpu: 32, memoryGiB: 256 } });
    const pj = job.objects[0]!.spec as { pytorchReplicaSpecs: { Master: { template: { spec: { containers: { resources: unknown }[] } } } } };
    expect(pj.pytorchReplicaSpecs.Master.template.spec.containers[0]!.resources).toEqual({ requests: { 'amd.com/gpu': '16', cpu: '32', memory: '256Gi' }, limits: { 'amd.com/gpu': '16', memory: '256Gi' } });
    expect(() => synthChecks(() => new TrainingJob(atlanta(true), 'train', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 65 }))).toThrow(/gpusPerReplica: 65 GPUs per pod but atlanta's nodes have 64 MI300X \(amd\.com\/gpu\)/);
    // Without the stack the GPUs stay whole: 8 per node.
    expect(() => synthChecks(() => new TrainingJob(atlanta(false), 'train', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 16 }))).toThrow(/16 GPUs per pod but atlanta's nodes have 8 MI300X/);
  });

  it('with a target, asks for the CPU and memory given and none otherwise', () => {
    const fleet = atlanta(false);
    const given = new InferenceService(fleet, 'a', { target: { site: 'atlanta' }, runtime: InferenceRuntime.deployment({ image: 'i' }), gpusPerReplica: 0, placement: { cpu: 0.5, memoryGiB: 1.5 } });
    const none = new InferenceService(fleet, 'b', { target: { site: 'atlanta' }, runtime: InferenceRuntime.deployment({ image: 'i' }), gpusPerReplica: 0 });
    const res = (s: InferenceService) => (s.objects[0]!.spec as { template: { spec: { containers: { resources?: unknown }[] } } }).template.spec.containers[0]!.resources;
    expect(res(given)).toEqual({ requests: { cpu: '500m', memory: '1536Mi' }, limits: { memory: '1536Mi' } });
    expect(res(none)).toBeUndefined();
  });
});

describe('PyTorch pods: /dev/shm and the pytorchjob-port', () => {
  const fleetWithAtlanta = () => {
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'atlanta', credentials: [{ name: 'atlanta-ssh', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'k', namespace: 'kcm-system' } }] });
    fleet.addSite('atlanta', atlantaSite());
    return fleet;
  };
  type Spec = { containers: { name: string; ports: unknown; volumeMounts?: unknown }[]; volumes?: unknown };
  const specs = (job: TrainingJob): Record<string, Spec> => {
    const o = job.objects.find((x) => x.kind === 'PyTorchJob' || x.kind === 'Job')!;
    const s = o.spec as { pytorchReplicaSpecs?: Record<string, { template: { spec: Spec } }>; template?: { spec: Spec } };
    return s.pytorchReplicaSpecs ? Object.fromEntries(Object.entries(s.pytorchReplicaSpecs).map(([k, v]) => [k, v.template.spec])) : { Job: s.template!.spec };
  };

  it('mounts a memory-backed /dev/shm of half the pod memory in every multi-GPU pod, and none in single-GPU pods', () => {
    const fleet = fleetWithAtlanta();
    const big = new TrainingJob(fleet, 'big', { target: { site: 'atlanta' }, image: 'i', replicas: 3, gpusPerReplica: 8, placement: { memoryGiB: 256 } });
    for (const [role, spec] of Object.entries(specs(big))) {
      expect({ role, volumes: spec.volumes, mounts: spec.containers[0]!.volumeMounts }).toEqual({
        role,
        volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '128Gi' } }],
        mounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
      });
    }
    // No memory given: 1 GiB per GPU. An explicit size wins; 0 drops it; the indexed Job gets it too.
    expect(specs(new TrainingJob(fleet, 'nomem', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 4 })).Master!.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '4Gi' } }]);
    expect(specs(new TrainingJob(fleet, 'sized', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 4, shmSizeGiB: 16 })).Master!.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } }]);
    expect(specs(new TrainingJob(fleet, 'off', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 4, shmSizeGiB: 0 })).Master!.volumes).toBeUndefined();
    expect(specs(new TrainingJob(fleet, 'idx', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 2, operator: TrainingOperator.indexedJob() })).Job!.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } }]);
    const one = specs(new TrainingJob(fleet, 'one', { target: { site: 'atlanta' }, image: 'i', replicas: 2, gpusPerReplica: 1 }));
    expect([one.Master!.volumes, one.Master!.containers[0]!.volumeMounts]).toEqual([undefined, undefined]);
    expect(() => synthChecks(() => new TrainingJob(fleet, 'bad', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 2, shmSizeGiB: -1 }))).toThrow(/f\/bad: shmSizeGiB: must be a number of GiB, 0 or more; got -1/);
  });

  it('a placed multi-GPU job sizes /dev/shm from the memory the solver reserved', () => {
    const tree = buildReferenceFleet(new App()).toTree();
    const pj = parse(fileIn(tree, 'sites/atlanta/atlanta', 'pytorchjob.kubeflow.org_training_pretrain.yaml'));
    for (const role of ['Master', 'Worker']) {
      expect(pj.spec.pytorchReplicaSpecs[role].template.spec.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '128Gi' } }]);
      expect(pj.spec.pytorchReplicaSpecs[role].template.spec.containers[0].volumeMounts).toEqual([{ name: 'dshm', mountPath: '/dev/shm' }]);
    }
  });

  it('names the rendezvous port pytorchjob-port on the Master and every Worker (the operator reads MASTER_PORT from it), in a container named pytorch', () => {
    const job = new TrainingJob(fleetWithAtlanta(), 'train', { target: { site: 'atlanta' }, image: 'i', replicas: 3, port: 23500 });
    const s = specs(job);
    expect(Object.keys(s).sort()).toEqual(['Master', 'Worker']);
    for (const spec of Object.values(s)) expect(spec.containers.map((c) => [c.name, c.ports])).toEqual([['pytorch', [{ name: 'pytorchjob-port', containerPort: 23500 }]]]);
    // The indexed Job has no operator: its port keeps its own name, and MASTER_PORT is set explicitly.
    const idx = specs(new TrainingJob(fleetWithAtlanta(), 'idx', { target: { site: 'atlanta' }, image: 'i', operator: TrainingOperator.indexedJob() }));
    expect(idx.Job!.containers[0]!.ports).toEqual([{ name: 'rendezvous', containerPort: 29500 }]);
  });
});

describe('KServe without Knative', () => {
  it('sets deploymentMode Standard unless Knative is asked for, which the cluster must then serve; replicas exactly as reserved', () => {
    const fleet = buildReferenceFleet(new App());
    const tree = fleet.toTree();
    const isvc = parse(fileIn(tree, 'sites/quebec/quebec', 'inferenceservice.serving.kserve.io_inference_chat.yaml'));
    expect(isvc.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Standard' });
    expect([isvc.spec.predictor.minReplicas, isvc.spec.predictor.maxReplicas]).toEqual([2, 2]);
    expect(isvc.spec.predictor.model.resources).toEqual({ requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '64Gi', 'nvidia.com/gpu': '1' } });
    const quebec = fleet.site('quebec').cluster() as K0sCluster;
    expect(quebec.requirements.filter((r) => r.capability === 'api:serving.knative.dev')).toEqual([]);

    const kn = new InferenceService(fleet, 'kn', { target: { site: 'quebec' }, runtime: InferenceRuntime.kserve({ modelFormat: 'sklearn', storageUri: 's3://m', deploymentMode: 'Knative' }), gpusPerReplica: 0 });
    expect(kn.objects[0]!.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Knative' });
    expect(quebec.requirements.filter((r) => r.capability === 'api:serving.knative.dev')).toEqual([
      { capability: 'api:serving.knative.dev', by: 'geo/kn', why: "InferenceService 'kn' runs in KServe's Knative deployment mode (a Knative Service per predictor)" },
    ]);
  });
});

describe('schemas', () => {
  itWithSchemas('multi-GPU jobs with /dev/shm, MIG requests and annotated InferenceServices validate against the upstream schemas', () => {
    const { fleet } = a100Fleet({ whole: true });
    new TrainingJob(fleet, 'pt', { target: { site: 'edge' }, image: 'i', replicas: 2, gpusPerReplica: 4, placement: { cpu: 8, memoryGiB: 64 } });
    new TrainingJob(fleet, 'idx', { target: { site: 'edge' }, image: 'i', replicas: 2, gpusPerReplica: 2, operator: TrainingOperator.indexedJob() });
    new InferenceService(fleet, 'ks', { target: { site: 'edge' }, runtime: InferenceRuntime.kserve({ modelFormat: 'pytorch', storageUri: 's3://m/x' }), placement: { migProfile: '1g.10gb', cpu: 1.5, memoryGiB: 4 } });
    const tree = fleet.toTree();
    const files = [...tree.keys()].filter((f) => /(pt|idx|ks)\.yaml$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(validateDocument(schemaRegistry()!, parse(tree.get(f)!), f, 0)).toEqual([]);
  });
});
