import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { HelmChartAddon } from '../lib/addons/addon';
import {
  DEFAULT_EXEMPT_NAMESPACES,
  baselinePolicy,
  flowPolicies,
  globalServiceObjects,
  planMesh,
  type Encryption,
  type MeshMember,
} from '../lib/mesh/cilium';
import { formatIssue } from '../lib/model/errors';
import type { ResolvedFlow } from '../lib/net/flows';
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
   * Port of the clustermesh-apiserver endpoint.
   * @default 2379
   */
  readonly meshPort?: number;
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
   * Install the mesh's Cilium chart through the cluster's add-ons (a K0sCluster delivers it the way its
   * control plane takes add-ons). The values are read at synth time, so clusters added later still
   * appear in every peer list. Set false to deliver `addonFor(cluster)` yourself.
   * @default true for a K0sCluster; other clusters cannot take add-ons
   */
  readonly install?: boolean;
}

/** Where the mesh's shared CA comes from. */
export class MeshCa {
  /**
   * The same `cilium-ca` Secret is created in `kube-system` of every cluster before Cilium installs (for
   * example from one ExternalSecret); Cilium's certificate job then issues mesh certificates from it.
   */
  public static sharedSecret(): MeshCa {
    return new MeshCa({ kind: 'shared-secret' });
  }
  /** cert-manager issues the mesh certificates from an issuer backed by one CA in every cluster. */
  public static certManager(issuer: { name: string; kind: 'Issuer' | 'ClusterIssuer' }): MeshCa {
    return new MeshCa({ kind: 'cert-manager', issuer });
  }
  private constructor(public readonly spec: { readonly kind: 'shared-secret' } | { readonly kind: 'cert-manager'; readonly issuer: { readonly name: string; readonly kind: 'Issuer' | 'ClusterIssuer' } }) {}
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
   * How peers reach each clustermesh-apiserver.
   * @default 'LoadBalancer'
   */
  readonly apiServerServiceType?: 'LoadBalancer' | 'NodePort';
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

  constructor(scope: Construct, id: string, props: CiliumMeshProps = {}) {
    super(scope, id);
    this.props = props;
    this.node.addValidation({ validate: () => this.plan().issues.map((i) => formatIssue(i)) });
    // Flows are rendered with the tree, once placement has put every placed workload in its cluster.
    Fleet.of(this).addFlowRenderer((flows) => this.flowObjects(flows));
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
    if (!first) throw new Error(`${this.node.path}: cluster '${cluster.clusterName}' is not in the mesh`);
    const { name, namespace, chart, order } = first.addon;
    return Object.defineProperty({ name, namespace, chart, ...(order !== undefined ? { order } : {}) } as HelmChartAddon, 'values', {
      enumerable: true,
      // A plan with errors leaves the cluster out; synth-time validation reports why.
      get: () => find()?.addon.values ?? {},
    });
  }

  private plan() {
    const members: MeshMember[] = this.members.map((m) => {
      const k0s = K0sCluster.isK0sCluster(m.cluster) ? m.cluster : undefined;
      const serviceCidr = m.serviceCidr ?? k0s?.serviceCIDR;
      const apiServer = m.apiServer ?? k0s?.apiEndpoint;
      return {
        cluster: m.cluster.clusterName,
        site: m.cluster.siteName,
        podCidr: m.podCidr ?? k0s!.podCIDR,
        meshEndpoint: m.meshEndpoint,
        ...(serviceCidr !== undefined ? { serviceCidr } : {}),
        ...(m.clusterId !== undefined ? { clusterId: m.clusterId } : {}),
        ...(m.meshPort !== undefined ? { meshPort: m.meshPort } : {}),
        ...(apiServer !== undefined ? { apiServer: { host: apiServer.host, port: apiServer.port } } : {}),
        ...(m.kubeProxyReplacement !== undefined ? { kubeProxyReplacement: m.kubeProxyReplacement } : {}),
      };
    });
    return planMesh(members, {
      ...(this.props.maxConnectedClusters !== undefined ? { maxConnectedClusters: this.props.maxConnectedClusters } : {}),
      ...(this.props.encryption !== undefined ? { encryption: this.props.encryption } : {}),
      ...(this.props.routingMode !== undefined ? { routingMode: this.props.routingMode } : {}),
      ...(this.props.ipv4NativeRoutingCidr !== undefined ? { ipv4NativeRoutingCidr: this.props.ipv4NativeRoutingCidr } : {}),
      ...(this.props.apiServerServiceType !== undefined ? { apiServerServiceType: this.props.apiServerServiceType } : {}),
      ...(this.props.ca !== undefined ? { ca: this.props.ca.spec } : {}),
      ...(this.props.extraValues !== undefined ? { extraValues: this.props.extraValues } : {}),
    });
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
