/**
 * The glue between the fleet's constructs and the pure resolver (lib/readiness): reads each cluster's
 * objects, add-ons and declarations into plain data, and installs what the resolver chose through the
 * cluster's own add-on delivery. Used by `Fleet.toTree`; not part of the public API.
 */
import type { Requirement } from '../lib/readiness/capability';
import { kustomizeRemoteUrl, type CatalogEntry } from '../lib/readiness/catalog';
import { cmp } from '../lib/model/compare';
import { crdGroup, objectNeeds } from '../lib/readiness/needs';
import { addonDependencies, resolveCluster, type ClusterNeedsInput, type ClusterPlan } from '../lib/readiness/resolve';
import { readinessJson, readinessMarkdown, type ReportCluster } from '../lib/readiness/report';
import { objectsByFolder, targetFolder, type AuxFile, type PlacedObject } from '../lib/synth/objects';
import type { Fleet } from './fleet';
import { CiliumMesh } from './cilium-mesh';
import { describeEndpoint, describePorts, type ResolvedFlow } from '../lib/net/flows';
import type { K0sCluster } from './k0s-cluster';
import type { HostingPlan } from '../lib/k0smotron/hosting';
import { hostingReport, twoNodeNotes } from './hosting';

/** The cluster management/ is applied to (the fleet's one management cluster), if the fleet knows which. */
export function managementClusterOf(fleet: Fleet): K0sCluster | undefined {
  const all = fleet.managementClusters;
  return all.length === 1 ? all[0] : undefined;
}

const isManagement = (p: PlacedObject) => p.target.kind !== 'cluster';

/** API groups a kcm Region installs in its cluster (Cluster API core and the k0smotron provider). */
const REGION_PROVIDES = new Set<string>(['cluster.x-k8s.io', 'controlplane.cluster.x-k8s.io', 'bootstrap.cluster.x-k8s.io', 'infrastructure.cluster.x-k8s.io', 'k0smotron.io'].map((g) => `api:${g}`));

/** The resolver's view of every cluster, from the objects that will be written. */
export function clusterInputs(fleet: Fleet, objects: readonly PlacedObject[]): ClusterNeedsInput[] {
  const mgmt = managementClusterOf(fleet);
  const byFolder = objectsByFolder(objects);
  // A control plane hosted in a region's cluster: its management folder is applied there. kcm's Region
  // installs Cluster API and the k0smotron provider there; what else its objects need (etcd's volume, a
  // LoadBalancer) is that cluster's to meet.
  const hostedElsewhere = new Map<string, K0sCluster>();
  for (const c of fleet.clusters()) {
    if (c.controlPlane?.mode !== 'hosted') continue;
    const h = fleet.controlPlaneHost(c.name);
    if (h && h !== mgmt) hostedElsewhere.set(c.name, h);
  }
  const hostOf = (p: PlacedObject) => (p.target.kind === 'management-cluster' ? hostedElsewhere.get(p.target.cluster) : undefined);
  const regionNeeds = (p: PlacedObject) => objectNeeds(p.object, p.source).filter((r) => !REGION_PROVIDES.has(r.capability));
  return fleet.clusters().map((c) => {
    const mine = [...(byFolder.get(targetFolder(c.target)) ?? []), ...(c === mgmt ? objects.filter((p) => isManagement(p) && !hostOf(p)) : [])];
    const hosted = objects.filter((p) => hostOf(p) === c);
    const requirements: Requirement[] = [...mine.flatMap((p) => objectNeeds(p.object, p.source)), ...hosted.flatMap(regionNeeds), ...c.requirements];
    const crdGroups = [...new Set(mine.map((p) => crdGroup(p.object)).filter((g): g is string => g !== undefined))].sort();
    return {
      cluster: c.name,
      site: c.siteName,
      mode: c.controlPlane?.mode ?? 'external',
      management: c === mgmt,
      addons: c.addons,
      bundles: c.kustomizeBundles,
      present: c.presentCapabilities,
      templateBrings: c.templateBrings(),
      crdGroups,
      requirements,
      storage: c.storage,
      ...(c.loadBalancer ? { loadBalancer: c.loadBalancer } : {}),
    };
  });
}

