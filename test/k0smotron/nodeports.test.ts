import { allocateNodePorts, readNodePortState, renderNodePortState, type NodePortHost, type NodePortRequest, type NodePortState } from '../../lib/k0smotron/nodeports';

const host = (name = 'hub', extra: Partial<NodePortHost> = {}): NodePortHost => ({ name, range: { from: 30000, to: 32767 }, reserved: [], path: `management.controlPlaneHosting`, ...extra });
const req = (cluster: string, h = 'hub', pins: Partial<NodePortRequest> = {}): NodePortRequest => ({ cluster, host: h, path: `sites[${cluster}].clusters[${cluster}].controlPlane`, ...pins });
const stores = (n: number, from = 0) => Array.from({ length: n }, (_, i) => req(`store-${String(i + from).padStart(4, '0')}`));

describe('NodePort allocation', () => {
  test("the first control plane gets k0smotron's default pair, the next ones the lowest free ports", () => {
    const a = allocateNodePorts([host()], stores(3), undefined);
    expect(a.issues).toEqual([]);
    expect(Object.fromEntries(a.ports)).toEqual({
      'store-0000': { apiPort: 30443, konnectivityPort: 30132 },
      'store-0001': { apiPort: 30000, konnectivityPort: 30001 },
      'store-0002': { apiPort: 30002, konnectivityPort: 30003 },
    });
    expect(a.usage.get('hub')).toEqual({ range: 2768, reserved: 0, taken: 6, free: 2762 });
  });

  test('existing entries never move when control planes are added and removed', () => {
    const first = allocateNodePorts([host()], stores(20), undefined);
    const before = new Map(first.ports);
    // Add 10 stores (some sort before the existing ones) and remove 3.
    const kept = stores(20).filter((r) => !['store-0003', 'store-0010', 'store-0017'].includes(r.cluster));
    const added = [...stores(5, 100), ...['a-new', 'b-new', 'c-new', 'd-new', 'e-new'].map((c) => req(c))];
    const second = allocateNodePorts([host()], [...added, ...kept], first.state);
    expect(second.issues).toEqual([]);
    for (const r of kept) expect(second.ports.get(r.cluster)).toEqual(before.get(r.cluster));
    // The removed stores' ports are retired, not handed to the new ones.
    const retired = second.state.entries.filter((e) => e.retired).map((e) => e.cluster);
    expect(retired).toEqual(['store-0003', 'store-0010', 'store-0017']);
    const removedPorts = new Set(['store-0003', 'store-0010', 'store-0017'].flatMap((c) => [before.get(c)!.apiPort, before.get(c)!.konnectivityPort]));
    for (const r of added) {
      const p = second.ports.get(r.cluster)!;
      expect(removedPorts.has(p.apiPort) || removedPorts.has(p.konnectivityPort)).toBe(false);
    }
    // Every port is used once.
    const all = second.state.entries.flatMap((e) => [e.apiPort, e.konnectivityPort]);
    expect(new Set(all).size).toBe(all.length);
    // The same input and state give the same state again.
    expect(renderNodePortState(allocateNodePorts([host()], [...added, ...kept], second.state).state)).toBe(renderNodePortState(second.state));
  });

  test('a retired control plane that comes back gets its old ports', () => {
    const first = allocateNodePorts([host()], stores(3), undefined);
    const gone = allocateNodePorts([host()], stores(3).slice(1), first.state);
    const back = allocateNodePorts([host()], stores(3), gone.state);
    expect(back.ports.get('store-0000')).toEqual(first.ports.get('store-0000'));
    expect(back.state.entries.some((e) => e.retired)).toBe(false);
  });

  test('pins win over the allocation, and a pin that collides with an existing entry names both', () => {
    const first = allocateNodePorts([host()], stores(2), undefined);
    const pinned = allocateNodePorts([host()], [...stores(2), req('pinned', 'hub', { apiPort: 31000, konnectivityPort: 31001 })], first.state);
    expect(pinned.issues).toEqual([]);
    expect(pinned.ports.get('pinned')).toEqual({ apiPort: 31000, konnectivityPort: 31001 });
    const clash = allocateNodePorts([host()], [...stores(2), req('late', 'hub', { apiPort: 30000, konnectivityPort: 31001 })], first.state);
    expect(clash.issues).toEqual([
      { path: 'sites[late].clusters[late].controlPlane.service.apiPort', message: "NodePort 30000 on hosting cluster 'hub' is taken by control plane 'store-0001'; choose another port, or drop the pin to have one allocated" },
    ]);
    // The existing entry keeps its ports.
    expect(clash.ports.get('store-0001')).toEqual(first.ports.get('store-0001'));
  });

  test('a pin outside the range, and one port for both, are refused', () => {
    const a = allocateNodePorts([host()], [req('x', 'hub', { apiPort: 6443, konnectivityPort: 30010 }), req('y', 'hub', { apiPort: 30020, konnectivityPort: 30020 })], undefined);
    expect(a.issues.map((i) => i.message)).toEqual([
      "NodePort 6443 is outside the NodePort range 30000-32767 of hosting cluster 'hub'; pick a port in the range, or set management.controlPlaneHosting.nodePortRange to the cluster's --service-node-port-range",
      'apiPort and konnectivityPort are both 30020; each needs its own NodePort',
    ]);
  });

  test('reserved ports are skipped, and each host is a space of its own', () => {
    const a = allocateNodePorts([host('hub', { reserved: [30443, { from: 30000, to: 30009 }] }), host('eu')], [req('a'), req('b', 'eu')], undefined);
    expect(a.ports.get('a')).toEqual({ apiPort: 30010, konnectivityPort: 30132 });
    expect(a.ports.get('b')).toEqual({ apiPort: 30443, konnectivityPort: 30132 });
    expect(a.usage.get('hub')!.reserved).toBe(11);
  });

  test('a host without enough ports fails with the capacity and the fixes', () => {
    const small = host('hub', { range: { from: 30000, to: 30009 } });
    const a = allocateNodePorts([small], stores(7), undefined);
    expect(a.issues).toHaveLength(1);
    expect(a.issues[0]!.path).toBe('management.controlPlaneHosting');
    expect(a.issues[0]!.message).toBe(
      "hosting cluster 'hub' has no NodePorts left for 2 control planes (store-0005, store-0006), 2 each: its range 30000-30009 holds 10 ports, 0 reserved, 10 taken by control planes. Fix: host some of these control planes in another cluster (a Region: management.regions with controlPlaneHosting), widen nodePortRange, release reservedNodePorts or retired entries, or expose them through ingress",
    );
    // 1,200 stores fit the default range of one cluster; 1,400 do not.
    expect(allocateNodePorts([host()], stores(1200), undefined).issues).toEqual([]);
    expect(allocateNodePorts([host()], stores(1400), undefined).issues).toHaveLength(1);
  });

  test('a control plane that moves to another host gets ports there; its old entry goes', () => {
    const first = allocateNodePorts([host('hub'), host('eu')], [req('a', 'hub')], undefined);
    const moved = allocateNodePorts([host('hub'), host('eu')], [req('a', 'eu')], first.state);
    expect(moved.state.entries).toEqual([{ cluster: 'a', host: 'eu', apiPort: 30443, konnectivityPort: 30132 }]);
  });

  test('nodeports.json round-trips, and a damaged file is refused with the reason', () => {
    const s: NodePortState = allocateNodePorts([host()], stores(2), undefined).state;
    const text = renderNodePortState(s);
    expect(JSON.parse(text).format).toBe('cdk8s-k0smos/nodeports@1');
    expect(readNodePortState(text).state).toEqual(s);
    expect(readNodePortState('{').problem).toMatch(/^not JSON/);
    expect(readNodePortState('{"format":"x"}').problem).toBe('not a cdk8s-k0smos/nodeports@1 document');
    expect(readNodePortState('{"format":"cdk8s-k0smos/nodeports@1","entries":[{"cluster":"a"}]}').problem).toBe('entries[0] needs cluster, host, apiPort and konnectivityPort');
  });
});
