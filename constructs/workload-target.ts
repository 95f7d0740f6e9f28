import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ValidationError, type ValidationIssue } from '../lib/model/errors';
import type { PlacementNeeds } from '../lib/workloads/needs';
import type { PoolPartitioning } from '../lib/gpu/plan';
import { gpuModel, type GpuVendor } from '../lib/model/gpu-models';
import type { GpuResources } from '../lib/flower/objects';
import { didYouMean } from '../lib/model/suggest';
import { jurisdictionAllowed } from '../lib/model/jurisdictions';
import { Fleet } from './fleet';
import { deferProblems } from './problems';
import { gpuScheduling } from '../lib/gpu/scheduling';
import { SHARED_GPU_RESOURCE } from '../lib/gpu/nvidia';
import { K0sCluster } from './k0s-cluster';
import type { Site } from './site';
import type { SiteSpec } from '../lib/model/fleet';
import { DEFAULT_REPLICA_CPU, DEFAULT_REPLICA_MEMORY_GIB, type WorkloadSpec } from '../lib/model/workload';
import type { MigStrategy } from '../lib/gpu/mig';
import { VENDOR_RESOURCE } from '../lib/gpu/scheduling';
import { poolGpuResource, resourceRequirements, type PoolGpuFacts, type ReplicaGpuNeed } from '../lib/workloads/resources';
import { GpuOperatorStack } from './gpu-operator-stack';
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
  /** The same pools with their vendor, GPUs per node and the partitioning the cluster's GPU stack gives them. */
  readonly gpuPoolFacts: readonly PoolGpuFacts[];
  /** The cluster's MIG strategy (from its GPU stack); `none` when no pool uses MIG. */
  readonly migStrategy: MigStrategy | 'none';
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
  /**
   * The extended resource the pools chosen for the pods advertise for this need (`nvidia.com/gpu`,
   * `nvidia.com/mig-1g.10gb`, `nvidia.com/gpu.shared`, `amd.com/gpu`), when the library worked it out.
   */
  readonly resource?: string;
  /** The MIG profile of one slice, when the workload asks for a slice instead of whole GPUs. */
  readonly migProfile?: string;
}

/** Turns a GPU need into container resources; plug MIG profiles or DRA claims from the GPU layer in here. */
export type GpuRequest = (ctx: GpuRequestContext) => GpuResources;

/**
 * GPUs as the device plugins' extended resources: the resource the chosen pools advertise (`ctx.resource`),
 * else whole GPUs (`nvidia.com/gpu` or `amd.com/gpu`, `nvidia.com/gpu.shared` when time-sliced), on nodes of
 * that vendor (node selector on `k0smos.io/gpu-vendor`), tolerating that vendor's GPU taint only.
 */
