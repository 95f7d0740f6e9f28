/**
 * An independent model of network policy enforcement, for tests. Written apart from the policy generator
 * (it imports nothing from lib/mesh or the constructs): it reads the objects a cluster receives
 * (CiliumClusterwideNetworkPolicy, CiliumNetworkPolicy, NetworkPolicy) and decides whether one connection
 * is allowed where it leaves (egress, in the source's cluster) and where it arrives (ingress, in the
 * destination's cluster).
 *
 * Semantics modelled (Cilium 1.19, docs and pkg/k8s/apis/cilium.io/utils, pkg/k8s/network_policy.go):
 * - An endpoint is in default deny for a direction when any policy selecting it enables it there: a Cilium
 *   policy by `enableDefaultDeny.<dir>`, or by default when it has rules in that direction; a Kubernetes
 *   NetworkPolicy when its `policyTypes` (defaulted the Kubernetes way) name the direction. Not in default
 *   deny: allowed. In default deny: allowed when any rule of any selecting policy matches. Deny rules win.
 * - Endpoint labels: pod labels as `k8s:`, `k8s:io.kubernetes.pod.namespace`, `k8s:io.cilium.k8s.policy.cluster`,
 *   namespace labels as `k8s:io.cilium.k8s.namespace.labels.<key>`; cilium-health is `reserved:health`, the
 *   node `reserved:host`, outside addresses `reserved:world`, the API server `reserved:kube-apiserver`.
 *   A selector key without a source prefix matches any source; `NotIn`/`DoesNotExist` match a missing label.
 * - CiliumNetworkPolicy: the subject is in the policy's namespace; peer selectors without a namespace (or
 *   namespace-label) term are limited to the policy's namespace. CiliumClusterwideNetworkPolicy: peer
 *   selectors without a namespace term need one to exist. Peer selectors without a cluster term select the
 *   local cluster (`policyDefaultLocalCluster`, on by default in 1.19). Selectors on reserved labels are
 *   taken as they are. A rule with ports and no peers allows every peer; a rule with neither allows nothing.
 * - Kubernetes NetworkPolicy: a rule without `from`/`to` admits every peer, without `ports` every port; a
 *   `podSelector` peer is in the policy's namespace; under Cilium it may name a cluster with the
 *   `io.cilium.k8s.policy.cluster` label and otherwise means the local cluster; `ipBlock` matches outside
 *   addresses only.
 * - L7 rules (DNS, HTTP) are taken as allowing the connection at L4.
 */

/** An object as written to a cluster folder. */
export interface PolicyObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: unknown;
}

/** One party of a connection. */
export type Endpoint =
  | {
      readonly kind: 'pod';
      readonly cluster: string;
      readonly namespace: string;
      readonly labels: Readonly<Record<string, string>>;
      /** Labels of the pod's namespace (`kubernetes.io/metadata.name` is added). */
      readonly namespaceLabels?: Readonly<Record<string, string>>;
      /** Container port names, for named ports in policies. */
      readonly namedPorts?: Readonly<Record<string, number>>;
    }
  | { readonly kind: 'health'; readonly cluster: string }
  | { readonly kind: 'host'; readonly cluster: string }
  | { readonly kind: 'world'; readonly ip: string; readonly fqdn?: string }
  | { readonly kind: 'kube-apiserver'; readonly cluster: string; readonly ip?: string };

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Connection {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
}

/** The verdict of one side. */
export interface SideVerdict {
  readonly allowed: boolean;
  /** The side is under default deny (some policy selecting the endpoint enables it for this direction). */
  readonly enforced: boolean;
  /** Policies (`Kind ns/name`) whose rules allowed it. */
  readonly allowedBy: readonly string[];
  /** Policies whose deny rules matched. */
  readonly deniedBy: readonly string[];
  /** Policies selecting the endpoint in this direction. */
  readonly selectedBy: readonly string[];
}

export interface Verdict {
  readonly egress: SideVerdict;
  readonly ingress: SideVerdict;
  readonly allowed: boolean;
}

