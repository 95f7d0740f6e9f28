/**
 * GPU multi-tenancy: one isolation choice per tenant, checked against what the cluster's GPUs can give,
 * and the objects that enforce it (Namespace, RBAC, ResourceQuota on GPU resources).
 */
import { cmp } from '../model/compare';
import type { ValidationIssue } from '../model/errors';
import type { GpuVendor } from '../model/gpu-models';
import type { K8sObject } from '../synth/objects';
import { isDeviceClassQuotaResource } from './dra';
import { formatLayout, layoutProfiles, type MigLayout } from './mig';
import { SHARED_GPU_RESOURCE } from './nvidia';
import { VENDOR_RESOURCE } from './scheduling';

/** A tenant's isolation, as plain data. */
export type TenantIsolationSpec =
  | { readonly kind: 'namespace'; readonly gpus: number; readonly vendor?: GpuVendor }
  | { readonly kind: 'time-slicing'; readonly replicas: number }
  | { readonly kind: 'mig'; readonly instances: MigLayout }
  | { readonly kind: 'cluster-per-tenant'; readonly workerPools?: readonly string[] };

export interface TenantSpec {
  /** Tenant name; also its namespace. */
  readonly name: string;
  readonly isolation: TenantIsolationSpec;
  /** Groups bound to the `edit` ClusterRole in the tenant's namespace. */
  readonly groups: readonly string[];
}

/** What the cluster offers per GPU resource name, and why (for messages). */
export interface GpuSupply {
  /** Count per extended resource name, e.g. `nvidia.com/mig-1g.10gb: 56`. */
  readonly resources: Readonly<Record<string, number>>;
  /** One line per GPU pool: `a100 (A100-80GB, MIG 2x1g.10gb + 1x3g.40gb)`. */
  readonly pools: readonly string[];
  readonly vendors: readonly GpuVendor[];
  /**
   * What each vendor's whole GPUs are counted as: the device plugin's extended resource (`nvidia.com/gpu`),
   * or under DRA the devices of the vendor's DeviceClass (`gpu.nvidia.com.deviceclass.resource.k8s.io/devices`).
   * @default - the extended resources
   */
  readonly wholeGpu?: Readonly<Partial<Record<GpuVendor, string>>>;
}

/** The resource a vendor's whole GPUs are counted as in this supply. */
export function wholeGpuResource(supply: GpuSupply, vendor: GpuVendor): string {
  return supply.wholeGpu?.[vendor] ?? VENDOR_RESOURCE[vendor];
}

export const TENANT_LABEL = 'k0smos.io/gpu-tenant';
export const ISOLATION_LABEL = 'k0smos.io/gpu-isolation';

/** The resources a tenant is granted, by resource name (a cluster-per-tenant tenant gets all of its cluster's). */
export function tenantDemand(t: TenantSpec, supply: GpuSupply): Record<string, number> | undefined {
  const iso = t.isolation;
  switch (iso.kind) {
    case 'namespace': {
      const vendor = iso.vendor ?? (supply.vendors.length === 1 ? supply.vendors[0]! : undefined);
      return vendor ? { [wholeGpuResource(supply, vendor)]: iso.gpus } : {};
    }
    case 'time-slicing':
      return { [SHARED_GPU_RESOURCE]: iso.replicas };
    case 'mig':
      return Object.fromEntries(layoutProfiles(iso.instances).map((p) => [`nvidia.com/mig-${p}`, iso.instances[p]!]));
    case 'cluster-per-tenant':
      return { ...supply.resources };
  }
}

/** What the tenancy checks need to know about the cluster itself. */
export interface TenantClusterFacts {
  /** The cluster's control plane runs apart from its nodes (k0smotron, or a k0rdent hosted-cp/remote-cluster template). */
  readonly hostedControlPlane?: boolean;
  /** How the control plane runs, for messages, e.g. `standalone (k0sctl)`. */
  readonly controlPlane?: string;
  /** The cluster's node pools. */
  readonly pools?: readonly string[];
}

