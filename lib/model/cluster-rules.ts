/**
 * Fleet-wide rules about clusters: each cluster's own rules with its site's facts, the IP plan,
 * management sites of hosted control planes, credentials and regions. Runs on a parsed fleet.
 */
import type { z } from 'zod';
import type { ValidationIssue } from './errors';
import { containsAddress, parseCidr, parseIpv4, type Cidr } from '../net/cidr';
import { clusterIssues, dups, inlineSecretIssues, isCilium } from './cluster';
import { DEFAULT_NODE_MASK_SIZE, planAddresses, type IpPlan, type IpPlanState, type PlanCluster } from './ip-plan';
import { didYouMean } from './suggest';
import type { fleetSchema } from './fleet';

type ParsedFleet = z.output<typeof fleetSchema>;
type ParsedSite = ParsedFleet['sites'][number];
type ParsedCluster = NonNullable<ParsedSite['clusters']>[number];

/** Every cluster entry of a parsed fleet with its site; a site without `clusters` has one named after it. */
export function clusterEntries(f: ParsedFleet): { site: ParsedSite; cluster: ParsedCluster; path: string }[] {
  return f.sites.flatMap((s) =>
    (s.clusters ?? [{ name: s.name }]).map((c) => ({ site: s, cluster: c as ParsedCluster, path: `sites[${s.name}].clusters[${c.name}]` })),
  );
}

/**
 * The per-node pod range of a cluster with these add-ons: Cilium's cluster-pool mask size when its values
 * set one, else /24 (Cilium's default, and kube-controller-manager's `--node-cidr-mask-size` for IPv4).
 */
export function nodeMaskSize(addons: readonly { chart: { name: string }; values?: Readonly<Record<string, unknown>> }[] | undefined): number {
  for (const a of addons ?? []) {
    if (!isCilium(a)) continue;
    const m = (a.values as { ipam?: { operator?: { clusterPoolIPv4MaskSize?: unknown } } } | undefined)?.ipam?.operator?.clusterPoolIPv4MaskSize;
    if (typeof m === 'number' && Number.isInteger(m) && m > 0 && m <= 32) return m;
  }
  return DEFAULT_NODE_MASK_SIZE;
}

/** The nodes of a cluster that take a per-node pod range (its node pools), and how that count is made. */
export function clusterNodes(pools: readonly { name: string; count: number }[]): { nodes: number; nodesFrom: string } {
  return { nodes: pools.reduce((n, p) => n + p.count, 0), nodesFrom: `node pools ${pools.map((p) => `${p.name}: ${p.count}`).join(', ') || 'none'}` };
}

/** The IP plan of a parsed fleet, with the saved state of earlier synths (`ip-plan.json`) when given. */
export function fleetIpPlan(f: ParsedFleet, saved?: IpPlanState): { plan: IpPlan; issues: ValidationIssue[]; state: IpPlanState } {
  const clusters: PlanCluster[] = clusterEntries(f).map(({ site, cluster, path }) => ({
    name: cluster.name,
    path: `${path}.network`,
    ...(cluster.network?.podCIDR !== undefined ? { podCIDR: cluster.network.podCIDR } : {}),
    ...(cluster.network?.serviceCIDR !== undefined ? { serviceCIDR: cluster.network.serviceCIDR } : {}),
    ...(cluster.network?.slot !== undefined ? { slot: cluster.network.slot } : {}),
    ...clusterNodes(site.nodePools.filter((p) => !cluster.nodePools || cluster.nodePools.includes(p.name))),
    nodeMaskSize: nodeMaskSize(cluster.addons),
  }));
  return planAddresses(clusters, f.network ?? {}, 'network', saved);
}

/** Sites that run a management cluster: the fleet's, and each region's cluster site. */
export function managementSites(f: ParsedFleet): string[] {
  const out = new Set<string>([f.management.site]);
  const entries = clusterEntries(f);
  for (const r of f.management.regions ?? []) {
    const e = entries.find((x) => x.cluster.name === r.cluster);
    if (e) out.add(e.site.name);
  }
  return [...out].sort();
}

