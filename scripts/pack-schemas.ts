/**
 * Copies the upstream schemas the library needs to check its own output into `upstream-schemas/`, which
 * ships in the npm package (see package.json `files`). Run by `npm run schemas:pack` (prepack).
 *
 * Source: K0SMOS_SCHEMAS, else ../shared/schemas beside the repository. Files are copied verbatim (the
 * tarball is gzip-compressed; the swagger files pack to a fraction of their size), with the same layout as
 * the source, so the same loaders read both. `upstream-schemas/provenance.json` records, per file, the
 * upstream project, version and source path (from the table below, taken from shared/schemas/PROVENANCE.md)
 * and its sha256; PROVENANCE.md itself is copied beside it.
 *
 * What is needed: the CRD of every kind the library writes, the kcm cluster-template values schemas (config
 * checks at synth), the k0s ClusterConfig CRD and the rig connection schemas (the k0sctl.yaml schema), and
 * the Kubernetes swagger of the versions the validator consults. A listed file missing from the source is an
 * error. `test/package/schemas-subset.test.ts` checks that this subset validates the reference fleet's output.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Top folder -> upstream project and version (shared/schemas/PROVENANCE.md). */
const UPSTREAM: Record<string, { project: string; version: string }> = {
  argocd: { project: 'argoproj/argo-cd', version: 'v3.5.1' },
  'amd-gpu-operator': { project: 'ROCm/gpu-operator', version: 'main@6df13c1788c9 (CRDs identical at v1.5.1)' },
  'cert-manager': { project: 'cert-manager/cert-manager', version: 'v1.21.1' },
  cilium: { project: 'cilium/cilium', version: 'v1.19.4' },
  'cluster-api': { project: 'kubernetes-sigs/cluster-api', version: 'v1.14.0' },
  flux: { project: 'fluxcd/{source,kustomize,helm}-controller', version: 'source-controller v1.9.1' },
  k0s: { project: 'k0sproject/k0s', version: 'v1.36.3+k0s.2 (clusterconfigs: main@c82e23ca86e5)' },
  k0sctl: { project: 'k0sproject/rig', version: 'v2.1.1' },
  k0smotron: { project: 'k0sproject/k0smotron', version: 'v2.1.0 (k0scontrolplanes: main@fa8b242c1d16)' },
  kcm: { project: 'k0rdent/kcm', version: 'v1.12.0-rc2' },
  keda: { project: 'kedacore/keda', version: 'v2.20.2' },
  kserve: { project: 'kserve/kserve', version: 'v0.20.0' },
  'kubeflow-training': { project: 'kubeflow/trainer', version: 'v1.9.4' },
  kubernetes: { project: 'kubernetes/kubernetes api/openapi-spec via kubernetes-client/python', version: 'release-1.32 (python v32.0.1), release-1.34 (python v34.1.0)' },
  metallb: { project: 'metallb/metallb', version: 'v0.16.1' },
  'nvidia-gpu-operator': { project: 'NVIDIA/gpu-operator', version: 'v26.7.0' },
  'nvidia-dra-driver': { project: 'kubernetes-sigs/dra-driver-nvidia-gpu', version: 'v0.4.1' },
  sveltos: { project: 'projectsveltos/addon-controller', version: 'v1.12.0' },
};

/** Files whose upstream version differs from their folder's (shared/schemas/PROVENANCE.md). */
const UPSTREAM_FILE: Record<string, { project: string; version: string }> = {
  'sveltos/config.projectsveltos.io_clusterpromotions.yaml': { project: 'projectsveltos/addon-controller', version: 'v1.14.0' },
};

