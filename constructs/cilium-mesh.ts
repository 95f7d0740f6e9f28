import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { HelmChartAddon } from '../lib/addons/addon';
import { K0S_MANIFESTS_DIR } from '../lib/k0s/k0sctl';
import {
  CILIUM_NAMESPACE,
  DEFAULT_EXEMPT_NAMESPACES,
  baselinePolicy,
  flowPolicies,
  globalServiceObjects,
  meshPortOf,
  planMesh,
  type Encryption,
  type MeshCaSpec,
  type MeshMember,
  type MeshServiceType,
} from '../lib/mesh/cilium';
import { ciliumLoadBalancerObjects } from '../lib/mesh/cilium-lb';
import { knownNodeAddresses, meshReachability, type MeshReachability } from '../lib/mesh/reachability';
import { formatIssue, ValidationError, type ValidationIssue } from '../lib/model/errors';
import type { ResolvedFlow } from '../lib/net/flows';
import type { Capability } from '../lib/readiness/capability';
import type { K8sObject, PlacedObject } from '../lib/synth/objects';
import { Peer, Port, declareFlow } from './connections';
import { Fleet } from './fleet';
import type { ClusterChart } from './folder-chart';
import { K0sCluster } from './k0s-cluster';

/** A cluster joining a {@link CiliumMesh}. */
export interface CiliumMeshMember {
  /** The cluster (its chart receives the mesh's policies and services). */
  readonly cluster: ClusterChart;
  /**
   * The cluster's pod CIDR; meshed clusters need disjoint ones.
   * @default - a K0sCluster's pod CIDR from the fleet IP plan; required for other clusters
   */
  readonly podCidr?: string;
  /**
   * The cluster's service CIDR, checked against every pod CIDR of the mesh.
   * @default - a K0sCluster's service CIDR; not checked for other clusters
   */
  readonly serviceCidr?: string;
  /**
   * Cilium cluster ID, 1..255 (1..511 with maxConnectedClusters 511).
   * @default - derived from the cluster name, stable when other clusters are added except on a hash clash
   */
  readonly clusterId?: number;
  /** Address (IP or DNS name) where the other clusters reach this cluster's clustermesh-apiserver. */
  readonly meshEndpoint: string;
  /**
   * Port of the clustermesh-apiserver endpoint, as the peers dial it.
   * @default - 2379 behind a LoadBalancer Service, the node port for a NodePort Service
   */
  readonly meshPort?: number;
  /**
   * How the peers reach this cluster's clustermesh-apiserver. `LoadBalancer` needs something that gives
   * LoadBalancer Services an address in the cluster (its `loadBalancer` provider, `present.loadBalancer`,
   * a cloud template's CCM): synth fails without one. With `NodePort`, `meshEndpoint` is a node address,
   * a name resolving to the nodes, or a VIP in front of them.
   * @default - the mesh's apiServerServiceType; else LoadBalancer when the cluster has a LoadBalancer provider (read at synth), NodePort otherwise
   */
  readonly serviceType?: MeshServiceType;
  /**
   * Node port of a NodePort clustermesh-apiserver Service (30000-32767).
   * @default 32379
   */
  readonly nodePort?: number;
  /**
   * The Kubernetes API address reachable from this cluster's nodes; required with kube-proxy replacement.
   * @default - a K0sCluster's API endpoint where the fleet knows it; otherwise none, and then kubeProxyReplacement must be false
   */
  readonly apiServer?: { readonly host: string; readonly port: number };
  /**
   * Replace kube-proxy with Cilium (k0s must run with kube-proxy disabled and network provider `custom`).
   * @default true
   */
  readonly kubeProxyReplacement?: boolean;
  /**
   * Node InternalIPs of the cluster, for the mesh's reachability checks and report.
   * @default - a K0sCluster's hosts (standalone), workers (hosted) or machines (k0rdent remote-cluster); unknown otherwise
   */
  readonly nodeAddresses?: readonly string[];
  /**
   * Install the mesh's Cilium chart through the cluster's add-ons (a K0sCluster delivers it the way its
   * control plane takes add-ons). The values are read at synth time, so clusters added later still
   * appear in every peer list. Set false to deliver `addonFor(cluster)` yourself.
   * @default true for a K0sCluster; other clusters cannot take add-ons
   */
  readonly install?: boolean;
}

