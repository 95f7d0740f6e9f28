import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { ValidationError, formatIssue, inConstruct, type ValidationIssue } from '../lib/model/errors';
import { recordedProblems } from './problems';
import { secretsInTree } from '../lib/model/secrets';
import { validateFleet, type FleetModel, type FleetSpec, type SiteSpec } from '../lib/model/fleet';
import { validateFleetFile } from '../lib/model/fleet-file';
import type { InventoryRow, InventorySource } from '../lib/model/profile';
import { addSitesFromProfile, SiteProfile, type AddSitesOptions } from './site-profile';
import { FleetWorkload } from './fleet-workload';
import type { ControlPlaneHostingSpec, CredentialSpec, IpPlanSpec, MultiClusterServiceSpec, RegionSpec } from '../lib/model/cluster';
import type { Exposure, HostingPlan } from '../lib/k0smotron/hosting';
import { NODEPORTS_FILE, readNodePortState, renderNodePortState, type NodePortState } from '../lib/k0smotron/nodeports';
import { fleetHostingPlan } from './hosting';
import { IP_PLAN_FILE, parseIpPlanState, planAddresses, renderIpPlanState, type ClusterAddresses, type IpPlan, type IpPlanState } from '../lib/model/ip-plan';
import { MultiClusterAddon, type MultiClusterAddonProps } from './cluster-addon';
import { CLUSTER_TEMPLATES, clusterTemplateObjectName } from '../lib/model/cluster-templates';
import { ClusterTemplateSchemas, checkTemplateConfig } from '../lib/validate/template-values';
import { findSchemasDir } from '../lib/validate/validate';
import { Credential, type CredentialProps } from './credential';
import type { K0sCluster } from './k0s-cluster';
import { Region, type RegionProps } from './region';
import { LABELS, MANAGED_BY } from '../lib/model/labels';
import type { AuxFile, K8sObject, PlacedObject, Target } from '../lib/synth/objects';
import { targetFolder } from '../lib/synth/objects';
import { renderTree, type FileTree } from '../lib/synth/render';
import { applyUnits, type ApplyUnit } from '../lib/synth/units';
import { settleOutput, writeTreeAtomically } from '../lib/synth/writer';
import type { WorkloadSpec } from '../lib/model/workload';
import { checkDatedSchedule, parseNow, type DatedSchedule } from '../lib/energy/horizon';
import { place } from '../lib/placement/place';
import { loadHighs } from '../lib/placement/highs';
import { partitionedFleet } from '../lib/placement/partitioning';
import type { PoolPartitioning } from '../lib/gpu/plan';
import { placementFiles, readPreviousPlacement } from '../lib/placement/report';
import type { Placement, PlaceOptions } from '../lib/placement/types';
import { checkFlows, normalFlow, resolveFlows, uniqueFlows, type FlowSpec, type PlacedClusters, type ResolvedFlow } from '../lib/net/flows';
import { FolderChart, ManagementChart, ManagementClusterChart, OutputFile } from './folder-chart';
import { imageListFiles } from './airgap';
import { imageListWarnings } from '../lib/airgap/images';
import { Site, type SiteProps } from './site';
import { applyInstalls, orphanManagementNeeds, planFleet, readinessFiles } from './readiness';
import { kustomizeRemoteUrl } from '../lib/readiness/catalog';
import { readRolloutBase, type RolloutBase, type RolloutBaseSource } from '../lib/rollout/base';
import { readPreviousCanaries } from '../lib/rollout/report';


/**
 * The edge: `<outdir>/nodeports.json`, the NodePort allocation a previous synth wrote. A file that cannot be
 * read is an error, never a fresh allocation (that would move every control plane's ports).
 */
export function readNodePorts(outdir: string, where = 'fleet'): NodePortState | undefined {
  const file = path.join(outdir, NODEPORTS_FILE);
  if (!fs.existsSync(file)) return undefined;
  const read = readNodePortState(fs.readFileSync(file, 'utf8'));
  if (read.problem !== undefined) {
    throw new ValidationError([{ path: `${where}: ${file}`, message: `${read.problem}; restore the file from Git (allocated NodePorts must not move), or delete it to allocate every NodePort control plane anew` }], 'cannot read the NodePort allocation');
  }
  return read.state;
}

/** Properties of a {@link Fleet}. */
export interface FleetProps {
  /**
   * Name of the site that hosts the management cluster (k0rdent, k0smotron, Cluster API).
   */
  readonly managementSite: string;
  /**
   * Fleet name, used in labels.
   * @default 'fleet'
   */
  readonly name?: string;
  /**
   * Namespace of the k0rdent objects in the management cluster.
   * @default 'kcm-system'
   */
  readonly managementNamespace?: string;
  /**
   * The fleet IP plan: pools that pod and service CIDRs are allocated from.
   * @default - pods from 10.128.0.0/9 in /17 blocks, services from 172.16.0.0/12 in /20 blocks
   */
  readonly network?: IpPlanSpec;
  /**
   * k0rdent Credentials (references to identities; never secret values).
   * @default - none
   */
  readonly credentials?: readonly CredentialSpec[];
  /**
   * Regional management clusters.
   * @default - none; every site is managed from the management site
   */
  readonly regions?: readonly RegionSpec[];
  /**
   * Charts for every k0rdent-managed cluster whose labels match (MultiClusterServices).
   * @default - none
   */
  readonly multiClusterServices?: readonly MultiClusterServiceSpec[];
  /**
   * Hosted control planes in the management cluster: their capacity (derived from its node pools minus a
   * reserve, or given) and a shared NodePort address. Regions take the same in their own entry.
   * @default - capacity from the management cluster's node pools minus 25 %; no shared NodePort address
   */
  readonly controlPlaneHosting?: ControlPlaneHostingSpec;
}

/** Where the solver put some replicas of a placed workload: one cluster, and the pools used there. */
export interface PlacedAt {
  readonly site: string;
  readonly cluster: string;
  /** Replicas the solver put in this cluster. */
  readonly replicas: number;
  /** Node pools those replicas use, sorted. */
  readonly pools: readonly string[];
}

/** Renders a placed workload's objects for one cluster the solver chose. */
export type PlacedRender = (at: PlacedAt) => K8sObject[];

