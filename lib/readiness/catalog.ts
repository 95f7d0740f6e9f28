/**
 * The add-ons the fleet installs when an object needs what they provide, pinned in one table with the
 * upstream source of each fact (ADDONS.md in the project's reference notes; re-check a row before
 * changing its version). Pure data.
 *
 * An entry is a Helm chart (delivered like any `HelmChartAddon`: k0s Helm extension or `Chart`, or a
 * k0rdent ServiceTemplate) or a kustomize bundle where upstream ships no chart (the Kubeflow training
 * operator v1).
 */
import type { HelmChartAddon } from '../addons/addon';
import type { Capability } from './capability';

/** A kustomize bundle: a remote kustomization, applied server-side (its CRDs are too large for client-side apply). */
export interface KustomizeBundle {
  /** Release name, also the folder name. */
  readonly name: string;
  readonly namespace: string;
  /** Git repository URL (https). */
  readonly repo: string;
  /** Path of the kustomization in the repository. */
  readonly path: string;
  /** Git tag. */
  readonly ref: string;
  readonly provides: readonly Capability[];
  readonly needs?: readonly Capability[];
}

/** One row of the catalog. */
export interface CatalogEntry {
  /** Catalog id, e.g. `keda`. */
  readonly id: string;
  /** What a user would look for, one line. */
  readonly title: string;
  /** Charts to install, in order (KServe: CRDs, then the controller). */
  readonly charts: readonly HelmChartAddon[];
  /** A kustomize bundle instead of charts. */
  readonly bundle?: KustomizeBundle;
  /** Upstream source of the version and values. */
  readonly source: string;
  /** Installed only on the management cluster. */
  readonly managementOnly?: boolean;
}

const JETSTACK = 'https://charts.jetstack.io';

export const CERT_MANAGER: CatalogEntry = {
  id: 'cert-manager',
  title: 'cert-manager (certificates for webhooks: KServe, the AMD GPU operator)',
  charts: [
    {
      name: 'cert-manager',
      namespace: 'cert-manager',
      chart: { repo: JETSTACK, name: 'cert-manager', version: 'v1.21.1' },
      // crds.enabled defaults to false: without it no Certificate can be created.
      values: { crds: { enabled: true } },
      order: 10,
      provides: ['api:cert-manager.io', 'api:acme.cert-manager.io'],
    },
  ],
  source: 'cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager/values.yaml',
};

export const KEDA: CatalogEntry = {
  id: 'keda',
  title: 'KEDA (ScaledObject, ScaledJob)',
  charts: [
    {
      name: 'keda',
      namespace: 'keda',
      chart: { repo: 'https://kedacore.github.io/charts', name: 'keda', version: '2.20.2' },
      values: {},
      order: 20,
      provides: ['api:keda.sh', 'api:eventing.keda.sh'],
    },
  ],
  source: 'kedacore/charts@v2.20.2:keda/{Chart.yaml,values.yaml}',
};

export const KSERVE: CatalogEntry = {
  id: 'kserve',
  title: 'KServe in Standard (plain Deployment) mode: InferenceService',
  charts: [
    {
      name: 'kserve-crd',
      namespace: 'kserve',
      chart: { repo: 'oci://ghcr.io/kserve/charts', name: 'kserve-crd', version: 'v0.20.0' },
      values: {},
      order: 20,
      provides: ['api:serving.kserve.io'],
    },
    {
      name: 'kserve',
      namespace: 'kserve',
      chart: { repo: 'oci://ghcr.io/kserve/charts', name: 'kserve-resources', version: 'v0.20.0' },
      // The chart defaults to Knative mode, which needs Knative Serving and a networking layer.
      values: { kserve: { controller: { deploymentMode: 'Standard' } } },
      order: 30,
      provides: ['api:serving.kserve.io'],
      // Its CRDs come from kserve-crd, its webhook certificates from cert-manager.
      needs: ['api:cert-manager.io', 'api:serving.kserve.io'],
    },
  ],
  source: 'kserve/kserve@v0.20.0:charts/{kserve-crd,kserve-resources}/{Chart.yaml,values.yaml}',
};

export const KUBEFLOW_TRAINING: CatalogEntry = {
  id: 'kubeflow-training-operator',
  title: 'Kubeflow training operator v1 (PyTorchJob, TFJob, MPIJob)',
  charts: [],
  bundle: {
    name: 'kubeflow-training-operator',
    namespace: 'kubeflow',
    repo: 'https://github.com/kubeflow/trainer.git',
    path: 'manifests/overlays/standalone',
    ref: 'v1.9.4',
    provides: ['api:kubeflow.org'],
  },
  source: 'kubeflow/trainer@v1.9.4:manifests/overlays/standalone/kustomization.yaml (no Helm chart upstream)',
};

export const METALLB: CatalogEntry = {
  id: 'metallb',
  title: 'MetalLB (LoadBalancer addresses on a flat LAN, L2 mode)',
  charts: [
    {
      name: 'metallb',
      namespace: 'metallb-system',
      chart: { repo: 'https://metallb.github.io/metallb', name: 'metallb', version: '0.16.1' },
      values: {},
      order: 20,
      provides: ['api:metallb.io'],
    },
  ],
  source: 'metallb/metallb@v0.16.1:charts/metallb/{Chart.yaml,values.yaml}',
};

