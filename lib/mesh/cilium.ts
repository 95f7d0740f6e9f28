/**
 * The Cilium ClusterMesh plan: cluster IDs, per-cluster Helm values, mesh-wide checks, baseline and
 * flow policies, global services. Pure: data in, data and issues out.
 *
 * Facts (Cilium 1.19 chart and docs): cluster.name at most 32 characters, DNS-like, not `default` when
 * the id is not 0; cluster.id 1..255 (1..511 with maxConnectedClusters 511), unique in the mesh;
 * maxConnectedClusters and the routing mode identical in all clusters; pod CIDRs disjoint across the
 * mesh; kube-proxy replacement needs k8sServiceHost/Port; in 1.19 policy selectors match the local
 * cluster unless they name one with `io.cilium.k8s.policy.cluster`.
 */
import type { HelmChartAddon } from '../addons/addon';
import type { Capability } from '../readiness/capability';
import type { ValidationIssue } from '../model/errors';
import type { K8sObject } from '../synth/objects';
import { contains, coveringCidr, formatCidr, isIpAddress, overlaps, parseCidr, parseIpv4, type Cidr } from '../net/cidr';
import type { ResolvedEndpoint, ResolvedFlow } from '../net/flows';
import { parseAddressRange, rangeContains, type AddressRange } from '../net/range';
import { UNALLOCATED_CIDR } from '../model/ip-plan';

export const CILIUM_CHART = { repo: 'https://helm.cilium.io', name: 'cilium', version: '1.19.4' } as const;
export const CILIUM_NAMESPACE = 'kube-system';
/** Label Cilium gives every endpoint with the name of its cluster. */
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';

/**
 * Namespaces the default-deny baseline leaves alone: the infrastructure and GitOps components must keep
 * working whatever policies the fleet writes. A mesh's `exemptNamespaces` add to this list.
 */
export const DEFAULT_EXEMPT_NAMESPACES: readonly string[] = [
  // Kubernetes and k0s (CoreDNS, konnectivity, metrics-server, Cilium itself live in kube-system).
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'cilium-secrets',
  // k0smotron, k0rdent and what kcm brings (Flux controllers, Sveltos, CAPI providers, cert-manager).
  'k0smotron',
  'kcm-system',
  'projectsveltos',
  'k0smos-system',
  // GitOps engines.
  'flux-system',
  'argocd',
  // Operators of objects the library writes and the add-ons that meet cluster requirements.
  'cert-manager',
  'keda',
  'kserve',
  'knative-serving',
  'kubeflow',
  'kubeflow-system',
  'gpu-operator',
  'kube-amd-gpu',
  'metallb-system',
  'openebs',
  'local-path-storage',
];

/** One cluster of the mesh. */
export interface MeshMember {
  readonly cluster: string;
  readonly site: string;
  /** The cluster's pod CIDR (from the fleet IP plan). */
  readonly podCidr: string;
  /** The cluster's service CIDR, checked against every pod CIDR. */
  readonly serviceCidr?: string;
  /** Explicit Cilium cluster ID; derived from the name when absent. */
  readonly clusterId?: number;
  /** Address (IP or DNS name) where peers reach this cluster's clustermesh-apiserver. */
  readonly meshEndpoint: string;
  /** Port of that endpoint. @default 2379 for a LoadBalancer Service, the node port for a NodePort Service */
  readonly meshPort?: number;
  /** Type of the clustermesh-apiserver Service. @default 'LoadBalancer' */
  readonly serviceType?: MeshServiceType;
  /** Node port of a NodePort clustermesh-apiserver Service (the Kubernetes node port range). @default 32379 */
  readonly nodePort?: number;
  /**
   * The LoadBalancer provider the fleet installs in this cluster, with its address ranges: `cilium`
   * turns on L2 announcements in the values (for every LoadBalancer Service of the cluster); an IP
   * `meshEndpoint` of a LoadBalancer Service must lie in the ranges and is requested for the Service
   * (`loadBalancerIP`, honoured by MetalLB and Cilium LB IPAM).
   * @default - none known to the fleet (a cloud CCM or a balancer declared present)
   */
  readonly loadBalancer?: { readonly provider: 'metallb' | 'cilium'; readonly addresses: readonly string[] };
  /** API server address reachable from the nodes; required when kube-proxy is replaced. */
  readonly apiServer?: { readonly host: string; readonly port: number };
  /** Replace kube-proxy (k0s must then disable kube-proxy). @default true */
  readonly kubeProxyReplacement?: boolean;
}