/** Needs of management/ objects when no cluster of the fleet is the management cluster (it is bootstrapped elsewhere). */
export function orphanManagementNeeds(fleet: Fleet, objects: readonly PlacedObject[]): Requirement[] {
  if (managementClusterOf(fleet)) return [];
  return objects.filter(isManagement).flatMap((p) => objectNeeds(p.object, p.source));
}

/** The fleet's clusters by name (`fleet.clusters()` sorts on every call). */
function clustersByName(fleet: Fleet): Map<string, K0sCluster> {
  return new Map(fleet.clusters().map((c) => [c.name, c] as const));
}

/** Resolves every cluster. */
export function planFleet(fleet: Fleet, objects: readonly PlacedObject[]): ClusterPlan[] {
  return clusterInputs(fleet, objects).map((i) => resolveCluster(i));
}

/**
 * Installs what the plans chose into each cluster (charts as its add-ons, bundles as kustomize
 * bundles), once: a second call finds them installed. Returns true when anything was added.
 */
export function applyInstalls(fleet: Fleet, plans: readonly ClusterPlan[]): boolean {
  let changed = false;
  const byName = clustersByName(fleet);
  for (const plan of plans) {
    const cluster = byName.get(plan.cluster)!;
    for (const i of plan.installs) {
      if (cluster.recordInstall(i.entry, i.because)) changed = true;
    }
  }
  return changed;
}

/** Installs one catalog entry into a cluster (used by K0sCluster.recordInstall). */
export function installEntry(cluster: K0sCluster, entry: CatalogEntry): void {
  for (const chart of entry.charts) {
    if (!cluster.addonSpecs.some((a) => a.name === chart.name)) cluster.addAddon({ ...chart, values: { ...chart.values } }, { installedBy: `the fleet (catalog entry '${entry.id}', for what the cluster's objects need)` });
  }
  if (entry.bundle) cluster.addKustomizeBundle(entry.bundle);
}

/** READINESS.md and readiness.json for the plans. */
export function readinessFiles(fleet: Fleet, plans: readonly ClusterPlan[], orphan: readonly Requirement[], flows: readonly ResolvedFlow[], hosting?: HostingPlan): AuxFile[] {
  const byName = clustersByName(fleet);
  const meshes = fleet.node.findAll().filter((x): x is CiliumMesh => x instanceof CiliumMesh).sort((a, b) => cmp(a.node.path, b.node.path));
  const clusters: ReportCluster[] = plans.map((plan) => {
    const c = byName.get(plan.cluster)!;
    const addons = c.addons;
    const deps = addonDependencies(addons);
    const reasonOf = (name: string): string => {
      for (const [, i] of c.installedByFleet) {
        if (i.entry.charts.some((ch) => ch.name === name) || i.entry.bundle?.name === name) {
          return `installed by the fleet: ${becauseText(i.because)}`;
        }
      }
      return 'declared in the fleet';
    };
    const mode = c.controlPlane?.mode ?? 'external';
    return {
      plan,
      mode: mode === 'external' ? 'not bootstrapped by the fleet' : mode,
      delivery:
        mode === 'k0rdent'
          ? 'as k0rdent services of its ClusterDeployment (ServiceTemplates in the management cluster, ordered by dependsOn)'
          : mode === 'external'
            ? 'by you (the fleet does not bootstrap this cluster)'
            : c.addonDelivery === 'charts'
              ? 'as k0s Chart objects in its folder (ordered by order)'
              : `as k0s Helm extensions in its ${mode === 'standalone' ? 'k0sctl.yaml' : 'K0smotronControlPlane'} (ordered by order), before GitOps applies its folder`,
      addons: addons.map((a) => ({
        name: a.name,
        namespace: a.namespace,
        chart: `${a.chart.repo.replace(/\/+$/, '')}/${a.chart.name}`,
        version: a.chart.version,
        order: a.order ?? 100,
        dependsOn: deps.get(a.name) ?? [],
        reason: reasonOf(a.name),
      })),
      bundles: c.kustomizeBundles.map((b) => ({ name: b.name, source: kustomizeRemoteUrl(b), reason: reasonOf(b.name) })),
      present: c.presentCapabilities,
      templateBrings: c.templateBrings(),
      notes: [...flowNotes(flows, c.name), ...meshNotes(meshes, c.name), ...twoNodeNotes(c)],
    };
  });
  const hostingSection = hosting ? hostingReport(hosting) : undefined;
  const report = { clusters, orphanManagement: orphan, ...(hostingSection && hostingSection.json !== undefined ? { hosting: hostingSection } : {}) };
  return [
    { path: 'READINESS.md', content: readinessMarkdown(report), source: fleet.node.path },
    { path: 'readiness.json', content: readinessJson(report), source: fleet.node.path },
  ];
}

