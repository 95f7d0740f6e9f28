/**
 * A generated fleet of small edge sites (retail stores with two nodes each), for the synth benchmark.
 * Deterministic: the same count gives the same fleet.
 */
import { ApiObject, type App } from 'cdk8s';
import { Fleet } from '../constructs';

const STATES: readonly [string, string, number, number][] = [
  ['us-east', 'US', 40.7, -74.0],
  ['us-west', 'US', 37.7, -122.4],
  ['ca-east', 'CA', 45.5, -73.6],
  ['eu-central', 'DE', 52.5, 13.4],
  ['eu-west', 'FR', 48.9, 2.35],
];

/** How stores run their control plane: k0s on the store's own nodes, or hosted by k0smotron in the management cluster. */
export type StoreMode = 'standalone' | 'hosted';

/**
 * The IP plan for `count` stores (slots pinned by store number; the management cluster takes the last slot).
 * Up to 4,095 stores: /21 pod and /24 service CIDRs from the default pools give 4,096 slots (2,048 pod IPs
 * per store). Beyond: /23 pod CIDRs from 10.0.0.0/8 and /26 service CIDRs from 172.16.0.0/12 give 16,384
 * slots (512 pod IPs, 64 service IPs per store).
 */
export function edgeIpPlan(count: number): { network: { podPool?: string; podPrefixLength: number; servicePool?: string; servicePrefixLength: number }; slots: number } {
  if (count < 4096) return { network: { podPrefixLength: 21, servicePrefixLength: 24 }, slots: 4096 };
  if (count < 16384) return { network: { podPool: '10.0.0.0/8', podPrefixLength: 23, servicePool: '172.16.0.0/12', servicePrefixLength: 26 }, slots: 16384 };
  throw new Error(`edge-fleet: at most 16,383 stores (got ${count})`);
}

/** Builds `count` edge sites, each with two nodes (one with an L4) and a small store app: ~10 objects per site. */
export function buildEdgeFleet(app: App, count: number, mode: StoreMode = 'standalone', options: { readonly hqApiGroups?: readonly string[] } = {}): Fleet {
  // The hashed IP plan clashes at this scale, so each store is numbered by its store number, as an operator would.
  const { network, slots } = edgeIpPlan(count);
  const fleet = new Fleet(app, 'retail', { name: 'retail', managementSite: 'hq', network });
  fleet.addSite('hq', {
    // A slot's pod block holds a few /24 node ranges (eight at /21, two at /23): hq's own ranges when it has more nodes.
    clusters: [{ name: 'hq', network: count < 4096 && !(mode === 'hosted' && count > 100) ? { slot: slots - 1 } : { podCIDR: '100.64.0.0/15', serviceCIDR: '100.127.0.0/20' } }],
    region: 'us-east',
    jurisdiction: 'US',
    location: { lat: 40.7, lon: -74 },
    infrastructure: 'aws',
    // Hosting hundreds of control planes (0.4 core, 256 MiB each by default) takes a management cluster sized for
    // them: one 32-core node per 40 stores on top of the three small ones (small fleets keep their tested shape).
    nodePools: [{ name: 'mgmt', count: 3, cpu: 8, memoryGiB: 32 }, ...(mode === 'hosted' && count > 100 ? [{ name: 'cp-hosts', count: Math.ceil(count / 40), cpu: 32, memoryGiB: 128 }] : [])],
    // The management cluster runs k0rdent (Cluster API, k0smotron) already: it hosts the stores' control planes.
    ...(mode === 'hosted' || options.hqApiGroups
      ? {
          present: {
            ...(mode === 'hosted' ? { addons: ['kcm'], storageClasses: [{ name: 'ebs', default: true }] } : {}),
            // GitOps engines the management cluster runs (the bench's --gitops).
            ...(options.hqApiGroups ? { apiGroups: [...options.hqApiGroups] } : {}),
          },
        }
      : {}),
  });
  for (let i = 0; i < count; i++) {
    const [region, country, lat, lon] = STATES[i % STATES.length]!;
    const name = `store-${String(i).padStart(4, '0')}`;
    const site = fleet.addSite(name, {
      region,
      jurisdiction: country,
      location: { lat: lat + (i % 97) / 100, lon: lon + (i % 89) / 100 },
      infrastructure: 'edge',
      clusters: [
        {
          name,
          network: { slot: i },
          ...(mode === 'hosted'
            ? {
                controlPlane: {
                  mode: 'hosted' as const,
                  // NodePort on the management nodes behind one shared address (the stores' LANs reuse one range).
                  service: { type: 'NodePort' as const },
                  externalAddress: '203.0.113.10',
                  sshKeySecret: { name: 'store-ssh-key' },
                  workers: [
                    { address: '192.168.1.11', nodePool: 'gpu', user: 'ops' },
                    { address: '192.168.1.12', nodePool: 'cpu', user: 'ops' },
                  ],
                },
              }
            : {}),
        },
      ],
      nodePools: [
        { name: 'gpu', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } },
        { name: 'cpu', count: 1, cpu: 8, memoryGiB: 32 },
      ],
    });
    addStoreApp(site.cluster());
  }
  return fleet;
}

/** Seven objects of a typical in-store inference app. */
function addStoreApp(chart: import('../constructs').ClusterChart): void {
  const ns = 'store';
  const labels = { app: 'shelf-vision' };
  const obj = (id: string, body: Record<string, unknown>) => new ApiObject(chart, id, body as never);
  obj('sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'shelf-vision', namespace: ns } });
  obj('role', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'shelf-vision', namespace: ns },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
  });
  obj('rb', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'shelf-vision', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'shelf-vision' },
    subjects: [{ kind: 'ServiceAccount', name: 'shelf-vision', namespace: ns }],
  });
  obj('cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shelf-vision', namespace: ns }, data: { 'model.yaml': `store: ${chart.siteName}\nthreshold: 0.8\n` } });
  obj('deploy', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shelf-vision', namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'shelf-vision',
          containers: [{ name: 'infer', image: 'registry.example.com/shelf-vision:1.4.2', ports: [{ containerPort: 8080 }], resources: { limits: { 'nvidia.com/gpu': 1, memory: '8Gi' }, requests: { cpu: '2', memory: '8Gi' } } }],
        },
      },
    },
  });
  obj('svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shelf-vision', namespace: ns, labels }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } });
  obj('netpol', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'shelf-vision', namespace: ns },
    spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] },
  });
}