export type Encryption = 'wireguard' | 'ipsec' | 'none';
export type MeshServiceType = 'LoadBalancer' | 'NodePort';

/** The default node port of the clustermesh-apiserver (chart 1.19 `clustermesh.apiserver.service.nodePort`). */
export const MESH_NODE_PORT = 32379;
/** The clustermesh-apiserver's own port (etcd protocol over mTLS). */
export const MESH_API_PORT = 2379;
/** Where the mesh CA comes from; see {@link meshCaValues}. */
export type MeshCaSpec =
  | { readonly kind: 'shared-secret' }
  | { readonly kind: 'cert-manager'; readonly issuer: { readonly name: string; readonly kind: 'Issuer' | 'ClusterIssuer' } };

export interface MeshOptions {
  /** 255 (default) or 511; identical mesh-wide and fixed after install. */
  readonly maxConnectedClusters?: 255 | 511;
  /** @default 'wireguard' */
  readonly encryption?: Encryption;
  /** @default 'tunnel' */
  readonly routingMode?: 'tunnel' | 'native';
  /** With native routing: must cover every pod CIDR; derived as their covering network when absent. */
  readonly ipv4NativeRoutingCidr?: string;
  /** Where the shared mesh CA comes from. @default { kind: 'shared-secret' } */
  readonly ca?: MeshCaSpec;
  /** Extra Helm values merged into every cluster's values (last word wins on conflicts). */
  readonly extraValues?: Readonly<Record<string, unknown>>;
}

