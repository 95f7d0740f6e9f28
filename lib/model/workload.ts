/**
 * Workloads: what the placement solver places on a fleet. Plain data, validated with zod; rules that
 * refer to the fleet (site names, other workloads, GPU models) are checked by `workloadIssues`.
 */
import { z } from 'zod';
import type { ValidationIssue } from './errors';
import { gpuModel, gpuModelNames, gpuModels } from './gpu-models';
import { isJurisdiction } from './jurisdictions';
import { didYouMean } from './suggest';

/** CPU cores the solver reserves for a replica that does not say (pods placed by the solver request the same). */
export const DEFAULT_REPLICA_CPU = 1;
/** Memory in GiB the solver reserves for a replica that does not say (pods placed by the solver request the same). */
export const DEFAULT_REPLICA_MEMORY_GIB = 1;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const name = z.string().max(63).regex(NAME, { message: `must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit` });

export const workloadGpuSchema = z
  .strictObject({
    vendor: z.enum(['nvidia', 'amd']).optional().describe('Required GPU vendor. Default: any vendor.'),
    model: z.string().min(1).optional().describe('Required GPU model, e.g. A100-80GB. Default: any model.'),
    count: z.int().min(1).max(16).optional().describe('GPUs per replica, all on one node. Default 1.'),
    memoryGiB: z.number().positive().max(1024).optional().describe('Minimum memory per GPU in GiB. Default: no minimum.'),
    migProfile: z.string().min(1).optional().describe('A MIG slice instead of whole GPUs, e.g. 1g.10gb (count must then be 1).'),
  })
  .describe('GPU needs of one replica.');

export const latencySchema = z
  .strictObject({
    maxRttMs: z.number().positive().describe('Largest allowed round-trip time in milliseconds.'),
    to: z
      .union([z.string().min(1), z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })])
      .describe('A site name or a user location {lat, lon}.'),
  })
  .describe('Latency bound from every replica to a site or a user location.');

export const workloadSchema = z
  .strictObject({
    name: name.describe('Workload name, unique in the fleet.'),
    replicas: z.int().min(1).max(100000).optional().describe('Number of replicas (at most 100000). Default 1.'),
    gpu: workloadGpuSchema.optional(),
    cpu: z.number().min(0).max(4096).optional().describe('CPU cores per replica (at most 4096). Default 1.'),
    memoryGiB: z.number().min(0).max(65536).optional().describe('Memory per replica in GiB (at most 65536). Default 1.'),
    allowedJurisdictions: z.array(z.string()).min(1).optional().describe('Countries (ISO codes) or blocs (EU, EEA, USMCA) where replicas may run. Default: anywhere.'),
    latency: latencySchema.optional(),
    spread: z
      .strictObject({
        minSites: z.int().min(1).optional().describe('When any replica runs, at least this many sites run one.'),
        maxSites: z.int().min(1).optional().describe('Replicas run at this many sites at most (1: all at one site, e.g. a training job).'),
        maxClusters: z.int().min(1).optional().describe('Replicas run in this many clusters at most (1: one cluster, e.g. a PyTorchJob).'),
        maxPerSite: z.int().min(1).optional().describe('At most this many replicas per site.'),
      })
      .optional(),
    affinity: z.array(z.string()).optional().describe('Workloads this one must share a site with: every site running it also runs each of these.'),
    antiAffinity: z.array(z.string()).optional().describe('Workloads this one never shares a site with.'),
    priority: z.int().min(1).max(1000).optional().describe('Weight of each placed GPU (or CPU replica); higher wins when capacity is short. Default 1.'),
    gang: z.boolean().optional().describe('All replicas or none (a training job). Default false.'),
    optional: z
      .boolean()
      .optional()
      .describe('Leaving replicas of this workload unplaced is expected (best effort, an example): `plan` and `synth` then still exit 0, where an unplaced replica of any other workload makes them exit 3. Placement is the same. Default false.'),
    pinnedSite: z.string().optional().describe('Run only at this site (data that never leaves it).'),
    pinnedCluster: z.string().optional().describe('Run only in this cluster.'),
  })
  .describe('Something to place: replicas with per-replica needs and rules.');

export const workloadsSchema = z.array(workloadSchema);

/** A workload as users write it. */
export type WorkloadSpec = z.input<typeof workloadSchema>;

/** A location on Earth in degrees. */
export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/** GPU needs of one replica, resolved. */
export interface WorkloadGpu {
  readonly vendor?: 'nvidia' | 'amd';
  readonly model?: string;
  /** Whole GPUs per replica on one node (1 for a MIG slice). */
  readonly count: number;
  readonly memoryGiB?: number;
  readonly migProfile?: string;
}