/** Options of the checks that run before writing. */
export interface FleetCheckOptions {
  /**
   * Values schemas of the k0rdent cluster templates, to check every ClusterDeployment's config
   * (`ClusterTemplateSchemas.fromSchemasDir(dir)`). `'skip'` or undefined skips that check in
   * `toTree`/`resolve`; `synth` looks for the schemas folder itself when this is undefined.
   * @default - not checked by toTree; found by synth
   */
  readonly templates?: ClusterTemplateSchemas | 'skip';
  /**
   * The instant "now" for time checks, given at the edge (the app or the CLI's `--now`); nothing in the fleet
   * reads a clock. With it, a dated schedule (KEDA crons from energy signals) whose horizon has passed is an
   * error; without it, each dated schedule is a warning that prints its dates (`Fleet.synth` prints them).
   * @default - no time checks beyond those warnings
   */
  readonly now?: Date | string;
  /**
   * The IP plan's saved state: the allocations of earlier synths, as plain data (`Fleet.synth` and the CLI read
   * it from `<outdir>/ip-plan.json` with {@link Fleet.readIpPlanFile}). Recorded clusters keep their CIDRs,
   * removed ones stay reserved; `toTree` writes the updated state to `ip-plan.json`. Every cluster's
   * `podCIDR`/`serviceCIDR` is computed with the state last given here.
   * @default - none: every cluster is allocated afresh (the slot its name hashes to when free)
   */
  readonly ipAllocations?: IpPlanState;
}

/** Options of {@link Fleet.synth}. */
export interface FleetSynthOptions extends FleetCheckOptions {
  /**
   * Output folder. Only the entries the library owns in it (`management/`, `sites/`, reports) are replaced;
   * an earlier flat layout of `management/` and `sites/` is recognized and replaced, with a note.
   * @default 'dist'
   */
  readonly outdir?: string;
  /**
   * A loaded HiGHS runtime (`await loadHighs()`) for the exact placement of workloads.
   * @default - the greedy placement (status `heuristic`)
   */
  readonly highs?: PlaceOptions['highs'];
  /**
   * Write into a non-empty folder the library did not write (no `.k0smos-owned.json`), replacing only
   * entries named like the new tree's. The filesystem root, the home folder and the working folder's
   * ancestors are refused even so.
   * @default false
   */
  readonly force?: boolean;
  /**
   * The base a rollout's change list (ROLLOUT.md) compares with: a folder holding a previous output, or a
   * git ref of the repository the output is committed to. Read here, at the edge; never the output
   * folder as the last synth left it, so a second synth of the same input changes no byte.
   * @default - no change list
   */
  readonly rolloutBase?: RolloutBaseSource;
}

/** Options of {@link Fleet.toTree} and {@link Fleet.placement}. */
export interface FleetPlacementOptions {
  /**
   * The previous placement, for churn (synth reads it from `<outdir>/placement.json`).
   * @default - none
   */
  readonly previous?: PlaceOptions['previous'];
  /**
   * A loaded HiGHS runtime for the exact placement.
   * @default - the greedy placement
   */
  readonly highs?: PlaceOptions['highs'];
  /**
   * The previous NodePort allocation of hosted control planes (synth reads it from `<outdir>/nodeports.json`):
   * its entries never move.
   * @default - none: every NodePort control plane gets new ports
   */
  readonly nodePorts?: NodePortState;
  /**
   * Wall-clock safety limit of each MIP solve in seconds (a solve it stops is discarded; the
   * deterministic work limit normally binds first).
   * @default 300
   */
  readonly timeLimitSec?: number;
  /**
   * The base tree a rollout's report compares with, read at the edge (`readRolloutBase`); plain data.
   * @default - no change list
   */
  readonly rolloutBase?: RolloutBase;
  /**
   * The canaries each rollout stage chose last time (synth reads them from `<outdir>/rollout.json`), kept
   * where they still fit so that adding sites does not move them.
   * @default - chosen afresh
   */
  readonly previousCanaries?: Readonly<Record<string, readonly string[]>>;
}

/** What a synth wrote. */
export interface FleetSynthResult {
  /** Absolute output folder. */
  readonly outdir: string;
  /** Number of files written. */
  readonly files: number;
  /** Folders that received a kustomization.yaml (relative to outdir). */
  readonly folders: readonly string[];
  /** Warnings printed at synth (time checks); never written into the output. */
  readonly warnings: readonly string[];
  /** Notes printed by synth: an earlier flat layout adopted, an interrupted synth rolled back. */
  readonly notes: readonly string[];
}

const FLEET_SYMBOL = Symbol.for('cdk8s-k0smos.Fleet');

/** Builders of fleet.yaml sections owned by other constructs (set when their module loads). */
const SPEC_SECTIONS = new Map<string, (fleet: Fleet, section: unknown) => void>();

/**
 * Turns the fleet's flows, with every cluster known, into objects (a mesh's policies at both ends).
 * Called when the tree is rendered, after placement.
 */
export type FlowRenderer = (flows: readonly ResolvedFlow[]) => readonly PlacedObject[];

/**
 * Adds objects and files that depend on the whole fleet (GitOps wiring over every folder). Called when
 * the tree is rendered, after every construct exists.
 */
export type OutputRenderer = () => { readonly objects: readonly PlacedObject[]; readonly files: readonly AuxFile[] };

/** Adds report files that read the rendered tree (a rollout's change list). Their paths must be new. */
export type TreeReporter = (tree: FileTree, context: { readonly rolloutBase?: RolloutBase }) => readonly AuxFile[];

/**
 * The root of a fleet: sites, their clusters, and the management plane. `synth()` validates the whole
 * fleet, then writes one folder per place that objects are applied to, in one pass and atomically.
 */
