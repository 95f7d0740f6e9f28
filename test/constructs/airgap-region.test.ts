import { parse } from 'yaml';
import type { FleetSpec } from '../../lib/model/fleet';
import { modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, fleetFrom, rejections, templateSchemas, treeFailures } from '../helpers';

describe('airgapped sites', () => {
  test('a registry mirror goes to spec.images.repository; a bundle is uploaded to every host', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[0].airgapped = true;
    spec.sites[0].clusters[0].imageRepository = 'registry.hub.internal/k0s';
    spec.sites[0].clusters[0].airgapBundle = 'bundles/k0s-airgap-v1.36.3.tar';
    const k = parse(fleetFrom(spec).toTree().get('sites/hub/hub/k0sctl.yaml')!);
    expect(k.spec.k0s.config.spec.images).toEqual({ repository: 'registry.hub.internal/k0s', default_pull_policy: 'IfNotPresent' });
    for (const h of k.spec.hosts) expect(h.files).toEqual([{ name: 'k0s-airgap-bundle', src: 'bundles/k0s-airgap-v1.36.3.tar', dstDir: '/var/lib/k0s/images/', perm: '0600' }]);
  });
});

describe('Cilium pod CIDR agrees with the cluster (§14.2)', () => {
  test('a different clusterPoolIPv4PodCIDRList is rejected before writing', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[0].clusters[0].addons[0].values.ipam = { operator: { clusterPoolIPv4PodCIDRList: ['10.0.0.0/8'] } };
    const issues = rejections(() => fleetFrom(spec).toTree());
    expect(issues).toEqual([expect.stringMatching(/^fleet\/hub\/hub: add-on 'cilium': ipam\.operator\.clusterPoolIPv4PodCIDRList \["10\.0\.0\.0\/8"\] differs from the cluster's pod CIDR 10\.\d+\.\d+\.0\/17/)]);
  });
});

/** The modes fleet with the lab site managed from a regional cluster. */
function regionalFleet(): FleetSpec {
  const spec = clone(modesFleet()) as any;
  spec.sites.push({
    name: 'nordic-hub',
    region: 'eu-north',
    jurisdiction: 'SE',
    location: { lat: 59.3, lon: 18 },
    infrastructure: 'bare-metal',
    nodePools: [{ name: 'n', count: 1, cpu: 8, memoryGiB: 32 }],
    clusters: [{ name: 'nordic-hub', controlPlane: { mode: 'k0rdent', credential: 'edge-ssh', config: { k0smotron: { service: { type: 'LoadBalancer' } }, machines: [{ address: '10.70.0.1' }] } } }],
  });
  spec.management.regions = [{ name: 'nordic', cluster: 'nordic-hub', sites: ['lab'] }];
  spec.management.credentials.push({ name: 'nordic-ssh', region: 'nordic', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'nordic-ssh-key', namespace: 'kcm-system' } });
  spec.sites[2].clusters[0].controlPlane.credential = 'nordic-ssh';
  return spec;
}

describe('regions', () => {
  test('a Region object points at the regional ClusterDeployment; credentials are pinned to it', () => {
    const tree = fleetFrom(regionalFleet()).toTree();
    expect(parse(tree.get('management/fleet/apps/region.k0rdent.mirantis.com_nordic.yaml')!).spec).toEqual({ clusterDeployment: { name: 'nordic-hub', namespace: 'kcm-system' } });
    expect(parse(tree.get('management/fleet/infra/credential.k0rdent.mirantis.com_kcm-system_nordic-ssh.yaml')!).spec.region).toBe('nordic');
  });

  test('a cluster in a region with an unpinned credential, and a region over the management site, are errors', () => {
    const spec = regionalFleet() as any;
    spec.sites[2].clusters[0].controlPlane.credential = 'edge-ssh';
    spec.management.regions[0].sites.push('hub');
    expect(rejections(() => fleetFrom(spec)).sort()).toEqual([
      "fleet: management.regions[nordic].sites: site 'hub' hosts the fleet management cluster; it cannot be managed from a region",
      "fleet: sites[lab].clusters[lab].controlPlane.credential: site lab is managed from region 'nordic', so its credential must be pinned there: set region: nordic on credential 'edge-ssh' (got none)",
    ]);
  });
});

describeWithSchemas('regional fleet validates', () => {
  test('every file', () => {
    expect(treeFailures(fleetFrom(regionalFleet()).toTree({ templates: templateSchemas() }))).toEqual([]);
  });
});
