/**
 * How peers reach each clustermesh-apiserver: LoadBalancer where the cluster has a provider, NodePort
 * otherwise; a LoadBalancer without a provider is refused; Cilium LB IPAM with L2 announcements where
 * the cluster's provider is Cilium.
 */
import { parse } from 'yaml';
import { CiliumMesh, type CiliumMeshMember, type K0sCluster } from '../../constructs';
import { CILIUM_LB_NAME } from '../../lib/mesh/cilium-lb';
import type { FleetSpec } from '../../lib/model/fleet';
import { modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, fileIn, fleetFrom, rejections, treeFailures } from '../helpers';

type ClusterEdit = Record<string, unknown>;

/**
 * hub (standalone, 192.168.0.x) and store (hosted, 172.31.0.x), with cluster settings merged in. Nothing
 * gives hub's LoadBalancer Services addresses unless an edit says so: the fixture's hardware balancer
 * (site-wide present.loadBalancer) is dropped, and so is what needs it there: lab (its hosted control
 * plane is a LoadBalancer Service on hub) and store's control plane Service as a LoadBalancer (store is
 * reached through its ingress, so a ClusterIP Service serves).
 */
function meshed(edits: Record<string, ClusterEdit> = {}, members: Record<string, Partial<CiliumMeshMember>> = {}, props: ConstructorParameters<typeof CiliumMesh>[2] = {}) {
  const spec: FleetSpec = clone(modesFleet());
  spec.sites = spec.sites.filter((s) => s.name !== 'lab');
  for (const s of spec.sites) delete (s as { present?: unknown }).present;
  Object.assign(spec.sites.find((s) => s.name === 'store')!.clusters![0]!.controlPlane!, { service: { type: 'ClusterIP' } });
  for (const s of spec.sites) for (const c of s.clusters ?? []) {
    delete (c as { addons?: unknown }).addons;
    Object.assign(c, edits[c.name] ?? {});
  }
  const fleet = fleetFrom(spec);
  const mesh = new CiliumMesh(fleet, 'mesh', props);
  for (const site of ['hub', 'store']) {
    const k: K0sCluster = fleet.site(site).cluster();
    mesh.addCluster({ cluster: k, meshEndpoint: `mesh.${site}.example`, ...(members[site] ?? {}) });
  }
  return { fleet, mesh };
}

const values = (tree: ReadonlyMap<string, string>, site: 'hub' | 'store'): any =>
  site === 'hub'
    ? parse(parse(tree.get('sites/hub/hub/k0sctl.yaml')!).spec.k0s.config.spec.extensions.helm.charts.find((c: { name: string }) => c.name === 'cilium').values)
    : parse(parse(tree.get('management/clusters/store/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_store.yaml')!).spec.k0sConfig.spec.extensions.helm.charts.find((c: { name: string }) => c.name === 'cilium').values);

const metallb = (addresses: string[]) => ({ loadBalancer: { provider: 'metallb', addresses } });

