/** The retail fleet of issue 14: 1,200 stores, two nodes each, 5 % with an NVIDIA L4, one vision service per store. */
import * as path from 'node:path';
import { App } from 'cdk8s';
import { ControlPlane, Delivery, Fleet, FleetWorkload, GitOps, Rollout, SiteProfile, readInventoryCsv, type InventoryRow, type InventorySource } from '../../index';

const host = (address: string, role: 'controller+worker' | 'worker', nodePool: string) => ({ address, role, nodePool, keyPath: '~/.ssh/stores' });

/** A store: one controller+worker and one worker; the gpu variant swaps the second machine for one with an L4. */
export const store = new SiteProfile('store', {
  infrastructure: 'edge',
  nodePools: [{ name: 'store', count: 2, cpu: 8, memoryGiB: 32 }],
  cluster: { twoNode: 'controller-plus-worker', controlPlane: ControlPlane.standalone({ hosts: [host('{{controller}}', 'controller+worker', 'store'), host('{{worker}}', 'worker', 'store')] }) },
  labels: { tier: 'store' },
  vars: ['controller', 'worker'],
  variants: {
    gpu: {
      nodePools: [{ name: 'store', count: 1, cpu: 8, memoryGiB: 32 }, { name: 'gpu', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } }],
      cluster: { controlPlane: { mode: 'standalone', hosts: [host('{{controller}}', 'controller+worker', 'store'), host('{{worker}}', 'worker', 'gpu')] } },
      gpuOperator: {},
    },
  },
});

/** The fleet: headquarters runs the management cluster; the stores come from the inventory; `delivery` adds GitOps wiring. */
export function retailFleet(app: App, stores: readonly InventoryRow[] | InventorySource, delivery?: Delivery): Fleet {
  const fleet = new Fleet(app, 'fleet', { name: 'retail', managementSite: 'hq', network: { podPrefixLength: 22, servicePrefixLength: 24 } });
  const engines = delivery ? { present: { apiGroups: ['argoproj.io', 'kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io'] } } : {};
  fleet.addSite('hq', { region: 'us-east', jurisdiction: 'US', location: { lat: 40.7, lon: -74 }, infrastructure: 'aws', nodePools: [{ name: 'mgmt', count: 3, cpu: 8, memoryGiB: 32 }], ...engines });
  fleet.addSites(store, stores);
  new FleetWorkload(fleet, 'shelf-vision', {
    select: { profile: store },
    image: 'registry.example.com/retail/shelf-vision:2.3.0-cpu',
    resources: { cpu: 2, memoryGiB: 4 },
    variants: [{ name: 'l4', when: { gpuVendor: 'nvidia' }, image: 'registry.example.com/retail/shelf-vision:2.3.0-cuda', gpus: 1, resources: { cpu: 4, memoryGiB: 16 } }],
    probes: { readiness: { httpGet: '/healthz/ready' }, liveness: { httpGet: '/healthz/live', failureThreshold: 6 } },
    rollout: { revisionHistoryLimit: 5 },
    config: { 'store.yaml': 'store: {{site}}\nregion: {{region}}\nthreshold: 0.8\n' },
    egress: [{ ports: [443] }],
  });
  // A new model goes to 20 canary stores (chosen for coverage of region and hardware), then region by region.
  const regions = ['ca-east', 'ca-west', 'us-central', 'us-east'].map((r) => ({ name: r, selector: { 'k0smos.io/region': r }, maxConcurrency: 40 }));
  const rollout = delivery && new Rollout(fleet, 'rollout', { stages: [{ name: 'canary', canaries: 20, soak: '4h' }, ...regions, { name: 'rest', selector: {} }] });
  if (delivery) new GitOps(fleet, 'gitops', { repository: { url: 'https://git.example.com/retail/fleet.git', branch: 'main', path: 'dist' }, delivery, rollout });
  return fleet;
}

if (require.main === module) {
  const fleet = retailFleet(new App(), readInventoryCsv(path.join(__dirname, 'stores.csv'), 'stores.csv'));
  console.log(`wrote ${fleet.synth({ outdir: process.argv[2] ?? 'dist-retail' }).files} files`);
}