/**
 * Checks every tenant against the cluster's GPUs: the isolation must be one the GPUs can give, and the
 * tenants together must not be granted more of a resource than the cluster has.
 */
export function checkTenants(tenants: readonly TenantSpec[], supply: GpuSupply, cluster: string, path: string, facts: TenantClusterFacts = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const granted = new Map<string, { total: number; by: string[] }>();
  const has = (r: string) => (supply.resources[r] ?? 0) > 0;
  const at = (sub: string) => (path ? `${path}.${sub}` : sub);
  const pools = supply.pools.length > 0 ? supply.pools.join('; ') : 'no GPU pools';
  for (const t of tenants) {
    const tp = at(`tenants[${t.name}]`);
    if (seen.has(t.name)) issues.push({ path: tp, message: `tenant '${t.name}' is defined more than once` });
    seen.add(t.name);
    const iso = t.isolation;
    const before = issues.length;
    const bad = (message: string) => issues.push({ path: `${tp}.isolation`, message });
    if (iso.kind === 'cluster-per-tenant') {
      // The stack's cluster is the tenant's own: no other tenant in it, its control plane apart from the nodes.
      const others = tenants.filter((x) => x.name !== t.name).map((x) => x.name);
      if (others.length > 0) bad(`a cluster-per-tenant tenant must be its cluster's only tenant, but cluster '${cluster}' also has ${others.join(', ')}; declare a cluster per tenant at the site (clusters: [...], with its nodePools) and a GpuOperatorStack in each`);
      if (facts.hostedControlPlane !== true) {
        bad(`isolation 'cluster-per-tenant' needs a cluster with a hosted control plane (ControlPlane.hosted(...) or a k0rdent hosted-cp or remote-cluster template); cluster '${cluster}' runs ${facts.controlPlane ?? 'no control plane the fleet knows'}`);
      }
      for (const p of iso.workerPools ?? []) {
        if (facts.pools && !facts.pools.includes(p)) bad(`workerPools names '${p}', which is not a node pool of cluster '${cluster}' (pools: ${facts.pools.join(', ') || 'none'})`);
      }
      if (supply.vendors.length === 0) bad(`cluster '${cluster}' has no GPU pools to give tenant '${t.name}' GPUs`);
      continue;
    }
    if (supply.vendors.length === 0) {
      bad(`cluster '${cluster}' has no GPU pools to give tenant '${t.name}' GPUs`);
      continue;
    }
    if (iso.kind === 'namespace') {
      if (!Number.isInteger(iso.gpus) || iso.gpus < 1) bad(`gpus must be a whole number >= 1 (got ${iso.gpus})`);
      if (iso.vendor === undefined && supply.vendors.length > 1) bad(`cluster '${cluster}' has ${supply.vendors.join(' and ')} GPUs; say which with vendor: 'nvidia' or 'amd'`);
      if (iso.vendor !== undefined && !supply.vendors.includes(iso.vendor)) bad(`cluster '${cluster}' has no ${iso.vendor} GPUs (${pools})`);
      // A MIG-only (strategy mixed) or time-sliced-only cluster advertises no whole GPUs: a quota on them would
      // ask for a resource no node has.
      const vendor = iso.vendor ?? (supply.vendors.length === 1 ? supply.vendors[0] : undefined);
      const whole = vendor !== undefined && supply.vendors.includes(vendor) ? wholeGpuResource(supply, vendor) : undefined;
      if (whole !== undefined && !has(whole)) {
        const instead = Object.keys(supply.resources)
          .filter((r) => has(r) && r.startsWith(vendor === 'nvidia' ? 'nvidia.com/' : `${vendor}.com/`))
          .sort();
        const hint = instead.some((r) => r.startsWith('nvidia.com/mig-')) ? "use isolation 'mig' with those profiles" : instead.includes(SHARED_GPU_RESOURCE) ? "use isolation 'time-slicing'" : 'give the cluster whole GPUs';
        bad(`isolation 'namespace' grants whole GPUs (${whole}), but no node of cluster '${cluster}' advertises them: its ${vendor} pools offer ${instead.join(', ') || 'nothing'} (${pools}); ${hint}, or keep a pool of whole GPUs`);
        continue;
      }
    }
    if (iso.kind === 'time-slicing') {
      if (!Number.isInteger(iso.replicas) || iso.replicas < 1) bad(`replicas must be a whole number >= 1 (got ${iso.replicas})`);
      if (!has(SHARED_GPU_RESOURCE)) {
        bad(`isolation 'time-slicing' needs an NVIDIA pool shared with time-slicing (Partitioning.timeSlicing(n)); cluster '${cluster}' has none (${pools})`);
        continue;
      }
    }
    if (iso.kind === 'mig') {
      const profiles = layoutProfiles(iso.instances);
      const offered = Object.keys(supply.resources)
        .filter((r) => r.startsWith('nvidia.com/mig-') && has(r))
        .map((r) => r.slice('nvidia.com/mig-'.length))
        .sort();
      if (profiles.length === 0) bad(`isolation 'mig' lists at least one MIG profile with a count`);
      if (offered.length === 0) {
        bad(`isolation 'mig' needs dedicated MIG partitions, but no pool of cluster '${cluster}' gives them (${pools}); MIG needs an NVIDIA GPU with MIG and a MIG layout on its pool, otherwise use isolation 'namespace'`);
        continue;
      }
      for (const p of profiles) {
        const n = iso.instances[p]!;
        if (!Number.isInteger(n) || n < 1) bad(`instances of ${p} must be a whole number >= 1 (got ${n})`);
        if (!offered.includes(p)) bad(`no pool of cluster '${cluster}' is partitioned into ${p} (MIG profiles on offer: ${offered.join(', ')}); asked ${formatLayout(iso.instances)}`);
      }
    }
    // Totals are checked for tenants whose isolation is otherwise fine, so one mistake gives one message.
    if (issues.length > before) continue;
    const demand = tenantDemand(t, supply) ?? {};
    for (const [r, n] of Object.entries(demand)) {
      const g = granted.get(r) ?? { total: 0, by: [] };
      g.total += n;
      g.by.push(`${t.name}=${n}`);
      granted.set(r, g);
    }
  }
  for (const [r, g] of [...granted.entries()].sort(([a], [b]) => cmp(a, b))) {
    const have = supply.resources[r] ?? 0;
    if (g.total > have) {
      issues.push({ path: at('tenants'), message: `tenants are granted ${g.total} ${r} (${g.by.join(', ')}) but cluster '${cluster}' has ${have}; lower the grants or add GPUs` });
    }
  }
  return issues;
}

