/**
 * IPv4 addresses and CIDR blocks as numbers: parsing, containment and overlap.
 * The fleet IP plan and the address checks of hosts use these; IPv6 is not planned yet.
 */

/** An IPv4 CIDR block: first address as an unsigned 32-bit number and prefix length. */
export interface Cidr {
  readonly base: number;
  readonly bits: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted IPv4 address, or undefined. */
export function parseIpv4(s: string): number | undefined {
  const m = IPV4.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** True when the string parses as an IPv4 or (loosely) an IPv6 address. */
export function isIpAddress(s: string): boolean {
  return parseIpv4(s) !== undefined || (/^[0-9a-fA-F:]+$/.test(s) && s.includes(':'));
}

/** Parses `a.b.c.d/n`. Returns a message when the block is malformed or has host bits set. */
export function parseCidr(s: string): Cidr | string {
  const [addr, len, ...rest] = s.split('/');
  if (rest.length > 0 || addr === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return `'${s}' is not an IPv4 CIDR block such as 10.244.0.0/16`;
  const base = parseIpv4(addr);
  const bits = Number(len);
  if (base === undefined || bits > 32) return `'${s}' is not an IPv4 CIDR block such as 10.244.0.0/16`;
  if ((base & ~mask(bits)) >>> 0 !== 0) return `'${s}' has host bits set; the block starts at ${formatIpv4((base & mask(bits)) >>> 0)}/${bits}`;
  return { base, bits };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.bits}`;
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function size(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

export function containsAddress(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + size(c);
}

/** The `index`-th sub-block of length `bits` inside `pool`, or undefined when it does not fit. */
export function subBlock(pool: Cidr, bits: number, index: number): Cidr | undefined {
  if (bits < pool.bits || index < 0 || index >= 2 ** (bits - pool.bits)) return undefined;
  return { base: pool.base + index * 2 ** (32 - bits), bits };
}