export interface EvaluatorOptions {
  /** Cilium's `clustermesh.policyDefaultLocalCluster`. @default true */
  readonly policyDefaultLocalCluster?: boolean;
}

type Direction = 'ingress' | 'egress';

// ---------- labels and selectors ----------

interface Label {
  readonly source: string;
  readonly key: string;
  readonly value: string;
}

const SOURCES = new Set(['k8s', 'reserved', 'any', 'unspec', 'container', 'cidr', 'fqdn', 'cilium-generated']);
const NS_KEY = 'io.kubernetes.pod.namespace';
const CLUSTER_KEY = 'io.cilium.k8s.policy.cluster';
const NS_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';

function parseKey(raw: string): { source: string; key: string } {
  const i = raw.indexOf(':');
  if (i > 0 && SOURCES.has(raw.slice(0, i))) return { source: raw.slice(0, i), key: raw.slice(i + 1) };
  return { source: 'any', key: raw };
}

function identity(e: Endpoint): Label[] {
  switch (e.kind) {
    case 'pod': {
      const out: Label[] = Object.entries(e.labels).map(([key, value]) => ({ source: 'k8s', key, value }));
      out.push({ source: 'k8s', key: NS_KEY, value: e.namespace });
      out.push({ source: 'k8s', key: CLUSTER_KEY, value: e.cluster });
      const nsLabels = { ...(e.namespaceLabels ?? {}), 'kubernetes.io/metadata.name': e.namespace };
      for (const [k, v] of Object.entries(nsLabels)) out.push({ source: 'k8s', key: NS_LABELS_PREFIX + k, value: v });
      return out;
    }
    case 'health':
      return [{ source: 'reserved', key: 'health', value: '' }];
    case 'host':
      return [{ source: 'reserved', key: 'host', value: '' }];
    case 'world':
      return [{ source: 'reserved', key: 'world', value: '' }];
    case 'kube-apiserver':
      return [{ source: 'reserved', key: 'kube-apiserver', value: '' }];
  }
}

interface Requirement {
  readonly source: string;
  readonly key: string;
  readonly op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

interface LabelSelectorJson {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

/** A selector as requirements on identity labels. */
class Selector {
  constructor(public readonly reqs: readonly Requirement[]) {}

  static fromCilium(sel: LabelSelectorJson | undefined): Selector {
    const reqs: Requirement[] = [];
    const key = parseKey;
    for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ ...key(k), op: 'In', values: [v] });
    for (const e of sel?.matchExpressions ?? []) {
      const op = e.operator as Requirement['op'];
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) throw new Error(`unknown selector operator '${e.operator}'`);
      reqs.push({ ...key(e.key), op, values: [...(e.values ?? [])] });
    }
    return new Selector(reqs);
  }

  has(source: string, key: string): boolean {
    return this.reqs.some((r) => r.key === key && (r.source === source || r.source === 'any' || source === 'any'));
  }
  hasKeyPrefix(prefix: string): boolean {
    return this.reqs.some((r) => r.key.startsWith(prefix));
  }
  hasSource(source: string): boolean {
    return this.reqs.some((r) => r.source === source);
  }
  with(r: Requirement): Selector {
    return new Selector([...this.reqs, r]);
  }

  matches(labels: readonly Label[]): boolean {
    return this.reqs.every((r) => {
      const found = labels.filter((l) => l.key === r.key && (r.source === 'any' || l.source === r.source));
      switch (r.op) {
        case 'In':
          return found.some((l) => r.values.includes(l.value));
        case 'NotIn':
          return found.every((l) => !r.values.includes(l.value));
        case 'Exists':
          return found.length > 0;
        case 'DoesNotExist':
          return found.length === 0;
      }
    });
  }
}

// ---------- rules ----------

interface PortMatch {
  readonly port?: string | number;
  readonly endPort?: number;
  readonly protocol?: string;
}

