/**
 * What the mesh needs from the networks between its clusters: stated per member as data, checked
 * where the fleet knows the addresses.
 */
import { App } from 'cdk8s';
import { addReferenceLayers, buildReferenceBase } from '../../apps/reference-fleet';
import { CiliumMesh } from '../../constructs';
import { knownNodeAddresses, meshReachability, type ReachabilityMember } from '../../lib/mesh/reachability';
import { isPrivateIpv4, parseAddressRange } from '../../lib/net/range';
import { rejections } from '../helpers';

const m = (cluster: string, site: string, podCidr: string, nodeAddresses: string[] | undefined, endpoint: Partial<ReachabilityMember['endpoint']> = {}): ReachabilityMember => ({
  cluster,
  site,
  podCidr,
  serviceCidr: podCidr.replace(/^10\.(\d+)\./, (_, n) => `10.${Number(n) + 100}.`),
  ...(nodeAddresses ? { nodeAddresses } : {}),
  endpoint: { address: `mesh.${cluster}.example`, port: 2379, serviceType: 'LoadBalancer', ...endpoint },
});

const two = [m('a', 'x', '10.1.0.0/16', ['192.168.1.11', '192.168.1.12']), m('b', 'y', '10.2.0.0/16', ['203.0.113.5'], { address: '203.0.113.5', port: 32379, serviceType: 'NodePort' })];

