/**
 * The reference fleet: the geo-distributed study that motivates the project.
 * Management plane in Frankfurt (k0s bootstrapped with k0sctl); NVIDIA A100 nodes in Quebec, run by a
 * k0smotron-hosted control plane in Frankfurt with workers joined over SSH; AMD MI300X nodes in
 * Atlanta, a k0rdent ClusterDeployment from the remote-cluster template.
 */
import * as path from 'node:path';
import type { Construct } from 'constructs';
import {
  CiliumMesh,
  Delivery,
  FederatedLearningJob,
  Fleet,
  GitOps,
  GpuOperatorStack,
  InferenceRuntime,
  InferenceService,
  Partitioning,
  Rollout,
  TenantIsolation,
  TrainingJob,
  type K0sCluster,
} from '../constructs';
import { readSignalsFile } from '../lib/energy/read';
import type { FleetSpec } from '../lib/model/fleet';
import type { WorkloadSpec } from '../lib/model/workload';

/**
 * Workloads placed on the reference fleet at synth (see dist/PLACEMENT.md): a gang-scheduled training
 * job, a latency-bound inference service, MIG-sliced embeddings, federated-learning clients pinned to
 * their data, and two that cannot be placed in full, to show the explanations (marked `optional`, so that
 * `plan` and `synth` of this fleet exit 0: see the exit codes in bin/cli.ts).
 */
export const referenceWorkloads: WorkloadSpec[] = [
  { name: 'llm-pretrain', replicas: 2, gpu: { model: 'A100-80GB', count: 4 }, cpu: 16, memoryGiB: 128, allowedJurisdictions: ['CA', 'US'], gang: true, priority: 10 },
  { name: 'chat-inference', replicas: 4, gpu: { count: 1, memoryGiB: 80 }, cpu: 8, memoryGiB: 64, latency: { maxRttMs: 25, to: { lat: 40.71, lon: -74.01 } }, spread: { maxPerSite: 3 }, priority: 8, optional: true },
  { name: 'embeddings', replicas: 6, gpu: { migProfile: '1g.10gb' }, cpu: 2, memoryGiB: 8, latency: { maxRttMs: 40, to: 'quebec' }, priority: 4 },
  { name: 'fl-client-quebec', replicas: 1, cpu: 4, memoryGiB: 16, pinnedSite: 'quebec', priority: 6 },
  { name: 'fl-client-frankfurt', replicas: 1, cpu: 4, memoryGiB: 16, pinnedSite: 'frankfurt', priority: 6 },
  { name: 'mi300x-batch', replicas: 3, gpu: { model: 'MI300X', count: 8 }, cpu: 32, memoryGiB: 512, priority: 3 },
  { name: 'eu-finetune', replicas: 1, gpu: { count: 2, memoryGiB: 40 }, cpu: 8, memoryGiB: 64, allowedJurisdictions: ['EU'], priority: 5, optional: true },
];