/** The manifest stack (folder under `/var/lib/k0s/manifests/`) that delivers the mesh CA to k0s controllers. */
export const MESH_CA_STACK = 'k0smos-mesh-ca';
/** The Secret every member's Cilium issues its mesh certificates from. */
export const MESH_CA_SECRET = `${CILIUM_NAMESPACE}/cilium-ca`;

/** Where a {@link MeshCa.sharedSecret} CA is kept before it reaches the clusters. Never the key itself: files and Secrets you make once. */
export interface SharedSecretCaOptions {
  /**
   * The manifest of the `cilium-ca` Secret (kube-system, keys `ca.crt` and `ca.key`) on the machine that
   * runs k0sctl: uploaded to every controller of standalone members, into the k0s manifest deployer's
   * folder, before k0s starts. An absolute path: k0sctl reads a relative one against the folder of
   * `k0sctl.yaml`, inside the GitOps tree, where the key would end up committed.
   * @default '/etc/k0smos/mesh-ca/cilium-ca.yaml'
   */
  readonly manifestFile?: string;
  /**
   * A Secret in the management namespace holding the same manifest under the key `cilium-ca.yaml`:
   * mounted into the control-plane pods of hosted members (`K0smotronControlPlane.spec.manifests`), which
   * do not start without it.
   * @default 'cilium-ca-manifest'
   */
  readonly manifestSecret?: string;
  /**
   * A Secret in the management namespace holding the chart values `tls.ca.cert` and `tls.ca.key`
   * (base64 PEM) under the key `values.yaml`: passed to Cilium on k0rdent members through the
   * ClusterDeployment service's `valuesFrom`; the chart then writes `cilium-ca` itself.
   * @default 'cilium-ca-values'
   */
  readonly valuesSecret?: string;
}

/** The issuer of a {@link MeshCa.certManager} CA. */
export interface CertManagerCaIssuer {
  readonly name: string;
  readonly kind: 'Issuer' | 'ClusterIssuer';
  /**
   * The Secret (keys `tls.crt`, `tls.key`) of the CA that the issuer signs with: the mesh then writes the
   * issuer (a CA issuer over this Secret) into every member, and each member requires the Secret
   * (namespace `cert-manager` for a ClusterIssuer, `kube-system` for an Issuer). Create it from the same
   * CA in every member.
   * @default - the issuer is yours: it must exist in every member and sign with the same CA there
   */
  readonly caSecret?: string;
}

/** How the shared CA reaches one member (plain data for the readiness report and docs). */
export type MeshCaDelivery =
  | { readonly kind: 'k0sctl-file'; readonly cluster: string; readonly file: string; readonly uploadedTo: string; readonly creates: string }
  | { readonly kind: 'k0smotron-manifests'; readonly cluster: string; readonly secret: MeshCaSecretRef; readonly creates: string }
  | { readonly kind: 'kcm-values-from'; readonly cluster: string; readonly secret: MeshCaSecretRef; readonly creates: string }
  | { readonly kind: 'cert-manager'; readonly cluster: string; readonly issuer: { readonly kind: 'Issuer' | 'ClusterIssuer'; readonly name: string }; readonly caSecret?: MeshCaSecretRef }
  | { readonly kind: 'manual'; readonly cluster: string; readonly creates: string; readonly why: string };

/** A Secret the user creates once, in the cluster that reads it. */
export interface MeshCaSecretRef {
  /** The cluster the Secret lives in (the management cluster for hosted and k0rdent members). */
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** The key holding the file. */
  readonly key?: string;
}

