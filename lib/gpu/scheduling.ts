/**
 * Per-vendor node labels, taints and the tolerations that go with them, so CUDA work never lands on
 * ROCm nodes and the other way round: a pod selects its vendor's nodes by label and tolerates only that
 * vendor's taint. GPU nodes carry the taint when their cluster has nodes without GPUs for system pods
 * (see `taintGpuNodes` in plan.ts); where they do not, the toleration is harmless and the label and the
 * extended resource still keep each pod on its vendor's GPUs.
 */
import type { GpuVendor } from '../model/gpu-models';

export interface Toleration {
  readonly key: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

/** Label keys the GPU stack puts on nodes (besides the operators' own). */
export const GPU_LABELS = {
  vendor: 'k0smos.io/gpu-vendor',
  model: 'k0smos.io/gpu-model',
  /** The NVIDIA MIG manager applies the mig-parted config this label names. */
  migConfig: 'nvidia.com/mig.config',
  /** The NVIDIA device plugin uses the config key this label names. */
  devicePluginConfig: 'nvidia.com/device-plugin.config',
  /** The AMD Device Config Manager applies the partition profile this label names. */
  dcmProfile: 'dcm.amd.com/gpu-config-profile',
} as const;

/** The taint key of a vendor's GPU nodes. The NVIDIA operator's daemonsets tolerate `nvidia.com/gpu` out of the box. */
export const VENDOR_TAINT_KEY: Readonly<Record<GpuVendor, string>> = { nvidia: 'nvidia.com/gpu', amd: 'amd.com/gpu' };

/** The extended resource a vendor's device plugin advertises for whole GPUs. */
export const VENDOR_RESOURCE: Readonly<Record<GpuVendor, string>> = { nvidia: 'nvidia.com/gpu', amd: 'amd.com/gpu' };

/** The taint every node of a vendor's GPU pools carries. */
export function vendorTaint(vendor: GpuVendor): Taint {
  return { key: VENDOR_TAINT_KEY[vendor], value: 'present', effect: 'NoSchedule' };
}

/** The toleration of a vendor's taint. */
export function vendorToleration(vendor: GpuVendor): Toleration {
  return { key: VENDOR_TAINT_KEY[vendor], operator: 'Exists', effect: 'NoSchedule' };
}

/**
 * What a pod built for `vendor` sets: a node selector on the vendor label and the toleration of that
 * vendor's taint only. Without the other vendor's toleration it can never be placed on the other's nodes.
 */
export function gpuScheduling(vendor: GpuVendor): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
  return { nodeSelector: { [GPU_LABELS.vendor]: vendor }, tolerations: [vendorToleration(vendor)] };
}

/** The AMD Device Config Manager taints a node with this while it repartitions; AMD operands tolerate it. */
export const AMD_DCM_TOLERATION: Toleration = { key: 'amd-dcm', operator: 'Equal', value: 'up', effect: 'NoExecute' };
