/**
 * The GPU stack of one cluster, as a pure function of its GPU inventory and the user's choices:
 * which operators (NVIDIA, AMD or both), their configuration, per-pool node labels and taints, the
 * partitioning ConfigMaps, DRA objects and the tenants' objects. Every problem is reported at once.
 */
import { cmp } from '../model/compare';
import type { HelmChartAddon } from '../addons/addon';
import type { ValidationIssue } from '../model/errors';
import { gpuModel, type GpuVendor } from '../model/gpu-models';
import { SYSTEM_NAMESPACE } from '../model/labels';
import { didYouMean } from '../model/suggest';
import type { K8sObject } from '../synth/objects';
import { toYamlOrdered } from '../synth/serialize';
import {
  AMD_DCM_CONFIGMAP,
  amdAddon,
  amdDeviceConfig,
  checkAmdPartition,
  dcmConfigJson,
  dcmProfileName,
  logicalGpus,
  type AmdDriverChoice,
  type AmdPartition,
  type AmdStackConfig,
} from './amd';
import { CHART_DEVICE_CLASS, deviceClass, deviceClassQuotaResource, draApiVersion, kubernetesMinor, resourceClaimTemplate } from './dra';
import { NVIDIA_DRA_MIN_MINOR, NVIDIA_DRA_NAMESPACE, nvidiaDraAddon } from './nvidia-dra';
import { checkMigLayout, deriveMigStrategy, formatLayout, layoutProfiles, migConfigName, migPartedConfig, migResourceNames, type MigLayout, type MigStrategy, type PoolMigLayout } from './mig';
import {
  DEVICE_PLUGIN_CONFIGMAP,
  MIG_PARTED_CONFIGMAP,
  SHARED_GPU_RESOURCE,
  devicePluginConfigData,
  nvidiaAddon,
  nvidiaClusterPolicySpec,
  timeSlicingKey,
  type DriverChoice,
  type NvidiaStackConfig,
} from './nvidia';
import { GPU_LABELS, VENDOR_RESOURCE, vendorTaint, vendorToleration, type Taint } from './scheduling';
import { checkTenants, tenantObjects, type GpuSupply, type TenantClusterFacts, type TenantSpec } from './tenancy';

/** How a pool's GPUs are partitioned or shared; one choice per pool. */
export type PoolPartitioning =
  | { readonly kind: 'none' }
  | { readonly kind: 'mig'; readonly layout: MigLayout }
  | { readonly kind: 'time-slicing'; readonly replicas: number }
  | { readonly kind: 'amd-partition'; readonly partition: AmdPartition };

/** A node pool of the cluster, as the GPU stack sees it. */
export interface GpuPoolInput {
  readonly name: string;
  /** Nodes in the pool. */
  readonly count: number;
  readonly gpus?: { readonly model: string; readonly count: number };
}

export interface GpuStackInput {
  readonly site: string;
  readonly cluster: string;
  /** Every pool of the cluster (pools without GPUs are ignored). */
  readonly pools: readonly GpuPoolInput[];
  /** Partitioning by pool name. @default - whole GPUs everywhere */
  readonly partitioning?: Readonly<Record<string, PoolPartitioning>>;
  readonly migStrategy?: MigStrategy;
  readonly nvidiaDriver: DriverChoice;
  readonly amdDriver: AmdDriverChoice;
  readonly nvidiaNamespace: string;
  readonly amdNamespace: string;
  readonly dcgmExporter: boolean;
  readonly amdMetricsExporter: boolean;
  /**
   * Taint the GPU pools' nodes with their vendor's NoSchedule taint.
   * @default - true when the cluster has a pool without GPUs (where system pods run), false when every pool has GPUs
   */
  readonly taintGpuNodes?: boolean;
  /** Kubernetes version of the cluster when GPU requests go through DRA. */
  readonly dra?: { readonly kubernetesVersion: string };
  readonly tenants: readonly TenantSpec[];
  /** Facts about the cluster that tenancy checks need (control plane, pools). */
  readonly clusterFacts?: TenantClusterFacts;
  /** Labels for every emitted object. */
  readonly labels: Readonly<Record<string, string>>;
  /** Where errors are reported (construct path). */
  readonly path: string;
}

