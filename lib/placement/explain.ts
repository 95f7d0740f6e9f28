/**
 * Explanations: why replicas went where they did, why the rest could not go anywhere (a reason per
 * site), and what would make them fit.
 */
import type { Costs } from './costs';
import { replicasPerNode, type Instance, type Item, type PoolInfo } from './instance';
import { FILTERS } from './plugins';
import { freeSlices, type FleetState } from './state';
import type { SiteReason } from './types';

const ADMIT = FILTERS.filter((f) => f.admit);
const SITE_LEVEL = FILTERS.filter((f) => f.site);

/** One line per site used: replicas there and the score terms that chose it. */
export function whyThere(inst: Instance, costs: Costs, state: FleetState, item: Item): string[] {
  const sites = [...state.sitesOf(item.w.name).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  if (sites.length === 0) return [];
  const eligibleSites = [...new Set(item.pools.map((p) => inst.pools[p]!.site.name))];
  const minCost = new Map<string, number>();
  for (const p of item.pools) {
    const s = inst.pools[p]!.site.name;
    minCost.set(s, Math.min(minCost.get(s) ?? Infinity, costs.cost(item, p)));
  }
  const cheapest = Math.min(...minCost.values());
  return sites.map(([site, n]) => {
    const parts: string[] = [`${site}: ${n} replica${n === 1 ? '' : 's'}`];
    const prev = item.previous.get(site) ?? 0;
    if (item.previous.size > 0 && prev < n) parts.push(`${n - prev} new here (previous placement: ${prev})`);
    const pool = inst.pools[state.replicasOf(item.w.name).find((p) => inst.pools[p.pool]!.site.name === site)!.pool]!;
    parts.push(costs.costTerm.describe(item.w, pool, inst.ctx));
    if (eligibleSites.length === 1) parts.push('the only eligible site');
    else if ((minCost.get(site) ?? Infinity) <= cheapest + 1e-9) parts.push(`lowest ${costs.costTerm.name} of ${eligibleSites.length} eligible sites`);
    else parts.push(`cheaper eligible sites were full or ruled out (${eligibleSites.length} eligible)`);
    return parts.join('; ');
  });
}

/** For an item with unplaced replicas: why each site of the fleet does not take one more. */
export function reasonsPerSite(inst: Instance, state: FleetState, item: Item): SiteReason[] {
  const out: SiteReason[] = [];
  const statics = new Map(item.staticReasons.map((r) => [r.site, r] as const));
  const poolsAt = new Map<string, PoolInfo[]>();
  for (const p of item.pools) {
    const pool = inst.pools[p]!;
    poolsAt.set(pool.site.name, [...(poolsAt.get(pool.site.name) ?? []), pool]);
  }
  for (const site of inst.fleet.sites) {
    const stat = statics.get(site.name);
    if (stat) {
      out.push(stat);
      continue;
    }
    const admit = ADMIT.map((f) => ({ plugin: f.name, reason: f.admit!(item.w, site.name, state, inst.ctx) })).find((r) => r.reason !== undefined);
    if (admit) {
      out.push({ site: site.name, plugin: admit.plugin, reason: admit.reason! });
      continue;
    }
    const pools = poolsAt.get(site.name) ?? [];
    const fits = pools.some((p) => state.bestNode(item.w, p.index) !== undefined);
    if (fits) {
      const rule = item.w.gang
        ? `room for more replicas here, but the gang needs all ${item.w.replicas} at once and the fleet cannot hold them together`
        : item.w.spread.minSites
          ? `room here, but fewer than ${item.w.spread.minSites} sites (minSites) can take a replica at the same time`
          : `room here, but placing it would displace higher-value work or break another workload's rule`;
      out.push({ site: site.name, plugin: item.w.gang ? 'gang' : 'spread', reason: rule });
      continue;
    }
    out.push({ site: site.name, plugin: 'capacity', reason: capacityReason(state, item, pools) });
  }
  return out;
}

/** Why no node of these pools takes one more replica now. */
function capacityReason(state: FleetState, item: Item, pools: readonly PoolInfo[]): string {
  const w = item.w;
  let bestGpu = 0;
  let bestCpu = 0;
  let bestMem = 0;
  let migRoom = false;
  for (const p of pools) {
    for (const node of state.nodes[p.index]!) {
      bestGpu = Math.max(bestGpu, state.freeGpus(node));
      bestCpu = Math.max(bestCpu, node.cpuFree);
      bestMem = Math.max(bestMem, node.memFree);
      if (w.gpu?.migProfile && freeSlices(node, w.gpu.migProfile) > 0) migRoom = true;
    }
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  if (w.gpu?.migProfile && !migRoom && pools.every((p) => p.fixedMig)) return `every ${w.gpu.migProfile} slice of the fixed MIG layout is taken`;
  if (w.gpu?.migProfile && !migRoom && bestGpu === 0) return `no free ${w.gpu.migProfile} slice and no free GPU to split`;
  if (w.gpu && !w.gpu.migProfile && bestGpu < w.gpu.count) return `needs ${w.gpu.count} GPU${w.gpu.count === 1 ? '' : 's'} on one node, largest free block is ${bestGpu}`;
  if (bestCpu < w.cpu) return `needs ${w.cpu} CPU on one node, most free is ${r(bestCpu)}`;
  if (bestMem < w.memoryGiB) return `needs ${w.memoryGiB} GiB memory on one node, most free is ${r(bestMem)} GiB`;
  return 'no node has room for GPUs, CPU and memory together';
}

/** What would make `unplaced` more replicas fit: nodes to add to an eligible pool, or a pool/site to add. */
export function suggestions(inst: Instance, item: Item, unplaced: number, reasons: readonly SiteReason[]): string[] {
  if (unplaced <= 0) return [];
  const w = item.w;
  const need = item.w.gang ? item.w.replicas : unplaced;
  const out: { nodes: number; text: string }[] = [];
  const short = new Set(reasons.filter((r) => r.plugin === 'capacity' || r.plugin === 'gang').map((r) => r.site));
  const blocked = reasons.filter((r) => item.pools.some((p) => inst.pools[p]!.site.name === r.site) && !short.has(r.site));
  for (const pi of item.pools) {
    if (!short.has(inst.pools[pi]!.site.name)) continue;
    const pool = inst.pools[pi]!;
    const per = Math.min(replicasPerNode(item.w, pool), item.w.spread.maxPerSite ?? Infinity);
    if (per <= 0) continue;
    const nodes = Math.ceil(need / per);
    const what = pool.gpus ? `${pool.gpus.count} x ${pool.gpus.model}` : `${pool.cpu} CPU, ${pool.memoryGiB} GiB`;
    out.push({ nodes, text: `add ${nodes} node${nodes === 1 ? '' : 's'} to ${pool.site.name}/${pool.name} (${what} each) for ${need} more replica${need === 1 ? '' : 's'}${w.gpu && !w.gpu.migProfile ? ` (${need * w.gpu.count} GPU${need * w.gpu.count === 1 ? '' : 's'})` : ''}` });
  }
  out.sort((a, b) => a.nodes - b.nodes || (a.text < b.text ? -1 : 1));
  const lines = out.slice(0, 3).map((o) => o.text);
  if (lines.length > 0) return lines;
  if (blocked.length > 0) return [`capacity is not the limit: ${blocked.map((r) => `${r.site} (${r.plugin})`).join(', ')} rule the rest out; relax those rules`];
  // No pool qualifies: name the sites that pass the site-level rules, and what a pool there needs.
  const sites = inst.fleet.sites.filter((s) => SITE_LEVEL.every((f) => f.site!(w, s, inst.ctx) === undefined)).map((s) => s.name);
  const gpu = w.gpu
    ? w.gpu.migProfile
      ? `a MIG-capable ${w.gpu.model ?? 'NVIDIA'} GPU offering ${w.gpu.migProfile}`
      : `${w.gpu.count} x ${w.gpu.model ?? (w.gpu.vendor ? `${w.gpu.vendor.toUpperCase()} GPU` : 'GPU')}${w.gpu.memoryGiB ? ` (>= ${w.gpu.memoryGiB} GiB each)` : ''} per node`
    : `${w.cpu} CPU and ${w.memoryGiB} GiB per node`;
  if (sites.length > 0) return [`add a node pool with ${gpu} at ${sites.length === 1 ? sites[0] : `one of ${sites.join(', ')}`} (${need} replica${need === 1 ? '' : 's'})`];
  const rules = [w.allowedJurisdictions ? `in ${w.allowedJurisdictions.join('/')}` : '', w.latency ? `within ${w.latency.maxRttMs} ms of ${typeof w.latency.to === 'string' ? w.latency.to : `(${w.latency.to.lat}, ${w.latency.to.lon})`}` : '', w.pinnedSite ? `(pinned to ${w.pinnedSite})` : '']
    .filter((x) => x)
    .join(' ');
  return [`no site passes the workload's site rules; add a site ${rules} with ${gpu}, or relax the rules`];
}
