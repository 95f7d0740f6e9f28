import { chooseHost, hostCapacity, planHosting, type HostCandidate, type HostedRequest } from '../../lib/k0smotron/hosting';
import { cpuMillis, memoryMiB, resolveSizing, sizingDemand } from '../../lib/k0smotron/sizing';

const mgmt: HostCandidate = { cluster: 'hub', site: 'hub', geoRegion: 'eu-central', sites: [], pools: [{ name: 'mgmt', count: 3, cpu: 16, memoryGiB: 64 }], path: 'management.controlPlaneHosting' };
const west: HostCandidate = { cluster: 'west-mgmt', site: 'west-dc', geoRegion: 'eu-west', kcmRegion: 'west', sites: ['paris-1'], pools: [{ name: 'mgmt', count: 3, cpu: 32, memoryGiB: 128 }], path: 'management.regions[west].controlPlaneHosting' };
const store = (name: string, geoRegion = 'eu-central', extra: Partial<HostedRequest> = {}): HostedRequest => ({
  cluster: name,
  site: name,
  geoRegion,
  sizing: resolveSizing({}),
  service: {},
  ingress: false,
  path: `sites[${name}].clusters[${name}]`,
  ...extra,
});

describe('sizes', () => {
  test('quantities in millicores and MiB', () => {
    expect([cpuMillis('500m'), cpuMillis('2'), cpuMillis('1.5'), cpuMillis('x')]).toEqual([500, 2000, 1500, undefined]);
    expect([memoryMiB('256Mi'), memoryMiB('2Gi'), memoryMiB('1G'), memoryMiB('lots')]).toEqual([256, 2048, 954, undefined]);
  });

  test('the presets follow the k0smotron benchmark (0.4-1.3 cores, 210-560 MiB each at 100 per cluster)', () => {
    const small = resolveSizing({ size: 'small' });
    expect(small).toMatchObject({ size: 'small', replicas: 1, etcdVolume: '1Gi' });
    expect(sizingDemand(small)).toEqual({ cpuMillis: 400, memoryMiB: 256 });
    expect(sizingDemand(resolveSizing({ size: 'medium' }))).toEqual({ cpuMillis: 2400, memoryMiB: 1536 });
    expect(sizingDemand(resolveSizing({ size: 'large' }))).toEqual({ cpuMillis: 6000, memoryMiB: 6144 });
    // The default is small.
    expect(resolveSizing({})).toEqual(small);
  });

  test('explicit replicas, resources and etcd settings win field by field', () => {
    const s = resolveSizing({ size: 'medium', replicas: 1, resources: { requests: { cpu: '2' } }, etcd: { size: '8Gi', storageClass: 'fast' } });
    expect(s).toMatchObject({ size: 'custom', replicas: 1, resources: { requests: { cpu: '2', memory: '384Mi' }, limits: { cpu: '2', memory: '1Gi' } }, etcdVolume: '8Gi', etcdStorageClass: 'fast' });
    expect(sizingDemand(s)).toEqual({ cpuMillis: 2200, memoryMiB: 512 });
  });
});

