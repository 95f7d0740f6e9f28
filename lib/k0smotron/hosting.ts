/**
 * Where hosted control planes run, and whether they fit: the fleet management cluster and the clusters
 * of kcm Regions host k0smotron control planes; each has a capacity (its node pools minus a reserve, or
 * what the user gives), each hosted control plane goes to one of them, and a cluster whose control planes
 * ask for more than it has fails synth with what is needed, what is there and how to fix it.
 *
 * Assignment is deterministic and depends only on the control plane's own site and the hosts, never on
 * other sites, so adding or removing a site never moves another site's control plane (moving one means
 * migrating its etcd):
 * 1. `managementSite` given: the hosting cluster at that site;
 * 2. the site is listed in a Region (`management.regions[].sites`) whose cluster hosts: that cluster;
 * 3. a Region's cluster at a site of the same geographic `region` as the site: that cluster (the first
 *    by name when several);
 * 4. the fleet management cluster.
 * A host that is full is an error, never a silent spill to another host.
 *
 * Pure: plain data in, plain data out. Facts: FLEET-OPS.md §3 (k0smotron benchmark), STACK.md §3.
 */
import type { ValidationIssue } from '../model/errors';
import { cmp } from '../model/compare';
import { sizingDemand, type ControlPlaneSizing } from './sizing';
import { allocateNodePorts, DEFAULT_NODEPORT_RANGE, K0SMOTRON_DEFAULT_PORTS, type NodePortState } from './nodeports';

/** A cluster that can host control planes, as plain data. */
export interface HostCandidate {
  /** Cluster name; undefined when the management cluster is not a cluster of this fleet. */
  readonly cluster?: string;
  readonly site: string;
  /** Geographic region of its site. */
  readonly geoRegion: string;
  /** The kcm Region it serves; undefined for the fleet management cluster. */
  readonly kcmRegion?: string;
  /** Sites the Region manages (`management.regions[].sites`). */
  readonly sites: readonly string[];
  /** Its node pools (for the derived capacity). */
  readonly pools: readonly { readonly name: string; readonly count: number; readonly cpu: number; readonly memoryGiB: number }[];
  readonly settings?: {
    readonly capacity?: { readonly cpu: number; readonly memoryGiB: number } | undefined;
    readonly reserve?: { readonly cpu: number; readonly memoryGiB: number } | undefined;
    readonly nodePortAddress?: string | undefined;
    readonly nodePortRange?: { readonly from: number; readonly to: number } | undefined;
    readonly reservedNodePorts?: readonly (number | { readonly from: number; readonly to: number })[] | undefined;
  } | undefined;
  /** Where its settings live, for errors: `management.controlPlaneHosting`, `management.regions[eu].controlPlaneHosting`. */
  readonly path: string;
}

type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** A hosted control plane, as plain data. */
export interface HostedRequest {
  readonly cluster: string;
  readonly site: string;
  readonly geoRegion: string;
  readonly managementSite?: string;
  readonly sizing: ControlPlaneSizing;
  readonly service: { readonly type?: ServiceType; readonly apiPort?: number; readonly konnectivityPort?: number };
  readonly externalAddress?: string;
  readonly ingress: boolean;
  /** Where it is declared (`sites[s].clusters[c]`), for errors. */
  readonly path: string;
}

/** How a hosted control plane is reached, after the plan. */
export interface Exposure {
  readonly type: ServiceType;
  readonly apiPort: number;
  readonly konnectivityPort: number;
  readonly externalAddress?: string;
  /** Ports from the NodePort allocation (nodeports.json). */
  readonly allocated: boolean;
}

export type AssignedBy = 'managementSite' | 'region' | 'geographic region' | 'management cluster';

export interface HostedAssignment {
  readonly cluster: string;
  /** Index into the plan's hosts. */
  readonly host: number;
  readonly by: AssignedBy;
  readonly demand: { readonly cpuMillis: number; readonly memoryMiB: number };
  readonly exposure: Exposure;
}

