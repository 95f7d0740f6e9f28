import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { HelmChartAddon } from '../lib/addons/addon';
import { chartReference, deriveAddonValues, fromChartMirror, repositoryName } from '../lib/k0s/cluster-config';
import { helmRepository, KCM_API_VERSION, serviceEntry, serviceTemplate, serviceTemplateName } from '../lib/kcm/objects';
import { toYaml } from '../lib/synth/serialize';
import { ValidationError, inConstruct } from '../lib/model/errors';
import { secretIssues } from '../lib/model/secrets';
import { Fleet } from './fleet';
import type { K0sCluster } from './k0s-cluster';
import type { MultiClusterServiceSpec } from '../lib/model/cluster';

/** How add-ons reach a cluster that k0s runs (standalone or hosted). */
export type AddonDelivery = 'extensions' | 'charts';

/** Properties of a {@link ClusterAddon}: the {@link HelmChartAddon} contract. */
export type ClusterAddonProps = HelmChartAddon;

/** The namespace kcm looks up a MultiClusterService's ServiceTemplates in. */
export const KCM_SYSTEM_NAMESPACE = 'kcm-system';

/**
 * A Helm chart installed into one cluster. One abstraction, two deliveries, chosen by the cluster:
 * - k0s clusters (standalone, hosted): a Helm extension in the k0s ClusterConfig, or a k0s `Chart`
 *   object in the cluster's folder (`addonDelivery: 'charts'`);
 * - k0rdent clusters: a ServiceTemplate (and its HelmRepository) in the management cluster and an
 *   entry in the ClusterDeployment's `serviceSpec.services`.
 * Create it with `cluster.addAddon(...)`.
 */
export class ClusterAddon extends Construct {
  /** Who added the chart when a construct did it for the user (e.g. `GpuOperatorStack 'geo/quebec/quebec/gpu'`); undefined when the user did. */
  public readonly installedBy?: string;
  private readonly props: ClusterAddonProps;

  constructor(cluster: K0sCluster, id: string, props: ClusterAddonProps, options: { readonly installedBy?: string } = {}) {
    super(cluster, id);
    if (options.installedBy !== undefined) this.installedBy = options.installedBy;
    // Kept by reference and read at synth time: an add-on whose values follow a later layer (the
    // Cilium mesh's peer list grows with each addCluster) renders its final values.
    this.props = props;
    // The user's values never carry secrets (a construct's own values are checked in the written tree).
    if (options.installedBy === undefined) {
      const leaks = secretIssues(props.values ?? {}, `add-on '${props.name}': values`, { ...(props.notSecret ? { notSecret: props.notSecret } : {}), optOutField: 'notSecret' });
      if (leaks.length > 0) throw new ValidationError(inConstruct(cluster.node.path, leaks));
    }
    const mode = cluster.controlPlane?.mode;
    if (mode !== 'k0rdent' && (props.valuesFrom ?? []).length > 0) {
      throw new Error(
        `${cluster.node.path}: add-on '${props.name}': valuesFrom needs a k0rdent-managed cluster; k0s Helm extensions and Chart objects take inline values only (never put keys there)`,
      );
    }
    if (mode === 'k0rdent') {
      const fleet = Fleet.of(cluster);
      ensureServiceTemplate(fleet, this.addon, fleet.managementNamespace);
    } else if (mode !== undefined && cluster.addonDelivery === 'charts') {
      new ApiObject(this, 'chart', {
        apiVersion: 'helm.k0sproject.io/v1beta1',
        kind: 'Chart',
        // k0s only reconciles Chart objects in kube-system.
        metadata: { name: `k0s-addon-${props.name}`, namespace: 'kube-system', labels: { ...cluster.clusterLabels } },
        spec: Lazy.any({
          produce: () => {
            const found = cluster.addons.find((x) => x.name === props.name) ?? deriveAddonValues(this.addon, { podCIDR: cluster.podCIDR });
            const mirror = cluster.airgap?.charts;
            const a = mirror !== undefined ? fromChartMirror(found, mirror) : found;
            return {
              releaseName: a.name,
              chartName: chartReference(a),
              version: a.chart.version,
              namespace: a.namespace,
              order: a.order ?? 100,
              values: toYaml(a.values),
              ...(a.chart.repo.startsWith('oci://') ? {} : { repository: { url: a.chart.repo } }),
            };
          },
        }),
      });
    }
  }

