/**
 * IPv4 address ranges as the fleet writes them for LoadBalancer pools: a CIDR (`10.0.0.240/28`) or a
 * `first-last` range (`10.0.0.240-10.0.0.250`), and the private (RFC 1918, RFC 6598) networks.
 */
import { parseCidr, parseIpv4 } from './cidr';

/** An inclusive range of IPv4 addresses as unsigned 32-bit numbers. */
export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

/** Parses a CIDR or a `first-last` IPv4 range; returns an error message instead of a value. */
export function parseAddressRange(text: string): AddressRange | string {
  const dash = text.indexOf('-');
  if (dash > 0) {
    const a = parseIpv4(text.slice(0, dash).trim());
    const b = parseIpv4(text.slice(dash + 1).trim());
    if (a === undefined || b === undefined) return `'${text}' is not an IPv4 range such as 10.0.0.240-10.0.0.250`;
    if (b < a) return `'${text}' ends before it starts`;
    return { first: a, last: b };
  }
  const c = parseCidr(text);
  if (typeof c === 'string') return `'${text}' is neither an IPv4 CIDR (10.0.0.240/28) nor a range (10.0.0.240-10.0.0.250)`;
  return { first: c.base, last: c.base + 2 ** (32 - c.prefix) - 1 };
}

/** True when the address (from `parseIpv4`) is in the range. */
export function rangeContains(r: AddressRange, ip: number): boolean {
  return ip >= r.first && ip <= r.last;
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) => parseAddressRange(c) as AddressRange);

/** True for addresses of the private (RFC 1918) and shared (RFC 6598, carrier-grade NAT) networks. */
export function isPrivateIpv4(text: string): boolean {
  const ip = parseIpv4(text);
  return ip !== undefined && PRIVATE.some((r) => rangeContains(r, ip));
}
