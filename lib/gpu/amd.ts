/**
 * The AMD GPU Operator: partition profiles checked against the model table, the Device Config Manager
 * (DCM) configuration, the typed DeviceConfig, and the chart values.
 */
import type { HelmChartAddon } from '../addons/addon';
import type { Capability } from '../readiness/capability';
import type { ValidationIssue } from '../model/errors';
import { AMD_LOGICAL_GPUS, gpuModel, gpuModels, type AmdComputePartition, type AmdMemoryPartition } from '../model/gpu-models';
import type { K8sObject } from '../synth/objects';
import { K0S_POD_RESOURCES } from './k0s';
import { AMD_DCM_TOLERATION, vendorToleration, type Toleration } from './scheduling';

export const AMD_CHART = { repo: 'https://rocm.github.io/gpu-operator', name: 'gpu-operator-charts', version: 'v1.5.1' } as const;
export const AMD_NAMESPACE = 'kube-amd-gpu';
/** Our DeviceConfig (the chart's default one is switched off). */
export const AMD_DEVICE_CONFIG = 'k0smos-amd-gpu';
/** Our DCM ConfigMap (key `config.json`). */
export const AMD_DCM_CONFIGMAP = 'k0smos-dcm-config';
/** The node label NFD sets on AMD GPU nodes (the operator's default selector). */
export const AMD_NFD_LABEL = 'feature.node.kubernetes.io/amd-gpu';

/** A compute/memory partition mode pair for every GPU of a pool. */
export interface AmdPartition {
  readonly compute: AmdComputePartition;
  readonly memory: AmdMemoryPartition;
}

/** Models with AMD partition modes, for messages. */
export function amdPartitionableModels(): string[] {
  return gpuModels()
    .filter((m) => m.partitionPairs)
    .map((m) => m.name);
}

/** Checks a partition pair against the model: AMD, partitionable, and a pair the model accepts. */
export function checkAmdPartition(modelName: string, p: AmdPartition, path: string): ValidationIssue[] {
  const model = gpuModel(modelName);
  if (!model) return [{ path, message: `unknown GPU model '${modelName}'` }];
  if (model.vendor !== 'amd') return [{ path, message: `compute/memory partitions are an AMD feature; ${model.name} is an NVIDIA GPU (use a MIG layout where the model has MIG)` }];
  if (!model.partitionPairs) {
    return [{ path, message: `${model.name} has no compute/memory partitioning (models with it: ${amdPartitionableModels().join(', ')})` }];
  }
  const pair = `${p.compute}/${p.memory}` as const;
  if (!model.partitionPairs.includes(pair)) {
    return [{ path, message: `${pair} is not a partition mode of ${model.name} (valid: ${model.partitionPairs.join(', ')})` }];
  }
  return [];
}

/** Logical GPUs per physical GPU in a partition mode. */
export function logicalGpus(p: AmdPartition): number {
  return AMD_LOGICAL_GPUS[p.compute];
}

/** What one AMD pool asks the Device Config Manager for: its partition mode and the GPUs of each of its nodes. */
export interface AmdPoolPartition {
  readonly partition: AmdPartition;
  /** GPUs on each node of the pool. */
  readonly gpusPerNode: number;
}

/**
 * The DCM profile name of a partition mode on nodes of `gpusPerNode` GPUs, e.g. `cpx-nps4-8gpu`. The count is
 * part of the name because a profile assigns an exact number of GPUs: pools with other GPU counts need their
 * own profile, and adding one must not rename the profile the existing nodes registered with.
 */
export function dcmProfileName(p: AmdPartition, gpusPerNode: number): string {
  return `${p.compute}-${p.memory}-${gpusPerNode}gpu`.toLowerCase();
}

/**
 * The DCM `config.json`: one profile per partition mode and GPU count in use, and for each GPU count a whole-GPU
 * profile (`spx-nps1-<n>gpu`) to relabel a node back to. Every profile assigns all the node's GPUs: DCM requires
 * `numGPUsAssigned` summed over a profile's entries plus its skipped GPUs to equal the node's GPUs, and applies
 * nothing otherwise (ROCm/gpu-operator docs/dcm/device-config-manager-configmap.md, "ConfigMap Profile Checks").
 */
export function dcmConfigJson(pools: readonly AmdPoolPartition[]): string {
  const wanted = new Map<string, AmdPoolPartition>();
  for (const p of pools) {
    wanted.set(dcmProfileName(p.partition, p.gpusPerNode), p);
    const whole: AmdPoolPartition = { partition: { compute: 'SPX', memory: 'NPS1' }, gpusPerNode: p.gpusPerNode };
    wanted.set(dcmProfileName(whole.partition, whole.gpusPerNode), whole);
  }
  const profiles: Record<string, unknown> = {};
  for (const name of [...wanted.keys()].sort()) {
    const p = wanted.get(name)!;
    profiles[name] = {
      skippedGPUs: { ids: [] },
      profiles: [{ computePartition: p.partition.compute, memoryPartition: p.partition.memory, numGPUsAssigned: p.gpusPerNode }],
    };
  }
  return JSON.stringify({ 'gpu-config-profiles': profiles }, null, 2) + '\n';
}

