/**
 * The fleet IP plan: every cluster gets a pod CIDR and a service CIDR from fleet-wide pools, and no
 * two clusters overlap (Cilium's cluster mesh routes pod IPs between clusters, so they must be unique).
 *
 * The pools are cut into slots: slot i is the i-th pod block and the i-th service block. Allocation:
 * - what the user pins wins (`network.slot`, `network.podCIDR`, `network.serviceCIDR`);
 * - a cluster recorded in the saved state (`ip-plan.json` in the output folder, read at the edge and
 *   given here as plain data) keeps its recorded CIDRs: existing entries never move;
 * - a new cluster takes the slot its name hashes to (FNV-1a) when that is free, so a fleet without a
 *   saved state gets the same addresses every time; otherwise the next free slot upward (new clusters
 *   are taken in name order, those on their hashed slot first, then those that probe);
 * - a recorded cluster that left the fleet keeps its ranges reserved (marked removed) until the user
 *   releases them (`network.reuseRemoved`).
 * A pin that collides with a recorded allocation is an error naming both; pools or prefix lengths that
 * differ from the saved state are one error (they would renumber every cluster); a fleet larger than the
 * plan is one error that states the capacity and the prefix lengths that fit. Everything here is
 * O(n log n) in the number of clusters: overlaps are found by sorting blocks and comparing neighbours.
 */
import type { ValidationIssue } from './errors';
import { cmp } from './compare';
import { formatCidr, parseCidr, subBlock, type Cidr } from '../net/cidr';

export const DEFAULT_IP_PLAN = {
  podPool: '10.128.0.0/9',
  podPrefixLength: 17,
  servicePool: '172.16.0.0/12',
  servicePrefixLength: 20,
} as const;

/**
 * The per-node pod range a cluster's nodes take from its pod CIDR: kube-controller-manager's
 * `--node-cidr-mask-size` (24 for IPv4 by default; k0s leaves it) and Cilium's cluster-pool
 * `ipam.operator.clusterPoolIPv4MaskSize` (24 by default).
 */
export const DEFAULT_NODE_MASK_SIZE = 24;

/**
 * What a cluster's `podCIDR`/`serviceCIDR` read when the plan could not address it (a capacity or pin
 * error that synth reports): checks across clusters leave such clusters out rather than report them again.
 */
export const UNALLOCATED_CIDR = '0.0.0.0/32';

/** The saved state's file name, inside the output folder. */
export const IP_PLAN_FILE = 'ip-plan.json';
const FORMAT = 'cdk8s-k0smos/ip-plan/v1';

export interface IpPlanOptions {
  readonly podPool?: string;
  readonly podPrefixLength?: number;
  readonly servicePool?: string;
  readonly servicePrefixLength?: number;
  /**
   * Release the ranges of clusters that left the fleet, so new clusters may take them: `true` for every
   * removed cluster, or the names of those to release. Only do it once their addresses are out of use.
   * @default - removed clusters' ranges stay reserved
   */
  readonly reuseRemoved?: boolean | readonly string[];
}

/** A cluster as the plan sees it. `path` is where its network settings are, for errors. */
export interface PlanCluster {
  readonly name: string;
  readonly path: string;
  readonly podCIDR?: string;
  readonly serviceCIDR?: string;
  readonly slot?: number;
  /** Nodes that take a per-node pod range (the cluster's node pools), for the per-node check. */
  readonly nodes?: number;
  /** Where the node count comes from, for the error (e.g. `node pools gpu: 2, cpu: 1`). */
  readonly nodesFrom?: string;
  /** Per-node range prefix length. @default 24 */
  readonly nodeMaskSize?: number;
}

export interface ClusterAddresses {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  /** The slot, when one was used (a cluster with both CIDRs given takes none). */
  readonly slot?: number;
}

export interface IpPlan {
  readonly podPool: string;
  readonly podPrefixLength: number;
  readonly servicePool: string;
  readonly servicePrefixLength: number;
  readonly slots: number;
  /** By cluster name. */
  readonly clusters: ReadonlyMap<string, ClusterAddresses>;
}

/** The pools an allocation was made with. */
export interface IpPlanPools {
  readonly podPool: string;
  readonly podPrefixLength: number;
  readonly servicePool: string;
  readonly servicePrefixLength: number;
}

/** One recorded allocation. */
export interface IpAllocation {
  readonly name: string;
  readonly slot?: number;
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  /** The cluster left the fleet; its ranges stay reserved until released. */
  readonly removed?: boolean;
}

