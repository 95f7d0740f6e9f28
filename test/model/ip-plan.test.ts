import { derivedSlot, parseIpPlanState, planAddresses, planPools, renderIpPlanState, type IpAllocation, type IpPlan, type IpPlanOptions, type IpPlanState, type PlanCluster } from '../../lib/model/ip-plan';
import { formatCidr, overlaps, parseCidr, type Cidr } from '../../lib/net/cidr';

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

describe('saved state (ip-plan.json)', () => {
  const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  const run = (ns: readonly (string | PlanCluster)[], options: IpPlanOptions = {}, state?: IpPlanState) =>
    planAddresses(
      ns.map((n) => (typeof n === 'string' ? cl(n) : n)),
      options,
      'network',
      state,
    );
  // A small plan (32 slots), so that names clash and probe.
  const small: IpPlanOptions = { podPrefixLength: 14, servicePrefixLength: 17 };
  /** Every block of a plan, sorted: neighbours never overlap. */
  const expectDisjoint = (plan: IpPlan, reserved: readonly IpAllocation[] = []) => {
    const all = [...[...plan.clusters.values()].flatMap((a) => [a.podCIDR, a.serviceCIDR]), ...reserved.flatMap((r) => [r.podCIDR, r.serviceCIDR])].map(cidr).sort((a, b) => a.base - b.base);
    const clashes = all.filter((c, i) => i > 0 && overlaps(all[i - 1]!, c)).map(formatCidr);
    expect(clashes).toEqual([]);
  };

  test('10 stores added, then 3 removed: no existing cluster changes, removed ranges stay reserved', () => {
    const first = run(names('store', 8), small);
    expect(first.issues).toEqual([]);
    const added = run(names('store', 18), small, first.state);
    expect(added.issues).toEqual([]);
    for (const n of names('store', 8)) expect(added.plan.clusters.get(n)).toEqual(first.plan.clusters.get(n));
    expectDisjoint(added.plan);
    const gone = ['store-0001', 'store-0009', 'store-0015'];
    const kept = names('store', 18).filter((n) => !gone.includes(n));
    const removed = run(kept, small, added.state);
    expect(removed.issues).toEqual([]);
    for (const n of kept) expect(removed.plan.clusters.get(n)).toEqual(added.plan.clusters.get(n));
    expect(removed.state.clusters.filter((e) => e.removed).map((e) => e.name)).toEqual(gone);
    // New clusters afterwards take none of the removed ranges.
    const more = run([...kept, ...names('late', 10)], small, removed.state);
    expect(more.issues).toEqual([]);
    const reserved = removed.state.clusters.filter((e) => e.removed);
    for (const n of names('late', 10)) for (const r of reserved) expect(overlaps(cidr(more.plan.clusters.get(n)!.podCIDR), cidr(r.podCIDR))).toBe(false);
    expectDisjoint(more.plan, reserved);
  });

  test('10,000 clusters allocate with no manual slot (pods 10.128.0.0/9 in /23, services 172.16.0.0/12 in /26: 16,384 slots)', () => {
    // A /23 holds the two /24 per-node ranges of a two-node store; a /26 gives 64 service addresses.
    const options: IpPlanOptions = { podPrefixLength: 23, servicePrefixLength: 26 };
    const stores = names('store', 10_000).map((n) => cl(n, { nodes: 2 }));
    const { plan, issues, state } = run(stores, options);
    expect(issues).toEqual([]);
    expect(plan.slots).toBe(16_384);
    expect(plan.clusters.size).toBe(10_000);
    expectDisjoint(plan);
    // Most keep the slot their name hashes to; the rest probed.
    const hashed = stores.filter((c) => plan.clusters.get(c.name)!.slot === derivedSlot(c.name, plan.slots)).length;
    expect(hashed).toBeGreaterThan(7_000);
    // With the saved state, the same input gives the same allocation, and 100 more change nothing else.
    const again = run([...stores, ...names('extra', 100).map((n) => cl(n, { nodes: 2 }))], options, state);
    expect(again.issues).toEqual([]);
    const changed = stores.filter((c) => JSON.stringify(again.plan.clusters.get(c.name)) !== JSON.stringify(plan.clusters.get(c.name))).map((c) => c.name);
    expect(changed).toEqual([]);
  });

  test('a recorded cluster keeps its CIDRs even where its name would hash elsewhere', () => {
    const state: IpPlanState = { pools: planPools(), clusters: [{ name: 'x', slot: 99, podCIDR: '10.177.128.0/17', serviceCIDR: '172.22.48.0/20' }] };
    expect(derivedSlot('x', 256)).not.toBe(99);
    const { plan, issues } = run(['x'], {}, state);
    expect(issues).toEqual([]);
    expect(plan.clusters.get('x')).toEqual({ slot: 99, podCIDR: '10.177.128.0/17', serviceCIDR: '172.22.48.0/20' });
  });

  test("removed clusters' ranges are not reused by default; reuseRemoved releases all, or those named", () => {
    const base = derivedSlot('newcomer', 256);
    const gone = Array.from({ length: 5000 }, (_, i) => `old${i}`).find((n) => derivedSlot(n, 256) === base)!;
    const other = Array.from({ length: 5000 }, (_, i) => `older${i}`).find((n) => derivedSlot(n, 256) !== base)!;
    const before = run([gone, other]);
    const after = run(['newcomer'], {}, before.state);
    expect(after.issues).toEqual([]);
    expect(after.plan.clusters.get('newcomer')!.slot).not.toBe(base);
    const expected: IpAllocation[] = [{ name: 'newcomer', ...after.plan.clusters.get('newcomer')! }, ...before.state.clusters.map((e) => ({ ...e, removed: true }))];
    expect(after.state.clusters).toEqual(expected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
    // Released, all of them: the newcomer takes its hashed slot, the entries are dropped.
    const all = run(['newcomer'], { reuseRemoved: true }, before.state);
    expect(all.issues).toEqual([]);
    expect(all.plan.clusters.get('newcomer')!.slot).toBe(base);
    expect(all.state.clusters.map((e) => e.name)).toEqual(['newcomer']);
    // Released by name: only that one.
    const named = run(['newcomer'], { reuseRemoved: [gone] }, before.state);
    expect(named.plan.clusters.get('newcomer')!.slot).toBe(base);
    expect(named.state.clusters.map((e) => `${e.name}${e.removed ? ' (removed)' : ''}`)).toEqual(['newcomer', `${other} (removed)`].sort());
    // A cluster of the fleet cannot be released.
    expect(run(['newcomer'], { reuseRemoved: ['newcomer'] }, before.state).issues).toEqual([{ path: 'network.reuseRemoved', message: "'newcomer' is a cluster of the fleet; only the ranges of removed clusters can be released" }]);
  });

  test('a pin that collides with a recorded allocation is an error naming both', () => {
    const before = run(['alpha', 'beta']);
    const alpha = before.plan.clusters.get('alpha')!;
    const { issues } = run(['alpha', cl('beta', { slot: alpha.slot! })], {}, before.state);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('clusters[beta].network.slot');
    expect(issues[0]!.message).toContain(`pod CIDR ${alpha.podCIDR} of cluster 'beta' (network.slot ${alpha.slot})`);
    expect(issues[0]!.message).toContain(`of cluster 'alpha' (recorded in ip-plan.json, slot ${alpha.slot})`);
    expect(issues[0]!.message).toMatch(/existing allocations never move\. Change network\.slot \(slot \d+ is free\), or drop it/);
    // A given CIDR inside a recorded one: the same, naming the field.
    const cidrPin = run(['alpha', cl('beta', { podCIDR: alpha.podCIDR.replace('/17', '/18') })], {}, before.state);
    expect(cidrPin.issues.map((i) => i.path)).toEqual(['clusters[beta].network.podCIDR']);
    expect(cidrPin.issues[0]!.message).toContain("of cluster 'alpha' (recorded in ip-plan.json");
    // A pin over a removed cluster's range says how to release it.
    const removed = run([cl('beta', { slot: alpha.slot! })], {}, before.state);
    expect(removed.issues).toHaveLength(1);
    expect(removed.issues[0]!.message).toContain("(removed from the fleet, kept reserved in ip-plan.json");
    expect(removed.issues[0]!.message).toContain("network.reuseRemoved: ['alpha']");
    // The user may move their own cluster: a pin wins over its own recorded entry.
    const free = [...Array(256).keys()].find((s) => ![...before.plan.clusters.values()].some((a) => a.slot === s))!;
    const moved = run([cl('alpha', { slot: free }), 'beta'], {}, before.state);
    expect(moved.issues).toEqual([]);
    expect(moved.state.clusters.find((e) => e.name === 'alpha')!.slot).toBe(free);
  });

  test('pools or prefix lengths that differ from the saved state are one error; a pool grown at the same base is not', () => {
    const before = run(['a', 'b', 'c']);
    const changed = run(['a', 'b', 'c'], { podPrefixLength: 18 }, before.state);
    expect(changed.issues).toHaveLength(1);
    expect(changed.issues[0]!.path).toBe('network');
    expect(changed.issues[0]!.message).toMatch(/^the IP plan's pools \(pods 10\.128\.0\.0\/9 in \/18 blocks, .*\) differ from those of the 3 allocations in ip-plan\.json \(pods 10\.128\.0\.0\/9 in \/17 blocks, .*\): that would renumber every cluster/);
    expect(changed.issues[0]!.message).toContain('delete ip-plan.json from the output folder and synthesize again');
    expect(changed.state).toBe(before.state);
    const low = run(['a', 'b', 'c'], { podPool: '10.0.0.0/9' });
    const grown = run(['a', 'b', 'c', 'd'], { podPool: '10.0.0.0/8' }, low.state);
    expect(grown.issues).toEqual([]);
    for (const n of ['a', 'b', 'c']) expect(grown.plan.clusters.get(n)).toEqual(low.plan.clusters.get(n));
    expect(grown.state.pools.podPool).toBe('10.0.0.0/8');
  });

  test('a fleet larger than the plan is one error stating the capacity and the prefix lengths that fit', () => {
    const { issues, plan } = run(names('store', 300).map((n) => cl(n, { nodes: 2 })));
    expect(issues).toEqual([
      {
        path: 'network',
        message:
          'the IP plan has 256 slots (pods: 10.128.0.0/9 in /17 blocks = 256; services: 172.16.0.0/12 in /20 blocks = 256), and the fleet needs 300 (300 clusters to allocate). ' +
          'Prefix lengths that fit 300 clusters: network.podPrefixLength 18 to 23 (pod pool /9; /18 gives 512 slots of 16384 pod addresses; longer than /23 leaves some cluster\'s nodes without a per-node range); ' +
          'network.servicePrefixLength 21 to 28 (service pool /12; /21 gives 2048 service addresses per cluster)',
      },
    ]);
    expect(plan.clusters.size).toBe(0);
    // What it proposes fits.
    expect(run(names('store', 300).map((n) => cl(n, { nodes: 2 })), { podPrefixLength: 23, servicePrefixLength: 28 }).issues).toEqual([]);
  });

  test('with a saved state, the capacity error says how to grow without renumbering', () => {
    const before = run(names('store', 250), {});
    const { issues } = run(names('store', 250).slice(10).concat(names('more', 20)), {}, before.state);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain('and the fleet needs 270 (20 clusters to allocate, and 250 slots taken by pinned and recorded clusters (10 of them removed and kept reserved))');
    expect(issues[0]!.message).toContain("ip-plan.json holds allocations made with the current prefix lengths: changing them renumbers every cluster (delete ip-plan.json to do that on purpose); releasing removed clusters' ranges (network.reuseRemoved) or growing the pools at the same base address keeps every recorded range");
  });

  test("a cluster with more nodes than its pod CIDR has per-node ranges is an error naming it and the fix", () => {
    const { issues } = run([cl('big', { nodes: 3, nodesFrom: 'node pools box: 3' }), cl('ok', { nodes: 2 })], { podPrefixLength: 23, servicePrefixLength: 26 });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('clusters[big].network.podCIDR');
    expect(issues[0]!.message).toMatch(/^cluster 'big' has 3 nodes \(node pools box: 3\), but its pod CIDR 10\.\d+\.\d+\.0\/23 holds only 2 per-node \/24 ranges/);
    expect(issues[0]!.message).toContain('a pod block for this cluster of its own (network.podCIDR, a /22 or larger)');
    expect(issues[0]!.message).toContain('network.podPrefixLength 22 or less for the fleet');
    // Cilium's smaller per-node ranges fit.
    expect(run([cl('big', { nodes: 3, nodeMaskSize: 25 })], { podPrefixLength: 23, servicePrefixLength: 26 }).issues).toEqual([]);
    // A pod CIDR smaller than one per-node range gives no node a range.
    expect(run([cl('tiny', { nodes: 1, podCIDR: '10.1.0.0/25' })]).issues[0]!.message).toContain('holds no per-node /24 ranges');
  });

  test('two recorded clusters on one range (two branches merged) are an error naming both', () => {
    const pools = planPools();
    const state: IpPlanState = {
      pools,
      clusters: [
        { name: 'left', slot: 7, podCIDR: '10.131.128.0/17', serviceCIDR: '172.16.112.0/20' },
        { name: 'right', slot: 7, podCIDR: '10.131.128.0/17', serviceCIDR: '172.16.112.0/20' },
      ],
    };
    const { issues } = run(['left', 'right'], {}, state);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain("of cluster 'left' (recorded in ip-plan.json, slot 7)");
    expect(issues[0]!.message).toContain("of cluster 'right' (recorded in ip-plan.json, slot 7)");
    expect(issues[0]!.message).toContain('Delete the entry of the cluster that is not deployed yet from ip-plan.json');
    const dup = run(['left'], {}, { pools, clusters: [state.clusters[0]!, state.clusters[0]!] });
    expect(dup.issues.map((i) => i.message)).toEqual(["cluster 'left' is recorded twice (a merge that kept both sides?); keep one entry"]);
  });

  test('the state file: sorted, one cluster a line, read back to the same bytes; unreadable files say why', () => {
    const first = run(['quebec', 'atlanta', cl('frankfurt', { podCIDR: '10.9.0.0/16', serviceCIDR: '10.10.0.0/20' })]);
    const text = renderIpPlanState(first.state);
    expect(text.split('\n').filter((l) => l.includes('"name"')).map((l) => JSON.parse(l.replace(/,$/, '')).name)).toEqual(['atlanta', 'frankfurt', 'quebec']);
    const read = parseIpPlanState(text);
    expect('state' in read && read.state).toEqual(first.state);
    const again = run(['quebec', 'atlanta', cl('frankfurt', { podCIDR: '10.9.0.0/16', serviceCIDR: '10.10.0.0/20' })], {}, (read as { state: IpPlanState }).state);
    expect(renderIpPlanState(again.state)).toBe(text);
    expect(parseIpPlanState('<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> b\n')).toEqual({ problem: expect.stringContaining('merge conflict markers') });
    expect(parseIpPlanState('{"format": "other"}')).toEqual({ problem: 'is not a cdk8s-k0smos/ip-plan/v1 document (format: "other")' });
  });
});
