/**
 * The fleet, as a function so that main.ts (synth) and the tests build the same thing.
 * Edit the sites, node pools and workloads; `npm run synth` writes the GitOps tree to dist/.
 */
import { Construct } from 'constructs';
import { Fleet } from 'cdk8s-k0smos';

export function buildFleet(scope: Construct): Fleet {
  const fleet = new Fleet(scope, 'geo', { managementSite: 'frankfurt' });
  fleet.addSite('frankfurt', {
    region: 'eu-central', jurisdiction: 'DE', location: { lat: 50.11, lon: 8.68 },
    infrastructure: 'openstack',
    nodePools: [{ name: 'mgmt', count: 3, cpu: 16, memoryGiB: 64 }],
  });
  fleet.addSite('quebec', {
    region: 'ca-east', jurisdiction: 'CA', location: { lat: 46.81, lon: -71.21 },
    infrastructure: 'bare-metal',
    nodePools: [{ name: 'a100', count: 4, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }],
  });
  return fleet;
}