export interface MeshClusterPlan {
  readonly cluster: string;
  readonly site: string;
  readonly clusterId: number;
  readonly addon: HelmChartAddon;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** FNV-1a of the name: the preferred ID slot, so IDs do not depend on which clusters exist. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Cluster IDs: explicit IDs are kept; the others take the slot their name hashes to, probing upward on
 * a clash in name order. An ID therefore stays the same when clusters are added, except when a new
 * cluster clashes with an auto-assigned one whose name sorts after it; pin `clusterId` to rule that out.
 */
export function assignClusterIds(members: readonly MeshMember[], max: number): Map<string, number> {
  const ids = new Map<string, number>();
  const taken = new Set<number>();
  for (const m of members) {
    if (m.clusterId !== undefined) {
      ids.set(m.cluster, m.clusterId);
      taken.add(m.clusterId);
    }
  }
  const auto = members.filter((m) => m.clusterId === undefined).map((m) => m.cluster).sort();
  for (const name of auto) {
    let slot = (fnv1a(name) % max) + 1;
    for (let i = 0; i < max && taken.has(slot); i++) slot = (slot % max) + 1;
    if (taken.has(slot)) continue; // full: reported by the caller
    ids.set(name, slot);
    taken.add(slot);
  }
  return ids;
}

/** Checks the mesh-wide rules and derives each cluster's Cilium values. Issues are returned, not thrown. */
export function planMesh(members: readonly MeshMember[], options: MeshOptions = {}): { clusters: MeshClusterPlan[]; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const max = options.maxConnectedClusters ?? 255;
  const encryption = options.encryption ?? 'wireguard';
  const routingMode = options.routingMode ?? 'tunnel';
  const sorted = [...members].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));

  if (max !== 255 && max !== 511) issues.push({ path: 'maxConnectedClusters', message: `must be 255 or 511 (got ${max})` });
  if (sorted.length > max) {
    issues.push({ path: 'clusters', message: `a mesh holds at most ${max} clusters (got ${sorted.length}); split the fleet into several meshes${max === 255 ? ' or set maxConnectedClusters: 511 (fixed after install, halves cluster-local identities)' : ''}` });
  }

  const seen = new Map<string, number>();
  for (const m of sorted) {
    const p = `clusters[${m.cluster}]`;
    seen.set(m.cluster, (seen.get(m.cluster) ?? 0) + 1);
    if (m.cluster.length > 32 || !NAME_RE.test(m.cluster)) {
      issues.push({ path: `${p}.name`, message: `Cilium cluster names are DNS labels of at most 32 characters (got '${m.cluster}', ${m.cluster.length} characters)` });
    }
    if (m.cluster === 'default') issues.push({ path: `${p}.name`, message: `'default' is reserved for a cluster outside any mesh (cluster ID 0); rename the cluster` });
    if (m.clusterId !== undefined && (!Number.isInteger(m.clusterId) || m.clusterId < 1 || m.clusterId > max)) {
      issues.push({ path: `${p}.clusterId`, message: `must be a whole number from 1 to ${max} (got ${m.clusterId})` });
    }
    const type = m.serviceType ?? 'LoadBalancer';
    if (type === 'NodePort' && m.nodePort !== undefined && (!Number.isInteger(m.nodePort) || m.nodePort < 30000 || m.nodePort > 32767)) {
      issues.push({ path: `${p}.nodePort`, message: `must be a port in the Kubernetes node port range 30000-32767 (got ${m.nodePort}); drop it for ${MESH_NODE_PORT}` });
    }
    if (m.loadBalancer?.provider === 'cilium' && !(m.kubeProxyReplacement ?? true)) {
      issues.push({
        path: `${p}.kubeProxyReplacement`,
        message: `loadBalancer.provider 'cilium' announces LoadBalancer addresses with Cilium's L2 announcements, which need kube-proxy replacement (off here); give the member's apiServer so Cilium can replace kube-proxy, or use loadBalancer.provider 'metallb'`,
      });
    }
    const pin = loadBalancerIp(m);
    if (typeof pin === 'string' && pin.startsWith('!')) issues.push({ path: `${p}.meshEndpoint`, message: pin.slice(1) });
    if ((m.kubeProxyReplacement ?? true) && !m.apiServer) {
      issues.push({
        path: `${p}.apiServer`,
        message:
          "kube-proxy replacement needs the API server address reachable from the nodes (k8sServiceHost/k8sServicePort); give the cluster's controlPlane.externalAddress (a load balancer in front of its controllers), or apiServer, or turn kubeProxyReplacement off",
      });
    }
  }
  for (const [name, n] of [...seen.entries()].sort()) {
    if (n > 1) issues.push({ path: `clusters[${name}]`, message: `cluster '${name}' is in the mesh ${n} times; cluster names must be unique in a mesh` });
  }
  const byId = new Map<number, string[]>();
  for (const m of sorted) if (m.clusterId !== undefined) byId.set(m.clusterId, [...(byId.get(m.clusterId) ?? []), m.cluster]);
  for (const [id, names] of [...byId.entries()].sort((a, b) => a[0] - b[0])) {
    if (names.length > 1) issues.push({ path: 'clusters', message: `cluster ID ${id} is given to ${names.join(' and ')}; IDs must be unique in a mesh` });
  }

  // Addresses: pod CIDRs pairwise disjoint, service CIDRs clear of every pod CIDR.
  const pods: { m: MeshMember; c: Cidr }[] = [];
  for (const m of sorted) {
    // A cluster the fleet IP plan could not address: the plan says why; its placeholder would overlap every other.
    if (m.podCidr === UNALLOCATED_CIDR) continue;
    const c = parseCidr(m.podCidr);
    if (typeof c === 'string') issues.push({ path: `clusters[${m.cluster}].podCidr`, message: c });
    else pods.push({ m, c });
  }
  for (let i = 0; i < pods.length; i++) {
    for (let j = i + 1; j < pods.length; j++) {
      if (overlaps(pods[i]!.c, pods[j]!.c)) {
        issues.push({
          path: 'clusters',
          message: `pod CIDRs of ${pods[i]!.m.cluster} (${pods[i]!.m.podCidr}) and ${pods[j]!.m.cluster} (${pods[j]!.m.podCidr}) overlap; meshed clusters need disjoint pod CIDRs (let the fleet IP plan allocate them)`,
        });
      }
    }
  }
  for (const m of sorted) {
    if (!m.serviceCidr || m.serviceCidr === UNALLOCATED_CIDR) continue;
    const s = parseCidr(m.serviceCidr);
    if (typeof s === 'string') {
      issues.push({ path: `clusters[${m.cluster}].serviceCidr`, message: s });
      continue;
    }
    for (const p of pods) {
      if (overlaps(s, p.c)) issues.push({ path: `clusters[${m.cluster}].serviceCidr`, message: `service CIDR ${m.serviceCidr} overlaps the pod CIDR of ${p.m.cluster} (${p.m.podCidr})` });
    }
  }

  let nativeCidr: string | undefined;
  if (routingMode === 'native' && pods.length > 0) {
    if (options.ipv4NativeRoutingCidr) {
      const n = parseCidr(options.ipv4NativeRoutingCidr);
      if (typeof n === 'string') issues.push({ path: 'ipv4NativeRoutingCidr', message: n });
      else {
        for (const p of pods) {
          if (!contains(n, p.c)) issues.push({ path: 'ipv4NativeRoutingCidr', message: `${options.ipv4NativeRoutingCidr} does not cover the pod CIDR of ${p.m.cluster} (${p.m.podCidr}); native routing needs it to cover every cluster's pods` });
        }
        nativeCidr = options.ipv4NativeRoutingCidr;
      }
    } else {
      nativeCidr = formatCidr(coveringCidr(pods.map((p) => p.c)));
    }
  }

  const ids = assignClusterIds(sorted, max);
  const clusters: MeshClusterPlan[] = [];
  for (const m of sorted) {
    const id = ids.get(m.cluster);
    if (id === undefined) continue;
    const peers = sorted.filter((x) => x.cluster !== m.cluster).map((x) => ({ name: x.cluster, address: x.meshEndpoint, port: meshPortOf(x) }));
    const kpr = m.kubeProxyReplacement ?? true;
    const ca = meshCaValues(options.ca ?? { kind: 'shared-secret' });
    // Cilium gives the cluster's LoadBalancer Services (this one and any other) their addresses.
    const l2 = m.loadBalancer?.provider === 'cilium';
    const values: Record<string, unknown> = {
      cluster: { name: m.cluster, id },
      ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [m.podCidr] } },
      routingMode,
      ...(nativeCidr ? { ipv4NativeRoutingCIDR: nativeCidr } : {}),
      kubeProxyReplacement: kpr,
      ...(kpr && m.apiServer ? { k8sServiceHost: m.apiServer.host, k8sServicePort: m.apiServer.port } : {}),
      ...(l2 ? { l2announcements: { enabled: true }, k8sClientRateLimit: { ...L2_CLIENT_RATE_LIMIT } } : {}),
      encryption: encryption === 'none' ? { enabled: false } : { enabled: true, type: encryption, ...(encryption === 'wireguard' ? { nodeEncryption: false } : {}) },
      clustermesh: {
        useAPIServer: true,
        maxConnectedClusters: max,
        policyDefaultLocalCluster: true,
        apiserver: {
          service: serviceValues(m),
          tls: { auto: ca.auto, server: serverSans(m.meshEndpoint) },
        },
        config: { enabled: true, domain: 'mesh.cilium.io', clusters: peers },
      },
      hubble: { relay: { enabled: true }, ...(ca.hubble ? { tls: { auto: ca.hubble } } : {}) },
      ...(ca.certgen ? { certgen: ca.certgen } : {}),
    };
    // What the chart needs that its objects do not show: cert-manager's API for its Certificates, and
    // something that gives its LoadBalancer Service an address.
    const needs: Capability[] = [...(options.ca?.kind === 'cert-manager' ? (['api:cert-manager.io'] as const) : []), ...((m.serviceType ?? 'LoadBalancer') === 'LoadBalancer' ? (['loadbalancer'] as const) : [])];
    const provides: Capability[] = ['api:cilium.io', ...(l2 ? (['loadbalancer'] as const) : [])];
    clusters.push({
      cluster: m.cluster,
      site: m.site,
      clusterId: id,
      addon: { name: 'cilium', namespace: CILIUM_NAMESPACE, chart: { ...CILIUM_CHART }, values: deepMerge(values, options.extraValues ?? {}), order: 0, provides, ...(needs.length > 0 ? { needs } : {}) },
    });
  }
  return { clusters, issues };
}

