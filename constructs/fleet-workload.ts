/**
 * One service on every cluster that matches a selector (the profile its site was made from, or labels):
 * a Deployment, a Service and an optional ConfigMap in each cluster's `apps/`, with a per-cluster variant
 * (the GPU image and `nvidia.com/gpu: 1` where the cluster has an L4, the CPU image elsewhere), required
 * resources and probes, and rollout settings. Its flows (DNS, callers in its namespace, declared egress)
 * are declared per cluster like every workload's (constructs/connections.ts).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { fromZodIssues, type ValidationIssue } from '../lib/model/errors';
import { fleetWorkloadSchema, type FleetWorkloadResources, type FleetWorkloadSpec, type FleetWorkloadVariantSpec, type ProbeSpec } from '../lib/model/fleet-workload';
import { gpuModel, type GpuVendor } from '../lib/model/gpu-models';
import { PROFILE_LABEL, substitute } from '../lib/model/profile';
import { gpuScheduling, VENDOR_RESOURCE } from '../lib/gpu/scheduling';
import { cpuQuantity, memoryQuantity } from '../lib/workloads/resources';
import type { K8sObject } from '../lib/synth/objects';
import { Connections, Peer, Port } from './connections';
import { Fleet } from './fleet';
import type { K0sCluster } from './k0s-cluster';
import type { SiteProfile } from './site-profile';
import type { Site } from './site';
import { ensureNamespace } from './workload-target';
import { deferProblems } from './problems';
import { secretIssues } from '../lib/model/secrets';

/** Which clusters run a {@link FleetWorkload}. */
export interface FleetWorkloadSelector {
  /**
   * Sites made from this profile (their `k0smos.io/profile` label).
   * @default - any profile
   */
  readonly profile?: SiteProfile | string;
  /**
   * Labels the cluster's site or cluster carries (`k0smos.io/region: us-east`, a site label).
   * @default - none beyond the profile
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Properties of a {@link FleetWorkload}: the fleet.yaml `fleetWorkloads` entry, the selector also taking a {@link SiteProfile}. */
export type FleetWorkloadProps = Omit<FleetWorkloadSpec, 'name' | 'select'> & {
  /**
   * Object name in every cluster.
   * @default - the construct id
   */
  readonly name?: string;
  readonly select: FleetWorkloadSelector;
};

/** Where the workload runs and how: one entry per matching cluster, sorted by cluster name. */
export interface FleetWorkloadPlacement {
  readonly site: string;
  readonly cluster: string;
  /** The variant used there, or `base`. */
  readonly variant: string;
}

const WORKLOAD_LABEL = 'k0smos.io/workload';
const WORKLOAD_VARIANT_LABEL = 'k0smos.io/workload-variant';

/**
 * A workload deployed to every matching cluster that exists when it is created (create it after the sites;
 * a matching site added later is an error at synth). Pods request the resources given (memory also limited),
 * GPUs where the chosen variant asks for them; a cluster whose nodes cannot hold one pod is an error naming it.
 */
export class FleetWorkload extends Construct {
  /** Builds one from plain data (a fleet.yaml `fleetWorkloads` entry). */
  public static fromSpec(scope: Construct, spec: FleetWorkloadSpec): FleetWorkload {
    const { name, ...props } = spec;
    return new FleetWorkload(scope, name, props);
  }

  /** Object name in every cluster. */
  public readonly name: string;
  public readonly namespace: string;
  /** The clusters it runs in, with the variant of each. */
  public readonly placements: readonly FleetWorkloadPlacement[] = [];

