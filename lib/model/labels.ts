/** Label keys the library puts on what it writes; selectors in later layers (k0rdent, Cilium, placement) match them. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  fleet: 'k0smos.io/fleet',
  site: 'k0smos.io/site',
  region: 'k0smos.io/region',
  jurisdiction: 'k0smos.io/jurisdiction',
  cluster: 'k0smos.io/cluster',
  /** `k0smos.io/gpu-vendor.nvidia: "true"` / `k0smos.io/gpu-vendor.amd: "true"`: one label per vendor a cluster has. */
  gpuVendorPrefix: 'k0smos.io/gpu-vendor.',
} as const;

export const MANAGED_BY = 'cdk8s-k0smos';

/** The namespace the library's own objects live in, in every cluster it writes for. */
export const SYSTEM_NAMESPACE = 'k0smos-system';