/** Where the mesh's shared CA comes from. */
export class MeshCa {
  /**
   * One CA, made once by you (README: Cilium mesh), delivered to every member before Cilium starts and
   * never written into the output: standalone members get the `cilium-ca` Secret manifest uploaded by
   * k0sctl into the k0s manifest deployer's folder of every controller; hosted members get it from a
   * Secret in the management namespace mounted into their control plane; k0rdent members get the CA as
   * chart values through `valuesFrom`. Cilium's certgen Job issues the mesh certificates from it and
   * never makes a CA of its own. Members that install Cilium themselves (`install: false`) need the
   * `cilium-ca` Secret in kube-system first.
   */
  public static sharedSecret(options: SharedSecretCaOptions = {}): MeshCa {
    const f = options.manifestFile;
    if (f !== undefined && !f.startsWith('/')) {
      throw new Error(
        `MeshCa.sharedSecret: manifestFile '${f}' is relative; k0sctl reads relative paths against the folder of k0sctl.yaml, inside the GitOps tree, where the CA key would be committed. Give an absolute path on the machine that runs k0sctl`,
      );
    }
    if (f !== undefined && !/\.ya?ml$/.test(f)) throw new Error(`MeshCa.sharedSecret: manifestFile '${f}' must end in .yaml or .yml (the k0s manifest deployer applies only those)`);
    return new MeshCa({ kind: 'shared-secret' }, options, undefined);
  }
  /**
   * cert-manager issues the mesh certificates from an issuer backed by one CA in every cluster. The CA
   * exists before the mesh connects, not before Cilium starts (cert-manager's pods need the CNI): the
   * Cilium add-on needs `api:cert-manager.io` (its chart writes Certificates).
   */
  public static certManager(issuer: CertManagerCaIssuer): MeshCa {
    return new MeshCa({ kind: 'cert-manager', issuer: { name: issuer.name, kind: issuer.kind } }, {}, issuer.caSecret);
  }
  private constructor(
    /** The CA as the chart values see it. */
    public readonly spec: MeshCaSpec,
    private readonly options: SharedSecretCaOptions,
    /** The CA Secret behind a cert-manager issuer the mesh writes. */
    public readonly issuerCaSecret: string | undefined,
  ) {}

  /** The manifest file uploaded to standalone members. */
  public get manifestFile(): string {
    return this.options.manifestFile ?? '/etc/k0smos/mesh-ca/cilium-ca.yaml';
  }
  /** The Secret mounted into hosted members' control planes. */
  public get manifestSecret(): string {
    return this.options.manifestSecret ?? 'cilium-ca-manifest';
  }
  /** The Secret of chart values for k0rdent members. */
  public get valuesSecret(): string {
    return this.options.valuesSecret ?? 'cilium-ca-values';
  }
}

/** Properties of a {@link CiliumMesh}. */
export interface CiliumMeshProps {
  /**
   * Transparent encryption of pod traffic between nodes and sites.
   * @default 'wireguard'
   */
  readonly encryption?: Encryption;
  /**
   * Datapath routing mode, identical in every cluster of the mesh.
   * @default 'tunnel'
   */
  readonly routingMode?: 'tunnel' | 'native';
  /**
   * With native routing, the network that covers every pod CIDR.
   * @default - the smallest network covering all pod CIDRs of the mesh
   */
  readonly ipv4NativeRoutingCidr?: string;
  /**
   * Most clusters the mesh can hold: 255 or 511 (fixed after install; 511 halves cluster-local identities).
   * @default 255
   */
  readonly maxConnectedClusters?: 255 | 511;
  /**
   * How peers reach each clustermesh-apiserver, for members that do not say (`serviceType`).
   * @default - per member: LoadBalancer when the cluster has a LoadBalancer provider, NodePort otherwise
   */
  readonly apiServerServiceType?: MeshServiceType;
  /**
   * The shared CA of the mesh.
   * @default MeshCa.sharedSecret()
   */
  readonly ca?: MeshCa;
  /**
   * Deny all traffic of pods outside the exempt namespaces by default (DNS allowed), so only declared flows
   * pass. Endpoints without a namespace (cilium-health, the host) are never selected.
   * @default true
   */
  readonly defaultDeny?: boolean;
  /**
   * Namespaces the default-deny baseline leaves alone, in addition to the infrastructure and GitOps ones
   * (`DEFAULT_EXEMPT_NAMESPACES`: kube-system, kube-public, kube-node-lease, cilium-secrets, k0smotron,
   * kcm-system, projectsveltos, k0smos-system, flux-system, argocd, cert-manager, keda, kserve,
   * knative-serving, kubeflow, kubeflow-system, gpu-operator, kube-amd-gpu, metallb-system, openebs,
   * local-path-storage).
   * @default []
   */
  readonly exemptNamespaces?: readonly string[];
  /**
   * Extra Cilium Helm values merged into every cluster's values.
   * @default {}
   */
  readonly extraValues?: Readonly<Record<string, unknown>>;
}