  constructor(scope: Construct, id: string, props: FleetWorkloadProps) {
    super(scope, id);
    const fleet = Fleet.of(this);
    this.name = props.name ?? id;
    const profileName = typeof props.select.profile === 'string' || props.select.profile === undefined ? props.select.profile : props.select.profile.name;
    const { name: _n, select: _s, ...rest } = props;
    const spec = { name: this.name, ...rest, select: { ...(profileName !== undefined ? { profile: profileName } : {}), ...(props.select.labels ? { labels: { ...props.select.labels } } : {}) } } as FleetWorkloadSpec;
    this.namespace = spec.namespace ?? this.name;
    // Problems are recorded and reported at synth with every other problem of the fleet; the workload then writes nothing.
    const parsed = fleetWorkloadSchema.safeParse(spec);
    if (!parsed.success) {
      deferProblems(this, fromZodIssues(spec, parsed.error.issues, fleetWorkloadSchema));
      return;
    }
    // What is written into every cluster carries no secret (`--api-key=...`, an env var named like a token).
    const issues: ValidationIssue[] = secretIssues({ image: spec.image, args: spec.args, env: spec.env, config: spec.config, variants: spec.variants?.map((v) => ({ image: v.image, args: v.args })) }, '');
    const rollout = spec.rollout ?? {};
    if (rollout.maxSurge === 0 && rollout.maxUnavailable === 0) issues.push({ path: 'rollout', message: 'maxSurge and maxUnavailable are both 0, so a rollout could never replace a pod (Kubernetes refuses it); let one of them be at least 1' });
    const matches = (site: Site, cluster: K0sCluster) => clusterMatches(spec.select, site, cluster);
    // One pass over the sites (sorted once): linear in the fleet. Every cluster is checked before any is written.
    const chosen: { site: Site; cluster: K0sCluster; variant: FleetWorkloadVariantSpec | undefined }[] = [];
    for (const site of fleet.sites) {
      for (const cluster of site.clusters) {
        if (!matches(site, cluster)) continue;
        const before = issues.length;
        const variant = this.check(spec, site, cluster, issues);
        if (issues.length === before) chosen.push({ site, cluster, variant });
      }
    }
    if (deferProblems(this, issues)) return;
    for (const c of chosen) this.render(spec, c.site, c.cluster, c.variant);
    const placements = chosen.map((c) => ({ site: c.site.name, cluster: c.cluster.clusterName, variant: c.variant?.name ?? 'base' }));
    this.placements = placements;
    const rendered = new Set(placements.map((p) => p.cluster));
    // A matching site added after the workload would silently lack it: say so at synth.
    this.node.addValidation({
      validate: () => {
        const late: string[] = [];
        for (const site of fleet.sites) for (const c of site.clusters) if (!rendered.has(c.clusterName) && matches(site, c)) late.push(c.clusterName);
        return late.length > 0 ? [`cluster${late.length === 1 ? '' : 's'} ${late.slice(0, 5).join(', ')}${late.length > 5 ? ` and ${late.length - 5} more` : ''} match${late.length === 1 ? 'es' : ''} the selector but ${late.length === 1 ? 'was' : 'were'} added after the fleet workload; add the sites first, then the fleet workload`] : [];
      },
    });
  }

  /** The variant a cluster takes, after checking that its nodes can run the pods; problems go to `issues`. */
  private check(spec: FleetWorkloadSpec, site: Site, cluster: K0sCluster, issues: ValidationIssue[]): FleetWorkloadVariantSpec | undefined {
    const at = `clusters[${cluster.clusterName}]`;
    const pools = site.nodePools.filter((p) => cluster.nodePools.includes(p.name));
    const labels = { ...site.labels, ...cluster.clusterLabels };
    const variant = (spec.variants ?? []).find((v) => variantMatches(v, pools, labels));
    const res: FleetWorkloadResources = variant?.resources ?? spec.resources;
    const gpus = variant?.gpus ?? 0;
    const replicas = spec.replicas ?? 1;
    const gpuPools = gpus > 0 ? this.gpuPools(site, cluster, variant) : { pools: [] };
    if (gpus > 0) {
      const vendor = gpuPools.vendor;
      const ofVendor = gpuPools.ofVendor ?? [];
      if (ofVendor.length === 0) {
        issues.push({ path: `${at}.variants[${variant!.name}].gpus`, message: `cluster '${cluster.clusterName}' has no ${vendor ? `${vendor} ` : ''}GPU pool for ${gpus} GPU${gpus === 1 ? '' : 's'} per pod; add a when condition (gpuVendor) to the variant, or drop gpus` });
        return undefined;
      }
      const whole = gpuPools.pools;
      if (whole.length === 0) {
        issues.push({ path: `${at}.variants[${variant!.name}].gpus`, message: `the GPU pools of cluster '${cluster.clusterName}' (${ofVendor.map((p) => p.name).join(', ')}) are partitioned by its GPU stack, and fleet workloads ask for whole GPUs; keep one pool whole or use an InferenceService with placement.migProfile` });
        return undefined;
      }
      const perNode = Math.max(...whole.map((p) => p.gpus!.count));
      if (gpus > perNode) issues.push({ path: `${at}.variants[${variant!.name}].gpus`, message: `${gpus} GPUs per pod, but the nodes of cluster '${cluster.clusterName}' have ${perNode}` });
      const total = whole.reduce((s, p) => s + p.count * p.gpus!.count, 0);
      const surge = surgePods(spec.rollout?.maxSurge ?? 0, replicas);
      if ((replicas + surge) * gpus > total) {
        issues.push({
          path: spec.rollout?.maxSurge !== undefined && surge > 0 ? 'rollout.maxSurge' : `${at}.replicas`,
          message: `cluster '${cluster.clusterName}' has ${total} ${vendor} GPU${total === 1 ? '' : 's'}, but ${replicas} replica${replicas === 1 ? '' : 's'}${surge > 0 ? ` and ${surge} surge pod${surge === 1 ? '' : 's'}` : ''} of ${gpus} GPU${gpus === 1 ? '' : 's'} each need ${(replicas + surge) * gpus}${surge > 0 ? '; set rollout.maxSurge: 0 (pods are replaced one at a time)' : '; lower replicas'}`,
        });
      }
    }
    // One pod must fit on a node of the pools it may land on.
    const fit = gpus > 0 ? gpuPools.pools : pools;
    if (fit.length > 0 && !fit.some((p) => p.cpu >= res.cpu && p.memoryGiB >= res.memoryGiB)) {
      issues.push({ path: `${at}${variant ? `.variants[${variant.name}]` : ''}.resources`, message: `a pod asks for ${res.cpu} CPU and ${res.memoryGiB} GiB, but no node of cluster '${cluster.clusterName}' has that much (${fit.map((p) => `${p.name}: ${p.cpu} CPU, ${p.memoryGiB} GiB`).join('; ')})` });
    }
    return variant;
  }