/**
 * Client rate limit of the Cilium agent with L2 announcements: each announced Service holds a lease
 * that every node renews every few seconds, so the chart's defaults (10 qps, burst 20) throttle the
 * agent's other API calls; upstream's L2 announcements guide asks to raise them with the number of
 * Services. Override with `extraValues` for many LoadBalancer Services.
 */
export const L2_CLIENT_RATE_LIMIT = { qps: 50, burst: 100 } as const;

/** The port peers dial: the member's own, else 2379 behind a load balancer or the node port. */
export function meshPortOf(m: Pick<MeshMember, 'meshPort' | 'serviceType' | 'nodePort'>): number {
  if (m.meshPort !== undefined) return m.meshPort;
  return (m.serviceType ?? 'LoadBalancer') === 'NodePort' ? (m.nodePort ?? MESH_NODE_PORT) : MESH_API_PORT;
}

/**
 * The address to request for a LoadBalancer clustermesh-apiserver: the member's IP endpoint when the
 * fleet installs the provider and knows its ranges. A string starting with `!` is a problem to report.
 */
function loadBalancerIp(m: MeshMember): string | undefined {
  if ((m.serviceType ?? 'LoadBalancer') !== 'LoadBalancer' || !m.loadBalancer) return undefined;
  const ip = parseIpv4(m.meshEndpoint);
  if (ip === undefined) return undefined;
  const ranges = m.loadBalancer.addresses.map(parseAddressRange).filter((r): r is AddressRange => typeof r !== 'string');
  if (!ranges.some((r) => rangeContains(r, ip))) {
    return `!${m.meshEndpoint} is not in the cluster's loadBalancer.addresses (${m.loadBalancer.addresses.join(', ')}), so ${m.loadBalancer.provider === 'cilium' ? 'Cilium LB IPAM' : 'MetalLB'} cannot give it to the clustermesh-apiserver Service; pick an address from those ranges, or use a DNS name that points at the address the Service gets`;
  }
  return m.meshEndpoint;
}

