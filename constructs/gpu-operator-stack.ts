import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import type { HelmChartAddon } from '../lib/addons/addon';
import { AMD_NAMESPACE, type AmdDriverChoice } from '../lib/gpu/amd';
import type { MigLayout, MigStrategy } from '../lib/gpu/mig';
import { NVIDIA_DEFAULT_DRIVER, NVIDIA_NAMESPACE, type DriverChoice } from '../lib/gpu/nvidia';
import { planGpuStack, type GpuPoolInput, type GpuStackPlan, type PoolNodeConfig, type PoolPartitioning } from '../lib/gpu/plan';
import { draApiVersion, resourceClaimTemplate } from '../lib/gpu/dra';
import { gpuScheduling, type Toleration } from '../lib/gpu/scheduling';
import { fromZodIssues, type ValidationIssue } from '../lib/model/errors';
import { dnsLabel, type SiteSpec } from '../lib/model/fleet';
import { LABELS } from '../lib/model/labels';
import type { AmdComputePartition, AmdMemoryPartition, GpuVendor } from '../lib/model/gpu-models';
import type { ClusterChart } from './folder-chart';
import { K0sCluster } from './k0s-cluster';
import type { GpuRequest } from './workload-target';
import { clusterTemplate } from '../lib/model/cluster-templates';
import type { TenantClusterFacts } from '../lib/gpu/tenancy';
import { GpuTenant, objectId, type GpuTenantOptions } from './gpu-tenant';
import { Site } from './site';
import { deferProblems } from './problems';

/** Who installs the GPU kernel driver on the nodes. */
export class Driver {
  /**
   * The operator installs and upgrades the driver (a driver container per node).
   * NVIDIA: a driver version such as `595.91.07`. AMD: an amdgpu version such as `30.20.1` and `image`,
   * the repository (without tag) the operator builds the driver image into.
   */
  public static operatorManaged(version: string, options: { readonly image?: string } = {}): Driver {
    return new Driver({ kind: 'operator-managed', version, ...(options.image ? { image: options.image } : {}) });
  }

  /** The host already has the driver (OS image, inbox amdgpu); the operator leaves it alone (`driver.enabled: false`). */
  public static preinstalled(): Driver {
    return new Driver({ kind: 'preinstalled' });
  }

  private constructor(public readonly choice: { readonly kind: 'operator-managed'; readonly version: string; readonly image?: string } | { readonly kind: 'preinstalled' }) {}
}

/** How the GPUs of one pool are partitioned or shared. */
export class Partitioning {
  /** Whole GPUs. */
  public static none(): Partitioning {
    return new Partitioning({ kind: 'none' });
  }

  /**
   * NVIDIA MIG: every GPU of the pool gets this layout, instances per profile, e.g.
   * `{ '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 }`. Profiles must exist for the pool's model and fit one GPU.
   */
  public static mig(layout: MigLayout): Partitioning {
    return new Partitioning({ kind: 'mig', layout: { ...layout } });
  }

  /** NVIDIA time-slicing: each GPU is advertised `replicas` times as `nvidia.com/gpu.shared` (no memory isolation). */
  public static timeSlicing(replicas: number): Partitioning {
    return new Partitioning({ kind: 'time-slicing', replicas });
  }

  /** AMD compute/memory partitions (MI300-class), e.g. `Partitioning.amd('CPX', 'NPS4')`. */
  public static amd(compute: AmdComputePartition, memory: AmdMemoryPartition): Partitioning {
    return new Partitioning({ kind: 'amd-partition', partition: { compute, memory } });
  }

  private constructor(public readonly spec: PoolPartitioning) {}
}

