/**
 * Cluster API (`cluster.x-k8s.io/v1beta2`) and k0smotron objects for a hosted control plane with
 * workers reached over SSH, as the k0smotron docs (capi-remote) link them:
 * Cluster -> K0smotronControlPlane + RemoteCluster; per host Machine -> K0sWorkerConfig + RemoteMachine,
 * or per node pool MachineDeployment -> K0sWorkerConfigTemplate + RemoteMachineTemplate over
 * PooledRemoteMachines. Plain data for the fields we set; checked against the CRDs by the tests.
 */
import type { ResolvedRemoteMachine } from '../model/cluster';
import { imageTagSpelling, releaseSpelling } from '../model/k0s-version';
import type { K8sObject } from '../synth/objects';
import type { ControlPlaneSizing, ResourceQuantities } from './sizing';

export const CAPI = 'cluster.x-k8s.io/v1beta2';
export const CONTROLPLANE_GROUP = 'controlplane.cluster.x-k8s.io';
export const BOOTSTRAP_GROUP = 'bootstrap.cluster.x-k8s.io';
export const INFRA_GROUP = 'infrastructure.cluster.x-k8s.io';
export const CLUSTER_NAME_LABEL = 'cluster.x-k8s.io/cluster-name';
/** The etcd image k0smotron v2.1.0 defaults to; the CRD requires it once `spec.storage.etcd` is written. */
export const K0SMOTRON_ETCD_IMAGE = 'quay.io/k0sproject/etcd:v3.7.1';

type Labels = Readonly<Record<string, string>>;

export interface HostedClusterInput {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly k0sVersion: string;
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly clusterDomain: string;
  readonly replicas: number;
  /** Resources of the controller pods and etcd, and the etcd volume (lib/k0smotron/sizing.ts). */
  readonly sizing?: ControlPlaneSizing;
  /** The Service and the address workers reach it at (from the fleet's hosting plan). */
  readonly exposure: { readonly type: string; readonly apiPort: number; readonly konnectivityPort: number; readonly externalAddress?: string };
  readonly ingress?: { readonly apiHost: string; readonly konnectivityHost: string; readonly className?: string; readonly port: number };
  readonly persistence: string;
  /** The k0s ClusterConfig spec (network, extensions); produced when rendered. */
  readonly k0sConfigSpec: unknown;
  /**
   * `spec.manifests`: volumes mounted into the control-plane pods at `/var/lib/k0s/manifests/<name>`,
   * applied by the k0s manifest deployer when the control plane starts (see {@link manifestVolumes});
   * may be produced when rendered. Omitted when undefined.
   */
  readonly manifests?: unknown;
}

/** A stack of manifests for the k0s manifest deployer, held by a Secret in the management namespace. */
export interface ManifestStackSecret {
  /** Stack (folder) name under `/var/lib/k0s/manifests/`. */
  readonly name: string;
  /** Secret whose keys become the stack's files (name them `*.yaml`). */
  readonly secretName: string;
}

