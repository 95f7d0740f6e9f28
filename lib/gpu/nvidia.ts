/**
 * The NVIDIA GPU Operator on k0s: the ClusterPolicy spec we set, the Helm values that make the chart
 * render it, and the device-plugin (time-slicing) configuration.
 */
import type { HelmChartAddon } from '../addons/addon';
import type { Capability } from '../readiness/capability';
import { toYamlOrdered } from '../synth/serialize';
import type { MigStrategy } from './mig';
import type { Toleration } from './scheduling';

/** Where k0s keeps its containerd: drop-in config folder and socket (not the distro's /etc/containerd). */
export const K0S_CONTAINERD = {
  /** The toolkit writes the nvidia runtime here; k0s imports every `*.toml` of this folder. */
  config: '/etc/k0s/containerd.d/nvidia.toml',
  socket: '/run/k0s/containerd.sock',
} as const;

/** The GPU Operator chart this library writes values for. */
export const NVIDIA_CHART = { repo: 'https://helm.ngc.nvidia.com/nvidia', name: 'gpu-operator', version: 'v26.7.0' } as const;
/** The driver version the chart defaults to. */
export const NVIDIA_DEFAULT_DRIVER = '595.91.07';
export const NVIDIA_NAMESPACE = 'gpu-operator';
/** Runtime class the toolkit registers; CUDA pods set `runtimeClassName: nvidia`. */
export const NVIDIA_RUNTIME_CLASS = 'nvidia';
/** Name of the ConfigMap with our mig-parted configs (key `config.yaml`). */
export const MIG_PARTED_CONFIGMAP = 'k0smos-mig-parted-config';
/** Name of the ConfigMap with the device plugin's configs (time-slicing). */
export const DEVICE_PLUGIN_CONFIGMAP = 'k0smos-device-plugin-config';
/** Key of the device plugin config used by nodes without a `nvidia.com/device-plugin.config` label. */
export const DEVICE_PLUGIN_DEFAULT_KEY = 'default';

/** Driver choice, as plain data. */
export type DriverChoice = { readonly kind: 'operator-managed'; readonly version: string; readonly image?: string } | { readonly kind: 'preinstalled' };

/** What the NVIDIA stack of one cluster needs. */
export interface NvidiaStackConfig {
  readonly namespace: string;
  readonly driver: DriverChoice;
  /** `none` when no pool uses MIG. */
  readonly migStrategy: MigStrategy | 'none';
  /** True when a pool has MIG-capable GPUs (the MIG manager then runs and keeps their layout). */
  readonly migManager: boolean;
  /** True when a pool has a MIG layout of ours (the MIG manager then reads our ConfigMap). */
  readonly migConfig: boolean;
  /** True when a time-slicing config exists (the device plugin then reads our ConfigMap). */
  readonly devicePluginConfig: boolean;
  readonly dcgmExporter: boolean;
  /** Deploy node feature discovery with this chart. */
  readonly nfd: boolean;
  /** Extra tolerations for the NFD worker (other vendors' GPU taints in a mixed cluster). */
  readonly nfdExtraTolerations: readonly Toleration[];
}

/** The toolkit's environment on k0s: the k0s containerd config and socket, and the runtime class. */
export function k0sToolkitEnv(): { name: string; value: string }[] {
  return [
    { name: 'CONTAINERD_CONFIG', value: K0S_CONTAINERD.config },
    { name: 'CONTAINERD_SOCKET', value: K0S_CONTAINERD.socket },
    { name: 'CONTAINERD_RUNTIME_CLASS', value: NVIDIA_RUNTIME_CLASS },
  ];
}

/**
 * The ClusterPolicy `spec` for the fields we set, with every block the CRD requires. The chart renders
 * the ClusterPolicy from values that mirror these blocks (see {@link nvidiaHelmValues}).
 */
export function nvidiaClusterPolicySpec(c: NvidiaStackConfig): Record<string, unknown> {
  const driver: Record<string, unknown> =
    c.driver.kind === 'preinstalled'
      ? { enabled: false }
      : { enabled: true, version: c.driver.version, ...(c.driver.image ? { repository: repositoryOf(c.driver.image), image: imageNameOf(c.driver.image) } : {}) };
  return {
    operator: { defaultRuntime: 'containerd', runtimeClass: NVIDIA_RUNTIME_CLASS },
    daemonsets: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] },
    driver,
    toolkit: { enabled: true, installDir: '/usr/local/nvidia', env: k0sToolkitEnv() },
    devicePlugin: {
      enabled: true,
      ...(c.devicePluginConfig ? { config: { name: DEVICE_PLUGIN_CONFIGMAP, default: DEVICE_PLUGIN_DEFAULT_KEY } } : {}),
    },
    dcgm: { enabled: false },
    dcgmExporter: { enabled: c.dcgmExporter },
    gfd: { enabled: true },
    nodeStatusExporter: { enabled: false },
    mig: { strategy: c.migStrategy },
    migManager: {
      enabled: c.migManager,
      ...(c.migManager ? { config: { ...(c.migConfig ? { name: MIG_PARTED_CONFIGMAP } : {}), default: 'all-disabled' } } : {}),
    },
  };
}