/** One end of a {@link CiliumMesh.addFlow} flow. */
export interface MeshFlowEnd {
  readonly cluster: ClusterChart;
  readonly namespace: string;
  /** Pod labels selecting the endpoints. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** A service shared across the mesh ({@link CiliumMesh.addGlobalService}). */
export interface MeshGlobalServiceProps {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly targetPort?: number; readonly protocol?: 'TCP' | 'UDP' }[];
  /** Clusters that run backends and export them. */
  readonly backends: readonly ClusterChart[];
  /**
   * Clusters that only consume the service.
   * @default []
   */
  readonly consumers?: readonly ClusterChart[];
  /**
   * Prefer local or remote backends.
   * @default 'none'
   */
  readonly affinity?: 'local' | 'remote' | 'none';
}

/**
 * A Cilium ClusterMesh over clusters of the fleet: unique cluster names and IDs, disjoint pod CIDRs,
 * per-cluster Helm values (ClusterMesh on, each peer's endpoint, WireGuard by default, kube-proxy
 * replacement), a default-deny baseline per cluster, policies for every flow declared in the fleet whose
 * ends are in the mesh (egress at the source, ingress at the destination), and global services.
 * The Cilium chart of each cluster is exposed as a {@link HelmChartAddon} (`addonFor`).
 */
export class CiliumMesh extends Construct {
  private readonly members: CiliumMeshMember[] = [];
  private readonly props: CiliumMeshProps;
  /** Secrets the management cluster must hold for hosted and k0rdent members, until that cluster is found. */
  private readonly pending: { site: string; capability: Capability; by: string; why: string; member: string }[] = [];
  /** Problems found while adding members (bad LoadBalancer ranges), reported at synth with the rest. */
  private readonly memberIssues: ValidationIssue[] = [];

  constructor(scope: Construct, id: string, props: CiliumMeshProps = {}) {
    super(scope, id);
    this.props = props;
    this.node.addValidation({ validate: () => this.problems().map((i) => formatIssue(i)) });
    // Flows are rendered with the tree, once placement has put every placed workload in its cluster.
    Fleet.of(this).addFlowRenderer((flows) => this.flowObjects(flows));
  }

  /** The shared CA of the mesh. */
  public get ca(): MeshCa {
    return this.props.ca ?? MeshCa.sharedSecret();
  }

  /** The namespaces the default-deny baseline leaves alone: the defaults and `exemptNamespaces`, sorted. */
  public get exemptNamespaces(): string[] {
    return [...new Set([...DEFAULT_EXEMPT_NAMESPACES, ...(this.props.exemptNamespaces ?? [])])].sort();
  }

  /** Adds a cluster to the mesh. Refuses a cluster that is in it already. */
  public addCluster(member: CiliumMeshMember): this {
    if (this.members.some((m) => m.cluster === member.cluster)) throw new Error(`${this.node.path}: cluster '${member.cluster.clusterName}' is in the mesh already`);
    const k0s = K0sCluster.isK0sCluster(member.cluster) ? member.cluster : undefined;
    if (member.podCidr === undefined && !k0s) throw new Error(`${this.node.path}: cluster '${member.cluster.clusterName}': podCidr is required for a cluster the fleet IP plan does not number; give the cluster's pod CIDR`);
    if (member.install === true && !k0s) throw new Error(`${this.node.path}: cluster '${member.cluster.clusterName}': install needs a K0sCluster; deliver addonFor(cluster) yourself or set install: false`);
    this.members.push(member);
    if (k0s && (member.install ?? true)) k0s.addAddon(this.addonFor(k0s));
    this.deliverCa(member, k0s);
    if (k0s?.loadBalancer?.provider === 'cilium') this.addCiliumLoadBalancer(k0s);
    if (this.props.defaultDeny ?? true) {
      this.emit(member.cluster, `baseline-${member.cluster.clusterName}`, baselinePolicy(this.exemptNamespaces));
    }
    return this;
  }

  /**
   * Allows traffic from one set of pods to another, across clusters of the mesh: egress at the source,
   * ingress at the destination. The flow is declared on the fleet like any workload's own (a flow declared
   * twice gets one pair of policies); prefer letting the workload declare it (`connections.allowTo`).
   */
  public addFlow(name: string, flow: { from: MeshFlowEnd; to: MeshFlowEnd; ports: readonly { port: number; protocol?: 'TCP' | 'UDP' }[] }): this {
    for (const end of [flow.from, flow.to]) this.requireMember(end.cluster, `flow '${name}'`);
    declareFlow(
      this,
      name,
      Peer.pods(flow.from.cluster, flow.from.namespace, flow.from.podLabels),
      Peer.pods(flow.to.cluster, flow.to.namespace, flow.to.podLabels),
      flow.ports.map((p) => Port.of(p.port, p.protocol ?? 'TCP')),
    );
    return this;
  }