function serviceValues(m: MeshMember): Record<string, unknown> {
  if ((m.serviceType ?? 'LoadBalancer') === 'NodePort') return { type: 'NodePort', nodePort: m.nodePort ?? MESH_NODE_PORT };
  const ip = loadBalancerIp(m);
  return { type: 'LoadBalancer', ...(ip !== undefined && !ip.startsWith('!') ? { loadBalancerIP: ip } : {}) };
}

/**
 * The peers dial `https://<meshEndpoint>:<port>` and check the server certificate against that name,
 * so the clustermesh-apiserver certificate carries the endpoint besides its defaults (the in-cluster
 * Service name and `*.mesh.cilium.io`).
 */
function serverSans(endpoint: string): Record<string, unknown> {
  return isIpAddress(endpoint) ? { extraIpAddresses: [endpoint] } : { extraDnsNames: [endpoint] };
}

/**
 * Chart values that make every member trust one CA (Cilium chart 1.19.4):
 * - shared Secret: the `cilium-ca` Secret in kube-system is delivered before Cilium starts (or its
 *   `tls.ca.cert`/`tls.ca.key` values come from a Secret through k0rdent's valuesFrom, and the chart
 *   writes it). The clustermesh and Hubble certificates are issued by the chart's certgen Job (method
 *   `cronJob`), which reuses `cilium-ca`; `certgen.generateCA: false` keeps it from ever making a CA of
 *   its own: without the shared CA the Job fails and retries instead of splitting the mesh. Method
 *   `helm` is avoided: with it (and by default for Hubble) the chart renders `cilium-ca` itself, and
 *   Helm refuses to take over a Secret created before it.
 * - cert-manager: the clustermesh certificates are Certificates from the given issuer, which must be a
 *   CA issuer over the same CA in every cluster; Hubble keeps the chart's default.
 */