/** The saved state of the IP plan (`ip-plan.json`): the pools, and every allocation sorted by name. */
export interface IpPlanState {
  readonly pools: IpPlanPools;
  readonly clusters: readonly IpAllocation[];
}

/** FNV-1a, 32 bit: a stable, dependency-free hash of a cluster name. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The slot a cluster name prefers (it takes it when free). */
export function derivedSlot(name: string, slots: number): number {
  return fnv1a(name) % slots;
}

/** Where a block came from, for errors. */
type Origin = 'slot' | 'cidr' | 'recorded' | 'removed' | 'allocated';

interface Block {
  readonly cluster: string;
  readonly path: string;
  readonly field: 'podCIDR' | 'serviceCIDR';
  readonly cidr: Cidr;
  readonly origin: Origin;
  readonly slot?: number;
}

const size = (c: Cidr) => 2 ** (32 - c.prefix);

/** The pools of the options with their defaults. */
export function planPools(options: IpPlanOptions = {}): IpPlanPools {
  return {
    podPool: options.podPool ?? DEFAULT_IP_PLAN.podPool,
    podPrefixLength: options.podPrefixLength ?? DEFAULT_IP_PLAN.podPrefixLength,
    servicePool: options.servicePool ?? DEFAULT_IP_PLAN.servicePool,
    servicePrefixLength: options.servicePrefixLength ?? DEFAULT_IP_PLAN.servicePrefixLength,
  };
}

/**
 * Allocates addresses for every cluster, given the saved state of earlier synths (if any). Returns the
 * plan, every problem found, and the state to save (the allocations of this plan, and the removed
 * clusters' reserved ranges).
 */
