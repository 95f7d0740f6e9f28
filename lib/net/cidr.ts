/**
 * IPv4 CIDR arithmetic for IP plans and mesh checks: parse, overlap, containment, covering supernet.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  readonly base: number;
  /** Prefix length, 0..32. */
  readonly prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns an error message instead of a value when it is not a network address. */
export function parseCidr(text: string): Cidr | string {
  const m = CIDR_RE.exec(text);
  if (!m) return `'${text}' is not an IPv4 CIDR such as 10.244.0.0/16`;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return `'${text}' is not an IPv4 CIDR (octets 0-255, prefix 0-32)`;
  const addr = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const base = (addr & mask) >>> 0;
  if (base !== addr) return `'${text}' has host bits set; the network is ${formatCidr({ base, prefix })}`;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${c.base >>> 24}.${(c.base >>> 16) & 255}.${(c.base >>> 8) & 255}.${c.base & 255}/${c.prefix}`;
}

function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when the two networks share an address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** True when `outer` contains all of `inner`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

/** The smallest single network that contains all of `cidrs`. */
export function coveringCidr(cidrs: readonly Cidr[]): Cidr {
  if (cidrs.length === 0) throw new Error('coveringCidr needs at least one network');
  const lo0 = Math.min(...cidrs.map((c) => c.base));
  const hi = Math.max(...cidrs.map((c) => c.base + size(c) - 1));
  let prefix = 32;
  while (prefix > 0) {
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    if (((lo0 & mask) >>> 0) === ((hi & mask) >>> 0)) break;
    prefix--;
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (lo0 & mask) >>> 0, prefix };
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted IPv4 address into an unsigned 32-bit number, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/** True for an IPv4 address or (loosely) an IPv6 address. */
export function isIpAddress(text: string): boolean {
  return parseIpv4(text) !== undefined || (/^[0-9a-fA-F:]+$/.test(text) && text.includes(':'));
}

/** True when the address (from `parseIpv4`) is inside the network. */
export function containsAddress(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + size(c);
}

/** The `index`-th sub-network of prefix length `prefix` inside `pool`, or undefined when it does not fit. */
export function subBlock(pool: Cidr, prefix: number, index: number): Cidr | undefined {
  if (prefix < pool.prefix || index < 0 || index >= 2 ** (prefix - pool.prefix)) return undefined;
  return { base: pool.base + index * 2 ** (32 - prefix), prefix };
}

/**
 * Every pair of networks in `cidrs` that overlap, as index pairs `[i, j]` with `i < j`, sorted by `i` then
 * `j` (the order of comparing every pair). A sweep over the networks sorted by address: linear in the
 * number of networks plus the pairs found, where comparing every pair is quadratic.
 */
export function overlappingPairs(cidrs: readonly Cidr[]): [number, number][] {
  const order = cidrs.map((_, i) => i).sort((a, b) => cidrs[a]!.base - cidrs[b]!.base || a - b);
  const pairs: [number, number][] = [];
  let open: number[] = [];
  for (const k of order) {
    const start = cidrs[k]!.base;
    // Networks that end at or before this one starts can overlap none of the later ones either.
    open = open.filter((i) => cidrs[i]!.base + size(cidrs[i]!) > start);
    for (const i of open) pairs.push(i < k ? [i, k] : [k, i]);
    open.push(k);
  }
  return pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * An index of networks for address lookups: `containing(ip)` gives the indices (ascending) of every network
 * in `cidrs` that holds the address (from `parseIpv4`). A binary search over the networks sorted by address,
 * where testing every network per address is quadratic over a fleet's nodes and clusters.
 */
export function addressIndex(cidrs: readonly Cidr[]): { containing(ip: number): number[] } {
  const order = cidrs.map((_, i) => i).sort((a, b) => cidrs[a]!.base - cidrs[b]!.base || a - b);
  // The highest end (exclusive) among the first k networks in address order: a backward scan stops below it.
  const maxEnd: number[] = [];
  for (const i of order) maxEnd.push(Math.max(maxEnd[maxEnd.length - 1] ?? 0, cidrs[i]!.base + size(cidrs[i]!)));
  return {
    containing(ip: number): number[] {
      let lo = 0;
      let hi = order.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cidrs[order[mid]!]!.base <= ip) lo = mid + 1;
        else hi = mid;
      }
      const out: number[] = [];
      for (let k = lo - 1; k >= 0 && maxEnd[k]! > ip; k--) if (containsAddress(cidrs[order[k]!]!, ip)) out.push(order[k]!);
      return out.sort((a, b) => a - b);
    },
  };
}