describe('clustermesh-apiserver exposure', () => {
  test('without a LoadBalancer provider: NodePort 32379, and the peers dial that port', () => {
    const { fleet, mesh } = meshed();
    const tree = fleet.toTree();
    expect(values(tree, 'hub').clustermesh.apiserver.service).toEqual({ type: 'NodePort', nodePort: 32379 });
    expect(values(tree, 'store').clustermesh.config.clusters).toEqual([{ name: 'hub', address: 'mesh.hub.example', port: 32379 }]);
    expect(fleet.site('hub').cluster().addons.find((a) => a.name === 'cilium')!.needs).toBeUndefined();
    expect(mesh.reachability(fleet.site('hub').cluster()).endpoint).toEqual({ address: 'mesh.hub.example', port: 32379, protocol: 'TCP', serviceType: 'NodePort', dnsName: true });
  });

  test('with a provider the fleet installs, or one declared present: LoadBalancer on 2379, and the add-on says it needs one', () => {
    const { fleet } = meshed({ hub: metallb(['192.168.0.240-192.168.0.250']), store: { present: { loadBalancer: true } } });
    const tree = fleet.toTree();
    expect(values(tree, 'hub').clustermesh.apiserver.service).toEqual({ type: 'LoadBalancer' });
    expect(values(tree, 'store').clustermesh.apiserver.service).toEqual({ type: 'LoadBalancer' });
    expect(values(tree, 'hub').clustermesh.config.clusters[0].port).toBe(2379);
    expect(fleet.site('hub').cluster().addons.find((a) => a.name === 'cilium')!.needs).toEqual(['loadbalancer']);
  });

  test('an explicit NodePort wins over a provider, with its own node port', () => {
    const { fleet } = meshed({ hub: metallb(['192.168.0.240/28']) }, { hub: { serviceType: 'NodePort', nodePort: 31379 } });
    const tree = fleet.toTree();
    expect(values(tree, 'hub').clustermesh.apiserver.service).toEqual({ type: 'NodePort', nodePort: 31379 });
    expect(values(tree, 'store').clustermesh.config.clusters[0].port).toBe(31379);
  });

  test('LoadBalancer without a provider is a synth error naming the cluster and the fixes; the mesh-wide setting too', () => {
    const fix = /cluster 'store' is LoadBalancer.*nothing gives LoadBalancer Services an address there: give the cluster a loadBalancer \(provider metallb or cilium.*present\.loadBalancer.*serviceType 'NodePort'/;
    expect(rejections(() => meshed({}, { store: { serviceType: 'LoadBalancer' } }).fleet.toTree())).toEqual([expect.stringMatching(new RegExp(`^fleet/mesh: clusters\\[store\\]\\.serviceType: the clustermesh-apiserver Service of ${fix.source}`))]);
    const all = rejections(() => meshed({ hub: metallb(['192.168.0.240/28']) }, {}, { apiServerServiceType: 'LoadBalancer' }).fleet.toTree());
    expect(all).toEqual([expect.stringMatching(/clusters\[store\]\.serviceType: .*\(the mesh's apiServerServiceType\)/)]);
  });

  test('an IP endpoint is requested from the provider when in its ranges, refused when outside; either way it is in the server certificate', () => {
    const { fleet } = meshed({ hub: metallb(['192.168.0.240-192.168.0.250']) }, { hub: { meshEndpoint: '192.168.0.250' } });
    const v = values(fleet.toTree(), 'hub');
    expect(v.clustermesh.apiserver.service).toEqual({ type: 'LoadBalancer', loadBalancerIP: '192.168.0.250' });
    expect(v.clustermesh.apiserver.tls.server).toEqual({ extraIpAddresses: ['192.168.0.250'] });
    expect(rejections(() => meshed({ hub: metallb(['192.168.0.240-192.168.0.250']) }, { hub: { meshEndpoint: '192.168.0.100' } }).fleet.toTree())).toEqual([
      expect.stringMatching(/clusters\[hub\]\.meshEndpoint: 192\.168\.0\.100 is not in the cluster's loadBalancer\.addresses \(192\.168\.0\.240-192\.168\.0\.250\), so MetalLB cannot give it/),
    ]);
  });

  test('a node port outside the Kubernetes range is refused', () => {
    expect(rejections(() => meshed({}, { hub: { nodePort: 2379 } }).fleet.toTree())).toEqual([expect.stringMatching(/clusters\[hub\]\.nodePort: must be a port in the Kubernetes node port range 30000-32767 \(got 2379\)/)]);
  });
});

describe("loadBalancer.provider 'cilium'", () => {
  const cilium = { loadBalancer: { provider: 'cilium', addresses: ['192.168.0.240/29', '192.168.0.250-192.168.0.252'], interfaces: ['^eth[0-9]+'] } };

  test('turns on L2 announcements with a raised client rate limit, and writes the pool and the announcement policy into the member', () => {
    const { fleet } = meshed({ hub: cilium });
    const tree = fleet.toTree();
    const v = values(tree, 'hub');
    expect(v.l2announcements).toEqual({ enabled: true });
    expect(v.k8sClientRateLimit).toEqual({ qps: 50, burst: 100 });
    expect(v.kubeProxyReplacement).toBe(true);
    expect(values(tree, 'store').l2announcements).toBeUndefined();
    expect(parse(fileIn(tree, 'sites/hub/hub', `ciliumloadbalancerippool.cilium.io_${CILIUM_LB_NAME}.yaml`))).toEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumLoadBalancerIPPool',
      metadata: { name: CILIUM_LB_NAME },
      spec: { blocks: [{ cidr: '192.168.0.240/29' }, { start: '192.168.0.250', stop: '192.168.0.252' }] },
    });
    expect(parse(fileIn(tree, 'sites/hub/hub', `ciliuml2announcementpolicy.cilium.io_${CILIUM_LB_NAME}.yaml`)).spec).toEqual({ loadBalancerIPs: true, interfaces: ['^eth[0-9]+'] });
    const addon = fleet.site('hub').cluster().addons.find((a) => a.name === 'cilium')!;
    expect(addon.provides).toEqual(['api:cilium.io', 'loadbalancer']);
    expect([...tree.keys()].filter((k) => k.startsWith('sites/store/') && k.includes('ciliumloadbalancer'))).toEqual([]);
  });

  test('needs kube-proxy replacement', () => {
    expect(rejections(() => meshed({ hub: cilium }, { hub: { kubeProxyReplacement: false } }).fleet.toTree())).toEqual([
      expect.stringMatching(/clusters\[hub\]\.kubeProxyReplacement: loadBalancer\.provider 'cilium' announces LoadBalancer addresses with Cilium's L2 announcements, which need kube-proxy replacement/),
    ]);
  });

  test('refuses ranges that are not CIDRs or first-last ranges', () => {
    // The fleet's schema refuses what does not look like either, before the mesh sees it.
    expect(rejections(() => meshed({ hub: { loadBalancer: { provider: 'cilium', addresses: ['192.168.0.240+8'] } } }).fleet.toTree())).toEqual([
      "fleet: sites[hub].clusters[hub].loadBalancer.addresses[0]: must be an IPv4 CIDR ('192.168.10.240/28') or range ('192.168.10.240-192.168.10.250') (got '192.168.0.240+8')",
    ]);
    // The mesh refuses what looks like one and is not.
    expect(rejections(() => meshed({ hub: { loadBalancer: { provider: 'cilium', addresses: ['192.168.0.240/33'] } } }).fleet.toTree())).toContainEqual(
      expect.stringMatching(/fleet\/mesh: clusters\[hub\]: loadBalancer\.addresses: '192\.168\.0\.240\/33' is neither an IPv4 CIDR/),
    );
    expect(rejections(() => meshed({ hub: { loadBalancer: { provider: 'cilium', addresses: ['192.168.0.250-192.168.0.240'] } } }).fleet.toTree())).toContainEqual(
      expect.stringMatching(/fleet\/mesh: clusters\[hub\]: loadBalancer\.addresses: '192\.168\.0\.250-192\.168\.0\.240' ends before it starts/),
    );
  });

  test('on a cluster whose CNI is not Cilium: an error with the fixes; fine once Cilium is declared installed', () => {
    const spec: FleetSpec = clone(modesFleet());
    const lab = spec.sites[2]!.clusters![0]! as unknown as ClusterEdit;
    Object.assign(lab, cilium);
    expect(rejections(() => fleetFrom(spec).toTree())).toEqual([
      expect.stringMatching(/^fleet\/lab\/lab: loadBalancer\.provider 'cilium' .* but Cilium is not this cluster's CNI: add the cluster to a CiliumMesh \(mesh\.addCluster\), add a Cilium add-on, declare Cilium installed \(present\.apiGroups: \[cilium\.io\]\), or use provider 'metallb'$/),
    ]);
    Object.assign(lab, { present: { apiGroups: ['cilium.io'] } });
    expect(rejections(() => fleetFrom(spec).toTree())).toEqual([]);
  });
});

describeWithSchemas('exposure objects validate', () => {
  test('the pool, the announcement policy and the values of every variant', () => {
    const cilium = { loadBalancer: { provider: 'cilium', addresses: ['192.168.0.240/29'] } };
    expect(treeFailures(meshed({ hub: cilium, store: metallb(['172.31.0.240/29']) }, { store: { meshEndpoint: '172.31.0.241' } }).fleet.toTree())).toEqual([]);
  });
});