/** Node labels and taints one pool's nodes must carry. */
export interface PoolNodeConfig {
  readonly vendor: GpuVendor;
  readonly model: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** What the pool's nodes advertise in total, by resource name. */
  readonly resources: Readonly<Record<string, number>>;
  /** The partitioning in effect (what placement counts). */
  readonly partitioning: PoolPartitioning;
}

export interface GpuStackPlan {
  /** Vendors present, sorted. */
  readonly vendors: readonly GpuVendor[];
  /** `none` when no pool uses MIG or the cluster has no NVIDIA GPUs. */
  readonly migStrategy: MigStrategy | 'none';
  /** The operator charts to install, NVIDIA first. */
  readonly addons: readonly HelmChartAddon[];
  /** The NVIDIA ClusterPolicy spec the chart renders from the values (for inspection and tests). */
  readonly clusterPolicySpec?: Readonly<Record<string, unknown>>;
  /** Objects applied to the cluster (GitOps folder). */
  readonly objects: readonly K8sObject[];
  /** Per GPU pool: labels, taints, resources. */
  readonly pools: Readonly<Record<string, PoolNodeConfig>>;
  /** The GPU pools' nodes carry their vendor's NoSchedule taint (see {@link GpuStackInput.taintGpuNodes}). */
  readonly taintsGpuNodes: boolean;
  /** GPU resources of the cluster. */
  readonly supply: GpuSupply;
}

const NONE: PoolPartitioning = { kind: 'none' };