/** "needs X: A (and 3 more); needs Y: B", one clause per capability, in order. */
function becauseText(because: readonly Requirement[]): string {
  const byCap = new Map<string, Set<string>>();
  for (const b of because) byCap.set(b.capability, (byCap.get(b.capability) ?? new Set<string>()).add(b.by));
  return [...byCap]
    .sort(([a], [b]) => cmp(a, b))
    .map(([cap, bys]) => {
      const list = [...bys].sort();
      return `${cap} for ${list[0]}${list.length > 1 ? ` and ${list.length - 1} more` : ''}`;
    })
    .join('; ');
}

/** What each mesh the cluster is in needs from the networks between sites, as report lines. */
function meshNotes(meshes: readonly CiliumMesh[], cluster: string): { title: string; lines: string[] }[] {
  const out: { title: string; lines: string[] }[] = [];
  for (const mesh of meshes) {
    const r = mesh.reachabilityReport().find((m) => m.cluster === cluster);
    if (!r) continue;
    const list = (xs: readonly string[] | 'unknown') => (xs === 'unknown' ? 'addresses the fleet does not know' : xs.join(', '));
    const lines = [
      `clustermesh-apiserver at ${r.endpoint.address}:${r.endpoint.port}/${r.endpoint.protocol} (${r.endpoint.serviceType})`,
      ...r.inbound.map(
        (i) =>
          `accept ${i.name} ${i.protocol}${i.port !== undefined ? ` ${i.port}` : ''} at ${list(i.to)} from ${i.from.map((f) => `${f.cluster} (${list(f.nodes)})`).join(', ') || 'no peer'}: ${i.why}`,
      ),
      ...r.dns.map((d) => `${d.name} must resolve to ${d.to} in ${d.resolveIn.join(', ')}`),
      ...r.routes.map((x) => `route ${x.cidr} to ${x.to} from ${x.from.join(', ')}`),
      ...r.notes,
    ];
    out.push({ title: `Mesh ${mesh.node.id}: what the networks between sites must carry`, lines });
  }
  return out;
}

/** The flows a cluster's policies must allow (declared by its workloads), one line each. */
function flowNotes(flows: readonly ResolvedFlow[], cluster: string): { title: string; lines: string[] }[] {
  const inCluster = (e: ResolvedFlow['from']) => 'cluster' in e && e.cluster === cluster;
  const mine = flows.filter((f) => inCluster(f.from) || inCluster(f.to));
  if (mine.length === 0) return [];
  return [
    {
      title: 'Flows its workloads declare (allowed at both ends under a mesh default deny)',
      lines: mine.map((f) => `${f.name}: ${describeEndpoint(f.from)} -> ${describeEndpoint(f.to)}, ${describePorts(f.ports)} (${f.description})`),
    },
  ];
}