/**
 * The objects of one tenant: its Namespace, a RoleBinding of its groups to `edit` (`admin` in a
 * cluster of its own), and a ResourceQuota
 * that grants its GPU resources and pins every other GPU resource of the cluster to zero.
 */
export function tenantObjects(t: TenantSpec, supply: GpuSupply, labels: Record<string, string>): K8sObject[] {
  const demand = tenantDemand(t, supply);
  if (!demand) return [];
  const l = { ...labels, [TENANT_LABEL]: t.name, [ISOLATION_LABEL]: t.isolation.kind };
  const hard: Record<string, string> = {};
  // Extended resources are quota'd as `requests.<name>`; DRA devices by their DeviceClass name as is.
  const key = (r: string) => (isDeviceClassQuotaResource(r) ? r : `requests.${r}`);
  for (const r of Object.keys(supply.resources).sort()) hard[key(r)] = String(demand[r] ?? 0);
  for (const r of Object.keys(demand).sort()) hard[key(r)] = String(demand[r]);
  const objects: K8sObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.name, labels: l } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: t.isolation.kind === 'cluster-per-tenant' ? 'gpu-tenant-admin' : 'gpu-tenant-edit', namespace: t.name, labels: l },
      // In its own cluster the tenant also manages its namespace's roles and bindings.
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: t.isolation.kind === 'cluster-per-tenant' ? 'admin' : 'edit' },
      subjects: [...t.groups].sort().map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
    },
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'gpu-quota', namespace: t.name, labels: l }, spec: { hard } },
  ];
  return objects;
}
