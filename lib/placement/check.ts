/**
 * An independent checker of placements. It shares nothing with the solver but the fleet and workload
 * models: it re-derives every hard constraint from the inputs and reports each violation. Use it on
 * any placement (the solver's, a baseline's, a hand-edited placement.json).
 */
import type { FleetModel, NodePoolModel, SiteModel } from '../model/fleet';
import { gpuModel } from '../model/gpu-models';
import { jurisdictionAllowed } from '../model/jurisdictions';
import type { WorkloadModel } from '../model/workload';

/** The part of a placement the checker reads. */
export interface CheckedPlacement {
  readonly workloads: readonly {
    readonly name: string;
    readonly assignments: readonly { readonly site: string; readonly cluster: string; readonly pool: string; readonly node: number; readonly gpus: readonly number[] }[];
  }[];
}

/** One broken rule. */
export interface Violation {
  readonly workload: string;
  /** The rule: replicas, gang, node, gpu-fit, capacity, residency, latency, pinning, spread, affinity, anti-affinity. */
  readonly rule: string;
  readonly message: string;
}

interface NodeUse {
  cpu: number;
  mem: number;
  /** Per GPU index: 'whole' owner or MIG profile with count. */
  gpus: Map<number, { whole: number; mig: Map<string, number> }>;
}