  /** The cluster's GPU pools a variant's pods may use: of the vendor it names (else the first GPU pool's), unpartitioned. */
  private gpuPools(site: Site, cluster: K0sCluster, variant: FleetWorkloadVariantSpec | undefined): { vendor?: GpuVendor; ofVendor?: Site['nodePools']; pools: Site['nodePools'] } {
    const withGpus = site.nodePools.filter((p) => cluster.nodePools.includes(p.name) && p.gpus && gpuModel(p.gpus.model));
    const vendor = variant?.when.gpuVendor ?? (variant?.when.gpuModel ? gpuModel(variant.when.gpuModel)?.vendor : undefined) ?? (withGpus[0] ? gpuModel(withGpus[0].gpus!.model)!.vendor : undefined);
    const ofVendor = withGpus.filter((p) => gpuModel(p.gpus!.model)!.vendor === vendor);
    const pools = ofVendor.filter((p) => (cluster.gpuPartitioning.get(p.name)?.kind ?? 'none') === 'none');
    return { ...(vendor ? { vendor } : {}), ofVendor, pools };
  }

  /** Writes the workload's objects into one cluster and declares its flows there. */
  private render(spec: FleetWorkloadSpec, site: Site, cluster: K0sCluster, variant: FleetWorkloadVariantSpec | undefined): void {
    const fleet = site.fleet;
    const image = variant?.image ?? spec.image;
    const args = variant?.args ?? spec.args;
    const res: FleetWorkloadResources = variant?.resources ?? spec.resources;
    const gpus = variant?.gpus ?? 0;
    const port = spec.port ?? 8080;
    const replicas = spec.replicas ?? 1;
    const values = { site: site.name, cluster: cluster.clusterName, region: site.region, jurisdiction: site.jurisdiction };
    const gp = gpus > 0 ? this.gpuPools(site, cluster, variant) : undefined;
    const vendor = gp?.vendor;
    // Beside a partitioned pool of the same vendor, the one whole pool is named: it is where whole GPUs are.
    const poolSelector = gp && gp.pools.length === 1 && (gp.ofVendor ?? []).length > 1 ? { 'k0smos.io/node-pool': gp.pools[0]!.name } : {};

    const podLabels = { [WORKLOAD_LABEL]: this.name };
    const meta = { name: this.name, namespace: this.namespace, labels: { ...fleet.commonLabels(), ...podLabels } };
    const requests: Record<string, string> = { cpu: cpuQuantity(res.cpu), memory: memoryQuantity(res.memoryGiB) };
    const limits: Record<string, string> = { memory: memoryQuantity(res.memoryLimitGiB ?? res.memoryGiB) };
    if (res.cpuLimit !== undefined) limits.cpu = cpuQuantity(res.cpuLimit);
    const sched = vendor ? gpuScheduling(vendor) : undefined;
    if (vendor) requests[VENDOR_RESOURCE[vendor]] = limits[VENDOR_RESOURCE[vendor]] = String(gpus);
    const probe = (p: ProbeSpec, liveness: boolean) => ({
      ...(p.httpGet !== undefined ? { httpGet: { path: p.httpGet, port: p.port ?? port } } : { tcpSocket: { port: p.port ?? port } }),
      initialDelaySeconds: p.initialDelaySeconds ?? (liveness ? 10 : 0),
      periodSeconds: p.periodSeconds ?? 10,
      timeoutSeconds: p.timeoutSeconds ?? 1,
      failureThreshold: p.failureThreshold ?? 3,
    });
    const mountPath = spec.configMountPath ?? `/etc/${this.name}`;
    const env = spec.env ? Object.keys(spec.env).sort().map((k) => ({ name: k, value: substitute(spec.env![k], values) as string })) : undefined;
    const objects: K8sObject[] = [];
    if (spec.config) {
      const data: Record<string, string> = {};
      for (const k of Object.keys(spec.config).sort()) data[k] = substitute(spec.config[k], values) as string;
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data });
    }
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta,
      spec: {
        replicas,
        revisionHistoryLimit: spec.rollout?.revisionHistoryLimit ?? 3,
        selector: { matchLabels: podLabels },
        strategy: {
          type: 'RollingUpdate',
          // Pods with GPUs are replaced one at a time: a store has no spare GPU for a surge pod.
          rollingUpdate: { maxUnavailable: spec.rollout?.maxUnavailable ?? (gpus > 0 ? 1 : 0), maxSurge: spec.rollout?.maxSurge ?? (gpus > 0 ? 0 : 1) },
        },
        template: {
          metadata: { labels: { ...meta.labels, [WORKLOAD_VARIANT_LABEL]: variant?.name ?? 'base' } },
          spec: {
            containers: [
              {
                name: this.name,
                image,
                ...(args ? { args: [...args] } : {}),
                ...(env ? { env } : {}),
                ports: [{ name: 'http', containerPort: port }],
                resources: { requests, limits },
                readinessProbe: probe(spec.probes.readiness, false),
                ...(spec.probes.liveness !== false ? { livenessProbe: probe(spec.probes.liveness, true) } : {}),
                ...(spec.config ? { volumeMounts: [{ name: 'config', mountPath, readOnly: true }] } : {}),
              },
            ],
            ...(sched ? { nodeSelector: { ...sched.nodeSelector, ...poolSelector }, tolerations: sched.tolerations.map((t) => ({ ...t })) } : {}),
            ...(spec.config ? { volumes: [{ name: 'config', configMap: { name: this.name } }] } : {}),
          },
        },
      },
    });
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector: podLabels, ports: [{ name: 'http', port: 80, targetPort: port }] } });
    // GPUs are advertised by the vendor's device plugin, which its GPU operator runs: without one the pods stay Pending.
    if (vendor) {
      cluster.require(vendor === 'nvidia' ? 'api:nvidia.com' : 'api:amd.com', {
        by: `Deployment ${this.namespace}/${this.name}`,
        why: `its pods ask for ${VENDOR_RESOURCE[vendor]}, which the ${vendor === 'nvidia' ? 'NVIDIA' : 'AMD'} GPU operator's device plugin advertises (a GpuOperatorStack, or gpuOperator in the site profile)`,
        source: this.node.path,
      });
    }
    ensureNamespace(cluster, this.namespace, fleet.commonLabels());
    for (const o of objects) new ApiObject(cluster, `fleet-workload-${this.name}-${o.kind.toLowerCase()}`, o);
    // Flows, declared once per cluster at both ends: DNS, callers from the namespace, egress it was given.
    const c = new Connections(this, Peer.pods(cluster, this.namespace, podLabels), `${this.name}-${cluster.clusterName}`);
    c.allowDns();
    c.allowFrom(Peer.sameNamespace(), Port.tcp(port), { description: `calls to ${this.name}` });
    (spec.egress ?? []).forEach((e, i) => c.allowTo(Peer.world(e.cidrs ?? []), e.ports.map((p) => Port.tcp(p)), { name: `${this.name}-${cluster.clusterName}-egress-${i}`, description: `${this.name} egress ${i}` }));
  }
}

