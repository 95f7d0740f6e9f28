/**
 * The fleet model: plain data describing sites, their hardware and the management plane.
 * The same zod schema validates a TypeScript literal and a parsed `fleet.yaml`.
 */
import { cmp } from './compare';
import { presentSchema } from '../readiness/capability';
import { z } from 'zod';
import { ValidationError, fromZodIssues, type ValidationIssue } from './errors';
import { gpuModel, gpuModelNames, type GpuVendor } from './gpu-models';
import { isCountryCode, countryCodes, jurisdictionsOf } from './jurisdictions';
import { didYouMean } from './suggest';
import { secretIssues } from './secrets';
import { gitopsSchema } from './gitops';
import { labelValueProblem, qualifiedNameProblem } from '../validate/object-meta';
import {
  airgapSchema,
  clusterFields,
  ipPlanSchema,
  managementFields,
  resolveAddons,
  resolveControlPlane,
  resolveK0sVersion,
  type AirgapSpec,
  type CredentialSpec,
  type RegionSpec,
  type ResolvedAddon,
  type ResolvedControlPlane,
} from './cluster';
import { fleetClusterIssues, fleetIpPlan } from './cluster-rules';
import type { IpPlan, IpPlanState } from './ip-plan';
import { resolveWorkloads, workloadIssues, workloadsSchema, type WorkloadModel } from './workload';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most `max` characters. */
export function dnsLabel(max = 63) {
  return z
    .string()
    .max(max)
    .regex(DNS_LABEL, { message: `must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit` });
}

export const INFRASTRUCTURES = ['aws', 'azure', 'gcp', 'openstack', 'vsphere', 'kubevirt', 'bare-metal', 'edge'] as const;
/** Where a site's machines come from. `bare-metal` and `edge` are reached over SSH. */
export type Infrastructure = (typeof INFRASTRUCTURES)[number];

export const gpuSchema = z
  .strictObject({
    vendor: z.enum(['nvidia', 'amd']).optional().describe('GPU vendor. Derived from the model when omitted; when given it must match the model.'),
    model: z.string().min(1).describe('GPU model, e.g. A100-80GB, H100, T4, MI300X.'),
    count: z.int().min(1).max(16).describe('GPUs per node.'),
    memoryGiB: z.number().positive().max(1024).optional().describe('Memory per GPU in GiB. Derived from the model when omitted.'),
  })
  .describe('The GPUs in each node of a pool.');

export const nodePoolSchema = z
  .strictObject({
    name: dnsLabel().describe('Pool name, unique within its site.'),
    count: z.int().min(1).max(100000).describe('Number of nodes (at most 100000).'),
    cpu: z.number().positive().max(4096).describe('CPU cores per node (allocatable, at most 4096).'),
    memoryGiB: z.number().positive().max(65536).describe('Memory per node in GiB (allocatable, at most 65536).'),
    gpus: gpuSchema.optional(),
    labels: z.record(z.string(), z.string()).optional().describe('Extra node labels for this pool.'),
  })
  .describe('A group of identical nodes.');

export const powerSchema = z
  .strictObject({
    carbonIntensity: z.number().min(0).optional().describe('Average grid carbon intensity in gCO2eq/kWh.'),
    energyPrice: z.number().min(0).optional().describe('Energy price per kWh, in the fleet currency.'),
    pue: z.number().min(1).optional().describe('Power usage effectiveness of the facility (>= 1).'),
    renewableShare: z.number().min(0).max(1).optional().describe('Share of renewable energy, 0..1.'),
  })
  .describe('Power and energy facts of a site.');

export const clusterSchema = z
  .strictObject({
    name: dnsLabel(32).describe('Cluster name, unique across the fleet (at most 32 characters: it is also the Cilium cluster name).'),
    nodePools: z.array(z.string()).optional().describe("Names of the site's node pools that join this cluster. Default: all pools of the site."),
    ...clusterFields,
  })
  .describe('A Kubernetes cluster at a site.');

