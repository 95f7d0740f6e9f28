/**
 * A later layer installing through ClusterAddon: the Cilium mesh's per-cluster chart, delivered by each
 * cluster the way its control plane takes add-ons, with the k0s side (provider custom, kube-proxy off)
 * following from it.
 */
import { parse } from 'yaml';
import { CiliumMesh, type K0sCluster } from '../../constructs';
import { modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, fleetFrom, templateSchemas, treeFailures } from '../helpers';

function meshedFleet() {
  const spec = clone(modesFleet());
  for (const s of spec.sites) for (const c of s.clusters ?? []) delete (c as { addons?: unknown }).addons;
  const fleet = fleetFrom(spec);
  const mesh = new CiliumMesh(fleet, 'mesh');
  const members: K0sCluster[] = [fleet.site('hub').cluster(), fleet.site('store').cluster()];
  // CIDRs and API endpoints default from the clusters; each cluster installs its chart.
  for (const k of members) mesh.addCluster({ cluster: k, meshEndpoint: `mesh.${k.name}.example` });
  return fleet;
}

describe('Cilium mesh delivered through ClusterAddon', () => {
  const tree = meshedFleet().toTree();

  test('standalone: the mesh chart is a Helm extension and k0s runs no CNI and no kube-proxy', () => {
    const cfg = parse(tree.get('sites/hub/hub/k0sctl.yaml')!).spec.k0s.config.spec;
    expect(cfg.network).toMatchObject({ provider: 'custom', kubeProxy: { disabled: true } });
    const values = parse(cfg.extensions.helm.charts.find((c: { name: string }) => c.name === 'cilium').values);
    expect(values.ipam.operator.clusterPoolIPv4PodCIDRList).toEqual([cfg.network.podCIDR]);
    expect(values).toMatchObject({ k8sServiceHost: '192.168.0.100', k8sServicePort: 6443 });
  });

  test('every peer list names every other member, also for clusters added before them', () => {
    const hub = parse(parse(tree.get('sites/hub/hub/k0sctl.yaml')!).spec.k0s.config.spec.extensions.helm.charts[0].values);
    const store = parse(parse(tree.get('management/clusters/store/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_store.yaml')!).spec.k0sConfig.spec.extensions.helm.charts[0].values);
    expect(hub.clustermesh.config.clusters.map((c: { name: string }) => c.name)).toEqual(['store']);
    expect(store.clustermesh.config.clusters.map((c: { name: string }) => c.name)).toEqual(['hub']);
    expect(hub.cluster.id).not.toBe(store.cluster.id);
  });

  test('hosted: the same in the K0smotronControlPlane k0s config', () => {
    const cp = parse(tree.get('management/clusters/store/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_store.yaml')!).spec.k0sConfig.spec;
    expect(cp.network).toMatchObject({ provider: 'custom', kubeProxy: { disabled: true } });
    expect(cp.extensions.helm.charts.map((c: { name: string }) => c.name)).toEqual(['cilium']);
  });
});

describeWithSchemas('meshed fleet validates', () => {
  test('every file', () => {
    expect(treeFailures(meshedFleet().toTree({ templates: templateSchemas() }))).toEqual([]);
  });
});