  /** The chart as given, with its values as they are now. */
  public get addon(): HelmChartAddon {
    return { ...this.props, values: { ...this.props.values } };
  }
}

/** Creates the ServiceTemplate and HelmRepository of a chart version once per namespace. */
export function ensureServiceTemplate(fleet: Fleet, a: HelmChartAddon, namespace: string): void {
  const labels = fleet.commonLabels();
  const repoId = `helm-repository-${namespace}-${repositoryName(a.chart.repo)}`;
  if (!fleet.management.node.tryFindChild(repoId)) {
    const o = helmRepository(a, namespace, labels);
    new ApiObject(fleet.management, repoId, { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec });
  }
  const stId = `service-template-${namespace}-${serviceTemplateName(a)}`;
  const existing = fleet.management.node.tryFindChild(stId) as ApiObject | undefined;
  if (existing) {
    const other = existing.toJson() as { spec: { helm: { chartSpec: { chart: string; sourceRef: { name: string } } } } };
    if (other.spec.helm.chartSpec.sourceRef.name !== repositoryName(a.chart.repo) || other.spec.helm.chartSpec.chart !== a.chart.name) {
      throw new Error(`${fleet.node.path}: ServiceTemplate '${serviceTemplateName(a)}' would stand for two different charts (${a.chart.repo} ${a.chart.name} and another); rename one add-on's chart or version`);
    }
    return;
  }
  const o = serviceTemplate(a, namespace, labels);
  new ApiObject(fleet.management, stId, { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec });
}

/** Properties of a {@link MultiClusterAddon}. */
export interface MultiClusterAddonProps {
  /**
   * Name of the MultiClusterService.
   * @default - the construct id
   */
  readonly name?: string;
  /** The chart. */
  readonly addon: HelmChartAddon;
  /** Labels a ClusterDeployment must carry to receive the chart (e.g. `{ 'k0smos.io/gpu-vendor.nvidia': 'true' }`). */
  readonly clusterSelector: Readonly<Record<string, string>>;
  /**
   * Install on the management cluster itself as well.
   * @default false
   */
  readonly selfManagement?: boolean;
}

/**
 * A Helm chart for every k0rdent-managed cluster whose labels match: a ServiceTemplate in kcm-system
 * and a MultiClusterService selecting ClusterDeployments by label.
 */
export class MultiClusterAddon extends Construct {
  /** Name of the MultiClusterService. */
  public readonly name: string;
  /** As plain data (a fleet.yaml `management.multiClusterServices` entry). */
  public readonly spec: MultiClusterServiceSpec;

  constructor(scope: Construct, id: string, props: MultiClusterAddonProps) {
    super(scope, id);
    const fleet = Fleet.of(scope);
    this.name = props.name ?? id;
    this.spec = {
      name: this.name,
      addon: (({ provides, needs, valuesFrom, notSecret, ...rest }) => ({
        ...rest,
        ...(notSecret ? { notSecret: [...notSecret] } : {}),
        values: { ...rest.values },
        ...(provides ? { provides: [...provides] } : {}),
        ...(needs ? { needs: [...needs] } : {}),
        ...(valuesFrom ? { valuesFrom: valuesFrom.map((v) => ({ ...v })) } : {}),
      }))(props.addon),
      clusterSelector: { ...props.clusterSelector },
      ...(props.selfManagement !== undefined ? { selfManagement: props.selfManagement } : {}),
    };
    if (Object.keys(props.clusterSelector).length === 0) throw new Error(`${this.node.path}: clusterSelector is empty; it would select every cluster. Name the labels to match`);
    ensureServiceTemplate(fleet, props.addon, KCM_SYSTEM_NAMESPACE);
    new ApiObject(fleet.management, `multi-cluster-service-${this.name}`, {
      apiVersion: KCM_API_VERSION,
      kind: 'MultiClusterService',
      metadata: { name: this.name, labels: fleet.commonLabels() },
      spec: {
        clusterSelector: { matchLabels: { ...props.clusterSelector } },
        serviceSpec: { services: [serviceEntry(props.addon)], ...(props.selfManagement ? { provider: { selfManagement: true } } : {}) },
      },
    });
  }
}