/** The AMD driver choice: the inbox `amdgpu` module, or one the operator builds and loads. */
export type AmdDriverChoice = { readonly kind: 'preinstalled' } | { readonly kind: 'operator-managed'; readonly version: string; readonly image: string };

export interface AmdStackConfig {
  readonly namespace: string;
  readonly driver: AmdDriverChoice;
  readonly metricsExporter: boolean;
  /** True when a pool is partitioned (the DCM then runs and reads our ConfigMap). */
  readonly configManager: boolean;
  /** Use the AMD DRA driver instead of the device plugin. */
  readonly dra: boolean;
  /** Deploy NFD with this chart (false when the NVIDIA chart brings it). */
  readonly nfd: boolean;
}

/**
 * Tolerations of the operands that use the GPUs (driver, device plugin, node labeller, metrics exporter, DRA
 * driver): the AMD GPU taint only. Not `amd-dcm`: while DCM repartitions a node (tainted `amd-dcm=up:NoExecute`),
 * everything holding the GPUs must leave it; only the config manager stays
 * (ROCm/gpu-operator docs/dcm/applying-partition-profiles.rst).
 */
function operandTolerations(): Toleration[] {
  return [vendorToleration('amd')];
}

/** The typed DeviceConfig for the cluster's AMD nodes. */
export function amdDeviceConfig(c: AmdStackConfig, labels: Record<string, string>): K8sObject {
  const tol = operandTolerations();
  return {
    apiVersion: 'amd.com/v1alpha1',
    kind: 'DeviceConfig',
    metadata: { name: AMD_DEVICE_CONFIG, namespace: c.namespace, labels },
    spec: {
      selector: { [AMD_NFD_LABEL]: 'true' },
      driver:
        c.driver.kind === 'preinstalled'
          ? { enable: false }
          : { enable: true, version: c.driver.version, image: c.driver.image, blacklist: true, tolerations: tol },
      devicePlugin: {
        enableDevicePlugin: !c.dra,
        enableNodeLabeller: true,
        devicePluginArguments: { resource_naming_strategy: 'single' },
        devicePluginTolerations: tol,
        nodeLabellerTolerations: tol,
      },
      // kubelet's pod-resources socket is under k0s's kubelet root (field since v1.5.0, no chart default; ADDONS.md section 11).
      metricsExporter: { enable: c.metricsExporter, serviceType: 'ClusterIP', port: 5000, podResourceAPISocketPath: K0S_POD_RESOURCES, tolerations: tol },
      configManager: c.configManager ? { enable: true, config: { name: AMD_DCM_CONFIGMAP }, configManagerTolerations: [...tol, AMD_DCM_TOLERATION] } : { enable: false },
      ...(c.dra ? { draDriver: { enable: true, tolerations: tol } } : {}),
    },
  };
}

/** Chart values: the default DeviceConfig and DCM ConfigMap off (ours are emitted), NFD on unless NVIDIA's runs. */
export function amdHelmValues(c: AmdStackConfig): Record<string, unknown> {
  return {
    crds: { defaultCR: { install: false } },
    defaultDCMConfigMap: { install: false },
    'node-feature-discovery': c.nfd
      ? {
          enabled: true,
          worker: {
            tolerations: [
              // The chart's own worker tolerations, then the AMD GPU taint.
              { key: 'amd-dcm', operator: 'Equal', value: 'up', effect: 'NoExecute' },
              { key: 'amd-gpu-unhealthy', operator: 'Exists', effect: 'NoSchedule' },
              vendorToleration('amd'),
            ],
          },
        }
      : { enabled: false },
  };
}

/**
 * The API group the AMD GPU Operator serves (DeviceConfig, RemediationWorkflowStatus) and what it needs
 * first: cert-manager, which issues its TLS certificates (ROCm/gpu-operator docs/installation/kubernetes-helm.md,
 * "Pre-Installation Steps": install cert-manager, then the chart). The resolver installs cert-manager from this need.
 */
export const AMD_OPERATOR_PROVIDES: readonly Capability[] = ['api:amd.com'];
export const AMD_OPERATOR_NEEDS: readonly Capability[] = ['api:cert-manager.io'];

export function amdAddon(c: AmdStackConfig): HelmChartAddon {
  return {
    name: 'amd-gpu-operator',
    namespace: c.namespace,
    chart: { ...AMD_CHART },
    values: amdHelmValues(c),
    order: 210,
    provides: [...AMD_OPERATOR_PROVIDES],
    needs: [...AMD_OPERATOR_NEEDS],
  };
}
