import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ValidationError, inConstruct, type ValidationIssue } from '../lib/model/errors';
import type { PlacementNeeds } from '../lib/workloads/needs';
import type { PoolPartitioning } from '../lib/gpu/plan';
import { gpuModel, type GpuVendor } from '../lib/model/gpu-models';
import type { GpuResources } from '../lib/flower/objects';
import { didYouMean } from '../lib/model/suggest';
import { jurisdictionAllowed } from '../lib/model/jurisdictions';
import { Fleet } from './fleet';
import { gpuScheduling } from '../lib/gpu/scheduling';
import { SHARED_GPU_RESOURCE } from '../lib/gpu/nvidia';
import { K0sCluster } from './k0s-cluster';
import type { Site } from './site';
import type { SiteSpec } from '../lib/model/fleet';
import type { WorkloadSpec } from '../lib/model/workload';
import type { K8sObject } from '../lib/synth/objects';
import type { ClusterChart } from './folder-chart';

/** Where a workload is rendered: a site and, when the site has several clusters, one of them. */
export interface WorkloadTargetProps {
  /** Site name. */
  readonly site: string;
  /**
   * Cluster at the site.
   * @default - the site's only cluster
   */
  readonly cluster?: string;
}

/** The GPU hardware of a cluster: the first GPU pool's vendor and model (pools sorted by name). */
export interface ClusterGpu {
  readonly vendor: GpuVendor;
  readonly model: string;
  readonly perNode: number;
}

export interface ResolvedTarget {
  readonly site: string;
  readonly cluster: string;
  readonly chart: ClusterChart;
  readonly gpu?: ClusterGpu;
  /** The cluster's node pools with GPUs, sorted. */
  readonly gpuPools: readonly string[];
  readonly jurisdiction: string;
  /** Measured round-trip times to other sites, by site name. */
  readonly rttMs: Readonly<Record<string, number>>;
}

/**
 * The one place that reads a Site construct's facts. On this branch the site keeps its input as `spec`; newer
 * Site constructs keep it as `given`: both are accepted so this seam survives the merge unchanged.
 */
function siteFacts(site: Site): SiteSpec {
  const s = site as unknown as { spec?: SiteSpec; given?: SiteSpec };
  const facts = s.spec ?? s.given;
  if (!facts) throw new Error(`${site.node.path}: site facts not found (expected Site.spec or Site.given)`);
  return facts;
}

/** Context handed to a {@link GpuRequest} function. */
export interface GpuRequestContext {
  readonly site: string;
  readonly cluster: string;
  readonly vendor: GpuVendor;
  readonly model: string;
  readonly count: number;
  /** The GPUs are time-sliced by the cluster's GPU stack: they are advertised as `nvidia.com/gpu.shared`. */
  readonly shared?: boolean;
}

/** Turns a GPU need into container resources; plug MIG profiles or DRA claims from the GPU layer in here. */
export type GpuRequest = (ctx: GpuRequestContext) => GpuResources;

/**
 * Whole GPUs as the device plugins' extended resources (`nvidia.com/gpu` or `amd.com/gpu`), on nodes of
 * that vendor (node selector on `k0smos.io/gpu-vendor`), tolerating that vendor's GPU taint only.
 */
export const extendedResourceGpuRequest: GpuRequest = (ctx) => ({
  limits: { [ctx.vendor === 'amd' ? 'amd.com/gpu' : ctx.shared ? SHARED_GPU_RESOURCE : 'nvidia.com/gpu']: String(ctx.count) },
  nodeSelector: gpuScheduling(ctx.vendor).nodeSelector,
  tolerations: gpuScheduling(ctx.vendor).tolerations.map((t) => ({ ...t })),
});

