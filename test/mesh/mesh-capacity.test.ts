/** Issue 13: a mesh over its capacity says so by path (it used to report the 256th cluster as "not in the mesh"). */
import { App } from 'cdk8s';
import { CiliumMesh, Fleet } from '../../constructs';
import { rejections } from '../helpers';

it('the 256th cluster of a mesh is refused with the capacity and the fixes', () => {
  const fleet = new Fleet(new App(), 'big', { managementSite: 's000', network: { podPrefixLength: 21, servicePrefixLength: 24 } });
  const mesh = new CiliumMesh(fleet, 'mesh');
  const lines = rejections(() => {
    for (let i = 0; i < 256; i++) {
      const name = `s${String(i).padStart(3, '0')}`;
      const site = fleet.addSite(name, {
        region: 'eu',
        jurisdiction: 'DE',
        location: { lat: 50, lon: 8 },
        infrastructure: 'edge',
        nodePools: [{ name: 'n', count: 1, cpu: 4, memoryGiB: 16 }],
        clusters: [{ name, network: { slot: i } }],
      });
      mesh.addCluster({ cluster: site.cluster(), meshEndpoint: `${name}.example.net`, kubeProxyReplacement: false });
    }
  });
  expect(lines).toEqual([expect.stringMatching(/^big\/mesh: cannot add cluster 's255': a mesh holds at most 255 clusters \(got 256\); split the fleet into several meshes or set maxConnectedClusters: 511/)]);
});