export function meshCaValues(ca: MeshCaSpec): { auto: Record<string, unknown>; hubble?: Record<string, unknown>; certgen?: Record<string, unknown> } {
  if (ca.kind === 'cert-manager') {
    return { auto: { enabled: true, method: 'certmanager', certManagerIssuerRef: { group: 'cert-manager.io', kind: ca.issuer.kind, name: ca.issuer.name } } };
  }
  return { auto: { enabled: true, method: 'cronJob' }, hubble: { method: 'cronJob' }, certgen: { generateCA: false } };
}

function deepMerge(a: Record<string, unknown>, b: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = cur && v && typeof cur === 'object' && typeof v === 'object' && !Array.isArray(cur) && !Array.isArray(v) ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** Selector key of the namespace label every pod endpoint carries (cilium-health, host and world carry none). */
export const NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

/**
 * The default-deny baseline for one cluster: every pod endpoint outside the exempt namespaces is denied in
 * both directions but DNS to kube-dns; declared flows add their own allows. The selector asks for the
 * namespace label to exist before comparing it, so endpoints without one (cilium-health `reserved:health`,
 * the host) are not selected: a `NotIn` alone matches them (cilium/cilium#11099, #14871).
 */
export function baselinePolicy(exempt: readonly string[]): K8sObject {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumClusterwideNetworkPolicy',
    metadata: { name: 'k0smos-default-deny' },
    spec: {
      description: 'Default deny for pods outside the infrastructure namespaces; DNS to kube-dns allowed. Flows declared in the fleet are allowed by their own policies.',
      endpointSelector: {
        matchExpressions: [
          { key: NAMESPACE_LABEL, operator: 'Exists' },
          { key: NAMESPACE_LABEL, operator: 'NotIn', values: [...new Set(exempt)].sort() },
        ],
      },
      enableDefaultDeny: { ingress: true, egress: true },
      egress: [{ toEndpoints: [dnsSelector()], toPorts: [dnsPorts()] }],
    },
  };
}

function dnsSelector(cluster?: string): Record<string, unknown> {
  return { matchLabels: { [NAMESPACE_LABEL]: 'kube-system', 'k8s:k8s-app': 'kube-dns', ...(cluster ? { [CLUSTER_LABEL]: cluster } : {}) } };
}

function dnsPorts(): Record<string, unknown> {
  return {
    ports: [
      { port: '53', protocol: 'UDP' },
      { port: '53', protocol: 'TCP' },
    ],
    rules: { dns: [{ matchPattern: '*' }] },
  };
}

/** The selector of a pods end, naming its namespace and its cluster (policies select the local cluster unless told). */
function podsSelector(e: Extract<ResolvedEndpoint, { kind: 'pods' }>): Record<string, unknown> {
  return { matchLabels: { ...e.podLabels, [NAMESPACE_LABEL]: e.namespace, [CLUSTER_LABEL]: e.cluster } };
}

function l4(f: ResolvedFlow): Record<string, unknown> {
  if (f.ports.length === 0) return {};
  return { toPorts: [{ ports: f.ports.map((p) => ({ port: String(p.port), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol })) }] };
}

/** The peer part of the egress rule at the source. */
function egressPeer(f: ResolvedFlow): Record<string, unknown> {
  const to = f.to;
  switch (to.kind) {
    case 'pods':
      return { toEndpoints: [podsSelector(to)], ...l4(f) };
    case 'dns':
      // The same L7 DNS rule as the baseline, so DNS visibility does not depend on which policy matched.
      return { toEndpoints: [dnsSelector(to.cluster)], toPorts: [dnsPorts()] };
    case 'api-server':
      return { toEntities: ['kube-apiserver'], ...l4(f) };
    case 'world':
      return { ...(to.cidrs.length ? { toCIDRSet: to.cidrs.map((cidr) => ({ cidr })) } : { toEntities: ['world'] }), ...l4(f) };
  }
}

