/**
 * The NVIDIA GPU Operator on k0s: the ClusterPolicy spec we set, the Helm values that make the chart
 * render it, and the device-plugin (time-slicing) configuration.
 */
import { cmp } from '../model/compare';
import type { HelmChartAddon } from '../addons/addon';
import type { Capability } from '../readiness/capability';
import { K0S_KUBELET_ROOT } from './k0s';
import { toYamlOrdered } from '../synth/serialize';
import type { MigStrategy } from './mig';
import type { Toleration } from './scheduling';

/** Where k0s keeps its containerd (not the distro's /etc/containerd, /run/containerd, /usr/bin). */
export const K0S_CONTAINERD = {
  /** The drop-in the toolkit writes the nvidia runtime into; k0s merges every `*.toml` of /etc/k0s/containerd.d/ into its CRI config. */
  dropIn: '/etc/k0s/containerd.d/nvidia.toml',
  /** The CRI config k0s generates (drop-ins merged); the toolkit reads it as the top-level config. */
  criConfig: '/run/k0s/containerd-cri.toml',
  socket: '/run/k0s/containerd.sock',
  /** k0s's own containerd binary: the toolkit runs it for `containerd config dump`, not a containerd found on the PATH. */
  executable: '/var/lib/k0s/bin/containerd',
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
  /** Run the device plugin (`nvidia.com/gpu`); false when the NVIDIA DRA driver publishes the GPUs instead. */
  readonly devicePlugin: boolean;
  readonly dcgmExporter: boolean;
  /** Deploy node feature discovery with this chart. */
  readonly nfd: boolean;
  /** Extra tolerations for the NFD worker (other vendors' GPU taints in a mixed cluster). */
  readonly nfdExtraTolerations: readonly Toleration[];
}

/**
 * The toolkit's environment on k0s. The older k0s recipe (only `CONTAINERD_CONFIG=/etc/k0s/containerd.d/nvidia.toml`)
 * breaks k0s nodes from toolkit v1.18 / gpu-operator v25.10 on, which write a drop-in and import it from the
 * top-level config in two steps (NVIDIA/gpu-operator#1835, k0sproject/k0s#6547). These settings point the toolkit
 * at k0s explicitly. Verified against upstream (2026-11):
 * - k0sproject/k0s docs/runtime.md ("Using nvidia-container-runtime", gpu-operator v25.10.0) and k0rdent/catalog
 *   apps/nvidia/data.yaml (the MultiClusterService for gpu-operator 26.3.1) both set CONTAINERD_CONFIG=/run/k0s/containerd-cri.toml,
 *   RUNTIME_DROP_IN_CONFIG=/etc/k0s/containerd.d/nvidia.toml, CONTAINERD_SOCKET=/run/k0s/containerd.sock and
 *   CONTAINERD_RUNTIME_CLASS=nvidia.
 * - NVIDIA/nvidia-container-toolkit#1016 (backport #1029) added RUNTIME_EXECUTABLE_PATH, with /var/lib/k0s/bin/containerd
 *   as its k0s example, so the config is read from k0s's containerd rather than another one on the PATH
 *   (NVIDIA/nvidia-container-toolkit#982); the path is taken relative to the host root the toolkit mounts.
 * - NVIDIA/gpu-operator controllers/object_controls.go (transformForRuntime) reads CONTAINERD_CONFIG,
 *   RUNTIME_DROP_IN_CONFIG and CONTAINERD_SOCKET from `toolkit.env` and mounts their host folders into the toolkit.
 */
export function k0sToolkitEnv(): { name: string; value: string }[] {
  return [
    { name: 'CONTAINERD_CONFIG', value: K0S_CONTAINERD.criConfig },
    { name: 'RUNTIME_DROP_IN_CONFIG', value: K0S_CONTAINERD.dropIn },
    { name: 'CONTAINERD_SOCKET', value: K0S_CONTAINERD.socket },
    { name: 'RUNTIME_EXECUTABLE_PATH', value: K0S_CONTAINERD.executable },
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
    // k0s's kubelet root (ADDONS.md section 11): moves dcgm-exporter's pod-resources mount; device plugins keep /var/lib/kubelet/device-plugins.
    hostPaths: { kubeletRootDir: K0S_KUBELET_ROOT },
    daemonsets: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] },
    driver,
    toolkit: { enabled: true, installDir: '/usr/local/nvidia', env: k0sToolkitEnv() },
    devicePlugin: {
      enabled: c.devicePlugin,
      ...(c.devicePlugin && c.devicePluginConfig ? { config: { name: DEVICE_PLUGIN_CONFIGMAP, default: DEVICE_PLUGIN_DEFAULT_KEY } } : {}),
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
    hostPaths: spec.hostPaths,
    daemonsets: spec.daemonsets,
    driver: spec.driver,
    toolkit: spec.toolkit,
    devicePlugin:
      c.devicePlugin && c.devicePluginConfig ? { enabled: true, config: { create: false, name: DEVICE_PLUGIN_CONFIGMAP, default: DEVICE_PLUGIN_DEFAULT_KEY } } : spec.devicePlugin,
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
  for (const p of [...pools].sort((a, b) => cmp(a.pool, b.pool))) {
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
