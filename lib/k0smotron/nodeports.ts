/**
 * NodePort allocation for hosted control planes exposed on a shared address (k0smotron hosted mode,
 * `service.type: NodePort`): each control plane gets an API port and a konnectivity port from its hosting
 * cluster's NodePort range. NodePorts are opened on every node of a cluster, so the ports of one hosting
 * cluster are one space, whatever address workers use.
 *
 * The allocation is state that later synths read: `<outdir>/nodeports.json`, committed with the output,
 * read at the edge (`Fleet.synth`, the CLI) and passed here as plain data. Rules:
 * - an existing entry never moves: a control plane keeps its ports for as long as it stays on its host;
 * - ports the user pins (`service.apiPort`/`konnectivityPort`) win, and must not collide with another
 *   entry (the error names both);
 * - entries of control planes no longer in the fleet are kept (`retired`) and not handed out again, so a
 *   store's stale workers never reach another store's API; delete the entry from the file to free them;
 * - new control planes take k0smotron's own default pair (30443, 30132) while it is free, so a fleet that
 *   had one NodePort control plane before this allocation existed keeps its ports; then the lowest free
 *   ports, in cluster-name order.
 * Pure: plain data in, plain data out.
 */
import type { ValidationIssue } from '../model/errors';
import { cmp } from '../model/compare';

export const NODEPORTS_FILE = 'nodeports.json';
export const NODEPORTS_FORMAT = 'cdk8s-k0smos/nodeports@1';
export const DEFAULT_NODEPORT_RANGE = { from: 30000, to: 32767 } as const;
/** k0smotron's default ports (what an unpinned NodePort control plane had before this allocation). */
export const K0SMOTRON_DEFAULT_PORTS = { apiPort: 30443, konnectivityPort: 30132 } as const;

/** One control plane's ports on its hosting cluster. */
export interface NodePortEntry {
  /** The hosted cluster. */
  readonly cluster: string;
  /** The cluster whose nodes open the ports. */
  readonly host: string;
  readonly apiPort: number;
  readonly konnectivityPort: number;
  /** The cluster is no longer in the fleet; its ports stay taken until the entry is deleted. */
  readonly retired?: boolean;
}

/** The allocation as saved in nodeports.json. */
export interface NodePortState {
  readonly entries: readonly NodePortEntry[];
}

/** A hosting cluster's NodePort space. */
export interface NodePortHost {
  readonly name: string;
  readonly range: { readonly from: number; readonly to: number };
  /** Ports other Services of the cluster use. */
  readonly reserved: readonly (number | { readonly from: number; readonly to: number })[];
  /** Where its settings are, for errors (`management.controlPlaneHosting`). */
  readonly path: string;
}

/** A control plane that needs a pair of NodePorts. */
export interface NodePortRequest {
  readonly cluster: string;
  readonly host: string;
  /** Pinned by the user. */
  readonly apiPort?: number;
  readonly konnectivityPort?: number;
  /** Where the control plane is declared, for errors. */
  readonly path: string;
}

export interface NodePortAllocation {
  /** The new state (write it back): every request's entry and the retired ones, sorted by host, then cluster. */
  readonly state: NodePortState;
  /** Ports by hosted cluster. */
  readonly ports: ReadonlyMap<string, { readonly apiPort: number; readonly konnectivityPort: number }>;
  /** Per host: ports in the range, reserved, taken by control planes (retired included), free. */
  readonly usage: ReadonlyMap<string, { readonly range: number; readonly reserved: number; readonly taken: number; readonly free: number }>;
  readonly issues: ValidationIssue[];
}