/** One allow or deny rule after defaults: who (peer) and which ports. */
interface Rule {
  readonly policy: string;
  readonly deny: boolean;
  /** undefined: every peer. */
  readonly peers?: {
    readonly selectors: readonly Selector[];
    readonly entities: readonly string[];
    readonly cidrs: readonly { readonly cidr: string; readonly except: readonly string[] }[];
    readonly fqdns: readonly { readonly name?: string; readonly pattern?: string }[];
    /** Peers a Kubernetes NetworkPolicy rule names, decided the Kubernetes way. */
    readonly k8s?: (e: Endpoint) => boolean;
  };
  /** undefined: every port. */
  readonly ports?: readonly PortMatch[];
}

interface CompiledPolicy {
  readonly id: string;
  /** Does the policy apply to this endpoint (which must be in the evaluated cluster)? */
  readonly selects: (e: Endpoint) => boolean;
  readonly defaultDeny: Readonly<Record<Direction, boolean>>;
  readonly rules: Readonly<Record<Direction, readonly Rule[]>>;
}

function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const a = ipToNumber(ip);
  const b = ipToNumber(base ?? '');
  const n = Number(bits);
  if (a === undefined || b === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[-a-zA-Z0-9_.]*')}$`);
  return re.test(name);
}

/** Endpoint kinds each Cilium entity stands for (seen from `cluster`, the cluster enforcing). */
function entityMatches(entity: string, e: Endpoint, cluster: string): boolean {
  switch (entity) {
    case 'all':
      return true;
    case 'world':
    case 'world-ipv4':
      return e.kind === 'world';
    case 'host':
      return e.kind === 'host' && e.cluster === cluster;
    case 'remote-node':
      return e.kind === 'host' && e.cluster !== cluster;
    case 'health':
      return e.kind === 'health';
    case 'kube-apiserver':
      return e.kind === 'kube-apiserver' && e.cluster === cluster;
    case 'cluster':
      return e.kind !== 'world' && e.kind !== 'kube-apiserver' && 'cluster' in e && e.cluster === cluster;
    default:
      return false;
  }
}

function peerMatches(rule: Rule, peer: Endpoint, cluster: string): boolean {
  const p = rule.peers;
  if (!p) return true;
  if (p.k8s?.(peer)) return true;
  if (p.selectors.some((s) => s.matches(identity(peer)))) return true;
  if (p.entities.some((en) => entityMatches(en, peer, cluster))) return true;
  const ip = peer.kind === 'world' ? peer.ip : peer.kind === 'kube-apiserver' ? peer.ip : undefined;
  if (ip && p.cidrs.some((c) => inCidr(ip, c.cidr) && !c.except.some((x) => inCidr(ip, x)))) return true;
  if (peer.kind === 'world' && peer.fqdn && p.fqdns.some((f) => (f.name !== undefined && f.name === peer.fqdn) || (f.pattern !== undefined && globMatch(f.pattern, peer.fqdn!)))) return true;
  return false;
}

function portMatches(rule: Rule, port: number, protocol: Protocol, dest: Endpoint): boolean {
  if (!rule.ports) return true;
  return rule.ports.some((m) => {
    const proto = (m.protocol ?? 'ANY').toUpperCase();
    if (proto !== 'ANY' && proto !== protocol) return false;
    if (m.port === undefined || m.port === '' || m.port === 0 || m.port === '0') return true;
    let n = typeof m.port === 'number' ? m.port : /^\d+$/.test(m.port) ? Number(m.port) : undefined;
    if (n === undefined) n = dest.kind === 'pod' ? dest.namedPorts?.[m.port as string] : undefined;
    if (n === undefined) return false;
    return m.endPort !== undefined ? port >= n && port <= m.endPort : port === n;
  });
}

// ---------- Cilium policies ----------