/** The reference fleet as plain data; `apps/fleet.yaml` holds the same fleet in YAML. */
export const referenceFleetSpec: FleetSpec = {
  name: 'geo',
  management: {
    site: 'frankfurt',
    credentials: [
      {
        name: 'atlanta-ssh',
        description: 'SSH key for the Atlanta machines (Secret atlanta-ssh-key, key value, created out of band)',
        identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'atlanta-ssh-key', namespace: 'kcm-system' },
      },
    ],
  },
  sites: [
    {
      name: 'frankfurt',
      region: 'eu-central',
      jurisdiction: 'DE',
      location: { lat: 50.11, lon: 8.68 },
      infrastructure: 'openstack',
      nodePools: [{ name: 'mgmt', count: 3, cpu: 16, memoryGiB: 64 }],
      clusters: [
        {
          name: 'frankfurt',
          controlPlane: {
            mode: 'standalone',
            keyPath: '~/.ssh/k0smos-frankfurt',
            // A load balancer in front of the three controllers: the API address nodes and Cilium use.
            externalAddress: '192.168.10.10',
            hosts: [
              { role: 'controller+worker', address: '192.168.10.11' },
              { role: 'controller+worker', address: '192.168.10.12' },
              { role: 'controller+worker', address: '192.168.10.13' },
            ],
          },
          // MetalLB gives LoadBalancer Services (the clustermesh-apiserver, Atlanta's hosted control
          // plane) addresses on the node network, outside the nodes and the VIP; on OpenStack the ports
          // of the nodes need this range in their allowed address pairs.
          loadBalancer: { provider: 'metallb', addresses: ['192.168.10.240-192.168.10.250'] },
          // Made once by the operator (README: Cilium mesh): the mesh CA for Quebec's control plane and
          // for Atlanta's Cilium, in the management namespace.
          // Flux on the management cluster with its kustomize-controller (kcm installs Flux without it:
          // the kcm chart value flux2.kustomizeController.create: true), which applies the GitOps wiring.
          present: { secrets: ['kcm-system/cilium-ca-manifest', 'kcm-system/cilium-ca-values'], apiGroups: ['kustomize.toolkit.fluxcd.io'] },
        },
      ],
      power: { carbonIntensity: 380, energyPrice: 0.21, pue: 1.3 },
      rttMs: { quebec: 88, atlanta: 105 },
    },
    {
      name: 'quebec',
      region: 'ca-east',
      jurisdiction: 'CA',
      location: { lat: 46.81, lon: -71.21 },
      infrastructure: 'bare-metal',
      nodePools: [
        // MIG-partitioned A100s for tenants that need hardware isolation, and whole A100s for the others.
        { name: 'a100-mig', count: 2, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } },
        { name: 'a100', count: 2, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } },
        { name: 'cpu', count: 2, cpu: 32, memoryGiB: 128 },
      ],
      clusters: [
        {
          name: 'quebec',
          controlPlane: {
            mode: 'hosted',
            // NodePort on the Frankfurt nodes behind this public address; the Quebec workers join through it.
            service: { type: 'NodePort' },
            externalAddress: '203.0.113.10',
            replicas: 3,
            sshKeySecret: { name: 'quebec-ssh-key' },
            workers: [
              { address: '10.20.0.11', nodePool: 'a100-mig', user: 'ubuntu' },
              { address: '10.20.0.12', nodePool: 'a100-mig', user: 'ubuntu' },
              { address: '10.20.0.13', nodePool: 'a100', user: 'ubuntu' },
              { address: '10.20.0.14', nodePool: 'a100', user: 'ubuntu' },
              { address: '10.20.0.21', nodePool: 'cpu', user: 'ubuntu' },
              { address: '10.20.0.22', nodePool: 'cpu', user: 'ubuntu' },
            ],
          },
          loadBalancer: { provider: 'metallb', addresses: ['10.20.0.240-10.20.0.250'] },
        },
      ],
      power: { carbonIntensity: 30, energyPrice: 0.07, pue: 1.2 },
      rttMs: { frankfurt: 88, atlanta: 32 },
    },
    {
      name: 'atlanta',
      region: 'us-southeast',
      jurisdiction: 'US',
      location: { lat: 33.75, lon: -84.39 },
      infrastructure: 'bare-metal',
      nodePools: [{ name: 'mi300x', count: 2, cpu: 96, memoryGiB: 1536, gpus: { model: 'MI300X', count: 8 } }],
      clusters: [
        {
          name: 'atlanta',
          controlPlane: {
            mode: 'k0rdent',
            template: 'remote-cluster',
            credential: 'atlanta-ssh',
            config: {
              controlPlaneNumber: 3,
              k0smotron: { service: { type: 'LoadBalancer' } },
              machines: [
                { address: '10.30.0.11', user: 'k0s', useSudo: true },
                { address: '10.30.0.12', user: 'k0s', useSudo: true },
              ],
            },
          },
          loadBalancer: { provider: 'metallb', addresses: ['10.30.0.240-10.30.0.250'] },
        },
      ],
      power: { carbonIntensity: 390, energyPrice: 0.09, pue: 1.35 },
      rttMs: { frankfurt: 105, quebec: 32 },
    },
  ],
  workloads: referenceWorkloads,
};

/** Builds the reference fleet with constructs: the base fleet plus its GPU stacks and mesh. */
export function buildReferenceFleet(scope: Construct, id = 'geo'): Fleet {
  const fleet = buildReferenceBase(scope, id);
  addReferenceLayers(fleet);
  return fleet;
}

/** The part of the reference fleet that fleet.yaml expresses (sites, clusters, workloads): `apps/fleet.yaml` synthesizes to the same tree. */
export function buildReferenceBase(scope: Construct, id = 'geo'): Fleet {
  const fleet = new Fleet(scope, id, { name: 'geo', managementSite: referenceFleetSpec.management.site, credentials: referenceFleetSpec.management.credentials ?? [] });
  for (const { name, ...props } of referenceFleetSpec.sites) {
    fleet.addSite(name, props);
  }
  for (const w of referenceWorkloads) fleet.addWorkload(w);
  return fleet;
}

/**
 * The layers that only TypeScript expresses, on top of the fleet: GPU operator stacks (Quebec's A100s
 * with a MIG plan and two tenants; Atlanta's MI300X in CPX/NPS4 partitions) and one Cilium mesh over
 * Frankfurt, Quebec and Atlanta. Each GPU stack adds its operator charts to its cluster itself.
 */
