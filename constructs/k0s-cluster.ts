import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { HelmChartAddon } from '../lib/addons/addon';
import type { PoolPartitioning } from '../lib/gpu/plan';
import { GPU_LABELS } from '../lib/gpu/scheduling';
import {
  isCilium,
  resolveControlPlane,
  resolveK0sVersion,
  type ApiEndpoint,
  type ClusterNetworkSpec,
  type ControlPlaneSpec,
  type HostedControlPlaneSpec,
  type K0rdentControlPlaneSpec,
  type ResolvedControlPlane,
  type StandaloneControlPlaneSpec,
} from '../lib/model/cluster';
import { clusterTemplate, clusterTemplateObjectName } from '../lib/model/cluster-templates';
import type { Infrastructure, NodePoolSpec } from '../lib/model/fleet';
import { gpuModel, type GpuVendor } from '../lib/model/gpu-models';
import { clusterAddresses } from '../lib/model/ip-plan';
import { LABELS } from '../lib/model/labels';
import { clusterConfig, clusterConfigSpec, deriveAddonValues, k0sNetwork, sortAddons } from '../lib/k0s/cluster-config';
import { k0sctlCluster } from '../lib/k0s/k0sctl';
import { hostedControlPlane, individualWorker, pooledWorkers } from '../lib/k0smotron/objects';
import { deploymentConfig, KCM_API_VERSION, serviceEntry } from '../lib/kcm/objects';
import type { K8sObject } from '../lib/synth/objects';
import { isCapability, presentCapabilities, type Capability, type PresentSpec, type Requirement } from '../lib/readiness/capability';
import { toYamlOrdered } from '../lib/synth/serialize';
import { ClusterAddon, type AddonDelivery } from './cluster-addon';
import { Fleet } from './fleet';
import { ClusterChart, OutputFile } from './folder-chart';

/** Options of a standalone control plane: k0s on site machines, bootstrapped with k0sctl. */
export type StandaloneControlPlaneProps = Omit<StandaloneControlPlaneSpec, 'mode'>;
/** Options of a control plane hosted by k0smotron in a management cluster, workers joined over SSH. */
export type HostedControlPlaneProps = Omit<HostedControlPlaneSpec, 'mode'>;
/** Options of a cluster managed by k0rdent from a cluster template. */
export type K0rdentControlPlaneProps = Omit<K0rdentControlPlaneSpec, 'mode'>;

/** How a cluster's control plane runs. Create one with a static factory. */
export class ControlPlane {
  /** k0s on the site's machines, bootstrapped by `k0sctl apply` from the `k0sctl.yaml` written to the cluster's folder. */
  public static standalone(props: StandaloneControlPlaneProps): ControlPlane {
    return new ControlPlane({ mode: 'standalone', ...props });
  }

  /** k0s controllers as pods in the management cluster (k0smotron, Cluster API); workers at the site joined over SSH. */
  public static hosted(props: HostedControlPlaneProps): ControlPlane {
    return new ControlPlane({ mode: 'hosted', ...props });
  }

  /** A k0rdent ClusterDeployment from a cluster template, with a Credential and the template's config. */
  public static k0rdent(props: K0rdentControlPlaneProps): ControlPlane {
    return new ControlPlane({ mode: 'k0rdent', ...props });
  }

  /** From plain data (a fleet.yaml `controlPlane` entry). */
  public static fromSpec(spec: ControlPlaneSpec): ControlPlane {
    return new ControlPlane(spec);
  }

  private constructor(
    /** The control plane as plain data, as it appears in fleet.yaml. */
    public readonly spec: ControlPlaneSpec,
  ) {}

  public get mode(): ControlPlaneSpec['mode'] {
    return this.spec.mode;
  }
}

/** What a {@link K0sCluster} needs to know about its site. Implemented by `Site`. */
export interface ISite {
  readonly name: string;
  readonly fleet: Fleet;
  readonly region: string;
  readonly jurisdiction: string;
  readonly infrastructure: Infrastructure;
  readonly airgapped: boolean;
  readonly nodePools: readonly NodePoolSpec[];
  /** What every cluster of the site already has, installed outside the fleet. */
  readonly present?: PresentSpec;
}