interface CiliumRuleJson {
  readonly fromEndpoints?: readonly LabelSelectorJson[];
  readonly toEndpoints?: readonly LabelSelectorJson[];
  readonly fromEntities?: readonly string[];
  readonly toEntities?: readonly string[];
  readonly fromCIDR?: readonly string[];
  readonly toCIDR?: readonly string[];
  readonly fromCIDRSet?: readonly { readonly cidr: string; readonly except?: readonly string[] }[];
  readonly toCIDRSet?: readonly { readonly cidr: string; readonly except?: readonly string[] }[];
  readonly toFQDNs?: readonly { readonly matchName?: string; readonly matchPattern?: string }[];
  readonly toPorts?: readonly { readonly ports?: readonly PortMatch[] }[];
}

interface CiliumSpecJson {
  readonly endpointSelector?: LabelSelectorJson;
  readonly nodeSelector?: LabelSelectorJson;
  readonly ingress?: readonly CiliumRuleJson[];
  readonly egress?: readonly CiliumRuleJson[];
  readonly ingressDeny?: readonly CiliumRuleJson[];
  readonly egressDeny?: readonly CiliumRuleJson[];
  readonly enableDefaultDeny?: { readonly ingress?: boolean; readonly egress?: boolean };
}

function compileCilium(o: PolicyObject, cluster: string, opts: Required<EvaluatorOptions>): CompiledPolicy[] {
  const namespace = o.kind === 'CiliumNetworkPolicy' ? (o.metadata.namespace ?? 'default') : undefined;
  const id = `${o.kind} ${namespace ? `${namespace}/` : ''}${o.metadata.name}`;
  const raw = o.spec as (CiliumSpecJson & { readonly specs?: undefined }) | undefined;
  const specs: CiliumSpecJson[] = raw ? [raw] : ((o as unknown as { specs?: CiliumSpecJson[] }).specs ?? []);
  return specs.map((spec, i) => {
    const peerSelector = (sel: LabelSelectorJson): Selector => {
      let s = Selector.fromCilium(sel);
      if (s.hasSource('reserved')) return s;
      if (!s.has('k8s', NS_KEY) && !s.hasKeyPrefix(NS_LABELS_PREFIX)) {
        s = namespace !== undefined ? s.with({ source: 'k8s', key: NS_KEY, op: 'In', values: [namespace] }) : s.with({ source: 'k8s', key: NS_KEY, op: 'Exists', values: [] });
      }
      if (opts.policyDefaultLocalCluster && !s.has('k8s', CLUSTER_KEY)) s = s.with({ source: 'k8s', key: CLUSTER_KEY, op: 'In', values: [cluster] });
      return s;
    };
    const compileRule = (r: CiliumRuleJson, dir: Direction, deny: boolean): Rule => {
      const selectors = (dir === 'ingress' ? r.fromEndpoints : r.toEndpoints)?.map(peerSelector);
      const entities = dir === 'ingress' ? r.fromEntities : r.toEntities;
      const cidrs = [
        ...((dir === 'ingress' ? r.fromCIDR : r.toCIDR) ?? []).map((cidr) => ({ cidr, except: [] as string[] })),
        ...((dir === 'ingress' ? r.fromCIDRSet : r.toCIDRSet) ?? []).map((c) => ({ cidr: c.cidr, except: [...(c.except ?? [])] })),
      ];
      const fqdns = dir === 'egress' ? (r.toFQDNs ?? []).map((f) => ({ ...(f.matchName !== undefined ? { name: f.matchName } : {}), ...(f.matchPattern !== undefined ? { pattern: f.matchPattern } : {}) })) : [];
      const hasL3 = selectors !== undefined || entities !== undefined || cidrs.length > 0 || fqdns.length > 0;
      const ports = r.toPorts?.flatMap((pr) => (pr.ports && pr.ports.length > 0 ? pr.ports : [{}]));
      const hasL4 = ports !== undefined && ports.length > 0;
      if (!hasL3 && !hasL4) {
        // `{}`: selects nothing (how Cilium policies spell "default deny" in a direction).
        return { policy: id, deny, peers: { selectors: [], entities: [], cidrs: [], fqdns: [] }, ports: [] };
      }
      return {
        policy: id,
        deny,
        ...(hasL3 ? { peers: { selectors: selectors ?? [], entities: [...(entities ?? [])], cidrs, fqdns } } : {}),
        ...(hasL4 ? { ports } : {}),
      };
    };
    const subject = Selector.fromCilium(spec.endpointSelector);
    const selects = (e: Endpoint): boolean => {
      if (spec.endpointSelector === undefined) return false; // nodeSelector policies apply to hosts only; not modelled
      if (namespace !== undefined && !(e.kind === 'pod' && e.namespace === namespace)) return false;
      return subject.matches(identity(e));
    };
    const rules = {
      ingress: [...(spec.ingress ?? []).map((r) => compileRule(r, 'ingress', false)), ...(spec.ingressDeny ?? []).map((r) => compileRule(r, 'ingress', true))],
      egress: [...(spec.egress ?? []).map((r) => compileRule(r, 'egress', false)), ...(spec.egressDeny ?? []).map((r) => compileRule(r, 'egress', true))],
    };
    const defaultDeny = {
      ingress: spec.enableDefaultDeny?.ingress ?? rules.ingress.length > 0,
      egress: spec.enableDefaultDeny?.egress ?? rules.egress.length > 0,
    };
    return { id: specs.length > 1 ? `${id}#${i}` : id, selects, defaultDeny, rules };
  });
}