export class Fleet extends Construct {
  /**
   * Builds a fleet from plain data (a TypeScript literal or a parsed fleet.yaml, with its profiles, inventories
   * and fleet workloads), reporting every problem at once.
   */
  public static fromSpec(scope: Construct, id: string, spec: unknown): Fleet {
    const result = validateFleetFile(spec);
    if (!result.ok) throw new ValidationError(inConstruct(`${scope.node.path ? scope.node.path + '/' : ''}${id}`, result.issues));
    const file = spec as { sites?: FleetSpec['sites'] } & Omit<FleetSpec, 'sites'>;
    const s = { ...file, sites: file.sites ?? [] } as FleetSpec;
    const fleet = new Fleet(scope, id, {
      managementSite: s.management.site,
      ...(s.name !== undefined ? { name: s.name } : {}),
      ...(s.management.namespace !== undefined ? { managementNamespace: s.management.namespace } : {}),
      ...(s.network !== undefined ? { network: s.network } : {}),
      ...(s.management.credentials !== undefined ? { credentials: s.management.credentials } : {}),
      ...(s.management.regions !== undefined ? { regions: s.management.regions } : {}),
      ...(s.management.multiClusterServices !== undefined ? { multiClusterServices: s.management.multiClusterServices } : {}),
      ...(s.management.controlPlaneHosting !== undefined ? { controlPlaneHosting: s.management.controlPlaneHosting } : {}),
    });
    for (const site of s.sites) {
      const { name, ...props } = site;
      fleet.addSite(name, props as SiteProps);
    }
    for (const inv of result.file.inventories) {
      const i = inv.inventory;
      fleet.addSites(SiteProfile.fromSpec(inv.profile), { rows: i.rows ?? [], ...(i.csv !== undefined ? { csv: i.csv } : {}), ...(i.lines ? { lines: i.lines } : {}), ...(i.header ? { header: i.header } : {}) });
    }
    for (const w of s.workloads ?? []) fleet.addWorkload(w);
    for (const w of result.file.fleetWorkloads) FleetWorkload.fromSpec(fleet, w);
    if (s.gitops !== undefined) {
      const section = SPEC_SECTIONS.get('gitops');
      if (!section) throw new Error(`${fleet.node.path}: the spec has a gitops section, but the GitOps construct is not loaded; import from 'cdk8s-k0smos' (or constructs/index), not constructs/fleet alone`);
      section(fleet, s.gitops);
    }
    return fleet;
  }

  /** Registers what builds a fleet.yaml section that another construct owns (the GitOps wiring registers `gitops`). */
  public static addSpecSection(name: 'gitops', build: (fleet: Fleet, section: unknown) => void): void {
    SPEC_SECTIONS.set(name, build);
  }

  /** The fleet a construct belongs to. */
  public static of(c: IConstruct): Fleet {
    for (let s: IConstruct | undefined = c; s; s = s.node.scope) {
      if (Fleet.isFleet(s)) return s;
    }
    throw new Error(`${c.node.path}: must be created inside a Fleet (new Fleet(app, 'fleet', {...}), then add sites to it)`);
  }

  public static isFleet(x: unknown): x is Fleet {
    return typeof x === 'object' && x !== null && FLEET_SYMBOL in x;
  }

