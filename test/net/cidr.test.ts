import { contains, coveringCidr, formatCidr, overlaps, parseCidr, type Cidr } from '../../lib/net/cidr';

const c = (s: string) => parseCidr(s) as Cidr;

describe('CIDR arithmetic', () => {
  it('parses networks and explains bad input', () => {
    expect(formatCidr(c('10.244.0.0/16'))).toBe('10.244.0.0/16');
    expect(parseCidr('10.244.1.0/16')).toBe("'10.244.1.0/16' has host bits set; the network is 10.244.0.0/16");
    expect(parseCidr('10.300.0.0/16')).toMatch(/octets 0-255/);
    expect(parseCidr('fd00::/8')).toMatch(/not an IPv4 CIDR/);
  });
  it('tells overlap and containment', () => {
    expect(overlaps(c('10.0.0.0/16'), c('10.0.255.0/24'))).toBe(true);
    expect(overlaps(c('10.0.0.0/16'), c('10.1.0.0/16'))).toBe(false);
    expect(contains(c('10.0.0.0/8'), c('10.9.0.0/16'))).toBe(true);
    expect(contains(c('10.9.0.0/16'), c('10.0.0.0/8'))).toBe(false);
  });
  it('finds the smallest covering network', () => {
    expect(formatCidr(coveringCidr([c('10.244.0.0/16'), c('10.245.0.0/16')]))).toBe('10.244.0.0/15');
    expect(formatCidr(coveringCidr([c('10.0.0.0/16'), c('10.3.0.0/16')]))).toBe('10.0.0.0/14');
    expect(formatCidr(coveringCidr([c('0.0.0.0/1'), c('128.0.0.0/1')]))).toBe('0.0.0.0/0');
  });
});
