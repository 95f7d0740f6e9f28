/**
 * The glue between the fleet's constructs and the pure hosting plan (lib/k0smotron/hosting.ts): reads the
 * hosting clusters (the fleet management cluster, regions' clusters) and the hosted control planes into
 * plain data, and turns the plan into report lines. Used by `Fleet`; not part of the public API.
 */
import type { ControlPlaneHostingSpec, TwoNodeChoice } from '../lib/model/cluster';
import { cmp } from '../lib/model/compare';
import { fmtCores, fmtGiB, planHosting, type HostCandidate, type HostedRequest, type HostingPlan } from '../lib/k0smotron/hosting';
import type { NodePortState } from '../lib/k0smotron/nodeports';
import type { Fleet } from './fleet';
import type { K0sCluster } from './k0s-cluster';

function poolsOf(c: K0sCluster): HostCandidate['pools'] {
  return c.site.nodePools.filter((p) => c.nodePools.includes(p.name)).map((p) => ({ name: p.name, count: p.count, cpu: p.cpu, memoryGiB: p.memoryGiB }));
}

/** The hosting plan of a fleet, from its constructs and the previous NodePort allocation. */
export function fleetHostingPlan(fleet: Fleet, hosting: ControlPlaneHostingSpec | undefined, previous: NodePortState | undefined): HostingPlan {
  const clusters = fleet.clusters();
  const byName = new Map(clusters.map((c) => [c.name, c] as const));
  const hosts: HostCandidate[] = [];
  const mgmt = fleet.managementClusters;
  const m = mgmt.length === 1 ? mgmt[0] : undefined;
  const mgmtSite = fleet.sites.find((s) => s.name === fleet.managementSite);
  hosts.push({
    ...(m ? { cluster: m.name } : {}),
    site: fleet.managementSite,
    geoRegion: mgmtSite?.region ?? '',
    sites: [],
    pools: m ? poolsOf(m) : [],
    ...(hosting ? { settings: hosting } : {}),
    path: 'management.controlPlaneHosting',
  });
  for (const r of fleet.regions) {
    const c = r.spec.cluster !== undefined ? byName.get(r.spec.cluster) : undefined;
    if (!c) continue; // a region by kubeconfig only hosts nothing (refused with controlPlaneHosting by the model)
    hosts.push({
      cluster: c.name,
      site: c.siteName,
      geoRegion: c.site.region,
      kcmRegion: r.name,
      sites: [...r.spec.sites],
      pools: poolsOf(c),
      ...(r.spec.controlPlaneHosting ? { settings: r.spec.controlPlaneHosting } : {}),
      path: `management.regions[${r.name}].controlPlaneHosting`,
    });
  }
  const requests: HostedRequest[] = [];
  for (const c of clusters) {
    const r = c.resolvedControlPlane;
    if (r?.mode !== 'hosted') continue;
    const given = (c.controlPlane?.spec as { managementSite?: string } | undefined)?.managementSite;
    requests.push({
      cluster: c.name,
      site: c.siteName,
      geoRegion: c.site.region,
      ...(given !== undefined ? { managementSite: given } : {}),
      sizing: r.sizing,
      service: r.serviceGiven,
      ...(r.externalAddress !== undefined ? { externalAddress: r.externalAddress } : {}),
      ingress: r.ingress !== undefined,
      path: `sites[${c.siteName}].clusters[${c.name}]`,
    });
  }
  return planHosting({ hosts, requests, managementSite: fleet.managementSite, ...(previous ? { previousNodePorts: previous } : {}) });
}