  /** Fleet name. */
  public readonly name: string;
  /** Name of the site hosting the management cluster. */
  public readonly managementSite: string;
  /** Namespace of k0rdent objects in the management cluster. */
  public readonly managementNamespace: string;
  /**
   * Fleet-wide objects applied to the management cluster; written to `management/fleet/`. What the
   * management cluster holds for one cluster goes to {@link clusterManagement}.
   */
  public readonly management: ManagementChart;
  /** The IP plan options. */
  public readonly ipPlan: IpPlanSpec;
  private readonly ipPlanGiven: boolean;
  private readonly workloadSpecs: WorkloadSpec[] = [];
  private readonly renderers = new Map<string, { readonly path: string; readonly render: PlacedRender; readonly oneCluster: boolean }>();
  private readonly datedSchedules: { readonly path: string; readonly schedule: DatedSchedule }[] = [];
  private readonly declaredFlows: FlowSpec[] = [];
  private readonly flowRenderers: FlowRenderer[] = [];
  private readonly outputRenderers: OutputRenderer[] = [];
  private readonly treeReporters: TreeReporter[] = [];
  private readonly hosting?: ControlPlaneHostingSpec;
  /** The hosting plan of the render in progress (set by toTree from its NodePort state). */
  private activeHosting: HostingPlan | undefined;
  private hostingCache: { readonly key: string; readonly plan: HostingPlan } | undefined;
  private readonly hostClusters = new WeakMap<HostingPlan, Map<string, K0sCluster>>();
  private ipState: IpPlanState | undefined;
  private addressPlanCache: { readonly plan: IpPlan; readonly issues: ValidationIssue[]; readonly state: IpPlanState } | undefined;
  private renderState: { readonly previousCanaries?: Readonly<Record<string, readonly string[]>> } = {};

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    Object.defineProperty(this, FLEET_SYMBOL, { value: true });
    this.name = props.name ?? 'fleet';
    this.managementSite = props.managementSite;
    this.managementNamespace = props.managementNamespace ?? 'kcm-system';
    this.management = new ManagementChart(this, 'Management');
    // The k0smos-system Namespace of the management cluster is not written here: the management cluster's
    // own folder (sites/<site>/<cluster>/infra/) has it, like every cluster's, and is applied first.
    // kcm creates kcm-system itself; another namespace for the k0rdent objects is ours to create.
    if (this.managementNamespace !== 'kcm-system') {
      new ApiObject(this.management, 'management-namespace', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: this.managementNamespace, labels: this.commonLabels() },
      });
    }
    if (props.controlPlaneHosting) this.hosting = props.controlPlaneHosting;
    this.ipPlan = { ...(props.network ?? {}) };
    this.ipPlanGiven = props.network !== undefined;
    for (const c of props.credentials ?? []) {
      const { name, ...rest } = c;
      this.addCredential(name, rest);
    }
    for (const r of props.regions ?? []) {
      const { name, ...rest } = r;
      this.addRegion(name, rest);
    }
    for (const m of props.multiClusterServices ?? []) {
      const { name, addon, ...rest } = m;
      this.addMultiClusterAddon(name, { ...rest, addon: { ...addon, values: addon.values ?? {} } });
    }
    // The IP plan as applied is ip-plan.json beside the folders (a review sees any renumbering there), and
    // each cluster's addresses are in its inventory ConfigMap (management/clusters/<cluster>/): no fleet-wide
    // ConfigMap with a row per cluster, which would pass the 1 MiB object limit near 10,000 clusters.
  }

  /** Adds a k0rdent Credential (a reference to an identity). Refuses a second one of the same name. */
  public addCredential(name: string, props: CredentialProps): Credential {
    if (this.credentials.some((c) => c.name === name)) throw new ValidationError([{ path: this.node.path, message: `a credential named '${name}' exists already` }]);
    return new Credential(this, `Credential-${name}`, { ...props, name });
  }

  /** Adds a regional management cluster. Refuses a second one of the same name. */
  public addRegion(name: string, props: RegionProps): Region {
    if (this.regions.some((r) => r.name === name)) throw new ValidationError([{ path: this.node.path, message: `a region named '${name}' exists already` }]);
    return new Region(this, `Region-${name}`, { ...props, name });
  }

  /** Adds a chart for every k0rdent-managed cluster whose labels match. Refuses a second one of the same name. */
  public addMultiClusterAddon(name: string, props: Omit<MultiClusterAddonProps, 'name'>): MultiClusterAddon {
    if (this.multiClusterAddons.some((m) => m.name === name)) throw new ValidationError([{ path: this.node.path, message: `a multi-cluster add-on named '${name}' exists already` }]);
    return new MultiClusterAddon(this, `MultiCluster-${name}`, { ...props, name });
  }

  /** Every multi-cluster add-on, sorted by name (those created anywhere in the fleet). */
  public get multiClusterAddons(): MultiClusterAddon[] {
    return this.node.findAll().filter((c): c is MultiClusterAddon => c instanceof MultiClusterAddon).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every credential, sorted by name. */
  public get credentials(): Credential[] {
    return this.node.children.filter((c): c is Credential => c instanceof Credential).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The credential of that name, if any. */
  public credential(name: string): Credential | undefined {
    return this.credentials.find((c) => c.name === name);
  }

  /** Every region, sorted by name. */
  public get regions(): Region[] {
    return this.node.children.filter((c): c is Region => c instanceof Region).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The chart of what the management cluster holds for one managed cluster (its Cluster API and
   * k0smotron objects or its ClusterDeployment, its inventory entry); written to
   * `management/clusters/<cluster>/`. Created on first use.
   */
  public clusterManagement(cluster: string): ManagementClusterChart {
    const id = `cluster-${cluster}`;
    const existing = this.management.node.tryFindChild(id);
    // (Not instanceof: cdk8s's Chart answers it for every chart.)
    if (FolderChart.isFolderChart(existing) && existing.target.kind === 'management-cluster') return existing as ManagementClusterChart;
    if (existing) throw new Error(`${this.management.node.path}: '${id}' is taken by another construct; choose another id for it`);
    return new ManagementClusterChart(this.management, id, { cluster });
  }

  /**
   * The cluster the management plane runs in: the management site's cluster. When that site has
   * several, the clusters the management plane itself creates (hosted, k0rdent) are left out; of the
   * rest, the one named after the site, else the only one. When that does not settle it, every
   * remaining candidate is returned, and each is treated as possibly the management cluster.
   */
  public get managementClusters(): K0sCluster[] {
    const site = this.sites.find((s) => s.name === this.managementSite);
    if (!site) return [];
    const all = site.clusters;
    if (all.length <= 1) return all;
    const candidates = all.filter((c) => c.controlPlane?.mode !== 'hosted' && c.controlPlane?.mode !== 'k0rdent');
    const named = candidates.find((c) => c.name === site.name);
    if (named) return [named];
    return candidates.length > 0 ? candidates : all;
  }

  /** Every cluster of every site, sorted by name. */
  public clusters(): K0sCluster[] {
    return this.sites.flatMap((s) => s.clusters).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Where each hosted control plane runs (the management cluster or a region's cluster), what the hosting
   * clusters have and use, how each control plane is exposed (NodePorts from `nodePorts`, which never
   * move), and every problem (a full hosting cluster, no NodePorts left). Pure over the constructs and
   * the state given (see lib/k0smotron/hosting.ts).
   */
  public hostingPlan(nodePorts?: NodePortState): HostingPlan {
    return fleetHostingPlan(this, this.hosting, nodePorts);
  }

  /**
   * The plan of the render in progress, else one without previous NodePorts. Clusters and regions are only
   * ever added (and a cluster's control plane is fixed when it is made), so their counts say when to work it out again.
   */
  private currentHosting(): HostingPlan {
    if (this.activeHosting) return this.activeHosting;
    const key = `${this.clusters().length}/${this.regions.length}`;
    if (this.hostingCache?.key !== key) this.hostingCache = { key, plan: this.hostingPlan() };
    return this.hostingCache.plan;
  }

  /** How a hosted control plane is exposed after the hosting plan (undefined when it is not hosted). */
  public hostedExposure(cluster: string): Exposure | undefined {
    return this.currentHosting().assignments.get(cluster)?.exposure;
  }

  /**
   * The cluster a hosted control plane runs in: its `management/clusters/<cluster>/` folder is applied
   * there. Undefined for other clusters, and when the management cluster is not a cluster of this fleet.
   */
  public controlPlaneHost(cluster: string): K0sCluster | undefined {
    const plan = this.currentHosting();
    const a = plan.assignments.get(cluster);
    const name = a ? plan.hosts[a.host]!.host.cluster : undefined;
    if (name === undefined) return undefined;
    // Hosting clusters are few (the management cluster and regions'): look them up once per plan.
    let byName = this.hostClusters.get(plan);
    if (!byName) {
      const names = new Set(plan.hosts.map((h) => h.host.cluster));
      byName = new Map(this.clusters().filter((c) => names.has(c.name)).map((c) => [c.name, c] as const));
      this.hostClusters.set(plan, byName);
    }
    return byName.get(name);
  }

  /**
   * The fleet IP plan over every cluster, with the saved state last given to `toTree`/`resolve`: each
   * cluster's addresses, the problems found (synth reports them by fleet.yaml path), and the state to save.
   * Computed on first use and again after a cluster is added.
   */
  public addressPlan(): { readonly plan: IpPlan; readonly issues: readonly ValidationIssue[]; readonly state: IpPlanState } {
    this.addressPlanCache ??= planAddresses(
      this.clusters().map((c) => c.ipPlanEntry),
      this.ipPlan,
      `${this.node.path}: network`,
      this.ipState,
    );
    return this.addressPlanCache;
  }

  /** One cluster's addresses from {@link addressPlan}; undefined when the plan could not give it any (synth says why). */
  public addressesOf(cluster: string): ClusterAddresses | undefined {
    return this.addressPlan().plan.clusters.get(cluster);
  }

  /** Called by each new cluster: the IP plan allocates over all of them, so it is computed again. */
  public clusterAdded(): void {
    this.addressPlanCache = undefined;
  }

  /** Sets the saved IP plan state the addresses are computed with (plain data from the edge). */
  private useIpAllocations(state: IpPlanState | undefined): void {
    if (state === this.ipState) return;
    this.ipState = state;
    this.addressPlanCache = undefined;
  }

  /**
   * The edge: reads the IP plan's saved state from `<outdir>/ip-plan.json` (undefined when there is none yet).
   * A file that cannot be read is an error, never skipped: skipping it would renumber every cluster.
   */
  public static readIpPlanFile(outdir: string): IpPlanState | undefined {
    const file = path.join(outdir, IP_PLAN_FILE);
    if (!fs.existsSync(file)) return undefined;
    const read = parseIpPlanState(fs.readFileSync(file, 'utf8'));
    if ('problem' in read) {
      throw new ValidationError([{ path: file, message: `${read.problem}; restore it from version control (it records every cluster's addresses), or delete it to renumber every cluster` }], 'cannot read the IP plan');
    }
    return read.state;
  }

  /** Labels every object of this fleet carries. */
  public commonLabels(): Record<string, string> {
    return { [LABELS.managedBy]: MANAGED_BY, [LABELS.fleet]: this.name };
  }

  /** Adds a site. Refuses a second site of the same name. */
  public addSite(name: string, props: SiteProps): Site {
    // The fleet's own children have ids that are not DNS labels (Management, Credential-x, ...), so only a site can clash with a site.
    if (this.node.tryFindChild(name)) throw new ValidationError([{ path: this.node.path, message: `a site named '${name}' exists already; site names must be unique` }]);
    return new Site(this, name, props);
  }

  /**
   * Adds one site per row of an inventory, made from a profile: rows as a TypeScript array, or read from a CSV
   * file at the edge (`readInventoryCsv('stores.csv')`). Every row is checked before any site is made; problems
   * name the row and column. Returns the sites, in row order.
   */
  public addSites(profile: SiteProfile, inventory: readonly InventoryRow[] | InventorySource, options: AddSitesOptions = {}): Site[] {
    return addSitesFromProfile(this, profile, inventory, options);
  }

  /** Adds a workload for the placement solver (placed at synth). Refuses a second workload of the same name. */
  public addWorkload(spec: WorkloadSpec): void {
    if (this.workloadSpecs.some((w) => w.name === spec.name)) throw new ValidationError([{ path: this.node.path, message: `a workload named '${spec.name}' exists already; workload names must be unique` }]);
    this.workloadSpecs.push(spec);
  }

  /**
   * Adds a workload the solver places at synth, with the function that renders its objects into each
   * cluster the solver chose (TrainingJob and InferenceService without a target use this). Replicas
   * left unplaced are not rendered; `PLACEMENT.md` says why.
   */
  public addPlacedWorkload(spec: WorkloadSpec, source: IConstruct, render: PlacedRender, options: { readonly oneCluster?: boolean } = {}): void {
    this.addWorkload(spec);
    this.renderers.set(spec.name, { path: source.node.path, render, oneCluster: options.oneCluster ?? false });
  }

  /**
   * Declares a schedule tied to calendar dates (a FederatedLearningJob's KEDA crons from its signals), so synth
   * checks its horizon against the "now" given at the edge and reports it with its dates.
   */
  public addDatedSchedule(source: IConstruct, schedule: DatedSchedule, field?: string): void {
    this.datedSchedules.push({ path: `${source.node.path}${field ? `: ${field}` : ''}`, schedule: { ...schedule } });
  }

  /**
   * The time checks of the fleet's dated schedules against `now` (plain data from the edge), by construct path:
   * errors (a horizon that has passed, or starts more than a year ahead) and warnings (no `now` given, or a
   * horizon that has begun). An unreadable `now` is an error.
   */
  public timeChecks(now?: Date | string): { readonly issues: ValidationIssue[]; readonly warnings: string[] } {
    const issues: ValidationIssue[] = [];
    const warnings: string[] = [];
    let nowMs: number | undefined;
    if (now !== undefined) {
      const parsed = parseNow(now);
      if ('problem' in parsed) issues.push({ path: `${this.node.path}: now`, message: parsed.problem });
      else nowMs = parsed.ms;
    }
    if (issues.length > 0) return { issues, warnings };
    for (const d of [...this.datedSchedules].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      const found = checkDatedSchedule(d.schedule, nowMs);
      issues.push(...found.errors.map((message) => ({ path: d.path, message })));
      warnings.push(...found.warnings.map((w) => `${d.path}: ${w}`));
    }
    return { issues, warnings };
  }

  /**
   * Records a network flow (both ends, the ports) as plain data. Workload constructs declare their own
   * (`connections.allowTo(...)`, see `constructs/connections.ts`); a flow declared again with the same ends
   * and ports is kept once; one name given to two different flows is reported at synth.
   */
  public addFlow(flow: FlowSpec): void {
    this.declaredFlows.push(normalFlow(flow));
  }

  /**
   * Every declared flow, once each, sorted by name, as plain data. An end placed by the solver names its
   * workload (`at: { placedWith }`); {@link flowsFor} gives them with their clusters.
   */
  public get flows(): FlowSpec[] {
    return uniqueFlows(this.declaredFlows);
  }

  /** The flows with every cluster known: ends placed by the solver stand for each cluster it chose. */
  public flowsFor(placement: Placement | undefined): ResolvedFlow[] {
    const placed = new Map<string, { site: string; cluster: string }[]>();
    for (const w of placement?.workloads ?? []) placed.set(w.name, w.assignments.map((a) => ({ site: a.site, cluster: a.cluster })));
    return resolveFlows(this.declaredFlows, placed as PlacedClusters);
  }

  /** Registers what adds fleet-wide objects and files when the tree is rendered (GitOps wiring registers itself). */
  public addOutputRenderer(render: OutputRenderer): void {
    this.outputRenderers.push(render);
  }

  /** Registers a report over the rendered tree (a rollout registers itself). */
  public addTreeReporter(report: TreeReporter): void {
    this.treeReporters.push(report);
  }

  /** Registers what turns flows into objects when the tree is rendered (a mesh registers itself). */
  public addFlowRenderer(render: FlowRenderer): void {
    this.flowRenderers.push(render);
  }

  /** The site of that name. */
  public site(name: string): Site {
    const s = this.sites.find((x) => x.name === name);
    if (!s) throw new Error(`${this.node.path}: no site named '${name}' (sites: ${this.sites.map((x) => x.name).join(', ')})`);
    return s;
  }

  /** Every site, sorted by name. */
  public get sites(): Site[] {
    return this.node.children.filter((c): c is Site => c instanceof Site).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The fleet as plain data, assembled from its sites. */
  public toSpec(): FleetSpec {
    const credentials = this.credentials.map((c) => c.spec);
    const regions = this.regions.map((r) => r.spec);
    const multiClusterServices = this.multiClusterAddons.map((m) => m.spec);
    return {
      name: this.name,
      management: {
        site: this.managementSite,
        namespace: this.managementNamespace,
        ...(credentials.length > 0 ? { credentials } : {}),
        ...(regions.length > 0 ? { regions } : {}),
        ...(multiClusterServices.length > 0 ? { multiClusterServices } : {}),
        ...(this.hosting ? { controlPlaneHosting: this.hosting } : {}),
      },
      sites: this.sites.map((s) => s.spec as SiteSpec),
      ...(this.ipPlanGiven ? { network: this.ipPlan } : {}),
      ...(this.workloadSpecs.length > 0 ? { workloads: [...this.workloadSpecs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) } : {}),
    };
  }

  /**
   * Validates the whole fleet (the model's rules across sites and every construct's own validations)
   * and returns the resolved model. Throws a `ValidationError` listing every problem.
   */
  public resolve(options: FleetCheckOptions = {}): FleetModel {
    const issues: ValidationIssue[] = [];
    this.useIpAllocations(options.ipAllocations);
    const result = validateFleet(this.toSpec(), options.ipAllocations ? { ipAllocations: options.ipAllocations } : {});
    if (!result.ok) issues.push(...inConstruct(this.node.path, result.issues));
    // Constructs record the problems of their props (deferProblems) and stay inert, so they all show here at once.
    const withProblems = new Set<string>();
    for (const c of this.node.findAll()) {
      const before = issues.length;
      const recorded = recordedProblems(c);
      const asMessages = new Set(recorded.map((i) => formatIssue(i)));
      issues.push(...inConstruct(c.node.path, recorded));
      for (const message of c.node.validate()) if (!asMessages.has(message)) issues.push({ path: c.node.path, message });
      if (issues.length > before) withProblems.add(c.node.path);
    }
    if (options.templates !== undefined && options.templates !== 'skip') issues.push(...inConstruct(this.node.path, this.templateConfigIssues(options.templates)));
    if (options.now !== undefined) issues.push(...this.timeChecks(options.now).issues);
    // Flows of an inert construct (its problems are reported above) would only repeat them.
    const flows = withProblems.size === 0 ? this.declaredFlows : this.declaredFlows.filter((f) => !withProblems.has(f.declaredBy));
    issues.push(...inConstruct(this.node.path, checkFlows(flows, [...this.renderers.keys()])));
    if (issues.length > 0 || !result.ok) throw new ValidationError(issues);
    return result.fleet;
  }

  /** Places the fleet's workloads (validating the fleet first, and its dated schedules against `now` when given). */
  public placement(options: FleetPlacementOptions & Pick<FleetCheckOptions, 'now' | 'ipAllocations'> = {}): Placement {
    const model = this.resolve({ ...(options.now !== undefined ? { now: options.now } : {}), ...(options.ipAllocations ? { ipAllocations: options.ipAllocations } : {}) });
    return place(this.placementView(model), model.workloads, options);
  }

  /**
   * The fleet as placement counts it: GPU pools partitioned by a cluster's GPU stack offer what their
   * nodes advertise (a fixed MIG layout's slices, whole GPUs only where MIG is kept off, AMD partitions
   * and time-sliced replicas as logical GPUs).
   */
  private placementView(model: FleetModel): FleetModel {
    const parts = new Map<string, PoolPartitioning>();
    for (const c of this.clusters()) for (const [pool, p] of c.gpuPartitioning) parts.set(`${c.siteName}/${pool}`, p);
    return partitionedFleet(model, parts);
  }

  /** Renders the fleet into file contents without writing anything. Workloads, if any, add `placement.json` and `PLACEMENT.md`. */
  public toTree(options: FleetCheckOptions & FleetPlacementOptions = {}): FileTree {
    // Where hosted control planes run and how they are exposed, from the NodePort state given at the edge
    // (worked out first: validations read the control planes' addresses).
    const hosting = this.hostingPlan(options.nodePorts);
    this.activeHosting = hosting;
    this.renderState = options.previousCanaries ? { previousCanaries: options.previousCanaries } : {};
    try {
      const hostingIssues = inConstruct(this.node.path, hosting.issues);
      let model: FleetModel;
      try {
        model = this.resolve(options);
      } catch (e) {
        // Every problem at once: the fleet's and the hosting plan's.
        if (e instanceof ValidationError && hostingIssues.length > 0) throw new ValidationError([...e.issues, ...hostingIssues]);
        throw e;
      }
      if (hostingIssues.length > 0) throw new ValidationError(hostingIssues, 'hosted control planes do not fit');
      return this.renderWith(model, hosting, options);
    } finally {
      this.activeHosting = undefined;
      this.renderState = {};
    }
  }

  /** Saved state given to the tree being rendered (plain data; empty outside `toTree`). */
  public get savedState(): { readonly previousCanaries?: Readonly<Record<string, readonly string[]>> } {
    return this.renderState;
  }

  private renderWith(model: FleetModel, hosting: HostingPlan, options: FleetCheckOptions & FleetPlacementOptions): FileTree {
    const placement = model.workloads.length > 0 ? place(this.placementView(model), model.workloads, options) : undefined;
    let c = this.collect(placement);
    // What the objects need in their clusters: install what the catalog has (once), then read again.
    let plans = planFleet(this, c.objects);
    if (applyInstalls(this, plans)) {
      c = this.collect(placement);
      plans = planFleet(this, c.objects);
    }
    const unresolved: ValidationIssue[] = plans.flatMap((p) =>
      p.unresolved.map((u) => ({
        path: u.requirement.source ?? this.site(p.site).cluster(p.cluster).node.path,
        message: `cluster '${p.cluster}': ${u.requirement.by} needs ${u.requirement.capability} (${u.requirement.why}), and nothing in the cluster provides it. Fix: ${u.fixes.join('; or ')}`,
      })),
    );
    if (unresolved.length > 0) throw new ValidationError(unresolved, 'unresolved requirements');
    const files = [...c.files, ...readinessFiles(this, plans, orphanManagementNeeds(this, c.objects), this.flowsFor(placement), hosting), ...imageListFiles(this, c.objects)];
    if (hosting.nodePorts) files.push({ path: NODEPORTS_FILE, content: renderNodePortState(hosting.nodePorts), source: this.node.path });
    if (placement) files.push(...placementFiles(placement, this.node.path));
    // The IP plan's state for the next synth: every allocation, removed clusters' ranges kept reserved.
    files.push({ path: IP_PLAN_FILE, content: renderIpPlanState(this.addressPlan().state), source: this.node.path });
    const managementClusters = this.managementClusters.map((m) => ({ site: m.siteName, cluster: m.clusterName }));
    const tree = renderTree({ targets: c.targets, objects: c.objects, files, managementClusters, remoteResources: this.remoteBundles() });
    let out: FileTree = tree;
    if (this.treeReporters.length > 0) {
      const merged = new Map(tree);
      const clashes: ValidationIssue[] = [];
      for (const report of this.treeReporters) {
        for (const f of report(tree, options.rolloutBase ? { rolloutBase: options.rolloutBase } : {})) {
          if (merged.has(f.path)) clashes.push({ path: f.source, message: `writes ${f.path}, which the fleet writes already; choose another file name` });
          else merged.set(f.path, f.content);
        }
      }
      if (clashes.length > 0) throw new ValidationError(clashes, 'cannot write the output');
      out = new Map([...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    // The last line of defence: whatever path a value took (a construct prop, a value a construct
    // derived), key material and well-known tokens never reach the written tree.
    const leaks = secretsInTree(out);
    if (leaks.length > 0) throw new ValidationError(leaks, 'secret material in the output');
    return out;
  }

  /**
   * Kustomize bundles of clusters that k0s runs (standalone, hosted): listed in the cluster folder's
   * `infra/kustomization.yaml`, so GitOps applies the operator before `apps/`. k0rdent clusters get them
   * as ServiceTemplates instead.
   */
  private remoteBundles(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const c of this.clusters()) {
      if (c.controlPlane?.mode === 'k0rdent') continue;
      const urls = c.kustomizeBundles.map((b) => kustomizeRemoteUrl(b));
      if (urls.length > 0) out.set(targetFolder(c.target), urls);
    }
    return out;
  }

  /** Collects every object and file of the fleet with its folder (placed workloads' objects included). */
  private collect(placement: Placement | undefined): { targets: Target[]; objects: PlacedObject[]; files: AuxFile[] } {
    const objects: PlacedObject[] = [];
    const files: AuxFile[] = [];
    const targets: Target[] = [];
    const stray: ValidationIssue[] = [];
    for (const c of this.node.findAll()) {
      if (FolderChart.isFolderChart(c)) {
        targets.push(c.target);
        continue;
      }
      if (c instanceof ApiObject) {
        const chart = FolderChart.find(c);
        if (!chart) stray.push({ path: c.node.path, message: 'object is not in a site cluster or the management plane; create it in site.cluster() or fleet.management' });
        else objects.push({ target: chart.target, object: c.toJson() as K8sObject, source: c.node.path });
      } else if (c instanceof OutputFile) {
        const chart = FolderChart.find(c);
        if (!chart) stray.push({ path: c.node.path, message: 'file is not in a site cluster or the management plane; create it in site.cluster() or fleet.management' });
        else files.push({ path: `${targetFolder(chart.target)}/${c.fileName}`, content: c.content, source: c.node.path });
      }
    }
    // Objects of the same app that belong to no fleet would never be written: say so instead of dropping them.
    for (const c of this.node.root.node.findAll()) {
      if (!(c instanceof ApiObject) && !(c instanceof OutputFile)) continue;
      let inFleet = false;
      for (let s: IConstruct | undefined = c; s && !inFleet; s = s.node.scope) inFleet = Fleet.isFleet(s);
      if (!inFleet) stray.push({ path: c.node.path, message: 'object is outside the fleet, so it would not be written; create it in site.cluster() or fleet.management' });
    }
    if (stray.length > 0) throw new ValidationError(stray);
    if (placement) objects.push(...this.placedObjects(placement, objects));
    // Flow policies follow placement: a placed workload's flows are written where the solver put it.
    const flows = this.flowsFor(placement);
    for (const render of this.flowRenderers) objects.push(...render(flows));
    for (const render of this.outputRenderers) {
      const r = render();
      objects.push(...r.objects);
      files.push(...r.files);
    }
    return { targets, objects, files };
  }

  /**
   * The folders a GitOps engine applies, one unit per `infra/` and `apps/`, with the cluster each goes to
   * and the units it waits for (see `applyUnits` in lib/synth/units.ts). Wire Flux `dependsOn`, Argo CD
   * sync waves or k0rdent service `dependsOn` from these.
   */
  public applyUnits(): ApplyUnit[] {
    const targets = this.node.findAll().filter((c): c is FolderChart => FolderChart.isFolderChart(c)).map((c) => c.target);
    // A hosted control plane's management folder is applied to the cluster that runs it (a region's cluster).
    const hostedIn = new Map<string, { site: string; cluster: string }>();
    for (const c of this.clusters()) {
      const h = c.controlPlane?.mode === 'hosted' ? this.controlPlaneHost(c.name) : undefined;
      if (h) hostedIn.set(c.name, { site: h.siteName, cluster: h.clusterName });
    }
    return applyUnits(targets, this.managementClusters.map((c) => ({ site: c.siteName, cluster: c.clusterName })), hostedIn);
  }

  /** The objects of placed workloads, in the clusters the solver chose (a Namespace another object of the folder brings is not repeated). */
  private placedObjects(placement: Placement, existing: readonly PlacedObject[]): PlacedObject[] {
    const out: PlacedObject[] = [];
    const has = (target: Target, kind: string, name: string) =>
      [...existing, ...out].some((o) => targetFolder(o.target) === targetFolder(target) && o.object.kind === kind && o.object.metadata.name === name && o.object.metadata.namespace === undefined);
    for (const [name, r] of [...this.renderers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const byCluster = new Map<string, { site: string; cluster: string; replicas: number; pools: Set<string> }>();
      for (const a of placement.workloads.find((w) => w.name === name)?.assignments ?? []) {
        const key = `${a.site}/${a.cluster}`;
        const e = byCluster.get(key) ?? { site: a.site, cluster: a.cluster, replicas: 0, pools: new Set<string>() };
        e.replicas += 1;
        e.pools.add(a.pool);
        byCluster.set(key, e);
      }
      if (r.oneCluster && byCluster.size > 1) {
        // The solver keeps a gang at one site; a site with several clusters could still split it.
        throw new ValidationError([
          { path: r.path, message: `the solver put its replicas in ${[...byCluster.keys()].sort().join(' and ')}, but it runs in one cluster; give target: { site, cluster }, or keep GPU work of a site in one cluster` },
        ]);
      }
      for (const [, e] of [...byCluster].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const chart = this.site(e.site).clusters.find((c) => c.clusterName === e.cluster);
        if (!chart) continue;
        for (const object of r.render({ site: e.site, cluster: e.cluster, replicas: e.replicas, pools: [...e.pools].sort() })) {
          if (object.kind === 'Namespace' && has(chart.target, 'Namespace', object.metadata.name)) continue;
          out.push({ target: chart.target, object, source: r.path });
        }
      }
    }
    return out;
  }

  /** Validates, renders and writes the fleet atomically to `outdir`. */
  public synth(options: FleetSynthOptions = {}): FleetSynthResult {
    const outdir = options.outdir ?? 'dist';
    // A synth killed half-way may have left the previous placement aside: put the output back in one piece first.
    const settled = settleOutput(outdir);
    const previousFile = path.join(outdir, 'placement.json');
    const previous = fs.existsSync(previousFile) ? readPreviousPlacement(fs.readFileSync(previousFile, 'utf8')).previous : undefined;
    const nodePorts = readNodePorts(outdir, this.node.path);
    const ipAllocations = Fleet.readIpPlanFile(outdir);
    const rolloutBase = options.rolloutBase ? readRolloutBase(options.rolloutBase, outdir) : undefined;
    const rolloutFile = path.join(outdir, 'rollout.json');
    const previousCanaries = fs.existsSync(rolloutFile) ? readPreviousCanaries(fs.readFileSync(rolloutFile, 'utf8')) : undefined;
    const tree = this.toTree({
      ...(nodePorts ? { nodePorts } : {}),
      ...(rolloutBase ? { rolloutBase } : {}),
      ...(previousCanaries ? { previousCanaries } : {}),
      templates: options.templates ?? this.findTemplates(),
      ...(previous ? { previous } : {}),
      ...(ipAllocations ? { ipAllocations } : {}),
      ...(options.highs ? { highs: options.highs } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    const notes = [...settled, ...writeTreeAtomically(outdir, tree, { ...(options.force ? { force: true } : {}) }).notes];
    // The edge: what the writer noticed (an earlier layout adopted, an interrupted synth rolled back) is
    // said once, here, on stderr (`cdk8s synth` swallows the app's stdout).
    for (const n of notes) console.error(`cdk8s-k0smos: note: ${n}`);
    // Warnings go to the console, never into the tree: the output must not change with the day synth runs.
    const warnings = [...this.timeChecks(options.now).warnings, ...imageListWarnings(tree)];
    for (const w of warnings) console.warn(`cdk8s-k0smos: warning: ${w}`);
    const folders = [...tree.keys()].filter((p) => p.endsWith('/kustomization.yaml')).map((p) => p.slice(0, -'/kustomization.yaml'.length));
    return { outdir: path.resolve(outdir), files: tree.size, folders, warnings, notes };
  }

  /**
   * `synth` with the exact placement: loads HiGHS (WebAssembly, read asynchronously) unless `options.highs`
   * gives it, then validates, renders and writes like {@link Fleet.synth}. This is the entry to use from a
   * TypeScript app (`await fleet.synthAsync()`): it places workloads exactly as `cdk8s-k0smos synth fleet.yaml`
   * does, where `synth()` without `highs` falls back to the greedy placement.
   */
  public async synthAsync(options: FleetSynthOptions = {}): Promise<FleetSynthResult> {
    const highs = options.highs ?? (await loadHighs());
    return this.synth({ ...options, highs });
  }

  /**
   * Every ClusterDeployment's `spec.config` against its template's values schema. Paths name the
   * fleet entry (`sites[atlanta].clusters[atlanta].controlPlane.config.<template field>`).
   */
  public templateConfigIssues(templates: ClusterTemplateSchemas): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const c of this.node.findAll()) {
      if (!(c instanceof ApiObject) || c.kind !== 'ClusterDeployment') continue;
      const o = c.toJson() as { metadata: { name: string; labels?: Record<string, string> }; spec: { template: string; config?: Record<string, unknown> } };
      const t = CLUSTER_TEMPLATES.find((x) => clusterTemplateObjectName(x) === o.spec.template);
      const site = o.metadata.labels?.[LABELS.site];
      const at = site ? `sites[${site}].clusters[${o.metadata.name}].controlPlane.config` : `ClusterDeployment ${o.metadata.name}: spec.config`;
      if (!t) {
        issues.push({ path: at, message: `ClusterDeployment '${o.metadata.name}' names template '${o.spec.template}', which is not a template of this kcm release` });
        continue;
      }
      issues.push(...checkTemplateConfig(templates, t.chart, o.spec.config ?? {}, at));
    }
    return issues;
  }

  /** The edge: finds the cluster template schemas beside the package, or says clearly that it cannot. */
  private findTemplates(): ClusterTemplateSchemas | 'skip' {
    const hasDeployments = this.node.findAll().some((c) => c instanceof ApiObject && c.kind === 'ClusterDeployment');
    if (!hasDeployments) return 'skip';
    const root = path.resolve(__dirname, '..', ...(path.basename(path.resolve(__dirname, '..')) === 'build' ? ['..'] : []));
    const dir = findSchemasDir(root);
    if (!dir) {
      // A missing schema is an error, never a silent skip: the npm package ships the schemas (upstream-schemas/).
      const message = `cannot check ClusterDeployment configs against their templates: no schemas folder found (K0SMOS_SCHEMAS${process.env.K0SMOS_SCHEMAS ? ` is '${process.env.K0SMOS_SCHEMAS}', which does not exist` : ' is unset'}; no ../shared/schemas beside the package; no upstream-schemas/ in it). Set K0SMOS_SCHEMAS to a folder with kcm/cluster-templates/<template>/values.schema.json, run \`npm run schemas:pack\` in a checkout, or pass { templates: ClusterTemplateSchemas.load(dir) } to synth()`;
      throw new ValidationError([{ path: this.node.path, message }], 'cannot synthesize');
    }
    return ClusterTemplateSchemas.fromSchemasDir(dir);
  }
}
