import { derivedSlot, planAddresses, type PlanCluster } from '../../lib/model/ip-plan';
import { overlaps, parseCidr, type Cidr } from '../../lib/net/cidr';

const cl = (name: string, extra: Partial<PlanCluster> = {}): PlanCluster => ({ name, path: `clusters[${name}].network`, ...extra });
const cidr = (s: string) => parseCidr(s) as Cidr;

describe('fleet IP plan', () => {
  test('allocates disjoint pod and service CIDRs from the default pools', () => {
    const { plan, issues } = planAddresses([cl('frankfurt'), cl('quebec'), cl('atlanta')]);
    expect(issues).toEqual([]);
    const all = [...plan.clusters.values()].flatMap((a) => [cidr(a.podCIDR), cidr(a.serviceCIDR)]);
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i]!, all[j]!)).toBe(false);
    for (const a of plan.clusters.values()) {
      expect(overlaps(cidr(a.podCIDR), cidr('10.128.0.0/9'))).toBe(true);
      expect(a.podCIDR.endsWith('/17')).toBe(true);
      expect(a.serviceCIDR.endsWith('/20')).toBe(true);
    }
  });

  test('adding clusters never renumbers existing ones', () => {
    const names = Array.from({ length: 12 }, (_, i) => `site-${i}`);
    const before = planAddresses(names.map((n) => cl(n)));
    expect(before.issues).toEqual([]);
    for (const extra of ['zurich', 'austin', 'a', 'zzz-last']) {
      const after = planAddresses([...names, extra].map((n) => cl(n)));
      // Either the new cluster fits, or only it is reported; the others keep their addresses.
      for (const n of names) expect(after.plan.clusters.get(n)).toEqual(before.plan.clusters.get(n));
    }
  });

  test('a cluster alone, or whose hashed slot is free, takes the slot its name hashes to', () => {
    const clusters = [cl('x'), cl('y', { slot: 7 }), cl('z', { podCIDR: '10.9.0.0/16' })];
    const { plan, issues } = planAddresses(clusters);
    expect(issues).toEqual([]);
    expect(plan.clusters.get('x')).toEqual(planAddresses([cl('x')]).plan.clusters.get('x'));
    expect(plan.clusters.get('x')!.slot).toBe(derivedSlot('x', 256));
    expect(plan.clusters.get('y')!.slot).toBe(7);
    expect(plan.clusters.get('z')!.podCIDR).toBe('10.9.0.0/16');
  });

  // Behaviour change (issue 14): two names on one hashed slot were an error asking for a pin; now the
  // name that sorts first keeps the slot and the other probes to the next free one.
  test('two names on one slot: the first by name keeps it, the other takes the next free slot', () => {
    const slots = 256;
    const base = derivedSlot('alpha', slots);
    const other = Array.from({ length: 5000 }, (_, i) => `c${i}`).find((n) => derivedSlot(n, slots) === base)!;
    const { plan, issues } = planAddresses([cl('alpha'), cl(other)]);
    expect(issues).toEqual([]);
    expect(plan.clusters.get('alpha')!.slot).toBe(base);
    expect(plan.clusters.get(other)!.slot).toBe((base + 1) % slots);
    // A pin wins over a hashed slot: the pinned cluster keeps it, the other probes.
    const pinned = planAddresses([cl('alpha'), cl(other, { slot: base })]);
    expect(pinned.issues).toEqual([]);
    expect(pinned.plan.clusters.get(other)!.slot).toBe(base);
    expect(pinned.plan.clusters.get('alpha')!.slot).toBe((base + 1) % slots);
    // Two pins on one slot are still an error naming both.
    const both = planAddresses([cl('alpha', { slot: 3 }), cl(other, { slot: 3 })]);
    expect(both.issues).toHaveLength(1);
    expect(both.issues[0]!.message).toContain("of cluster 'alpha' (network.slot 3)");
    expect(both.issues[0]!.message).toContain(`of cluster '${other}' (network.slot 3)`);
  });

  test('overlapping user CIDRs are errors naming both clusters', () => {
    const { issues } = planAddresses([cl('quebec', { podCIDR: '10.1.0.0/16' }), cl('atlanta', { podCIDR: '10.1.128.0/17' })]);
    expect(issues.map((i) => i.path)).toEqual(['clusters[quebec].network.podCIDR']);
    expect(issues[0]!.message).toContain("pod CIDR 10.1.0.0/16 of cluster 'quebec' overlaps pod CIDR 10.1.128.0/17 of cluster 'atlanta'");
  });

  test("a cluster's pod and service CIDRs may not overlap, and malformed CIDRs are named", () => {
    const { issues } = planAddresses([cl('a', { podCIDR: '10.1.0.0/16', serviceCIDR: '10.1.4.0/22' }), cl('b', { podCIDR: '10.3.0.1/16' })]);
    expect(issues.map((i) => i.message).sort()).toEqual(
      [
        "service CIDR 10.1.4.0/22 of cluster 'a' overlaps its pod CIDR 10.1.0.0/16 of cluster 'a'; pods and services need separate ranges",
        "'10.3.0.1/16' has host bits set; the network is 10.3.0.0/16",
      ].sort(),
    );
  });

  test('pools are configurable and checked', () => {
    const { plan, issues } = planAddresses([cl('a')], { podPool: '100.64.0.0/10', podPrefixLength: 16, servicePool: '100.64.0.0/12' });
    expect(issues.map((i) => i.path)).toEqual(['network.servicePool']);
    expect(plan.podPool).toBe('100.64.0.0/10');
  });
});
