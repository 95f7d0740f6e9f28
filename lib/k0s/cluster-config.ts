/**
 * The k0s `ClusterConfig` of a cluster, from the fleet: addresses from the IP plan, the network
 * provider (custom when Cilium is an add-on; kube-proxy off when Cilium replaces it), Helm
 * extensions for add-ons, and the image mirror of airgapped sites. Also the add-on values the
 * library derives (Cilium's API endpoint and pod CIDR) so that the three kube-proxy settings and the
 * pod CIDRs always agree (STACK.md §14 rules 2-3, §15 item 5).
 */
import type { HelmChartAddon } from '../addons/addon';
import { ciliumReplacesKubeProxy, isCilium, type ApiEndpoint } from '../model/cluster';
import { toYaml } from '../synth/serialize';

export const K0S_API_VERSION = 'k0s.k0sproject.io/v1beta1';

/** What the ClusterConfig is built from. */
export interface ClusterConfigInput {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly clusterDomain: string;
  /** Explicit provider; derived when undefined. */
  readonly provider?: 'kuberouter' | 'calico' | 'custom';
  readonly addons: readonly HelmChartAddon[];
  readonly imageRepository?: string;
  /**
   * The pull policy of k0s's own images, set for air-gapped clusters (`IfNotPresent`: images imported
   * from a bundle or mirrored are used as they are; `Always` would fail without the upstream registry).
   */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** An `oci://` registry path holding every chart of the cluster: chart references point there. */
  readonly chartMirror?: string;
  /** Load balancer / VIP in front of the controllers. */
  readonly externalAddress?: string;
  /** Put the add-ons into `spec.extensions.helm`. */
  readonly helmExtensions: boolean;
  /**
   * kine on an external database: the environment variable that holds its URL when k0sctl runs. The
   * config says `${NAME}` (k0sctl interpolates environment variables in its config, k0sctl#258).
   */
  readonly kineDataSourceEnv?: string;
}

/** The k0s network section. Also what kcm templates take as `k0s.network`. */
export function k0sNetwork(input: Pick<ClusterConfigInput, 'podCIDR' | 'serviceCIDR' | 'clusterDomain' | 'provider' | 'addons'>): Record<string, unknown> {
  const cilium = input.addons.find(isCilium);
  const provider = input.provider ?? (cilium ? 'custom' : 'kuberouter');
  return {
    provider,
    podCIDR: input.podCIDR,
    serviceCIDR: input.serviceCIDR,
    clusterDomain: input.clusterDomain,
    ...(cilium && ciliumReplacesKubeProxy(cilium.values) ? { kubeProxy: { disabled: true } } : {}),
  };
}

/** The `spec` of a k0s ClusterConfig. */
export function clusterConfigSpec(input: ClusterConfigInput): Record<string, unknown> {
  const spec: Record<string, unknown> = { network: k0sNetwork(input) };
  if (input.externalAddress !== undefined) spec.api = { externalAddress: input.externalAddress, sans: [input.externalAddress] };
  if (input.imageRepository !== undefined || input.imagePullPolicy !== undefined) {
    spec.images = {
      ...(input.imageRepository !== undefined ? { repository: input.imageRepository } : {}),
      ...(input.imagePullPolicy !== undefined ? { default_pull_policy: input.imagePullPolicy } : {}),
    };
  }
  if (input.kineDataSourceEnv !== undefined) spec.storage = { type: 'kine', kine: { dataSource: `\${${input.kineDataSourceEnv}}` } };
  const addons = input.chartMirror !== undefined ? input.addons.map((a) => fromChartMirror(a, input.chartMirror!)) : input.addons;
  if (input.helmExtensions && addons.length > 0) spec.extensions = { helm: helmExtensions(addons) };
  return spec;
}

/** A full ClusterConfig document (as embedded in k0sctl.yaml). */
export function clusterConfig(name: string, input: ClusterConfigInput): Record<string, unknown> {
  return { apiVersion: K0S_API_VERSION, kind: 'ClusterConfig', metadata: { name }, spec: clusterConfigSpec(input) };
}

/**
 * The add-on with its chart read from a mirror: an `oci://` registry path that holds the chart under
 * its own name (`helm push <chart>.tgz oci://registry.store.local:5000/charts`).
 */
export function fromChartMirror(a: HelmChartAddon, mirror: string): HelmChartAddon {
  return { ...a, chart: { ...a.chart, repo: mirror.replace(/\/+$/, '') } };
}

/** A repository name derived from its URL: `https://helm.ngc.nvidia.com/nvidia` -> `helm-ngc-nvidia-com-nvidia`. */
export function repositoryName(url: string): string {
  const rest = url.replace(/^[a-z]+:\/\//, '').toLowerCase();
  const name = rest.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return name.slice(0, 63).replace(/-+$/, '');
}

/** The chart reference k0s takes: `repo/chart` for classic repositories, the full `oci://` URL otherwise. */
export function chartReference(a: HelmChartAddon): string {
  return a.chart.repo.startsWith('oci://') ? `${a.chart.repo.replace(/\/+$/, '')}/${a.chart.name}` : `${repositoryName(a.chart.repo)}/${a.chart.name}`;
}

/** `spec.extensions.helm` for add-ons: repositories (classic only, deduplicated) and charts in install order. */
export function helmExtensions(addons: readonly HelmChartAddon[]): Record<string, unknown> {
  const repos = new Map<string, string>();
  for (const a of addons) if (!a.chart.repo.startsWith('oci://')) repos.set(repositoryName(a.chart.repo), a.chart.repo);
  return {
    repositories: [...repos.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, url]) => ({ name, url })),
    charts: sortAddons(addons).map((a) => ({
      name: a.name,
      chartname: chartReference(a),
      version: a.chart.version,
      namespace: a.namespace,
      order: a.order ?? 100,
      values: toYaml(a.values),
    })),
  };
}

export function sortAddons(addons: readonly HelmChartAddon[]): HelmChartAddon[] {
  return [...addons].sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Add-on values the cluster derives: for Cilium, the pod CIDR of the IP plan (cluster-pool IPAM) and,
 * when it replaces kube-proxy, the API endpoint it must use instead of the kube-proxy service.
 * Values the user set are kept; the rules that reject conflicting ones run in the model.
 */
export function deriveAddonValues(a: HelmChartAddon, ctx: { readonly podCIDR: string; readonly api?: ApiEndpoint }): HelmChartAddon {
  if (!isCilium(a)) return a;
  const v: Record<string, unknown> = { ...a.values };
  if (ciliumReplacesKubeProxy(v) && ctx.api) {
    v.k8sServiceHost ??= ctx.api.host;
    v.k8sServicePort ??= ctx.api.port;
  }
  const ipam = (v.ipam && typeof v.ipam === 'object' ? { ...(v.ipam as Record<string, unknown>) } : {}) as Record<string, unknown>;
  const mode = ipam.mode ?? 'cluster-pool';
  if (mode === 'cluster-pool') {
    const op = (ipam.operator && typeof ipam.operator === 'object' ? { ...(ipam.operator as Record<string, unknown>) } : {}) as Record<string, unknown>;
    op.clusterPoolIPv4PodCIDRList ??= [ctx.podCIDR];
    ipam.operator = op;
    v.ipam = ipam;
  }
  return { ...a, values: v };
}