describe('mesh reachability', () => {
  test('tunnel + WireGuard: the endpoint, VXLAN, WireGuard and health, each from the peers\' nodes', () => {
    const { members, issues } = meshReachability(two, { routingMode: 'tunnel', encryption: 'wireguard' });
    expect(issues).toEqual([]);
    const a = members.find((r) => r.cluster === 'a')!;
    expect(a.inbound.map((r) => [r.name, r.protocol, r.port])).toEqual([
      ['clustermesh-apiserver', 'TCP', 2379],
      ['vxlan', 'UDP', 8472],
      ['wireguard', 'UDP', 51871],
      ['health', 'TCP', 4240],
      ['icmp-echo', 'ICMP', undefined],
    ]);
    expect(a.inbound[0]!.to).toEqual(['mesh.a.example']);
    expect(a.inbound[1]!.to).toEqual(['192.168.1.11', '192.168.1.12']);
    expect(a.inbound.every((r) => JSON.stringify(r.from) === JSON.stringify([{ cluster: 'b', site: 'y', nodes: ['203.0.113.5'] }]))).toBe(true);
    expect(a.dns).toEqual([{ name: 'mesh.a.example', resolveIn: ['b'], to: 'the address of the clustermesh-apiserver Service of a' }]);
    // A NodePort endpoint arrives on the nodes.
    const b = members.find((r) => r.cluster === 'b')!;
    expect(b.inbound[0]).toMatchObject({ port: 32379, to: ['203.0.113.5'] });
    expect(b.dns).toEqual([]);
  });

  test('native routing and IPsec: no VXLAN, ESP instead of WireGuard, and pod-CIDR routes', () => {
    const a = meshReachability(two, { routingMode: 'native', encryption: 'ipsec' }).members[0]!;
    expect(a.inbound.map((r) => r.name)).toEqual(['clustermesh-apiserver', 'ipsec', 'health', 'icmp-echo']);
    expect(a.inbound[1]).toMatchObject({ protocol: 'ESP' });
    expect(a.routes).toEqual([{ cidr: '10.1.0.0/16', to: 'the nodes of a', from: ['b'] }]);
  });

  test('notes: private addresses across sites need a routed private network without NAT; unknown addresses; unencrypted VXLAN across sites', () => {
    const r = meshReachability([...two, m('c', 'z', '10.3.0.0/16', undefined)], { routingMode: 'tunnel', encryption: 'none' }).members;
    expect(r[0]!.notes).toContainEqual(expect.stringMatching(/^a's nodes have private addresses \(192\.168\.1\.11, 192\.168\.1\.12\): b, c at other sites reach them only over a routed private network .* does not work through NAT$/));
    expect(r[1]!.notes.some((n) => n.includes('private addresses'))).toBe(false);
    expect(r[2]!.nodeAddresses).toBe('unknown');
    expect(r[2]!.notes).toContainEqual('the fleet does not know the node addresses of c: check the rules above against them yourself');
    expect(r[0]!.notes).toContainEqual(expect.stringMatching(/unencrypted VXLAN/));
  });

  test('members at one site: no cross-site note', () => {
    const r = meshReachability([m('a', 'x', '10.1.0.0/16', ['192.168.1.11']), m('b', 'x', '10.2.0.0/16', ['192.168.1.21'])], { routingMode: 'tunnel', encryption: 'wireguard' }).members;
    expect(r.flatMap((x) => x.notes).filter((n) => n.includes('private'))).toEqual([]);
  });

  test('a node address in two members is an error naming both', () => {
    const { issues } = meshReachability([m('a', 'x', '10.1.0.0/16', ['192.168.1.11']), m('b', 'y', '10.2.0.0/16', ['192.168.1.11'])], { routingMode: 'tunnel', encryption: 'wireguard' });
    expect(issues).toEqual([{ path: 'clusters[b].nodes', message: expect.stringMatching(/^node address 192\.168\.1\.11 is also a node address of a; .* must not overlap/) }]);
  });

  test('a node address inside a pod or service CIDR of the mesh is an error', () => {
    const { issues } = meshReachability([m('a', 'x', '10.1.0.0/16', ['10.2.0.7']), m('b', 'y', '10.2.0.0/16', ['192.168.1.11'])], { routingMode: 'tunnel', encryption: 'wireguard' });
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([expect.stringMatching(/^clusters\[a\]\.nodes: node address 10\.2\.0\.7 lies in the pod CIDR of b \(10\.2\.0\.0\/16\)/)]);
  });

  test('node addresses the fleet knows per control plane', () => {
    expect(
      knownNodeAddresses(
        {
          mode: 'standalone',
          hosts: [
            { role: 'controller', address: '10.0.0.1' },
            { role: 'controller+worker', address: 'ctl.example', privateAddress: '10.0.0.2' },
            { role: 'worker', address: '10.0.0.3' },
          ],
        },
        'bare-metal',
      ),
    ).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(knownNodeAddresses({ mode: 'hosted', workers: [{ address: '10.0.1.1' }] }, 'edge')).toEqual(['10.0.1.1']);
    expect(knownNodeAddresses({ mode: 'k0rdent', credential: 'c', config: { machines: [{ address: '10.0.2.1' }] } }, 'bare-metal')).toEqual(['10.0.2.1']);
    expect(knownNodeAddresses({ mode: 'k0rdent', credential: 'c' }, 'aws')).toBeUndefined();
    expect(knownNodeAddresses(undefined, 'bare-metal')).toBeUndefined();
  });

  test('ranges and private addresses', () => {
    expect(parseAddressRange('10.0.0.240/28')).toEqual({ first: 0x0a0000f0, last: 0x0a0000ff });
    expect(parseAddressRange('10.0.0.250-10.0.0.240')).toBe("'10.0.0.250-10.0.0.240' ends before it starts");
    expect(['10.1.2.3', '172.20.0.1', '192.168.0.1', '100.64.0.1', '203.0.113.5', '172.32.0.1'].map(isPrivateIpv4)).toEqual([true, true, true, true, false, false]);
  });
});

describe('mesh reachability in the reference fleet', () => {
  const fleet = buildReferenceBase(new App());
  const { mesh } = addReferenceLayers(fleet);

  test('each member: its LoadBalancer endpoint and the peers\' node addresses it must accept', () => {
    const q = mesh.reachability(fleet.site('quebec').cluster());
    expect(q.endpoint).toEqual({ address: '10.20.0.250', port: 2379, protocol: 'TCP', serviceType: 'LoadBalancer', dnsName: false });
    expect(q.nodeAddresses).toEqual(['10.20.0.11', '10.20.0.12', '10.20.0.13', '10.20.0.14', '10.20.0.21', '10.20.0.22']);
    expect(q.inbound.find((r) => r.name === 'wireguard')!.from).toEqual([
      { cluster: 'atlanta', site: 'atlanta', nodes: ['10.30.0.11', '10.30.0.12'] },
      { cluster: 'frankfurt', site: 'frankfurt', nodes: ['192.168.10.11', '192.168.10.12', '192.168.10.13'] },
    ]);
    expect(q.notes).toEqual([expect.stringMatching(/^quebec's nodes have private addresses .* atlanta, frankfurt at other sites/)]);
    expect(mesh.reachabilityReport().map((r) => r.cluster)).toEqual(['atlanta', 'frankfurt', 'quebec']);
  });

  test('refuses a cluster outside the mesh', () => {
    const other = buildReferenceBase(new App());
    const mesh2 = new CiliumMesh(other, 'mesh2');
    expect(() => mesh2.reachability(other.site('quebec').cluster())).toThrow(/reachability uses cluster 'quebec', which is not in the mesh/);
  });

  test('renumbering a site into another site\'s node addresses fails synth', () => {
    const f = buildReferenceBase(new App());
    const m2 = new CiliumMesh(f, 'mesh');
    m2.addCluster({ cluster: f.site('quebec').cluster(), meshEndpoint: '10.20.0.250' });
    m2.addCluster({ cluster: f.site('frankfurt').cluster(), meshEndpoint: '192.168.10.250', nodeAddresses: ['10.20.0.11'] });
    expect(rejections(() => f.toTree())).toContainEqual(expect.stringMatching(/^geo\/mesh: clusters\[quebec\]\.nodes: node address 10\.20\.0\.11 is also a node address of frankfurt/));
  });
});