/** Lines for READINESS.md: each hosting cluster's capacity and use, and where each control plane runs. */
export function hostingReport(plan: HostingPlan): { markdown: string[]; json: unknown } {
  if (plan.assignments.size === 0) return { markdown: [], json: undefined };
  const md: string[] = ['## Hosted control planes', '', '| hosting cluster | site | control planes | requests (cpu, memory) | capacity for them | NodePorts free |', '| --- | --- | --- | --- | --- | --- |'];
  const hosts = plan.hosts.map((u) => ({
    cluster: u.host.cluster ?? 'management (outside the fleet)',
    site: u.host.site,
    ...(u.host.kcmRegion !== undefined ? { region: u.host.kcmRegion } : {}),
    controlPlanes: [...u.controlPlanes],
    requests: { cpuMillis: u.used.cpuMillis, memoryMiB: u.used.memoryMiB },
    ...(u.capacity ? { capacity: { cpuMillis: u.capacity.cpuMillis, memoryMiB: u.capacity.memoryMiB, derived: u.capacity.derived } } : {}),
    ...(u.nodePorts ? { nodePorts: { ...u.nodePorts } } : {}),
  }));
  for (const u of plan.hosts) {
    if (u.controlPlanes.length === 0 && !u.nodePorts) continue;
    const cap = u.capacity ? `${fmtCores(u.capacity.cpuMillis)}, ${fmtGiB(u.capacity.memoryMiB)}` : 'unknown (no node pools; set controlPlaneHosting.capacity)';
    md.push(`| ${u.host.cluster ?? 'management'}${u.host.kcmRegion !== undefined ? ` (region ${u.host.kcmRegion})` : ''} | ${u.host.site} | ${u.controlPlanes.length} | ${fmtCores(u.used.cpuMillis)}, ${fmtGiB(u.used.memoryMiB)} | ${cap} | ${u.nodePorts ? `${u.nodePorts.free} of ${u.nodePorts.range}` : '-'} |`);
  }
  md.push('');
  for (const u of plan.hosts) {
    if (u.host.kcmRegion === undefined || u.controlPlanes.length === 0) continue;
    md.push(`- Region ${u.host.kcmRegion}: its cluster ${u.host.cluster} runs Cluster API and k0smotron for these control planes; the Region must enable the provider cluster-api-provider-k0sproject-k0smotron (Region spec.providers, k0rdent docs: regional clusters).`);
  }
  if (plan.hosts.some((u) => u.host.kcmRegion !== undefined && u.controlPlanes.length > 0)) md.push('');
  const assignments = [...plan.assignments.values()].sort((a, b) => cmp(a.cluster, b.cluster));
  const rows = assignments.map((a) => {
    const h = plan.hosts[a.host]!.host;
    return {
      cluster: a.cluster,
      host: h.cluster ?? 'management',
      by: a.by,
      requests: { ...a.demand },
      exposure: { ...a.exposure },
    };
  });
  md.push('| control plane | runs in | chosen by | requests | exposed as |', '| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const e = r.exposure;
    md.push(`| ${r.cluster} | ${r.host} | ${r.by} | ${fmtCores(r.requests.cpuMillis)}, ${fmtGiB(r.requests.memoryMiB)} | ${e.type}${e.externalAddress !== undefined ? ` ${e.externalAddress}` : ''} api ${e.apiPort}, konnectivity ${e.konnectivityPort}${e.allocated ? ' (allocated, nodeports.json)' : ''} |`);
  }
  md.push('');
  return { markdown: md, json: { hosts, controlPlanes: rows } };
}

/** What each two-node choice survives (FLEET-OPS.md §3; k0s docs: etcd needs 3 or 5 members for HA). */
export const TWO_NODE_TRADEOFFS: Readonly<Record<TwoNodeChoice, { readonly wanOutage: string; readonly nodeLost: string; readonly databaseOutage: string }>> = {
  'hosted-control-plane': {
    wanOutage: 'pods keep running, but nothing changes and nothing heals at the site (no rescheduling, no new pods, no upgrades) until the link to the hosting cluster is back',
    nodeLost: 'survives: both machines are workers; what ran on the lost one is rescheduled on the other if it fits',
    databaseOutage: 'no database of its own: etcd runs in the hosting cluster; losing that cluster (or its storage) has the effect of a WAN outage for every site it hosts',
  },
  'controller-plus-worker': {
    wanOutage: 'survives: the control plane is at the site',
    nodeLost: 'losing the worker stops its workloads (the controller runs none unless it is controller+worker); losing the controller stops the API: pods keep running but nothing changes or heals until it is back (single etcd member: back it up)',
    databaseOutage: 'no external database: etcd runs on the one controller',
  },
  'kine-external-db': {
    wanOutage: 'survives only if the database is at the site; a database reached over the WAN stops the API like a database outage',
    nodeLost: 'survives: the other controller+worker keeps serving the API and running pods',
    databaseOutage: 'the API stops: pods keep running but nothing changes or heals until the database is back. Use an HA database (k0smotron measured 9-45 % write errors with kine on PostgreSQL/MySQL under watch churn)',
  },
};

/** The readiness note of a cluster that declares a two-node choice. */
export function twoNodeNotes(c: K0sCluster): { title: string; lines: string[] }[] {
  const choice = c.twoNode;
  if (choice === undefined) return [];
  const t = TWO_NODE_TRADEOFFS[choice];
  return [
    {
      title: `Two-node site: ${choice}`,
      lines: [`WAN outage: ${t.wanOutage}`, `one node lost: ${t.nodeLost}`, `database outage: ${t.databaseOutage}`],
    },
  ];
}