/** Allocates NodePorts; existing entries never move (see the file comment). */
export function allocateNodePorts(hosts: readonly NodePortHost[], requests: readonly NodePortRequest[], previous: NodePortState | undefined): NodePortAllocation {
  const issues: ValidationIssue[] = [];
  const byHost = new Map(hosts.map((h) => [h.name, h] as const));
  const requested = new Map(requests.map((r) => [r.cluster, r] as const));
  const prev = new Map<string, NodePortEntry>();
  for (const e of previous?.entries ?? []) if (!prev.has(e.cluster)) prev.set(e.cluster, e);

  // Who holds which port on each host: port -> holder description.
  const taken = new Map<string, Map<number, string>>();
  const holders = (host: string) => {
    let m = taken.get(host);
    if (!m) taken.set(host, (m = new Map()));
    return m;
  };
  const inRange = (h: NodePortHost, p: number) => p >= h.range.from && p <= h.range.to;
  const reservedCount = new Map<string, number>();
  for (const h of hosts) {
    const m = holders(h.name);
    let n = 0;
    for (const r of h.reserved) {
      const [from, to] = typeof r === 'number' ? [r, r] : [r.from, r.to];
      for (let p = Math.max(from, h.range.from); p <= Math.min(to, h.range.to); p++) {
        if (!m.has(p)) n++;
        m.set(p, `reserved (${h.path}.reservedNodePorts)`);
      }
    }
    reservedCount.set(h.name, n);
  }

  const entries: NodePortEntry[] = [];
  const ports = new Map<string, { apiPort: number; konnectivityPort: number }>();
  const claim = (host: string, port: number, holder: string, path: string): boolean => {
    const m = holders(host);
    const had = m.get(port);
    if (had !== undefined && had !== holder) {
      issues.push({ path, message: `NodePort ${port} on hosting cluster '${host}' is taken by ${had}; choose another port, or drop the pin to have one allocated` });
      return false;
    }
    m.set(port, holder);
    return true;
  };

  // 1. Retired entries keep their ports: a removed store's workers may still point at them.
  for (const e of [...prev.values()].sort((a, b) => cmp(a.cluster, b.cluster))) {
    if (requested.has(e.cluster)) continue;
    const holder = `retired control plane '${e.cluster}' (nodeports.json; delete its entry to free the ports)`;
    holders(e.host).set(e.apiPort, holder);
    holders(e.host).set(e.konnectivityPort, holder);
    entries.push({ cluster: e.cluster, host: e.host, apiPort: e.apiPort, konnectivityPort: e.konnectivityPort, retired: true });
  }

  const sorted = [...requests].sort((a, b) => cmp(a.cluster, b.cluster));
  // 2. Kept entries and pins, before anything new is handed out.
  const pending: NodePortRequest[] = [];
  // Entries kept as they were claim their ports first: a new pin that collides is the one reported.
  const unpinnedKept = (r: NodePortRequest) => r.apiPort === undefined && r.konnectivityPort === undefined && prev.get(r.cluster)?.host === r.host;
  for (const r of [...sorted.filter(unpinnedKept), ...sorted.filter((r) => !unpinnedKept(r))]) {
    const h = byHost.get(r.host);
    if (!h) {
      issues.push({ path: r.path, message: `hosting cluster '${r.host}' has no NodePort settings; this is a bug in the hosting plan` });
      continue;
    }
    const holder = `control plane '${r.cluster}'`;
    const old = prev.get(r.cluster);
    const keep = old && old.host === r.host ? old : undefined;
    for (const [field, p] of [
      ['apiPort', r.apiPort],
      ['konnectivityPort', r.konnectivityPort],
    ] as const) {
      if (p !== undefined && !inRange(h, p)) {
        issues.push({ path: `${r.path}.service.${field}`, message: `NodePort ${p} is outside the NodePort range ${h.range.from}-${h.range.to} of hosting cluster '${h.name}'; pick a port in the range, or set ${h.path}.nodePortRange to the cluster's --service-node-port-range` });
      }
    }
    if (r.apiPort !== undefined && r.apiPort === r.konnectivityPort) {
      issues.push({ path: `${r.path}.service`, message: `apiPort and konnectivityPort are both ${r.apiPort}; each needs its own NodePort` });
      continue;
    }
    const api = r.apiPort ?? keep?.apiPort;
    const konn = r.konnectivityPort ?? keep?.konnectivityPort;
    if (api !== undefined && konn !== undefined) {
      const ok = claim(r.host, api, holder, `${r.path}.service.apiPort`) && claim(r.host, konn, holder, `${r.path}.service.konnectivityPort`);
      if (ok) ports.set(r.cluster, { apiPort: api, konnectivityPort: konn });
    } else {
      if (api !== undefined) claim(r.host, api, holder, `${r.path}.service.apiPort`);
      if (konn !== undefined) claim(r.host, konn, holder, `${r.path}.service.konnectivityPort`);
      pending.push(r);
    }
  }

  // 3. New control planes: the lowest free ports, in cluster-name order.
  const cursor = new Map<string, number>();
  const nextFree = (h: NodePortHost): number | undefined => {
    const m = holders(h.name);
    for (let p = cursor.get(h.name) ?? h.range.from; p <= h.range.to; p++) {
      if (!m.has(p)) {
        cursor.set(h.name, p + 1);
        return p;
      }
    }
    cursor.set(h.name, h.range.to + 1);
    return undefined;
  };
  const short = new Map<string, string[]>();
  for (const r of pending) {
    const h = byHost.get(r.host)!;
    const holder = `control plane '${r.cluster}'`;
    const free = (p: number) => inRange(h, p) && !holders(h.name).has(p);
    const api = r.apiPort ?? (free(K0SMOTRON_DEFAULT_PORTS.apiPort) ? K0SMOTRON_DEFAULT_PORTS.apiPort : nextFree(h));
    if (api !== undefined) holders(h.name).set(api, holder);
    const konn = r.konnectivityPort ?? (free(K0SMOTRON_DEFAULT_PORTS.konnectivityPort) ? K0SMOTRON_DEFAULT_PORTS.konnectivityPort : nextFree(h));
    if (konn !== undefined) holders(h.name).set(konn, holder);
    if (api === undefined || konn === undefined) {
      short.set(h.name, [...(short.get(h.name) ?? []), r.cluster]);
      continue;
    }
    ports.set(r.cluster, { apiPort: api, konnectivityPort: konn });
  }

  const usage = new Map<string, { range: number; reserved: number; taken: number; free: number }>();
  for (const h of hosts) {
    const size = h.range.to - h.range.from + 1;
    const reserved = reservedCount.get(h.name) ?? 0;
    const inUse = [...holders(h.name).keys()].filter((p) => inRange(h, p)).length;
    usage.set(h.name, { range: size, reserved, taken: inUse - reserved, free: size - inUse });
  }
  for (const [host, clusters] of [...short].sort(([a], [b]) => cmp(a, b))) {
    const h = byHost.get(host)!;
    const u = usage.get(host)!;
    const retired = entries.filter((e) => e.host === host).length;
    issues.push({
      path: h.path,
      message: `hosting cluster '${host}' has no NodePorts left for ${clusters.length} control plane${clusters.length === 1 ? '' : 's'} (${list(clusters)}), 2 each: its range ${h.range.from}-${h.range.to} holds ${u.range} ports, ${u.reserved} reserved, ${u.taken} taken by control planes${retired > 0 ? ` (${retired} retired, in nodeports.json)` : ''}. Fix: host some of these control planes in another cluster (a Region: management.regions with controlPlaneHosting), widen nodePortRange, release reservedNodePorts or retired entries, or expose them through ingress`,
    });
  }

  for (const r of sorted) {
    const p = ports.get(r.cluster);
    if (p) entries.push({ cluster: r.cluster, host: r.host, apiPort: p.apiPort, konnectivityPort: p.konnectivityPort });
  }
  entries.sort((a, b) => cmp(a.host, b.host) || cmp(a.cluster, b.cluster));
  return { state: { entries }, ports, usage, issues };
}