export function addReferenceLayers(
  fleet: Fleet,
  options: ReferenceGitOpsOptions = {},
): { mesh: CiliumMesh; stacks: GpuOperatorStack[]; fl: FederatedLearningJob; training: TrainingJob; inference: InferenceService; gitops: GitOps } {
  const cluster = (site: string) => fleet.site(site).cluster() as K0sCluster;
  const stacks = [
    new GpuOperatorStack(cluster('quebec'), 'gpu', {
      partitioning: { 'a100-mig': Partitioning.mig({ '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 }) },
      tenants: {
        'team-vision': { isolation: TenantIsolation.mig({ '3g.40gb': 16, '2g.20gb': 8 }) },
        'team-nlp': { isolation: TenantIsolation.namespace({ gpus: 8 }) },
      },
    }),
    new GpuOperatorStack(cluster('atlanta'), 'gpu', { partitioning: { mi300x: Partitioning.amd('CPX', 'NPS4') } }),
  ];

  // One mesh over the three sites: pod/service CIDRs and API endpoints come from the clusters, and each
  // cluster installs the mesh's Cilium chart through its add-ons. Atlanta's hosted control plane has
  // no address the fleet knows, so Cilium keeps kube-proxy there.
  // Each clustermesh-apiserver is a LoadBalancer Service (every cluster runs MetalLB) at the last
  // address of its site's range, requested for it, so the peers' endpoints are known before install
  // (addresses are handed out lowest first, so the end of a range stays free for the request).
  // The shared CA (MeshCa.sharedSecret, the default) is made once by the operator (README: Cilium mesh).
  // Every workload declares its own flows (Flower's parts, the training gang, the inference service's
  // clients, the GPU tenants), so the mesh's default deny exempts only the infrastructure namespaces.
  const mesh = new CiliumMesh(fleet, 'mesh');
  const meshEndpoints: Record<string, string> = { frankfurt: '192.168.10.250', quebec: '10.20.0.250', atlanta: '10.30.0.250' };
  for (const site of ['frankfurt', 'quebec', 'atlanta']) {
    const c = cluster(site);
    mesh.addCluster({ cluster: c, meshEndpoint: meshEndpoints[site]!, ...(c.apiEndpoint ? {} : { kubeProxyReplacement: false }) });
  }
  const ai = addReferenceAi(fleet);
  const gitops = addReferenceGitOps(fleet, options);
  return { mesh, stacks, ...ai, gitops };
}

/** Options of the reference fleet's GitOps wiring. */
export interface ReferenceGitOpsOptions {
  /**
   * The engine (tests swap it to check every engine on this fleet; dist/ holds one).
   * @default Delivery.k0rdent() - kcm delivers Atlanta's folders, Flux the management folders, Frankfurt and Quebec
   */
  readonly delivery?: Delivery;
}

/**
 * The GitOps wiring: the output pushed to `dist/` of the fleet repository, delivered by k0rdent where kcm
 * deploys the cluster (Atlanta) and by Flux elsewhere; a rollout with one canary chosen for coverage, then
 * the rest.
 */
export function addReferenceGitOps(fleet: Fleet, options: ReferenceGitOpsOptions = {}): GitOps {
  const rollout = new Rollout(fleet, 'rollout', {
    stages: [
      { name: 'canary', canaries: 1, soak: '4h' },
      { name: 'rest', selector: {}, maxConcurrency: 1 },
    ],
  });
  return new GitOps(fleet, 'gitops', {
    repository: { url: 'https://git.example.com/ops/geo-fleet.git', branch: 'main', path: 'dist' },
    delivery: options.delivery ?? Delivery.k0rdent(),
    rollout,
  });
}

/** The sample grid signals the reference Flower job schedules against (made by `scripts/gen-signals.ts`). */
export const SAMPLE_SIGNALS_FILE = path.join(__dirname, '..', 'data', 'signals', 'sample.json');

/**
 * The AI workloads on top: a Flower job aggregating in Frankfurt (the management site) with clients in
 * Quebec (CUDA) and Atlanta (ROCm), on an energy schedule from the sample signals; a training job and an
 * inference service the solver places. Each declares its flows, which the mesh allows at both ends.
 */
export function addReferenceAi(fleet: Fleet): { fl: FederatedLearningJob; training: TrainingJob; inference: InferenceService } {
  const fl = new FederatedLearningJob(fleet, 'fl', {
    clients: [
      { site: 'quebec', nodeConfig: { 'partition-id': 0, 'num-partitions': 2 } },
      { site: 'atlanta', nodeConfig: { 'partition-id': 1, 'num-partitions': 2 } },
    ],
    images: { serverApp: 'ghcr.io/example/fl-server:1.0', clientCuda: 'ghcr.io/example/fl-client:1.0-cuda', clientRocm: 'ghcr.io/example/fl-client:1.0-rocm' },
    energy: {
      signals: readSignalsFile(SAMPLE_SIGNALS_FILE),
      rules: { minClients: 1, roundMinutes: 15, powerKw: { quebec: 2.8, atlanta: 6.0 }, maxIntensity: 450, minShare: 0.25 },
    },
  });
  const training = new TrainingJob(fleet, 'pretrain', {
    image: 'ghcr.io/example/train:1.0-rocm',
    replicas: 2,
    gpusPerReplica: 8,
    jurisdictions: ['US', 'CA'],
    placement: { gpuVendor: 'amd', cpu: 32, memoryGiB: 256, priority: 7 },
  });
  const inference = new InferenceService(fleet, 'chat', {
    runtime: InferenceRuntime.kserve({ modelFormat: 'huggingface', storageUri: 'hf://example/chat-model' }),
    replicas: 2,
    jurisdictions: ['CA'],
    maxLatencyMs: { toSite: 'quebec', ms: 20 },
    placement: { gpuVendor: 'nvidia', gpuMemoryGiB: 40, cpu: 8, memoryGiB: 64, priority: 9 },
  });
  return { fl, training, inference };
}