// ---------- Kubernetes NetworkPolicy ----------

interface NetpolPeerJson {
  readonly podSelector?: LabelSelectorJson;
  readonly namespaceSelector?: LabelSelectorJson;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}
interface NetpolRuleJson {
  readonly from?: readonly NetpolPeerJson[];
  readonly to?: readonly NetpolPeerJson[];
  readonly ports?: readonly { readonly port?: number | string; readonly endPort?: number; readonly protocol?: string }[];
}
interface NetpolSpecJson {
  readonly podSelector?: LabelSelectorJson;
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly NetpolRuleJson[];
  readonly egress?: readonly NetpolRuleJson[];
}

/** Kubernetes label selector semantics on a plain map. */
function k8sSelectorMatches(sel: LabelSelectorJson | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(val!))) return false;
    if (e.operator === 'NotIn' && has && values.includes(val!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function compileNetpol(o: PolicyObject, cluster: string, opts: Required<EvaluatorOptions>): CompiledPolicy {
  const namespace = o.metadata.namespace ?? 'default';
  const id = `NetworkPolicy ${namespace}/${o.metadata.name}`;
  const spec = (o.spec ?? {}) as NetpolSpecJson;
  const types = spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
  const peerMatch = (peer: NetpolPeerJson, e: Endpoint): boolean => {
    if (peer.ipBlock) {
      const ip = e.kind === 'world' ? e.ip : e.kind === 'kube-apiserver' ? e.ip : undefined;
      return ip !== undefined && inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((x) => inCidr(ip, x));
    }
    if (e.kind !== 'pod') return false;
    // Cilium reads the cluster from the pod selector's `io.cilium.k8s.policy.cluster`; without it, the local cluster.
    const names = (s: LabelSelectorJson | undefined) => [...Object.keys(s?.matchLabels ?? {}), ...(s?.matchExpressions ?? []).map((x) => x.key)];
    const namesCluster = names(peer.podSelector).includes(CLUSTER_KEY);
    if (!namesCluster && opts.policyDefaultLocalCluster && e.cluster !== cluster) return false;
    const podLabels = { ...e.labels, [CLUSTER_KEY]: e.cluster };
    if (peer.namespaceSelector) {
      const nsLabels = { ...(e.namespaceLabels ?? {}), 'kubernetes.io/metadata.name': e.namespace };
      return k8sSelectorMatches(peer.namespaceSelector, nsLabels) && k8sSelectorMatches(peer.podSelector, podLabels);
    }
    if (peer.podSelector) return e.namespace === namespace && k8sSelectorMatches(peer.podSelector, podLabels);
    return false;
  };
  const compileRule = (r: NetpolRuleJson, dir: Direction): Rule => {
    const peers = dir === 'ingress' ? r.from : r.to;
    return {
      policy: id,
      deny: false,
      // No ports: every port. No peers: every peer, inside the clusters or not.
      ...(r.ports && r.ports.length > 0 ? { ports: r.ports.map((p) => ({ ...(p.port !== undefined ? { port: p.port } : {}), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol ?? 'TCP' })) } : {}),
      ...(peers && peers.length > 0 ? { peers: { selectors: [], entities: [], cidrs: [], fqdns: [], k8s: (e: Endpoint) => peers.some((p) => peerMatch(p, e)) } } : {}),
    };
  };
  const wrap = (dir: Direction): readonly Rule[] => ((dir === 'ingress' ? spec.ingress : spec.egress) ?? []).map((r) => compileRule(r, dir));
  return {
    id,
    selects: (e) => e.kind === 'pod' && e.namespace === namespace && k8sSelectorMatches(spec.podSelector, e.labels),
    defaultDeny: { ingress: types.includes('Ingress'), egress: types.includes('Egress') },
    rules: { ingress: wrap('ingress'), egress: wrap('egress') },
  };
}

// ---------- the model ----------

/** The policies of each cluster, and decisions on connections. */
export class PolicyModel {
  private readonly byCluster = new Map<string, CompiledPolicy[]>();
  private readonly opts: Required<EvaluatorOptions>;

  /** `objects`: every object written to each cluster (others than policies are ignored). */
  constructor(objects: Readonly<Record<string, readonly PolicyObject[]>>, options: EvaluatorOptions = {}) {
    this.opts = { policyDefaultLocalCluster: options.policyDefaultLocalCluster ?? true };
    for (const [cluster, list] of Object.entries(objects)) {
      const compiled: CompiledPolicy[] = [];
      for (const o of list) {
        if (o.kind === 'CiliumNetworkPolicy' || o.kind === 'CiliumClusterwideNetworkPolicy') compiled.push(...compileCilium(o, cluster, this.opts));
        else if (o.kind === 'NetworkPolicy') compiled.push(compileNetpol(o, cluster, this.opts));
      }
      this.byCluster.set(cluster, compiled);
    }
  }

  /** Policies of `cluster` that select `e` and enable default deny in `dir` (or all selecting ones with `any`). */
  public selecting(cluster: string, e: Endpoint, dir: Direction, any = false): string[] {
    return (this.byCluster.get(cluster) ?? []).filter((p) => p.selects(e) && (any || p.defaultDeny[dir])).map((p) => p.id);
  }

  /** Egress where the connection leaves, ingress where it arrives. */
  public decide(c: Connection): Verdict {
    const egress = 'cluster' in c.from && c.from.kind !== 'kube-apiserver' ? this.side(c.from.cluster, c.from, c.to, 'egress', c) : open();
    const ingress = 'cluster' in c.to && c.to.kind !== 'kube-apiserver' ? this.side(c.to.cluster, c.to, c.from, 'ingress', c) : open();
    return { egress, ingress, allowed: egress.allowed && ingress.allowed };
  }

  private side(cluster: string, subject: Endpoint, peer: Endpoint, dir: Direction, c: Connection): SideVerdict {
    const policies = (this.byCluster.get(cluster) ?? []).filter((p) => p.selects(subject));
    const enforced = policies.some((p) => p.defaultDeny[dir]);
    const match = (r: Rule) => peerMatches(r, peer, cluster) && portMatches(r, c.port, c.protocol, c.to);
    const rules = policies.flatMap((p) => p.rules[dir]);
    const deniedBy = [...new Set(rules.filter((r) => r.deny && match(r)).map((r) => r.policy))].sort();
    const allowedBy = [...new Set(rules.filter((r) => !r.deny && match(r)).map((r) => r.policy))].sort();
    const allowed = deniedBy.length === 0 && (!enforced || allowedBy.length > 0);
    return { allowed, enforced, allowedBy, deniedBy, selectedBy: policies.map((p) => p.id).sort() };
  }
}

function open(): SideVerdict {
  return { allowed: true, enforced: false, allowedBy: [], deniedBy: [], selectedBy: [] };
}
