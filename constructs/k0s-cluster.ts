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
  type AirgapSpec,
  type TwoNodeChoice,
} from '../lib/model/cluster';
import { clusterTemplate, clusterTemplateObjectName } from '../lib/model/cluster-templates';
import type { Infrastructure, NodePoolSpec } from '../lib/model/fleet';
import { gpuModel, type GpuVendor } from '../lib/model/gpu-models';
import { UNALLOCATED_CIDR, type PlanCluster } from '../lib/model/ip-plan';
import { LABELS } from '../lib/model/labels';
import { clusterConfig, clusterConfigSpec, deriveAddonValues, k0sNetwork, sortAddons } from '../lib/k0s/cluster-config';
import { K0S_MANIFESTS_DIR, k0sctlCluster } from '../lib/k0s/k0sctl';
import { hostedControlPlane, individualWorker, manifestVolumes, pooledWorkers } from '../lib/k0smotron/objects';
import { bundleTemplateName, deploymentConfig, KCM_API_VERSION, kustomizeServiceTemplate, serviceEntry } from '../lib/kcm/objects';
import type { K8sObject } from '../lib/synth/objects';
import { cmp } from '../lib/model/compare';
import { addonDependencies, derivedOrders } from '../lib/readiness/resolve';
import type { CatalogEntry, KustomizeBundle } from '../lib/readiness/catalog';
import { installEntry } from './readiness';
import { isCapability, presentCapabilities, type Capability, type LoadBalancerSpec, type PresentSpec, type Requirement, type StorageProvider } from '../lib/readiness/capability';
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
  /** The site's air-gap settings (a cluster's own replace them). */
  readonly airgap?: AirgapSpec;
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
   * Where this cluster gets its images and charts when its site has no internet access: a registry
   * mirror (`{ registry: 'registry.store.local:5000' }`, k0s `spec.images.repository`), an image
   * bundle (`{ bundle: true }`, or a path k0sctl uploads), a chart mirror (`charts: 'oci://…'`).
   * An air-gapped cluster gets `sites/<site>/<cluster>/images.txt`, the images its nodes pull.
   * @default - the site's `airgap`
   */
  readonly airgap?: AirgapSpec;
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
  /**
   * A LoadBalancer provider the fleet installs here (MetalLB, or Cilium LB IPAM with L2 announcements),
   * with the address ranges it hands out.
   * @default - none: LoadBalancer Services need this, a cloud template's CCM, or `present.loadBalancer`
   */
  readonly loadBalancer?: LoadBalancerSpec;
  /**
   * What the fleet installs when objects need a default StorageClass and none is present.
   * @default 'openebs-hostpath'
   */
  readonly storage?: StorageProvider;
  /**
   * How a two-node site runs its control plane; checked against `controlPlane`, and the readiness report
   * says what the choice survives (WAN outage, one node lost, database outage).
   * @default - none declared; two controllers on etcd are refused
   */
  readonly twoNode?: TwoNodeChoice;
}

/**
 * Where a {@link K0sCluster.addManifestStack} stack comes from: a file on the machine that runs k0sctl
 * (standalone control planes), or a Secret in the management namespace (hosted control planes).
 */
