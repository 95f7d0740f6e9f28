import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError, fromZodIssues, inConstruct } from '../lib/model/errors';
import {
  siteIssues,
  siteSchema,
  type ClusterSpec,
  type Infrastructure,
  type NodePoolSpec,
  type PowerSpec,
  type SiteSpec,
} from '../lib/model/fleet';
import { gpuModel } from '../lib/model/gpu-models';
import { clusterIssues, type AirgapSpec } from '../lib/model/cluster';
import { SYSTEM_NAMESPACE } from '../lib/model/labels';
import { toYamlOrdered } from '../lib/synth/serialize';
import type { PresentSpec } from '../lib/readiness/capability';
import { Fleet } from './fleet';
import { ControlPlane, K0sCluster, type ISite } from './k0s-cluster';

/** A cluster entry of {@link SiteProps}: the fleet.yaml entry, with the control plane also accepted as a {@link ControlPlane}. */
export type SiteClusterProps = Omit<ClusterSpec, 'controlPlane'> & { readonly controlPlane?: ControlPlane | ClusterSpec['controlPlane'] };

/** Properties of a {@link Site}. The site's name is the construct id. */
export interface SiteProps {
  /** Region, such as `ca-east` (also used as a label value). */
  readonly region: string;
  /** ISO 3166-1 alpha-2 country code where the site and its data are, e.g. `CA`. */
  readonly jurisdiction: string;
  /** Geographic location in degrees. */
  readonly location: { readonly lat: number; readonly lon: number };
  /** Kind of infrastructure: aws, azure, gcp, openstack, vsphere, kubevirt, bare-metal (over SSH) or edge (appliance over SSH). */
  readonly infrastructure: Infrastructure;
  /** Groups of identical nodes, with their GPUs. */
  readonly nodePools: readonly NodePoolSpec[];
  /**
   * Clusters at this site; `controlPlane` takes a {@link ControlPlane} (`ControlPlane.hosted(...)`) or its plain data.
   * @default - one cluster named after the site, with every pool
   */
  readonly clusters?: readonly SiteClusterProps[];
  /**
   * Power and energy facts (carbon intensity, price, PUE).
   * @default - none; placement treats the site as carbon-neutral
   */
  readonly power?: PowerSpec;
  /**
   * Measured round-trip times in milliseconds to other sites, by site name.
   * @default - none; placement estimates RTT from the distance between locations
   */
  readonly rttMs?: Readonly<Record<string, number>>;
  /**
   * The site has no internet access.
   * @default false (true when `airgap` is given)
   */
  readonly airgapped?: boolean;
  /**
   * Where the clusters of this air-gapped site get their images and charts: a registry mirror
   * (`{ registry: 'registry.store.local:5000' }`), an image bundle (`{ bundle: true }`), a chart mirror
   * (`charts`). Every air-gapped cluster gets `sites/<site>/<cluster>/images.txt`. A cluster's own
   * `airgap` replaces this.
   * @default - none
   */
  readonly airgap?: AirgapSpec;
  /**
   * Extra labels for the objects that describe this site.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * What every cluster of this site already has, installed outside the fleet: StorageClasses, a
   * LoadBalancer provider, operators' API groups, Secrets created out of band. Requirements these meet
   * are not installed by the fleet; the readiness report lists them as assumed.
   * @default - nothing: the fleet installs what its objects need, or synth says what is missing
   */
  readonly present?: PresentSpec;
}

/**
 * A place with machines (a data centre, a cloud region, a store) and the clusters that run there.
 * Each cluster is a {@link K0sCluster} (the chart of `sites/<site>/<cluster>/`), created from the
 * site's cluster entries; what is added to it is written to that folder.
 */
