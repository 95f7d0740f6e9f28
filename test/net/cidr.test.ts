import { addressIndex, contains, containsAddress, coveringCidr, formatCidr, overlappingPairs, overlaps, parseCidr, parseIpv4, type Cidr } from '../../lib/net/cidr';

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
  it('finds every overlapping pair, in the order of comparing every pair', () => {
    expect(overlappingPairs([c('10.0.0.0/16'), c('10.1.0.0/16'), c('10.0.255.0/24'), c('10.0.0.0/8'), c('10.2.0.0/16')])).toEqual([
      [0, 2],
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 4],
    ]);
    expect(overlappingPairs([c('10.0.0.0/24'), c('10.0.1.0/24')])).toEqual([]);
    expect(overlappingPairs([c('10.0.0.0/24'), c('10.0.0.0/24')])).toEqual([[0, 1]]);
    // Agrees with comparing every pair on seeded random networks, many of them overlapping.
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const nets: Cidr[] = [];
      for (let k = 0; k < 60; k++) {
        const prefix = 20 + rand(9);
        const base = ((10 << 24) | (rand(64) << 14)) >>> 0;
        nets.push({ base: (base & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0, prefix });
      }
      const brute: [number, number][] = [];
      for (let i = 0; i < nets.length; i++) for (let j = i + 1; j < nets.length; j++) if (overlaps(nets[i]!, nets[j]!)) brute.push([i, j]);
      expect(overlappingPairs(nets)).toEqual(brute);
    }
  });
  it('finds every network that holds an address, as testing each network does', () => {
    const nets = [c('10.0.0.0/16'), c('10.1.0.0/16'), c('10.0.255.0/24'), c('10.0.0.0/8'), c('192.168.0.0/24')];
    const index = addressIndex(nets);
    expect(index.containing(parseIpv4('10.0.255.7')!)).toEqual([0, 2, 3]);
    expect(index.containing(parseIpv4('10.1.2.3')!)).toEqual([1, 3]);
    expect(index.containing(parseIpv4('10.9.0.1')!)).toEqual([3]);
    expect(index.containing(parseIpv4('192.168.1.1')!)).toEqual([]);
    expect(addressIndex([]).containing(1)).toEqual([]);
    let seed = 11;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const random: Cidr[] = [];
    for (let k = 0; k < 80; k++) {
      const prefix = 16 + rand(13);
      const base = ((10 << 24) | (rand(256) << 12)) >>> 0;
      random.push({ base: (base & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0, prefix });
    }
    const randomIndex = addressIndex(random);
    for (let k = 0; k < 500; k++) {
      const ip = ((10 << 24) | (rand(1 << 20) << 0)) >>> 0;
      expect(randomIndex.containing(ip)).toEqual(random.map((n, i) => (containsAddress(n, ip) ? i : -1)).filter((i) => i >= 0));
    }
  });
});