function list(xs: readonly string[]): string {
  return xs.length <= 5 ? xs.join(', ') : `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more`;
}

/** nodeports.json: stable keys and order. */
export function renderNodePortState(state: NodePortState): string {
  const entries = [...state.entries]
    .sort((a, b) => cmp(a.host, b.host) || cmp(a.cluster, b.cluster))
    .map((e) => ({ cluster: e.cluster, host: e.host, apiPort: e.apiPort, konnectivityPort: e.konnectivityPort, ...(e.retired ? { retired: true } : {}) }));
  return `${JSON.stringify({ format: NODEPORTS_FORMAT, entries }, null, 2)}\n`;
}

/**
 * Reads nodeports.json. A file that is not this format is refused with the reason (ports must not move
 * because a file was damaged: the caller stops rather than allocate again).
 */
export function readNodePortState(text: string): { state?: NodePortState; problem?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` };
  }
  const root = doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : {};
  if (root.format !== NODEPORTS_FORMAT || !Array.isArray(root.entries)) return { problem: `not a ${NODEPORTS_FORMAT} document` };
  const entries: NodePortEntry[] = [];
  for (const [i, x] of (root.entries as unknown[]).entries()) {
    const o = x && typeof x === 'object' ? (x as Record<string, unknown>) : {};
    const port = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
    if (typeof o.cluster !== 'string' || typeof o.host !== 'string' || !port(o.apiPort) || !port(o.konnectivityPort)) {
      return { problem: `entries[${i}] needs cluster, host, apiPort and konnectivityPort` };
    }
    entries.push({ cluster: o.cluster, host: o.host, apiPort: o.apiPort as number, konnectivityPort: o.konnectivityPort as number, ...(o.retired === true ? { retired: true } : {}) });
  }
  return { state: { entries } };
}