/** Properties of a {@link K0sCluster}. The cluster's name is the construct id. */
export interface K0sClusterProps {
  /**
   * How the control plane runs.
   * @default - none: the cluster is bootstrapped outside this fleet; only its in-cluster objects are written
   */
  readonly controlPlane?: ControlPlane;
  /**
   * Names of the site's node pools that join this cluster.
   * @default - every pool of the site
   */
  readonly nodePools?: readonly string[];
  /**
   * k0s version, in either spelling (`v1.36.3+k0s.2` or `v1.36.3-k0s.2`); each object gets the spelling its kind needs.
   * @default 'v1.36.3+k0s.2'
   */
  readonly k0sVersion?: string;
  /**
   * Pod/service CIDRs, IP-plan slot and network provider.
   * @default - CIDRs from the fleet IP plan; provider custom when Cilium is an add-on, else kuberouter
   */
  readonly network?: ClusterNetworkSpec;
  /**
   * Helm charts to install (more can be added with `addAddon`).
   * @default - none
   */
  readonly addons?: readonly HelmChartAddon[];
  /**
   * Registry mirror for every k0s image (airgapped sites).
   * @default - none; images come from their upstream registries
   */
  readonly imageRepository?: string;
  /**
   * Path of a k0s airgap image bundle on the machine that runs k0sctl; uploaded to every host (standalone only).
   * @default - none
   */
  readonly airgapBundle?: string;
  /**
   * How add-ons reach a k0s cluster (standalone or hosted): `extensions` puts them into the k0s
   * ClusterConfig (`spec.extensions.helm`); `charts` writes k0s `Chart` objects into the cluster's folder.
   * k0rdent-managed clusters always get ServiceTemplates and the ClusterDeployment's service list.
   * @default 'extensions'
   */
  readonly addonDelivery?: AddonDelivery;
  /**
   * What this cluster already has, installed outside the fleet (added to what its site declares).
   * @default - nothing beyond the site's declaration
   */
  readonly present?: PresentSpec;
}

/** A taint that the nodes of a pool register with. */
export interface NodeTaint {
  /** Taint key, e.g. `nvidia.com/gpu`. */
  readonly key: string;
  /** Taint value. */
  readonly value: string;
  /** What the taint does to pods that do not tolerate it. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

const K0S_CLUSTER_SYMBOL = Symbol.for('cdk8s-k0smos.K0sCluster');

/**
 * One k0s cluster at a site. Its in-cluster objects are written to `sites/<site>/<cluster>/` (it is
 * the chart of that folder); what bootstraps it depends on the control plane:
 * - standalone: `k0sctl.yaml` in the same folder;
 * - hosted: Cluster API and k0smotron objects in `management/clusters/<cluster>/`;
 * - k0rdent: a ClusterDeployment in `management/clusters/<cluster>/` (ServiceTemplates for its add-ons in `management/fleet/`).
 */
export class K0sCluster extends ClusterChart {
  public static isK0sCluster(x: unknown): x is K0sCluster {
    return typeof x === 'object' && x !== null && K0S_CLUSTER_SYMBOL in x;
  }

  /** The cluster's name (unique in the fleet). */
  public readonly name: string;
  /** The site it runs at. */
  public readonly site: ISite;
  /** The control plane, if the fleet bootstraps this cluster. */
  public readonly controlPlane?: ControlPlane;
  /** k0s version in release spelling. */
  public readonly k0sVersion: string;
  /** Pod CIDR (from the IP plan unless given). */
  public readonly podCIDR: string;
  /** Service CIDR (from the IP plan unless given). */
  public readonly serviceCIDR: string;
  /** Labels that describe the cluster; k0rdent selectors and placement match them. */
  public readonly clusterLabels: Readonly<Record<string, string>>;
  /** Names of the node pools in this cluster. */
  public readonly nodePools: readonly string[];
  /** Where add-ons go for k0s-run clusters. */
  public readonly addonDelivery: AddonDelivery;

  private readonly props: K0sClusterProps;
  private readonly resolved?: ResolvedControlPlane;
  private readonly fleet: Fleet;
  private readonly poolNodeConfig = new Map<string, { labels: Record<string, string>; taints: Map<string, NodeTaint> }>();
  private readonly gpuParts = new Map<string, PoolPartitioning>();
  private readonly needs: Requirement[] = [];

