/**
 * How a cluster runs: its control-plane mode (standalone via k0sctl, hosted by k0smotron, managed by
 * k0rdent), k0s version, network and add-ons; and the management plane's credentials and regions.
 * These schemas extend the cluster and management entries of the fleet model (lib/model/fleet.ts).
 *
 * This file imports nothing from fleet.ts at run time (fleet.ts imports it).
 */
import { capabilitySchema, loadBalancerSchema, presentSchema, STORAGE_PROVIDERS } from '../readiness/capability';
import { z } from 'zod';
import type { ValidationIssue } from './errors';
import { isIpAddress } from '../net/cidr';
import { clusterTemplate, clusterTemplateNames, defaultTemplateFor } from './cluster-templates';
import { DEFAULT_K0S_VERSION, parseK0sVersion, releaseSpelling } from './k0s-version';
import { didYouMean } from './suggest';
import { k0sImages, unknownK0sReleaseMessage } from '../airgap/k0s-images';
import { pathProblem, secretIssues } from './secrets';
import type { Infrastructure } from './fleet';
import { cpuMillis, HOSTED_SIZES, memoryMiB, resolveSizing, type ControlPlaneSizing } from '../k0smotron/sizing';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const label = (max = 63) =>
  z.string().max(max).regex(DNS_LABEL, { message: `must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit` });
const port = () => z.int().min(1).max(65535);
const cpuQuantity = () => z.string().refine((v) => cpuMillis(v) !== undefined, { message: "must be a CPU quantity like '500m' or '2'" });
const memoryQuantity = () => z.string().refine((v) => memoryMiB(v) !== undefined, { message: "must be a memory quantity like '512Mi' or '2Gi'" });
/** A field that must hold a path, never the file's content (a key pasted in is refused by `pathProblem`). */
const pathField = () =>
  z
    .string()
    .min(1)
    .superRefine((v, ctx) => {
      const p = pathProblem(v);
      if (p) ctx.addIssue({ code: 'custom', message: p });
    });
/** The per-field opt-out of the secret check. */
const notSecretField = () =>
  z
    .array(z.string().min(1))
    .optional()
    .describe("Field paths of values (or config) known not to be secrets, relative to values: 'auth.tokenTTL', 'env[0].value'. Their names and long random-looking strings are then not taken for secrets (private keys and known token formats are refused anyway). Default: none.");

export const CONTROLLER_ROLES = ['controller', 'worker', 'controller+worker', 'single'] as const;
export type HostRole = (typeof CONTROLLER_ROLES)[number];

const hostFields = {
  address: z.string().min(1).describe('Address the host is reached at over SSH (IP or DNS name).'),
  privateAddress: z
    .string()
    .refine(isIpAddress, { message: 'must be an IP address' })
    .optional()
    .describe('Address on the cluster network. Default: `address` when that is an IP; required when `address` is a DNS name.'),
  nodePool: z.string().optional().describe("The site's node pool this host belongs to. Default: the cluster's only pool."),
  user: z.string().min(1).optional().describe('SSH user. Default root.'),
  port: port().optional().describe('SSH port. Default 22.'),
};

export const standaloneHostSchema = z
  .strictObject({
    ...hostFields,
    role: z.enum(CONTROLLER_ROLES).describe('k0s role: controller, worker, controller+worker, or single (a one-node cluster).'),
    keyPath: pathField().optional().describe('Path of the SSH private key on the machine that runs k0sctl (a path, never the key).'),
    noTaints: z
      .boolean()
      .optional()
      .describe('controller+worker only: run workloads on this node (k0s taints controller+worker nodes NoSchedule otherwise). Default true: the host counts in its node pool, so workloads are placed on it; set false to keep it for the control plane (and leave it out of the pool count).'),
  })
  .describe('A machine of a k0sctl-bootstrapped cluster.');

export const remoteMachineSchema = z
  .strictObject({
    ...hostFields,
    useSudo: z.boolean().optional().describe('Run k0s commands with sudo. Default: true for a non-root user, false for root.'),
  })
  .describe('A worker machine that k0smotron joins over SSH.');

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;

/** An environment variable name (k0sctl interpolates `${NAME}` in its config when it runs). */
const envName = () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name: letters, digits and _, not starting with a digit' });

export const kineDatastoreSchema = z
  .strictObject({
    type: z.literal('kine'),
    dataSourceEnv: envName().describe(
      "Name of the environment variable that holds the kine data source URL (postgres://…, mysql://…) when k0sctl runs: the config says ${NAME} (k0sctl interpolates it, k0sctl#258), so the URL and its password never reach the output.",
    ),
  })
  .describe('k0s state in an external SQL database through kine (k0s spec.storage.type: kine) instead of etcd on the controllers.');

export const standaloneControlPlaneSchema = z
  .strictObject({
    mode: z.literal('standalone'),
    hosts: z.array(standaloneHostSchema).min(1).describe('Every machine of the cluster, controllers and workers.'),
    externalAddress: z.string().optional().describe('Load balancer or VIP in front of the controllers (k0s spec.api.externalAddress). Default: none.'),
    keyPath: pathField().optional().describe("Default SSH key path for hosts that set none. Default: k0sctl's own default."),
    datastore: kineDatastoreSchema.optional().describe('Where k0s keeps its state. Default: etcd on the controllers.'),
  })
  .describe('k0s on site machines, bootstrapped with k0sctl (writes k0sctl.yaml).');