  /** The policies of the flows whose ends are in this mesh, into the clusters of both ends. */
  private flowObjects(flows: readonly ResolvedFlow[]): PlacedObject[] {
    const charts = new Map(this.members.map((m) => [m.cluster.clusterName, m.cluster]));
    const out: PlacedObject[] = [];
    for (const f of flows) {
      for (const p of flowPolicies(f, (c) => charts.has(c))) {
        out.push({ target: charts.get(p.cluster)!.target, object: p.object, source: this.node.path });
      }
    }
    return out;
  }

  /** A Service with the same name and namespace in each listed cluster, marked global for the mesh. */
  public addGlobalService(props: MeshGlobalServiceProps): this {
    const all = [...props.backends, ...(props.consumers ?? [])];
    for (const c of all) this.requireMember(c, `global service '${props.name}'`);
    const objects = globalServiceObjects({
      name: props.name,
      namespace: props.namespace,
      selector: props.selector,
      ports: props.ports,
      backends: props.backends.map((c) => c.clusterName),
      consumers: (props.consumers ?? []).map((c) => c.clusterName),
      ...(props.affinity ? { affinity: props.affinity } : {}),
    });
    for (const o of objects) {
      const chart = all.find((c) => c.clusterName === o.cluster)!;
      this.emit(chart, `svc-${props.namespace}-${props.name}-${o.cluster}`, o.object);
    }
    return this;
  }

  /** The clusters of the mesh with their Cilium cluster IDs (sorted by name). */
  public clusterIds(): { cluster: string; clusterId: number }[] {
    return this.plan().clusters.map((c) => ({ cluster: c.cluster, clusterId: c.clusterId }));
  }

  /**
   * The Cilium chart of one cluster, with its mesh values, for delivery by the cluster layer. The
   * values are computed when read, so they follow clusters added to the mesh afterwards.
   */
  public addonFor(cluster: ClusterChart): HelmChartAddon {
    const find = () => this.plan().clusters.find((c) => c.cluster === cluster.clusterName);
    const first = find();
    if (!first) {
      // A cluster the plan could not take (the mesh is full): say why, not that it is missing.
      const full = this.plan().issues.filter((i) => i.path === 'clusters');
      if (full.length > 0) throw new ValidationError(full.map((i) => ({ path: this.node.path, message: `cannot add cluster '${cluster.clusterName}': ${i.message}` })));
      throw new Error(`${this.node.path}: cluster '${cluster.clusterName}' is not in the mesh`);
    }
    const { name, namespace, chart, order } = first.addon;
    // k0rdent members installed by the mesh read the shared CA from a Secret (never inline values).
    const member = this.members.find((m) => m.cluster === cluster);
    const k0s = K0sCluster.isK0sCluster(cluster) ? cluster : undefined;
    const valuesFrom =
      this.ca.spec.kind === 'shared-secret' && k0s?.controlPlane?.mode === 'k0rdent' && (member?.install ?? true) ? [{ kind: 'Secret' as const, name: this.ca.valuesSecret }] : undefined;
    const addon = { name, namespace, chart, ...(order !== undefined ? { order } : {}), ...(valuesFrom ? { valuesFrom } : {}) } as HelmChartAddon;
    // Read at synth, like the values: the Service type follows the cluster's LoadBalancer settings.
    return Object.defineProperties(addon, {
      // A plan with errors leaves the cluster out; synth-time validation reports why.
      values: { enumerable: true, get: () => find()?.addon.values ?? {} },
      needs: { enumerable: true, get: () => find()?.addon.needs },
      provides: { enumerable: true, get: () => find()?.addon.provides },
    });
  }

  /**
   * What the mesh needs from the networks around one member, as plain data for the readiness report:
   * its clustermesh-apiserver endpoint and the traffic its nodes must accept from the peers' nodes
   * (tunnel and encryption ports, health checks), names that must resolve, routes (native routing),
   * and notes on what the fleet cannot check.
   */
  public reachability(cluster: ClusterChart): MeshReachability {
    this.requireMember(cluster, 'reachability');
    return this.reachabilityPlan().members.find((r) => r.cluster === cluster.clusterName)!;
  }

