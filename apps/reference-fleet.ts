/**
 * The reference fleet: the geo-distributed study that motivates the project.
 * Management plane in Frankfurt; NVIDIA A100 nodes in Quebec; AMD MI300X nodes in Atlanta.
 */
import type { Construct } from 'constructs';
import { Fleet } from '../constructs';
import type { FleetSpec } from '../lib/model/fleet';

/** The reference fleet as plain data; `apps/fleet.yaml` holds the same fleet in YAML. */
export const referenceFleetSpec: FleetSpec = {
  name: 'geo',
  management: { site: 'frankfurt' },
  sites: [
    {
      name: 'frankfurt',
      region: 'eu-central',
      jurisdiction: 'DE',
      location: { lat: 50.11, lon: 8.68 },
      infrastructure: 'openstack',
      nodePools: [{ name: 'mgmt', count: 3, cpu: 16, memoryGiB: 64 }],
      power: { carbonIntensity: 380, energyPrice: 0.21, pue: 1.3 },
      rttMs: { quebec: 88, atlanta: 105 },
    },
    {
      name: 'quebec',
      region: 'ca-east',
      jurisdiction: 'CA',
      location: { lat: 46.81, lon: -71.21 },
      infrastructure: 'bare-metal',
      nodePools: [
        { name: 'a100', count: 4, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } },
        { name: 'cpu', count: 2, cpu: 32, memoryGiB: 128 },
      ],
      power: { carbonIntensity: 30, energyPrice: 0.07, pue: 1.2 },
      rttMs: { frankfurt: 88, atlanta: 32 },
    },
    {
      name: 'atlanta',
      region: 'us-southeast',
      jurisdiction: 'US',
      location: { lat: 33.75, lon: -84.39 },
      infrastructure: 'bare-metal',
      nodePools: [{ name: 'mi300x', count: 2, cpu: 96, memoryGiB: 1536, gpus: { model: 'MI300X', count: 8 } }],
      power: { carbonIntensity: 390, energyPrice: 0.09, pue: 1.35 },
      rttMs: { frankfurt: 105, quebec: 32 },
    },
  ],
};

/** Builds the reference fleet with constructs. */
export function buildReferenceFleet(scope: Construct, id = 'geo'): Fleet {
  const fleet = new Fleet(scope, id, { name: 'geo', managementSite: 'frankfurt' });
  for (const { name, ...props } of referenceFleetSpec.sites) {
    fleet.addSite(name, props);
  }
  return fleet;
}