export const siteSchema = z
  .strictObject({
    name: dnsLabel().describe('Site name, unique in the fleet.'),
    region: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, { message: "must be usable as a label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit" })
      .describe('Region, such as ca-east or us-southeast (it becomes a label value).'),
    jurisdiction: z.string().describe('ISO 3166-1 alpha-2 country code where the site and its data are, e.g. CA, US, DE.'),
    location: z
      .strictObject({
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
      })
      .describe('Geographic location (degrees).'),
    infrastructure: z.enum(INFRASTRUCTURES).describe('Kind of infrastructure the site runs on.'),
    nodePools: z.array(nodePoolSchema).min(1),
    clusters: z.array(clusterSchema).min(1).optional().describe('Clusters at this site. Default: one cluster named after the site with all its pools.'),
    power: powerSchema.optional(),
    rttMs: z.record(z.string(), z.number().min(0)).optional().describe('Measured round-trip times in milliseconds to other sites, by site name.'),
    airgapped: z.boolean().optional().describe('The site has no internet access; images come from a mirror or bundles. Default false (true when airgap is set).'),
    airgap: airgapSchema.optional().describe("The site has no internet access: where its clusters' images and charts come from (a cluster's own airgap replaces it). Default: none."),
    labels: z.record(z.string(), z.string()).optional().describe('Extra labels for objects that describe this site.'),
    present: presentSchema.optional().describe("What every cluster of this site already has, installed outside the fleet: StorageClasses, a LoadBalancer provider, operators' API groups, Secrets."),
  })
  .describe('A place with machines: a data centre, a cloud region, a store.');

export const managementSchema = z
  .strictObject({
    site: z.string().describe('Name of the site that hosts the management cluster.'),
    namespace: dnsLabel().optional().describe('Namespace of the k0rdent objects. Default kcm-system.'),
    ...managementFields,
  })
  .describe('The management plane.');

export const fleetSchema = z
  .strictObject({
    name: dnsLabel().optional().describe('Fleet name. Default fleet.'),
    management: managementSchema,
    sites: z.array(siteSchema).min(1),
    network: ipPlanSchema.optional().describe('The fleet IP plan: pools that cluster pod and service CIDRs are allocated from.'),
    workloads: workloadsSchema.optional().describe('Workloads to place on the fleet at synth time (see PLACEMENT.md in the output).'),
    gitops: gitopsSchema.optional().describe('GitOps wiring (Flux, Argo CD, k0rdent) and an optional rollout in stages; see GITOPS.md and ROLLOUT.md in the output.'),
  })
  .describe('A fleet of sites managed from one management cluster.');

/** A fleet as users write it (TypeScript literal or fleet.yaml). */
export type FleetSpec = z.input<typeof fleetSchema>;
export type SiteSpec = z.input<typeof siteSchema>;
export type NodePoolSpec = z.input<typeof nodePoolSchema>;
export type GpuSpec = z.input<typeof gpuSchema>;
export type PowerSpec = z.input<typeof powerSchema>;
export type ClusterSpec = z.input<typeof clusterSchema>;
export type Infrastructures = Infrastructure;

/** GPUs of a node, with vendor and memory resolved from the model table. */
export interface NodeGpus {
  readonly vendor: GpuVendor;
  readonly model: string;
  /** GPUs per node as Kubernetes advertises them (logical GPUs when partitioned, see `partitionedFrom`). */
  readonly count: number;
  /** Memory per (logical) GPU. */
  readonly memoryGiB: number;
  /**
   * A fixed MIG layout the cluster's GPU stack applies: profile -> instances per GPU. The GPUs then
   * offer these slices only, never whole GPUs. Unset: MIG-capable GPUs are split as the solver decides.
   */
  readonly migLayout?: Readonly<Record<string, number>>;
  /** The GPU stack keeps MIG off on these GPUs: whole GPUs only. */
  readonly migDisabled?: boolean;
  /** Time-sliced by the GPU stack, this many slices per GPU: one slice per container, memory shared without isolation. */
  readonly timeSliced?: number;
  /** How the GPUs were partitioned when `count`/`memoryGiB` describe partitions, e.g. `8 x MI300X in CPX/NPS4`. */
  readonly partitionedFrom?: string;
}