  /** {@link reachability} of every member, sorted by cluster name. */
  public reachabilityReport(): MeshReachability[] {
    return this.reachabilityPlan().members;
  }

  /** How the shared CA reaches one member, and which Secret or file you make for it. */
  public caDelivery(cluster: ClusterChart): MeshCaDelivery {
    this.requireMember(cluster, 'caDelivery');
    const member = this.members.find((m) => m.cluster === cluster)!;
    const k0s = K0sCluster.isK0sCluster(cluster) ? cluster : undefined;
    const name = cluster.clusterName;
    const ca = this.ca;
    if (ca.spec.kind === 'cert-manager') {
      const secret = ca.issuerCaSecret !== undefined ? { cluster: name, namespace: ca.spec.issuer.kind === 'ClusterIssuer' ? 'cert-manager' : CILIUM_NAMESPACE, name: ca.issuerCaSecret } : undefined;
      return { kind: 'cert-manager', cluster: name, issuer: { ...ca.spec.issuer }, ...(secret ? { caSecret: secret } : {}) };
    }
    const mode = k0s?.controlPlane?.mode;
    if (!k0s || !(member.install ?? true) || mode === undefined) {
      return { kind: 'manual', cluster: name, creates: MESH_CA_SECRET, why: 'Cilium is installed outside the mesh: create the Secret before it starts' };
    }
    const mgmt = this.managementClusterName(k0s) ?? `the management cluster at ${this.managementSiteOf(k0s)}`;
    const ns = Fleet.of(this).managementNamespace;
    if (mode === 'standalone') return { kind: 'k0sctl-file', cluster: name, file: ca.manifestFile, uploadedTo: `${K0S_MANIFESTS_DIR}/${MESH_CA_STACK}/`, creates: MESH_CA_SECRET };
    if (mode === 'hosted') return { kind: 'k0smotron-manifests', cluster: name, secret: { cluster: mgmt, namespace: ns, name: ca.manifestSecret, key: 'cilium-ca.yaml' }, creates: MESH_CA_SECRET };
    return { kind: 'kcm-values-from', cluster: name, secret: { cluster: mgmt, namespace: ns, name: ca.valuesSecret, key: 'values.yaml' }, creates: MESH_CA_SECRET };
  }

  private plan() {
    return planMesh(this.meshMembers(), {
      ...(this.props.maxConnectedClusters !== undefined ? { maxConnectedClusters: this.props.maxConnectedClusters } : {}),
      ...(this.props.encryption !== undefined ? { encryption: this.props.encryption } : {}),
      ...(this.props.routingMode !== undefined ? { routingMode: this.props.routingMode } : {}),
      ...(this.props.ipv4NativeRoutingCidr !== undefined ? { ipv4NativeRoutingCidr: this.props.ipv4NativeRoutingCidr } : {}),
      ca: this.ca.spec,
      ...(this.props.extraValues !== undefined ? { extraValues: this.props.extraValues } : {}),
    });
  }

  /** The members as plain data, read now: Service types follow the clusters' LoadBalancer settings. */
  private meshMembers(): MeshMember[] {
    return this.members.map((m) => {
      const k0s = K0sCluster.isK0sCluster(m.cluster) ? m.cluster : undefined;
      const serviceCidr = m.serviceCidr ?? k0s?.serviceCIDR;
      const apiServer = m.apiServer ?? k0s?.apiEndpoint;
      const lb = k0s?.loadBalancer;
      return {
        cluster: m.cluster.clusterName,
        site: m.cluster.siteName,
        podCidr: m.podCidr ?? k0s!.podCIDR,
        meshEndpoint: m.meshEndpoint,
        serviceType: this.serviceTypeOf(m),
        ...(serviceCidr !== undefined ? { serviceCidr } : {}),
        ...(m.clusterId !== undefined ? { clusterId: m.clusterId } : {}),
        ...(m.meshPort !== undefined ? { meshPort: m.meshPort } : {}),
        ...(m.nodePort !== undefined ? { nodePort: m.nodePort } : {}),
        ...(lb ? { loadBalancer: { provider: lb.provider, addresses: [...lb.addresses] } } : {}),
        ...(apiServer !== undefined ? { apiServer: { host: apiServer.host, port: apiServer.port } } : {}),
        ...(m.kubeProxyReplacement !== undefined ? { kubeProxyReplacement: m.kubeProxyReplacement } : {}),
      };
    });
  }