/** Looks a target up in the fleet; problems go to `issues` under `path`. */
export function resolveTarget(scope: Construct, t: WorkloadTargetProps, path: string, issues: ValidationIssue[]): ResolvedTarget | undefined {
  const fleet = Fleet.of(scope);
  const names = fleet.sites.map((s) => s.name);
  const site = fleet.sites.find((s) => s.name === t.site);
  if (!site) {
    issues.push({ path: `${path}.site`, message: `no site named '${t.site}'${didYouMean(t.site, names)} (sites: ${names.join(', ')}); add sites to the fleet before the workloads` });
    return undefined;
  }
  const charts = site.clusters;
  const chart = t.cluster === undefined ? (charts.length === 1 ? charts[0] : undefined) : charts.find((c) => c.clusterName === t.cluster);
  if (!chart) {
    issues.push({ path: `${path}.cluster`, message: t.cluster === undefined ? `site '${t.site}' has ${charts.length} clusters (${charts.map((c) => c.clusterName).join(', ')}); name one` : `no cluster '${t.cluster}' at site '${t.site}' (clusters: ${charts.map((c) => c.clusterName).join(', ')})` });
    return undefined;
  }
  const facts = siteFacts(site);
  const clusterSpec = (facts.clusters ?? []).find((c) => c.name === chart.clusterName);
  const pools = [...facts.nodePools].filter((p) => !clusterSpec?.nodePools || clusterSpec.nodePools.includes(p.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const gpuPool = pools.find((p) => p.gpus && gpuModel(p.gpus.model));
  const model = gpuPool ? gpuModel(gpuPool.gpus!.model)! : undefined;
  return {
    site: site.name,
    cluster: chart.clusterName,
    chart,
    jurisdiction: facts.jurisdiction,
    rttMs: { ...(facts.rttMs ?? {}) },
    gpuPools: pools.filter((p) => p.gpus && gpuModel(p.gpus.model)).map((p) => p.name),
    ...(model ? { gpu: { vendor: model.vendor, model: model.name, perNode: gpuPool!.gpus!.count } } : {}),
  };
}

/** A Namespace object with the fleet's labels. */
export function namespaceObject(name: string, labels: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } };
}

