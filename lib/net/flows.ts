/**
 * Network flows as plain data: who talks to whom, on which ports, declared once with both ends. Workload
 * constructs declare the flows they need; the mesh turns them into policies at both ends and the readiness
 * report lists them. Pure: data in, data and issues out.
 */
import type { ValidationIssue } from '../model/errors';
import { parseCidr } from './cidr';

export type FlowProtocol = 'TCP' | 'UDP' | 'SCTP';

/** A port, a port range (`endPort`), on one protocol. */
export interface FlowPort {
  readonly port: number;
  /** Last port of a range. @default - a single port */
  readonly endPort?: number;
  readonly protocol: FlowProtocol;
}

/** The cluster an end is in: a named cluster, or wherever the placement solver puts a workload. */
export type FlowCluster = { readonly site: string; readonly cluster: string } | { readonly placedWith: string };

/** One end of a flow. */
export type FlowEndpoint =
  /** Pods of a namespace selected by labels (`{}`: every pod of the namespace). */
  | { readonly kind: 'pods'; readonly at: FlowCluster; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
  /** The cluster DNS (kube-dns in kube-system). */
  | { readonly kind: 'dns'; readonly at: FlowCluster }
  /** The cluster's Kubernetes API server. */
  | { readonly kind: 'api-server'; readonly at: FlowCluster }
  /** Addresses outside every cluster (`[]`: any). */
  | { readonly kind: 'world'; readonly cidrs: readonly string[] };

/** A declared flow. */
export interface FlowSpec {
  /** DNS label, unique in the fleet; policies are named after it. */
  readonly name: string;
  readonly from: FlowEndpoint;
  readonly to: FlowEndpoint;
  /** Destination ports; `[]` means every port. */
  readonly ports: readonly FlowPort[];
  /** Why the flow exists, in words. */
  readonly description: string;
  /** Construct path of whoever declared it. */
  readonly declaredBy: string;
}

/** An end whose cluster is known. */
export type ResolvedEndpoint =
  | { readonly kind: 'pods'; readonly site: string; readonly cluster: string; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
  | { readonly kind: 'dns'; readonly site: string; readonly cluster: string }
  | { readonly kind: 'api-server'; readonly site: string; readonly cluster: string }
  | { readonly kind: 'world'; readonly cidrs: readonly string[] };

/** A flow with both clusters known (a placed workload's flow, once per cluster the solver chose). */
export interface ResolvedFlow {
  readonly name: string;
  readonly from: ResolvedEndpoint;
  readonly to: ResolvedEndpoint;
  readonly ports: readonly FlowPort[];
  readonly description: string;
  readonly declaredBy: string;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort(cmp).map((k) => [k, r[k]!]));
}

function normalEndpoint(e: FlowEndpoint): FlowEndpoint {
  switch (e.kind) {
    case 'pods':
      return { kind: 'pods', at: { ...e.at }, namespace: e.namespace, podLabels: sortedRecord(e.podLabels) };
    case 'world':
      return { kind: 'world', cidrs: [...new Set(e.cidrs)].sort(cmp) };
    default:
      return { kind: e.kind, at: { ...e.at } };
  }
}

function portKey(p: FlowPort): string {
  return `${p.protocol}/${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}`;
}

/** Ports sorted and without repeats. */
export function normalPorts(ports: readonly FlowPort[]): FlowPort[] {
  const seen = new Map<string, FlowPort>();
  for (const p of ports) seen.set(portKey(p), { port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol });
  return [...seen.values()].sort((a, b) => cmp(a.protocol, b.protocol) || a.port - b.port || (a.endPort ?? a.port) - (b.endPort ?? b.port));
}

/** The flow with sorted labels, CIDRs and ports: what two declarations of the same flow agree on. */
export function normalFlow(f: FlowSpec): FlowSpec {
  return { name: f.name, from: normalEndpoint(f.from), to: normalEndpoint(f.to), ports: normalPorts(f.ports), description: f.description, declaredBy: f.declaredBy };
}

/** What makes two flows the same flow: both ends and the ports (not the name, the words or who declared it). */
export function flowKey(f: FlowSpec): string {
  const n = normalFlow(f);
  return JSON.stringify([n.from, n.to, n.ports]);
}

/** Plain words for an end, for messages and reports: `quebec/fl {app=x}`, `DNS of quebec`, `world`. */
export function describeEndpoint(e: FlowEndpoint | ResolvedEndpoint): string {
  const where = (x: FlowEndpoint | ResolvedEndpoint) =>
    'at' in x ? ('placedWith' in x.at ? `the cluster(s) of placed workload '${x.at.placedWith}'` : x.at.cluster) : 'cluster' in x ? x.cluster : '';
  switch (e.kind) {
    case 'pods': {
      const labels = Object.keys(e.podLabels).sort(cmp).map((k) => `${k}=${e.podLabels[k]}`);
      return `${where(e)}/${e.namespace} ${labels.length ? `{${labels.join(', ')}}` : '(every pod)'}`;
    }
    case 'dns':
      return `DNS of ${where(e)}`;
    case 'api-server':
      return `API server of ${where(e)}`;
    case 'world':
      return e.cidrs.length ? `outside addresses ${e.cidrs.join(', ')}` : 'any outside address';
  }
}

/** `TCP 9092`, `UDP 53`, `TCP 8000-8100`, `every port`. */
export function describePorts(ports: readonly FlowPort[]): string {
  if (ports.length === 0) return 'every port';
  return normalPorts(ports).map((p) => `${p.protocol} ${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}`).join(', ');
}

/**
 * Checks declared flows: names (DNS labels, one meaning each), ends (a flow starts at pods or outside
 * addresses), ports and CIDRs, placed workloads that exist. `workloads` are the names the solver places.
 */
export function checkFlows(flows: readonly FlowSpec[], workloads: readonly string[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const byName = new Map<string, FlowSpec[]>();
  for (const f of flows) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  for (const [name, list] of [...byName.entries()].sort(([a], [b]) => cmp(a, b))) {
    const keys = new Set(list.map(flowKey));
    if (keys.size > 1) {
      issues.push({
        path: `flows[${name}]`,
        message: `the name is declared for ${keys.size} different flows (${list.map((f) => `${describeEndpoint(f.from)} -> ${describeEndpoint(f.to)} by ${f.declaredBy}`).join('; ')}); give each flow its own name`,
      });
    }
  }
  for (const f of [...flows].sort((a, b) => cmp(a.name, b.name))) {
    const p = `flows[${f.name}]`;
    if (f.name.length > 200 || !DNS_LABEL.test(f.name)) issues.push({ path: `${p}.name`, message: `must be a DNS-1123 label of at most 200 characters (policies are named after it); got '${f.name}'` });
    if (f.from.kind === 'dns' || f.from.kind === 'api-server') {
      issues.push({ path: `${p}.from`, message: `a flow starts at pods or outside addresses, not at ${describeEndpoint(f.from)}; declare the flow the other way round` });
    }
    if (f.from.kind === 'world' && f.to.kind === 'world') issues.push({ path: p, message: 'both ends are outside the clusters; a flow needs pods at one end' });
    for (const [side, e] of [['from', f.from], ['to', f.to]] as const) {
      if (e.kind === 'pods' && !DNS_LABEL.test(e.namespace)) issues.push({ path: `${p}.${side}.namespace`, message: `must be a DNS-1123 label; got '${e.namespace}'` });
      if (e.kind === 'world') {
        for (const c of e.cidrs) {
          const parsed = parseCidr(c);
          if (typeof parsed === 'string') issues.push({ path: `${p}.${side}.cidrs`, message: `${parsed}; give CIDRs such as 203.0.113.0/24` });
        }
      }
      if (e.kind !== 'world' && 'placedWith' in e.at && !workloads.includes(e.at.placedWith)) {
        issues.push({ path: `${p}.${side}`, message: `names placed workload '${e.at.placedWith}', which the fleet does not place (workloads: ${[...workloads].sort(cmp).join(', ') || 'none'})` });
      }
    }
    for (const port of f.ports) {
      const bad = (n: number) => !Number.isInteger(n) || n < 1 || n > 65535;
      if (bad(port.port)) issues.push({ path: `${p}.ports`, message: `port must be a whole number from 1 to 65535; got ${port.port}` });
      if (port.endPort !== undefined && (bad(port.endPort) || port.endPort < port.port)) issues.push({ path: `${p}.ports`, message: `endPort must be from ${port.port} to 65535; got ${port.endPort}` });
    }
  }
  return issues;
}

/**
 * Flows without repeats, sorted by name: a flow declared twice (same ends and ports, by the same or another
 * construct) is kept once, under the first of its names in name order.
 */
export function uniqueFlows(flows: readonly FlowSpec[]): FlowSpec[] {
  const byKey = new Map<string, FlowSpec>();
  for (const f of [...flows].map(normalFlow).sort((a, b) => cmp(a.name, b.name) || cmp(a.declaredBy, b.declaredBy))) {
    const k = flowKey(f);
    if (!byKey.has(k)) byKey.set(k, f);
  }
  return [...byKey.values()].sort((a, b) => cmp(a.name, b.name));
}

/** Where the solver put each placed workload: `site/cluster` pairs, by workload name. */
export type PlacedClusters = ReadonlyMap<string, readonly { readonly site: string; readonly cluster: string }[]>;

function clustersOf(at: FlowCluster, placed: PlacedClusters): { site: string; cluster: string }[] {
  if (!('placedWith' in at)) return [{ site: at.site, cluster: at.cluster }];
  const list = placed.get(at.placedWith) ?? [];
  const seen = new Map(list.map((c) => [`${c.site}/${c.cluster}`, { site: c.site, cluster: c.cluster }]));
  return [...seen.entries()].sort(([a], [b]) => cmp(a, b)).map(([, c]) => c);
}

function resolveEnd(e: FlowEndpoint, c: { site: string; cluster: string } | undefined): ResolvedEndpoint {
  if (e.kind === 'world') return { kind: 'world', cidrs: [...e.cidrs] };
  const { site, cluster } = c!;
  return e.kind === 'pods' ? { kind: 'pods', site, cluster, namespace: e.namespace, podLabels: { ...e.podLabels } } : { kind: e.kind, site, cluster };
}

/**
 * Flows with every cluster known. An end placed by the solver stands for each cluster the solver chose;
 * both ends placed with the same workload pair each cluster with itself (a gang's pods talk inside their
 * cluster), other ends pair every way. A flow that expands into several gets the clusters in its name
 * (`<name>-<cluster>` or `<name>-<from>-<to>`); one whose workload was not placed disappears.
 */
export function resolveFlows(flows: readonly FlowSpec[], placed: PlacedClusters): ResolvedFlow[] {
  const out: ResolvedFlow[] = [];
  for (const f of uniqueFlows(flows)) {
    const fromAt = f.from.kind === 'world' ? undefined : f.from.at;
    const toAt = f.to.kind === 'world' ? undefined : f.to.at;
    const froms = fromAt ? clustersOf(fromAt, placed) : [undefined];
    const tos = toAt ? clustersOf(toAt, placed) : [undefined];
    const samePlaced = fromAt && toAt && 'placedWith' in fromAt && 'placedWith' in toAt && fromAt.placedWith === toAt.placedWith;
    const pairs: [{ site: string; cluster: string } | undefined, { site: string; cluster: string } | undefined][] = samePlaced
      ? froms.map((c) => [c, c])
      : froms.flatMap((a) => tos.map((b) => [a, b] as [typeof a, typeof b]));
    for (const [a, b] of pairs) {
      const suffix = pairs.length === 1 ? '' : samePlaced ? `-${a!.cluster}` : `${a ? `-${a.cluster}` : ''}${b ? `-${b.cluster}` : ''}`;
      out.push({ name: `${f.name}${suffix}`, from: resolveEnd(f.from, a), to: resolveEnd(f.to, b), ports: f.ports, description: f.description, declaredBy: f.declaredBy });
    }
  }
  return out.sort((x, y) => cmp(x.name, y.name));
}
