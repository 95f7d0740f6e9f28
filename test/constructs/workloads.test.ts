import { App } from 'cdk8s';
import { parse } from 'yaml';
import { buildReferenceBase } from '../../apps/reference-fleet';
import { InferenceRuntime, InferenceService } from '../../constructs/inference-service';
import { TrainingJob, TrainingOperator } from '../../constructs/training-job';
import { Fleet, GpuOperatorStack, Partitioning, TenantIsolation } from '../../constructs';
import { Peer, Port } from '../../constructs/connections';
import { ValidationError } from '../../lib/model/errors';
import { validateDocument } from '../../lib/validate/validate';
import { itWithSchemas, schemaRegistry, synthChecks } from '../helpers';

describe('TrainingJob and InferenceService', () => {
  it('renders a PyTorchJob with Master and Workers and vendor GPU limits into the target cluster', () => {
    const fleet = buildReferenceBase(new App());
    const job = new TrainingJob(fleet, 'pretrain', { target: { site: 'atlanta' }, image: 'ghcr.io/example/train:rocm', replicas: 2, gpusPerReplica: 8, jurisdictions: ['US'] });
    const tree = fleet.toTree();
    const pj = parse(tree.get('sites/atlanta/atlanta/apps/pytorchjob.kubeflow.org_training_pretrain.yaml')!);
    expect(pj.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(pj.spec.pytorchReplicaSpecs.Worker.replicas).toBe(1);
    // GPUs requested and limited alike (no CPU or memory given with a target: none asked for).
    expect(pj.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources).toEqual({ requests: { 'amd.com/gpu': '8' }, limits: { 'amd.com/gpu': '8' } });
    // AMD nodes only, tolerating the AMD GPU taint and no other.
    expect(pj.spec.pytorchReplicaSpecs.Worker.template.spec.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'amd' });
    expect(pj.spec.pytorchReplicaSpecs.Worker.template.spec.tolerations).toEqual([{ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(job.placementNeeds).toEqual({ workload: 'geo/pretrain', role: 'training', replicas: 2, gpu: { vendor: 'amd', model: 'MI300X', count: 8 }, jurisdictions: ['US'], target: { site: 'atlanta', cluster: 'atlanta' } });
  });

  it('renders an indexed Job with a headless Service where no training operator is installed', () => {
    const fleet = buildReferenceBase(new App());
    new TrainingJob(fleet, 'ft', { target: { site: 'quebec' }, image: 'ghcr.io/example/train:cuda', replicas: 3, operator: TrainingOperator.indexedJob() });
    const tree = fleet.toTree();
    const job = parse(tree.get('sites/quebec/quebec/apps/job_training_ft.yaml')!);
    expect([job.spec.completionMode, job.spec.completions, job.spec.template.spec.subdomain]).toEqual(['Indexed', 3, 'ft']);
    expect(job.spec.template.spec.containers[0].resources.limits).toEqual({ 'nvidia.com/gpu': '1' });
    expect(parse(tree.get('sites/quebec/quebec/apps/service_training_ft.yaml')!).spec.clusterIP).toBe('None');
  });

  it('renders KServe or Deployment + Service inference, and refuses a target outside the jurisdictions or latency bound', () => {
    const fleet = buildReferenceBase(new App());
    const svc = new InferenceService(fleet, 'chat', { target: { site: 'quebec' }, runtime: InferenceRuntime.kserve({ modelFormat: 'huggingface', storageUri: 'hf://example/model' }), maxLatencyMs: { toSite: 'atlanta', ms: 50 } });
    new InferenceService(fleet, 'chat-plain', { target: { site: 'atlanta' }, runtime: InferenceRuntime.deployment({ image: 'ghcr.io/example/serve:rocm' }) });
    const tree = fleet.toTree();
    const isvc = parse(tree.get('sites/quebec/quebec/apps/inferenceservice.serving.kserve.io_inference_chat.yaml')!);
    expect(isvc.spec.predictor.model.resources).toEqual({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(tree.has('sites/atlanta/atlanta/apps/service_inference_chat-plain.yaml')).toBe(true);
    expect(svc.placementNeeds.maxLatencyMs).toEqual({ toSite: 'atlanta', ms: 50 });
    expect(() => synthChecks(() => new InferenceService(fleet, 'eu-only', { target: { site: 'quebec' }, jurisdictions: ['EU'], maxLatencyMs: { toSite: 'frankfurt', ms: 50 }, runtime: InferenceRuntime.deployment({ image: 'x' }) }))).toThrow(ValidationError);
    try {
      new InferenceService(fleet, 'eu-only2', { target: { site: 'quebec' }, jurisdictions: ['EU'], maxLatencyMs: { toSite: 'frankfurt', ms: 50 }, runtime: InferenceRuntime.deployment({ image: 'x' }) });
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['geo/eu-only2: target.site', 'geo/eu-only2: maxLatencyMs']);
    }
  });

  itWithSchemas('validates every emitted object against the Kubeflow, KServe and Kubernetes schemas', () => {
    const fleet = buildReferenceBase(new App());
    new TrainingJob(fleet, 'pretrain', { target: { site: 'atlanta' }, image: 'i', replicas: 2 });
    new TrainingJob(fleet, 'ft', { target: { site: 'quebec' }, image: 'i', replicas: 2, operator: TrainingOperator.indexedJob() });
    new InferenceService(fleet, 'chat', { target: { site: 'quebec' }, runtime: InferenceRuntime.kserve({ modelFormat: 'pytorch', storageUri: 's3://m/x' }) });
    new InferenceService(fleet, 'plain', { target: { site: 'atlanta' }, runtime: InferenceRuntime.deployment({ image: 'i' }) });
    let n = 0;
    for (const [file, text] of fleet.toTree()) {
      if (!file.endsWith('.yaml') || file.endsWith('kustomization.yaml')) continue;
      expect(validateDocument(schemaRegistry()!, parse(text), file, 0)).toEqual([]);
      n++;
    }
    expect(n).toBeGreaterThan(10);
  });
});

describe('the flows workloads declare themselves', () => {
  const summary = (fleet: Fleet, by: string) =>
    fleet.flows
      .filter((f) => f.declaredBy === by)
      .map((f) => {
        const end = (e: (typeof f)['from']) => (e.kind === 'pods' ? `${'placedWith' in e.at ? `placed:${e.at.placedWith}` : e.at.cluster}/${e.namespace}${JSON.stringify(e.podLabels)}` : e.kind === 'world' ? `world${JSON.stringify(e.cidrs)}` : `${e.kind}:${'placedWith' in e.at ? e.at.placedWith : e.at.cluster}`);
        return `${f.name}: ${end(f.from)} -> ${end(f.to)} ${f.ports.map((p) => `${p.protocol}/${p.port}`).join(',') || 'all'}`;
      });

  it('a training job: its gang on every port (rendezvous, pytorchjob-port, collectives) and DNS, in its cluster', () => {
    const fleet = buildReferenceBase(new App());
    const job = new TrainingJob(fleet, 'pretrain', { target: { site: 'atlanta' }, image: 'x', replicas: 2, gpusPerReplica: 8 });
    job.connections.allowTo(Peer.world(['198.51.100.0/24']), Port.tcp(443), { name: 'pretrain-datasets' });
    expect(summary(fleet, 'geo/pretrain')).toEqual([
      'pretrain-datasets: atlanta/training{"k0smos.io/workload":"pretrain"} -> world["198.51.100.0/24"] TCP/443',
      'pretrain-dns: atlanta/training{"k0smos.io/workload":"pretrain"} -> dns:atlanta TCP/53,UDP/53',
      'pretrain-gang: atlanta/training{"k0smos.io/workload":"pretrain"} -> atlanta/training{"k0smos.io/workload":"pretrain"} all',
    ]);
  });

  it('an inference service: DNS, the model download for a remote storageUri, and its clients (its own namespace by default) on the predictor port', () => {
    const fleet = buildReferenceBase(new App());
    const q = fleet.site('quebec').cluster();
    new InferenceService(fleet, 'chat', { target: { site: 'quebec' }, runtime: InferenceRuntime.kserve({ modelFormat: 'huggingface', storageUri: 'hf://example/model' }) });
    expect(summary(fleet, 'geo/chat')).toEqual([
      'chat-dns: quebec/inference{"serving.kserve.io/inferenceservice":"chat"} -> dns:quebec TCP/53,UDP/53',
      'chat-from-own-namespace: quebec/inference{} -> quebec/inference{"serving.kserve.io/inferenceservice":"chat"} TCP/8080',
      'chat-model-download: quebec/inference{"serving.kserve.io/inferenceservice":"chat"} -> world[] TCP/443',
    ]);
    new InferenceService(fleet, 'local', {
      target: { site: 'quebec' },
      runtime: InferenceRuntime.deployment({ image: 'x', port: 9000 }),
      clients: [Peer.pods(q, 'web', { app: 'ui' }), Peer.sameNamespace()],
    });
    expect(summary(fleet, 'geo/local')).toEqual([
      'local-dns: quebec/inference{"k0smos.io/workload":"local"} -> dns:quebec TCP/53,UDP/53',
      'local-from-own-namespace: quebec/inference{} -> quebec/inference{"k0smos.io/workload":"local"} TCP/9000',
      'local-from-quebec-web: quebec/web{"app":"ui"} -> quebec/inference{"k0smos.io/workload":"local"} TCP/9000',
    ]);
    new InferenceService(fleet, 'pvc', { target: { site: 'quebec' }, runtime: InferenceRuntime.kserve({ modelFormat: 'x', storageUri: 'pvc://models/x' }), clients: [] });
    new InferenceService(fleet, 'mirror', { target: { site: 'quebec' }, runtime: InferenceRuntime.kserve({ modelFormat: 'x', storageUri: 's3://m/x' }), clients: [], modelDownload: { from: Peer.world(['10.9.0.0/16']), ports: [Port.tcp(9000)] } });
    expect(summary(fleet, 'geo/pvc')).toEqual(['pvc-dns: quebec/inference{"serving.kserve.io/inferenceservice":"pvc"} -> dns:quebec TCP/53,UDP/53']);
    expect(summary(fleet, 'geo/mirror')).toContain('mirror-model-download: quebec/inference{"serving.kserve.io/inferenceservice":"mirror"} -> world["10.9.0.0/16"] TCP/9000');
  });

  it('placed workloads name the workload the solver places, and GPU tenants their namespace in their cluster', () => {
    const fleet = buildReferenceBase(new App());
    new TrainingJob(fleet, 'tj', { image: 'x', placement: { cpu: 1, memoryGiB: 1 } });
    new GpuOperatorStack(fleet.site('quebec').cluster(), 'gpu', { tenants: { 'team-a': { isolation: TenantIsolation.namespace({ gpus: 2 }) } } });
    expect(summary(fleet, 'geo/tj')).toEqual([
      'tj-dns: placed:tj/training{"k0smos.io/workload":"tj"} -> dns:tj TCP/53,UDP/53',
      'tj-gang: placed:tj/training{"k0smos.io/workload":"tj"} -> placed:tj/training{"k0smos.io/workload":"tj"} all',
    ]);
    expect(summary(fleet, 'geo/quebec/quebec/gpu/tenant-team-a')).toEqual([
      'quebec-team-a-dns: quebec/team-a{} -> dns:quebec TCP/53,UDP/53',
      'quebec-team-a-internal: quebec/team-a{} -> quebec/team-a{} all',
    ]);
  });
});

describe('TrainingJob and InferenceService placed by the solver (no target)', () => {
  function placedFleet() {
    const fleet = buildReferenceBase(new App());
    // Priority 20 outranks the fleet's own MI300X batch work (priority 3).
    const train = new TrainingJob(fleet, 'rocm-train', { image: 'ghcr.io/example/train:rocm', replicas: 2, gpusPerReplica: 8, jurisdictions: ['US', 'CA'], placement: { gpuVendor: 'amd', cpu: 16, memoryGiB: 128, priority: 20 } });
    const chat = new InferenceService(fleet, 'chat-ca', {
      runtime: InferenceRuntime.deployment({ image: 'ghcr.io/example/serve:cuda' }),
      replicas: 2,
      jurisdictions: ['CA'],
      maxLatencyMs: { toSite: 'quebec', ms: 20 },
      placement: { gpuVendor: 'nvidia', priority: 20 },
    });
    new TrainingJob(fleet, 'h100-train', { image: 'i', replicas: 1, placement: { gpuModel: 'H100' } });
    return { fleet, train, chat };
  }

  it('renders each into the cluster the solver chose, with the vendor request, and reports it in PLACEMENT.md', () => {
    const { fleet, train } = placedFleet();
    expect(train.placementNeeds.target).toBeUndefined();
    const tree = fleet.toTree();
    const pj = parse(tree.get('sites/atlanta/atlanta/apps/pytorchjob.kubeflow.org_training_rocm-train.yaml')!);
    expect(pj.spec.pytorchReplicaSpecs.Worker.replicas).toBe(1);
    // What the solver reserved: 16 CPUs, 128 GiB and 8 GPUs per replica.
    expect(pj.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].resources).toEqual({ requests: { 'amd.com/gpu': '8', cpu: '16', memory: '128Gi' }, limits: { 'amd.com/gpu': '8', memory: '128Gi' } });
    // Onto the pool the solver counted on.
    expect(pj.spec.pytorchReplicaSpecs.Master.template.spec.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'amd', 'k0smos.io/node-pool': 'mi300x' });
    expect(tree.has('sites/atlanta/atlanta/infra/namespace_training.yaml')).toBe(true);
    const dep = parse(tree.get('sites/quebec/quebec/apps/deployment_inference_chat-ca.yaml')!);
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const report = tree.get('PLACEMENT.md')!;
    expect(report).toMatch(/\| rocm-train \| 20 \| 2\/2 \| atlanta\/atlanta\/mi300x x2 \|/);
    expect(report).toMatch(/\| chat-ca \| 20 \| 2\/2 \| quebec\/quebec\/a100 x2 \|/);
  });

  it('leaves out a job the fleet cannot hold, and says why in PLACEMENT.md', () => {
    const tree = placedFleet().fleet.toTree();
    expect([...tree.keys()].filter((k) => k.includes('h100-train'))).toEqual([]);
    expect(tree.get('PLACEMENT.md')).toMatch(/## h100-train[\s\S]*no H100/);
  });

  it('asks which vendor an image is built for when a job without target takes GPUs', () => {
    const fleet = buildReferenceBase(new App());
    expect(() => synthChecks(() => new TrainingJob(fleet, 'x', { image: 'i', gpusPerReplica: 2 }))).toThrow(/placement\.gpuVendor: a workload without a target that takes GPUs must say which vendor its image is built for/);
    expect(() => synthChecks(() => new InferenceService(fleet, 'y', { runtime: InferenceRuntime.deployment({ image: 'i' }), placement: { gpuModel: 'MI300X', gpuVendor: 'nvidia' } }))).toThrow(/MI300X is amd, not nvidia/);
  });

  itWithSchemas('placed objects validate against the schemas', () => {
    const tree = placedFleet().fleet.toTree();
    const files = [...tree.keys()].filter((f) => /rocm-train|chat-ca/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(validateDocument(schemaRegistry()!, parse(tree.get(f)!), f, 0)).toEqual([]);
  });
});

describe('placed workloads: what the solver chose is what the pods ask for', () => {
  const site = (clusters: unknown[], nodePools: unknown[]) => ({
    region: 'r',
    jurisdiction: 'CA',
    location: { lat: 45, lon: -73 },
    infrastructure: 'bare-metal' as const,
    nodePools,
    clusters,
  });
  const hosts = (pool: string, ip: string) => ({ name: pool === 'g1' ? 'c1' : 'c2', nodePools: [pool], controlPlane: { mode: 'standalone', keyPath: '~/.ssh/k', hosts: [{ role: 'single', address: ip, nodePool: pool }] } });

  it('keeps a gang in one cluster: two clusters of one 8-GPU node each cannot hold 2 x 8 GPUs, so nothing is written and PLACEMENT.md says why', () => {
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'dc' });
    const pools = [
      { name: 'g1', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'H100', count: 8 } },
      { name: 'g2', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'H100', count: 8 } },
    ];
    fleet.addSite('dc', site([hosts('g1', '10.0.0.1'), hosts('g2', '10.0.0.2')], pools) as never);
    new TrainingJob(fleet, 'train', { image: 'i', replicas: 2, gpusPerReplica: 8, placement: { gpuVendor: 'nvidia' } });
    const tree = fleet.toTree();
    expect([...tree.keys()].filter((k) => k.includes('pytorchjob'))).toEqual([]);
    expect(tree.get('PLACEMENT.md')).toMatch(/\| train \| 1 \| 0\/2 \| - \|/);
    expect(tree.get('PLACEMENT.md')).toMatch(/the gang needs all 2 at once/);
  });

  it('asks time-sliced GPUs for nvidia.com/gpu.shared, one slice, on the chosen pool', () => {
    const fleet = new Fleet(new App(), 'f', { name: 'f', managementSite: 'edge' });
    fleet.addSite('edge', site([{ name: 'edge', controlPlane: { mode: 'standalone', keyPath: '~/.ssh/k', hosts: [{ role: 'single', address: '10.0.0.9', nodePool: 'l4' }] } }], [{ name: 'l4', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } }]) as never);
    new GpuOperatorStack(fleet.site('edge').cluster(), 'gpu', { partitioning: { l4: Partitioning.timeSlicing(4) } });
    new InferenceService(fleet, 'small', { runtime: InferenceRuntime.deployment({ image: 'i' }), replicas: 4, placement: { gpuVendor: 'nvidia' } });
    new InferenceService(fleet, 'big', { runtime: InferenceRuntime.deployment({ image: 'i' }), replicas: 1, placement: { gpuVendor: 'nvidia', gpuMemoryGiB: 20 } });
    const tree = fleet.toTree();
    const dep = parse(tree.get('sites/edge/edge/apps/deployment_inference_small.yaml')!);
    expect(dep.spec.replicas).toBe(4);
    // One slice, and the solver's default CPU and memory (1 core, 1 GiB), which it counted.
    expect(dep.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu.shared': '1' }, limits: { memory: '1Gi', 'nvidia.com/gpu.shared': '1' } });
    expect(dep.spec.template.spec.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia', 'k0smos.io/node-pool': 'l4' });
    expect(tree.has('sites/edge/edge/apps/deployment_inference_big.yaml')).toBe(false);
    expect(tree.get('PLACEMENT.md')).toMatch(/time-sliced \(x4\): slices share the GPU's memory without isolation/);
  });

  it('a target on a time-sliced cluster asks for slices too; a placement over sliced and whole pools of one cluster is refused', () => {
    const pools = [
      { name: 'ts', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } },
      { name: 'whole', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } },
    ];
    const hostsOf = [{ role: 'single', address: '10.0.0.9', nodePool: 'ts' }];
    const sliced = new Fleet(new App(), 'f', { name: 'f', managementSite: 'edge' });
    sliced.addSite('edge', site([{ name: 'edge', controlPlane: { mode: 'standalone', keyPath: '~/.ssh/k', hosts: hostsOf } }], [pools[0]]) as never);
    new GpuOperatorStack(sliced.site('edge').cluster(), 'gpu', { partitioning: { ts: Partitioning.timeSlicing(4) } });
    const fixed = new InferenceService(sliced, 'fixed', { target: { site: 'edge' }, runtime: InferenceRuntime.deployment({ image: 'i' }) });
    expect((fixed.objects[0]!.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0]!.resources).toEqual({ requests: { 'nvidia.com/gpu.shared': '1' }, limits: { 'nvidia.com/gpu.shared': '1' } });

    const mixed = new Fleet(new App(), 'f', { name: 'f', managementSite: 'edge' });
    const both = [
      { role: 'controller+worker', address: '10.0.0.1', nodePool: 'ts' },
      { role: 'worker', address: '10.0.0.2', nodePool: 'whole' },
    ];
    mixed.addSite('edge', site([{ name: 'edge', controlPlane: { mode: 'standalone', keyPath: '~/.ssh/k', hosts: both } }], pools) as never);
    new GpuOperatorStack(mixed.site('edge').cluster(), 'gpu', { partitioning: { ts: Partitioning.timeSlicing(4) } });
    new InferenceService(mixed, 'five', { runtime: InferenceRuntime.deployment({ image: 'i' }), replicas: 5, placement: { gpuVendor: 'nvidia' } });
    expect(() => mixed.toTree()).toThrow(/f\/five: the solver put replicas on time-sliced pools \(ts\) and whole-GPU pools \(whole\) of edge\/edge/);
  });
});