/** A cluster matches when its site was made from the profile and the site's and cluster's labels include the selector's. */
function clusterMatches(select: FleetWorkloadSpec['select'], site: Site, cluster: K0sCluster): boolean {
  if (select.profile !== undefined && site.labels[PROFILE_LABEL] !== select.profile) return false;
  for (const [k, v] of Object.entries(select.labels ?? {})) if ((cluster.clusterLabels[k] ?? site.labels[k]) !== v) return false;
  return true;
}

function variantMatches(v: FleetWorkloadVariantSpec, pools: Site['nodePools'], labels: Readonly<Record<string, string>>): boolean {
  const models = pools.flatMap((p) => (p.gpus && gpuModel(p.gpus.model) ? [gpuModel(p.gpus.model)!] : []));
  if (v.when.gpuVendor !== undefined && !models.some((m) => m.vendor === v.when.gpuVendor)) return false;
  if (v.when.gpuModel !== undefined && !models.some((m) => m.name === gpuModel(v.when.gpuModel!)?.name)) return false;
  for (const [k, val] of Object.entries(v.when.labels ?? {})) if (labels[k] !== val) return false;
  return true;
}

/** Surge pods a rollout may add: a count, or a percentage of the replicas rounded up (as Kubernetes does). */
function surgePods(maxSurge: number | string, replicas: number): number {
  if (typeof maxSurge === 'number') return maxSurge;
  return Math.ceil((replicas * Number(maxSurge.slice(0, -1))) / 100);
}