export type ManifestStackSource = { readonly file: string } | { readonly secret: string };

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
  private readonly installed = new Map<string, { entry: CatalogEntry; because: Requirement[] }>();
  private readonly bundles: KustomizeBundle[] = [];
  private readonly stacks = new Map<string, ManifestStackSource>();

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

    // The fleet's IP plan allocates over every cluster: it is computed again now that this one exists.
    this.fleet.clusterAdded();

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
    if (props.loadBalancer?.provider === 'metallb') this.renderMetalLb(props.loadBalancer);
    this.node.addValidation({
      validate: () =>
        this.resolved?.mode === 'k0rdent' && this.nodePools.length > 1 && this.poolNodeConfig.size > 0
          ? [
              `node pools ${[...this.poolNodeConfig.keys()].sort().join(', ')} need labels and taints (${[...this.poolNodeConfig.keys()].sort().map((p) => this.workerArgs(p).join(' ')).join('; ')}), but a k0rdent template has one worker group; give the cluster one node pool (nodePools: [...]) or set the k0s worker args per machine in the template config`,
            ]
          : [],
    });
    // Cilium LB IPAM hands out addresses only where Cilium is the CNI.
    this.node.addValidation({
      validate: () =>
        this.props.loadBalancer?.provider === 'cilium' && !this.addonSpecs.some(isCilium) && !this.presentCapabilities.includes('api:cilium.io')
          ? [
              "loadBalancer.provider 'cilium' gives LoadBalancer Services addresses with Cilium LB IPAM and L2 announcements, but Cilium is not this cluster's CNI: add the cluster to a CiliumMesh (mesh.addCluster), add a Cilium add-on, declare Cilium installed (present.apiGroups: [cilium.io]), or use provider 'metallb'",
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
   * Pod CIDR: given (`network.podCIDR`), else from the fleet IP plan, which allocates over every cluster
   * and the saved state given to `toTree` (so read it when rendering, not while the fleet is being built).
   * {@link UNALLOCATED_CIDR} (`0.0.0.0/32`) when the plan has no address for it (synth reports why).
   */
  public get podCIDR(): string {
    return this.fleet.addressesOf(this.name)?.podCIDR ?? UNALLOCATED_CIDR;
  }

  /** Service CIDR: given (`network.serviceCIDR`), else from the fleet IP plan; see {@link podCIDR}. */
  public get serviceCIDR(): string {
    return this.fleet.addressesOf(this.name)?.serviceCIDR ?? UNALLOCATED_CIDR;
  }

  /** The cluster as the fleet IP plan sees it: its name and pins (`network.slot`, `podCIDR`, `serviceCIDR`). */
  public get ipPlanEntry(): PlanCluster {
    const n = this.props.network;
    return {
      name: this.name,
      path: `${this.node.path}: network`,
      ...(n?.podCIDR !== undefined ? { podCIDR: n.podCIDR } : {}),
      ...(n?.serviceCIDR !== undefined ? { serviceCIDR: n.serviceCIDR } : {}),
      ...(n?.slot !== undefined ? { slot: n.slot } : {}),
    };
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

  /**
   * Installs a catalog entry because of the given needs (the fleet's resolver calls this at synth).
   * Returns false when it was installed already (the reasons are kept from the first time).
   */
  public recordInstall(entry: CatalogEntry, because: readonly Requirement[]): boolean {
    if (this.installed.has(entry.id)) return false;
    this.installed.set(entry.id, { entry, because: [...because] });
    installEntry(this, entry);
    return true;
  }

  /** What the fleet installed here because objects needed it: catalog id -> the entry and the needs that made it. */
  public get installedByFleet(): ReadonlyMap<string, { readonly entry: CatalogEntry; readonly because: readonly Requirement[] }> {
    return this.installed;
  }

  /** Adds a kustomize bundle (an operator that upstream ships without a Helm chart). Refuses a second one of the same name. */
  public addKustomizeBundle(bundle: KustomizeBundle): void {
    if (this.bundles.some((b) => b.name === bundle.name)) throw new Error(`${this.node.path}: a kustomize bundle named '${bundle.name}' exists already`);
    this.bundles.push(bundle);
    if (this.resolved?.mode === 'k0rdent') {
      const id = `service-template-${this.fleet.managementNamespace}-${bundleTemplateName(bundle)}`;
      if (!this.fleet.management.node.tryFindChild(id)) {
        const o = kustomizeServiceTemplate(bundle, this.fleet.managementNamespace, this.fleet.commonLabels());
        new ApiObject(this.fleet.management, id, { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec });
      }
    }
  }

  /** The kustomize bundles of this cluster, by name. */
  public get kustomizeBundles(): readonly KustomizeBundle[] {
    return [...this.bundles].sort((a, b) => cmp(a.name, b.name));
  }

  /** The LoadBalancer provider the fleet installs here, if any. */
  public get loadBalancer(): LoadBalancerSpec | undefined {
    return this.props.loadBalancer;
  }

  /** What the fleet installs when objects need a default StorageClass. */
  public get storage(): StorageProvider {
    return this.props.storage ?? 'openebs-hostpath';
  }

  /**
   * Whether LoadBalancer Services get addresses here: the fleet installs a provider, the cluster or site
   * declares one present, or the cluster's k0rdent cloud template brings its cloud controller manager.
   */
  public get hasLoadBalancer(): boolean {
    return this.props.loadBalancer !== undefined || this.presentCapabilities.includes('loadbalancer') || this.templateBrings().includes('loadbalancer');
  }

  /** What the cluster's k0rdent template installs itself (a cloud template's CSI driver and CCM). */
  public templateBrings(): Capability[] {
    const r = this.resolved;
    if (r?.mode !== 'k0rdent') return [];
    const t = clusterTemplate(r.template);
    // Cloud templates (hosted and standalone control planes on a provider) install the provider's CCM and CSI driver.
    if (!t || t.infrastructure === undefined || t.infrastructure === 'kubevirt' || t.family === 'remote' || t.family === 'adopted') return [];
    return ['loadbalancer', 'storage:default'];
  }

  /**
   * Adds a stack of manifests that the k0s manifest deployer applies when the control plane starts
   * (`/var/lib/k0s/manifests/<stack>/`), before any Helm extension or GitOps folder: for objects that
   * must exist first and must not be written into the output (a CA Secret). Standalone: `file` is a
   * YAML file on the machine that runs k0sctl (a path, like keyPath), uploaded to every controller
   * with mode 0600. Hosted: `secret` is a Secret in the management namespace whose keys (`*.yaml`)
   * become the stack's files, mounted into the control-plane pods (`K0smotronControlPlane.spec.manifests`).
   * Refuses other control planes, a second stack of the same name, and the other source.
   */
  public addManifestStack(stack: string, source: ManifestStackSource): void {
    const where = `${this.node.path}: manifest stack '${stack}'`;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(stack) || stack.length > 63) throw new Error(`${where}: the stack name must be a DNS label (it names a folder and a volume)`);
    if (this.stacks.has(stack)) throw new Error(`${where} exists already`);
    const mode = this.controlPlane?.mode;
    if ('file' in source) {
      if (mode !== 'standalone') throw new Error(`${where}: a file uploaded by k0sctl needs a standalone control plane (this one is ${mode ?? 'not bootstrapped by the fleet'}); give a Secret for a hosted control plane`);
      if (!/\.ya?ml$/.test(source.file)) throw new Error(`${where}: the k0s manifest deployer applies only *.yaml and *.yml files (got '${source.file}'); rename the file`);
    } else if (mode !== 'hosted') {
      throw new Error(`${where}: a Secret mounted into the control plane needs a hosted control plane (this one is ${mode ?? 'not bootstrapped by the fleet'}); give a file for a standalone control plane`);
    }
    this.stacks.set(stack, source);
  }

  /** The stacks added with {@link addManifestStack}, sorted by name. */
  public get manifestStacks(): { readonly stack: string; readonly source: ManifestStackSource }[] {
    return [...this.stacks.entries()].sort(([a], [b]) => cmp(a, b)).map(([stack, source]) => ({ stack, source }));
  }

  /**
   * Adds a Helm add-on; it is delivered the way this cluster's control plane takes add-ons. Refuses a second add-on of the same name.
   * @param options.installedBy the construct that adds the chart for the user (named in the error when the user adds it again)
   */
  public addAddon(addon: HelmChartAddon, options: { readonly installedBy?: string } = {}): ClusterAddon {
    const existing = this.node.tryFindChild(`addon-${addon.name}`);
    if (existing instanceof ClusterAddon && existing.installedBy !== undefined) {
      throw new Error(`${this.node.path}: add-on '${addon.name}' is installed by ${existing.installedBy} already, which adds its add-ons to the cluster itself; remove this addAddon call (for example a loop over stack.addons)`);
    }
    if (existing) throw new Error(`${this.node.path}: an add-on named '${addon.name}' exists already; release names must be unique in a cluster`);
    return new ClusterAddon(this, `addon-${addon.name}`, addon, options);
  }

  /** The add-ons of this cluster in install order, with the values the cluster derives (Cilium's API endpoint and pod CIDR). */
  public get addons(): HelmChartAddon[] {
    const api = this.apiEndpoint;
    const found = this.node.children.filter((c): c is ClusterAddon => c instanceof ClusterAddon).map((c) => c.addon);
    // Each add-on installs after those that provide the API groups it needs (k0s Helm order).
    const orders = derivedOrders(found);
    const ordered = found.map((a) => (orders.get(a.name) !== (a.order ?? 100) ? { ...a, order: orders.get(a.name)! } : a));
    return sortAddons(ordered).map((a) => deriveAddonValues(a, { podCIDR: this.podCIDR, ...(api ? { api } : {}) }));
  }

  /** The add-ons as plain data, as given (for `toSpec`). */
  public get addonSpecs(): HelmChartAddon[] {
    return this.node.children.filter((c): c is ClusterAddon => c instanceof ClusterAddon).map((c) => c.addon);
  }

  /** The air-gap settings that apply here (the cluster's, else its site's). */
  public get airgap(): AirgapSpec | undefined {
    return this.props.airgap ?? this.site.airgap;
  }

  /** True when the cluster's site has no internet access (or it has air-gap settings): it gets an image list. */
  public get airgapped(): boolean {
    return this.site.airgapped || this.airgap !== undefined;
  }

  /** The k0s network provider and whether kube-proxy runs: what decides k0s's own images on the nodes. */
  public get k0sNetworking(): { readonly provider: 'kuberouter' | 'calico' | 'custom'; readonly kubeProxyDisabled: boolean } {
    const n = k0sNetwork(this.k0sConfigInput(false)) as { provider: 'kuberouter' | 'calico' | 'custom'; kubeProxy?: { disabled?: boolean } };
    return { provider: n.provider, kubeProxyDisabled: n.kubeProxy?.disabled === true };
  }

  /** The image bundle k0sctl uploads to every host, if any. */
  private get bundlePath(): string | undefined {
    const b = this.airgap?.bundle;
    return this.props.airgapBundle ?? (typeof b === 'string' ? b : undefined);
  }

  /** The control plane with its defaults, as plain data (the hosting plan and the reports read it). */
  public get resolvedControlPlane(): ResolvedControlPlane | undefined {
    return this.resolved;
  }

  /** The two-node choice, as given. */
  public get twoNode(): TwoNodeChoice | undefined {
    return this.props.twoNode;
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
      if (r.ingress) return { host: r.ingress.apiHost, port: r.ingress.port };
      // NodePort ports and the shared address come from the fleet's hosting plan.
      const e = this.fleet.hostedExposure(this.name);
      if (e?.externalAddress !== undefined) return { host: e.externalAddress, port: e.apiPort };
    }
    return undefined;
  }

  /** The cluster as plain data (a fleet.yaml cluster entry). */
  public toSpec(): Record<string, unknown> {
    const p = this.props;
    // Add-ons a construct installs for the user (a GPU stack, the readiness resolver at synth) are made again
    // by that construct: the spec holds what the user gave, and does not change when synth has run.
    const addons = this.node.children.filter((c): c is ClusterAddon => c instanceof ClusterAddon && c.installedBy === undefined).map((c) => c.addon);
    return stripUndefined({
      name: this.name,
      nodePools: p.nodePools ? [...p.nodePools] : undefined,
      controlPlane: p.controlPlane?.spec,
      k0sVersion: p.k0sVersion,
      network: p.network,
      addons: addons.length > 0 ? addons.map((a) => ({ ...a })) : undefined,
      imageRepository: p.imageRepository,
      airgapBundle: p.airgapBundle,
      airgap: p.airgap,
      addonDelivery: p.addonDelivery,
      present: p.present,
      loadBalancer: p.loadBalancer,
      storage: p.storage,
      twoNode: p.twoNode,
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
      ...airgapConfig(this.props, this.airgapped ? (this.airgap ?? {}) : undefined),
      ...(r?.mode === 'standalone' && r.externalAddress !== undefined ? { externalAddress: r.externalAddress } : {}),
      ...(r?.mode === 'standalone' && r.kineDataSourceEnv !== undefined ? { kineDataSourceEnv: r.kineDataSourceEnv } : {}),
      helmExtensions,
    };
  }

  /**
   * MetalLB's address pool and L2 announcement. Their kinds need MetalLB's API, so the fleet installs the
   * chart at bootstrap; GitOps applies these after it (the pool webhook must be up: metallb/metallb#1597).
   * Their namespace is written too (in `infra/`, so before them), as for the GPU operators: the folder
   * then holds every namespace its objects are in, whichever way the chart arrives. The speaker runs
   * with host networking and raw-socket capabilities, hence the privileged pod security level
   * (MetalLB's own manifests label the namespace the same way).
   */
  private renderMetalLb(lb: LoadBalancerSpec): void {
    const labels = { ...this.fleet.commonLabels() };
    new ApiObject(this, 'metallb-namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'metallb-system', labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'privileged' } },
    });
    new ApiObject(this, 'metallb-pool', {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'k0smos', namespace: 'metallb-system', labels },
      spec: { addresses: [...lb.addresses] },
    });
    new ApiObject(this, 'metallb-l2', {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'k0smos', namespace: 'metallb-system', labels },
      spec: { ipAddressPools: ['k0smos'], ...(lb.interfaces && lb.interfaces.length > 0 ? { interfaces: [...lb.interfaces] } : {}) },
    });
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
            ...(this.bundlePath !== undefined ? { airgapBundle: this.bundlePath } : {}),
            controllerFiles: this.manifestStacks.flatMap(({ stack, source }) =>
              'file' in source ? [{ name: stack, src: source.file, dstDir: `${K0S_MANIFESTS_DIR}/${stack}`, perm: '0600' }] : [],
            ),
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
    // Where it runs decides its exposure (a shared NodePort address, allocated ports), and the CIDRs come
    // from the fleet IP plan, known once every cluster exists: the objects' kinds and names are made now,
    // their contents when rendered.
    const exposure = () => {
      const e = this.fleet.hostedExposure(this.name);
      return e
        ? { type: e.type, apiPort: e.apiPort, konnectivityPort: e.konnectivityPort, ...(e.externalAddress !== undefined ? { externalAddress: e.externalAddress } : {}) }
        : { ...r.service, ...(r.externalAddress !== undefined ? { externalAddress: r.externalAddress } : {}) };
    };
    const cp = (cidrs: { podCIDR: string; serviceCIDR: string }, e: ReturnType<typeof exposure> | undefined) => hostedControlPlane({
      name: this.name,
      namespace: ns,
      labels: this.clusterLabels,
      k0sVersion: this.k0sVersion,
      ...cidrs,
      clusterDomain: this.props.network?.clusterDomain ?? 'cluster.local',
      replicas: r.replicas,
      sizing: r.sizing,
      exposure: e ?? { ...r.service },
      ...(r.ingress ? { ingress: r.ingress } : {}),
      persistence: r.persistence,
      k0sConfigSpec: Lazy.any({ produce: () => clusterConfigSpec(this.k0sConfigInput(this.addonDelivery === 'extensions')) }),
      // Read when rendered: layers (the mesh CA) add stacks after the cluster exists.
      manifests: Lazy.any({
        produce: () => {
          const secrets = this.manifestStacks.flatMap(({ stack, source }) => ('secret' in source ? [{ name: stack, secretName: source.secret }] : []));
          return secrets.length > 0 ? manifestVolumes(secrets) : undefined;
        },
      }),
    });
    cp({ podCIDR: '', serviceCIDR: '' }, undefined).forEach((o, i) => {
      const { apiVersion, kind, metadata, ...rest } = o;
      const body = Object.fromEntries(Object.keys(rest).map((k) => [k, Lazy.any({ produce: () => (cp({ podCIDR: this.podCIDR, serviceCIDR: this.serviceCIDR }, exposure())[i] as Record<string, unknown>)[k] })]));
      this.emit(scope, { apiVersion, kind, metadata, ...body });
    });
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
            ...(addons.length > 0 || this.bundles.length > 0
              ? { serviceSpec: { services: [...k0rdentServices(addons), ...this.kustomizeBundles.map((b) => ({ name: b.name, namespace: b.namespace, template: bundleTemplateName(b) }))] } }
              : {}),
          };
        },
      }),
    });
  }
}

