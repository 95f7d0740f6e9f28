/**
 * What a workload's pods ask the scheduler for, as a pure function of what the pool advertises and what the
 * replica needs: the GPU resource name a pool's device plugin advertises under its GPU stack's partitioning
 * (whole GPUs, MIG slices, time slices, AMD compute partitions), and the CPU and memory the solver reserved.
 * A pod that asks for a resource its nodes do not advertise stays Pending forever, so every mismatch is a reason.
 */
import { logicalGpus } from '../gpu/amd';
import { layoutProfiles, type MigStrategy } from '../gpu/mig';
import { SHARED_GPU_RESOURCE } from '../gpu/nvidia';
import type { PoolPartitioning } from '../gpu/plan';
import { VENDOR_RESOURCE } from '../gpu/scheduling';
import type { GpuVendor } from '../model/gpu-models';

/** A GPU pool of a cluster as its pods see it. */
export interface PoolGpuFacts {
  readonly name: string;
  readonly vendor: GpuVendor;
  readonly model: string;
  /** Physical GPUs per node. */
  readonly perNode: number;
  /** How the cluster's GPU stack partitions the pool; `none` (or no stack) keeps whole GPUs. */
  readonly partitioning: PoolPartitioning;
}

/** The GPUs one replica needs. */
export interface ReplicaGpuNeed {
  readonly vendor: GpuVendor;
  /** Whole (or logical) GPUs per replica; 1 for a MIG slice. */
  readonly count: number;
  /** A MIG slice of this profile instead of whole GPUs. */
  readonly migProfile?: string;
}

/** The resource a pool offers for a need, or why it offers none. */
export type PoolResource = { readonly ok: true; readonly resource: string; readonly perNode: number } | { readonly ok: false; readonly reason: string };

function describe(p: PoolPartitioning): string {
  switch (p.kind) {
    case 'mig':
      return `MIG-partitioned (${layoutProfiles(p.layout).map((k) => `${k} x${p.layout[k]}`).join(', ')} per GPU)`;
    case 'time-slicing':
      return `time-sliced x${p.replicas}`;
    case 'amd-partition':
      return `partitioned ${p.partition.compute}/${p.partition.memory}`;
    case 'none':
      return 'whole GPUs';
  }
}

/**
 * The extended resource `pool`'s nodes advertise for `need`, and how many of it one node has. `migStrategy` is
 * the cluster's (`none` when no pool uses MIG): under `mixed` a MIG pool advertises `nvidia.com/mig-<profile>`
 * only, under `single` its slices as `nvidia.com/gpu`.
 */
export function poolGpuResource(pool: PoolGpuFacts, need: ReplicaGpuNeed, migStrategy: MigStrategy | 'none'): PoolResource {
  const p = pool.partitioning;
  if (pool.vendor !== need.vendor) return { ok: false, reason: `pool '${pool.name}' has ${pool.vendor} GPUs (${pool.model}), the workload is built for ${need.vendor}` };
  if (need.migProfile !== undefined) {
    if (p.kind !== 'mig' || migStrategy === 'none') {
      return {
        ok: false,
        reason: `pool '${pool.name}' (${pool.model}) is not MIG-partitioned (${describe(p)}), so no node advertises ${migStrategy === 'single' ? 'MIG slices' : `nvidia.com/mig-${need.migProfile}`}; give the cluster a GpuOperatorStack with partitioning: { '${pool.name}': Partitioning.mig({ '${need.migProfile}': <n> }) }, or drop migProfile`,
      };
    }
    const per = p.layout[need.migProfile] ?? 0;
    if (per === 0) return { ok: false, reason: `pool '${pool.name}' is ${describe(p)} and has no ${need.migProfile} slices` };
    return { ok: true, resource: migStrategy === 'single' ? VENDOR_RESOURCE.nvidia : `nvidia.com/mig-${need.migProfile}`, perNode: pool.perNode * per };
  }
  switch (p.kind) {
    case 'mig':
      return {
        ok: false,
        reason:
          migStrategy === 'single'
            ? `pool '${pool.name}' is ${describe(p)}: under MIG strategy single its nodes advertise slices as nvidia.com/gpu, so a whole-GPU request would get a slice`
            : `pool '${pool.name}' is ${describe(p)}: under MIG strategy mixed its nodes advertise ${layoutProfiles(p.layout).map((k) => `nvidia.com/mig-${k}`).join(', ')} only, no nvidia.com/gpu`,
      };
    case 'time-slicing':
      return { ok: true, resource: SHARED_GPU_RESOURCE, perNode: pool.perNode * p.replicas };
    case 'amd-partition':
      return { ok: true, resource: VENDOR_RESOURCE.amd, perNode: pool.perNode * logicalGpus(p.partition) };
    case 'none':
      return { ok: true, resource: VENDOR_RESOURCE[pool.vendor], perNode: pool.perNode };
  }
}

/** CPU cores as a Kubernetes quantity: `32`, `500m`. */
export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** Memory in GiB as a Kubernetes quantity: `256Gi`, `512Mi`. */
export function memoryQuantity(gib: number): string {
  return Number.isInteger(gib) ? `${gib}Gi` : `${Math.round(gib * 1024)}Mi`;
}

/** What one pod asks for. */
export interface PodRequest {
  /** CPU cores; undefined or 0: none. */
  readonly cpu?: number;
  /** Memory in GiB; undefined or 0: none. */
  readonly memoryGiB?: number;
  /** Extended resources (GPUs, slices) by name, as quantities. */
  readonly extended?: Readonly<Record<string, string>>;
}

/**
 * Container `resources` for a request: every resource in `requests`, so the scheduler reserves what the solver
 * counted; memory and extended resources also in `limits` (extended resources must have equal limits, and a pod
 * that outgrows its memory would take what the solver gave another). CPU gets no limit: throttling a training or
 * serving process below idle cores helps no one, and a request already guarantees its share.
 */
export function resourceRequirements(r: PodRequest): { requests?: Record<string, string>; limits?: Record<string, string> } {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (r.cpu !== undefined && r.cpu > 0) requests.cpu = cpuQuantity(r.cpu);
  if (r.memoryGiB !== undefined && r.memoryGiB > 0) requests.memory = limits.memory = memoryQuantity(r.memoryGiB);
  for (const k of Object.keys(r.extended ?? {})) requests[k] = limits[k] = r.extended![k]!;
  return { ...(Object.keys(requests).length > 0 ? { requests: sortKeys(requests) } : {}), ...(Object.keys(limits).length > 0 ? { limits: sortKeys(limits) } : {}) };
}

/**
 * Size of the `/dev/shm` tmpfs of a multi-GPU PyTorch pod, in GiB: half the memory the pod asks for (tmpfs
 * pages count against the pod's memory, so the process keeps the other half), or 1 GiB per GPU when it asks
 * for no memory. NCCL's shared-memory transport and DataLoader workers live there; container runtimes give 64 MiB.
 */
export function defaultShmGiB(memoryGiB: number | undefined, gpus: number): number {
  return memoryGiB !== undefined && memoryGiB > 0 ? memoryGiB / 2 : gpus;
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = r[k]!;
  return out;
}
