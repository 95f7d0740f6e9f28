import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { CiliumMesh, MeshCa, TrainingJob } from '../../constructs';
import { Peer, Port, declareFlow } from '../../constructs/connections';
import { DEFAULT_EXEMPT_NAMESPACES, assignClusterIds, planMesh, type MeshMember } from '../../lib/mesh/cilium';
import { validateDocument } from '../../lib/validate/validate';
import { buildReferenceBase } from '../../apps/reference-fleet';
import { findSchemasDir } from '../../lib/validate/validate';
import { REPO_ROOT, fileIn, itWithSchemas, schemaRegistry } from '../helpers';

const member = (cluster: string, podCidr: string, extra: Partial<MeshMember> = {}): MeshMember => ({
  cluster,
  site: cluster,
  podCidr,
  meshEndpoint: `${cluster}.mesh.example.com`,
  apiServer: { host: `${cluster}-api.example.com`, port: 6443 },
  ...extra,
});

const three = [member('frankfurt', '10.244.0.0/16'), member('quebec', '10.245.0.0/16'), member('atlanta', '10.246.0.0/16')];

describe('mesh plan', () => {
  it('gives each cluster a unique ID in 1..255 and the values the mesh needs', () => {
    const { clusters, issues } = planMesh(three);
    expect(issues).toEqual([]);
    const ids = clusters.map((c) => c.clusterId);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((i) => i >= 1 && i <= 255)).toBe(true);
    const quebec = clusters.find((c) => c.cluster === 'quebec')!.addon.values as any;
    expect(quebec.cluster).toEqual({ name: 'quebec', id: clusters.find((c) => c.cluster === 'quebec')!.clusterId });
    expect(quebec.ipam.operator.clusterPoolIPv4PodCIDRList).toEqual(['10.245.0.0/16']);
    expect(quebec.encryption).toEqual({ enabled: true, type: 'wireguard', nodeEncryption: false });
    expect(quebec.kubeProxyReplacement).toBe(true);
    expect(quebec.k8sServiceHost).toBe('quebec-api.example.com');
    expect(quebec.clustermesh.config.clusters.map((p: { name: string }) => p.name)).toEqual(['atlanta', 'frankfurt']);
    expect(quebec.clustermesh.maxConnectedClusters).toBe(255);
    expect(quebec.clustermesh.config.clusters[0]).toEqual({ name: 'atlanta', address: 'atlanta.mesh.example.com', port: 2379 });
  });

  it('keeps existing IDs when clusters are added (names that do not clash)', () => {
    const before = assignClusterIds(three, 255);
    const more = [...three, ...Array.from({ length: 40 }, (_, i) => member(`edge-${i}`, `10.${100 + i}.0.0/16`))];
    const after = assignClusterIds(more, 255);
    const moved = three.filter((m) => before.get(m.cluster) !== after.get(m.cluster));
    // A move is only allowed when a new cluster that sorts earlier took the slot first.
    for (const m of moved) {
      const slot = before.get(m.cluster)!;
      const taker = [...after.entries()].find(([, id]) => id === slot)![0];
      expect(taker < m.cluster).toBe(true);
    }
    expect(new Set(after.values()).size).toBe(more.length);
  });

  it('keeps explicit IDs and refuses duplicates, out-of-range IDs and more clusters than the mesh holds', () => {
    expect(planMesh([member('a', '10.1.0.0/16', { clusterId: 7 }), member('b', '10.2.0.0/16', { clusterId: 7 })]).issues.map((i) => i.message)).toContain(
      'cluster ID 7 is given to a and b; IDs must be unique in a mesh',
    );
    expect(planMesh([member('a', '10.1.0.0/16', { clusterId: 256 })]).issues[0]!.message).toBe('must be a whole number from 1 to 255 (got 256)');
    const many = Array.from({ length: 256 }, (_, i) => member(`c${i}`, `10.${Math.floor(i / 256)}.${i}.0/24`));
    expect(planMesh(many).issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/^a mesh holds at most 255 clusters \(got 256\)/));
    expect(planMesh(many, { maxConnectedClusters: 511 }).issues).toEqual([]);
  });

  it('refuses overlapping pod CIDRs naming both clusters, and service CIDRs inside pod CIDRs', () => {
    const issues = planMesh([member('quebec', '10.244.0.0/16'), member('atlanta', '10.244.128.0/17', { serviceCidr: '10.245.0.0/16' }), member('x', '10.245.0.0/16')]).issues;
    expect(issues.map((i) => i.message)).toEqual(
      expect.arrayContaining([
        'pod CIDRs of atlanta (10.244.128.0/17) and quebec (10.244.0.0/16) overlap; meshed clusters need disjoint pod CIDRs (let the fleet IP plan allocate them)',
        'service CIDR 10.245.0.0/16 overlaps the pod CIDR of x (10.245.0.0/16)',
      ]),
    );
  });

  it('refuses bad cluster names and kube-proxy replacement without an API address', () => {
    const issues = planMesh([member('default', '10.1.0.0/16'), member('a-very-long-cluster-name-over-32-chars', '10.2.0.0/16'), { cluster: 'b', site: 'b', podCidr: '10.3.0.0/16', meshEndpoint: 'b' }]).issues;
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        "clusters[default].name: 'default' is reserved for a cluster outside any mesh (cluster ID 0); rename the cluster",
        expect.stringMatching(/^clusters\[a-very-long-cluster-name-over-32-chars\]\.name: Cilium cluster names are DNS labels of at most 32 characters/),
        expect.stringMatching(/^clusters\[b\]\.apiServer: kube-proxy replacement needs the API server address/),
      ]),
    );
  });

  it('derives the native routing CIDR from the pod CIDRs, and checks a given one covers them', () => {
    const derived = planMesh(three, { routingMode: 'native' });
    expect((derived.clusters[0]!.addon.values as any).ipv4NativeRoutingCIDR).toBe('10.244.0.0/14');
    expect(planMesh(three, { routingMode: 'native', ipv4NativeRoutingCidr: '10.244.0.0/15' }).issues[0]!.message).toMatch(/does not cover the pod CIDR of atlanta/);
  });

  const chartDir = () => path.join(findSchemasDir(REPO_ROOT) ?? '', 'cilium', 'chart-1.19.4');

  itWithSchemas('writes values the Cilium 1.19.4 chart schema accepts, with every key known to its values.yaml', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(chartDir(), 'values.schema.json'), 'utf8'));
    const defaults = parse(fs.readFileSync(path.join(chartDir(), 'values.yaml'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    // Every exposure: LoadBalancer (a requested IP, Cilium L2 announcements), NodePort.
    const exposed = [
      member('frankfurt', '10.244.0.0/16', { serviceType: 'NodePort', nodePort: 31000 }),
      member('quebec', '10.245.0.0/16', { meshEndpoint: '10.20.0.250', loadBalancer: { provider: 'cilium', addresses: ['10.20.0.240-10.20.0.250'] } }),
      member('atlanta', '10.246.0.0/16', { meshEndpoint: '10.30.0.250', loadBalancer: { provider: 'metallb', addresses: ['10.30.0.240/28'] } }),
    ];
    for (const [members, opts] of [
      [three, {}],
      [three, { routingMode: 'native' as const, encryption: 'ipsec' as const }],
      [three, { ca: { kind: 'cert-manager' as const, issuer: { name: 'mesh-ca', kind: 'ClusterIssuer' as const } } }],
      [exposed, {}],
    ] as const) {
      const plan = planMesh(members, opts);
      expect(plan.issues).toEqual([]);
      for (const c of plan.clusters) {
        expect(validate(c.addon.values)).toBe(true);
        expect(unknownKeys(c.addon.values, defaults)).toEqual([]);
      }
    }
  });
});