export const extendedResourceGpuRequest: GpuRequest = (ctx) => ({
  limits: { [ctx.resource ?? (ctx.vendor === 'amd' ? 'amd.com/gpu' : ctx.shared ? SHARED_GPU_RESOURCE : 'nvidia.com/gpu')]: String(ctx.count) },
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
  const parts = K0sCluster.isK0sCluster(chart) ? chart.gpuPartitioning : new Map<string, PoolPartitioning>();
  const stack = chart.node.children.find((c): c is GpuOperatorStack => c instanceof GpuOperatorStack);
  const gpuPoolFacts: PoolGpuFacts[] = pools
    .filter((p) => p.gpus && gpuModel(p.gpus.model))
    .map((p) => {
      const m = gpuModel(p.gpus!.model)!;
      return { name: p.name, vendor: m.vendor, model: m.name, perNode: p.gpus!.count, partitioning: parts.get(p.name) ?? { kind: 'none' } };
    });
  return {
    site: site.name,
    cluster: chart.clusterName,
    chart,
    jurisdiction: facts.jurisdiction,
    rttMs: { ...(facts.rttMs ?? {}) },
    gpuPools: gpuPoolFacts.map((p) => p.name),
    gpuPoolFacts,
    migStrategy: stack?.plan.migStrategy ?? 'none',
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

/**
 * What each replica takes: the solver reserves it for a workload without a target, and every pod requests it.
 * With a target, pods request the CPU, memory and GPU kind given here (nothing for what is left out), and the
 * vendor and model pick the target cluster's GPU pools.
 */
export interface WorkloadPlacementProps {
  /**
   * GPU vendor the image is built for; a workload without a target that takes GPUs needs this, `gpuModel` or `migProfile`.
   * @default - from gpuModel (NVIDIA with migProfile); with a target, the vendor of the cluster's first GPU pool
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
   * One NVIDIA MIG slice of this profile per replica (e.g. '1g.10gb') instead of whole GPUs: pods ask for
   * `nvidia.com/mig-<profile>` (`nvidia.com/gpu` under MIG strategy single) on a pool whose GPU stack layout
   * has that slice. `gpusPerReplica` must then be 1 or unset.
   * @default - whole GPUs
   */
  readonly migProfile?: string;
  /**
   * CPU cores per replica, reserved by the solver and requested by every pod (no CPU limit).
   * @default 1 without a target; with a target, no CPU request
   */
  readonly cpu?: number;
  /**
   * Memory per replica, in GiB, reserved by the solver and requested by every pod (also its memory limit).
   * @default 1 without a target; with a target, no memory request
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

/** What each pod of a workload asks for. */
export interface PodResources {
  /** GPU resources and the scheduling fields that go with them; undefined without GPUs. */
  readonly gpu?: GpuResources;
  /** GPUs (or slices) per pod; 0 without GPUs. */
  readonly gpus: number;
  /** CPU cores each pod requests; undefined: none. */
  readonly cpu?: number;
  /** Memory each pod requests (and is limited to), in GiB; undefined: none. */
  readonly memoryGiB?: number;
}

/**
 * The workload spec of a workload without a target, for the solver. GPUs default to 1 when a vendor, model
 * or MIG profile is given, else 0; taking GPUs without saying which vendor the image is built for is an error.
 */
export function placedWorkloadSpec(name: string, props: PlacedWorkloadProps, extra: Partial<WorkloadSpec>, issues: ValidationIssue[]): { spec: WorkloadSpec; vendor?: GpuVendor; gpus: number; need?: ReplicaGpuNeed } {
  const p = props.placement ?? {};
  const replicas = props.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) issues.push({ path: 'replicas', message: `must be a whole number of at least 1; got ${replicas}` });
  const model = p.gpuModel !== undefined ? gpuModel(p.gpuModel) : undefined;
  if (p.gpuModel !== undefined && !model) issues.push({ path: 'placement.gpuModel', message: `unknown GPU model '${p.gpuModel}'` });
  if (model && p.gpuVendor && model.vendor !== p.gpuVendor) issues.push({ path: 'placement.gpuVendor', message: `${model.name} is ${model.vendor}, not ${p.gpuVendor}` });
  const mig = p.migProfile;
  const vendor = p.gpuVendor ?? model?.vendor ?? (mig !== undefined ? 'nvidia' : undefined);
  issues.push(...migIssues(mig, vendor, props.gpusPerReplica));
  const gpus = props.gpusPerReplica ?? (vendor ? 1 : 0);
  if (gpus > 0 && !vendor) issues.push({ path: 'placement.gpuVendor', message: `a workload without a target that takes GPUs must say which vendor its image is built for (gpuVendor: 'nvidia' or 'amd', or gpuModel); or give target` });
  const spec: WorkloadSpec = {
    name,
    replicas,
    ...(p.cpu !== undefined ? { cpu: p.cpu } : {}),
    ...(p.memoryGiB !== undefined ? { memoryGiB: p.memoryGiB } : {}),
    ...(p.priority !== undefined ? { priority: p.priority } : {}),
    ...(gpus > 0
      ? { gpu: { count: gpus, ...(vendor ? { vendor } : {}), ...(model ? { model: model.name } : {}), ...(p.gpuMemoryGiB !== undefined ? { memoryGiB: p.gpuMemoryGiB } : {}), ...(mig !== undefined ? { migProfile: mig } : {}) } }
      : {}),
    ...(props.jurisdictions ? { allowedJurisdictions: [...props.jurisdictions] } : {}),
    ...extra,
  };
  const need: ReplicaGpuNeed | undefined = gpus > 0 && vendor ? { vendor, count: gpus, ...(mig !== undefined ? { migProfile: mig } : {}) } : undefined;
  return { spec, ...(vendor ? { vendor } : {}), gpus, ...(need ? { need } : {}) };
}

/** A MIG slice is one NVIDIA slice per replica. */
function migIssues(mig: string | undefined, vendor: GpuVendor | undefined, gpusPerReplica: number | undefined): ValidationIssue[] {
  if (mig === undefined) return [];
  const out: ValidationIssue[] = [];
  if (vendor !== undefined && vendor !== 'nvidia') out.push({ path: 'placement.migProfile', message: `MIG slices are NVIDIA's; the workload is built for ${vendor}: drop migProfile or the vendor` });
  if (gpusPerReplica !== undefined && gpusPerReplica !== 1) out.push({ path: 'gpusPerReplica', message: `a replica with migProfile '${mig}' takes one slice; set gpusPerReplica to 1 or leave it out (got ${gpusPerReplica})` });
  return out;
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
  /** The kind's objects for some replicas in one cluster, each pod asking for `pod`. */
  readonly build: (replicas: number, pod: PodResources, at: { readonly site: string; readonly cluster: string }) => K8sObject[];
}

/**
 * Hands a workload without a target to the fleet's solver: its spec (problems thrown by field), and
 * a renderer that writes its Namespace and objects into each cluster chosen, every pod requesting what the
 * solver reserved for it. Returns its placement needs, or undefined when its props have problems (recorded on
 * the construct and reported at synth with every other problem; nothing is placed or written for it).
 */
export function placeBySolver(scope: Construct, a: PlaceBySolverArgs): PlacementNeeds | undefined {
  const fleet = Fleet.of(scope);
  const issues: ValidationIssue[] = [];
  const { spec, vendor, gpus, need } = placedWorkloadSpec(a.name, a.props, a.rules, issues);
  // Problems are reported at synth with every other problem of the fleet; the workload is not placed.
  if (deferProblems(scope, issues)) return undefined;
  // What the solver reserves per replica (resolveWorkloads fills the same defaults).
  const reserved = { cpu: spec.cpu ?? DEFAULT_REPLICA_CPU, memoryGiB: spec.memoryGiB ?? DEFAULT_REPLICA_MEMORY_GIB };
  fleet.addPlacedWorkload(
    spec,
    scope,
    (at) => {
      const { pod } = placedPodResources(scope, at, need, a.props.gpuRequest, reserved);
      return [namespaceObject(a.namespace, fleet.commonLabels()), ...a.build(at.replicas, pod, at)];
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

/**
 * What each pod of a placed workload asks for in the cluster the solver chose: the CPU and memory it reserved,
 * and the GPU resource the chosen pools advertise under their GPU stack's partitioning (whole GPUs, MIG slices,
 * time slices, AMD partitions), on the pool it counted on. A pool that cannot take the pods as asked (the solver
 * and the GPU stack disagree) is an error naming the pool, not a pod that stays Pending.
 */
export function placedPodResources(
  scope: Construct,
  at: { readonly site: string; readonly cluster: string; readonly pools: readonly string[] },
  need: ReplicaGpuNeed | undefined,
  request: GpuRequest | undefined,
  reserved: { readonly cpu: number; readonly memoryGiB: number },
): { t: ResolvedTarget; pod: PodResources } {
  const issues: ValidationIssue[] = [];
  const t = resolveTarget(scope, at, 'target', issues);
  if (!t) throw new Error(`${scope.node.path}: the solver chose ${at.site}/${at.cluster}, which the fleet does not have: ${issues.map((i) => i.message).join('; ')}`);
  const base = { cpu: reserved.cpu, memoryGiB: reserved.memoryGiB };
  if (!need) return { t, pod: { ...base, gpus: 0 } };
  const where = `${at.site}/${at.cluster}`;
  const pools = at.pools.map((name) => t.gpuPoolFacts.find((f) => f.name === name) ?? { name, vendor: need.vendor, model: '', perNode: 0, partitioning: { kind: 'none' as const } });
  const offers = pools.map((f) => ({ pool: f.name, kind: f.partitioning.kind, r: poolGpuResource(f, need, t.migStrategy) }));
  const model = t.gpuPoolFacts.find((f) => f.name === at.pools[0])?.model ?? (t.gpu?.vendor === need.vendor ? t.gpu.model : '');
  let r: GpuResources;
  if (request) {
    // The user's seam decides the resource; tell it what the pools advertise when they agree.
    const names = [...new Set(offers.flatMap((o) => (o.r.ok ? [o.r.resource] : [])))];
    const shared = offers.some((o) => o.kind === 'time-slicing');
    r = request({ site: t.site, cluster: t.cluster, vendor: need.vendor, model, count: need.count, ...(shared ? { shared } : {}), ...(names.length === 1 ? { resource: names[0]! } : {}), ...(need.migProfile !== undefined ? { migProfile: need.migProfile } : {}) });
  } else {
    const bad = offers.filter((o) => !o.r.ok);
    if (bad.length > 0) {
      throw new ValidationError([
        { path: scope.node.path, message: `the solver put replicas on ${where}, but ${bad.map((o) => (o.r.ok ? '' : o.r.reason)).join('; ')}; pods asking for that would stay Pending. Fix the pool's GPU stack partitioning, or give a target or gpuRequest` },
      ]);
    }
    const names = [...new Set(offers.map((o) => (o.r.ok ? o.r.resource : '')))].sort();
    if (names.length > 1) {
      const sliced = offers.filter((o) => o.kind === 'time-slicing').map((o) => o.pool);
      // One object cannot ask for one resource on some nodes and another on others.
      throw new ValidationError([
        sliced.length > 0
          ? { path: scope.node.path, message: `the solver put replicas on time-sliced pools (${sliced.join(', ')}) and whole-GPU pools (${at.pools.filter((p) => !sliced.includes(p)).join(', ')}) of ${where}, which advertise different resources; give gpuMemoryGiB (time slices promise none) or a target` }
          : { path: scope.node.path, message: `the solver put replicas on pools of ${where} that advertise different GPU resources (${offers.map((o) => `${o.pool}: ${o.r.ok ? o.r.resource : ''}`).join('; ')}); one object asks for one resource: give a target or gpuModel` },
      ]);
    }
    const resource = names[0]!;
    r = extendedResourceGpuRequest({ site: t.site, cluster: t.cluster, vendor: need.vendor, model, count: need.count, resource, ...(resource === SHARED_GPU_RESOURCE ? { shared: true } : {}), ...(need.migProfile !== undefined ? { migProfile: need.migProfile } : {}) });
  }
  // Onto the pool the solver counted on (its GPUs, memory and partitioning), not any node of the vendor.
  const gpu = at.pools.length === 1 ? { ...r, nodeSelector: { ...(r.nodeSelector ?? {}), 'k0smos.io/node-pool': at.pools[0]! } } : r;
  return { t, pod: { ...base, gpus: need.count, gpu } };
}

/**
 * A workload's target, replica and GPU checks in one place; issues are collected, not thrown. Pods ask for the
 * CPU and memory the user gave, and for the GPU resource that the target cluster's pools advertise for the need
 * (whole GPUs, a MIG slice with `placement.migProfile`, time slices, AMD partitions); a cluster none of whose
 * pools advertises it (whole GPUs on a MIG-only pool) is an issue, not a pod that stays Pending.
 */
export function resolveWorkload(scope: Construct, props: PlacedWorkloadProps & { readonly target: WorkloadTargetProps }, issues: ValidationIssue[]): { t?: ResolvedTarget; replicas: number; gpus: number; pod: PodResources } {
  const replicas = props.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) issues.push({ path: 'replicas', message: `must be a whole number of at least 1; got ${replicas}` });
  const p = props.placement ?? {};
  const t = resolveTarget(scope, props.target, 'target', issues);
  const model = p.gpuModel !== undefined ? gpuModel(p.gpuModel) : undefined;
  if (p.gpuModel !== undefined && !model) issues.push({ path: 'placement.gpuModel', message: `unknown GPU model '${p.gpuModel}'` });
  const mig = p.migProfile;
  const vendor = p.gpuVendor ?? model?.vendor ?? (mig !== undefined ? 'nvidia' : t?.gpu?.vendor);
  issues.push(...migIssues(mig, vendor, props.gpusPerReplica));
  const gpus = props.gpusPerReplica ?? (mig !== undefined || t?.gpu ? 1 : 0);
  const base = { ...(p.cpu !== undefined ? { cpu: p.cpu } : {}), ...(p.memoryGiB !== undefined ? { memoryGiB: p.memoryGiB } : {}) };
  if (t && props.jurisdictions && !jurisdictionAllowed(t.jurisdiction, props.jurisdictions)) {
    issues.push({ path: 'target.site', message: `site '${t.site}' (${t.jurisdiction}) is outside the allowed jurisdictions (${props.jurisdictions.join(', ')})` });
  }
  if (!t || gpus === 0) return { ...(t ? { t } : {}), replicas, gpus, pod: { ...base, gpus: 0 } };
  if (!t.gpu) {
    issues.push({ path: 'gpusPerReplica', message: `site '${t.site}' has no GPUs; set gpusPerReplica: 0 or target a GPU site` });
    return { t, replicas, gpus, pod: { ...base, gpus: 0 } };
  }
  const pools = t.gpuPoolFacts.filter((f) => f.vendor === vendor && (!model || f.model === model.name));
  if (pools.length === 0) {
    const what = model ? model.name : `${vendor} GPUs`;
    issues.push({ path: model ? 'placement.gpuModel' : 'placement.gpuVendor', message: `cluster ${t.site}/${t.cluster} has no ${what} (GPU pools: ${t.gpuPoolFacts.map((f) => `${f.name} ${f.model}`).join(', ')}); target another cluster or build the image for what is there` });
    return { t, replicas, gpus, pod: { ...base, gpus: 0 } };
  }
  const need: ReplicaGpuNeed = { vendor: vendor!, count: gpus, ...(mig !== undefined ? { migProfile: mig } : {}) };
  if (props.gpuRequest) {
    // The user's seam decides the resource.
    const perNode = Math.max(...pools.map((f) => f.perNode));
    if (mig === undefined && gpus > perNode) issues.push({ path: 'gpusPerReplica', message: `${gpus} GPUs per pod but ${t.site}'s nodes have ${perNode} ${pools[0]!.model}` });
    const shared = pools.every((f) => f.partitioning.kind === 'time-slicing');
    const gpu = props.gpuRequest({ site: t.site, cluster: t.cluster, vendor: need.vendor, model: pools[0]!.model, count: gpus, ...(shared ? { shared } : {}), ...(mig !== undefined ? { migProfile: mig } : {}) });
    return { t, replicas, gpus, pod: { ...base, gpus, gpu } };
  }
  const offers = pools.map((f) => ({ f, r: poolGpuResource(f, need, t.migStrategy) }));
  const ok = offers.filter((o): o is { f: PoolGpuFacts; r: Extract<typeof o.r, { ok: true }> } => o.r.ok);
  if (ok.length === 0) {
    const slices = [...new Set(pools.flatMap((f) => (f.partitioning.kind === 'mig' ? Object.keys(f.partitioning.layout).filter((k) => (f.partitioning as { layout: Record<string, number> }).layout[k]! > 0) : [])))].sort();
    const fix =
      mig === undefined && slices.length > 0
        ? `ask for a MIG slice (placement.migProfile: one of ${slices.join(', ')}), or target a cluster with whole GPUs`
        : mig !== undefined
          ? slices.length > 0
            ? `use a profile the layout has (${slices.join(', ')})`
            : `partition a pool with MIG in the cluster's GpuOperatorStack, or drop migProfile`
          : `target another cluster`;
    issues.push({
      path: mig !== undefined ? 'placement.migProfile' : 'gpusPerReplica',
      message: `no GPU pool of ${t.site}/${t.cluster} advertises what the pods would ask for: ${offers.map((o) => (o.r.ok ? '' : o.r.reason)).join('; ')}; ${fix}`,
    });
    return { t, replicas, gpus, pod: { ...base, gpus: 0 } };
  }
  // Whole GPUs where the cluster has them; otherwise what the pools offer (time slices, partitions, slices).
  const names = [...new Set(ok.map((o) => o.r.resource))].sort();
  const resource = names.includes(VENDOR_RESOURCE[need.vendor]) && mig === undefined ? VENDOR_RESOURCE[need.vendor] : names[0]!;
  const chosen = ok.filter((o) => o.r.resource === resource);
  const perNode = Math.max(...chosen.map((o) => o.r.perNode));
  if (gpus > perNode) issues.push({ path: 'gpusPerReplica', message: `${gpus} GPUs per pod but ${t.site}'s nodes have ${perNode} ${chosen[0]!.f.model}${chosen[0]!.f.partitioning.kind === 'none' ? '' : ` (${resource})`}` });
  // Pools of the vendor that advertise the same name for something else (MIG slices under strategy single).
  const others = pools.filter((f) => !chosen.some((o) => o.f.name === f.name));
  if (chosen.length > 1 && others.some((f) => f.partitioning.kind === 'mig' && t.migStrategy === 'single')) {
    issues.push({ path: 'target', message: `under MIG strategy single, ${others.map((f) => f.name).join(', ')} advertise MIG slices as ${resource} next to the pools ${chosen.map((o) => o.f.name).join(', ')}; give gpuRequest with a node selector of your own, or use MIG strategy mixed` });
  }
  const r = extendedResourceGpuRequest({ site: t.site, cluster: t.cluster, vendor: need.vendor, model: chosen[0]!.f.model, count: gpus, resource, ...(resource === SHARED_GPU_RESOURCE ? { shared: true } : {}), ...(mig !== undefined ? { migProfile: mig } : {}) });
  const gpu = chosen.length === 1 && others.length > 0 ? { ...r, nodeSelector: { ...(r.nodeSelector ?? {}), 'k0smos.io/node-pool': chosen[0]!.f.name } } : r;
  return { t, replicas, gpus, pod: { ...base, gpus, gpu } };
}

/** Container `resources` of a pod: CPU, memory and GPUs requested, memory and GPUs limited, DRA claims referenced. */
export function containerResources(pod: PodResources | undefined): Record<string, unknown> {
  if (!pod) return {};
  const req = resourceRequirements({ ...(pod.cpu !== undefined ? { cpu: pod.cpu } : {}), ...(pod.memoryGiB !== undefined ? { memoryGiB: pod.memoryGiB } : {}), ...(pod.gpu ? { extended: pod.gpu.limits } : {}) });
  const claims = pod.gpu?.resourceClaims ? { claims: pod.gpu.resourceClaims.map((c) => ({ name: c.name })) } : {};
  return req.requests || req.limits || claims.claims ? { resources: { ...req, ...claims } } : {};
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