/** Every violation of the hard constraints in `placement`; empty when it is valid. */
export function checkPlacement(fleet: FleetModel, workloads: readonly WorkloadModel[], placement: CheckedPlacement): Violation[] {
  const out: Violation[] = [];
  const bad = (workload: string, rule: string, message: string) => out.push({ workload, rule, message });
  const sites = new Map(fleet.sites.map((s) => [s.name, s] as const));
  const byName = new Map(workloads.map((w) => [w.name, w] as const));
  const nodes = new Map<string, { pool: NodePoolModel; use: NodeUse }>();
  const perSite = new Map<string, Map<string, number>>();
  const perCluster = new Map<string, Set<string>>();

  const seen = new Set<string>();
  for (const pw of placement.workloads) {
    const w = byName.get(pw.name);
    if (!w) {
      if (pw.assignments.length > 0) bad(pw.name, 'replicas', `no workload named '${pw.name}'`);
      continue;
    }
    if (seen.has(pw.name)) bad(pw.name, 'replicas', 'listed twice');
    seen.add(pw.name);
    const n = pw.assignments.length;
    if (n > w.replicas) bad(w.name, 'replicas', `${n} replicas placed, only ${w.replicas} asked for`);
    if (w.gang && n > 0 && n < w.replicas) bad(w.name, 'gang', `gang placed ${n} of ${w.replicas} replicas`);
    const counts = new Map<string, number>();
    perSite.set(w.name, counts);
    const clustersUsed = new Set<string>();
    perCluster.set(w.name, clustersUsed);
    for (const a of pw.assignments) {
      clustersUsed.add(`${a.site}/${a.cluster}`);
      const where = `${a.site}/${a.cluster}/${a.pool}/${a.node}`;
      const site = sites.get(a.site);
      const cluster = site?.clusters.find((c) => c.name === a.cluster);
      const pool = cluster && cluster.nodePools.includes(a.pool) ? site!.nodePools.find((p) => p.name === a.pool) : undefined;
      if (!site || !pool || !Number.isInteger(a.node) || a.node < 0 || a.node >= pool.count) {
        bad(w.name, 'node', `no node ${where} in the fleet`);
        continue;
      }
      counts.set(site.name, (counts.get(site.name) ?? 0) + 1);
      siteRules(w, site, fleet, bad);
      if (w.pinnedCluster !== undefined && a.cluster !== w.pinnedCluster) bad(w.name, 'pinning', `runs in cluster ${a.cluster}, pinned to ${w.pinnedCluster}`);

      const key = where;
      let node = nodes.get(key);
      if (!node) nodes.set(key, (node = { pool, use: { cpu: 0, mem: 0, gpus: new Map() } }));
      node.use.cpu += w.cpu;
      node.use.mem += w.memoryGiB;
      gpuRules(w, pool, a.gpus, node.use, where, bad);
    }
  }

  for (const [key, { pool, use }] of [...nodes.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (use.cpu > pool.cpu + 1e-9) bad('*', 'capacity', `node ${key} holds ${use.cpu} CPU, has ${pool.cpu}`);
    if (use.mem > pool.memoryGiB + 1e-9) bad('*', 'capacity', `node ${key} holds ${use.mem} GiB, has ${pool.memoryGiB}`);
    const layout = pool.gpus?.migLayout;
    for (const [gi, g] of use.gpus) {
      if (g.whole > 1) bad('*', 'gpu-fit', `GPU ${gi} of node ${key} is given whole to ${g.whole} replicas`);
      if (layout) {
        // A fixed layout: every GPU holds all its profiles at once, and is never whole.
        if (g.whole > 0) bad('*', 'gpu-fit', `GPU ${gi} of node ${key} is MIG-partitioned and cannot be given whole`);
        for (const [profile, count] of g.mig) {
          const max = layout[profile] ?? 0;
          if (count > max) bad('*', 'gpu-fit', `GPU ${gi} of node ${key} holds ${count} ${profile} slices, its layout has ${max}`);
        }
        continue;
      }
      if (pool.gpus?.migDisabled && g.mig.size > 0) bad('*', 'gpu-fit', `GPU ${gi} of node ${key} holds MIG slices, but MIG is off there`);
      if (g.whole > 0 && g.mig.size > 0) bad('*', 'gpu-fit', `GPU ${gi} of node ${key} is both whole and split into MIG slices`);
      if (g.mig.size > 1) bad('*', 'gpu-fit', `GPU ${gi} of node ${key} mixes MIG profiles ${[...g.mig.keys()].sort().join(', ')}`);
      for (const [profile, count] of g.mig) {
        const max = gpuModel(pool.gpus?.model ?? '')?.mig?.profiles.find((p) => p.name === profile)?.maxPerGpu ?? 0;
        if (count > max) bad('*', 'gpu-fit', `GPU ${gi} of node ${key} holds ${count} ${profile} slices, at most ${max} fit`);
      }
    }
  }

  for (const w of workloads) {
    const counts = perSite.get(w.name) ?? new Map<string, number>();
    const used = [...counts.keys()].sort();
    if (w.spread.maxPerSite !== undefined) {
      for (const s of used) if (counts.get(s)! > w.spread.maxPerSite) bad(w.name, 'spread', `${counts.get(s)} replicas at ${s}, maxPerSite ${w.spread.maxPerSite}`);
    }
    if (w.spread.minSites !== undefined && used.length > 0 && used.length < w.spread.minSites) bad(w.name, 'spread', `runs at ${used.length} site(s), minSites ${w.spread.minSites}`);
    const clusters = [...(perCluster.get(w.name) ?? [])].sort();
    if (w.spread.maxClusters !== undefined && clusters.length > w.spread.maxClusters) bad(w.name, 'spread', `runs in ${clusters.length} clusters (${clusters.join(', ')}), maxClusters ${w.spread.maxClusters}`);
    if (w.spread.maxSites !== undefined && used.length > w.spread.maxSites) bad(w.name, 'spread', `runs at ${used.length} sites (${used.join(', ')}), maxSites ${w.spread.maxSites}`);
    for (const a of w.affinity) {
      const there = perSite.get(a) ?? new Map<string, number>();
      for (const s of used) if (!there.has(s)) bad(w.name, 'affinity', `runs at ${s} without ${a}`);
    }
    for (const b of w.antiAffinity) {
      const there = perSite.get(b) ?? new Map<string, number>();
      for (const s of used) if (there.has(s)) bad(w.name, 'anti-affinity', `shares ${s} with ${b}`);
    }
  }
  return out;
}

function siteRules(w: WorkloadModel, site: SiteModel, fleet: FleetModel, bad: (w: string, r: string, m: string) => void): void {
  if (w.allowedJurisdictions && !jurisdictionAllowed(site.jurisdiction, w.allowedJurisdictions)) bad(w.name, 'residency', `runs in ${site.jurisdiction} (${site.name}), allowed ${w.allowedJurisdictions.join(', ')}`);
  if (w.pinnedSite !== undefined && site.name !== w.pinnedSite) bad(w.name, 'pinning', `runs at ${site.name}, pinned to ${w.pinnedSite}`);
  if (w.latency) {
    const rtt = roundTrip(site, w.latency.to, fleet);
    if (rtt > w.latency.maxRttMs + 1e-9) bad(w.name, 'latency', `RTT from ${site.name} is ${rtt.toFixed(1)} ms, bound ${w.latency.maxRttMs} ms`);
  }
}

function gpuRules(w: WorkloadModel, pool: NodePoolModel, gpus: readonly number[], use: NodeUse, where: string, bad: (w: string, r: string, m: string) => void): void {
  const need = w.gpu;
  if (!need) {
    if (gpus.length > 0) bad(w.name, 'gpu-fit', `takes GPUs on ${where} without asking for any`);
    return;
  }
  const has = pool.gpus;
  if (!has) return bad(w.name, 'gpu-fit', `${where} has no GPUs`);
  if (need.vendor && has.vendor !== need.vendor) bad(w.name, 'gpu-fit', `${where} has ${has.vendor} GPUs, needs ${need.vendor}`);
  if (need.model && has.model !== need.model) bad(w.name, 'gpu-fit', `${where} has ${has.model}, needs ${need.model}`);
  const wantCount = need.migProfile ? 1 : need.count;
  if (gpus.length !== wantCount || new Set(gpus).size !== gpus.length) bad(w.name, 'gpu-fit', `holds GPUs [${gpus.join(', ')}] on ${where}, needs ${wantCount} distinct`);
  if (gpus.some((g) => !Number.isInteger(g) || g < 0 || g >= has.count)) bad(w.name, 'gpu-fit', `GPU index out of range on ${where} (node has ${has.count})`);
  if (need.migProfile) {
    const profile = gpuModel(has.model)?.mig?.profiles.find((p) => p.name === need.migProfile);
    if (!profile) bad(w.name, 'gpu-fit', `${has.model} on ${where} has no MIG profile ${need.migProfile}`);
    else if (need.memoryGiB !== undefined && profile.memoryGiB < need.memoryGiB) bad(w.name, 'gpu-fit', `slice ${need.migProfile} has ${profile.memoryGiB} GiB, needs ${need.memoryGiB}`);
  } else if (need.memoryGiB !== undefined && has.memoryGiB < need.memoryGiB) bad(w.name, 'gpu-fit', `${has.model} on ${where} has ${has.memoryGiB} GiB, needs ${need.memoryGiB}`);
  if (has.timeSliced !== undefined && !need.migProfile) {
    if (need.count > 1) bad(w.name, 'gpu-fit', `takes ${need.count} time slices on ${where}; a container gets one`);
    if (need.memoryGiB !== undefined) bad(w.name, 'gpu-fit', `needs ${need.memoryGiB} GiB per GPU on time-sliced GPUs at ${where}, whose memory is shared without isolation`);
  }
  for (const g of gpus) {
    let slot = use.gpus.get(g);
    if (!slot) use.gpus.set(g, (slot = { whole: 0, mig: new Map() }));
    if (need.migProfile) slot.mig.set(need.migProfile, (slot.mig.get(need.migProfile) ?? 0) + 1);
    else slot.whole += 1;
  }
}

/** RTT in ms: the measured value of either site, else 5 ms + 1 ms per 100 km of great-circle distance. */
function roundTrip(site: SiteModel, to: string | { lat: number; lon: number }, fleet: FleetModel): number {
  let target: { lat: number; lon: number };
  if (typeof to === 'string') {
    if (to === site.name) return 0;
    const other = fleet.sites.find((s) => s.name === to);
    const measured = site.rttMs[to] ?? other?.rttMs[site.name];
    if (measured !== undefined) return measured;
    if (!other) return Infinity;
    target = other.location;
  } else target = to;
  const r = Math.PI / 180;
  const a = Math.sin(((target.lat - site.location.lat) * r) / 2) ** 2 + Math.cos(site.location.lat * r) * Math.cos(target.lat * r) * Math.sin(((target.lon - site.location.lon) * r) / 2) ** 2;
  const km = 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
  return 5 + km / 100;
}