/** Paths set in `values` that the chart's values.yaml does not have (lists and free maps are not descended). */
function unknownKeys(values: unknown, defaults: unknown, prefix = ''): string[] {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    const d = defaults && typeof defaults === 'object' ? (defaults as Record<string, unknown>)[k] : undefined;
    if (d === undefined && !(defaults && typeof defaults === 'object' && k in (defaults as object))) out.push(prefix + k);
    else if (d && typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length > 0) out.push(...unknownKeys(v, d, `${prefix}${k}.`));
  }
  return out;
}

describe('CiliumMesh construct', () => {
  function meshedFleet() {
    const fleet = buildReferenceBase(new App());
    const mesh = new CiliumMesh(fleet, 'mesh', { ca: MeshCa.sharedSecret() });
    // Pod CIDRs come from the fleet IP plan; each cluster installs the mesh's Cilium chart.
    for (const site of fleet.sites) {
      mesh.addCluster({ cluster: site.cluster(), meshEndpoint: `mesh.${site.name}.example.com`, apiServer: { host: `api.${site.name}.example.com`, port: 6443 } });
    }
    return { fleet, mesh };
  }

  itWithSchemas('puts a default-deny baseline, flow policies and global services into the right clusters, all schema-valid', () => {
    const { fleet, mesh } = meshedFleet();
    const q = fleet.site('quebec').cluster();
    const f = fleet.site('frankfurt').cluster();
    mesh.addFlow('fl-updates', { from: { cluster: q, namespace: 'flower', podLabels: { app: 'supernode' } }, to: { cluster: f, namespace: 'flower', podLabels: { app: 'superlink' } }, ports: [{ port: 9092 }] });
    mesh.addGlobalService({ name: 'superlink', namespace: 'flower', selector: { app: 'superlink' }, ports: [{ name: 'fleet', port: 9092 }], backends: [f], consumers: [q] });
    const tree = fleet.toTree();
    for (const site of ['frankfurt', 'quebec', 'atlanta']) {
      expect(tree.has(`sites/${site}/${site}/infra/ciliumclusterwidenetworkpolicy.cilium.io_k0smos-default-deny.yaml`)).toBe(true);
    }
    const baseline = parse(tree.get('sites/quebec/quebec/infra/ciliumclusterwidenetworkpolicy.cilium.io_k0smos-default-deny.yaml')!);
    expect(baseline.spec.enableDefaultDeny).toEqual({ ingress: true, egress: true });
    // The namespace label must exist before NotIn compares it: endpoints without one (cilium-health) stay out.
    expect(baseline.spec.endpointSelector.matchExpressions).toEqual([
      { key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' },
      { key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: expect.arrayContaining(['kube-system', 'flux-system', 'argocd', 'metallb-system', 'openebs', 'kubeflow-system']) },
    ]);
    const egress = parse(tree.get('sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_flower_allow-fl-updates-egress.yaml')!);
    expect(egress.spec.egress[0].toEndpoints[0].matchLabels).toEqual({ app: 'superlink', 'k8s:io.kubernetes.pod.namespace': 'flower', 'io.cilium.k8s.policy.cluster': 'frankfurt' });
    // Flow policies only add allows: they never put an endpoint into default deny by themselves.
    expect(egress.spec.enableDefaultDeny).toEqual({ ingress: false, egress: false });
    const ingress = parse(tree.get('sites/frankfurt/frankfurt/infra/ciliumnetworkpolicy.cilium.io_flower_allow-fl-updates-ingress.yaml')!);
    expect(ingress.spec.ingress[0].fromEndpoints[0].matchLabels['io.cilium.k8s.policy.cluster']).toBe('quebec');
    const svcQ = parse(tree.get('sites/quebec/quebec/apps/service_flower_superlink.yaml')!);
    expect(svcQ.metadata.annotations).toEqual({ 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'false' });
    expect(parse(tree.get('sites/frankfurt/frankfurt/apps/service_flower_superlink.yaml')!).metadata.annotations).toEqual({ 'service.cilium.io/global': 'true' });
    const r = schemaRegistry()!;
    for (const [file, text] of tree) {
      if (!file.includes('cilium') && !file.includes('service_')) continue;
      expect(validateDocument(r, parse(text), file, 0)).toEqual([]);
    }
  });

  it('reports duplicate IDs and overlapping CIDRs at synth time with the mesh path', () => {
    const fleet = buildReferenceBase(new App());
    const mesh = new CiliumMesh(fleet, 'mesh');
    mesh.addCluster({ cluster: fleet.site('quebec').cluster(), podCidr: '10.244.0.0/16', clusterId: 3, meshEndpoint: 'q', apiServer: { host: 'q', port: 6443 }, install: false });
    mesh.addCluster({ cluster: fleet.site('atlanta').cluster(), podCidr: '10.244.0.0/16', clusterId: 3, meshEndpoint: 'a', apiServer: { host: 'a', port: 6443 }, install: false });
    expect(() => fleet.toTree()).toThrow(/geo\/mesh: clusters: cluster ID 3 is given to atlanta and quebec[\s\S]*geo\/mesh: clusters: pod CIDRs of atlanta \(10\.244\.0\.0\/16\) and quebec/);
  });

  it('refuses flows and services over clusters outside the mesh, and a cluster added twice', () => {
    const fleet = buildReferenceBase(new App());
    const mesh = new CiliumMesh(fleet, 'mesh');
    const q = fleet.site('quebec').cluster();
    mesh.addCluster({ cluster: q, podCidr: '10.244.0.0/16', meshEndpoint: 'q', apiServer: { host: 'q', port: 6443 } });
    expect(() => mesh.addCluster({ cluster: q, podCidr: '10.244.0.0/16', meshEndpoint: 'q' })).toThrow(/is in the mesh already/);
    expect(() => mesh.addFlow('x', { from: { cluster: q, namespace: 'a', podLabels: {} }, to: { cluster: fleet.site('atlanta').cluster(), namespace: 'a', podLabels: {} }, ports: [{ port: 1 }] })).toThrow(
      /flow 'x' uses cluster 'atlanta', which is not in the mesh/,
    );
    expect(mesh.addonFor(q).chart).toEqual({ repo: 'https://helm.cilium.io', name: 'cilium', version: '1.19.4' });
  });
  it('gives a flow declared twice (by the mesh and by a workload, or twice) one pair of policies, and refuses one name for two flows', () => {
    const { fleet, mesh } = meshedFleet();
    const q = fleet.site('quebec').cluster();
    const f = fleet.site('frankfurt').cluster();
    const flow = { from: { cluster: q, namespace: 'flower', podLabels: { app: 'supernode' } }, to: { cluster: f, namespace: 'flower', podLabels: { app: 'superlink' } }, ports: [{ port: 9092 }] };
    mesh.addFlow('updates', flow).addFlow('updates', flow).addFlow('updates-again', flow);
    declareFlow(fleet, 'from-a-workload', Peer.pods(q, 'flower', { app: 'supernode' }), Peer.pods(f, 'flower', { app: 'superlink' }), [Port.tcp(9092)]);
    const files = [...fleet.toTree().keys()].filter((k) => k.includes('ciliumnetworkpolicy'));
    // One flow, kept under the first of its names.
    expect(files).toEqual(['sites/frankfurt/frankfurt/infra/ciliumnetworkpolicy.cilium.io_flower_allow-from-a-workload-ingress.yaml', 'sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_flower_allow-from-a-workload-egress.yaml']);
    mesh.addFlow('updates', { ...flow, ports: [{ port: 9093 }] });
    expect(() => fleet.toTree()).toThrow(/geo: flows\[updates\]: the name is declared for 2 different flows \(quebec\/flower \{app=supernode\} -> frankfurt\/flower \{app=superlink\} by geo\/mesh; .*\); give each flow its own name/);
  });

  it('adds exemptNamespaces to the defaults instead of replacing them', () => {
    const fleet = buildReferenceBase(new App());
    const mesh = new CiliumMesh(fleet, 'mesh', { exemptNamespaces: ['monitoring', 'kube-system'] });
    mesh.addCluster({ cluster: fleet.site('quebec').cluster(), meshEndpoint: 'q', apiServer: { host: 'q', port: 6443 } });
    expect(mesh.exemptNamespaces).toEqual([...new Set([...DEFAULT_EXEMPT_NAMESPACES, 'monitoring'])].sort());
    const baseline = parse(fileIn(fleet.toTree(), 'sites/quebec/quebec', 'ciliumclusterwidenetworkpolicy.cilium.io_k0smos-default-deny.yaml'));
    expect(baseline.spec.endpointSelector.matchExpressions[1].values).toEqual(mesh.exemptNamespaces);
    for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'k0smotron', 'kcm-system', 'projectsveltos', 'flux-system', 'argocd', 'cert-manager', 'keda', 'kserve', 'kubeflow', 'kubeflow-system', 'gpu-operator', 'kube-amd-gpu', 'metallb-system', 'openebs', 'local-path-storage', 'k0smos-system']) {
      expect(DEFAULT_EXEMPT_NAMESPACES).toContain(ns);
    }
  });

  it('writes each end of a flow only where Cilium runs: pods outside the mesh get no policy, DNS and outside addresses none at their end', () => {
    const fleet = buildReferenceBase(new App());
    const mesh = new CiliumMesh(fleet, 'mesh');
    const q = fleet.site('quebec').cluster();
    const a = fleet.site('atlanta').cluster();
    mesh.addCluster({ cluster: q, meshEndpoint: 'q', apiServer: { host: 'q', port: 6443 } });
    declareFlow(fleet, 'to-atlanta', Peer.pods(q, 'x', { app: 'c' }), Peer.pods(a, 'x', { app: 's' }), [Port.tcp(80)]);
    declareFlow(fleet, 'x-dns', Peer.pods(q, 'x', { app: 'c' }), Peer.dns(q), [Port.dns()]);
    declareFlow(fleet, 'x-out', Peer.pods(q, 'x', { app: 'c' }), Peer.world(['198.51.100.0/24']), [Port.tcp(443)]);
    declareFlow(fleet, 'x-api', Peer.pods(q, 'x', { app: 'c' }), Peer.apiServer(q), [Port.allTraffic()]);
    declareFlow(fleet, 'x-in', Peer.world(), Peer.pods(q, 'x', { app: 's' }), [Port.tcp(8443)]);
    const tree = fleet.toTree();
    const files = [...tree.keys()].filter((k) => k.includes('ciliumnetworkpolicy.'));
    expect(files).toEqual([
      'sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_x_allow-x-api-egress.yaml',
      'sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_x_allow-x-dns-egress.yaml',
      'sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_x_allow-x-in-ingress.yaml',
      'sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_x_allow-x-out-egress.yaml',
    ]);
    const rule = (f: string, dir: 'egress' | 'ingress') => parse(tree.get(`sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_x_allow-${f}-${dir}.yaml`)!).spec[dir][0];
    expect(rule('x-api', 'egress')).toEqual({ toEntities: ['kube-apiserver'] });
    expect(rule('x-out', 'egress')).toEqual({ toCIDRSet: [{ cidr: '198.51.100.0/24' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    expect(rule('x-in', 'ingress')).toEqual({ fromEntities: ['world'], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] });
    expect(rule('x-dns', 'egress').toEndpoints[0].matchLabels).toEqual({ 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns', 'io.cilium.k8s.policy.cluster': 'quebec' });
  });

  it("renders a placed workload's flows into the cluster the solver chose", () => {
    const fleet = buildReferenceBase(new App());
    const mesh = new CiliumMesh(fleet, 'mesh');
    for (const s of fleet.sites) mesh.addCluster({ cluster: s.cluster(), meshEndpoint: s.name, apiServer: { host: s.name, port: 6443 } });
    new TrainingJob(fleet, 'tj', { image: 'x', replicas: 2, gpusPerReplica: 0, placement: { cpu: 2, memoryGiB: 4, priority: 50 } });
    const tree = fleet.toTree();
    const job = [...tree.keys()].find((k) => k.endsWith('pytorchjob.kubeflow.org_training_tj.yaml'))!;
    // sites/<site>/<cluster>/apps/<file>: the job's cluster folder.
    const folder = job.split('/').slice(0, 3).join('/');
    expect(job).toBe(`${folder}/apps/pytorchjob.kubeflow.org_training_tj.yaml`);
    // The policies of its flows are in the same cluster folder as the job (its infra/ part), and nowhere else.
    expect([...tree.keys()].filter((k) => k.includes('_training_allow-tj-'))).toEqual([
      `${folder}/infra/ciliumnetworkpolicy.cilium.io_training_allow-tj-dns-egress.yaml`,
      `${folder}/infra/ciliumnetworkpolicy.cilium.io_training_allow-tj-gang-egress.yaml`,
      `${folder}/infra/ciliumnetworkpolicy.cilium.io_training_allow-tj-gang-ingress.yaml`,
    ]);
    const cluster = folder.split('/')[2]!;
    expect(parse(tree.get(`${folder}/infra/ciliumnetworkpolicy.cilium.io_training_allow-tj-gang-ingress.yaml`)!).spec.ingress[0].fromEndpoints[0].matchLabels['io.cilium.k8s.policy.cluster']).toBe(cluster);
    expect(fleet.flows.find((f) => f.name === 'tj-gang')).toMatchObject({ from: { kind: 'pods', at: { placedWith: 'tj' } }, to: { kind: 'pods', at: { placedWith: 'tj' } }, ports: [] });
  });
});
