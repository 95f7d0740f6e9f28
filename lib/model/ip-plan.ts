/**
 * The fleet IP plan: every cluster gets a pod CIDR and a service CIDR from fleet-wide pools, and no
 * two clusters overlap (Cilium's cluster mesh routes pod IPs between clusters, so they must be unique).
 *
 * Stability: a cluster's slot in the pools is derived from its own name (FNV-1a hash modulo the
 * number of slots), never from its position among the others, so adding or removing a cluster never
 * renumbers another one. Two names that land on the same slot are an error naming both, with a free
 * slot to pin the newer cluster to (`network.slot`). User-given CIDRs win over the plan and are
 * checked against every other cluster.
 */
import type { ValidationIssue } from './errors';
import { formatCidr, overlappingPairs, overlaps, parseCidr, subBlock, type Cidr } from '../net/cidr';

export const DEFAULT_IP_PLAN = {
  podPool: '10.128.0.0/9',
  podPrefixLength: 17,
  servicePool: '172.16.0.0/12',
  servicePrefixLength: 20,
} as const;

export interface IpPlanOptions {
  readonly podPool?: string;
  readonly podPrefixLength?: number;
  readonly servicePool?: string;
  readonly servicePrefixLength?: number;
}

/** A cluster as the plan sees it. `path` is where its network settings are, for errors. */
export interface PlanCluster {
  readonly name: string;
  readonly path: string;
  readonly podCIDR?: string;
  readonly serviceCIDR?: string;
  readonly slot?: number;
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

/** FNV-1a, 32 bit: a stable, dependency-free hash of a cluster name. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The slot a cluster name lands on when it sets none. */
export function derivedSlot(name: string, slots: number): number {
  return fnv1a(name) % slots;
}

/** Allocates addresses for every cluster. Returns the plan and every problem found. */
export function planAddresses(clusters: readonly PlanCluster[], options: IpPlanOptions = {}, planPath = 'network'): { plan: IpPlan; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const podPoolS = options.podPool ?? DEFAULT_IP_PLAN.podPool;
  const svcPoolS = options.servicePool ?? DEFAULT_IP_PLAN.servicePool;
  const podLen = options.podPrefixLength ?? DEFAULT_IP_PLAN.podPrefixLength;
  const svcLen = options.servicePrefixLength ?? DEFAULT_IP_PLAN.servicePrefixLength;
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
  if (podPool && svcPool && overlaps(podPool, svcPool)) {
    issues.push({ path: `${planPath}.servicePool`, message: `service pool ${svcPoolS} overlaps pod pool ${podPoolS}; pods and services need separate ranges` });
  }
  const slots = podPool && svcPool ? Math.min(2 ** (podLen - podPool.prefix), 2 ** (svcLen - svcPool.prefix)) : 0;

  // Slots: explicit ones first, then derived ones; a clash names both clusters.
  const sorted = [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const needsSlot = (c: PlanCluster) => c.podCIDR === undefined || c.serviceCIDR === undefined;
  const slotOf = new Map<string, number>();
  const holder = new Map<number, PlanCluster>();
  const taken = new Set<number>();
  for (const c of sorted) if (c.slot !== undefined) taken.add(c.slot);
  for (const c of sorted) if (needsSlot(c) && c.slot === undefined && slots > 0) taken.add(derivedSlot(c.name, slots));
  const freeSlot = () => {
    for (let i = 0; i < slots; i++) if (!taken.has(i)) return i;
    return undefined;
  };
  for (const explicit of [true, false]) {
    for (const c of sorted) {
      if (!needsSlot(c) || (c.slot !== undefined) !== explicit || slots === 0) continue;
      const s = c.slot ?? derivedSlot(c.name, slots);
      if (s >= slots) {
        issues.push({ path: `${c.path}.slot`, message: `the IP plan has ${slots} slots (0..${slots - 1}); got ${s}` });
        continue;
      }
      const other = holder.get(s);
      if (other) {
        const free = freeSlot();
        issues.push({
          path: `${c.path}.slot`,
          message: `clusters '${other.name}' and '${c.name}' both take slot ${s} of the IP plan${explicit ? '' : ' (derived from their names)'}; pin the newer one to a free slot with network.slot${free !== undefined ? ` (e.g. ${free})` : ''}, so the other keeps its addresses`,
        });
        continue;
      }
      holder.set(s, c);
      slotOf.set(c.name, s);
    }
  }

  const result = new Map<string, ClusterAddresses>();
  const blocks: { cluster: string; path: string; field: 'podCIDR' | 'serviceCIDR'; cidr: Cidr }[] = [];
  for (const c of sorted) {
    const slot = slotOf.get(c.name);
    const get = (given: string | undefined, field: 'podCIDR' | 'serviceCIDR'): string | undefined => {
      if (given !== undefined) {
        const p = parseCidr(given);
        if (typeof p === 'string') {
          issues.push({ path: `${c.path}.${field}`, message: p });
          return undefined;
        }
        blocks.push({ cluster: c.name, path: `${c.path}.${field}`, field, cidr: p });
        return formatCidr(p);
      }
      if (slot === undefined) return undefined;
      const b = field === 'podCIDR' ? subBlock(podPool!, podLen, slot) : subBlock(svcPool!, svcLen, slot);
      if (!b) return undefined;
      blocks.push({ cluster: c.name, path: `${c.path}.${field}`, field, cidr: b });
      return formatCidr(b);
    };
    const pod = get(c.podCIDR, 'podCIDR');
    const svc = get(c.serviceCIDR, 'serviceCIDR');
    if (pod !== undefined && svc !== undefined) result.set(c.name, { podCIDR: pod, serviceCIDR: svc, ...(slot !== undefined ? { slot } : {}) });
  }
  // Every pair of blocks, including a cluster's own pod and service CIDRs.
  for (const [i, j] of overlappingPairs(blocks.map((x) => x.cidr))) {
    const a = blocks[i]!;
    const b = blocks[j]!;
    const what = (x: typeof a) => `${x.field === 'podCIDR' ? 'pod' : 'service'} CIDR ${formatCidr(x.cidr)} of cluster '${x.cluster}'`;
    issues.push({
      path: b.path,
      message:
        a.cluster === b.cluster
          ? `${what(b)} overlaps its ${what(a)}; pods and services need separate ranges`
          : `${what(b)} overlaps ${what(a)}; cluster address ranges must not overlap (Cilium mesh routes pod IPs between clusters). Change one of them or drop it to have it allocated`,
    });
  }
  return {
    plan: { podPool: podPoolS, podPrefixLength: podLen, servicePool: svcPoolS, servicePrefixLength: svcLen, slots, clusters: result },
    issues,
  };
}

/**
 * One cluster's addresses, computed from its own settings and the plan options alone (no other
 * cluster is needed: that is what keeps allocations stable). Agrees with `planAddresses` whenever
 * that reports no problem; undefined when the settings are invalid.
 */
export function clusterAddresses(c: Omit<PlanCluster, 'path'>, options: IpPlanOptions = {}): ClusterAddresses | undefined {
  const podPool = parseCidr(options.podPool ?? DEFAULT_IP_PLAN.podPool);
  const svcPool = parseCidr(options.servicePool ?? DEFAULT_IP_PLAN.servicePool);
  const podLen = options.podPrefixLength ?? DEFAULT_IP_PLAN.podPrefixLength;
  const svcLen = options.servicePrefixLength ?? DEFAULT_IP_PLAN.servicePrefixLength;
  if (typeof podPool === 'string' || typeof svcPool === 'string') return undefined;
  const slots = Math.min(2 ** Math.max(0, podLen - podPool.prefix), 2 ** Math.max(0, svcLen - svcPool.prefix));
  const needsSlot = c.podCIDR === undefined || c.serviceCIDR === undefined;
  const slot = needsSlot ? (c.slot ?? derivedSlot(c.name, slots)) : undefined;
  const pick = (given: string | undefined, pool: Cidr, len: number): string | undefined => {
    if (given !== undefined) {
      const p = parseCidr(given);
      return typeof p === 'string' ? undefined : formatCidr(p);
    }
    const b = subBlock(pool, len, slot!);
    return b ? formatCidr(b) : undefined;
  };
  const podCIDR = pick(c.podCIDR, podPool, podLen);
  const serviceCIDR = pick(c.serviceCIDR, svcPool, svcLen);
  if (podCIDR === undefined || serviceCIDR === undefined) return undefined;
  return { podCIDR, serviceCIDR, ...(slot !== undefined ? { slot } : {}) };
}