  constructor(site: ISite & Construct, id: string, props: K0sClusterProps = {}) {
    super(site, id, { site: site.name, cluster: id });
    Object.defineProperty(this, K0S_CLUSTER_SYMBOL, { value: true });
    this.name = id;
    this.site = site;
    this.props = props;
    this.fleet = Fleet.of(site);
    if (props.controlPlane) this.controlPlane = props.controlPlane;
    this.k0sVersion = resolveK0sVersion(props.k0sVersion);
    this.addonDelivery = props.addonDelivery ?? 'extensions';
    const pools = site.nodePools.filter((p) => !props.nodePools || props.nodePools.includes(p.name));
    this.nodePools = pools.map((p) => p.name);

    const addr = clusterAddresses(
      {
        name: id,
        ...(props.network?.podCIDR !== undefined ? { podCIDR: props.network.podCIDR } : {}),
        ...(props.network?.serviceCIDR !== undefined ? { serviceCIDR: props.network.serviceCIDR } : {}),
        ...(props.network?.slot !== undefined ? { slot: props.network.slot } : {}),
      },
      this.fleet.ipPlan,
    );
    // Invalid addresses are reported by the fleet's IP plan before anything is written.
    this.podCIDR = addr?.podCIDR ?? '0.0.0.0/32';
    this.serviceCIDR = addr?.serviceCIDR ?? '0.0.0.0/32';

    const vendors = [...new Set(pools.map((p) => (p.gpus ? gpuModel(p.gpus.model)?.vendor : undefined)).filter((v): v is GpuVendor => !!v))].sort();
    this.clusterLabels = {
      ...this.fleet.commonLabels(),
      [LABELS.site]: site.name,
      [LABELS.region]: site.region,
      [LABELS.jurisdiction]: site.jurisdiction,
      [LABELS.cluster]: id,
      ...Object.fromEntries(vendors.map((v) => [`${LABELS.gpuVendorPrefix}${v}`, 'true'])),
    };

    if (props.controlPlane) {
      this.resolved = resolveControlPlane(props.controlPlane.spec as Parameters<typeof resolveControlPlane>[0], {
        infrastructure: site.infrastructure,
        managementSite: this.fleet.managementSite,
        pools: this.nodePools,
      });
      if (this.resolved.mode === 'standalone') this.renderStandalone();
      else if (this.resolved.mode === 'hosted') this.renderHosted();
      else this.renderK0rdent();
    }
    for (const a of props.addons ?? []) this.addAddon(a);
    this.node.addValidation({
      validate: () =>
        this.resolved?.mode === 'k0rdent' && this.nodePools.length > 1 && this.poolNodeConfig.size > 0
          ? [
              `node pools ${[...this.poolNodeConfig.keys()].sort().join(', ')} need labels and taints (${[...this.poolNodeConfig.keys()].sort().map((p) => this.workerArgs(p).join(' ')).join('; ')}), but a k0rdent template has one worker group; give the cluster one node pool (nodePools: [...]) or set the k0s worker args per machine in the template config`,
            ]
          : [],
    });
    // §14.2: Cilium's cluster-pool CIDRs are the cluster's pod CIDR (derived when not given).
    this.node.addValidation({
      validate: () => {
        const out: string[] = [];
        for (const a of this.addonSpecs.filter(isCilium)) {
          const list = (a.values as { ipam?: { operator?: { clusterPoolIPv4PodCIDRList?: unknown } } }).ipam?.operator?.clusterPoolIPv4PodCIDRList;
          if (list !== undefined && JSON.stringify(list) !== JSON.stringify([this.podCIDR])) {
            out.push(`add-on '${a.name}': ipam.operator.clusterPoolIPv4PodCIDRList ${JSON.stringify(list)} differs from the cluster's pod CIDR ${this.podCIDR}; drop it to have it derived, or set network.podCIDR`);
          }
        }
        return out;
      },
    });
  }

  /**
   * Declares that something in this cluster needs a capability that does not show in its objects (a
   * chart value that makes a LoadBalancer Service, a CA Secret created out of band). Synth resolves it
   * like the needs it reads from the objects: an add-on of the cluster provides it, the site or cluster
   * declares it present, or synth fails and says how to meet it. What the objects themselves need
   * (their API groups, PVCs, LoadBalancer Services) is read from them; no need to declare it.
   */
  public require(capability: Capability, by: { readonly by: string; readonly why: string; readonly source?: string }): void {
    if (!isCapability(capability)) throw new Error(`${this.node.path}: '${capability}' is not a capability (api:<group>, storage:default, storageclass:<name>, loadbalancer, secret:<namespace>/<name>)`);
    const r: Requirement = { capability, by: by.by, why: by.why, ...(by.source !== undefined ? { source: by.source } : {}) };
    if (!this.needs.some((x) => x.capability === r.capability && x.by === r.by && x.why === r.why)) this.needs.push(r);
  }