export function planAddresses(
  clusters: readonly PlanCluster[],
  options: IpPlanOptions = {},
  planPath = 'network',
  saved?: IpPlanState,
): { plan: IpPlan; issues: ValidationIssue[]; state: IpPlanState } {
  const issues: ValidationIssue[] = [];
  const pools = planPools(options);
  const { podPool: podPoolS, servicePool: svcPoolS, podPrefixLength: podLen, servicePrefixLength: svcLen } = pools;
  const pool = (s: string, len: number, field: string, lenField: string): Cidr | undefined => {
    const c = parseCidr(s);
    if (typeof c === 'string') {
      issues.push({ path: `${planPath}.${field}`, message: c });
      return undefined;
    }
    if (len < c.prefix) {
      issues.push({ path: `${planPath}.${lenField}`, message: `must be at least the pool's own prefix length ${c.prefix} (got ${len})` });
      return undefined;
    }
    return c;
  };
  const podPool = pool(podPoolS, podLen, 'podPool', 'podPrefixLength');
  const svcPool = pool(svcPoolS, svcLen, 'servicePool', 'servicePrefixLength');
  if (podPool && svcPool && overlapsC(podPool, svcPool)) {
    issues.push({ path: `${planPath}.servicePool`, message: `service pool ${svcPoolS} overlaps pod pool ${podPoolS}; pods and services need separate ranges` });
  }
  const slots = podPool && svcPool ? Math.min(2 ** (podLen - podPool.prefix), 2 ** (svcLen - svcPool.prefix)) : 0;
  const normalPools: IpPlanPools = {
    podPool: podPool ? formatCidr(podPool) : podPoolS,
    podPrefixLength: podLen,
    servicePool: svcPool ? formatCidr(svcPool) : svcPoolS,
    servicePrefixLength: svcLen,
  };
  const emptyPlan = (): IpPlan => ({ podPool: podPoolS, podPrefixLength: podLen, servicePool: svcPoolS, servicePrefixLength: svcLen, slots, clusters: new Map() });
  const recordedList = saved?.clusters ?? [];

  // The saved state was made with these pools, or with pools these grow at the same base: slot i is the same block in both.
  if (saved && recordedList.length > 0 && podPool && svcPool && !poolsKeepSlots(saved.pools, normalPools)) {
    const was = describePools(saved.pools);
    issues.push({
      path: planPath,
      message:
        `the IP plan's pools (${describePools(normalPools)}) differ from those of the ${recordedList.length} allocations in ${IP_PLAN_FILE} (${was}): ` +
        `that would renumber every cluster (new pod and service addresses everywhere, so every cluster must be rebuilt). ` +
        `Keep network: { podPool: ${saved.pools.podPool}, podPrefixLength: ${saved.pools.podPrefixLength}, servicePool: ${saved.pools.servicePool}, servicePrefixLength: ${saved.pools.servicePrefixLength} } as recorded (a pool may grow at the same base address: every slot stays the same block), ` +
        `or renumber on purpose: delete ${IP_PLAN_FILE} from the output folder and synthesize again`,
    });
    return { plan: emptyPlan(), issues, state: saved };
  }

  // The recorded allocations, by name.
  const recorded = new Map<string, { entry: IpAllocation; pod?: Cidr; svc?: Cidr }>();
  for (const e of recordedList) {
    const at = `${IP_PLAN_FILE}: clusters[${e.name}]`;
    if (recorded.has(e.name)) {
      issues.push({ path: at, message: `cluster '${e.name}' is recorded twice (a merge that kept both sides?); keep one entry` });
      continue;
    }
    const pod = parseCidr(e.podCIDR);
    const svc = parseCidr(e.serviceCIDR);
    for (const [f, p] of [['podCIDR', pod], ['serviceCIDR', svc]] as const) if (typeof p === 'string') issues.push({ path: `${at}.${f}`, message: `${p}; restore the file from version control` });
    recorded.set(e.name, { entry: e, ...(typeof pod !== 'string' ? { pod } : {}), ...(typeof svc !== 'string' ? { svc } : {}) });
  }

  const sorted = [...clusters].sort((a, b) => cmp(a.name, b.name));
  const live = new Set(sorted.map((c) => c.name));
  // Removed clusters: reserved unless released.
  const release = options.reuseRemoved;
  const releaseList = Array.isArray(release) ? (release as readonly string[]) : [];
  for (const n of [...releaseList].sort(cmp)) {
    if (live.has(n)) issues.push({ path: `${planPath}.reuseRemoved`, message: `'${n}' is a cluster of the fleet; only the ranges of removed clusters can be released` });
  }
  const released = (n: string) => release === true || releaseList.includes(n);
  const reserved = [...recorded.values()].filter((r) => !live.has(r.entry.name) && !released(r.entry.name)).sort((a, b) => cmp(a.entry.name, b.entry.name));

  // Fixed blocks: pins, recorded allocations, reserved ranges. New clusters fill the slots they leave free.
  const blocks: Block[] = [];
  const pinned = new Map<string, { pod?: Cidr; svc?: Cidr; slot?: number; podOrigin: Origin; svcOrigin: Origin }>();
  const pending: PlanCluster[] = [];
  const slotBlock = (slot: number, field: 'podCIDR' | 'serviceCIDR') => (field === 'podCIDR' ? subBlock(podPool!, podLen, slot) : subBlock(svcPool!, svcLen, slot));
  for (const c of sorted) {
    const given = (text: string | undefined, field: 'podCIDR' | 'serviceCIDR'): Cidr | undefined => {
      if (text === undefined) return undefined;
      const p = parseCidr(text);
      if (typeof p === 'string') {
        issues.push({ path: `${c.path}.${field}`, message: p });
        return undefined;
      }
      return p;
    };
    const gPod = given(c.podCIDR, 'podCIDR');
    const gSvc = given(c.serviceCIDR, 'serviceCIDR');
    if ((c.podCIDR !== undefined && !gPod) || (c.serviceCIDR !== undefined && !gSvc)) continue;
    const rec = recorded.get(c.name);
    const needsSlot = c.podCIDR === undefined || c.serviceCIDR === undefined;
    let slot: number | undefined;
    let pod = gPod;
    let svc = gSvc;
    let from: Origin = 'cidr';
    if (needsSlot && c.slot !== undefined) {
      if (slots === 0) continue;
      if (c.slot >= slots) {
        issues.push({ path: `${c.path}.slot`, message: `the IP plan has ${slots} slots (0..${slots - 1}); got ${c.slot}` });
        continue;
      }
      slot = c.slot;
      from = 'slot';
      pod ??= slotBlock(slot, 'podCIDR');
      svc ??= slotBlock(slot, 'serviceCIDR');
    } else if (needsSlot && rec && rec.pod && rec.svc) {
      from = 'recorded';
      pod ??= rec.pod;
      svc ??= rec.svc;
      if (rec.entry.slot !== undefined) slot = rec.entry.slot;
    } else if (needsSlot) {
      if (gPod || gSvc) pinned.set(c.name, { ...(gPod ? { pod: gPod } : {}), ...(gSvc ? { svc: gSvc } : {}), podOrigin: 'cidr', svcOrigin: 'cidr' });
      pending.push(c);
      continue;
    }
    pinned.set(c.name, {
      ...(pod ? { pod } : {}),
      ...(svc ? { svc } : {}),
      ...(slot !== undefined ? { slot } : {}),
      podOrigin: gPod ? 'cidr' : from,
      svcOrigin: gSvc ? 'cidr' : from,
    });
  }
  const byName = new Map(sorted.map((c) => [c.name, c] as const));
  for (const [name, p] of pinned) {
    const c = byName.get(name)!;
    if (p.pod) blocks.push({ cluster: name, path: `${c.path}.${p.podOrigin === 'slot' ? 'slot' : 'podCIDR'}`, field: 'podCIDR', cidr: p.pod, origin: p.podOrigin, ...(p.slot !== undefined ? { slot: p.slot } : {}) });
    if (p.svc) blocks.push({ cluster: name, path: `${c.path}.${p.svcOrigin === 'slot' ? 'slot' : 'serviceCIDR'}`, field: 'serviceCIDR', cidr: p.svc, origin: p.svcOrigin, ...(p.slot !== undefined ? { slot: p.slot } : {}) });
  }
  for (const r of reserved) {
    const at = `${IP_PLAN_FILE}: clusters[${r.entry.name}]`;
    const slot = r.entry.slot !== undefined ? { slot: r.entry.slot } : {};
    if (r.pod) blocks.push({ cluster: r.entry.name, path: at, field: 'podCIDR', cidr: r.pod, origin: 'removed', ...slot });
    if (r.svc) blocks.push({ cluster: r.entry.name, path: at, field: 'serviceCIDR', cidr: r.svc, origin: 'removed', ...slot });
  }

  // Slots the fixed blocks cover (in either pool), as merged intervals.
  const blocked = podPool && svcPool && slots > 0 ? blockedSlots(blocks, podPool, podLen, svcPool, svcLen, slots) : [];
  const blockedCount = blocked.reduce((n, [a, b]) => n + (b - a + 1), 0);
  const freeSlots = slots - blockedCount;
  const slotOf = new Map<string, number>();
  if (slots > 0 && pending.length > freeSlots) {
    issues.push({ path: planPath, message: capacityMessage(pools, podPool!, svcPool!, slots, blockedCount, pending.length, reserved.length, sorted, recorded.size > 0) });
  } else if (slots > 0 && pending.length > 0) {
    const taken = new Map<number, number>(); // allocated slot -> a hint of the next one to try
    const inBlocked = (s: number): [number, number] | undefined => {
      let lo = 0;
      let hi = blocked.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const iv = blocked[mid]!;
        if (s < iv[0]) hi = mid - 1;
        else if (s > iv[1]) lo = mid + 1;
        else return iv;
      }
      return undefined;
    };
    const nextFree = (start: number): number => {
      let s = start % slots;
      const path: number[] = [];
      for (;;) {
        const iv = inBlocked(s);
        if (iv) {
          s = (iv[1] + 1) % slots;
          continue;
        }
        const hint = taken.get(s);
        if (hint === undefined) break;
        path.push(s);
        s = hint;
      }
      for (const p of path) taken.set(p, s); // path compression: later probes jump straight here
      return s;
    };
    const probing: PlanCluster[] = [];
    for (const c of pending) {
      const h = derivedSlot(c.name, slots);
      if (inBlocked(h) || taken.has(h)) probing.push(c);
      else {
        taken.set(h, (h + 1) % slots);
        slotOf.set(c.name, h);
      }
    }
    for (const c of probing) {
      const s = nextFree(derivedSlot(c.name, slots));
      taken.set(s, (s + 1) % slots);
      slotOf.set(c.name, s);
    }
    for (const c of pending) {
      const s = slotOf.get(c.name)!;
      const p = pinned.get(c.name);
      if (!p?.pod) blocks.push({ cluster: c.name, path: `${c.path}.podCIDR`, field: 'podCIDR', cidr: slotBlock(s, 'podCIDR')!, origin: 'allocated', slot: s });
      if (!p?.svc) blocks.push({ cluster: c.name, path: `${c.path}.serviceCIDR`, field: 'serviceCIDR', cidr: slotBlock(s, 'serviceCIDR')!, origin: 'allocated', slot: s });
    }
  }

  // Every cluster's addresses, and the state to save.
  const result = new Map<string, ClusterAddresses>();
  const entries: IpAllocation[] = [];
  const addr = new Map<string, { pod?: Cidr; svc?: Cidr; slot?: number }>();
  for (const b of blocks) {
    if (b.origin === 'removed') continue;
    const a = addr.get(b.cluster) ?? {};
    if (b.field === 'podCIDR') a.pod = b.cidr;
    else a.svc = b.cidr;
    if (b.slot !== undefined) a.slot = b.slot;
    addr.set(b.cluster, a);
  }
  for (const c of sorted) {
    const a = addr.get(c.name);
    if (!a?.pod || !a.svc) continue;
    const v = { podCIDR: formatCidr(a.pod), serviceCIDR: formatCidr(a.svc), ...(a.slot !== undefined ? { slot: a.slot } : {}) };
    result.set(c.name, v);
    entries.push({ name: c.name, ...(a.slot !== undefined ? { slot: a.slot } : {}), podCIDR: v.podCIDR, serviceCIDR: v.serviceCIDR });
  }
  for (const r of reserved) entries.push({ ...r.entry, removed: true });
  // A cluster whose allocation could not be made this time keeps its recorded entry.
  for (const c of sorted) if (!result.has(c.name) && recorded.has(c.name)) entries.push(recorded.get(c.name)!.entry);
  entries.sort((a, b) => cmp(a.name, b.name));

  issues.push(...overlapIssues(blocks));
  issues.push(...nodeRangeIssues(sorted, result, podPool));
  const freeHint = issues.some((i) => i.message.includes('{free}')) && slots > 0 ? firstFree(blocks, podPool, podLen, svcPool, svcLen, slots) : undefined;
  const hint = freeHint === undefined ? '' : ` (slot ${freeHint} is free)`;
  return {
    plan: { podPool: podPoolS, podPrefixLength: podLen, servicePool: svcPoolS, servicePrefixLength: svcLen, slots, clusters: result },
    issues: issues.map((i) => (i.message.includes('{free}') ? { ...i, message: i.message.replace('{free}', hint) } : i)),
    state: { pools: normalPools, clusters: entries },
  };
}