/** Adds a Namespace to a cluster chart unless one of that name is there already (several workloads may share it). */
export function ensureNamespace(chart: ClusterChart, name: string, labels: Record<string, string>): void {
  const exists = chart.node.findAll().some((c) => c instanceof ApiObject && c.kind === 'Namespace' && c.metadata.name === name);
  if (!exists) new ApiObject(chart, `namespace-${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
}

/** What a workload without a target tells the placement solver (besides replicas, GPUs and jurisdictions). */
export interface WorkloadPlacementProps {
  /**
   * GPU vendor the image is built for; a workload without a target that takes GPUs needs this or `gpuModel`.
   * @default - from gpuModel
   */
  readonly gpuVendor?: GpuVendor;
  /**
   * GPU model required.
   * @default - any model of the vendor
   */
  readonly gpuModel?: string;
  /**
   * Least memory per GPU, in GiB.
   * @default - no minimum
   */
  readonly gpuMemoryGiB?: number;
  /**
   * CPU cores per replica.
   * @default 1
   */
  readonly cpu?: number;
  /**
   * Memory per replica, in GiB.
   * @default 1
   */
  readonly memoryGiB?: number;
  /**
   * Placement priority (weight of each placed GPU).
   * @default 1
   */
  readonly priority?: number;
}

/** The props every placed GPU workload shares. */
export interface PlacedWorkloadProps {
  readonly target?: WorkloadTargetProps;
  readonly placement?: WorkloadPlacementProps;
  readonly replicas?: number;
  readonly gpusPerReplica?: number;
  readonly jurisdictions?: readonly string[];
  readonly gpuRequest?: GpuRequest;
}

/**
 * The workload spec of a workload without a target, for the solver. GPUs default to 1 when a vendor or
 * model is given, else 0; taking GPUs without saying which vendor the image is built for is an error.
 */
export function placedWorkloadSpec(name: string, props: PlacedWorkloadProps, extra: Partial<WorkloadSpec>, issues: ValidationIssue[]): { spec: WorkloadSpec; vendor?: GpuVendor; gpus: number } {
  const p = props.placement ?? {};
  const replicas = props.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) issues.push({ path: 'replicas', message: `must be a whole number of at least 1; got ${replicas}` });
  const model = p.gpuModel !== undefined ? gpuModel(p.gpuModel) : undefined;
  if (p.gpuModel !== undefined && !model) issues.push({ path: 'placement.gpuModel', message: `unknown GPU model '${p.gpuModel}'` });
  if (model && p.gpuVendor && model.vendor !== p.gpuVendor) issues.push({ path: 'placement.gpuVendor', message: `${model.name} is ${model.vendor}, not ${p.gpuVendor}` });
  const vendor = p.gpuVendor ?? model?.vendor;
  const gpus = props.gpusPerReplica ?? (vendor ? 1 : 0);
  if (gpus > 0 && !vendor) issues.push({ path: 'placement.gpuVendor', message: `a workload without a target that takes GPUs must say which vendor its image is built for (gpuVendor: 'nvidia' or 'amd', or gpuModel); or give target` });
  const spec: WorkloadSpec = {
    name,
    replicas,
    ...(p.cpu !== undefined ? { cpu: p.cpu } : {}),
    ...(p.memoryGiB !== undefined ? { memoryGiB: p.memoryGiB } : {}),
    ...(p.priority !== undefined ? { priority: p.priority } : {}),
    ...(gpus > 0 ? { gpu: { count: gpus, ...(vendor ? { vendor } : {}), ...(model ? { model: model.name } : {}), ...(p.gpuMemoryGiB !== undefined ? { memoryGiB: p.gpuMemoryGiB } : {}) } } : {}),
    ...(props.jurisdictions ? { allowedJurisdictions: [...props.jurisdictions] } : {}),
    ...extra,
  };
  return { spec, ...(vendor ? { vendor } : {}), gpus };
}

/** What {@link placeBySolver} needs from the construct. */
export interface PlaceBySolverArgs {
  readonly name: string;
  readonly namespace: string;
  readonly props: PlacedWorkloadProps & { readonly gpuRequest?: GpuRequest };
  readonly role: PlacementNeeds['role'];
  /** Rules the workload kind adds to its spec (gang, spread, latency). */
  readonly rules: Partial<WorkloadSpec>;
  /** Placement needs the kind adds (a latency bound). */
  readonly needs?: Partial<PlacementNeeds>;
  /** All replicas in one cluster (a gang that is one Kubernetes object). */
  readonly oneCluster?: boolean;
  /** How the construct is named in errors, e.g. `training job 'x'`. */
  readonly what: string;
  /** The kind's objects for some replicas in one cluster. */
  readonly build: (replicas: number, resources: GpuResources | undefined) => K8sObject[];
}

/**
 * Hands a workload without a target to the fleet's solver: its spec (problems thrown by field), and
 * a renderer that writes its Namespace and objects into each cluster chosen. Returns its placement needs.
 */
export function placeBySolver(scope: Construct, a: PlaceBySolverArgs): PlacementNeeds {
  const fleet = Fleet.of(scope);
  const issues: ValidationIssue[] = [];
  const { spec, vendor, gpus } = placedWorkloadSpec(a.name, a.props, a.rules, issues);
  if (issues.length > 0) throw new ValidationError(inConstruct(scope.node.path, issues), `invalid ${a.what}`);
  fleet.addPlacedWorkload(
    spec,
    scope,
    (at) => {
      const { resources } = placedResources(scope, at, vendor, gpus, a.props.gpuRequest);
      return [namespaceObject(a.namespace, fleet.commonLabels()), ...a.build(at.replicas, resources)];
    },
    { oneCluster: a.oneCluster ?? false },
  );
  return {
    workload: scope.node.path,
    role: a.role,
    replicas: spec.replicas ?? 1,
    ...(spec.gpu ? { gpu: { ...(vendor ? { vendor } : {}), ...(spec.gpu.model ? { model: spec.gpu.model } : {}), count: gpus } } : {}),
    ...(a.props.jurisdictions ? { jurisdictions: [...a.props.jurisdictions] } : {}),
    ...a.needs,
  };
}

/** The GPU resources of a placed workload in the cluster the solver chose. */
export function placedResources(
  scope: Construct,
  at: { readonly site: string; readonly cluster: string; readonly pools: readonly string[] },
  vendor: GpuVendor | undefined,
  gpus: number,
  request: GpuRequest | undefined,
): { t: ResolvedTarget; resources?: GpuResources } {
  const issues: ValidationIssue[] = [];
  const t = resolveTarget(scope, at, 'target', issues);
  if (!t) throw new Error(`${scope.node.path}: the solver chose ${at.site}/${at.cluster}, which the fleet does not have: ${issues.map((i) => i.message).join('; ')}`);
  if (gpus === 0 || !vendor) return { t };
  // The model is informational for the request (the cluster's first GPU pool of that vendor).
  const model = t.gpu?.vendor === vendor ? t.gpu.model : '';
  const sliced = timeSlicedPools(t, at.pools);
  if (sliced.length > 0 && sliced.length < at.pools.length) {
    // One object cannot ask for nvidia.com/gpu.shared on some nodes and nvidia.com/gpu on others.
    throw new ValidationError([
      { path: scope.node.path, message: `the solver put replicas on time-sliced pools (${sliced.join(', ')}) and whole-GPU pools (${at.pools.filter((p) => !sliced.includes(p)).join(', ')}) of ${at.site}/${at.cluster}, which advertise different resources; give gpuMemoryGiB (time slices promise none) or a target` },
    ]);
  }
  const shared = sliced.length > 0;
  const r = (request ?? extendedResourceGpuRequest)({ site: t.site, cluster: t.cluster, vendor, model, count: gpus, ...(shared ? { shared } : {}) });
  // Onto the pool the solver counted on (its GPUs, memory and partitioning), not any node of the vendor.
  return { t, resources: at.pools.length === 1 ? { ...r, nodeSelector: { ...(r.nodeSelector ?? {}), 'k0smos.io/node-pool': at.pools[0]! } } : r };
}

/** The pools among `pools` whose GPUs the cluster's GPU stack time-slices (they advertise nvidia.com/gpu.shared). */
function timeSlicedPools(t: ResolvedTarget, pools: readonly string[]): string[] {
  const parts = K0sCluster.isK0sCluster(t.chart) ? t.chart.gpuPartitioning : new Map<string, PoolPartitioning>();
  return pools.filter((p) => parts.get(p)?.kind === 'time-slicing');
}

/** A workload's target, replica and GPU checks in one place; issues are collected, not thrown. */
export function resolveWorkload(scope: Construct, props: PlacedWorkloadProps & { readonly target: WorkloadTargetProps }, issues: ValidationIssue[]): { t?: ResolvedTarget; replicas: number; gpus: number; resources?: GpuResources } {
  const replicas = props.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) issues.push({ path: 'replicas', message: `must be a whole number of at least 1; got ${replicas}` });
  const t = resolveTarget(scope, props.target, 'target', issues);
  const gpus = props.gpusPerReplica ?? (t?.gpu ? 1 : 0);
  if (t && gpus > 0 && !t.gpu) issues.push({ path: 'gpusPerReplica', message: `site '${t.site}' has no GPUs; set gpusPerReplica: 0 or target a GPU site` });
  if (t?.gpu && gpus > t.gpu.perNode) issues.push({ path: 'gpusPerReplica', message: `${gpus} GPUs per pod but ${t.site}'s nodes have ${t.gpu.perNode} ${t.gpu.model}` });
  if (t && props.jurisdictions && !jurisdictionAllowed(t.jurisdiction, props.jurisdictions)) {
    issues.push({ path: 'target.site', message: `site '${t.site}' (${t.jurisdiction}) is outside the allowed jurisdictions (${props.jurisdictions.join(', ')})` });
  }
  // A cluster whose GPU pools are all time-sliced advertises nvidia.com/gpu.shared only.
  const shared = t !== undefined && t.gpuPools.length > 0 && timeSlicedPools(t, t.gpuPools).length === t.gpuPools.length;
  const resources =
    t?.gpu && gpus > 0 && gpus <= t.gpu.perNode ? (props.gpuRequest ?? extendedResourceGpuRequest)({ site: t.site, cluster: t.cluster, vendor: t.gpu.vendor, model: t.gpu.model, count: gpus, ...(shared ? { shared } : {}) }) : undefined;
  return { ...(t ? { t } : {}), replicas, gpus, ...(resources ? { resources } : {}) };
}

/** Container `resources` for a GPU request, including references to DRA claims. */
export function containerResources(r: GpuResources | undefined): Record<string, unknown> {
  if (!r) return {};
  return { resources: { limits: { ...r.limits }, ...(r.resourceClaims ? { claims: r.resourceClaims.map((c) => ({ name: c.name })) } : {}) } };
}

/** Pod-level fields of a GPU request: node selector, tolerations, DRA claims. */
export function podGpuFields(r: GpuResources | undefined): Record<string, unknown> {
  if (!r) return {};
  return {
    ...(r.nodeSelector ? { nodeSelector: { ...r.nodeSelector } } : {}),
    ...(r.tolerations ? { tolerations: r.tolerations.map((x) => ({ ...x })) } : {}),
    ...(r.resourceClaims ? { resourceClaims: r.resourceClaims.map((c) => ({ ...c })) } : {}),
  };
}