  /** What was declared with {@link require}, sorted. */
  public get requirements(): readonly Requirement[] {
    return [...this.needs].sort((a, b) => cmp(a.capability, b.capability) || cmp(a.by, b.by) || cmp(a.why, b.why));
  }

  /** What the cluster already has, from its site's and its own `present` declarations. */
  public get presentCapabilities(): Capability[] {
    return [...new Set([...presentCapabilities(this.site.present), ...presentCapabilities(this.props.present)])].sort();
  }

  /** Adds a Helm add-on; it is delivered the way this cluster's control plane takes add-ons. Refuses a second add-on of the same name. */
  public addAddon(addon: HelmChartAddon): ClusterAddon {
    if (this.node.tryFindChild(`addon-${addon.name}`)) throw new Error(`${this.node.path}: an add-on named '${addon.name}' exists already; release names must be unique in a cluster`);
    return new ClusterAddon(this, `addon-${addon.name}`, addon);
  }

  /** The add-ons of this cluster in install order, with the values the cluster derives (Cilium's API endpoint and pod CIDR). */
  public get addons(): HelmChartAddon[] {
    const api = this.apiEndpoint;
    const found = this.node.children.filter((c): c is ClusterAddon => c instanceof ClusterAddon).map((c) => c.addon);
    return sortAddons(found).map((a) => deriveAddonValues(a, { podCIDR: this.podCIDR, ...(api ? { api } : {}) }));
  }

  /** The add-ons as plain data, as given (for `toSpec`). */
  public get addonSpecs(): HelmChartAddon[] {
    return this.node.children.filter((c): c is ClusterAddon => c instanceof ClusterAddon).map((c) => c.addon);
  }

  /** How the control plane is reached, when the fleet knows it. */
  public get apiEndpoint(): ApiEndpoint | undefined {
    const r = this.resolved;
    if (!r) return undefined;
    if (r.mode === 'standalone') {
      if (r.externalAddress !== undefined) return { host: r.externalAddress, port: 6443 };
      // One controller is the API; with several, any one address would be a single point of failure.
      const controllers = r.hosts.filter((h) => h.role !== 'worker');
      return controllers.length === 1 ? { host: controllers[0]!.privateAddress, port: 6443 } : undefined;
    }
    if (r.mode === 'hosted') {
      if (r.externalAddress !== undefined) return { host: r.externalAddress, port: r.service.apiPort };
      if (r.ingress) return { host: r.ingress.apiHost, port: r.ingress.port };
    }
    return undefined;
  }

  /** The cluster as plain data (a fleet.yaml cluster entry). */
  public toSpec(): Record<string, unknown> {
    const p = this.props;
    const addons = this.addonSpecs;
    return stripUndefined({
      name: this.name,
      nodePools: p.nodePools ? [...p.nodePools] : undefined,
      controlPlane: p.controlPlane?.spec,
      k0sVersion: p.k0sVersion,
      network: p.network,
      addons: addons.length > 0 ? addons.map((a) => ({ ...a })) : undefined,
      imageRepository: p.imageRepository,
      airgapBundle: p.airgapBundle,
      addonDelivery: p.addonDelivery,
      present: p.present,
    });
  }

  /** True when the spec carries anything beyond name and pools. */
  public get hasClusterSettings(): boolean {
    const s = this.toSpec();
    return Object.keys(s).some((k) => k !== 'name' && k !== 'nodePools');
  }