/** The ClusterDeployment's services: each one `dependsOn` the services that provide the API groups it needs. */
function k0rdentServices(addons: readonly HelmChartAddon[]): Record<string, unknown>[] {
  const deps = addonDependencies(addons);
  const byName = new Map(addons.map((a) => [a.name, a] as const));
  return addons.map((a) => serviceEntry(a, (deps.get(a.name) ?? []).map((d) => ({ name: d, namespace: byName.get(d)!.namespace }))));
}

/** The k0s image settings of an air-gapped cluster: its mirror, the pull policy, its chart mirror. */
function airgapConfig(p: K0sClusterProps, airgap: AirgapSpec | undefined): { imageRepository?: string; imagePullPolicy?: 'IfNotPresent'; chartMirror?: string } {
  const repository = p.imageRepository ?? airgap?.registry;
  return {
    ...(repository !== undefined ? { imageRepository: repository } : {}),
    ...(airgap !== undefined ? { imagePullPolicy: 'IfNotPresent' as const } : {}),
    ...(airgap?.charts !== undefined ? { chartMirror: airgap.charts } : {}),
  };
}

/** A worker bootstrap config whose k0s args are read at synth time: layers added after the cluster (the GPU stack) add labels and taints. */
function lazyWorkerArgs(o: K8sObject, args: () => string[]): K8sObject {
  const lazy = Lazy.any({ produce: args });
  const spec = o.spec as Record<string, unknown> & { template?: { spec: Record<string, unknown> } };
  if (o.kind === 'K0sWorkerConfig' && spec.args) return { ...o, spec: { ...spec, args: lazy } };
  if (o.kind === 'K0sWorkerConfigTemplate' && spec.template?.spec.args) return { ...o, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, args: lazy } } } };
  return o;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