export interface HostUsage {
  readonly host: HostCandidate;
  /** What control planes may request here; undefined when unknown (no pools, no capacity given). */
  readonly capacity?: { readonly cpuMillis: number; readonly memoryMiB: number; readonly derived: string };
  readonly used: { readonly cpuMillis: number; readonly memoryMiB: number };
  readonly controlPlanes: readonly string[];
  readonly nodePorts?: { readonly range: number; readonly reserved: number; readonly taken: number; readonly free: number };
}

export interface HostingPlan {
  readonly hosts: readonly HostUsage[];
  readonly assignments: ReadonlyMap<string, HostedAssignment>;
  /** The NodePort allocation to write back (undefined when nothing was ever allocated). */
  readonly nodePorts?: NodePortState;
  readonly issues: ValidationIssue[];
}

/** The default reserve: 25 % of the pools, at least 2 cores and 4 GiB (system, kcm, CAPI, k0smotron, Flux, headroom). */
export function defaultReserve(cpu: number, memoryGiB: number): { cpu: number; memoryGiB: number } {
  return { cpu: Math.max(2, cpu * 0.25), memoryGiB: Math.max(4, memoryGiB * 0.25) };
}

/** What control planes may request in a host, and how that was worked out. */
export function hostCapacity(h: HostCandidate): HostUsage['capacity'] {
  const given = h.settings?.capacity;
  if (given) return { cpuMillis: Math.floor(given.cpu * 1000), memoryMiB: Math.floor(given.memoryGiB * 1024), derived: `given in ${h.path}.capacity` };
  if (h.pools.length === 0) return undefined;
  const cpu = h.pools.reduce((s, p) => s + p.count * p.cpu, 0);
  const mem = h.pools.reduce((s, p) => s + p.count * p.memoryGiB, 0);
  const r = h.settings?.reserve ?? defaultReserve(cpu, mem);
  const pools = h.pools.map((p) => `${p.name}: ${p.count} × ${p.cpu} cores, ${p.memoryGiB} GiB`).join('; ');
  return {
    cpuMillis: Math.max(0, Math.floor((cpu - r.cpu) * 1000)),
    memoryMiB: Math.max(0, Math.floor((mem - r.memoryGiB) * 1024)),
    derived: `${cpu} cores and ${fmtGiB(mem * 1024)} in its node pools (${pools}) minus a reserve of ${round(r.cpu)} cores and ${fmtGiB(r.memoryGiB * 1024)}${h.settings?.reserve ? '' : ' (the default: 25 %, at least 2 cores and 4 GiB)'}`,
  };
}

function hostName(h: HostCandidate): string {
  const what = h.kcmRegion !== undefined ? `region '${h.kcmRegion}' cluster` : 'management cluster';
  return h.cluster !== undefined ? `${what} '${h.cluster}' (site ${h.site})` : `${what} at site ${h.site} (bootstrapped outside the fleet)`;
}

/** Picks the host of one control plane (see the file comment). Returns an index into `hosts`, or an issue. */
export function chooseHost(r: HostedRequest, hosts: readonly HostCandidate[], managementSite: string): { host: number; by: AssignedBy } | { issue: ValidationIssue } {
  const idx = (pred: (h: HostCandidate) => boolean) => {
    const found = hosts.map((h, i) => ({ h, i })).filter((x) => pred(x.h));
    // The fleet management cluster first, then regions by name: ties break on stable keys.
    found.sort((a, b) => (a.h.kcmRegion === undefined ? -1 : 0) - (b.h.kcmRegion === undefined ? -1 : 0) || cmp(a.h.kcmRegion ?? '', b.h.kcmRegion ?? ''));
    return found[0]?.i;
  };
  if (r.managementSite !== undefined) {
    const i = idx((h) => h.site === r.managementSite);
    if (i === undefined) {
      const sites = [...new Set(hosts.map((h) => h.site))].sort(cmp);
      return { issue: { path: `${r.path}.controlPlane.managementSite`, message: `no cluster at site '${r.managementSite}' hosts control planes; the hosting sites are ${sites.join(', ')} (the fleet management site ${managementSite}, and the sites of regions' clusters)` } };
    }
    return { host: i, by: 'managementSite' };
  }
  const byRegion = idx((h) => h.kcmRegion !== undefined && h.sites.includes(r.site));
  if (byRegion !== undefined) return { host: byRegion, by: 'region' };
  const byGeo = idx((h) => h.kcmRegion !== undefined && h.geoRegion === r.geoRegion);
  if (byGeo !== undefined) return { host: byGeo, by: 'geographic region' };
  const mgmt = idx((h) => h.kcmRegion === undefined);
  if (mgmt === undefined) return { issue: { path: `${r.path}.controlPlane`, message: 'no cluster hosts control planes: the fleet has no management cluster entry; add the management site to the fleet' } };
  return { host: mgmt, by: 'management cluster' };
}