export const hostedControlPlaneSchema = z
  .strictObject({
    mode: z.literal('hosted'),
    managementSite: z
      .string()
      .optional()
      .describe("Site whose management cluster runs the control-plane pods: the fleet management site, or the site of a region's cluster (management.regions[].cluster). Default: the region the site is in (management.regions[].sites), else a region whose cluster is at a site of the same geographic region, else the fleet management site."),
    size: z.enum(HOSTED_SIZES).optional().describe('Preset of replicas, resources and etcd volume: small (1 replica, 0.4 core / 256 MiB, a store), medium (3 × 0.8 core / 512 MiB), large (3 × 2 cores / 2 GiB), after the k0smotron benchmark. Default small.'),
    replicas: z.int().min(1).optional().describe('Control-plane pods. Default: from size (small 1, medium and large 3).'),
    resources: z
      .strictObject({
        requests: z.strictObject({ cpu: cpuQuantity().optional(), memory: memoryQuantity().optional() }).optional(),
        limits: z.strictObject({ cpu: cpuQuantity().optional(), memory: memoryQuantity().optional() }).optional(),
      })
      .optional()
      .describe("Requests and limits of each k0s controller pod (K0smotronControlPlane spec.resources), field by field over the size's. Default: from size."),
    etcd: z
      .strictObject({
        size: memoryQuantity().optional().describe('etcd volume per replica (spec.storage.etcd.persistence.size). Default: from size (small 1Gi, medium 4Gi, large 10Gi).'),
        storageClass: z.string().min(1).optional().describe("StorageClass of the etcd volume in the hosting cluster. Default: its default StorageClass."),
      })
      .optional()
      .describe('etcd storage of the control plane.'),
    service: z
      .strictObject({
        type: z.enum(SERVICE_TYPES).optional().describe("How the API is exposed. Default: NodePort when the hosting cluster has a nodePortAddress (controlPlaneHosting), else LoadBalancer (ClusterIP with ingress)."),
        apiPort: port().optional().describe('Default: NodePort: allocated from the hosting cluster\'s NodePort range and kept in nodeports.json; otherwise 30443.'),
        konnectivityPort: port().optional().describe('Default: NodePort: allocated like apiPort; otherwise 30132.'),
      })
      .optional(),
    externalAddress: z.string().optional().describe("Address workers reach the API at. Default: the hosting cluster's nodePortAddress for a NodePort service; required otherwise unless the service is a LoadBalancer or ingress is set."),
    ingress: z
      .strictObject({
        apiHost: z.string().min(1),
        konnectivityHost: z.string().min(1),
        className: z.string().optional(),
        port: port().optional(),
      })
      .optional()
      .describe('Expose the control plane through an ingress instead.'),
    persistence: z.enum(['emptyDir', 'hostPath', 'pvc']).optional().describe('Control-plane state storage. Default emptyDir.'),
    sshKeySecret: z
      .strictObject({
        name: label(253).describe('Secret in the management namespace holding the SSH private key.'),
        key: z.string().optional().describe("Key in the Secret; k0smotron reads only 'value'. Default value."),
      })
      .describe('The SSH key, referenced by Secret name; never inline.'),
    workers: z.array(remoteMachineSchema).min(1).describe('Worker machines joined over SSH.'),
    workerMachines: z
      .enum(['individual', 'pooled'])
      .optional()
      .describe('individual: one Machine + RemoteMachine per host; pooled: PooledRemoteMachines and a MachineDeployment per node pool. Default individual.'),
  })
  .describe('k0s control plane as pods in a management cluster (k0smotron, Cluster API), workers at the site over SSH.');

export const k0rdentControlPlaneSchema = z
  .strictObject({
    mode: z.literal('k0rdent'),
    template: z.string().min(1).optional().describe('Cluster template chart, e.g. aws-hosted-cp. Default: remote-cluster for bare-metal/edge sites, <infrastructure>-hosted-cp otherwise.'),
    credential: z.string().min(1).describe('Name of a credential in management.credentials.'),
    config: z.record(z.string(), z.unknown()).optional().describe("The template's values, in the template's own field names."),
    propagateCredentials: z.boolean().optional().describe('Push cloud credentials to the child cluster. Default: false for remote-cluster, true otherwise.'),
    notSecret: notSecretField(),
  })
  .describe('A k0rdent ClusterDeployment from a cluster template.');

export const controlPlaneSchema = z.discriminatedUnion('mode', [standaloneControlPlaneSchema, hostedControlPlaneSchema, k0rdentControlPlaneSchema]);

export const clusterNetworkSchema = z
  .strictObject({
    podCIDR: z.string().optional().describe('Pod CIDR. Default: allocated from the fleet IP plan.'),
    serviceCIDR: z.string().optional().describe('Service CIDR. Default: allocated from the fleet IP plan.'),
    slot: z.int().min(0).optional().describe('Slot of this cluster in the fleet IP plan (a pin: wins over the saved allocation). Default: allocated (the slot the name hashes to when free, else the next free one), then kept in ip-plan.json.'),
    provider: z.enum(['kuberouter', 'calico', 'custom']).optional().describe('k0s network provider. Default: custom when Cilium is an add-on, else kuberouter.'),
    clusterDomain: z.string().optional().describe('Default cluster.local.'),
  })
  .describe('Cluster networking.');

export const addonSchema = z
  .strictObject({
    name: label(53).describe('Release name.'),
    namespace: label().describe('Namespace the release goes to.'),
    chart: z.strictObject({
      repo: z.string().regex(/^(https?|oci):\/\/\S+$/, { message: 'must be an https://, http:// or oci:// URL' }),
      name: z.string().min(1),
      version: z.string().min(1),
    }),
    values: z.record(z.string(), z.unknown()).optional(),
    order: z.int().optional(),
    provides: z.array(capabilitySchema).optional().describe('What the chart brings to the cluster (api:<group>, storage:default, storageclass:<name>, loadbalancer). Default: what the add-on catalog knows of the chart.'),
    needs: z.array(capabilitySchema).optional().describe('What the chart needs in the cluster before it installs (api:cert-manager.io). Default: what the add-on catalog knows of the chart.'),
    valuesFrom: z
      .array(z.strictObject({ kind: z.enum(['ConfigMap', 'Secret']), name: label(253) }))
      .optional()
      .describe('ConfigMaps or Secrets in the management namespace whose data k0rdent passes to the chart as values (for values that must not be written into the output, such as keys). k0rdent-managed clusters only. Default: none.'),
    notSecret: notSecretField(),
  })
  .describe('A Helm chart installed into the cluster.');

export const airgapSchema = z
  .strictObject({
    registry: z
      .string()
      .min(1)
      .regex(/^[^\s/:]+(:\d+)?(\/[^\s]*)?$/, { message: "must be a registry host with an optional port and path, without a scheme: 'registry.store.local:5000' or 'registry.store.local/k0s'" })
      .optional()
      .describe("Registry mirror holding the cluster's images (fill it from images.txt): k0s pulls its own images from there (spec.images.repository). Default: none."),
    bundle: z
      .union([z.literal(true), pathField()])
      .optional()
      .describe('Images come from an OCI bundle imported by k0s at start (<data-dir>/images). true: the operator puts it on the nodes; a path (standalone only): k0sctl uploads that file to every host. Build it with `k0s airgap bundle-artifacts -o bundle.tar < images.txt`. Default: none.'),
    charts: z
      .string()
      .regex(/^oci:\/\/\S+$/, { message: "must be an oci:// registry path, e.g. 'oci://registry.store.local:5000/charts'" })
      .optional()
      .describe("OCI registry path holding every chart the cluster installs (helm push them there): k0s chart references become <charts>/<chart name>. Default: the charts' own repositories."),
  })
  .describe("The cluster's site has no internet access: where its images and charts come from. Every air-gapped cluster gets sites/<site>/<cluster>/images.txt, the images its nodes pull.");