export interface NodePoolModel {
  readonly name: string;
  readonly count: number;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpus?: NodeGpus;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ClusterModel {
  readonly name: string;
  readonly site: string;
  /** Pool names, in the site's order. */
  readonly nodePools: readonly string[];
  /** How the control plane runs; undefined when the cluster is bootstrapped outside this fleet. */
  readonly controlPlane?: ResolvedControlPlane;
  /** k0s version in release spelling (`v1.36.3+k0s.2`). */
  readonly k0sVersion: string;
  /** Addresses from the fleet IP plan (or given by the user) and the network settings. */
  readonly network: {
    readonly podCIDR: string;
    readonly serviceCIDR: string;
    readonly slot?: number;
    readonly provider?: 'kuberouter' | 'calico' | 'custom';
    readonly clusterDomain: string;
  };
  /** Helm add-ons, in install order. */
  readonly addons: readonly ResolvedAddon[];
  readonly imageRepository?: string;
  readonly airgapBundle?: string;
  /** Air-gap settings that apply (the cluster's, else its site's); present for every air-gapped cluster. */
  readonly airgap?: AirgapSpec;
}

export interface SiteModel {
  readonly name: string;
  readonly region: string;
  readonly jurisdiction: string;
  /** The jurisdiction and the blocs it belongs to, e.g. ['DE', 'EEA', 'EU']. */
  readonly jurisdictions: readonly string[];
  readonly location: { readonly lat: number; readonly lon: number };
  readonly infrastructure: Infrastructure;
  readonly nodePools: readonly NodePoolModel[];
  readonly clusters: readonly ClusterModel[];
  readonly power: z.output<typeof powerSchema>;
  readonly rttMs: Readonly<Record<string, number>>;
  readonly airgapped: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** A validated fleet with every default and derived value filled in. Sites are sorted by name. */
export interface FleetModel {
  readonly name: string;
  readonly management: {
    readonly site: string;
    readonly namespace: string;
    readonly credentials: readonly CredentialSpec[];
    readonly regions: readonly RegionSpec[];
  };
  readonly sites: readonly SiteModel[];
  /** The fleet IP plan. */
  readonly ipPlan: IpPlan;
  /** Workloads to place, sorted by name; empty when the fleet declares none. */
  readonly workloads: readonly WorkloadModel[];
}

/**
 * Validates a fleet spec and returns the resolved fleet, or throws a `ValidationError` that lists
 * every problem with its path.
 */
export function parseFleet(input: unknown): FleetModel {
  const result = validateFleet(input);
  if (!result.ok) throw new ValidationError(result.issues);
  return result.fleet;
}

export type FleetResult = { ok: true; fleet: FleetModel } | { ok: false; issues: ValidationIssue[] };

/** Options of {@link validateFleet}. */
export interface ValidateFleetOptions {
  /**
   * The IP plan's saved state (`ip-plan.json` of the output folder, read at the edge): recorded clusters
   * keep their CIDRs, removed ones stay reserved.
   * @default - none: every cluster is allocated afresh (its hashed slot when free)
   */
  readonly ipAllocations?: IpPlanState;
}

/** Like `parseFleet`, without throwing. */
export function validateFleet(input: unknown, options: ValidateFleetOptions = {}): FleetResult {
  const parsed = fleetSchema.safeParse(input);
  // Structural errors first; rules that span objects run on whatever parsed, so one pass reports both kinds.
  const issues: ValidationIssue[] = parsed.success ? [] : fromZodIssues(input, parsed.error.issues, fleetSchema);
  issues.push(...crossChecks(input));
  const planned = parsed.success ? fleetIpPlan(parsed.data, options.ipAllocations) : undefined;
  if (parsed.success) issues.push(...fleetClusterIssues(parsed.data, options.ipAllocations, planned));
  else issues.push(...salvagedClusterIssues(input, options.ipAllocations));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, fleet: resolve(parsed.data, planned!.plan) };
}

/**
 * When some fields are wrong, the rules across clusters (CIDR overlaps, credentials, control-plane
 * placement) still run on the parts that are right: sites and top-level fields that parse on their
 * own. Problems that only name a site left out are dropped, so a bad field never causes a second,
 * misleading error elsewhere.
 */
function salvagedClusterIssues(input: unknown, saved: IpPlanState | undefined): ValidationIssue[] {
  const o = obj(input);
  const allSites = arr(o.sites);
  const good = allSites.filter((x) => siteSchema.safeParse(x).success);
  const dropped = allSites.filter((x) => !good.includes(x)).map((x) => str(obj(x).name)).filter((n): n is string => n !== undefined);
  const candidate: Record<string, unknown> = { ...o, sites: good };
  const shape = fleetSchema.shape as Record<string, z.ZodType>;
  for (const k of Object.keys(candidate)) {
    if (k === 'sites') continue;
    if (!shape[k] || !shape[k].safeParse(candidate[k]).success) delete candidate[k];
  }
  if (good.length === 0) return [];
  const r = fleetSchema.safeParse(candidate);
  if (!r.success) return [];
  return fleetClusterIssues(r.data, saved).filter((i) => !dropped.some((d) => i.message.includes(`'${d}'`) || i.path.includes(`[${d}]`) || i.message.includes(` ${d} `)));
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Reads a possibly malformed input defensively for cross-object checks. */
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function label(el: unknown, index: number): string {
  const n = str(obj(el).name);
  return n && /^[A-Za-z0-9._-]+$/.test(n) ? n : String(index);
}

/** Rules that a per-field schema cannot express: names, references between objects, table look-ups. */
function crossChecks(input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const root = obj(input);
  const sites = arr(root.sites);
  const siteNames = sites.map((s) => str(obj(s).name)).filter((n): n is string => n !== undefined);

  duplicates(siteNames).forEach((n) => issues.push({ path: `sites[${n}]`, message: `site name '${n}' is used more than once; give each site a unique name` }));

  const mgmt = obj(root.management);
  const mSite = str(mgmt.site);
  if (mSite !== undefined && !siteNames.includes(mSite)) {
    issues.push({ path: 'management.site', message: `no site named '${mSite}'${didYouMean(mSite, siteNames)} (sites: ${[...siteNames].sort().join(', ') || 'none'})` });
  }

  const clusterOwners = new Map<string, string[]>();
  sites.forEach((s, si) => {
    const siteName = str(obj(s).name) ?? String(si);
    issues.push(...siteIssues(s, `sites[${label(s, si)}]`, siteNames));
    for (const cname of clusterNamesOf(s)) clusterOwners.set(cname, [...(clusterOwners.get(cname) ?? []), siteName]);
  });

  for (const [cname, owners] of [...clusterOwners.entries()].sort(([a], [b]) => cmp(a, b))) {
    if (owners.length > 1) {
      issues.push({
        path: `clusters[${cname}]`,
        message: `cluster name '${cname}' is used by more than one cluster (sites: ${owners.join(', ')}); cluster names must be unique in the fleet (a site's default cluster is named after the site)`,
      });
    }
  }
  if (root.workloads !== undefined) {
    const clusters = new Map([...clusterOwners.entries()].map(([c, owners]) => [c, owners[0]!] as const));
    issues.push(...workloadIssues(root.workloads, { siteNames, clusters }));
  }
  return issues;
}

/**
 * Rules within one site (names, GPU models, pool references). `siteNames` are the fleet's sites,
 * for RTT references; undefined when the site is checked on its own.
 */
export function siteIssues(s: unknown, sp: string, siteNames?: readonly string[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const site = obj(s);
  const siteName = str(site.name);
  const j = str(site.jurisdiction);
  if (j !== undefined && !isCountryCode(j)) {
    const upper = j.toUpperCase();
    const hint = isCountryCode(upper) ? `; did you mean '${upper}'? (codes are upper-case)` : didYouMean(j, countryCodes());
    issues.push({ path: `${sp}.jurisdiction`, message: `'${j}' is not an ISO 3166-1 alpha-2 country code${hint}` });
  }
  const pools = arr(site.nodePools);
  const poolNames = pools.map((p) => str(obj(p).name)).filter((n): n is string => n !== undefined);
  duplicates(poolNames).forEach((n) => issues.push({ path: `${sp}.nodePools[${n}]`, message: `pool name '${n}' is used more than once in this site` }));
  pools.forEach((p, pi) => {
    const gpus = obj(obj(p).gpus);
    if (Object.keys(gpus).length === 0) return;
    const gp = `${sp}.nodePools[${label(p, pi)}].gpus`;
    const modelName = str(gpus.model);
    if (modelName === undefined) return;
    const model = gpuModel(modelName);
    if (!model) {
      issues.push({ path: `${gp}.model`, message: `unknown GPU model '${modelName}'${didYouMean(modelName, gpuModelNames())} (known: ${gpuModelNames().join(', ')})` });
      return;
    }
    const vendor = str(gpus.vendor);
    if (vendor !== undefined && vendor !== model.vendor) {
      issues.push({ path: `${gp}.vendor`, message: `${model.name} is a ${model.vendor} GPU (got '${vendor}'); drop vendor or fix the model` });
    }
    const mem = gpus.memoryGiB;
    if (typeof mem === 'number' && mem !== model.memoryGiB) {
      issues.push({ path: `${gp}.memoryGiB`, message: `${model.name} has ${model.memoryGiB} GiB (got ${mem}); drop memoryGiB or fix the model` });
    }
  });

  const clusters = arr(site.clusters);
  const assigned = new Map<string, string>();
  clusters.forEach((c, ci) => {
    const cl = obj(c);
    const cname = str(cl.name);
    const cp = `${sp}.clusters[${label(c, ci)}]`;
    arr(cl.nodePools).forEach((pn) => {
      const pname = str(pn);
      if (pname === undefined) return;
      if (!poolNames.includes(pname)) {
        issues.push({ path: `${cp}.nodePools`, message: `no node pool named '${pname}' in site ${siteName ?? '?'}${didYouMean(pname, poolNames)} (pools: ${poolNames.join(', ')})` });
      } else if (assigned.has(pname)) {
        issues.push({ path: `${cp}.nodePools`, message: `pool '${pname}' already belongs to cluster '${assigned.get(pname)}'; a pool joins one cluster` });
      } else {
        assigned.set(pname, cname ?? String(ci));
      }
    });
  });
  if (clusters.length > 0) {
    const explicit = clusters.filter((c) => Array.isArray(obj(c).nodePools));
    if (explicit.length === clusters.length) {
      poolNames
        .filter((pn) => !assigned.has(pn))
        .forEach((pn) => issues.push({ path: `${sp}.nodePools[${pn}]`, message: `pool '${pn}' joins no cluster; list it in one cluster's nodePools` }));
    } else if (clusters.length > 1) {
      issues.push({ path: `${sp}.clusters`, message: `with more than one cluster at a site, every cluster must list its nodePools` });
    }
  }

  // Labels: Kubernetes' rules on every key and value, and never a secret (labels are public metadata).
  const labelIssues = (labels: unknown, lp: string) => {
    for (const [k, v] of Object.entries(obj(labels))) {
      const kp = qualifiedNameProblem(k);
      if (kp) issues.push({ path: `${lp}[${JSON.stringify(k.length > 70 ? `${k.slice(0, 67)}...` : k)}]`, message: `label key '${k.length > 70 ? `${k.slice(0, 67)}...` : k}' ${kp}` });
      if (typeof v !== 'string') continue;
      const at = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `${lp}.${k}` : `${lp}[${JSON.stringify(k)}]`;
      const secret = secretIssues(v, at);
      if (secret.length > 0) {
        issues.push(...secret);
        continue;
      }
      const vp = labelValueProblem(v);
      if (vp) issues.push({ path: at, message: `label value ${vp}; got '${v.length > 70 ? `${v.slice(0, 67)}...` : v}'` });
    }
  };
  labelIssues(site.labels, `${sp}.labels`);
  pools.forEach((p, pi) => labelIssues(obj(p).labels, `${sp}.nodePools[${label(p, pi)}].labels`));

  const rtt = obj(site.rttMs);
  for (const other of Object.keys(rtt).sort()) {
    if (other === siteName) issues.push({ path: `${sp}.rttMs.${other}`, message: `a site has no RTT to itself; remove this entry` });
    else if (siteNames !== undefined && !siteNames.includes(other)) issues.push({ path: `${sp}.rttMs.${other}`, message: `no site named '${other}'${didYouMean(other, siteNames)}` });
  }
  return issues;
}

function clusterNamesOf(s: unknown): string[] {
  const site = obj(s);
  const clusters = arr(site.clusters);
  if (clusters.length === 0) return str(site.name) !== undefined ? [str(site.name)!] : [];
  return clusters.map((c) => str(obj(c).name)).filter((n): n is string => n !== undefined);
}

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup].sort();
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function resolve(data: z.output<typeof fleetSchema>, plan: IpPlan): FleetModel {
  const sites: SiteModel[] = data.sites
    .map((s) => {
      const pools: NodePoolModel[] = s.nodePools.map((p) => {
        const model = p.gpus ? gpuModel(p.gpus.model)! : undefined;
        return {
          name: p.name,
          count: p.count,
          cpu: p.cpu,
          memoryGiB: p.memoryGiB,
          ...(p.gpus && model ? { gpus: { vendor: model.vendor, model: model.name, count: p.gpus.count, memoryGiB: model.memoryGiB } } : {}),
          labels: sortRecord(p.labels ?? {}),
        };
      });
      const clusters: ClusterModel[] = (s.clusters ?? [{ name: s.name }]).map((c: NonNullable<typeof s.clusters>[number]) => {
        const poolNames = c.nodePools ? pools.map((p) => p.name).filter((n) => c.nodePools!.includes(n)) : pools.map((p) => p.name);
        const addr = plan.clusters.get(c.name)!;
        return {
          name: c.name,
          site: s.name,
          nodePools: poolNames,
          ...(c.controlPlane ? { controlPlane: resolveControlPlane(c.controlPlane, { infrastructure: s.infrastructure, managementSite: data.management.site, pools: poolNames }) } : {}),
          k0sVersion: resolveK0sVersion(c.k0sVersion),
          network: {
            podCIDR: addr.podCIDR,
            serviceCIDR: addr.serviceCIDR,
            ...(addr.slot !== undefined ? { slot: addr.slot } : {}),
            ...(c.network?.provider !== undefined ? { provider: c.network.provider } : {}),
            clusterDomain: c.network?.clusterDomain ?? 'cluster.local',
          },
          addons: resolveAddons(c.addons),
          ...(c.imageRepository !== undefined ? { imageRepository: c.imageRepository } : {}),
          ...(c.airgapBundle !== undefined ? { airgapBundle: c.airgapBundle } : {}),
          ...(s.airgapped || (c.airgap ?? s.airgap) !== undefined ? { airgap: { ...(c.airgap ?? s.airgap ?? {}) } as AirgapSpec } : {}),
        };
      });
      return {
        name: s.name,
        region: s.region,
        jurisdiction: s.jurisdiction,
        jurisdictions: jurisdictionsOf(s.jurisdiction),
        location: { lat: s.location.lat, lon: s.location.lon },
        infrastructure: s.infrastructure,
        nodePools: pools,
        clusters: [...clusters].sort(byName),
        power: { ...s.power },
        rttMs: sortRecord(s.rttMs ?? {}),
        airgapped: (s.airgapped ?? false) || s.airgap !== undefined,
        labels: sortRecord(s.labels ?? {}),
      };
    })
    .sort(byName);
  return {
    name: data.name ?? 'fleet',
    management: {
      site: data.management.site,
      namespace: data.management.namespace ?? 'kcm-system',
      credentials: [...(data.management.credentials ?? [])].sort(byName),
      regions: [...(data.management.regions ?? [])].sort(byName),
    },
    sites,
    ipPlan: plan,
    workloads: resolveWorkloads(data.workloads ?? []),
  };
}

function sortRecord<V>(r: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/** All clusters of a fleet, sorted by name. */
export function fleetClusters(fleet: FleetModel): ClusterModel[] {
  return fleet.sites.flatMap((s) => s.clusters).sort(byName);
}

/** The JSON Schema of `fleet.yaml`, for editors. */
export function fleetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(fleetSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://cdk8s-k0smos.dev/schema/fleet.schema.json', title: 'cdk8s-k0smos fleet' };
}