/** `planned`: the fleet's IP plan when the caller has computed it already (it is the costliest rule at thousands of clusters). */
export function fleetClusterIssues(f: ParsedFleet, saved?: IpPlanState, planned?: { plan: IpPlan; issues: ValidationIssue[] }): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const credentials = (f.management.credentials ?? []).map((c) => c.name);
  const regions = f.management.regions ?? [];
  const siteNames = f.sites.map((s) => s.name);
  const entries = clusterEntries(f);
  const clusterNames = entries.map((e) => e.cluster.name);

  for (const d of dups(credentials)) issues.push({ path: `management.credentials[${d}]`, message: `credential name '${d}' is used more than once` });
  for (const d of dups(regions.map((r) => r.name))) issues.push({ path: `management.regions[${d}]`, message: `region name '${d}' is used more than once` });
  const regionOfSite = new Map<string, string>();
  for (const r of regions) {
    const rp = `management.regions[${r.name}]`;
    if ((r.cluster === undefined) === (r.kubeconfigSecret === undefined)) {
      issues.push({ path: rp, message: 'a region names exactly one of cluster (a k0rdent-managed cluster of this fleet) or kubeconfigSecret' });
    }
    if (r.controlPlaneHosting !== undefined && r.cluster === undefined) {
      issues.push({ path: `${rp}.controlPlaneHosting`, message: 'only a region whose cluster is in this fleet (cluster) hosts control planes: the fleet needs its node pools and folder; name the cluster, or drop controlPlaneHosting' });
    }
    if (r.cluster !== undefined) {
      const e = entries.find((x) => x.cluster.name === r.cluster);
      if (!e) issues.push({ path: `${rp}.cluster`, message: `no cluster named '${r.cluster}'${didYouMean(r.cluster, clusterNames)}` });
      else if (e.cluster.controlPlane?.mode !== 'k0rdent') issues.push({ path: `${rp}.cluster`, message: `cluster '${r.cluster}' must be managed by k0rdent (controlPlane.mode: k0rdent) to serve as a region` });
    }
    for (const s of r.sites) {
      if (!siteNames.includes(s)) issues.push({ path: `${rp}.sites`, message: `no site named '${s}'${didYouMean(s, siteNames)}` });
      else if (s === f.management.site) issues.push({ path: `${rp}.sites`, message: `site '${s}' hosts the fleet management cluster; it cannot be managed from a region` });
      else if (regionOfSite.has(s)) issues.push({ path: `${rp}.sites`, message: `site '${s}' is already in region '${regionOfSite.get(s)}'` });
      else regionOfSite.set(s, r.name);
    }
  }
  const services = f.management.multiClusterServices ?? [];
  for (const d of dups(services.map((m) => m.name))) issues.push({ path: `management.multiClusterServices[${d}]`, message: `name '${d}' is used more than once` });
  for (const m of services) issues.push(...inlineSecretIssues(m.addon.values ?? {}, `management.multiClusterServices[${m.name}].addon.values`, m.addon.notSecret, `management.multiClusterServices[${m.name}].addon.notSecret`));
  for (const c of f.management.credentials ?? []) {
    if (c.region !== undefined && !regions.some((r) => r.name === c.region)) {
      issues.push({ path: `management.credentials[${c.name}].region`, message: `no region named '${c.region}'${didYouMean(c.region, regions.map((r) => r.name))} in management.regions` });
    }
  }

  const mgmtSites = managementSites(f);
  for (const { site, cluster, path } of entries) {
    const pools = site.nodePools.filter((p) => !cluster.nodePools || cluster.nodePools.includes(p.name)).map((p) => ({ name: p.name, count: p.count }));
    issues.push(...clusterIssues(cluster, { site: site.name, infrastructure: site.infrastructure, airgapped: (site.airgapped ?? false) || site.airgap !== undefined, ...(site.airgap !== undefined ? { siteAirgap: site.airgap } : {}), pools, credentials }, path));
    const cp = cluster.controlPlane;
    if (cp?.mode === 'hosted') {
      const ms = cp.managementSite ?? f.management.site;
      if (!mgmtSites.includes(ms)) {
        issues.push({
          path: `${path}.controlPlane.managementSite`,
          message: `a hosted control plane runs in a management cluster, and site '${ms}' has none${siteNames.includes(ms) ? '' : ` (no such site${didYouMean(ms, siteNames)})`}; management sites: ${mgmtSites.join(', ')}`,
        });
      }
    }
    if (cp?.mode === 'k0rdent') {
      const region = regionOfSite.get(site.name);
      const cred = (f.management.credentials ?? []).find((c) => c.name === cp.credential);
      if (cred && region !== undefined && cred.region !== region) {
        issues.push({ path: `${path}.controlPlane.credential`, message: `site ${site.name} is managed from region '${region}', so its credential must be pinned there: set region: ${region} on credential '${cred.name}' (got ${cred.region ?? 'none'})` });
      }
      if (cred && region === undefined && cred.region !== undefined) {
        issues.push({ path: `${path}.controlPlane.credential`, message: `credential '${cred.name}' is pinned to region '${cred.region}', but site ${site.name} is managed from the fleet management cluster` });
      }
    }
  }

  // The IP plan, and node addresses that fall inside a cluster's pod or service range.
  const { plan, issues: planIssues } = planned ?? fleetIpPlan(f, saved);
  issues.push(...planIssues);
  // Sorted by start address, looked up by binary search (no pass over every range per node: fleets have thousands).
  const ranges = [...plan.clusters.entries()]
    .flatMap(([name, a]) => [
      { name, what: 'pod', cidr: parseCidr(a.podCIDR) },
      { name, what: 'service', cidr: parseCidr(a.serviceCIDR) },
    ])
    .filter((r): r is { name: string; what: string; cidr: Cidr } => typeof r.cidr !== 'string')
    .sort((a, b) => a.cidr.base - b.cidr.base);
  const rangesAt = (ip: number) => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]!.cidr.base <= ip) lo = mid + 1;
      else hi = mid - 1;
    }
    // ranges[hi] starts at or below ip; overlapping ranges (reported by the plan) sit just before it.
    const out = [];
    for (let i = hi; i >= 0 && i > hi - 4; i--) if (containsAddress(ranges[i]!.cidr, ip)) out.push(ranges[i]!);
    return out.reverse();
  };
  for (const { cluster, path } of entries) {
    const cp = cluster.controlPlane;
    const hosts = cp?.mode === 'standalone' ? cp.hosts.map((h, i) => ({ h, p: `${path}.controlPlane.hosts[${i}]` })) : cp?.mode === 'hosted' ? cp.workers.map((h, i) => ({ h, p: `${path}.controlPlane.workers[${i}]` })) : [];
    for (const { h, p } of hosts) {
      const ip = parseIpv4(h.privateAddress ?? h.address);
      if (ip === undefined) continue;
      for (const r of rangesAt(ip)) {
        issues.push({ path: `${p}.privateAddress`, message: `node address ${h.privateAddress ?? h.address} is inside the ${r.what} CIDR of cluster '${r.name}'; node, pod and service networks must not overlap. Move the plan (network.podPool/servicePool) or that cluster's CIDR` });
      }
    }
  }
  return issues;
}