/** Plans the GPU stack of one cluster. Returns the plan, or every problem found. */
export function planGpuStack(input: GpuStackInput): { plan?: GpuStackPlan; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const path = input.path;
  const at = (sub: string) => (path ? `${path}.${sub}` : sub);
  const gpuPools = input.pools.filter((p) => p.gpus && gpuModel(p.gpus.model)).sort((a, b) => cmp(a.name, b.name));
  const partitioning = input.partitioning ?? {};

  // Partitioning refers to GPU pools of this cluster and fits their model.
  for (const name of Object.keys(partitioning).sort()) {
    const pp = at(`partitioning.${name}`);
    const pool = input.pools.find((p) => p.name === name);
    const part = partitioning[name]!;
    if (!pool) {
      issues.push({ path: pp, message: `no node pool '${name}' in cluster '${input.cluster}'${didYouMean(name, input.pools.map((p) => p.name))} (pools: ${input.pools.map((p) => p.name).join(', ') || 'none'})` });
      continue;
    }
    if (!pool.gpus) {
      if (part.kind !== 'none') issues.push({ path: pp, message: `pool '${name}' has no GPUs to partition` });
      continue;
    }
    const model = pool.gpus.model;
    if (part.kind === 'mig') issues.push(...checkMigLayout(model, part.layout, `${pp}.mig`));
    if (part.kind === 'amd-partition') issues.push(...checkAmdPartition(model, part.partition, `${pp}.amdPartition`));
    if (part.kind === 'time-slicing') {
      if (gpuModel(model)?.vendor !== 'nvidia') issues.push({ path: `${pp}.timeSlicing`, message: `time-slicing is a feature of the NVIDIA device plugin; ${model} is an AMD GPU (share it with compute partitions where the model has them)` });
      if (!Number.isInteger(part.replicas) || part.replicas < 2) issues.push({ path: `${pp}.timeSlicing.replicas`, message: `must be a whole number >= 2 (got ${part.replicas})` });
    }
  }

  const vendors = [...new Set(gpuPools.map((p) => gpuModel(p.gpus!.model)!.vendor))].sort();
  const partOf = (pool: string): PoolPartitioning => partitioning[pool] ?? NONE;
  const migLayouts: PoolMigLayout[] = gpuPools.flatMap((p) => {
    const part = partOf(p.name);
    return part.kind === 'mig' ? [{ pool: p.name, model: p.gpus!.model, layout: part.layout }] : [];
  });
  const slicing = gpuPools.flatMap((p) => {
    const part = partOf(p.name);
    return part.kind === 'time-slicing' ? [{ pool: p.name, replicas: part.replicas }] : [];
  });
  const migTenants = input.tenants.filter((t) => t.isolation.kind === 'mig').map((t) => t.name);
  const derived = deriveMigStrategy(migLayouts, {
    ...(input.migStrategy ? { requested: input.migStrategy } : {}),
    ...(migTenants.length > 0 ? { needsMixed: `tenants ${migTenants.join(', ')} get quotas on nvidia.com/mig-<profile> resources` } : {}),
    path: at('migStrategy'),
  });
  issues.push(...derived.issues);
  const migStrategy: MigStrategy | 'none' = migLayouts.length > 0 ? derived.strategy : 'none';

  // System pods (CoreDNS, metrics-server, the Cilium operator, the operators' controllers) tolerate no
  // GPU taint: the vendor taint is kept only where the cluster has nodes without it. On a cluster of GPU
  // pools only, the GPUs' extended resources already keep pods that do not ask for them off the GPUs.
  const plainPools = input.pools.filter((p) => p.count > 0 && !gpuPools.includes(p)).map((p) => p.name);
  const taintsGpuNodes = gpuPools.length > 0 && (input.taintGpuNodes ?? plainPools.length > 0);
  if (input.taintGpuNodes === true && gpuPools.length > 0 && plainPools.length === 0) {
    const hosted = input.clusterFacts?.hostedControlPlane === true ? ' (its control plane is hosted, so the cluster has no other node)' : '';
    issues.push({
      path: at('taintGpuNodes'),
      message:
        `every node of cluster '${input.cluster}' is in a GPU pool (${gpuPools.map((p) => p.name).join(', ')})${hosted}; tainted NoSchedule, they leave no node for CoreDNS, ` +
        `metrics-server, the Cilium operator and the operators' controllers, which tolerate no GPU taint. Add a node pool without GPUs to the cluster ` +
        `(on a standalone cluster, controller+worker hosts with noTaints in that pool count), or drop taintGpuNodes: the GPUs' extended resources already keep other pods off them`,
    });
  }

  // Dynamic Resource Allocation: GPUs are claimed through DeviceClasses and the device plugins are off, so
  // what the device plugins configure (time-slicing, MIG resources) is not available.
  let dra: string | undefined;
  if (input.dra) {
    const v = draApiVersion(input.dra.kubernetesVersion, at('dra.kubernetesVersion'));
    issues.push(...v.issues);
    dra = v.apiVersion;
    const minor = kubernetesMinor(input.dra.kubernetesVersion);
    if (vendors.includes('nvidia') && minor !== undefined && minor >= 32 && minor < NVIDIA_DRA_MIN_MINOR) {
      issues.push({
        path: at('dra.kubernetesVersion'),
        message: `the NVIDIA DRA driver needs Kubernetes 1.${NVIDIA_DRA_MIN_MINOR} or later (resource.k8s.io/v1; its docs ask for 1.34.2+), got ${input.dra.kubernetesVersion}: on 1.32 and 1.33 DRA is off unless its feature gates and API versions are enabled by hand. Upgrade the cluster or drop dra`,
      });
    }
    for (const p of gpuPools) {
      const part = partOf(p.name);
      if (gpuModel(p.gpus!.model)!.vendor !== 'nvidia') continue;
      if (part.kind === 'mig') {
        issues.push({
          path: at(`partitioning.${p.name}`),
          message: `pool '${p.name}' has a MIG layout, but with dra its GPUs are claimed whole from DeviceClass gpu.nvidia.com and the device plugin that advertises nvidia.com/mig-<profile> is off; this stack does not write claims on mig.nvidia.com yet. Drop dra, or the MIG layout of '${p.name}'`,
        });
      }
      if (part.kind === 'time-slicing') {
        issues.push({
          path: at(`partitioning.${p.name}`),
          message: `pool '${p.name}' is time-sliced, which the NVIDIA device plugin does and dra switches off. Drop dra, or the time-slicing of '${p.name}' (under DRA, pods share a GPU by sharing one ResourceClaim)`,
        });
      }
    }
  }
  /** What a vendor's whole GPUs are counted as: the device plugin's extended resource, or under DRA the devices of its DeviceClass. */
  const wholeGpu = (vendor: GpuVendor): string => (dra ? deviceClassQuotaResource(vendor) : VENDOR_RESOURCE[vendor]);

  // Per-pool node configuration and the resources each pool advertises.
  const pools: Record<string, PoolNodeConfig> = {};
  const resources: Record<string, number> = {};
  const poolLines: string[] = [];
  for (const p of gpuPools) {
    const model = gpuModel(p.gpus!.model)!;
    const gpus = p.count * p.gpus!.count;
    const part = partOf(p.name);
    const labels: Record<string, string> = { [GPU_LABELS.vendor]: model.vendor, [GPU_LABELS.model]: model.name };
    const res: Record<string, number> = {};
    let how = 'whole GPUs';
    if (part.kind === 'mig' && migStrategy !== 'none') {
      labels[GPU_LABELS.migConfig] = migConfigName(p.name);
      const perGpu = layoutProfiles(part.layout);
      for (const r of migResourceNames(part.layout, migStrategy)) {
        res[r] = migStrategy === 'single' ? gpus * perGpu.reduce((n, x) => n + part.layout[x]!, 0) : gpus * part.layout[r.slice('nvidia.com/mig-'.length)]!;
      }
      how = `MIG ${formatLayout(part.layout)}`;
    } else if (part.kind === 'time-slicing') {
      labels[GPU_LABELS.devicePluginConfig] = timeSlicingKey(p.name);
      res[SHARED_GPU_RESOURCE] = gpus * part.replicas;
      how = `time-sliced x${part.replicas}`;
    } else if (part.kind === 'amd-partition' && model.partitionPairs) {
      labels[GPU_LABELS.dcmProfile] = dcmProfileName(part.partition, p.gpus!.count);
      res[wholeGpu('amd')] = gpus * logicalGpus(part.partition);
      how = `${part.partition.compute}/${part.partition.memory}`;
    } else {
      res[wholeGpu(model.vendor)] = gpus;
    }
    // MIG-capable GPUs without a layout are kept whole: the MIG manager switches MIG off on them.
    if (model.mig && labels[GPU_LABELS.migConfig] === undefined) labels[GPU_LABELS.migConfig] = 'all-disabled';
    for (const [r, n] of Object.entries(res)) resources[r] = (resources[r] ?? 0) + n;
    const effective: PoolPartitioning =
      (part.kind === 'mig' && migStrategy !== 'none') || part.kind === 'time-slicing' || (part.kind === 'amd-partition' && model.partitionPairs) ? part : NONE;
    pools[p.name] = { vendor: model.vendor, model: model.name, labels: sortRecord(labels), taints: taintsGpuNodes ? [vendorTaint(model.vendor)] : [], resources: sortRecord(res), partitioning: effective };
    poolLines.push(`${p.name} (${model.name}, ${model.vendor}, ${how})`);
  }
  const supply: GpuSupply = { resources: sortRecord(resources), pools: poolLines, vendors, wholeGpu: Object.fromEntries(vendors.map((v) => [v, wholeGpu(v)])) };
  issues.push(...checkTenants(input.tenants, supply, input.cluster, path, input.clusterFacts));
  const reserved = [input.nvidiaNamespace, input.amdNamespace, NVIDIA_DRA_NAMESPACE, SYSTEM_NAMESPACE, 'default', 'kube-system', 'kube-public', 'kube-node-lease'];
  for (const t of input.tenants) {
    if (reserved.includes(t.name)) issues.push({ path: at(`tenants[${t.name}]`), message: `'${t.name}' is a system namespace; a tenant's name is its namespace, choose another` });
  }

  if (input.nvidiaDriver.kind === 'operator-managed' && !/^\d+\.\d+(\.\d+)?$/.test(input.nvidiaDriver.version)) {
    issues.push({ path: at('nvidiaDriver'), message: `'${input.nvidiaDriver.version}' is not an NVIDIA driver version such as 595.91.07` });
  }
  if (issues.length > 0) return { issues };

  // Objects and add-ons.
  const labels = { ...input.labels };
  const objects: K8sObject[] = [];
  const addons: HelmChartAddon[] = [];
  let clusterPolicySpec: Record<string, unknown> | undefined;
  const operatorNamespace = (name: string): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    // The operators' daemonsets are privileged (drivers, device plugins).
    metadata: { name, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'privileged' } },
  });
  if (vendors.includes('nvidia')) {
    const ns = input.nvidiaNamespace;
    const config: NvidiaStackConfig = {
      namespace: ns,
      driver: input.nvidiaDriver,
      migStrategy,
      migManager: gpuPools.some((p) => gpuModel(p.gpus!.model)!.mig !== undefined),
      migConfig: migLayouts.length > 0,
      devicePluginConfig: slicing.length > 0,
      devicePlugin: dra === undefined,
      dcgmExporter: input.dcgmExporter,
      nfd: true,
      nfdExtraTolerations: vendors.includes('amd') ? [vendorToleration('amd')] : [],
    };
    clusterPolicySpec = nvidiaClusterPolicySpec(config);
    addons.push(nvidiaAddon(config));
    objects.push(operatorNamespace(ns));
    if (dra) {
      addons.push(nvidiaDraAddon({ namespace: NVIDIA_DRA_NAMESPACE, driver: input.nvidiaDriver, resourceApiVersion: dra }));
      objects.push(operatorNamespace(NVIDIA_DRA_NAMESPACE));
    }
    if (migLayouts.length > 0) {
      const mig = migPartedConfig(migLayouts, at('partitioning'));
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: MIG_PARTED_CONFIGMAP, namespace: ns, labels }, data: { 'config.yaml': mig.yaml } });
    }
    if (slicing.length > 0) {
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: DEVICE_PLUGIN_CONFIGMAP, namespace: ns, labels }, data: devicePluginConfigData(slicing, migStrategy) });
    }
  }
  if (vendors.includes('amd')) {
    const ns = input.amdNamespace;
    const partitions = gpuPools.flatMap((p) => {
      const part = partOf(p.name);
      return part.kind === 'amd-partition' && gpuModel(p.gpus!.model)!.partitionPairs ? [{ partition: part.partition, gpusPerNode: p.gpus!.count }] : [];
    });
    const config: AmdStackConfig = {
      namespace: ns,
      driver: input.amdDriver,
      metricsExporter: input.amdMetricsExporter,
      configManager: partitions.length > 0,
      dra: dra !== undefined,
      nfd: !vendors.includes('nvidia'),
    };
    addons.push(amdAddon(config));
    objects.push(operatorNamespace(ns));
    objects.push(amdDeviceConfig(config, labels));
    if (partitions.length > 0) {
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: AMD_DCM_CONFIGMAP, namespace: ns, labels }, data: { 'config.json': dcmConfigJson(partitions) } });
    }
  }
  // Our own DeviceClass only where the vendor's DRA chart creates none (NVIDIA's creates gpu.nvidia.com).
  if (dra) for (const v of vendors) if (CHART_DEVICE_CLASS[v] === undefined) objects.push(deviceClass(dra, v, labels));

  // What every GPU pool's nodes must carry; the cluster layer applies it to the pool's workers.
  if (gpuPools.length > 0) objects.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'gpu-node-pools', namespace: SYSTEM_NAMESPACE, labels },
    data: {
      migStrategy,
      'nodePools.yaml': toYamlOrdered(
        Object.keys(pools)
          .sort()
          .map((name) => ({ name, ...pools[name] })),
      ),
    },
  });

  for (const t of [...input.tenants].sort((a, b) => cmp(a.name, b.name))) {
    objects.push(...tenantObjects(t, supply, labels));
    if (dra && t.isolation.kind === 'namespace') {
      const vendor = t.isolation.vendor ?? vendors[0]!;
      objects.push(resourceClaimTemplate(dra, { name: 'gpu', namespace: t.name, vendor, count: 1, labels: { ...labels, 'k0smos.io/gpu-tenant': t.name } }));
    }
  }
  return {
    plan: { vendors, migStrategy, addons, ...(clusterPolicySpec ? { clusterPolicySpec } : {}), objects, pools, taintsGpuNodes, supply },
    issues: [],
  };
}

function sortRecord<V>(r: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