export class Site extends Construct implements ISite {
  /** The site's name (its construct id). */
  public readonly name: string;
  /** The fleet this site belongs to. */
  public readonly fleet: Fleet;
  /** Region (a label value). */
  public readonly region: string;
  /** ISO 3166-1 alpha-2 country code. */
  public readonly jurisdiction: string;
  /** Kind of infrastructure. */
  public readonly infrastructure: Infrastructure;
  /** The site has no internet access. */
  public readonly airgapped: boolean;
  /** The site's air-gap settings, as given. */
  public readonly airgap?: AirgapSpec;
  /** The node pools, as given. */
  public readonly nodePools: readonly NodePoolSpec[];
  /** What every cluster of this site already has (as declared). */
  public readonly present: PresentSpec;
  /** The site's labels, as given (a site made from a profile carries `k0smos.io/profile`). */
  public readonly labels: Readonly<Record<string, string>>;
  private readonly given: SiteSpec;
  private readonly charts = new Map<string, K0sCluster>();

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);
    this.name = id;
    this.fleet = Fleet.of(this);
    const clustersData = props.clusters?.map((c) => (c.controlPlane instanceof ControlPlane ? { ...c, controlPlane: c.controlPlane.spec } : c));
    const spec = stripUndefined({ name: id, ...props, clusters: clustersData }) as SiteSpec;
    const parsed = siteSchema.safeParse(spec);
    const issues = parsed.success ? [] : fromZodIssues(spec, parsed.error.issues, siteSchema);
    issues.push(...siteIssues(spec, ''));
    if (parsed.success) {
      for (const c of parsed.data.clusters ?? []) {
        const pools = parsed.data.nodePools.filter((p) => !c.nodePools || c.nodePools.includes(p.name)).map((p) => ({ name: p.name, count: p.count }));
        // Credentials may be added after the site: their references are checked by Fleet.resolve().
        const siteAirgap = parsed.data.airgap;
        const ctx = { site: id, infrastructure: parsed.data.infrastructure, airgapped: (parsed.data.airgapped ?? false) || siteAirgap !== undefined, ...(siteAirgap !== undefined ? { siteAirgap } : {}), pools };
        issues.push(...clusterIssues(c, ctx, `clusters[${c.name}]`));
      }
    }
    if (issues.length > 0 || !parsed.success) {
      throw new ValidationError(
        inConstruct(
          this.node.path,
          issues.map((i) => ({ ...i, path: i.path.replace(/^\./, '').replace(/^name$/, '(site name = construct id)') })),
        ),
        `invalid site '${id}'`,
      );
    }
    this.given = spec;
    const site = parsed.data;
    this.region = site.region;
    this.jurisdiction = site.jurisdiction;
    this.infrastructure = site.infrastructure;
    this.airgapped = (site.airgapped ?? false) || spec.airgap !== undefined;
    if (spec.airgap !== undefined) this.airgap = spec.airgap;
    this.present = (spec.present ?? {}) as PresentSpec;
    this.nodePools = (spec.nodePools ?? []) as NodePoolSpec[];
    this.labels = { ...(spec.labels ?? {}) };
    const clusters = (spec.clusters ?? [{ name: site.name }]) as ClusterSpec[];
    for (const c of clusters) {
      const pools = site.nodePools.filter((p) => !c.nodePools || c.nodePools.includes(p.name));
      const chart = new K0sCluster(this, c.name, {
        ...(c.nodePools !== undefined ? { nodePools: c.nodePools } : {}),
        ...(c.controlPlane !== undefined ? { controlPlane: ControlPlane.fromSpec(c.controlPlane) } : {}),
        ...(c.k0sVersion !== undefined ? { k0sVersion: c.k0sVersion } : {}),
        ...(c.network !== undefined ? { network: c.network } : {}),
        ...(c.addons !== undefined ? { addons: c.addons.map((a) => ({ ...a, values: a.values ?? {} })) } : {}),
        ...(c.imageRepository !== undefined ? { imageRepository: c.imageRepository } : {}),
        ...(c.airgapBundle !== undefined ? { airgapBundle: c.airgapBundle } : {}),
        ...(c.airgap !== undefined ? { airgap: c.airgap } : {}),
        ...(c.addonDelivery !== undefined ? { addonDelivery: c.addonDelivery } : {}),
        ...(c.present !== undefined ? { present: c.present as PresentSpec } : {}),
        ...(c.loadBalancer !== undefined ? { loadBalancer: c.loadBalancer } : {}),
        ...(c.storage !== undefined ? { storage: c.storage } : {}),
        ...(c.twoNode !== undefined ? { twoNode: c.twoNode } : {}),
      });
      const labels = chart.clusterLabels;
      new ApiObject(chart, 'namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE, labels } });
      new ApiObject(chart, 'cluster-info', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cluster-info', namespace: SYSTEM_NAMESPACE, labels },
        data: {
          cluster: c.name,
          site: site.name,
          region: site.region,
          jurisdiction: site.jurisdiction,
          infrastructure: site.infrastructure,
          'nodePools.yaml': toYamlOrdered(pools.map((p) => describePool(p))),
        },
      });
      // The management plane's inventory: one ConfigMap per cluster, selectable by the same labels.
      new ApiObject(this.fleet.clusterManagement(c.name), 'inventory', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cluster-${c.name}`, namespace: SYSTEM_NAMESPACE, labels },
        // The cluster's addresses come from the fleet's IP plan, known once every cluster exists: read at render.
        data: Lazy.any({
          produce: () => ({
            cluster: c.name,
            site: site.name,
            region: site.region,
            jurisdiction: site.jurisdiction,
            infrastructure: site.infrastructure,
            location: `${site.location.lat},${site.location.lon}`,
            'nodePools.yaml': toYamlOrdered(pools.map((p) => describePool(p))),
            podCIDR: chart.podCIDR,
            serviceCIDR: chart.serviceCIDR,
          }),
        }),
      });
      this.charts.set(c.name, chart);
    }
  }

  /**
   * The site as plain data: as given, with each cluster entry as its {@link K0sCluster} describes it now
   * (add-ons added later included).
   */
  public get spec(): SiteSpec {
    const clusters = this.clusters;
    const keep = this.given.clusters !== undefined || clusters.some((c) => c.hasClusterSettings);
    const { clusters: _omit, ...rest } = this.given;
    return (keep ? { ...rest, clusters: clusters.map((c) => c.toSpec()) } : rest) as SiteSpec;
  }

  /** The cluster of that name at this site (its chart is the cluster's folder); without a name, the site's only cluster. */
  public cluster(name?: string): K0sCluster {
    if (name === undefined) {
      if (this.charts.size !== 1) throw new Error(`${this.node.path}: site has ${this.charts.size} clusters (${[...this.charts.keys()].join(', ')}); name one`);
      return [...this.charts.values()][0]!;
    }
    const c = this.charts.get(name);
    if (!c) throw new Error(`${this.node.path}: no cluster named '${name}' (clusters: ${[...this.charts.keys()].join(', ')})`);
    return c;
  }

  /** Every cluster at this site, by name. */
  public get clusters(): K0sCluster[] {
    return [...this.charts.values()].sort((a, b) => (a.clusterName < b.clusterName ? -1 : 1));
  }
}

function describePool(p: NodePoolSpec): Record<string, unknown> {
  const model = p.gpus ? gpuModel(p.gpus.model) : undefined;
  return {
    name: p.name,
    count: p.count,
    cpu: p.cpu,
    memoryGiB: p.memoryGiB,
    ...(p.gpus && model ? { gpus: { vendor: model.vendor, model: model.name, count: p.gpus.count, memoryGiB: model.memoryGiB } } : {}),
  };
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
