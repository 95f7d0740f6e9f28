import { clusterAddresses, derivedSlot, planAddresses, type PlanCluster } from '../../lib/model/ip-plan';
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

  test('a cluster is addressed from its own settings alone', () => {
    const clusters = [cl('x'), cl('y', { slot: 7 }), cl('z', { podCIDR: '10.9.0.0/16' })];
    const { plan } = planAddresses(clusters);
    for (const c of clusters) expect(clusterAddresses(c)).toEqual(plan.clusters.get(c.name));
  });

  test('two names on one slot are an error naming both, with a free slot to pin', () => {
    const slots = 256;
    const base = derivedSlot('alpha', slots);
    const other = Array.from({ length: 5000 }, (_, i) => `c${i}`).find((n) => derivedSlot(n, slots) === base)!;
    const { issues } = planAddresses([cl('alpha'), cl(other)]);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain(`'alpha' and '${other}' both take slot ${base}`);
    expect(issues[0]!.message).toMatch(/network\.slot \(e\.g\. \d+\)/);
    const pinned = planAddresses([cl('alpha'), cl(other, { slot: (base + 1) % slots })]);
    expect(pinned.issues).toEqual([]);
    expect(pinned.plan.clusters.get('alpha')).toEqual(planAddresses([cl('alpha')]).plan.clusters.get('alpha'));
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