/** Files (relative to the schemas folder) and folders (trailing `/`, copied whole) the package ships. */
export const SHIPPED: readonly string[] = [
  'amd-gpu-operator/crds/amd.com_deviceconfigs.yaml',
  // GitOps wiring: Argo CD's ApplicationSet and AppProject (the library writes no Application), Flux
  // Kustomizations, Sveltos ClusterPromotion (v1.14), k0s autopilot UpdateConfig.
  'argocd/applicationset-crd.yaml',
  'argocd/appproject-crd.yaml',
  'cert-manager/crds/cert-manager.io_certificates.yaml',
  'cert-manager/crds/cert-manager.io_clusterissuers.yaml',
  'cert-manager/crds/cert-manager.io_issuers.yaml',
  'cilium/crds/v2/ciliumclusterwidenetworkpolicies.yaml',
  'cilium/crds/v2/ciliumloadbalancerippools.yaml',
  'cilium/crds/v2/ciliumnetworkpolicies.yaml',
  'cilium/crds/v2alpha1/ciliuml2announcementpolicies.yaml',
  'cluster-api/cluster.x-k8s.io_clusters.yaml',
  'cluster-api/cluster.x-k8s.io_machinedeployments.yaml',
  'cluster-api/cluster.x-k8s.io_machines.yaml',
  'cluster-api/ipam.cluster.x-k8s.io_ipaddresses.yaml',
  'flux/kustomize.toolkit.fluxcd.io_kustomizations.yaml',
  'flux/source.toolkit.fluxcd.io_gitrepositories.yaml',
  'flux/source.toolkit.fluxcd.io_helmrepositories.yaml',
  'flux/source.toolkit.fluxcd.io_ocirepositories.yaml',
  'k0s/autopilot.k0sproject.io_updateconfigs.yaml',
  'k0s/helm.k0sproject.io_charts.yaml',
  'k0s/k0s.k0sproject.io_clusterconfigs.yaml',
  'k0sctl/',
  'k0smotron/bootstrap.cluster.x-k8s.io_k0sworkerconfigs.yaml',
  'k0smotron/bootstrap.cluster.x-k8s.io_k0sworkerconfigtemplates.yaml',
  'k0smotron/controlplane.cluster.x-k8s.io_k0scontrolplanes.yaml',
  'k0smotron/controlplane.cluster.x-k8s.io_k0smotroncontrolplanes.yaml',
  'k0smotron/infrastructure.cluster.x-k8s.io_pooledremotemachines.yaml',
  'k0smotron/infrastructure.cluster.x-k8s.io_remoteclusters.yaml',
  'k0smotron/infrastructure.cluster.x-k8s.io_remotemachines.yaml',
  'k0smotron/infrastructure.cluster.x-k8s.io_remotemachinetemplates.yaml',
  'k0smotron/k0smotron.io_clusters.yaml',
  'kcm/cluster-templates/',
  'kcm/crds/k0rdent.mirantis.com_clusterdeployments.yaml',
  'kcm/crds/k0rdent.mirantis.com_clustertemplatechains.yaml',
  'kcm/crds/k0rdent.mirantis.com_clustertemplates.yaml',
  'kcm/crds/k0rdent.mirantis.com_credentials.yaml',
  'kcm/crds/k0rdent.mirantis.com_managements.yaml',
  'kcm/crds/k0rdent.mirantis.com_multiclusterservices.yaml',
  'kcm/crds/k0rdent.mirantis.com_regions.yaml',
  'kcm/crds/k0rdent.mirantis.com_releases.yaml',
  'kcm/crds/k0rdent.mirantis.com_servicetemplatechains.yaml',
  'kcm/crds/k0rdent.mirantis.com_servicetemplates.yaml',
  'keda/keda.sh_scaledobjects.yaml',
  'kserve/serving.kserve.io_inferenceservices.yaml',
  'kubeflow-training/v1/kubeflow.org_pytorchjobs.yaml',
  'kubernetes/v1.32/swagger.json',
  'kubernetes/v1.34/swagger.json',
  'metallb/crds/metallb.io_ipaddresspools.yaml',
  'metallb/crds/metallb.io_l2advertisements.yaml',
  'nvidia-dra-driver/crds/resource.nvidia.com_computedomains.yaml',
  'nvidia-gpu-operator/crds/nvidia.com_clusterpolicies.yaml',
  'nvidia-gpu-operator/crds/nvidia.com_nvidiadrivers.yaml',
  'nvidia-gpu-operator/crds/nvidia.com_gpuclusters.yaml',
  'sveltos/config.projectsveltos.io_clusterpromotions.yaml',
  'sveltos/config.projectsveltos.io_profiles.yaml',
];

function listFiles(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  if (!rel.endsWith('/')) return [rel];
  if (!fs.existsSync(abs)) return [rel];
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? listFiles(root, `${rel}${e.name}/`) : [`${rel}${e.name}`]));
}

export function packSchemas(source: string, out: string): { files: number; bytes: number } {
  const files = SHIPPED.flatMap((r) => listFiles(source, r));
  const missing = files.filter((f) => !fs.existsSync(path.join(source, f)));
  if (missing.length > 0) throw new Error(`pack-schemas: ${source} lacks ${missing.join(', ')}; point K0SMOS_SCHEMAS at a complete copy of shared/schemas`);
  const tmp = `${out}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const entries: { file: string; project: string; version: string; source: string; sha256: string; bytes: number }[] = [];
  let bytes = 0;
  for (const f of files) {
    const data = fs.readFileSync(path.join(source, f));
    fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
    fs.writeFileSync(path.join(tmp, f), data);
    const up = UPSTREAM_FILE[f] ?? UPSTREAM[f.split('/')[0]!];
    if (!up) throw new Error(`pack-schemas: no provenance for ${f}; add its folder to UPSTREAM`);
    entries.push({ file: f, ...up, source: `shared/schemas/${f} (see PROVENANCE.md for the upstream path)`, sha256: crypto.createHash('sha256').update(data).digest('hex'), bytes: data.length });
    bytes += data.length;
  }
  fs.copyFileSync(path.join(source, 'PROVENANCE.md'), path.join(tmp, 'PROVENANCE.md'));
  fs.writeFileSync(path.join(tmp, 'provenance.json'), `${JSON.stringify({ note: 'Verbatim copies of upstream files (Apache-2.0), selected by scripts/pack-schemas.ts', files: entries }, null, 2)}\n`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
  return { files: entries.length, bytes };
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const source = process.env.K0SMOS_SCHEMAS ? path.resolve(process.env.K0SMOS_SCHEMAS) : path.resolve(root, '..', 'shared', 'schemas');
  if (!fs.existsSync(source)) {
    console.error(`pack-schemas: no schemas folder at ${source}; set K0SMOS_SCHEMAS or provide ../shared/schemas`);
    process.exit(1);
  }
  const r = packSchemas(source, path.join(root, 'upstream-schemas'));
  console.log(`pack-schemas: ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB from ${source} to upstream-schemas/`);
}