/** The peer part of the ingress rule at the destination. */
function ingressPeer(f: ResolvedFlow): Record<string, unknown> {
  const from = f.from;
  if (from.kind === 'pods') return { fromEndpoints: [podsSelector(from)], ...l4(f) };
  if (from.kind === 'world') return { ...(from.cidrs.length ? { fromCIDRSet: from.cidrs.map((cidr) => ({ cidr })) } : { fromEntities: ['world'] }), ...l4(f) };
  return {};
}

/**
 * The policies of one flow: egress at the source when the source is pods of a mesh cluster, ingress at the
 * destination when the destination is pods of a mesh cluster. Each names the other end's cluster. The
 * policies only add allows (`enableDefaultDeny` off in both directions): they never put an endpoint into
 * default deny by themselves, so a flow into an exempt namespace does not lock that namespace down.
 * DNS, the API server and outside addresses get no policy of ours at their end.
 */
export function flowPolicies(f: ResolvedFlow, inMesh: (cluster: string) => boolean): { cluster: string; site: string; object: K8sObject }[] {
  const out: { cluster: string; site: string; object: K8sObject }[] = [];
  const ends = [f.from, f.to].filter((e): e is Exclude<ResolvedEndpoint, { kind: 'world' }> => e.kind !== 'world');
  // A flow whose pods are in a cluster outside the mesh cannot be allowed by identity at either end.
  if (ends.some((e) => !inMesh(e.cluster))) return out;
  const additive = { ingress: false, egress: false };
  if (f.from.kind === 'pods') {
    out.push({
      cluster: f.from.cluster,
      site: f.from.site,
      object: {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `allow-${f.name}-egress`, namespace: f.from.namespace },
        spec: {
          description: `Flow ${f.name} (${f.declaredBy}): ${f.description}`,
          endpointSelector: { matchLabels: { ...f.from.podLabels } },
          enableDefaultDeny: additive,
          egress: [egressPeer(f)],
        },
      },
    });
  }
  if (f.to.kind === 'pods') {
    out.push({
      cluster: f.to.cluster,
      site: f.to.site,
      object: {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: `allow-${f.name}-ingress`, namespace: f.to.namespace },
        spec: {
          description: `Flow ${f.name} (${f.declaredBy}): ${f.description}`,
          endpointSelector: { matchLabels: { ...f.to.podLabels } },
          enableDefaultDeny: additive,
          ingress: [ingressPeer(f)],
        },
      },
    });
  }
  return out;
}

/** A Service shared across the mesh: the same name and namespace in every listed cluster. */
export interface GlobalService {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly targetPort?: number; readonly protocol?: 'TCP' | 'UDP' }[];
  /** Clusters that run backends and export them. */
  readonly backends: readonly string[];
  /** Clusters that only consume the service (their local endpoints, if any, are not exported). @default [] */
  readonly consumers?: readonly string[];
  /** Prefer local or remote backends. @default 'none' */
  readonly affinity?: 'local' | 'remote' | 'none';
}

/** The Service object per cluster for a global service. */
export function globalServiceObjects(g: GlobalService): { cluster: string; object: K8sObject }[] {
  const clusters = [...new Set([...g.backends, ...(g.consumers ?? [])])].sort();
  return clusters.map((cluster) => ({
    cluster,
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: g.name,
        namespace: g.namespace,
        annotations: {
          'service.cilium.io/global': 'true',
          ...(g.backends.includes(cluster) ? {} : { 'service.cilium.io/shared': 'false' }),
          ...(g.affinity && g.affinity !== 'none' ? { 'service.cilium.io/affinity': g.affinity } : {}),
        },
      },
      spec: {
        selector: { ...g.selector },
        ports: g.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP' })),
      },
    },
  }));
}
