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

/** Builds `count` edge sites, each with two nodes (one with an L4) and a small store app: ~10 objects per site. */
export function buildEdgeFleet(app: App, count: number): Fleet {
  // 1,200 clusters need more than the default plan's 256 slots: /21 pod and /24 service CIDRs give 4,096
  // (2,048 pod IPs per store), and each store is numbered by its store number, as an operator would.
  const fleet = new Fleet(app, 'retail', { name: 'retail', managementSite: 'hq', network: { podPrefixLength: 21, servicePrefixLength: 24 } });
  fleet.addSite('hq', {
    clusters: [{ name: 'hq', network: { slot: 4095 } }],
    region: 'us-east',
    jurisdiction: 'US',
    location: { lat: 40.7, lon: -74 },
    infrastructure: 'aws',
    nodePools: [{ name: 'mgmt', count: 3, cpu: 8, memoryGiB: 32 }],
  });
  for (let i = 0; i < count; i++) {
    const [region, country, lat, lon] = STATES[i % STATES.length]!;
    const name = `store-${String(i).padStart(4, '0')}`;
    const site = fleet.addSite(name, {
      region,
      jurisdiction: country,
      location: { lat: lat + (i % 97) / 100, lon: lon + (i % 89) / 100 },
      infrastructure: 'edge',
      clusters: [{ name, network: { slot: i } }],
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