/** The hosting plan: assignments, capacity use, exposure and NodePorts, with every problem. */
export function planHosting(input: {
  readonly hosts: readonly HostCandidate[];
  readonly requests: readonly HostedRequest[];
  readonly managementSite: string;
  readonly previousNodePorts?: NodePortState;
}): HostingPlan {
  const issues: ValidationIssue[] = [];
  const hosts = input.hosts;
  const chosen = new Map<string, { host: number; by: AssignedBy; r: HostedRequest }>();
  const requests = [...input.requests].sort((a, b) => cmp(a.cluster, b.cluster));
  for (const r of requests) {
    const c = chooseHost(r, hosts, input.managementSite);
    if ('issue' in c) issues.push(c.issue);
    else chosen.set(r.cluster, { ...c, r });
  }

  // Exposure: NodePort where the host shares an address (or the user says so), else LoadBalancer.
  const hostKey = (h: HostCandidate) => h.cluster ?? `management@${h.site}`;
  const nodePortRequests: { cluster: string; host: string; apiPort?: number; konnectivityPort?: number; path: string }[] = [];
  const exposureType = new Map<string, ServiceType>();
  for (const [name, c] of chosen) {
    const h = hosts[c.host]!;
    const type: ServiceType = c.r.service.type ?? (h.settings?.nodePortAddress !== undefined ? 'NodePort' : 'LoadBalancer');
    exposureType.set(name, type);
    if (type !== 'NodePort') continue;
    if (c.r.externalAddress === undefined && h.settings?.nodePortAddress === undefined) {
      issues.push({
        path: `${c.r.path}.controlPlane.externalAddress`,
        message: `a NodePort control plane needs an address that workers at ${c.r.site} reach (join tokens would point at a pod IP: k0smotron#84), and its ${hostName(h)} has no shared one. Set nodePortAddress (a node address or a VIP of that cluster) in ${h.path}, set externalAddress, set ingress, or use service type LoadBalancer`,
      });
    }
    nodePortRequests.push({
      cluster: name,
      host: hostKey(h),
      ...(c.r.service.apiPort !== undefined ? { apiPort: c.r.service.apiPort } : {}),
      ...(c.r.service.konnectivityPort !== undefined ? { konnectivityPort: c.r.service.konnectivityPort } : {}),
      path: c.r.path + '.controlPlane',
    });
  }
  const npHosts = hosts.map((h) => ({
    name: hostKey(h),
    range: h.settings?.nodePortRange ?? DEFAULT_NODEPORT_RANGE,
    reserved: h.settings?.reservedNodePorts ?? [],
    path: h.path,
  }));
  const np = allocateNodePorts(npHosts, nodePortRequests, input.previousNodePorts);
  issues.push(...np.issues);

  const assignments = new Map<string, HostedAssignment>();
  for (const [name, c] of chosen) {
    const h = hosts[c.host]!;
    const type = exposureType.get(name)!;
    const ports = np.ports.get(name);
    const allocated = type === 'NodePort' && ports !== undefined && (c.r.service.apiPort === undefined || c.r.service.konnectivityPort === undefined);
    const externalAddress = c.r.externalAddress ?? (type === 'NodePort' ? h.settings?.nodePortAddress : undefined);
    assignments.set(name, {
      cluster: name,
      host: c.host,
      by: c.by,
      demand: sizingDemand(c.r.sizing),
      exposure: {
        type,
        apiPort: (type === 'NodePort' ? ports?.apiPort : undefined) ?? c.r.service.apiPort ?? K0SMOTRON_DEFAULT_PORTS.apiPort,
        konnectivityPort: (type === 'NodePort' ? ports?.konnectivityPort : undefined) ?? c.r.service.konnectivityPort ?? K0SMOTRON_DEFAULT_PORTS.konnectivityPort,
        ...(externalAddress !== undefined ? { externalAddress } : {}),
        allocated,
      },
    });
  }

  // Capacity.
  const usage: HostUsage[] = hosts.map((h, i) => {
    const mine = [...assignments.values()].filter((a) => a.host === i).sort((a, b) => cmp(a.cluster, b.cluster));
    const used = mine.reduce((s, a) => ({ cpuMillis: s.cpuMillis + a.demand.cpuMillis, memoryMiB: s.memoryMiB + a.demand.memoryMiB }), { cpuMillis: 0, memoryMiB: 0 });
    const capacity = hostCapacity(h);
    const ports = np.usage.get(hostKey(h));
    return { host: h, ...(capacity ? { capacity } : {}), used, controlPlanes: mine.map((a) => a.cluster), ...(ports && (ports.taken > 0 || h.settings?.nodePortAddress !== undefined) ? { nodePorts: ports } : {}) };
  });
  for (const u of usage) {
    if (!u.capacity || u.controlPlanes.length === 0) continue;
    if (u.used.cpuMillis <= u.capacity.cpuMillis && u.used.memoryMiB <= u.capacity.memoryMiB) continue;
    issues.push({ path: u.host.path, message: capacityMessage(u, [...assignments.values()].filter((a) => hosts[a.host] === u.host), chosen, hosts) });
  }
  const keep = np.state.entries.length > 0 || (input.previousNodePorts?.entries.length ?? 0) > 0;
  return { hosts: usage, assignments, ...(keep ? { nodePorts: np.state } : {}), issues };
}