  /** The member's Service type: its own, the mesh's, else LoadBalancer where something gives LoadBalancer Services an address. */
  private serviceTypeOf(m: CiliumMeshMember): MeshServiceType {
    if (m.serviceType !== undefined) return m.serviceType;
    if (this.props.apiServerServiceType !== undefined) return this.props.apiServerServiceType;
    return K0sCluster.isK0sCluster(m.cluster) && m.cluster.hasLoadBalancer ? 'LoadBalancer' : 'NodePort';
  }

  private reachabilityPlan() {
    return meshReachability(
      this.meshMembers().map((mm) => {
        const m = this.members.find((x) => x.cluster.clusterName === mm.cluster)!;
        const k0s = K0sCluster.isK0sCluster(m.cluster) ? m.cluster : undefined;
        const nodes = m.nodeAddresses ?? (k0s ? knownNodeAddresses(k0s.controlPlane?.spec, k0s.site.infrastructure) : undefined);
        return {
          cluster: mm.cluster,
          site: mm.site,
          podCidr: mm.podCidr,
          ...(mm.serviceCidr !== undefined ? { serviceCidr: mm.serviceCidr } : {}),
          ...(nodes !== undefined ? { nodeAddresses: nodes } : {}),
          endpoint: { address: mm.meshEndpoint, port: meshPortOf(mm), serviceType: mm.serviceType ?? 'LoadBalancer' },
        };
      }),
      { routingMode: this.props.routingMode ?? 'tunnel', encryption: this.props.encryption ?? 'wireguard' },
    );
  }

  /** Every problem of the mesh, checked at synth: the plan's, the networks', the exposure's and the CA's. */
  private problems(): ValidationIssue[] {
    this.flushPending();
    const issues: ValidationIssue[] = [...this.plan().issues, ...this.reachabilityPlan().issues, ...this.memberIssues];
    for (const m of this.members) {
      const k0s = K0sCluster.isK0sCluster(m.cluster) ? m.cluster : undefined;
      const explicit = m.serviceType ?? this.props.apiServerServiceType;
      if (explicit === 'LoadBalancer' && k0s && !k0s.hasLoadBalancer) {
        issues.push({
          path: `clusters[${k0s.name}].serviceType`,
          message: `the clustermesh-apiserver Service of cluster '${k0s.name}' is LoadBalancer${m.serviceType === undefined ? ' (the mesh\'s apiServerServiceType)' : ''}, but nothing gives LoadBalancer Services an address there: give the cluster a loadBalancer (provider metallb or cilium, with addresses on the nodes' LAN), declare present.loadBalancer on the cluster or its site, or use serviceType 'NodePort' (the default without a provider)`,
        });
      }
    }
    for (const p of this.pending) {
      issues.push({
        path: `clusters[${p.member}]`,
        message: `the mesh CA for '${p.member}' is read from ${p.capability.slice('secret:'.length)} in the management cluster, but site '${p.site}' has ${this.clustersAt(p.site) === undefined ? 'no such site' : `${this.clustersAt(p.site)!.length} clusters`}; the management site needs exactly one cluster so the fleet can say where the Secret goes`,
      });
    }
    return issues;
  }