export const TWO_NODE_CHOICES = ['hosted-control-plane', 'controller-plus-worker', 'kine-external-db'] as const;
export type TwoNodeChoice = (typeof TWO_NODE_CHOICES)[number];

/** Fields added to a fleet cluster entry. */
export const clusterFields = {
  twoNode: z
    .enum(TWO_NODE_CHOICES)
    .optional()
    .describe(
      "How a two-node site runs its control plane (two etcd members hold no quorum): hosted-control-plane (controlPlane.mode hosted, both nodes workers), controller-plus-worker (standalone, one controller and one worker), kine-external-db (standalone, two controllers with datastore kine on an external HA database). The readiness report says what each survives. Default: none declared; two controllers on etcd are refused.",
    ),
  controlPlane: controlPlaneSchema.optional().describe('How the control plane runs. Default: none (the cluster is bootstrapped outside this fleet).'),
  k0sVersion: z.string().optional().describe(`k0s version, either spelling (v1.36.3+k0s.2 or v1.36.3-k0s.2). Default ${DEFAULT_K0S_VERSION}.`),
  network: clusterNetworkSchema.optional(),
  addons: z.array(addonSchema).optional().describe('Helm charts to install.'),
  imageRepository: z.string().optional().describe('Registry mirror for every k0s image (k0s spec.images.repository). Default: none.'),
  airgapBundle: pathField().optional().describe('Path (on the k0sctl machine) of a k0s airgap image bundle uploaded to every host. Default: none.'),
  airgap: airgapSchema.optional().describe("Air-gap settings of this cluster (replaces the site's airgap). Default: the site's."),
  present: presentSchema.optional().describe('What this cluster already has, installed outside the fleet (added to what its site declares).'),
  loadBalancer: loadBalancerSchema.optional().describe('A LoadBalancer provider the fleet installs (MetalLB or Cilium LB IPAM) with its address ranges. Default: none; LoadBalancer Services need one, or present.loadBalancer.'),
  storage: z
    .enum(STORAGE_PROVIDERS)
    .optional()
    .describe('What the fleet installs when objects need a default StorageClass and none is present: openebs-hostpath (node-local volumes) or none (synth fails instead). Default openebs-hostpath.'),
  addonDelivery: z
    .enum(['extensions', 'charts'])
    .optional()
    .describe('k0s clusters: add-ons as Helm extensions in the ClusterConfig, or as k0s Chart objects in the cluster folder. Default extensions.'),
};

export const credentialSchema = z
  .strictObject({
    name: label(253),
    identityRef: z
      .strictObject({
        apiVersion: z.string().optional(),
        kind: z.string().min(1),
        name: z.string().min(1),
        namespace: z.string().optional(),
      })
      .describe('The identity object (e.g. AWSClusterStaticIdentity, or a Secret for SSH) that exists in the management cluster.'),
    description: z.string().optional(),
    region: z.string().optional().describe('Region (management.regions) whose management cluster uses this credential.'),
  })
  .describe('A k0rdent Credential: a reference to an identity, never the secret itself.');

const nodePortRangeSchema = z
  .strictObject({ from: port(), to: port() })
  .refine((r) => r.from <= r.to, { message: 'from must not be above to' });

export const controlPlaneHostingSchema = z
  .strictObject({
    capacity: z
      .strictObject({
        cpu: z.number().min(0).describe('Cores hosted control planes may request here.'),
        memoryGiB: z.number().min(0).describe('GiB hosted control planes may request here.'),
      })
      .optional()
      .describe("What hosted control planes may request in this cluster. Default: its node pools (count × cpu, count × memoryGiB) minus reserve."),
    reserve: z
      .strictObject({ cpu: z.number().min(0), memoryGiB: z.number().min(0) })
      .optional()
      .describe('Kept back from the node pools for the system, the management stack (kcm, Cluster API, k0smotron, Flux) and headroom. Default: 25 % of cpu and memory, at least 2 cores and 4 GiB.'),
    nodePortAddress: z
      .string()
      .min(1)
      .optional()
      .describe("An address of this cluster's nodes, or a VIP in front of them, that edge workers reach: NodePort control planes hosted here get it as externalAddress, each on its own pair of allocated NodePorts. Default: none; NodePort control planes then need their own externalAddress."),
    nodePortRange: nodePortRangeSchema.optional().describe("The cluster's NodePort range (kube-apiserver --service-node-port-range). Default 30000-32767."),
    reservedNodePorts: z
      .array(z.union([port(), nodePortRangeSchema]))
      .optional()
      .describe('NodePorts used by other Services of this cluster, never allocated to control planes (a port or { from, to }). Default: none.'),
  })
  .describe('The capacity and shared NodePort address of a cluster that hosts k0smotron control planes.');

export const regionSchema = z
  .strictObject({
    name: label(253),
    controlPlaneHosting: controlPlaneHostingSchema.optional().describe("Hosted control planes in this region's cluster. Default: capacity from the cluster's node pools, no shared NodePort address."),
    cluster: z.string().optional().describe('A k0rdent-managed cluster of this fleet that is the regional management cluster.'),
    kubeconfigSecret: z.strictObject({ name: z.string().min(1), key: z.string().optional() }).optional().describe('Or: a Secret holding its kubeconfig.'),
    sites: z.array(z.string()).min(1).describe('Sites managed from this region.'),
  })
  .describe('A regional management cluster.');

export const ipPlanSchema = z
  .strictObject({
    podPool: z.string().optional().describe('Pool pod CIDRs are allocated from. Default 10.128.0.0/9.'),
    podPrefixLength: z.int().min(8).max(28).optional().describe('Prefix length of each pod CIDR. Default 17 (256 clusters of up to 32k pods).'),
    servicePool: z.string().optional().describe('Pool service CIDRs are allocated from. Default 172.16.0.0/12.'),
    servicePrefixLength: z.int().min(8).max(28).optional().describe('Prefix length of each service CIDR. Default 20.'),
    reuseRemoved: z
      .union([z.boolean(), z.array(z.string().min(1))])
      .optional()
      .describe("Release the ranges of clusters that left the fleet (kept reserved in ip-plan.json) so new clusters may take them: true for all, or the names to release. Only once their addresses are out of use. Default: kept reserved."),
  })
  .describe('The fleet IP plan.');