/** The `K0smotronControlPlane.spec.manifests` volumes for Secret-held stacks, sorted by name. */
export function manifestVolumes(stacks: readonly ManifestStackSecret[]): Record<string, unknown>[] {
  return [...stacks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((m) => ({ name: m.name, secret: { secretName: m.secretName } }));
}

const meta = (name: string, namespace: string, labels: Labels, cluster: string) => ({ name, namespace, labels: { ...labels, [CLUSTER_NAME_LABEL]: cluster } });

/** CAPI Cluster, K0smotronControlPlane and RemoteCluster. */
export function hostedControlPlane(i: HostedClusterInput): K8sObject[] {
  return [
    {
      apiVersion: CAPI,
      kind: 'Cluster',
      metadata: meta(i.name, i.namespace, i.labels, i.name),
      spec: {
        // Same CIDRs as the k0s config below: k0smotron copies these only where k0sConfig leaves them empty.
        clusterNetwork: { pods: { cidrBlocks: [i.podCIDR] }, services: { cidrBlocks: [i.serviceCIDR] }, serviceDomain: i.clusterDomain },
        controlPlaneRef: { apiGroup: CONTROLPLANE_GROUP, kind: 'K0smotronControlPlane', name: i.name },
        infrastructureRef: { apiGroup: INFRA_GROUP, kind: 'RemoteCluster', name: i.name },
      },
    },
    {
      apiVersion: `${CONTROLPLANE_GROUP}/v1beta2`,
      kind: 'K0smotronControlPlane',
      metadata: meta(i.name, i.namespace, i.labels, i.name),
      spec: {
        // The control plane runs from the k0s image: tag spelling (-k0s.N).
        version: imageTagSpelling(i.k0sVersion),
        replicas: i.replicas,
        ...(i.sizing ? { resources: resources(i.sizing.resources) } : {}),
        service: { type: i.exposure.type, apiPort: i.exposure.apiPort, konnectivityPort: i.exposure.konnectivityPort },
        ...(i.exposure.externalAddress !== undefined ? { externalAddress: i.exposure.externalAddress } : {}),
        ...(i.ingress
          ? { ingress: { apiHost: i.ingress.apiHost, konnectivityHost: i.ingress.konnectivityHost, port: i.ingress.port, ...(i.ingress.className ? { className: i.ingress.className } : {}) } }
          : {}),
        persistence: { type: i.persistence },
        ...(i.sizing ? { storage: etcdStorage(i.sizing) } : {}),
        ...(i.manifests !== undefined ? { manifests: i.manifests } : {}),
        k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', metadata: { name: 'k0s' }, spec: i.k0sConfigSpec },
      },
    },
    {
      apiVersion: `${INFRA_GROUP}/v1beta2`,
      kind: 'RemoteCluster',
      metadata: meta(i.name, i.namespace, i.labels, i.name),
      spec: {},
    },
  ];
}

function resources(r: ResourceQuantities): Record<string, unknown> {
  return { requests: { ...r.requests }, ...(r.limits && Object.keys(r.limits).length > 0 ? { limits: { ...r.limits } } : {}) };
}

/** `spec.storage`: etcd (k0smotron's default backend) with its resources and volume. */
function etcdStorage(s: ControlPlaneSizing): Record<string, unknown> {
  return {
    type: 'etcd',
    etcd: {
      image: K0SMOTRON_ETCD_IMAGE,
      ...(s.etcdResources ? { resources: resources(s.etcdResources) } : {}),
      persistence: { size: s.etcdVolume, ...(s.etcdStorageClass !== undefined ? { storageClass: s.etcdStorageClass } : {}) },
    },
  };
}

export interface WorkerInput {
  readonly cluster: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly k0sVersion: string;
  readonly sshKeySecret: string;
  /** k0s worker arguments (node labels). */
  readonly args: readonly string[];
}

function sshMachine(m: ResolvedRemoteMachine, sshKeySecret: string): Record<string, unknown> {
  return { address: m.address, port: m.port, user: m.user, useSudo: m.useSudo, sshKeyRef: { name: sshKeySecret } };
}

/** One worker host: Machine + K0sWorkerConfig + RemoteMachine, all named `name`. */
export function individualWorker(w: WorkerInput, name: string, m: ResolvedRemoteMachine): K8sObject[] {
  const md = meta(name, w.namespace, w.labels, w.cluster);
  return [
    {
      apiVersion: `${BOOTSTRAP_GROUP}/v1beta2`,
      kind: 'K0sWorkerConfig',
      metadata: md,
      // Bootstrap configs take the release spelling (+k0s.N); CAPI reads -k0s.N as a pre-release.
      spec: { version: releaseSpelling(w.k0sVersion), ...(w.args.length > 0 ? { args: [...w.args] } : {}) },
    },
    { apiVersion: `${INFRA_GROUP}/v1beta2`, kind: 'RemoteMachine', metadata: md, spec: sshMachine(m, w.sshKeySecret) },
    {
      apiVersion: CAPI,
      kind: 'Machine',
      metadata: md,
      spec: {
        clusterName: w.cluster,
        version: releaseSpelling(w.k0sVersion),
        bootstrap: { configRef: { apiGroup: BOOTSTRAP_GROUP, kind: 'K0sWorkerConfig', name } },
        infrastructureRef: { apiGroup: INFRA_GROUP, kind: 'RemoteMachine', name },
      },
    },
  ];
}

/** A node pool as a MachineDeployment over PooledRemoteMachines (pool and objects named `name`). */
export function pooledWorkers(w: WorkerInput, name: string, nodePool: string, machines: readonly { name: string; machine: ResolvedRemoteMachine }[]): K8sObject[] {
  const md = meta(name, w.namespace, w.labels, w.cluster);
  const selector = { [CLUSTER_NAME_LABEL]: w.cluster, 'k0smos.io/node-pool': nodePool };
  return [
    ...machines.map(
      (x): K8sObject => ({
        apiVersion: `${INFRA_GROUP}/v1beta2`,
        kind: 'PooledRemoteMachine',
        metadata: meta(x.name, w.namespace, w.labels, w.cluster),
        spec: { pool: name, machine: sshMachine(x.machine, w.sshKeySecret) },
      }),
    ),
    { apiVersion: `${INFRA_GROUP}/v1beta2`, kind: 'RemoteMachineTemplate', metadata: md, spec: { template: { spec: { pool: name } } } },
    {
      apiVersion: `${BOOTSTRAP_GROUP}/v1beta2`,
      kind: 'K0sWorkerConfigTemplate',
      metadata: md,
      spec: { template: { spec: { version: releaseSpelling(w.k0sVersion), ...(w.args.length > 0 ? { args: [...w.args] } : {}) } } },
    },
    {
      apiVersion: CAPI,
      kind: 'MachineDeployment',
      metadata: md,
      spec: {
        clusterName: w.cluster,
        replicas: machines.length,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector },
          spec: {
            clusterName: w.cluster,
            version: releaseSpelling(w.k0sVersion),
            bootstrap: { configRef: { apiGroup: BOOTSTRAP_GROUP, kind: 'K0sWorkerConfigTemplate', name } },
            infrastructureRef: { apiGroup: INFRA_GROUP, kind: 'RemoteMachineTemplate', name },
          },
        },
      },
    },
  ];
}