  /** The shared CA's way into one member, and the Secrets it needs declared on the cluster that reads them. */
  private deliverCa(member: CiliumMeshMember, k0s: K0sCluster | undefined): void {
    const ca = this.ca;
    const name = member.cluster.clusterName;
    const by = `CiliumMesh ${this.node.path}`;
    if (ca.spec.kind === 'cert-manager') {
      if (ca.issuerCaSecret === undefined) return;
      const issuer = ca.spec.issuer;
      const ns = issuer.kind === 'ClusterIssuer' ? 'cert-manager' : CILIUM_NAMESPACE;
      this.emit(member.cluster, `ca-issuer-${name}`, {
        apiVersion: 'cert-manager.io/v1',
        kind: issuer.kind,
        metadata: { name: issuer.name, ...(issuer.kind === 'Issuer' ? { namespace: CILIUM_NAMESPACE } : {}) },
        spec: { ca: { secretName: ca.issuerCaSecret } },
      });
      k0s?.require(`secret:${ns}/${ca.issuerCaSecret}`, { by, why: `the mesh CA behind ${issuer.kind} ${issuer.name}: the same CA in every member (README: Cilium mesh)`, source: this.node.path });
      return;
    }
    const mode = k0s?.controlPlane?.mode;
    if (!k0s) return; // reported by caDelivery as manual: the fleet cannot declare needs on other clusters
    if (!(member.install ?? true) || mode === undefined) {
      k0s.require(`secret:${MESH_CA_SECRET}`, { by, why: 'Cilium is installed outside the mesh (install: false): create the mesh CA Secret before it starts (README: Cilium mesh)', source: this.node.path });
      return;
    }
    if (mode === 'standalone') {
      k0s.addManifestStack(MESH_CA_STACK, { file: ca.manifestFile });
      return;
    }
    if (mode === 'hosted') k0s.addManifestStack(MESH_CA_STACK, { secret: ca.manifestSecret });
    const ns = Fleet.of(this).managementNamespace;
    const secret = mode === 'hosted' ? ca.manifestSecret : ca.valuesSecret;
    const why =
      mode === 'hosted'
        ? `the mesh CA for ${name}: the cilium-ca Secret manifest (key cilium-ca.yaml), mounted into its control plane (K0smotronControlPlane.spec.manifests) before Cilium starts (README: Cilium mesh)`
        : `the mesh CA for ${name}: Cilium's tls.ca.cert and tls.ca.key (key values.yaml), read through the ClusterDeployment service's valuesFrom (README: Cilium mesh)`;
    this.pending.push({ site: this.managementSiteOf(k0s), capability: `secret:${ns}/${secret}`, by, why, member: name });
    this.flushPending();
  }

  /** Declares the pending management-cluster Secrets on that cluster once it can be found. */
  private flushPending(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      const clusters = this.clustersAt(p.site);
      if (clusters?.length !== 1) continue;
      clusters[0]!.require(p.capability, { by: p.by, why: p.why, source: this.node.path });
      this.pending.splice(i, 1);
    }
  }

  private clustersAt(site: string): K0sCluster[] | undefined {
    return Fleet.of(this).sites.find((s) => s.name === site)?.clusters;
  }

  /** The site whose management cluster runs a hosted member's control plane, or reads a k0rdent member's services. */
  private managementSiteOf(k0s: K0sCluster): string {
    const spec = k0s.controlPlane?.spec;
    // A hosted control plane runs where the fleet's hosting plan puts it (the management cluster or a region's).
    const host = spec?.mode === 'hosted' ? Fleet.of(this).controlPlaneHost(k0s.name) : undefined;
    return host?.siteName ?? (spec?.mode === 'hosted' ? spec.managementSite : undefined) ?? Fleet.of(this).managementSite;
  }

  private managementClusterName(k0s: K0sCluster): string | undefined {
    const host = k0s.controlPlane?.mode === 'hosted' ? Fleet.of(this).controlPlaneHost(k0s.name) : undefined;
    if (host) return host.name;
    const clusters = this.clustersAt(this.managementSiteOf(k0s));
    return clusters?.length === 1 ? clusters[0]!.name : undefined;
  }

  /** Cilium LB IPAM in a member whose LoadBalancer provider is Cilium: the address pool and the L2 announcement policy. */
  private addCiliumLoadBalancer(k0s: K0sCluster): void {
    const lb = k0s.loadBalancer!;
    const { objects, issues } = ciliumLoadBalancerObjects({ addresses: lb.addresses, ...(lb.interfaces ? { interfaces: lb.interfaces } : {}) });
    for (const i of issues) this.memberIssues.push({ path: `clusters[${k0s.name}]`, message: `${i}; write the cluster's loadBalancer.addresses as CIDRs or first-last ranges` });
    for (const o of objects) this.emit(k0s, `lb-${k0s.name}-${o.kind.toLowerCase()}`, o);
  }

  private requireMember(c: ClusterChart, what: string): void {
    if (!this.members.some((m) => m.cluster === c)) {
      throw new Error(`${this.node.path}: ${what} uses cluster '${c.clusterName}', which is not in the mesh; add it with addCluster() first`);
    }
  }

  private emit(chart: ClusterChart, id: string, object: K8sObject): void {
    new ApiObject(chart, `${this.node.id}-${id}`, object as unknown as ConstructorParameters<typeof ApiObject>[2]);
  }
}