export const multiClusterServiceSchema = z
  .strictObject({
    name: label(253),
    addon: addonSchema,
    clusterSelector: z
      .record(z.string(), z.string())
      .refine((r) => Object.keys(r).length > 0, { message: 'must name at least one label; an empty selector would select every cluster' })
      .describe('Labels a ClusterDeployment must carry, e.g. k0smos.io/gpu-vendor.nvidia: "true".'),
    selfManagement: z.boolean().optional().describe('Install on the management cluster too. Default false.'),
  })
  .describe('A chart for every k0rdent-managed cluster whose labels match (MultiClusterService).');

/** Fields added to the management entry. */
export const managementFields = {
  controlPlaneHosting: controlPlaneHostingSchema.optional().describe("Hosted control planes in the fleet management cluster. Default: capacity from its node pools, no shared NodePort address."),
  credentials: z.array(credentialSchema).optional().describe('k0rdent Credentials.'),
  regions: z.array(regionSchema).optional().describe('Regional management clusters.'),
  multiClusterServices: z.array(multiClusterServiceSchema).optional().describe('Charts for every k0rdent-managed cluster matching a label selector.'),
};

export type ControlPlaneSpec = z.input<typeof controlPlaneSchema>;
export type StandaloneControlPlaneSpec = z.input<typeof standaloneControlPlaneSchema>;
export type HostedControlPlaneSpec = z.input<typeof hostedControlPlaneSchema>;
export type K0rdentControlPlaneSpec = z.input<typeof k0rdentControlPlaneSchema>;
export type StandaloneHostSpec = z.input<typeof standaloneHostSchema>;
export type RemoteMachineSpec = z.input<typeof remoteMachineSchema>;
export type ClusterNetworkSpec = z.input<typeof clusterNetworkSchema>;
export type AddonSpec = z.input<typeof addonSchema>;
export type CredentialSpec = z.input<typeof credentialSchema>;
export type RegionSpec = z.input<typeof regionSchema>;
export type ControlPlaneHostingSpec = z.input<typeof controlPlaneHostingSchema>;
export type KineDatastoreSpec = z.input<typeof kineDatastoreSchema>;
export type IpPlanSpec = z.input<typeof ipPlanSchema>;
export type MultiClusterServiceSpec = z.input<typeof multiClusterServiceSchema>;
export type AirgapSpec = z.input<typeof airgapSchema>;

// ---------------------------------------------------------------------------------------------
// Resolved forms

export interface ResolvedHost {
  readonly address: string;
  readonly privateAddress: string;
  readonly nodePool?: string;
  readonly user: string;
  readonly port: number;
}
export interface ResolvedStandaloneHost extends ResolvedHost {
  readonly role: HostRole;
  readonly keyPath?: string;
  /** controller+worker: schedule workloads here (k0sctl `noTaints`). */
  readonly noTaints?: boolean;
}
export interface ResolvedRemoteMachine extends ResolvedHost {
  readonly useSudo: boolean;
}

export type ResolvedControlPlane =
  | {
      readonly mode: 'standalone';
      readonly hosts: readonly ResolvedStandaloneHost[];
      readonly externalAddress?: string;
      /** kine on an external database: the environment variable k0sctl reads its URL from. */
      readonly kineDataSourceEnv?: string;
    }
  | {
      readonly mode: 'hosted';
      /** The site given, if any; the hosting plan (lib/k0smotron/hosting.ts) decides where it runs. */
      readonly managementSite: string;
      readonly replicas: number;
      /** Replicas, resources and etcd volume (lib/k0smotron/sizing.ts). */
      readonly sizing: ControlPlaneSizing;
      /**
       * Exposure as given: `type` undefined means "NodePort where the hosting cluster has a nodePortAddress,
       * else LoadBalancer"; ports undefined are allocated (NodePort) or k0smotron's defaults.
       */
      readonly serviceGiven: { readonly type?: (typeof SERVICE_TYPES)[number]; readonly apiPort?: number; readonly konnectivityPort?: number };
      /** Exposure with k0smotron's defaults, before the hosting plan (what a cluster checked on its own would get). */
      readonly service: { readonly type: (typeof SERVICE_TYPES)[number]; readonly apiPort: number; readonly konnectivityPort: number };
      readonly externalAddress?: string;
      readonly ingress?: { readonly apiHost: string; readonly konnectivityHost: string; readonly className?: string; readonly port: number };
      readonly persistence: 'emptyDir' | 'hostPath' | 'pvc';
      readonly sshKeySecret: string;
      readonly workers: readonly ResolvedRemoteMachine[];
      readonly workerMachines: 'individual' | 'pooled';
    }
  | {
      readonly mode: 'k0rdent';
      readonly template: string;
      readonly credential: string;
      readonly config: Readonly<Record<string, unknown>>;
      readonly propagateCredentials: boolean;
    };

/** A cluster's Helm add-on, resolved. */
export interface ResolvedAddon {
  readonly name: string;
  readonly namespace: string;
  readonly chart: { readonly repo: string; readonly name: string; readonly version: string };
  readonly values: Readonly<Record<string, unknown>>;
  readonly order: number;
}

/** Where a cluster's API can be reached (for kube-proxy replacement and workers). */
export interface ApiEndpoint {
  readonly host: string;
  readonly port: number;
}

// ---------------------------------------------------------------------------------------------
// Rules within one cluster

/** Facts about the cluster's site that the per-cluster rules need. */
export interface ClusterContext {
  readonly site: string;
  readonly infrastructure: Infrastructure;
  readonly airgapped: boolean;
  /** The site's air-gap settings, if any (a cluster's own replace them). */
  readonly siteAirgap?: AirgapSpec;
  /** The pools of this cluster with their node counts. */
  readonly pools: ReadonlyArray<{ readonly name: string; readonly count: number }>;
  /** Names of fleet credentials; undefined skips the reference check (a site checked on its own). */
  readonly credentials?: readonly string[];
}

type ClusterInput = {
  name: string;
  controlPlane?: z.output<typeof controlPlaneSchema>;
  k0sVersion?: string;
  network?: z.output<typeof clusterNetworkSchema>;
  addons?: z.output<typeof addonSchema>[];
  imageRepository?: string;
  airgapBundle?: string;
  airgap?: z.output<typeof airgapSchema>;
  addonDelivery?: 'extensions' | 'charts';
  twoNode?: TwoNodeChoice;
};

/** True for a Cilium chart (by chart name). */
export function isCilium(a: { chart: { name: string } }): boolean {
  return a.chart.name === 'cilium' || a.chart.name.endsWith('/cilium');
}

/** Cilium replaces kube-proxy when its values say so. */
export function ciliumReplacesKubeProxy(values: Readonly<Record<string, unknown>>): boolean {
  const v = values.kubeProxyReplacement;
  return v === true || v === 'true' || v === 'strict';
}