/** Properties of a {@link GpuOperatorStack}. */
export interface GpuOperatorStackProps {
  /**
   * Partitioning per node pool name.
   * @default - whole GPUs in every pool
   */
  readonly partitioning?: Readonly<Record<string, Partitioning>>;
  /**
   * NVIDIA MIG strategy. `single` needs one MIG profile type per node.
   * @default - `single` when every MIG pool uses one profile type and no tenant has isolation `mig`, else `mixed`
   */
  readonly migStrategy?: MigStrategy;
  /**
   * NVIDIA driver.
   * @default Driver.operatorManaged('595.91.07')
   */
  readonly nvidiaDriver?: Driver;
  /**
   * AMD driver.
   * @default Driver.preinstalled() (the inbox amdgpu module, as the AMD chart defaults)
   */
  readonly amdDriver?: Driver;
  /**
   * Namespace of the NVIDIA GPU Operator (also of its time-slicing and MIG ConfigMaps).
   * @default 'gpu-operator'
   */
  readonly nvidiaNamespace?: string;
  /**
   * Namespace of the AMD GPU Operator.
   * @default 'kube-amd-gpu'
   */
  readonly amdNamespace?: string;
  /**
   * Run NVIDIA's DCGM exporter (GPU metrics).
   * @default true
   */
  readonly dcgmExporter?: boolean;
  /**
   * Run AMD's device metrics exporter.
   * @default true
   */
  readonly amdMetricsExporter?: boolean;
  /**
   * Taint the nodes of the GPU pools `nvidia.com/gpu=present:NoSchedule` or `amd.com/gpu=present:NoSchedule`,
   * so that only pods tolerating their vendor land there. System pods (CoreDNS, metrics-server, the Cilium
   * operator) tolerate no GPU taint, so `true` needs a node pool without GPUs in the cluster; on a cluster of
   * GPU pools only it is an error.
   * @default - true when the cluster has a node pool without GPUs, false when every pool has GPUs (their
   * extended resources already keep pods that do not ask for GPUs off them)
   */
  readonly taintGpuNodes?: boolean;
  /**
   * Allocate GPUs with Dynamic Resource Allocation for a cluster on this Kubernetes version (1.32+;
   * `resource.k8s.io/v1` from 1.34; NVIDIA needs 1.34+). The device plugins are switched off: NVIDIA GPUs
   * are published by the NVIDIA DRA driver (chart `dra-driver-nvidia-gpu`, installed by the stack) as
   * DeviceClass `gpu.nvidia.com`; AMD GPUs by the AMD operator's DRA driver. Workloads claim GPUs through
   * {@link GpuOperatorStack.draRequest}; `namespace` tenants get a ResourceClaimTemplate `gpu` and a quota
   * on their DeviceClass's devices. MIG layouts and time-slicing (device plugin features) are refused on
   * NVIDIA pools.
   * @default - GPU requests use extended resources (nvidia.com/gpu, amd.com/gpu)
   */
  readonly dra?: { readonly kubernetesVersion: string };
  /**
   * Tenants by name (the name is also the tenant's namespace).
   * @default - none
   */
  readonly tenants?: Readonly<Record<string, GpuTenantOptions>>;
}

const DRIVER_HINT = "use Driver.operatorManaged('<version>') or Driver.preinstalled()";

const propsSchema = z.strictObject({
  partitioning: z.record(z.string(), z.custom<Partitioning>((v) => v instanceof Partitioning, { message: 'use Partitioning.none(), .mig(...), .timeSlicing(n) or .amd(compute, memory)' })).optional(),
  migStrategy: z.enum(['single', 'mixed']).optional(),
  nvidiaDriver: z.custom<Driver>((v) => v instanceof Driver, { message: DRIVER_HINT }).optional(),
  amdDriver: z.custom<Driver>((v) => v instanceof Driver, { message: DRIVER_HINT }).optional(),
  nvidiaNamespace: dnsLabel().optional(),
  amdNamespace: dnsLabel().optional(),
  dcgmExporter: z.boolean().optional(),
  amdMetricsExporter: z.boolean().optional(),
  taintGpuNodes: z.boolean().optional(),
  dra: z.strictObject({ kubernetesVersion: z.string() }).optional(),
  tenants: z.record(z.string(), z.strictObject({ isolation: z.any(), groups: z.array(z.string().min(1)).optional() })).optional(),
});

/** The plan of a stack whose props have problems (reported at synth): no vendors, pools, charts or objects. */
const INERT_PLAN: GpuStackPlan = { vendors: [], migStrategy: 'none', addons: [], objects: [], pools: {}, taintsGpuNodes: false, supply: { resources: {}, pools: [], vendors: [] } };

/**
 * The GPU operators of one cluster, chosen from its GPU inventory: the NVIDIA GPU Operator for NVIDIA
 * pools, the AMD GPU Operator for AMD pools, both (each on its own nodes) when the cluster has both.
 * Create it in a cluster's chart: `new GpuOperatorStack(site.cluster('quebec'), 'gpu', {...})`.
 *
 * The stack adds its operator charts to the cluster itself (read them in {@link addons}); the objects
 * (partitioning ConfigMaps, DeviceConfig, DRA claim templates, tenants) go to the cluster's folder.
 */