function capacityMessage(u: HostUsage, mine: readonly HostedAssignment[], chosen: ReadonlyMap<string, { r: HostedRequest }>, hosts: readonly HostCandidate[]): string {
  const cap = u.capacity!;
  const sizes = new Map<string, number>();
  for (const a of mine) {
    const s = chosen.get(a.cluster)!.r.sizing;
    const k = `${s.size}${s.replicas > 1 ? ` × ${s.replicas} replicas` : ''}`;
    sizes.set(k, (sizes.get(k) ?? 0) + 1);
  }
  const mix = [...sizes].sort(([a], [b]) => cmp(a, b)).map(([k, n]) => `${n} ${k}`).join(', ');
  const over = [u.used.cpuMillis > cap.cpuMillis ? 'cpu' : undefined, u.used.memoryMiB > cap.memoryMiB ? 'memory' : undefined].filter(Boolean).join(' and ');
  const regions = hosts.filter((h) => h.kcmRegion !== undefined).length;
  const siteRegions = [...new Set(mine.map((a) => chosen.get(a.cluster)!.r.geoRegion))].sort(cmp);
  const fixes = [
    u.host.pools.length > 0 ? `add nodes to its node pools (${u.host.pools.map((p) => p.name).join(', ')})` : `give it more (${u.host.path}.capacity)`,
    `add a Region (management.regions with a cluster of this fleet${regions === 0 ? '; there is none yet' : ''}) for some of these sites: regions of the sites here are ${siteRegions.join(', ')}`,
    'choose a smaller size for some control planes (controlPlane.size, or resources)',
    `or, if the nodes can give more than the default reserve leaves, set ${u.host.path}.reserve or .capacity`,
  ];
  return `${hostName(u.host)} cannot host the ${mine.length} control plane${mine.length === 1 ? '' : 's'} assigned to it (${mix}): they request ${fmtCores(u.used.cpuMillis)} and ${fmtGiB(u.used.memoryMiB)}, and it has ${fmtCores(cap.cpuMillis)} and ${fmtGiB(cap.memoryMiB)} for them (${cap.derived}); ${over} short. Fix: ${fixes.join('; ')}`;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
export function fmtCores(milli: number): string {
  return `${round(milli / 1000)} cores`;
}
export function fmtGiB(mib: number): string {
  return `${round(mib / 1024)} GiB`;
}