/** A validated workload with defaults filled in. */
export interface WorkloadModel {
  readonly name: string;
  readonly replicas: number;
  readonly gpu?: WorkloadGpu;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly allowedJurisdictions?: readonly string[];
  readonly latency?: { readonly maxRttMs: number; readonly to: string | GeoPoint };
  readonly spread: { readonly minSites?: number; readonly maxPerSite?: number; readonly maxSites?: number; readonly maxClusters?: number };
  readonly affinity: readonly string[];
  readonly antiAffinity: readonly string[];
  readonly priority: number;
  readonly gang: boolean;
  readonly pinnedSite?: string;
  readonly pinnedCluster?: string;
}

/** What the workload checks need to know about the fleet. */
export interface WorkloadContext {
  readonly siteNames: readonly string[];
  /** Cluster name -> site name. */
  readonly clusters: ReadonlyMap<string, string>;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Rules a per-field schema cannot express: unique names, references to sites, clusters and other
 * workloads, GPU models and MIG profiles, jurisdictions, spread against replicas. Reads possibly
 * malformed input defensively; paths name workloads by name (`workloads[train].pinnedSite`).
 */
export function workloadIssues(input: unknown, ctx: WorkloadContext, base = 'workloads'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const list = Array.isArray(input) ? input : [];
  const names = list.map((w) => str(obj(w).name)).filter((n): n is string => n !== undefined);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) issues.push({ path: `${base}[${n}]`, message: `workload name '${n}' is used more than once; give each workload a unique name` });
    seen.add(n);
  }
  const clusterNames = [...ctx.clusters.keys()].sort();
  list.forEach((raw, i) => {
    const w = obj(raw);
    const wn = str(w.name);
    const p = `${base}[${wn && NAME.test(wn) ? wn : i}]`;
    const site = str(w.pinnedSite);
    if (site !== undefined && !ctx.siteNames.includes(site)) {
      issues.push({ path: `${p}.pinnedSite`, message: `no site named '${site}'${didYouMean(site, ctx.siteNames)} (sites: ${[...ctx.siteNames].sort().join(', ')})` });
    }
    const cluster = str(w.pinnedCluster);
    if (cluster !== undefined) {
      const owner = ctx.clusters.get(cluster);
      if (owner === undefined) issues.push({ path: `${p}.pinnedCluster`, message: `no cluster named '${cluster}'${didYouMean(cluster, clusterNames)} (clusters: ${clusterNames.join(', ')})` });
      else if (site !== undefined && owner !== site) issues.push({ path: `${p}.pinnedCluster`, message: `cluster '${cluster}' is at site '${owner}', not at the pinned site '${site}'; drop one pin or make them agree` });
    }
    const lat = obj(w.latency);
    const to = str(lat.to);
    if (to !== undefined && !ctx.siteNames.includes(to)) {
      issues.push({ path: `${p}.latency.to`, message: `no site named '${to}'${didYouMean(to, ctx.siteNames)}; give a site name or a location {lat, lon}` });
    }
    for (const key of ['affinity', 'antiAffinity'] as const) {
      const refs = Array.isArray(w[key]) ? (w[key] as unknown[]) : [];
      for (const r of refs) {
        const ref = str(r);
        if (ref === undefined) continue;
        if (ref === wn) issues.push({ path: `${p}.${key}`, message: `a workload cannot name itself in ${key}` });
        else if (!names.includes(ref)) issues.push({ path: `${p}.${key}`, message: `no workload named '${ref}'${didYouMean(ref, names)} (workloads: ${[...names].sort().join(', ')})` });
      }
    }
    const juris = Array.isArray(w.allowedJurisdictions) ? (w.allowedJurisdictions as unknown[]) : [];
    for (const j of juris) {
      const js = str(j);
      if (js !== undefined && !isJurisdiction(js)) {
        issues.push({ path: `${p}.allowedJurisdictions`, message: `'${js}' is neither an ISO 3166-1 alpha-2 country code nor a bloc (EU, EEA, USMCA)${didYouMean(js, ['EU', 'EEA', 'USMCA'])}` });
      }
    }
    const gpu = obj(w.gpu);
    const model = str(gpu.model);
    if (model !== undefined) {
      const m = gpuModel(model);
      if (!m) issues.push({ path: `${p}.gpu.model`, message: `unknown GPU model '${model}'${didYouMean(model, gpuModelNames())} (known: ${gpuModelNames().join(', ')})` });
      else if (str(gpu.vendor) !== undefined && str(gpu.vendor) !== m.vendor) issues.push({ path: `${p}.gpu.vendor`, message: `${m.name} is a ${m.vendor} GPU (got '${str(gpu.vendor)}'); drop vendor or fix the model` });
    }
    const mig = str(gpu.migProfile);
    // A request the fleet cannot meet today (a model no pool has) is left unplaced with its reason in
    // PLACEMENT.md, since pools come and go; a request no GPU can ever meet is refused here.
    if (mig !== undefined && model !== undefined && gpuModel(model)) {
      const m = gpuModel(model)!;
      if (!m.mig) issues.push({ path: `${p}.gpu.migProfile`, message: `${m.name} has no MIG (MIG-capable models: ${gpuModels().filter((x) => x.mig).map((x) => x.name).join(', ')}); drop migProfile, or ask for a MIG-capable model` });
      else if (!m.mig.profiles.some((x) => x.name === mig)) {
        const own = m.mig.profiles.map((x) => x.name);
        issues.push({ path: `${p}.gpu.migProfile`, message: `${m.name} has no MIG profile '${mig}'${didYouMean(mig, own)} (its profiles: ${own.join(', ')})` });
      }
    }
    if (mig !== undefined) {
      const profiles = [...new Set(gpuModels().flatMap((m) => (m.mig ? m.mig.profiles.map((x) => x.name) : [])))].sort();
      if (!profiles.includes(mig)) issues.push({ path: `${p}.gpu.migProfile`, message: `unknown MIG profile '${mig}'${didYouMean(mig, profiles)} (known: ${profiles.join(', ')})` });
      if (typeof gpu.count === 'number' && gpu.count !== 1) issues.push({ path: `${p}.gpu.count`, message: `a replica with a MIG profile takes one slice; set count to 1 or drop it (got ${gpu.count})` });
      if (str(gpu.vendor) === 'amd') issues.push({ path: `${p}.gpu.vendor`, message: `MIG profiles are NVIDIA's; drop vendor 'amd' or the MIG profile` });
    }
    const spread = obj(w.spread);
    const replicas = typeof w.replicas === 'number' ? w.replicas : 1;
    if (typeof spread.minSites === 'number' && spread.minSites > replicas) {
      issues.push({ path: `${p}.spread.minSites`, message: `needs ${spread.minSites} sites but the workload has ${replicas} replica${replicas === 1 ? '' : 's'}; raise replicas or lower minSites` });
    }
    if (typeof spread.minSites === 'number' && typeof spread.maxSites === 'number' && spread.minSites > spread.maxSites) {
      issues.push({ path: `${p}.spread.minSites`, message: `minSites ${spread.minSites} is above maxSites ${spread.maxSites}; no placement can meet both` });
    }
    if (typeof spread.minSites === 'number' && spread.minSites > 1 && site !== undefined) {
      issues.push({ path: `${p}.spread.minSites`, message: `a workload pinned to one site cannot spread over ${spread.minSites} sites; drop pinnedSite or minSites` });
    }
  });
  return issues;
}

