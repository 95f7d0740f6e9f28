/**
 * The NVIDIA DRA driver for GPUs (kubernetes-sigs/dra-driver-nvidia-gpu, ADDONS.md section 12): GPUs are
 * published as devices of DeviceClass `gpu.nvidia.com` and allocated to ResourceClaims, instead of the GPU
 * Operator's device plugin advertising `nvidia.com/gpu`. The GPU Operator still installs the driver and the
 * container toolkit (CDI) and labels the nodes; its device plugin is switched off (the DRA chart refuses to
 * run GPU allocation beside it unless told it is alone: `gpuResourcesEnabledOverride`).
 */
import type { HelmChartAddon } from '../addons/addon';
import type { Capability } from '../readiness/capability';
import { K0S_PLUGINS, K0S_PLUGINS_REGISTRY } from './k0s';
import type { DriverChoice } from './nvidia';

/** The chart: renamed from `nvidia-dra-driver-gpu`, published on registry.k8s.io (ADDONS.md section 12; schemas/nvidia-dra-driver/chart-0.4.1). */
export const NVIDIA_DRA_CHART = { repo: 'oci://registry.k8s.io/dra-driver-nvidia/charts', name: 'dra-driver-nvidia-gpu', version: '0.4.1' } as const;
/** Its own namespace: the chart refuses `default` and must not be given a `namespace` value. */
export const NVIDIA_DRA_NAMESPACE = 'dra-driver-nvidia-gpu';
/** Kubernetes minor the driver's docs require (1.34.2+: DRA `resource.k8s.io/v1`); older needs feature gates by hand. */
export const NVIDIA_DRA_MIN_MINOR = 34;

export interface NvidiaDraConfig {
  readonly namespace: string;
  /** Who installs the GPU driver: the GPU Operator's driver container lives under /run/nvidia/driver, a host driver under /. */
  readonly driver: DriverChoice;
  /** resource.k8s.io version of the cluster, so the chart's DeviceClasses match our claim templates. */
  readonly resourceApiVersion: string;
}

/** Chart values: GPU allocation on (alone, the device plugin being off), ComputeDomains off, k0s kubelet plugin paths. */
export function nvidiaDraValues(c: NvidiaDraConfig): Record<string, unknown> {
  return {
    nvidiaDriverRoot: c.driver.kind === 'operator-managed' ? '/run/nvidia/driver' : '/',
    // templates/validation.yaml aborts with resources.gpus.enabled unless this says the device plugin is not running.
    gpuResourcesEnabledOverride: true,
    // ComputeDomains are for multi-node NVLink (IMEX) systems and need driver >= 570.158.01; whole GPUs do not.
    resources: { gpus: { enabled: true }, computeDomains: { enabled: false } },
    resourceApiVersion: c.resourceApiVersion,
    // k0s runs kubelet under /var/lib/k0s/kubelet: plugin registration and sockets move with it (ADDONS.md section 0).
    kubeletPlugin: { kubeletRegistrarDirectoryPath: K0S_PLUGINS_REGISTRY, kubeletPluginsDirectoryPath: K0S_PLUGINS },
  };
}

/**
 * What the DRA driver needs first: the GPU Operator (`api:nvidia.com`), which installs the driver and the CDI
 * toolkit the kubelet plugin uses, so it is installed after it. It serves no API group of its own here
 * (`resource.nvidia.com` only with ComputeDomains, which are off); its DeviceClasses are `resource.k8s.io` objects.
 */
export const NVIDIA_DRA_NEEDS: readonly Capability[] = ['api:nvidia.com'];

export function nvidiaDraAddon(c: NvidiaDraConfig): HelmChartAddon {
  return { name: 'dra-driver-nvidia-gpu', namespace: c.namespace, chart: { ...NVIDIA_DRA_CHART }, values: nvidiaDraValues(c), order: 205, needs: [...NVIDIA_DRA_NEEDS] };
}