function overlapsC(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** Same prefix lengths, and each pool the recorded one or a larger one at the same base: slot i is the same block. */
function poolsKeepSlots(was: IpPlanPools, now: IpPlanPools): boolean {
  if (was.podPrefixLength !== now.podPrefixLength || was.servicePrefixLength !== now.servicePrefixLength) return false;
  const grows = (a: string, b: string) => {
    const x = parseCidr(a);
    const y = parseCidr(b);
    return typeof x !== 'string' && typeof y !== 'string' && x.base === y.base && y.prefix <= x.prefix;
  };
  return grows(was.podPool, now.podPool) && grows(was.servicePool, now.servicePool);
}

function describePools(p: IpPlanPools): string {
  return `pods ${p.podPool} in /${p.podPrefixLength} blocks, services ${p.servicePool} in /${p.servicePrefixLength} blocks`;
}

/** The slot intervals (merged, sorted) that the blocks cover in either pool. */
function blockedSlots(blocks: readonly Block[], podPool: Cidr, podLen: number, svcPool: Cidr, svcLen: number, slots: number): [number, number][] {
  const raw: [number, number][] = [];
  for (const b of blocks) {
    for (const [p, len] of [
      [podPool, podLen],
      [svcPool, svcLen],
    ] as const) {
      if (!overlapsC(b.cidr, p)) continue;
      const step = 2 ** (32 - len);
      const lo = Math.max(b.cidr.base, p.base);
      const hi = Math.min(b.cidr.base + size(b.cidr), p.base + size(p)) - 1;
      const a = Math.floor((lo - p.base) / step);
      const z = Math.min(slots - 1, Math.floor((hi - p.base) / step));
      if (a <= z) raw.push([a, z]);
    }
  }
  raw.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: [number, number][] = [];
  for (const iv of raw) {
    const last = merged[merged.length - 1];
    if (last && iv[0] <= last[1] + 1) last[1] = Math.max(last[1], iv[1]);
    else merged.push([iv[0], iv[1]]);
  }
  return merged;
}

/** The lowest slot no block covers, for hints in errors. */
function firstFree(blocks: readonly Block[], podPool: Cidr | undefined, podLen: number, svcPool: Cidr | undefined, svcLen: number, slots: number): number | undefined {
  if (!podPool || !svcPool) return undefined;
  const iv = blockedSlots(blocks, podPool, podLen, svcPool, svcLen, slots);
  const first = iv[0];
  if (!first || first[0] > 0) return 0;
  return first[1] + 1 < slots ? first[1] + 1 : undefined;
}

function describeBlock(b: Block): string {
  const what = `${b.field === 'podCIDR' ? 'pod' : 'service'} CIDR ${formatCidr(b.cidr)} of cluster '${b.cluster}'`;
  switch (b.origin) {
    case 'slot':
      return `${what} (network.slot ${b.slot})`;
    case 'recorded':
      return `${what} (recorded in ${IP_PLAN_FILE}${b.slot !== undefined ? `, slot ${b.slot}` : ''})`;
    case 'removed':
      return `${what} (removed from the fleet, kept reserved in ${IP_PLAN_FILE}${b.slot !== undefined ? `, slot ${b.slot}` : ''})`;
    default:
      return what;
  }
}

/** Which of two overlapping blocks the problem is reported on: what the user pinned over what was recorded; else the later name. */
const rank: Record<Origin, number> = { removed: 0, recorded: 1, allocated: 2, slot: 3, cidr: 3 };

/**
 * Overlaps between blocks, found by sorting on the start address and comparing each block with the
 * one reaching furthest so far (O(n log n)); one problem per pair of clusters.
 */
function overlapIssues(blocks: readonly Block[]): ValidationIssue[] {
  const order = [...blocks].sort((a, b) => a.cidr.base - b.cidr.base || a.cidr.prefix - b.cidr.prefix || cmp(a.cluster, b.cluster) || cmp(a.field, b.field));
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  let reach: Block | undefined;
  for (const x of order) {
    if (reach && x.cidr.base < reach.cidr.base + size(reach.cidr)) {
      const pair = [x, reach].sort((a, b) => rank[a.origin] - rank[b.origin] || cmp(a.cluster, b.cluster) || (a.field === 'podCIDR' ? -1 : 1));
      const [first, second] = pair as [Block, Block];
      const key = `${first.cluster}\u0000${second.cluster}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(overlapIssue(first, second));
      }
    }
    if (!reach || x.cidr.base + size(x.cidr) > reach.cidr.base + size(reach.cidr)) reach = x;
  }
  return issues.sort((a, b) => cmp(a.path, b.path) || cmp(a.message, b.message));
}

function overlapIssue(a: Block, b: Block): ValidationIssue {
  if (a.cluster === b.cluster) {
    return { path: b.path, message: `${describeBlock(b)} overlaps its ${describeBlock(a)}; pods and services need separate ranges` };
  }
  if (b.origin === 'recorded' || b.origin === 'removed') {
    // Both recorded: the file holds two allocations that overlap (two branches that each allocated a range, merged).
    return {
      path: b.path,
      message: `${describeBlock(b)} overlaps ${describeBlock(a)}: ${IP_PLAN_FILE} holds two overlapping allocations (two branches that each allocated, merged?). Delete the entry of the cluster that is not deployed yet from ${IP_PLAN_FILE}; synth gives it a free range`,
    };
  }
  if (a.origin === 'recorded' || a.origin === 'removed') {
    const how = b.origin === 'slot' ? 'network.slot' : `network.${b.field}`;
    return {
      path: b.path,
      message:
        `${describeBlock(b)} collides with ${describeBlock(a)}; existing allocations never move. ` +
        (a.origin === 'removed'
          ? `Release '${a.cluster}' with network.reuseRemoved: ['${a.cluster}'] once its addresses are out of use, or change ${how}{free}, or drop it to have a range allocated`
          : `Change ${how}{free}, or drop it to have a range allocated`),
    };
  }
  return {
    path: b.path,
    message: `${describeBlock(b)} overlaps ${describeBlock(a)}; cluster address ranges must not overlap (Cilium mesh routes pod IPs between clusters). Change one of them{free} or drop it to have it allocated`,
  };
}

/** The prefix lengths (from the pool's own) whose slot count holds `n` clusters. */
function lengthsFor(poolPrefix: number, n: number): number {
  return poolPrefix + Math.max(0, Math.ceil(Math.log2(n)));
}

function capacityMessage(
  pools: IpPlanPools,
  podPool: Cidr,
  svcPool: Cidr,
  slots: number,
  blocked: number,
  pending: number,
  reserved: number,
  clusters: readonly PlanCluster[],
  hasState: boolean,
): string {
  const need = blocked + pending;
  const podSlots = 2 ** (pools.podPrefixLength - podPool.prefix);
  const svcSlots = 2 ** (pools.servicePrefixLength - svcPool.prefix);
  // The longest pod prefix every cluster's nodes still fit in (their per-node ranges).
  let podMax = 28;
  for (const c of clusters) {
    const mask = c.nodeMaskSize ?? DEFAULT_NODE_MASK_SIZE;
    podMax = Math.min(podMax, mask - Math.max(0, Math.ceil(Math.log2(Math.max(1, c.nodes ?? 1)))));
  }
  const podMin = lengthsFor(podPool.prefix, need);
  const svcMin = lengthsFor(svcPool.prefix, need);
  const podFit =
    podMin <= podMax
      ? `network.podPrefixLength ${podMin}${podMin < podMax ? ` to ${podMax}` : ''} (pod pool /${podPool.prefix}; /${podMin} gives ${2 ** (podMin - podPool.prefix)} slots of ${2 ** (32 - podMin)} pod addresses${podMax < 28 ? `; longer than /${podMax} leaves some cluster's nodes without a per-node range` : ''})`
      : `no pod prefix length: a /${podPool.prefix} pod pool cut into ${need} blocks leaves too few addresses for the nodes' per-node ranges; use a larger network.podPool (a /${Math.max(0, podMax - Math.ceil(Math.log2(need)))} or larger) with network.podPrefixLength ${podMax}`;
  const svcFit = svcMin <= 28 ? `network.servicePrefixLength ${svcMin}${svcMin < 28 ? ` to 28` : ''} (service pool /${svcPool.prefix}; /${svcMin} gives ${2 ** (32 - svcMin)} service addresses per cluster)` : `a larger network.servicePool (a /${28 - Math.ceil(Math.log2(need))} or larger)`;
  const of = `${pending} cluster${pending === 1 ? '' : 's'} to allocate${blocked > 0 ? `, and ${blocked} slot${blocked === 1 ? '' : 's'} taken by pinned and recorded clusters${reserved > 0 ? ` (${reserved} of them removed and kept reserved)` : ''}` : ''}`;
  return (
    `the IP plan has ${slots} slots (pods: ${pools.podPool} in /${pools.podPrefixLength} blocks = ${podSlots}; services: ${pools.servicePool} in /${pools.servicePrefixLength} blocks = ${svcSlots}), ` +
    `and the fleet needs ${need} (${of}). Prefix lengths that fit ${need} clusters: ${podFit}; ${svcFit}` +
    (hasState
      ? `. ${IP_PLAN_FILE} holds allocations made with the current prefix lengths: changing them renumbers every cluster (delete ${IP_PLAN_FILE} to do that on purpose); ${reserved > 0 ? `releasing removed clusters' ranges (network.reuseRemoved) or ` : ''}growing the pools at the same base address keeps every recorded range`
      : '')
  );
}

/**
 * Each cluster's pod CIDR against the per-node ranges its nodes take from it: a pod CIDR smaller than
 * one range gives no node a range, and one with fewer ranges than nodes leaves nodes without pods.
 */
function nodeRangeIssues(clusters: readonly PlanCluster[], result: ReadonlyMap<string, ClusterAddresses>, podPool: Cidr | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const c of clusters) {
    const a = result.get(c.name);
    if (!a || c.nodes === undefined) continue;
    const pod = parseCidr(a.podCIDR);
    if (typeof pod === 'string') continue;
    const mask = c.nodeMaskSize ?? DEFAULT_NODE_MASK_SIZE;
    const ranges = pod.prefix <= mask ? 2 ** (mask - pod.prefix) : 0;
    if (c.nodes <= ranges) continue;
    const fitLen = mask - Math.ceil(Math.log2(c.nodes));
    const maskFit = pod.prefix + Math.ceil(Math.log2(c.nodes));
    const fixes = [
      c.podCIDR !== undefined ? `a larger network.podCIDR for this cluster (a /${fitLen} or larger)` : `a pod block for this cluster of its own (network.podCIDR, a /${fitLen} or larger)`,
      ...(c.podCIDR === undefined && podPool && fitLen >= podPool.prefix ? [`network.podPrefixLength ${fitLen} or less for the fleet (with no ${IP_PLAN_FILE} yet: it renumbers every cluster)`] : []),
      ...(maskFit <= 30 ? [`smaller per-node ranges (/${maskFit}: Cilium's ipam.operator.clusterPoolIPv4MaskSize, or kube-controller-manager's --node-cidr-mask-size)`] : []),
      'fewer nodes in the cluster',
    ];
    issues.push({
      path: `${c.path}.podCIDR`,
      message:
        `cluster '${c.name}' has ${c.nodes} node${c.nodes === 1 ? '' : 's'}${c.nodesFrom ? ` (${c.nodesFrom})` : ''}, but its pod CIDR ${a.podCIDR} holds ${ranges === 0 ? 'no' : `only ${ranges}`} per-node /${mask} range${ranges === 1 ? '' : 's'} ` +
        `(each node takes one from the cluster's pod CIDR: kube-controller-manager's node CIDR mask, Cilium's cluster-pool mask size; /${DEFAULT_NODE_MASK_SIZE} by default). Fix: ${fixes.join('; or ')}`,
    });
  }
  return issues;
}

/** The state file's bytes: stable (sorted by name, one cluster a line, fixed key order), so a second synth changes nothing. */
export function renderIpPlanState(state: IpPlanState): string {
  const p = state.pools;
  const line = (e: IpAllocation) =>
    JSON.stringify({ name: e.name, ...(e.slot !== undefined ? { slot: e.slot } : {}), podCIDR: e.podCIDR, serviceCIDR: e.serviceCIDR, ...(e.removed ? { removed: true } : {}) }).replace(/,"/g, ', "').replace(/":/g, '": ');
  const clusters = [...state.clusters].sort((a, b) => cmp(a.name, b.name));
  return (
    '{\n' +
    `  "format": ${JSON.stringify(FORMAT)},\n` +
    `  "about": "The fleet IP plan's allocations, written by synth and read by the next one: commit it with the output. Entries never move; removed clusters stay reserved until network.reuseRemoved releases them.",\n` +
    `  "pools": { "podPool": ${JSON.stringify(p.podPool)}, "podPrefixLength": ${p.podPrefixLength}, "servicePool": ${JSON.stringify(p.servicePool)}, "servicePrefixLength": ${p.servicePrefixLength} },\n` +
    `  "clusters": [${clusters.length === 0 ? '' : `\n${clusters.map((e) => `    ${line(e)}`).join(',\n')}\n  `}]\n` +
    '}\n'
  );
}

/**
 * Reads a saved state (the text of `ip-plan.json`). Unlike a previous placement, a state that cannot be
 * read is an error, never ignored: ignoring it would renumber every cluster.
 */
export function parseIpPlanState(text: string): { state: IpPlanState } | { problem: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const conflict = /^(<<<<<<<|>>>>>>>|=======)/m.test(text) ? ' (it holds merge conflict markers: keep the entries of both sides, then synth again)' : '';
    return { problem: `is not JSON${conflict}: ${(e as Error).message}` };
  }
  const root = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  if (root.format !== FORMAT) return { problem: `is not a ${FORMAT} document (format: ${JSON.stringify(root.format ?? null)})` };
  const p = root.pools && typeof root.pools === 'object' ? (root.pools as Record<string, unknown>) : {};
  if (typeof p.podPool !== 'string' || typeof p.servicePool !== 'string' || typeof p.podPrefixLength !== 'number' || typeof p.servicePrefixLength !== 'number') {
    return { problem: 'has no pools { podPool, podPrefixLength, servicePool, servicePrefixLength }' };
  }
  if (!Array.isArray(root.clusters)) return { problem: 'has no clusters list' };
  const clusters: IpAllocation[] = [];
  for (const [i, x] of (root.clusters as unknown[]).entries()) {
    const e = x && typeof x === 'object' ? (x as Record<string, unknown>) : {};
    if (typeof e.name !== 'string' || typeof e.podCIDR !== 'string' || typeof e.serviceCIDR !== 'string' || (e.slot !== undefined && !(Number.isInteger(e.slot) && (e.slot as number) >= 0))) {
      return { problem: `clusters[${i}] needs name, podCIDR and serviceCIDR (strings) and, if any, a slot (an integer from 0)` };
    }
    clusters.push({ name: e.name, ...(e.slot !== undefined ? { slot: e.slot as number } : {}), podCIDR: e.podCIDR, serviceCIDR: e.serviceCIDR, ...(e.removed === true ? { removed: true } : {}) });
  }
  return { state: { pools: { podPool: p.podPool, podPrefixLength: p.podPrefixLength, servicePool: p.servicePool, servicePrefixLength: p.servicePrefixLength }, clusters } };
}