/** Rules a field schema cannot express, within one parsed cluster entry. `cp` is its path. */
export function clusterIssues(c: ClusterInput, ctx: ClusterContext, cp: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path: `${cp}${path}`, message });

  if (c.k0sVersion !== undefined && !parseK0sVersion(c.k0sVersion)) {
    add('.k0sVersion', `'${c.k0sVersion}' is not a k0s version; write it like ${DEFAULT_K0S_VERSION}`);
  }
  issues.push(...airgapVersionIssues(c, ctx, cp));
  const addons = c.addons ?? [];
  const addonNames = addons.map((a) => a.name);
  for (const d of dups(addonNames)) add(`.addons[${d}]`, `add-on name '${d}' is used more than once in this cluster; release names must be unique`);
  addons.forEach((a) => issues.push(...inlineSecretIssues(a.values ?? {}, `${cp}.addons[${a.name}].values`, a.notSecret, `${cp}.addons[${a.name}].notSecret`)));

  const cilium = addons.find(isCilium);
  if (cilium && c.network?.provider !== undefined && c.network.provider !== 'custom') {
    add('.network.provider', `Cilium is installed as add-on '${cilium.name}', so k0s must deploy no CNI of its own: the provider must be 'custom' (got '${c.network.provider}'); drop network.provider to have it derived`);
  }

  const cpl = c.controlPlane;
  if (cpl?.mode !== 'k0rdent') {
    for (const a of addons) {
      if ((a.valuesFrom ?? []).length > 0) {
        add(`.addons[${a.name}].valuesFrom`, 'only k0rdent-managed clusters read chart values from a ConfigMap or Secret; k0s Helm extensions and Chart objects take inline values only (never put keys there): drop valuesFrom, or manage the cluster with k0rdent');
      }
    }
  }
  if (cpl?.mode === 'k0rdent' && c.addonDelivery !== undefined) {
    add('.addonDelivery', 'k0rdent-managed clusters receive add-ons as ServiceTemplates in the ClusterDeployment; addonDelivery is for k0s clusters (standalone, hosted)');
  }
  if (!cpl) {
    if (addons.length > 0) add('.addons', 'add-ons need a control plane to deliver them; set controlPlane (standalone, hosted or k0rdent)');
    return issues;
  }
  const poolNames = ctx.pools.map((p) => p.name);

  const checkHosts = (hosts: ReadonlyArray<{ address: string; privateAddress?: string | undefined; nodePool?: string | undefined }>, field: string, joins: (i: number) => boolean) => {
    const priv = new Map<string, string>();
    const ssh = new Map<string, string>();
    hosts.forEach((h, i) => {
      const hp = `${field}[${i}]`;
      const pa = h.privateAddress ?? (isIpAddress(h.address) ? h.address : undefined);
      if (pa === undefined) {
        add(`${hp}.privateAddress`, `host '${h.address}' is named by DNS; give its privateAddress (the IP on the cluster network) so k0s does not guess the interface (k0sctl#451: NAT or VIP addresses picked by mistake)`);
      } else if (priv.has(pa)) {
        add(`${hp}.privateAddress`, `private address ${pa} is also used by ${priv.get(pa)}; every host needs its own`);
      } else priv.set(pa, hp.replace(/^\.controlPlane\./, ''));
      if (ssh.has(h.address)) add(`${hp}.address`, `address ${h.address} is also used by ${ssh.get(h.address)}; list each machine once`);
      else ssh.set(h.address, hp.replace(/^\.controlPlane\./, ''));
      if (h.nodePool !== undefined && !poolNames.includes(h.nodePool)) {
        add(`${hp}.nodePool`, `no node pool '${h.nodePool}' in this cluster${didYouMean(h.nodePool, poolNames)} (pools: ${poolNames.join(', ') || 'none'})`);
      } else if (h.nodePool === undefined && joins(i) && poolNames.length > 1) {
        add(`${hp}.nodePool`, `the cluster has several pools (${poolNames.join(', ')}); say which one this host belongs to`);
      }
    });
    // Each pool's count must match the machines that join it.
    for (const p of ctx.pools) {
      const n = hosts.filter((h, i) => joins(i) && (h.nodePool ?? (poolNames.length === 1 ? poolNames[0] : undefined)) === p.name).length;
      if (n !== p.count) add(field, `node pool '${p.name}' has count ${p.count} but ${n} host${n === 1 ? ' joins' : 's join'} it; list one host per node`);
    }
    return priv;
  };

  if (cpl.mode === 'standalone') {
    const hosts = cpl.hosts;
    const controllers = hosts.filter((h) => h.role !== 'worker').length;
    if (controllers === 0) add('.controlPlane.hosts', 'no host has a controller role; give at least one host role controller, controller+worker or single');
    hosts.forEach((h, i) => {
      if (h.noTaints !== undefined && h.role !== 'controller+worker') add(`.controlPlane.hosts[${i}].noTaints`, `only a controller+worker host can be untainted (this one is ${h.role}); drop noTaints`);
    });
    if (controllers === 2 && cpl.datastore?.type !== 'kine') {
      add(
        '.controlPlane.hosts',
        "two controllers cannot hold etcd quorum: losing either one stops the cluster, so two are less available than one. For a two-node site choose twoNode: 'controller-plus-worker' (one controller, one worker), 'kine-external-db' (both controllers, with datastore: { type: kine, dataSourceEnv } on an HA database) or 'hosted-control-plane' (controlPlane.mode: hosted); otherwise use 1 or 3 controllers",
      );
    }
    if (hosts.some((h) => h.role === 'single') && hosts.length !== 1) add('.controlPlane.hosts', `role 'single' is only for a one-host cluster (got ${hosts.length} hosts); use controller+worker`);
    // A tainted controller+worker (noTaints: false) runs no workloads: like a controller, it joins no pool.
    const priv = checkHosts(hosts, '.controlPlane.hosts', (i) => hosts[i]!.role !== 'controller' && !(hosts[i]!.role === 'controller+worker' && hosts[i]!.noTaints === false));
    if (cpl.externalAddress !== undefined && priv.has(cpl.externalAddress)) {
      add('.controlPlane.externalAddress', `${cpl.externalAddress} is also the private address of ${priv.get(cpl.externalAddress)}; a VIP/load balancer address must not be a host address (k0sctl#1100)`);
    }
    if (cilium && ciliumReplacesKubeProxy(cilium.values ?? {}) && cpl.externalAddress === undefined && controllers > 1) {
      const v = cilium.values ?? {};
      if (v.k8sServiceHost === undefined || v.k8sServicePort === undefined) {
        add(
          `.addons[${cilium.name}].values`,
          `Cilium replaces kube-proxy, so it must reach the API without it, and with ${controllers} controllers no one host address survives losing that controller: set the control plane externalAddress (a load balancer in front of the controllers), or k8sServiceHost and k8sServicePort (in a CiliumMesh: the member's apiServer, or kubeProxyReplacement: false)`,
        );
      }
    }
  } else if (cpl.mode === 'hosted') {
    const type = cpl.service?.type ?? (cpl.ingress ? 'ClusterIP' : 'LoadBalancer');
    // A NodePort control plane without its own address takes the hosting cluster's nodePortAddress: checked with the hosting plan.
    if (type === 'ClusterIP' && cpl.externalAddress === undefined && cpl.ingress === undefined) {
      add(
        '.controlPlane.externalAddress',
        `a ${type} control plane has no address that workers at ${ctx.site} can reach: join tokens would point at a pod IP (k0smotron#84). Set externalAddress (reachable on apiPort ${cpl.service?.apiPort ?? 30443} and konnectivityPort ${cpl.service?.konnectivityPort ?? 30132}), set ingress, or use service type LoadBalancer`,
      );
    }
    if (cpl.replicas === 2) {
      add('.controlPlane.replicas', 'two control-plane replicas cannot hold etcd quorum: losing either stops the cluster. Use 1 or 3 replicas');
    }
    if (cpl.sshKeySecret.key !== undefined && cpl.sshKeySecret.key !== 'value') {
      add('.controlPlane.sshKeySecret.key', `k0smotron reads the SSH private key from the key 'value' of the Secret (got '${cpl.sshKeySecret.key}'); store it under 'value' and drop key`);
    }
    cpl.workers.forEach((m, i) => {
      const user = m.user ?? 'root';
      if (user !== 'root' && m.useSudo === false) {
        add(`.controlPlane.workers[${i}].useSudo`, `user '${user}' is not root, and installing k0s needs root: set useSudo: true (or drop it to have it derived)`);
      }
      if (user === 'root' && m.useSudo === true) {
        add(`.controlPlane.workers[${i}].useSudo`, `useSudo is for non-root users (k0smotron#964); the user is root, drop useSudo`);
      }
    });
    checkHosts(cpl.workers, '.controlPlane.workers', () => true);
    if (cilium && ciliumReplacesKubeProxy(cilium.values ?? {}) && cpl.externalAddress === undefined && cpl.ingress === undefined) {
      const v = cilium.values ?? {};
      if (v.k8sServiceHost === undefined || v.k8sServicePort === undefined) {
        add(`.addons[${cilium.name}].values`, 'Cilium replaces kube-proxy, so it must reach the API without it; the LoadBalancer address is not known before it exists: set k8sServiceHost and k8sServicePort, or the control plane externalAddress (in a CiliumMesh: the member\'s apiServer, or kubeProxyReplacement: false)');
      }
    }
    if (!['bare-metal', 'edge'].includes(ctx.infrastructure)) {
      add('.controlPlane', `hosted control planes here join workers over SSH; site ${ctx.site} is ${ctx.infrastructure}. For cloud machines use mode k0rdent with template ${ctx.infrastructure}-hosted-cp`);
    }
  } else {
    const tname = cpl.template ?? defaultTemplateFor(ctx.infrastructure);
    const t = clusterTemplate(tname);
    if (!t) {
      add('.controlPlane.template', `unknown cluster template '${tname}'${didYouMean(tname, clusterTemplateNames())} (known: ${clusterTemplateNames().join(', ')})`);
    } else if (t.infrastructure !== undefined && t.infrastructure !== ctx.infrastructure) {
      add('.controlPlane.template', `template '${tname}' provisions on ${t.infrastructure}, but site ${ctx.site} is ${ctx.infrastructure}; pick a ${ctx.infrastructure} template or remote-cluster`);
    }
    if (ctx.credentials !== undefined && !ctx.credentials.includes(cpl.credential)) {
      add('.controlPlane.credential', `no credential named '${cpl.credential}'${didYouMean(cpl.credential, ctx.credentials)} in management.credentials (credentials: ${ctx.credentials.join(', ') || 'none'})`);
    }
    const config = cpl.config ?? {};
    for (const k of ['clusterNetwork', 'clusterLabels']) {
      if (k in config) {
        add(
          `.controlPlane.config.${k}`,
          k === 'clusterNetwork'
            ? 'pod and service CIDRs come from the fleet IP plan, so that no two clusters overlap; set network.podCIDR / network.serviceCIDR instead'
            : 'cluster labels are derived (site, region, jurisdiction, GPU vendor) so selectors work; add site labels instead',
        );
      }
    }
    const k0s = config.k0s;
    if (k0s && typeof k0s === 'object' && 'version' in k0s) add('.controlPlane.config.k0s.version', 'set k0sVersion on the cluster instead, so every object of it uses the same version');
    issues.push(...inlineSecretIssues(config, `${cp}.controlPlane.config`, cpl.notSecret, `${cp}.controlPlane.notSecret`));
    if (tname === 'remote-cluster') {
      const k0smotron = (config.k0smotron ?? {}) as { service?: { type?: unknown } };
      const type = k0smotron.service?.type ?? 'ClusterIP';
      if (type !== 'LoadBalancer') {
        add(
          '.controlPlane.config.k0smotron.service.type',
          `the remote-cluster template runs the control plane in the management cluster and has no externalAddress value: with service type ${String(type)}${k0smotron.service?.type === undefined ? ' (its default)' : ''} the machines at ${ctx.site} cannot reach it and join tokens point at a pod IP (k0smotron#84). Set k0smotron.service.type: LoadBalancer, or use mode hosted with externalAddress`,
        );
      }
    }
    if (tname === 'remote-cluster' && !Array.isArray(config.machines)) {
      add('.controlPlane.config.machines', "template remote-cluster needs the machines to join (its default is a placeholder at 0.0.0.0): list them with address, user and useSudo");
    }
    if (tname === 'remote-cluster' && Array.isArray(config.machines)) {
      config.machines.forEach((m: unknown, i: number) => {
        if (!m || typeof m !== 'object') return;
        const mm = m as { user?: unknown; useSudo?: unknown };
        const user = typeof mm.user === 'string' ? mm.user : 'root';
        if (user !== 'root' && mm.useSudo !== true) {
          add(`.controlPlane.config.machines[${i}].useSudo`, `user '${user}' is not root, and installing k0s needs root: set useSudo: true (the template default is false)`);
        }
        if (user === 'root' && mm.useSudo === true) add(`.controlPlane.config.machines[${i}].useSudo`, 'useSudo is for non-root users (k0smotron#964); the user is root, drop useSudo');
      });
    }
    if (cilium && ciliumReplacesKubeProxy(cilium.values ?? {})) {
      const v = cilium.values ?? {};
      if (v.k8sServiceHost === undefined || v.k8sServicePort === undefined) {
        add(
          `.addons[${cilium.name}].values`,
          "Cilium replaces kube-proxy, so it must reach the API without it: set k8sServiceHost and k8sServicePort (the address of the ClusterDeployment API is not known to this fleet; in a CiliumMesh: the member's apiServer, or kubeProxyReplacement: false)",
        );
      }
    }
  }

  issues.push(...twoNodeIssues(c.twoNode, cpl, cp));

  const ag = effectiveAirgap(c, ctx);
  if (isAirgapped(c, ctx) && cpl.mode !== 'k0rdent' && c.imageRepository === undefined && c.airgapBundle === undefined && ag?.registry === undefined && ag?.bundle === undefined) {
    add(
      '',
      `site ${ctx.site} is airgapped: k0s cannot pull its images. Set airgap.registry (a registry mirror filled from images.txt) or airgap.bundle (true when the nodes get the bundle built from images.txt, or its path for k0sctl to upload)`,
    );
  }
  if (c.airgapBundle !== undefined && cpl.mode !== 'standalone') {
    add('.airgapBundle', 'image bundles are uploaded by k0sctl, so they only work with mode standalone; use imageRepository');
  }
  // The cluster's own settings, or the site's (then the issue is the cluster's, and says so).
  const agPath = (field: string) => (c.airgap !== undefined ? `.airgap.${field}` : '');
  const fromSite = c.airgap !== undefined ? '' : `site ${ctx.site}'s airgap.bundle: `;
  if (typeof ag?.bundle === 'string' && cpl.mode !== 'standalone') {
    add(agPath('bundle'), `${fromSite}a bundle path is uploaded by k0sctl, so it works with mode standalone only (this cluster is ${cpl.mode}); use bundle: true and put the bundle in <data-dir>/images on the nodes yourself, or airgap.registry`);
  }
  if (cpl.mode === 'k0rdent' && (ag?.registry !== undefined || c.imageRepository !== undefined)) {
    add(
      c.imageRepository !== undefined ? '.imageRepository' : agPath('registry'),
      `${c.airgap === undefined && c.imageRepository === undefined ? `site ${ctx.site}'s airgap.registry: ` : ''}k0rdent cluster templates take no k0s image mirror per cluster (remote-cluster's k0s values are api, arch, extensions, network and version); kcm sets one for every cluster it manages (kcm chart value controller.globalRegistry). Drop the registry here and set it in kcm`,
    );
  }
  if (ag?.charts !== undefined && cpl.mode === 'k0rdent') {
    add(agPath('charts'), "k0rdent installs a cluster's charts from the management cluster's ServiceTemplates; point kcm at the mirror instead (kcm chart value controller.globalRegistry) and drop airgap.charts");
  }
  if (c.imageRepository !== undefined && ag?.registry !== undefined && c.imageRepository !== ag.registry) {
    add('.imageRepository', `imageRepository '${c.imageRepository}' and airgap.registry '${ag.registry}' name two mirrors for the same images; keep airgap.registry and drop imageRepository`);
  }
  if (c.airgapBundle !== undefined && typeof ag?.bundle === 'string' && c.airgapBundle !== ag.bundle) {
    add('.airgapBundle', `airgapBundle '${c.airgapBundle}' and airgap.bundle '${ag.bundle}' name two bundles; keep airgap.bundle and drop airgapBundle`);
  }
  return issues;
}

/** The air-gap settings that apply to a cluster: its own, else its site's. */
export function effectiveAirgap(c: { airgap?: AirgapSpec | undefined }, ctx: { readonly siteAirgap?: AirgapSpec | undefined }): AirgapSpec | undefined {
  return c.airgap ?? ctx.siteAirgap;
}

/** True when a cluster gets an image list: its site is airgapped or it has air-gap settings. */
export function isAirgapped(c: { airgap?: AirgapSpec | undefined; imageRepository?: string | undefined; airgapBundle?: string | undefined }, ctx: { readonly airgapped: boolean; readonly siteAirgap?: AirgapSpec | undefined }): boolean {
  return ctx.airgapped || effectiveAirgap(c, ctx) !== undefined;
}

/** An air-gapped cluster's k0s release must be in the image table, or its image list cannot be written. */
export function airgapVersionIssues(c: { k0sVersion?: string | undefined; airgap?: AirgapSpec | undefined }, ctx: ClusterContext, cp: string): ValidationIssue[] {
  if (!isAirgapped(c, ctx)) return [];
  const version = c.k0sVersion ?? DEFAULT_K0S_VERSION;
  if (!parseK0sVersion(version)) return []; // reported as not a k0s version
  if (k0sImages(version, { provider: 'kuberouter', kubeProxyDisabled: false })) return [];
  return [{ path: `${cp}.k0sVersion`, message: unknownK0sReleaseMessage(version) }];
}

/** The `twoNode` choice against the control plane it describes. */
function twoNodeIssues(choice: TwoNodeChoice | undefined, cpl: z.output<typeof controlPlaneSchema>, cp: string): ValidationIssue[] {
  if (choice === undefined) return [];
  const at = `${cp}.twoNode`;
  const machines = cpl.mode === 'standalone' ? cpl.hosts.length : cpl.mode === 'hosted' ? cpl.workers.length : undefined;
  const out: ValidationIssue[] = [];
  if (machines !== undefined && machines !== 2) out.push({ path: at, message: `twoNode describes a site of two machines; this control plane lists ${machines}. Drop twoNode, or list the two machines` });
  if (choice === 'hosted-control-plane' && cpl.mode !== 'hosted') {
    out.push({ path: at, message: `'hosted-control-plane' runs the control plane as pods in a management cluster: set controlPlane.mode: hosted with the two machines as workers (got mode ${cpl.mode})` });
  }
  if (choice === 'controller-plus-worker') {
    if (cpl.mode !== 'standalone') out.push({ path: at, message: `'controller-plus-worker' is a standalone cluster of one controller and one worker: set controlPlane.mode: standalone (got mode ${cpl.mode})` });
    else {
      const controllers = cpl.hosts.filter((h) => h.role !== 'worker').length;
      if (controllers !== 1 || cpl.hosts.filter((h) => h.role === 'worker').length !== 1) {
        out.push({ path: `${cp}.controlPlane.hosts`, message: `'controller-plus-worker' needs one host with role controller (or controller+worker) and one with role worker; got roles ${cpl.hosts.map((h) => h.role).join(', ')}` });
      }
      if (cpl.datastore !== undefined) out.push({ path: `${cp}.controlPlane.datastore`, message: "'controller-plus-worker' keeps etcd on its one controller; drop datastore, or choose twoNode: 'kine-external-db'" });
    }
  }
  if (choice === 'kine-external-db') {
    if (cpl.mode !== 'standalone') out.push({ path: at, message: `'kine-external-db' is a standalone cluster whose two controllers keep their state in an external database: set controlPlane.mode: standalone (got mode ${cpl.mode})` });
    else {
      if (cpl.datastore?.type !== 'kine') out.push({ path: `${cp}.controlPlane.datastore`, message: "'kine-external-db' needs datastore: { type: kine, dataSourceEnv: <variable holding the database URL when k0sctl runs> }" });
      if (cpl.hosts.some((h) => h.role !== 'controller+worker')) {
        out.push({ path: `${cp}.controlPlane.hosts`, message: `'kine-external-db' runs both machines as controller+worker, so either keeps serving the API and running pods when the other is lost; got roles ${cpl.hosts.map((h) => h.role).join(', ')}` });
      }
    }
  }
  return out;
}

/**
 * Secret values written inline, anywhere in `value` (see lib/model/secrets.ts). Secrets are referenced
 * by name, never written into the output. `notSecret` lists field paths known not to be secret.
 */
export function inlineSecretIssues(value: unknown, path: string, notSecret?: readonly string[], optOutField?: string): ValidationIssue[] {
  return secretIssues(value, path, { ...(notSecret ? { notSecret } : {}), ...(optOutField ? { optOutField } : {}) });
}

/** Resolves a parsed control plane with its defaults. Assumes `clusterIssues` found nothing. */
export function resolveControlPlane(
  cpl: z.output<typeof controlPlaneSchema>,
  ctx: { readonly infrastructure: Infrastructure; readonly managementSite: string; readonly pools: readonly string[] },
): ResolvedControlPlane {
  const host = <H extends { address: string; privateAddress?: string | undefined; nodePool?: string | undefined; user?: string | undefined; port?: number | undefined }>(h: H): ResolvedHost => ({
    address: h.address,
    privateAddress: h.privateAddress ?? h.address,
    ...(h.nodePool !== undefined ? { nodePool: h.nodePool } : ctx.pools.length === 1 ? { nodePool: ctx.pools[0]! } : {}),
    user: h.user ?? 'root',
    port: h.port ?? 22,
  });
  if (cpl.mode === 'standalone') {
    return {
      mode: 'standalone',
      hosts: cpl.hosts.map((h) => {
        const base = host(h);
        const keyPath = h.keyPath ?? cpl.keyPath;
        // Controllers without a worker run no pods: they belong to no pool.
        const { nodePool, ...rest } = base;
        // k0s taints controller+worker nodes NoSchedule; the host counts in its pool's capacity, so it takes workloads.
        const noTaints = h.role === 'controller+worker' ? (h.noTaints ?? true) : undefined;
        return { ...(h.role === 'controller' || noTaints === false ? rest : base), role: h.role, ...(keyPath !== undefined ? { keyPath } : {}), ...(noTaints ? { noTaints } : {}) };
      }),
      ...(cpl.externalAddress !== undefined ? { externalAddress: cpl.externalAddress } : {}),
      ...(cpl.datastore ? { kineDataSourceEnv: cpl.datastore.dataSourceEnv } : {}),
    };
  }
  if (cpl.mode === 'hosted') {
    const sizing = resolveSizing({ size: cpl.size, replicas: cpl.replicas, resources: cpl.resources, etcd: cpl.etcd });
    return {
      mode: 'hosted',
      managementSite: cpl.managementSite ?? ctx.managementSite,
      replicas: sizing.replicas,
      sizing,
      serviceGiven: {
        ...(cpl.service?.type !== undefined ? { type: cpl.service.type } : cpl.ingress ? { type: 'ClusterIP' as const } : {}),
        ...(cpl.service?.apiPort !== undefined ? { apiPort: cpl.service.apiPort } : {}),
        ...(cpl.service?.konnectivityPort !== undefined ? { konnectivityPort: cpl.service.konnectivityPort } : {}),
      },
      // Behind an ingress the Service only needs to be reachable by the ingress controller: no load balancer.
      service: { type: cpl.service?.type ?? (cpl.ingress ? 'ClusterIP' : 'LoadBalancer'), apiPort: cpl.service?.apiPort ?? 30443, konnectivityPort: cpl.service?.konnectivityPort ?? 30132 },
      ...(cpl.externalAddress !== undefined ? { externalAddress: cpl.externalAddress } : {}),
      ...(cpl.ingress
        ? {
            ingress: {
              apiHost: cpl.ingress.apiHost,
              konnectivityHost: cpl.ingress.konnectivityHost,
              ...(cpl.ingress.className !== undefined ? { className: cpl.ingress.className } : {}),
              port: cpl.ingress.port ?? 443,
            },
          }
        : {}),
      persistence: cpl.persistence ?? 'emptyDir',
      sshKeySecret: cpl.sshKeySecret.name,
      workers: cpl.workers.map((m) => {
        const h = host(m);
        return { ...h, useSudo: m.useSudo ?? h.user !== 'root' };
      }),
      workerMachines: cpl.workerMachines ?? 'individual',
    };
  }
  const template = cpl.template ?? defaultTemplateFor(ctx.infrastructure);
  return {
    mode: 'k0rdent',
    template,
    credential: cpl.credential,
    config: cpl.config ?? {},
    propagateCredentials: cpl.propagateCredentials ?? template !== 'remote-cluster',
  };
}

export function resolveAddons(addons: readonly z.output<typeof addonSchema>[] | undefined): ResolvedAddon[] {
  return (addons ?? [])
    .map((a) => ({ name: a.name, namespace: a.namespace, chart: { ...a.chart }, values: a.values ?? {}, order: a.order ?? 100 }))
    .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The k0s version of a cluster in release spelling. */
export function resolveK0sVersion(v: string | undefined): string {
  return releaseSpelling(v ?? DEFAULT_K0S_VERSION);
}

/** Names that occur more than once, sorted. */
export function dups(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const d = new Set<string>();
  for (const n of names) (seen.has(n) ? d : seen).add(n);
  return [...d].sort();
}