export class GpuOperatorStack extends Construct {
  /** What a pod for `vendor` sets to land on that vendor's GPU nodes only. */
  public static scheduling(vendor: GpuVendor): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
    return gpuScheduling(vendor);
  }

  /** The plan: vendors, MIG strategy, add-ons, objects, per-pool node labels and taints. */
  public readonly plan: GpuStackPlan;
  /** The cluster this stack is for. */
  public readonly clusterName: string;
  /** Tenants, by name. */
  public readonly tenants: readonly GpuTenant[];
  /** The resource.k8s.io version GPU claims are written in, when the stack uses DRA. */
  private readonly draApiVersion?: string;
  private readonly objectLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: GpuOperatorStackProps = {}) {
    super(scope, id);
    // Not `instanceof`: cdk8s's Chart answers it for every chart. A cluster chart targets a cluster.
    const chart = (scope as Partial<ClusterChart>).target?.kind === 'cluster' ? (scope as ClusterChart) : undefined;
    const site = chart?.node.scope instanceof Site ? chart.node.scope : undefined;
    if (!chart || !site) throw new Error(`${this.node.path}: create a GpuOperatorStack in a cluster's chart: new GpuOperatorStack(site.cluster('<name>'), '${id}', {...})`);
    this.clusterName = chart.clusterName;
    const other = chart.node.children.find((c) => c !== this && c instanceof GpuOperatorStack);
    if (other) throw new Error(`${this.node.path}: cluster '${chart.clusterName}' has a GPU operator stack already (${other.node.path}); one per cluster`);

    const parsed = propsSchema.safeParse(props);
    const issues: ValidationIssue[] = parsed.success ? [] : fromZodIssues(props, parsed.error.issues, propsSchema);
    const tenantOptions = props.tenants ?? {};
    for (const [name, t] of Object.entries(tenantOptions)) {
      const key = dnsLabel().safeParse(name);
      if (!key.success) issues.push({ path: `tenants.${name}`, message: `a tenant's name is its namespace and ${key.error.issues[0]!.message} (got '${name}')` });
      if (!(t?.isolation && typeof t.isolation === 'object' && 'spec' in t.isolation)) {
        issues.push({ path: `tenants.${name}.isolation`, message: `use TenantIsolation.namespace(...), .timeSlicing(...), .mig(...) or .clusterPerTenant()` });
      }
    }
    const amdDriver = (props.amdDriver ?? Driver.preinstalled()).choice;
    if (amdDriver.kind === 'operator-managed' && !amdDriver.image) {
      issues.push({ path: 'amdDriver', message: `an operator-managed AMD driver needs image: the repository (without tag) the operator builds the driver image into` });
    }
    const objectLabels = { ...site.fleet.commonLabels(), [LABELS.site]: site.name, [LABELS.cluster]: chart.clusterName };
    // Problems are reported at synth with every other problem of the fleet; an inert stack writes nothing.
    const result = issues.length > 0 ? { issues } : planGpuStack({
      site: site.name,
      cluster: chart.clusterName,
      pools: clusterPools(site.spec, chart.clusterName),
      partitioning: Object.fromEntries(Object.entries(props.partitioning ?? {}).map(([k, v]) => [k, v.spec])),
      ...(props.migStrategy ? { migStrategy: props.migStrategy } : {}),
      nvidiaDriver: (props.nvidiaDriver ?? Driver.operatorManaged(NVIDIA_DEFAULT_DRIVER)).choice as DriverChoice,
      amdDriver: amdDriver as AmdDriverChoice,
      nvidiaNamespace: props.nvidiaNamespace ?? NVIDIA_NAMESPACE,
      amdNamespace: props.amdNamespace ?? AMD_NAMESPACE,
      dcgmExporter: props.dcgmExporter ?? true,
      amdMetricsExporter: props.amdMetricsExporter ?? true,
      ...(props.taintGpuNodes !== undefined ? { taintGpuNodes: props.taintGpuNodes } : {}),
      ...(props.dra ? { dra: props.dra } : {}),
      tenants: Object.keys(tenantOptions)
        .sort()
        .map((name) => ({ name, isolation: tenantOptions[name]!.isolation.spec, groups: tenantOptions[name]!.groups ?? [name] })),
      labels: objectLabels,
      clusterFacts: clusterFacts(chart),
      path: '',
    });
    this.objectLabels = objectLabels;
    if (!result.plan) {
      deferProblems(this, result.issues.length > 0 ? result.issues : [{ path: '', message: 'the GPU stack could not be planned' }]);
      this.plan = INERT_PLAN;
      this.tenants = [];
      return;
    }
    this.plan = result.plan;
    if (props.dra) this.draApiVersion = draApiVersion(props.dra.kubernetesVersion, 'dra.kubernetesVersion').apiVersion;
    // The nodes of each GPU pool register with the vendor/model/MIG labels and the vendor taint.
    if (K0sCluster.isK0sCluster(chart)) {
      for (const [pool, c] of Object.entries(this.plan.pools)) {
        chart.addNodePoolConfig(pool, { labels: c.labels, taints: c.taints });
        chart.setGpuPartitioning(pool, c.partitioning);
      }
      // The stack installs its operators itself, delivered the way the cluster takes add-ons.
      const taken = this.plan.addons.filter((a) => chart.node.tryFindChild(`addon-${a.name}`) !== undefined).map((a) => a.name);
      if (taken.length > 0) {
        deferProblems(this, [{ path: '', message: `cluster '${chart.clusterName}' has add-ons named ${taken.map((n) => `'${n}'`).join(', ')} already; the GPU operator stack installs ${taken.length === 1 ? 'that chart' : 'those charts'} itself: remove the cluster's own` }]);
      } else {
        for (const a of this.plan.addons) chart.addAddon(a, { installedBy: `GpuOperatorStack '${this.node.path}'` });
      }
    }

    const tenantNames = new Set(Object.keys(tenantOptions));
    const tenants: GpuTenant[] = [];
    for (const o of this.plan.objects) {
      const tenant = o.metadata.namespace !== undefined && tenantNames.has(o.metadata.namespace) ? o.metadata.namespace : o.kind === 'Namespace' && tenantNames.has(o.metadata.name) ? o.metadata.name : undefined;
      if (tenant === undefined) new ApiObject(this, objectId(o), o);
    }
    for (const name of [...tenantNames].sort()) {
      const objects = this.plan.objects.filter((o) => o.metadata.namespace === name || (o.kind === 'Namespace' && o.metadata.name === name));
      tenants.push(new GpuTenant(this, `tenant-${name}`, { name, isolation: tenantOptions[name]!.isolation, objects }));
    }
    this.tenants = tenants;
  }

  /**
   * The Helm charts this stack installs into its cluster (NVIDIA and/or AMD GPU Operator, the NVIDIA DRA
   * driver), for inspection. The stack adds them to the cluster itself; do not add them again.
   */
  public get addons(): readonly HelmChartAddon[] {
    return Object.freeze([...this.plan.addons]);
  }

  /** GPU vendors of the cluster. */
  public get vendors(): readonly GpuVendor[] {
    return this.plan.vendors;
  }

  /**
   * A GPU request (for the `gpuRequest` prop of TrainingJob, InferenceService, FederatedLearningJob) that
   * takes MIG slices of `profile` in this cluster instead of whole GPUs: `nvidia.com/mig-<profile>` under
   * strategy mixed, `nvidia.com/gpu` on the pool of that layout under single; on NVIDIA nodes, tolerating
   * their taint. Refuses a profile no pool's layout offers (listing those on offer), and use in another cluster.
   */
  public migRequest(profile: string): GpuRequest {
    const offering = Object.keys(this.plan.pools)
      .sort()
      .filter((p) => {
        const part = this.plan.pools[p]!.partitioning;
        return part.kind === 'mig' && (part.layout[profile] ?? 0) > 0;
      });
    const offered = [...new Set(Object.values(this.plan.pools).flatMap((c) => (c.partitioning.kind === 'mig' ? Object.keys(c.partitioning.layout) : [])))].sort();
    if (offering.length === 0) throw new Error(`${this.node.path}: no pool of cluster '${this.clusterName}' is partitioned into ${profile} (MIG profiles on offer: ${offered.join(', ') || 'none'})`);
    const single = this.plan.migStrategy === 'single';
    if (single && offering.length > 1) throw new Error(`${this.node.path}: under MIG strategy single, pools ${offering.join(', ')} all advertise ${profile} slices as nvidia.com/gpu next to whole GPUs; request them with a node selector of your own`);
    const scheduling = gpuScheduling('nvidia');
    return (ctx) => {
      if (ctx.cluster !== this.clusterName) throw new Error(`${this.node.path}: migRequest('${profile}') is for cluster '${this.clusterName}', used for ${ctx.site}/${ctx.cluster}`);
      return {
        limits: { [single ? 'nvidia.com/gpu' : `nvidia.com/mig-${profile}`]: String(ctx.count) },
        nodeSelector: { ...scheduling.nodeSelector, ...(single || offering.length === 1 ? { 'k0smos.io/node-pool': offering[0]! } : {}) },
        tolerations: scheduling.tolerations.map((t) => ({ ...t })),
      };
    };
  }

  /**
   * A GPU request (for the `gpuRequest` prop of TrainingJob, InferenceService, FederatedLearningJob) that
   * claims GPUs through DRA in this cluster, for workloads in `namespace`: a ResourceClaimTemplate
   * `k0smos-<vendor>-gpu` (one GPU of the vendor's DeviceClass, `gpu.nvidia.com` for NVIDIA) is written into
   * that namespace once, and each pod gets one claim from it per GPU (`gpu-0`, `gpu-1`, ...), on its vendor's
   * nodes. Refuses a stack without `dra`, and use in another cluster or for a vendor the cluster lacks.
   */
  public draRequest(options: { readonly namespace: string }): GpuRequest {
    const dra = this.draApiVersion;
    if (!dra) throw new Error(`${this.node.path}: draRequest needs the stack to allocate GPUs with DRA; set dra: { kubernetesVersion: '<the cluster's Kubernetes version>' } on the stack, or use the default GPU request (extended resources)`);
    const ns = dnsLabel().safeParse(options.namespace);
    if (!ns.success) throw new Error(`${this.node.path}: draRequest: namespace '${options.namespace}' is not a namespace name (${ns.error.issues[0]!.message})`);
    const templates = new Map<GpuVendor, string>();
    for (const vendor of this.plan.vendors) {
      const o = resourceClaimTemplate(dra, { name: `k0smos-${vendor}-gpu`, namespace: options.namespace, vendor, count: 1, labels: { ...this.objectLabels } });
      if (!this.node.tryFindChild(objectId(o))) new ApiObject(this, objectId(o), o);
      templates.set(vendor, o.metadata.name);
    }
    return (ctx) => {
      if (ctx.cluster !== this.clusterName) throw new Error(`${this.node.path}: draRequest({ namespace: '${options.namespace}' }) is for cluster '${this.clusterName}', used for ${ctx.site}/${ctx.cluster}`);
      const template = templates.get(ctx.vendor);
      if (!template) throw new Error(`${this.node.path}: cluster '${this.clusterName}' has no ${ctx.vendor} GPUs to claim (GPU vendors: ${this.plan.vendors.join(', ') || 'none'})`);
      const scheduling = gpuScheduling(ctx.vendor);
      return {
        limits: {},
        resourceClaims: Array.from({ length: ctx.count }, (_, i) => ({ name: `gpu-${i}`, resourceClaimTemplateName: template })),
        nodeSelector: scheduling.nodeSelector,
        tolerations: scheduling.tolerations.map((t) => ({ ...t })),
      };
    };
  }

  /** Labels and taints the nodes of a GPU pool must carry (for the cluster layer's worker config). */
  public nodeConfig(pool: string): PoolNodeConfig {
    const c = this.plan.pools[pool];
    if (!c) throw new Error(`${this.node.path}: no GPU pool '${pool}' in cluster '${this.clusterName}' (GPU pools: ${Object.keys(this.plan.pools).join(', ') || 'none'})`);
    return c;
  }
}