describe('hosting plan', () => {
  test('capacity: the pools minus 25 % (at least 2 cores and 4 GiB), or what is given', () => {
    expect(hostCapacity(mgmt)).toMatchObject({ cpuMillis: 36000, memoryMiB: 147456 });
    expect(hostCapacity({ ...mgmt, settings: { reserve: { cpu: 4, memoryGiB: 16 } } })).toMatchObject({ cpuMillis: 44000, memoryMiB: 180224 });
    expect(hostCapacity({ ...mgmt, settings: { capacity: { cpu: 10, memoryGiB: 20 } } })).toMatchObject({ cpuMillis: 10000, memoryMiB: 20480 });
    expect(hostCapacity({ ...mgmt, pools: [] })).toBeUndefined();
  });

  test('assignment: managementSite, then Region membership, then the geographic region, then the management cluster', () => {
    const hosts = [mgmt, west];
    expect(chooseHost(store('paris-1', 'eu-west'), hosts, 'hub')).toEqual({ host: 1, by: 'region' });
    expect(chooseHost(store('lyon-1', 'eu-west'), hosts, 'hub')).toEqual({ host: 1, by: 'geographic region' });
    expect(chooseHost(store('berlin-1'), hosts, 'hub')).toEqual({ host: 0, by: 'management cluster' });
    expect(chooseHost(store('lyon-2', 'eu-west', { managementSite: 'hub' }), hosts, 'hub')).toEqual({ host: 0, by: 'managementSite' });
    expect(chooseHost(store('x', 'eu-west', { managementSite: 'nowhere' }), hosts, 'hub')).toEqual({
      issue: { path: 'sites[x].clusters[x].controlPlane.managementSite', message: "no cluster at site 'nowhere' hosts control planes; the hosting sites are hub, west-dc (the fleet management site hub, and the sites of regions' clusters)" },
    });
  });

  test('adding unrelated sites never moves a control plane', () => {
    const base = [store('berlin-1'), store('lyon-1', 'eu-west'), store('paris-1', 'eu-west')];
    const before = planHosting({ hosts: [mgmt, west], requests: base, managementSite: 'hub' });
    const more = [...base, ...Array.from({ length: 50 }, (_, i) => store(`aa-${i}`, i % 2 ? 'eu-west' : 'eu-central'))];
    const after = planHosting({ hosts: [mgmt, west], requests: more, managementSite: 'hub' });
    for (const r of base) expect(after.assignments.get(r.cluster)!.host).toBe(before.assignments.get(r.cluster)!.host);
  });

  test('a full hosting cluster fails with what is needed, what is there and the fixes', () => {
    // 3 × 16 cores - 25 % = 36 cores: 90 small control planes fit (0.4 core each), 100 do not.
    const fits = planHosting({ hosts: [mgmt], requests: Array.from({ length: 90 }, (_, i) => store(`s${i}`)), managementSite: 'hub' });
    expect(fits.issues).toEqual([]);
    expect(fits.hosts[0]!.used).toEqual({ cpuMillis: 36000, memoryMiB: 23040 });
    const full = planHosting({ hosts: [mgmt], requests: Array.from({ length: 100 }, (_, i) => store(`s${i}`)), managementSite: 'hub' });
    expect(full.issues).toEqual([
      {
        path: 'management.controlPlaneHosting',
        message:
          "management cluster 'hub' (site hub) cannot host the 100 control planes assigned to it (100 small): they request 40 cores and 25 GiB, and it has 36 cores and 144 GiB for them (48 cores and 192 GiB in its node pools (mgmt: 3 × 16 cores, 64 GiB) minus a reserve of 12 cores and 48 GiB (the default: 25 %, at least 2 cores and 4 GiB)); cpu short. Fix: add nodes to its node pools (mgmt); add a Region (management.regions with a cluster of this fleet; there is none yet) for some of these sites: regions of the sites here are eu-central; choose a smaller size for some control planes (controlPlane.size, or resources); or, if the nodes can give more than the default reserve leaves, set management.controlPlaneHosting.reserve or .capacity",
      },
    ]);
  });

  test('exposure: NodePort on the host\'s shared address with allocated ports, LoadBalancer without one', () => {
    const shared = { ...mgmt, settings: { nodePortAddress: '198.51.100.10' } };
    const p = planHosting({ hosts: [shared, west], requests: [store('a'), store('b'), store('c', 'eu-west'), store('d', 'eu-central', { service: { type: 'LoadBalancer' } })], managementSite: 'hub' });
    expect(p.issues).toEqual([]);
    expect(p.assignments.get('a')!.exposure).toEqual({ type: 'NodePort', apiPort: 30443, konnectivityPort: 30132, externalAddress: '198.51.100.10', allocated: true });
    expect(p.assignments.get('b')!.exposure).toEqual({ type: 'NodePort', apiPort: 30000, konnectivityPort: 30001, externalAddress: '198.51.100.10', allocated: true });
    expect(p.assignments.get('c')!.exposure).toEqual({ type: 'LoadBalancer', apiPort: 30443, konnectivityPort: 30132, allocated: false });
    expect(p.assignments.get('d')!.exposure.type).toBe('LoadBalancer');
    expect(p.nodePorts!.entries.map((e) => e.cluster)).toEqual(['a', 'b']);
  });

  test('a NodePort control plane without an address anywhere is refused, naming both places to set one', () => {
    const p = planHosting({ hosts: [mgmt], requests: [store('a', 'eu-central', { service: { type: 'NodePort' } })], managementSite: 'hub' });
    expect(p.issues).toEqual([
      {
        path: 'sites[a].clusters[a].controlPlane.externalAddress',
        message:
          "a NodePort control plane needs an address that workers at a reach (join tokens would point at a pod IP: k0smotron#84), and its management cluster 'hub' (site hub) has no shared one. Set nodePortAddress (a node address or a VIP of that cluster) in management.controlPlaneHosting, set externalAddress, set ingress, or use service type LoadBalancer",
      },
    ]);
  });
});