/** Helm values of the GPU Operator chart that render {@link nvidiaClusterPolicySpec}. */
export function nvidiaHelmValues(c: NvidiaStackConfig): Record<string, unknown> {
  const spec = nvidiaClusterPolicySpec(c);
  const values: Record<string, unknown> = {
    clusterPolicy: { deployCR: true },
    nfd: { enabled: c.nfd },
    operator: spec.operator,
    daemonsets: spec.daemonsets,
    driver: spec.driver,
    toolkit: spec.toolkit,
    devicePlugin: c.devicePluginConfig
      ? { enabled: true, config: { create: false, name: DEVICE_PLUGIN_CONFIGMAP, default: DEVICE_PLUGIN_DEFAULT_KEY } }
      : spec.devicePlugin,
    dcgm: spec.dcgm,
    dcgmExporter: spec.dcgmExporter,
    gfd: spec.gfd,
    nodeStatusExporter: spec.nodeStatusExporter,
    mig: spec.mig,
    migManager: c.migManager ? { enabled: true, config: { create: false, ...(c.migConfig ? { name: MIG_PARTED_CONFIGMAP } : {}), default: 'all-disabled' } } : { enabled: false },
  };
  if (c.nfd && c.nfdExtraTolerations.length > 0) {
    values['node-feature-discovery'] = {
      worker: {
        // The chart's own worker tolerations, then the other vendors' taints so NFD labels every GPU node.
        tolerations: [
          { key: 'node-role.kubernetes.io/control-plane', operator: 'Equal', value: '', effect: 'NoSchedule' },
          { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
          ...c.nfdExtraTolerations,
        ],
      },
    };
  }
  return values;
}

/**
 * API groups the GPU Operator chart serves. `nvidia.com` (ClusterPolicy, NVIDIADriver, GPUCluster) is
 * reconciled by the operator. The chart's `crds/` also carries the `resource.nvidia.com` CRDs
 * (ComputeDomain), but only the NVIDIA DRA driver reconciles those: the DRA add-on provides that group
 * when it runs ComputeDomains, this chart does not claim it.
 * Source: NVIDIA/gpu-operator@v26.7.0 config/crd/bases/nvidia.com_*.yaml, deployments/gpu-operator/crds/.
 */
export const NVIDIA_OPERATOR_PROVIDES: readonly Capability[] = ['api:nvidia.com'];

/** The GPU Operator as an add-on for the cluster layer. */
export function nvidiaAddon(c: NvidiaStackConfig): HelmChartAddon {
  return { name: 'gpu-operator', namespace: c.namespace, chart: { ...NVIDIA_CHART }, values: nvidiaHelmValues(c), order: 200, provides: [...NVIDIA_OPERATOR_PROVIDES] };
}

/** Time-slicing of one pool: each GPU is advertised `replicas` times as `nvidia.com/gpu.shared`. */
export interface PoolTimeSlicing {
  readonly pool: string;
  readonly replicas: number;
}

/** The device-plugin config key of a pool's time-slicing: `k0smos-<pool>`. */
export function timeSlicingKey(pool: string): string {
  return `k0smos-${pool}`;
}

/** Resource name of time-sliced GPUs (renameByDefault). */
export const SHARED_GPU_RESOURCE = 'nvidia.com/gpu.shared';

/**
 * The data of the device plugin's ConfigMap: the `default` key (no sharing, the cluster's MIG strategy),
 * and one key per time-sliced pool. Each value is a device-plugin config document.
 */
export function devicePluginConfigData(pools: readonly PoolTimeSlicing[], migStrategy: MigStrategy | 'none'): Record<string, string> {
  const data: Record<string, string> = {
    [DEVICE_PLUGIN_DEFAULT_KEY]: toYamlOrdered({ version: 'v1', flags: { migStrategy } }),
  };
  for (const p of [...pools].sort((a, b) => a.pool.localeCompare(b.pool))) {
    data[timeSlicingKey(p.pool)] = toYamlOrdered({
      version: 'v1',
      flags: { migStrategy },
      sharing: {
        timeSlicing: {
          renameByDefault: true,
          failRequestsGreaterThanOne: true,
          resources: [{ name: 'nvidia.com/gpu', replicas: p.replicas }],
        },
      },
    });
  }
  return data;
}

function repositoryOf(image: string): string {
  const i = image.lastIndexOf('/');
  return i < 0 ? '' : image.slice(0, i);
}
function imageNameOf(image: string): string {
  const i = image.lastIndexOf('/');
  return i < 0 ? image : image.slice(i + 1);
}