export const OPENEBS_HOSTPATH: CatalogEntry = {
  id: 'openebs-hostpath',
  title: 'OpenEBS Local PV hostpath (default StorageClass openebs-hostpath, node-local volumes)',
  charts: [
    {
      name: 'openebs-localpv',
      namespace: 'openebs',
      chart: { repo: 'https://openebs.github.io/dynamic-localpv-provisioner', name: 'localpv-provisioner', version: '4.4.0' },
      values: { hostpathClass: { enabled: true, name: 'openebs-hostpath', isDefaultClass: true } },
      order: 10,
      provides: ['storage:default', 'storageclass:openebs-hostpath'],
    },
  ],
  source: 'openebs/dynamic-localpv-provisioner:deploy/helm/charts/values.yaml (hostpathClass); version as the openebs 4.4.0 umbrella that k0s docs/examples/openebs.md pins',
};

/** Groups kcm brings to the management cluster (its own CRDs, CAPI and providers, Flux source/helm, Sveltos, cert-manager, Velero). */
export const KCM_GROUPS: readonly string[] = [
  'k0rdent.mirantis.com',
  'cluster.x-k8s.io',
  'controlplane.cluster.x-k8s.io',
  'bootstrap.cluster.x-k8s.io',
  'infrastructure.cluster.x-k8s.io',
  'ipam.cluster.x-k8s.io',
  'addons.cluster.x-k8s.io',
  'runtime.cluster.x-k8s.io',
  'k0smotron.io',
  'source.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
  'config.projectsveltos.io',
  'lib.projectsveltos.io',
  'cert-manager.io',
  'acme.cert-manager.io',
  'velero.io',
];

export const KCM: CatalogEntry = {
  id: 'kcm',
  title: 'k0rdent kcm (ClusterDeployment, templates, Cluster API, k0smotron, Flux, Sveltos, cert-manager)',
  charts: [
    {
      name: 'kcm',
      namespace: 'kcm-system',
      chart: { repo: 'oci://ghcr.io/k0rdent/kcm/charts', name: 'kcm', version: '1.12.0-rc2' },
      values: {},
      order: 50,
      provides: KCM_GROUPS.map((g) => `api:${g}` as Capability),
    },
  ],
  source: 'k0rdent/kcm@v1.12.0-rc2:templates/provider/kcm/{Chart.yaml,values.yaml} (the version of the CRDs the fleet validates against; v1.11.4 is the last stable tag)',
  managementOnly: true,
};

/** Every catalog entry, by id. */
export const CATALOG: readonly CatalogEntry[] = [CERT_MANAGER, KEDA, KSERVE, KUBEFLOW_TRAINING, METALLB, OPENEBS_HOSTPATH, KCM];

/** What a catalog entry provides, all charts and bundle together. */
export function entryProvides(e: CatalogEntry): Capability[] {
  return [...new Set([...e.charts.flatMap((c) => c.provides ?? []), ...(e.bundle?.provides ?? [])])].sort();
}

/** The catalog entry that installs a capability (first match in table order), if the fleet knows one. */
export function installerOf(cap: Capability, catalog: readonly CatalogEntry[] = CATALOG): CatalogEntry | undefined {
  return catalog.find((e) => entryProvides(e).includes(cap));
}

/**
 * Charts the fleet never installs on its own (a CNI, GPU operators: other constructs own them) but whose
 * API groups it knows, so that an add-on given as plain data (fleet.yaml) counts without `provides`.
 * Groups read from the CRDs each chart ships (shared/schemas: cilium/crds, nvidia-gpu-operator/crds,
 * amd-gpu-operator/crds, nvidia-dra-driver/crds).
 */
export const KNOWN_CHARTS: readonly { readonly repo: string; readonly name: string; readonly provides: readonly Capability[]; readonly needs?: readonly Capability[] }[] = [
  { repo: 'https://helm.cilium.io', name: 'cilium', provides: ['api:cilium.io'] },
  { repo: 'https://helm.ngc.nvidia.com/nvidia', name: 'gpu-operator', provides: ['api:nvidia.com', 'api:resource.nvidia.com'] },
  { repo: 'https://rocm.github.io/gpu-operator', name: 'gpu-operator-charts', provides: ['api:amd.com'], needs: ['api:cert-manager.io'] },
  { repo: 'oci://registry.k8s.io/dra-driver-nvidia/charts', name: 'dra-driver-nvidia-gpu', provides: ['api:resource.nvidia.com'] },
];

/** What the catalog knows a chart provides and needs, matched by repository and chart name (any version). */
export function knownChart(chart: { readonly repo: string; readonly name: string }): { provides: readonly Capability[]; needs: readonly Capability[] } | undefined {
  const norm = (u: string) => u.replace(/\/+$/, '');
  for (const e of CATALOG) {
    for (const c of e.charts) {
      if (norm(c.chart.repo) === norm(chart.repo) && c.chart.name === chart.name) return { provides: c.provides ?? [], needs: c.needs ?? [] };
    }
  }
  const k = KNOWN_CHARTS.find((x) => norm(x.repo) === norm(chart.repo) && x.name === chart.name);
  return k ? { provides: k.provides, needs: k.needs ?? [] } : undefined;
}

/** The remote-base URL kustomize fetches a bundle from (`https://host/org/repo.git//path?ref=tag`). */
export function kustomizeRemoteUrl(b: KustomizeBundle): string {
  return `${b.repo.replace(/\/+$/, '')}//${b.path}?ref=${b.ref}`;
}