  /**
   * Adds node labels and taints that every worker of a pool registers with (a later layer's needs: the
   * GPU stack's vendor taint and MIG config label). Refuses a pool outside this cluster and a label or
   * taint key that another layer set to a different value.
   */
  public addNodePoolConfig(pool: string, config: { readonly labels?: Readonly<Record<string, string>>; readonly taints?: readonly NodeTaint[] }): void {
    if (!this.nodePools.includes(pool)) throw new Error(`${this.node.path}: no node pool '${pool}' in cluster '${this.name}' (pools: ${this.nodePools.join(', ') || 'none'})`);
    const own = this.site.nodePools.find((p) => p.name === pool)?.labels ?? {};
    const entry = this.poolNodeConfig.get(pool) ?? { labels: {}, taints: new Map<string, NodeTaint>() };
    for (const [k, v] of Object.entries(config.labels ?? {})) {
      const had = entry.labels[k] ?? (own as Record<string, string>)[k];
      if (had !== undefined && had !== v) throw new Error(`${this.node.path}: node pool '${pool}': label ${k} is '${had}' already, cannot also be '${v}'; drop one of them`);
      entry.labels[k] = v;
    }
    for (const t of config.taints ?? []) {
      const had = entry.taints.get(t.key);
      if (had && (had.value !== t.value || had.effect !== t.effect)) throw new Error(`${this.node.path}: node pool '${pool}': taint ${t.key} is set twice with different values`);
      entry.taints.set(t.key, t);
    }
    this.poolNodeConfig.set(pool, entry);
  }

  /** Records how a GPU pool's GPUs are partitioned (the GPU stack calls this), so placement counts what the nodes advertise. */
  public setGpuPartitioning(pool: string, partitioning: PoolPartitioning): void {
    if (!this.nodePools.includes(pool)) throw new Error(`${this.node.path}: no node pool '${pool}' in cluster '${this.name}' (pools: ${this.nodePools.join(', ') || 'none'})`);
    this.gpuParts.set(pool, partitioning);
  }

  /** GPU partitioning per pool, as set by the cluster's GPU stack. */
  public get gpuPartitioning(): ReadonlyMap<string, PoolPartitioning> {
    return this.gpuParts;
  }