/** Fills defaults. Assumes the input passed `workloadsSchema` and `workloadIssues`. Sorted by name. */
export function resolveWorkloads(data: z.output<typeof workloadsSchema>): WorkloadModel[] {
  return data
    .map((w): WorkloadModel => ({
      name: w.name,
      replicas: w.replicas ?? 1,
      ...(w.gpu
        ? {
            gpu: {
              ...(w.gpu.vendor !== undefined ? { vendor: w.gpu.vendor } : w.gpu.model && gpuModel(w.gpu.model) ? { vendor: gpuModel(w.gpu.model)!.vendor } : w.gpu.migProfile ? { vendor: 'nvidia' as const } : {}),
              ...(w.gpu.model !== undefined ? { model: w.gpu.model } : {}),
              count: w.gpu.count ?? 1,
              ...(w.gpu.memoryGiB !== undefined ? { memoryGiB: w.gpu.memoryGiB } : {}),
              ...(w.gpu.migProfile !== undefined ? { migProfile: w.gpu.migProfile } : {}),
            },
          }
        : {}),
      cpu: w.cpu ?? DEFAULT_REPLICA_CPU,
      memoryGiB: w.memoryGiB ?? DEFAULT_REPLICA_MEMORY_GIB,
      ...(w.allowedJurisdictions ? { allowedJurisdictions: [...w.allowedJurisdictions] } : {}),
      ...(w.latency ? { latency: { maxRttMs: w.latency.maxRttMs, to: typeof w.latency.to === 'string' ? w.latency.to : { lat: w.latency.to.lat, lon: w.latency.to.lon } } } : {}),
      spread: {
        ...(w.spread?.minSites !== undefined ? { minSites: w.spread.minSites } : {}),
        ...(w.spread?.maxPerSite !== undefined ? { maxPerSite: w.spread.maxPerSite } : {}),
        ...(w.spread?.maxSites !== undefined ? { maxSites: w.spread.maxSites } : {}),
        ...(w.spread?.maxClusters !== undefined ? { maxClusters: w.spread.maxClusters } : {}),
      },
      affinity: [...(w.affinity ?? [])].sort(),
      antiAffinity: [...(w.antiAffinity ?? [])].sort(),
      priority: w.priority ?? 1,
      gang: w.gang ?? false,
      ...(w.pinnedSite !== undefined ? { pinnedSite: w.pinnedSite } : {}),
      ...(w.pinnedCluster !== undefined ? { pinnedCluster: w.pinnedCluster } : {}),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
