/**
 * The units a GitOps engine applies, one per `infra/` and `apps/` folder, with the cluster each goes to
 * and the units it must wait for. `kubectl kustomize` re-sorts whatever one build holds by its own kind
 * order, so apply order across folders comes from applying them as separate units in this order (Flux
 * `Kustomization`s with `dependsOn`, Argo CD applications in sync waves, k0rdent services with
 * `dependsOn`), never from the order of `resources:`. Pure: data in, data out.
 */
import { LAYERS } from './layer';
import { isManagementTarget, targetFolder, type Target } from './objects';
import type { SiteCluster } from './render';

/** One folder a GitOps engine applies as a unit. */
export interface ApplyUnit {
  /** The folder, relative to the output directory: `sites/<site>/<cluster>/infra`, `management/fleet/apps`, ... */
  readonly path: string;
  /** Where it is applied: `<site>/<cluster>` (the management cluster's, for the management folders), or `management` when the fleet cannot tell which cluster that is. */
  readonly cluster: string;
  /** Units that must be applied (and ready) first. */
  readonly dependsOn: readonly string[];
}

/**
 * The apply units of a rendered fleet, in an order that respects `dependsOn` (each cluster's `infra`
 * before its `apps`; the management folders after the management cluster's own `infra`, which holds its
 * `k0smos-system` Namespace; `management/fleet/infra` (templates, credentials, chart sources) before
 * everything else of the management plane, because kcm rejects what references a missing one).
 */
export function applyUnits(
  targets: readonly Target[],
  managementClusters: readonly SiteCluster[],
  /**
   * Hosted control planes that run in another cluster than the management cluster (a region's): the
   * managed cluster's name -> that cluster. Its `management/clusters/<cluster>/` folder is applied there,
   * after that cluster's own `infra/` (and `management/fleet/infra`).
   */
  hostedIn: ReadonlyMap<string, SiteCluster> = new Map(),
): ApplyUnit[] {
  const folders = new Map<string, Target>();
  for (const t of targets) folders.set(targetFolder(t), t);
  const sorted = [...folders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const units: ApplyUnit[] = [];
  for (const [folder, t] of sorted) {
    if (t.kind !== 'cluster') continue;
    units.push({ path: `${folder}/infra`, cluster: `${t.site}/${t.cluster}`, dependsOn: [] });
    units.push({ path: `${folder}/apps`, cluster: `${t.site}/${t.cluster}`, dependsOn: [`${folder}/infra`] });
  }
  const management = sorted.filter(([, t]) => isManagementTarget(t));
  if (management.length === 0) return units;
  const where = managementClusters.length === 1 ? `${managementClusters[0]!.site}/${managementClusters[0]!.cluster}` : 'management';
  const clusterInfra = managementClusters.map((m) => `sites/${m.site}/${m.cluster}/infra`).filter((p) => units.some((u) => u.path === p));
  const fleetInfra = 'management/fleet/infra';
  const hasFleet = folders.has('management/fleet');
  if (hasFleet) {
    units.push({ path: fleetInfra, cluster: where, dependsOn: clusterInfra });
    units.push({ path: 'management/fleet/apps', cluster: where, dependsOn: [fleetInfra] });
  }
  for (const [folder, t] of management) {
    if (t.kind !== 'management-cluster') continue;
    const [infra, apps] = LAYERS.map((l) => `${folder}/${l}`);
    const host = hostedIn.get(t.cluster);
    const isMgmt = host !== undefined && managementClusters.some((m) => m.site === host.site && m.cluster === host.cluster);
    if (host && !isMgmt) {
      const hostInfra = `sites/${host.site}/${host.cluster}/infra`;
      const deps = [...(hasFleet ? [fleetInfra] : clusterInfra), ...(units.some((u) => u.path === hostInfra) ? [hostInfra] : [])];
      units.push({ path: infra!, cluster: `${host.site}/${host.cluster}`, dependsOn: deps });
      units.push({ path: apps!, cluster: `${host.site}/${host.cluster}`, dependsOn: [infra!] });
      continue;
    }
    units.push({ path: infra!, cluster: where, dependsOn: hasFleet ? [fleetInfra] : clusterInfra });
    units.push({ path: apps!, cluster: where, dependsOn: [infra!] });
  }
  return units;
}