  /** k0s worker arguments for a pool: its node labels (the pool's, then the layers'), and taints. */
  public workerArgs(pool: string | undefined): string[] {
    if (pool === undefined) return [];
    const spec = this.site.nodePools.find((p) => p.name === pool);
    const extra = this.poolNodeConfig.get(pool);
    // GPU nodes say what they carry, with or without a GPU stack: workloads select them by vendor.
    const gpu = spec?.gpus ? gpuModel(spec.gpus.model) : undefined;
    const gpuLabels: Record<string, string> = gpu ? { [GPU_LABELS.vendor]: gpu.vendor, [GPU_LABELS.model]: gpu.name } : {};
    const labels: Record<string, string> = { 'k0smos.io/node-pool': pool, ...gpuLabels, ...(spec?.labels ?? {}), ...(extra?.labels ?? {}) };
    const list = Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`);
    const taints = [...(extra?.taints.values() ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((t) => `${t.key}=${t.value}:${t.effect}`);
    return [`--labels=${list.join(',')}`, ...(taints.length > 0 ? [`--taints=${taints.join(',')}`] : [])];
  }

  /** The one pool whose worker args a template-level setting can carry. */
  private singlePool(): string | undefined {
    return this.nodePools.length === 1 ? this.nodePools[0] : undefined;
  }

  private k0sConfigInput(helmExtensions: boolean) {
    const r = this.resolved;
    return {
      podCIDR: this.podCIDR,
      serviceCIDR: this.serviceCIDR,
      clusterDomain: this.props.network?.clusterDomain ?? 'cluster.local',
      ...(this.props.network?.provider !== undefined ? { provider: this.props.network.provider } : {}),
      addons: this.addons,
      ...(this.props.imageRepository !== undefined ? { imageRepository: this.props.imageRepository } : {}),
      ...(r?.mode === 'standalone' && r.externalAddress !== undefined ? { externalAddress: r.externalAddress } : {}),
      helmExtensions,
    };
  }

  private renderStandalone(): void {
    const r = this.resolved;
    if (r?.mode !== 'standalone') return;
    new OutputFile(this, 'k0sctl', {
      fileName: 'k0sctl.yaml',
      content: () =>
        toYamlOrdered(
          k0sctlCluster({
            name: this.name,
            k0sVersion: this.k0sVersion,
            hosts: r.hosts,
            config: clusterConfig('k0s', this.k0sConfigInput(this.addonDelivery === 'extensions')),
            workerArgs: (pool) => this.workerArgs(pool),
            ...(this.props.airgapBundle !== undefined ? { airgapBundle: this.props.airgapBundle } : {}),
          }),
        ),
    });
  }

  /** What the management cluster holds for this cluster: `management/clusters/<cluster>/`. */
  private managementScope(): Construct {
    return this.fleet.clusterManagement(this.name);
  }

  private emit(scope: Construct, o: K8sObject): ApiObject {
    const { apiVersion, kind, metadata, ...rest } = o;
    return new ApiObject(scope, `${kind}-${metadata.name}`.toLowerCase(), { apiVersion, kind, metadata, ...rest });
  }

  private renderHosted(): void {
    const r = this.resolved;
    if (r?.mode !== 'hosted') return;
    const scope = this.managementScope();
    const ns = this.fleet.managementNamespace;
    const cp = hostedControlPlane({
      name: this.name,
      namespace: ns,
      labels: this.clusterLabels,
      k0sVersion: this.k0sVersion,
      podCIDR: this.podCIDR,
      serviceCIDR: this.serviceCIDR,
      clusterDomain: this.props.network?.clusterDomain ?? 'cluster.local',
      replicas: r.replicas,
      service: r.service,
      ...(r.externalAddress !== undefined ? { externalAddress: r.externalAddress } : {}),
      ...(r.ingress ? { ingress: r.ingress } : {}),
      persistence: r.persistence,
      k0sConfigSpec: Lazy.any({ produce: () => clusterConfigSpec(this.k0sConfigInput(this.addonDelivery === 'extensions')) }),
    });
    cp.forEach((o) => this.emit(scope, o));
    const w = { cluster: this.name, namespace: ns, labels: this.clusterLabels, k0sVersion: this.k0sVersion, sshKeySecret: r.sshKeySecret };
    const byPool = new Map<string, typeof r.workers>();
    for (const m of r.workers) byPool.set(m.nodePool ?? 'workers', [...(byPool.get(m.nodePool ?? 'workers') ?? []), m]);
    for (const [pool, machines] of [...byPool.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const poolName = pool === 'workers' && !this.nodePools.includes(pool) ? undefined : pool;
      const w2 = { ...w, args: this.workerArgs(poolName) };
      const named = machines.map((m, i) => ({ name: `${this.name}-${pool}-${i}`, machine: m }));
      const objects = r.workerMachines === 'pooled' ? pooledWorkers(w2, `${this.name}-${pool}`, pool, named) : named.flatMap((x) => individualWorker(w2, x.name, x.machine));
      for (const o of objects) this.emit(scope, poolName === undefined ? o : lazyWorkerArgs(o, () => this.workerArgs(poolName)));
    }
  }

  private renderK0rdent(): void {
    const r = this.resolved;
    if (r?.mode !== 'k0rdent') return;
    const t = clusterTemplate(r.template);
    if (!t) return; // reported by the model's rules
    new ApiObject(this.managementScope(), 'cluster-deployment', {
      apiVersion: KCM_API_VERSION,
      kind: 'ClusterDeployment',
      metadata: { name: this.name, namespace: this.fleet.managementNamespace, labels: { ...this.clusterLabels } },
      spec: Lazy.any({
        produce: () => {
          const addons = this.addons;
          // Looked up when rendered: the credential may be added after the cluster.
          const credential = this.fleet.credential(r.credential);
          return {
            template: clusterTemplateObjectName(t),
            credential: r.credential,
            propagateCredentials: r.propagateCredentials,
            config: deploymentConfig(t, r.config, {
              podCIDR: this.podCIDR,
              serviceCIDR: this.serviceCIDR,
              k0sVersion: this.k0sVersion,
              k0sNetwork: k0sNetwork(this.k0sConfigInput(false)),
              labels: this.clusterLabels,
              identity: credential?.identityRef ?? { kind: 'Secret', name: r.credential },
              // A template has one worker group: it carries the pool's labels and taints when the cluster has one pool.
              ...(this.singlePool() !== undefined ? { workerArgs: this.workerArgs(this.singlePool()) } : {}),
            }),
            ...(addons.length > 0 ? { serviceSpec: { services: addons.map(serviceEntry) } } : {}),
          };
        },
      }),
    });
  }
}

/** A worker bootstrap config whose k0s args are read at synth time: layers added after the cluster (the GPU stack) add labels and taints. */
function lazyWorkerArgs(o: K8sObject, args: () => string[]): K8sObject {
  const lazy = Lazy.any({ produce: args });
  const spec = o.spec as Record<string, unknown> & { template?: { spec: Record<string, unknown> } };
  if (o.kind === 'K0sWorkerConfig' && spec.args) return { ...o, spec: { ...spec, args: lazy } };
  if (o.kind === 'K0sWorkerConfigTemplate' && spec.template?.spec.args) return { ...o, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, args: lazy } } } };
  return o;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
