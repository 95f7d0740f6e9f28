/**
 * Hosted control planes for many small sites, through the constructs: sizes in the objects, the hosting
 * plan over the management cluster and a Region's cluster, folders applied (and delivered) to the cluster
 * that runs them, NodePorts on a shared address kept in nodeports.json across synths, the hosting section
 * of READINESS.md, and the two-node choices.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { Delivery, Fleet, GitOps } from '../../constructs';
import { DEFAULT_FLUX_SHARDS, fluxShard } from '../../lib/gitops/engines';
import type { FleetSpec } from '../../lib/model/fleet';
import { clone, describeWithSchemas, fileIn, rejections, tmpDir, treeFailures } from '../helpers';

type AnyObj = Record<string, any>;

function storeSite(name: string, region: string, i: number, cluster: AnyObj = {}): AnyObj {
  return {
    name,
    region,
    jurisdiction: 'FR',
    location: { lat: 45 + i / 10, lon: 2 },
    infrastructure: 'edge',
    nodePools: [{ name: 'box', count: 2, cpu: 4, memoryGiB: 16 }],
    clusters: [
      {
        name,
        twoNode: 'hosted-control-plane',
        controlPlane: {
          mode: 'hosted',
          sshKeySecret: { name: 'store-ssh-key' },
          workers: [
            { address: `10.99.${i}.1`, user: 'edge' },
            { address: `10.99.${i}.2`, user: 'edge' },
          ],
        },
        ...cluster,
      },
    ],
  };
}

/** A hub (management cluster, shared NodePort address), a regional cluster for eu-west, and stores. */
function storesFleet(stores: { name: string; region: string }[] = [
  { name: 'berlin-1', region: 'eu-central' },
  { name: 'berlin-2', region: 'eu-central' },
  { name: 'lyon-1', region: 'eu-west' },
  { name: 'paris-1', region: 'eu-south' },
]): FleetSpec {
  return {
    name: 'shops',
    management: {
      site: 'hub',
      controlPlaneHosting: { nodePortAddress: '198.51.100.10' },
      credentials: [{ name: 'dc-ssh', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'dc-ssh-key', namespace: 'kcm-system' } }],
      // paris-1 is in geographic region eu-south, but the west region manages it.
      regions: [{ name: 'west', cluster: 'west-mgmt', sites: ['paris-1'], controlPlaneHosting: { nodePortAddress: '203.0.113.20' } }],
    },
    sites: [
      {
        name: 'hub',
        region: 'eu-central',
        jurisdiction: 'DE',
        location: { lat: 50.1, lon: 8.7 },
        infrastructure: 'bare-metal',
        present: { loadBalancer: true, storageClasses: [{ name: 'local', default: true }] },
        nodePools: [{ name: 'mgmt', count: 3, cpu: 16, memoryGiB: 64 }],
        clusters: [
          {
            name: 'hub',
            controlPlane: {
              mode: 'standalone',
              hosts: [
                { role: 'controller+worker', address: '192.168.0.1' },
                { role: 'controller+worker', address: '192.168.0.2' },
                { role: 'controller+worker', address: '192.168.0.3' },
              ],
              externalAddress: '192.168.0.100',
            },
          },
        ],
      },
      {
        name: 'west-dc',
        region: 'eu-west',
        jurisdiction: 'FR',
        location: { lat: 48.8, lon: 2.3 },
        infrastructure: 'bare-metal',
        present: { loadBalancer: true, storageClasses: [{ name: 'local', default: true }] },
        nodePools: [{ name: 'mgmt', count: 3, cpu: 16, memoryGiB: 64 }],
        clusters: [
          {
            name: 'west-mgmt',
            controlPlane: {
              mode: 'k0rdent',
              template: 'remote-cluster',
              credential: 'dc-ssh',
              config: { k0smotron: { service: { type: 'LoadBalancer' } }, machines: [{ address: '10.60.0.11' }, { address: '10.60.0.12' }, { address: '10.60.0.13' }] },
            },
          },
        ],
      },
      ...stores.map((s, i) => storeSite(s.name, s.region, i)),
    ],
  } as unknown as FleetSpec;
}