/** How the cluster's control plane runs and which pools it has, for the tenancy checks. */
function clusterFacts(chart: ClusterChart): TenantClusterFacts {
  if (!K0sCluster.isK0sCluster(chart)) return {};
  const cp = chart.controlPlane?.spec as { mode?: string; template?: string } | undefined;
  const family = cp?.mode === 'k0rdent' && cp.template ? clusterTemplate(cp.template)?.family : undefined;
  const hosted = cp?.mode === 'hosted' || family === 'hosted-cp' || family === 'remote';
  const described = cp?.mode === 'standalone' ? 'standalone (k0sctl), with its controllers on the site nodes' : cp?.mode === 'k0rdent' ? `the k0rdent template ${cp.template} (${family ?? 'unknown'})` : (cp?.mode ?? 'no control plane');
  return { hostedControlPlane: hosted, controlPlane: described, pools: chart.nodePools };
}

/** The pools of a cluster at a site, as the GPU stack sees them. */
function clusterPools(site: SiteSpec, cluster: string): GpuPoolInput[] {
  const c = site.clusters?.find((x) => x.name === cluster);
  return site.nodePools
    .filter((p) => !c?.nodePools || c.nodePools.includes(p.name))
    .map((p) => ({ name: p.name, count: p.count, ...(p.gpus ? { gpus: { model: p.gpus.model, count: p.gpus.count } } : {}) }));
}
