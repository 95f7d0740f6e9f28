/** A generated fleet of edge sites for the GitOps tests (delivery, rollout base). */
import type { FleetSpec } from '../../lib/model/fleet';
import { modesFleet } from '../fixtures/fleets';
import { clone } from '../helpers';

/**
 * modesFleet plus `n` edge sites: every 5th hosted, every 7th deployed by k0rdent, every 3rd with an L4.
 * More than 120 sites need a larger IP plan: `network` replaces the default one (keep servicePool clear of
 * 172.31.0.x, the hosted stores' workers' network).
 */
export function edgeSitesSpec(n: number, network: Record<string, unknown> = { servicePool: '172.16.0.0/13' }): FleetSpec {
  const s = clone(modesFleet()) as { sites: Record<string, any>[] } & FleetSpec;
  const hub = s.sites.find((x) => x.name === 'hub')!;
  hub.present = { ...hub.present, apiGroups: ['kustomize.toolkit.fluxcd.io', 'argoproj.io'] };
  // Service CIDRs from 172.16.0.0/13, clear of the hosted store's workers (172.31.0.x).
  (s as { network?: unknown }).network = network;
  const regions = ['eu-west', 'eu-south', 'eu-central', 'eu-north'];
  for (let i = 0; i < n; i++) {
    const name = `edge-${String(i).padStart(3, '0')}`;
    const controlPlane =
      i % 5 === 0
        ? {
            mode: 'hosted',
            ingress: { apiHost: `${name}.api.example`, konnectivityHost: `${name}.konnectivity.example` },
            sshKeySecret: { name: `${name}-ssh-key` },
            workerMachines: 'pooled',
            workers: [{ address: i < 150 ? `192.168.${100 + i}.1` : `100.64.${Math.floor(i / 250)}.${(i % 250) + 1}`, user: 'edge' }],
          }
        : i % 7 === 0
          ? { mode: 'k0rdent', credential: 'edge-ssh', config: { k0smotron: { service: { type: 'LoadBalancer' } }, machines: [{ address: i < 256 ? `10.60.${i}.11` : `10.61.${i - 256}.11`, user: 'ops', useSudo: true }] } }
          : undefined;
    s.sites.push({
      name,
      region: regions[i % regions.length],
      jurisdiction: 'FR',
      location: { lat: 43 + (i % 9), lon: 1 + (i % 5) },
      infrastructure: 'edge',
      nodePools: [{ name: 'box', count: 1, cpu: 8, memoryGiB: 32, ...(i % 3 === 0 ? { gpus: { model: 'L4', count: 1 } } : {}) }],
      clusters: [{ name, ...(controlPlane ? { controlPlane } : {}) }],
    });
  }
  return s;
}