const doc = (tree: ReadonlyMap<string, string>, folder: string, name: string): AnyObj => parse(fileIn(tree, folder, name)) as AnyObj;
const cpOf = (tree: ReadonlyMap<string, string>, c: string) => doc(tree, `management/clusters/${c}`, `k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_${c}.yaml`);
const fleetOf = (spec: unknown) => Fleet.fromSpec(new App(), 'shops', spec);

describe('hosted control planes for many small sites', () => {
  const tree = fleetOf(storesFleet()).toTree();

  test('each control plane is sized: replicas, controller resources, etcd resources and volume', () => {
    expect(cpOf(tree, 'berlin-1').spec).toMatchObject({
      replicas: 1,
      resources: { requests: { cpu: '300m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      storage: { type: 'etcd', etcd: { image: 'quay.io/k0sproject/etcd:v3.7.1', persistence: { size: '1Gi' }, resources: { requests: { cpu: '100m', memory: '64Mi' } } } },
    });
  });

  test('a size, resources and etcd settings given are written', () => {
    const spec = clone(storesFleet()) as AnyObj;
    const store = spec.sites.find((s: AnyObj) => s.name === 'berlin-2').clusters[0].controlPlane;
    Object.assign(store, { size: 'medium', resources: { limits: { memory: '2Gi' } }, etcd: { size: '6Gi', storageClass: 'local' } });
    const cp = cpOf(fleetOf(spec).toTree(), 'berlin-2').spec;
    expect(cp.replicas).toBe(3);
    expect(cp.resources).toEqual({ requests: { cpu: '600m', memory: '384Mi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(cp.storage.etcd.persistence).toEqual({ size: '6Gi', storageClass: 'local' });
  });

  test('an unreadable quantity is refused by field', () => {
    const spec = clone(storesFleet()) as AnyObj;
    spec.sites.find((s: AnyObj) => s.name === 'berlin-2').clusters[0].controlPlane.resources = { requests: { cpu: 'lots' } };
    expect(rejections(() => fleetOf(spec))).toEqual([expect.stringMatching(/clusters\[berlin-2\]\.controlPlane\.resources\.requests\.cpu: must be a CPU quantity like '500m' or '2'/)]);
  });

  test('stores take NodePorts on their hosting cluster\'s shared address, without one LoadBalancer each', () => {
    expect(cpOf(tree, 'berlin-1').spec).toMatchObject({ service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 }, externalAddress: '198.51.100.10' });
    expect(cpOf(tree, 'berlin-2').spec).toMatchObject({ service: { type: 'NodePort', apiPort: 30000, konnectivityPort: 30001 }, externalAddress: '198.51.100.10' });
    // The region's cluster is a port space of its own, with its own address.
    expect(cpOf(tree, 'lyon-1').spec).toMatchObject({ service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 }, externalAddress: '203.0.113.20' });
    expect(JSON.parse(tree.get('nodeports.json')!)).toEqual({
      format: 'cdk8s-k0smos/nodeports@1',
      entries: [
        { cluster: 'berlin-1', host: 'hub', apiPort: 30443, konnectivityPort: 30132 },
        { cluster: 'berlin-2', host: 'hub', apiPort: 30000, konnectivityPort: 30001 },
        { cluster: 'lyon-1', host: 'west-mgmt', apiPort: 30443, konnectivityPort: 30132 },
        { cluster: 'paris-1', host: 'west-mgmt', apiPort: 30000, konnectivityPort: 30001 },
      ],
    });
  });

  test('a control plane runs in its Region\'s cluster (membership, then geographic region), else in the management cluster; its folder is applied there', () => {
    const units = fleetOf(storesFleet()).applyUnits();
    const unit = (p: string) => units.find((u) => u.path === p)!;
    expect(unit('management/clusters/berlin-1/infra')).toEqual({ path: 'management/clusters/berlin-1/infra', cluster: 'hub/hub', dependsOn: ['management/fleet/infra'] });
    for (const c of ['lyon-1', 'paris-1']) {
      expect(unit(`management/clusters/${c}/infra`)).toEqual({ path: `management/clusters/${c}/infra`, cluster: 'west-dc/west-mgmt', dependsOn: ['management/fleet/infra', 'sites/west-dc/west-mgmt/infra'] });
      expect(unit(`management/clusters/${c}/apps`).cluster).toBe('west-dc/west-mgmt');
    }
    // The region's own ClusterDeployment stays with the management cluster.
    expect(unit('management/clusters/west-mgmt/apps').cluster).toBe('hub/hub');
  });

  test('GitOps delivers a regionally hosted control plane\'s folder to the region\'s cluster, the others in-cluster', () => {
    const fleet = fleetOf(storesFleet());
    new GitOps(fleet, 'gitops', { repository: { url: 'https://git.example.com/ops/shops.git' }, delivery: Delivery.flux() });
    const delivered = fleet.node.findChild('gitops') as GitOps;
    const rows = delivered.delivery().delivered;
    const to = (u: string) => rows.find((r) => r.unit === u)!.cluster;
    expect(to('management/clusters/paris-1/infra')).toBe('west-mgmt');
    expect(to('management/clusters/berlin-1/infra')).toBe('in-cluster');
    const k = delivered.delivery().objects.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'mgmt-paris-1-infra')!;
    expect(k.metadata.namespace).toBe('kcm-system');
    expect((k.spec as AnyObj).kubeConfig).toEqual({ secretRef: { name: 'west-mgmt-kubeconfig', key: 'value' } });
    // Where each Kustomization is written: a store hosted in-cluster keeps its site Kustomizations in its own
    // management folder; one hosted in the region's cluster keeps them in its shard (its management folder is
    // applied to the region's cluster, and these run in the management cluster's Flux).
    const out = delivered.delivery();
    const folder = (name: string) => {
      const t = out.targets.get(out.objects.find((o) => o.kind === 'Kustomization' && o.metadata.name === name)!);
      return t?.kind === 'flux-shard' ? `shard ${t.shard}` : t?.kind === 'management-cluster' ? `management/clusters/${t.cluster}` : 'management/fleet';
    };
    expect(['berlin-1-apps', 'paris-1-apps', 'mgmt-paris-1-infra', 'mgmt-flux-' + fluxShard('paris-1', DEFAULT_FLUX_SHARDS)].map(folder)).toEqual([
      'management/clusters/berlin-1',
      `shard ${fluxShard('paris-1', DEFAULT_FLUX_SHARDS)}`,
      `shard ${fluxShard('paris-1', DEFAULT_FLUX_SHARDS)}`,
      'management/fleet',
    ]);
  });

  test('READINESS.md and readiness.json say where each control plane runs and what each hosting cluster has and uses', () => {
    const md = tree.get('READINESS.md')!;
    expect(md).toContain('## Hosted control planes');
    expect(md).toContain('| hub | hub | 2 | 0.8 cores, 0.5 GiB | 36 cores, 144 GiB | 2764 of 2768 |');
    expect(md).toContain('| west-mgmt (region west) | west-dc | 2 | 0.8 cores, 0.5 GiB | 36 cores, 144 GiB | 2764 of 2768 |');
    expect(md).toContain('| paris-1 | west-mgmt | region | 0.4 cores, 0.25 GiB | NodePort 203.0.113.20 api 30000, konnectivity 30001 (allocated, nodeports.json) |');
    expect(md).toContain('| lyon-1 | west-mgmt | geographic region |');
    expect(md).toContain('- Region west: its cluster west-mgmt runs Cluster API and k0smotron for these control planes; the Region must enable the provider cluster-api-provider-k0sproject-k0smotron');
    const json = JSON.parse(tree.get('readiness.json')!);
    expect(json.hostedControlPlanes.controlPlanes.find((c: AnyObj) => c.cluster === 'berlin-1')).toMatchObject({ host: 'hub', by: 'management cluster', requests: { cpuMillis: 400, memoryMiB: 256 } });
    // The region's cluster meets what the etcd volumes need; Cluster API comes with the Region.
    const west = json.clusters.find((c: AnyObj) => c.cluster === 'west-mgmt');
    expect(west.unresolved).toEqual([]);
    expect(west.needs.some((n: AnyObj) => n.capability === 'storage:default' && /etcd/.test(n.why))).toBe(true);
  });

  test('two-node stores: the choice and what it survives are in the report', () => {
    const md = tree.get('READINESS.md')!;
    expect(md).toContain('### Two-node site: hosted-control-plane');
    expect(md).toContain('- WAN outage: pods keep running, but nothing changes and nothing heals at the site');
  });

  test('a hosting cluster that is full fails synth once, with what is needed, what is there and the fixes', () => {
    const spec = clone(storesFleet()) as AnyObj;
    for (const s of spec.sites) if (s.clusters[0].controlPlane?.mode === 'hosted') s.clusters[0].controlPlane.size = 'large';
    spec.sites.find((s: AnyObj) => s.name === 'hub').nodePools[0] = { name: 'mgmt', count: 3, cpu: 4, memoryGiB: 16 };
    const problems = rejections(() => fleetOf(spec).toTree());
    expect(problems).toEqual([
      "shops: management.controlPlaneHosting: management cluster 'hub' (site hub) cannot host the 2 control planes assigned to it (2 large × 3 replicas): they request 12 cores and 12 GiB, and it has 9 cores and 36 GiB for them (12 cores and 48 GiB in its node pools (mgmt: 3 × 4 cores, 16 GiB) minus a reserve of 3 cores and 12 GiB (the default: 25 %, at least 2 cores and 4 GiB)); cpu short. Fix: add nodes to its node pools (mgmt); add a Region (management.regions with a cluster of this fleet) for some of these sites: regions of the sites here are eu-central; choose a smaller size for some control planes (controlPlane.size, or resources); or, if the nodes can give more than the default reserve leaves, set management.controlPlaneHosting.reserve or .capacity",
    ]);
  });

  test('synth keeps every allocated NodePort when stores are added and removed', () => {
    const out = path.join(tmpDir(), 'dist');
    fleetOf(storesFleet()).synth({ outdir: out, templates: 'skip' });
    const before = JSON.parse(fs.readFileSync(path.join(out, 'nodeports.json'), 'utf8')).entries as AnyObj[];
    // Remove berlin-1, add stores that sort before the others.
    const next = storesFleet([
      { name: 'aachen-1', region: 'eu-central' },
      { name: 'berlin-2', region: 'eu-central' },
      { name: 'lyon-1', region: 'eu-west' },
      { name: 'paris-1', region: 'eu-south' },
      { name: 'a-lille', region: 'eu-west' },
    ]);
    fleetOf(next).synth({ outdir: out, templates: 'skip' });
    const after = JSON.parse(fs.readFileSync(path.join(out, 'nodeports.json'), 'utf8')).entries as AnyObj[];
    for (const e of before.filter((x) => x.cluster !== 'berlin-1')) expect(after).toContainEqual(e);
    expect(after).toContainEqual({ ...before.find((x) => x.cluster === 'berlin-1'), retired: true });
    expect(after.find((x) => x.cluster === 'aachen-1')).toEqual({ cluster: 'aachen-1', host: 'hub', apiPort: 30002, konnectivityPort: 30003 });
    // A second synth of the same input changes nothing.
    const text = fs.readFileSync(path.join(out, 'nodeports.json'), 'utf8');
    fleetOf(next).synth({ outdir: out, templates: 'skip' });
    expect(fs.readFileSync(path.join(out, 'nodeports.json'), 'utf8')).toBe(text);
    // A damaged allocation file stops synth rather than moving every port.
    fs.writeFileSync(path.join(out, 'nodeports.json'), '{ not json');
    expect(rejections(() => fleetOf(next).synth({ outdir: out, templates: 'skip' }))[0]).toMatch(/nodeports\.json: not JSON .*restore the file from Git/);
  });

  test('a NodePort control plane with no address anywhere is refused; a LoadBalancer one needs none', () => {
    const spec = clone(storesFleet()) as AnyObj;
    delete spec.management.controlPlaneHosting;
    spec.sites.find((s: AnyObj) => s.name === 'berlin-1').clusters[0].controlPlane.service = { type: 'NodePort' };
    expect(rejections(() => fleetOf(spec).toTree())).toEqual([
      expect.stringMatching(/sites\[berlin-1\]\.clusters\[berlin-1\]\.controlPlane\.externalAddress: a NodePort control plane needs an address .* Set nodePortAddress .* in management\.controlPlaneHosting, set externalAddress/),
    ]);
    delete spec.sites.find((s: AnyObj) => s.name === 'berlin-1').clusters[0].controlPlane.service;
    const t = fleetOf(spec).toTree();
    expect(cpOf(t, 'berlin-1').spec.service.type).toBe('LoadBalancer');
  });

  test('a region without a cluster of the fleet cannot host control planes', () => {
    const spec = clone(storesFleet()) as AnyObj;
    spec.management.regions.push({ name: 'far', kubeconfigSecret: { name: 'far-kubeconfig' }, sites: ['berlin-2'], controlPlaneHosting: {} });
    expect(rejections(() => fleetOf(spec))).toContainEqual(expect.stringMatching(/management\.regions\[far\]\.controlPlaneHosting: only a region whose cluster is in this fleet/));
  });
});


describe('two-node sites: a typed choice', () => {
  /** storesFleet with one more two-node store whose cluster entry is `cluster`. */
  function withShop(cluster: AnyObj): AnyObj {
    const spec = clone(storesFleet([{ name: 'berlin-1', region: 'eu-central' }, { name: 'paris-1', region: 'eu-south' }])) as AnyObj;
    const joining = cluster.controlPlane.mode === 'standalone' ? cluster.controlPlane.hosts.filter((h: AnyObj) => h.role !== 'controller').length : 2;
    spec.sites.push({ ...storeSite('shop', 'eu-central', 7), nodePools: [{ name: 'box', count: joining, cpu: 4, memoryGiB: 16 }], clusters: [{ name: 'shop', ...cluster }] });
    return spec;
  }
  const hosts = (roles: string[]) => roles.map((role, i) => ({ role, address: `10.77.0.${i + 1}` }));

  test('two controllers on etcd are refused, naming the choices', () => {
    expect(rejections(() => fleetOf(withShop({ controlPlane: { mode: 'standalone', hosts: hosts(['controller+worker', 'controller+worker']) } })))).toEqual([
      expect.stringMatching(/clusters\[shop\]\.controlPlane\.hosts: two controllers cannot hold etcd quorum.*twoNode: 'controller-plus-worker'.*'kine-external-db'.*'hosted-control-plane'/),
    ]);
  });

  test("'kine-external-db': two controller+workers on kine; the database URL stays a reference (k0sctl reads it from the environment)", () => {
    const spec = withShop({
      twoNode: 'kine-external-db',
      controlPlane: { mode: 'standalone', externalAddress: '10.77.0.100', hosts: hosts(['controller+worker', 'controller+worker']), datastore: { type: 'kine', dataSourceEnv: 'SHOP_KINE_DATASOURCE' } },
    });
    const t = fleetOf(spec).toTree();
    const k0sctl = parse(t.get('sites/shop/shop/k0sctl.yaml')!) as AnyObj;
    expect(k0sctl.spec.k0s.config.spec.storage).toEqual({ type: 'kine', kine: { dataSource: '${SHOP_KINE_DATASOURCE}' } });
    const md = t.get('READINESS.md')!;
    expect(md).toContain('### Two-node site: kine-external-db');
    expect(md).toContain('- one node lost: survives: the other controller+worker keeps serving the API and running pods');
    expect(md).toContain('- database outage: the API stops');
    expect(md).toContain('- WAN outage: survives only if the database is at the site');
  });

  test("'kine-external-db' needs the datastore and two controller+workers", () => {
    expect(rejections(() => fleetOf(withShop({ twoNode: 'kine-external-db', controlPlane: { mode: 'standalone', hosts: hosts(['controller', 'worker']) } })))).toEqual([
      expect.stringMatching(/clusters\[shop\]\.controlPlane\.datastore: 'kine-external-db' needs datastore: \{ type: kine, dataSourceEnv/),
      expect.stringMatching(/clusters\[shop\]\.controlPlane\.hosts: 'kine-external-db' runs both machines as controller\+worker.*got roles controller, worker/),
    ]);
    expect(rejections(() => fleetOf(withShop({ controlPlane: { mode: 'standalone', hosts: hosts(['controller+worker']), datastore: { type: 'kine', dataSourceEnv: 'postgres://u:p@db' } } })))).toEqual([
      expect.stringMatching(/controlPlane\.datastore\.dataSourceEnv: must be an environment variable name/),
    ]);
  });

  test("'controller-plus-worker': one controller and one worker; the report says the site survives a WAN outage", () => {
    const ok = fleetOf(withShop({ twoNode: 'controller-plus-worker', controlPlane: { mode: 'standalone', hosts: hosts(['controller', 'worker']) } })).toTree();
    expect(ok.get('READINESS.md')).toContain('### Two-node site: controller-plus-worker\n\n- WAN outage: survives: the control plane is at the site');
    expect(rejections(() => fleetOf(withShop({ twoNode: 'controller-plus-worker', controlPlane: { mode: 'standalone', hosts: hosts(['controller+worker', 'controller+worker']) } })))).toEqual([
      expect.stringMatching(/two controllers cannot hold etcd quorum/),
      expect.stringMatching(/clusters\[shop\]\.controlPlane\.hosts: 'controller-plus-worker' needs one host with role controller \(or controller\+worker\) and one with role worker; got roles controller\+worker, controller\+worker/),
    ]);
  });

  test("'hosted-control-plane' needs mode hosted, and every choice needs two machines", () => {
    expect(rejections(() => fleetOf(withShop({ twoNode: 'hosted-control-plane', controlPlane: { mode: 'standalone', hosts: hosts(['controller', 'worker', 'worker']) } })))).toEqual([
      expect.stringMatching(/clusters\[shop\]\.twoNode: twoNode describes a site of two machines; this control plane lists 3/),
      expect.stringMatching(/clusters\[shop\]\.twoNode: 'hosted-control-plane' runs the control plane as pods in a management cluster: set controlPlane\.mode: hosted/),
    ]);
  });
});

describeWithSchemas('hosted stores fleet against the upstream schemas', () => {
  test('every object validates, the kine k0sctl.yaml included', () => {
    const spec = clone(storesFleet()) as AnyObj;
    spec.sites.push({
      ...storeSite('shop', 'eu-central', 7),
      clusters: [
        {
          name: 'shop',
          twoNode: 'kine-external-db',
          controlPlane: { mode: 'standalone', externalAddress: '10.77.0.100', hosts: [{ role: 'controller+worker', address: '10.77.0.1' }, { role: 'controller+worker', address: '10.77.0.2' }], datastore: { type: 'kine', dataSourceEnv: 'SHOP_KINE_DATASOURCE' } },
        },
      ],
    });
    const t = fleetOf(spec).toTree();
    expect(t.has('sites/shop/shop/k0sctl.yaml')).toBe(true);
    expect(treeFailures(t)).toEqual([]);
  });
});
