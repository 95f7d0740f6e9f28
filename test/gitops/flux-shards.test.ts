/**
 * Flux push wiring stays in small folders at any fleet size: a managed cluster's site Kustomizations
 * live in its management/clusters/<cluster>/, the Kustomizations of its management folder in its shard
 * management/flux/<shard>/ (FNV-1a of the name modulo `shards`), and management/fleet/ holds one
 * Kustomization per shard. Checked on 300 generated edge sites (hosted, k0rdent-deployed and plain
 * stores): folder sizes, where each object is, that every path is a folder, exactly-once delivery, and
 * that adding unrelated sites moves no cluster's shard. With k0rdent, a cluster's ServiceTemplates and
 * MultiClusterService sit in its management folder for the same reason.
 */
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { Delivery, Fleet, GitOps } from '../../constructs';
import { fluxShard } from '../../lib/gitops/engines';
import { describeWithSchemas, treeFailures } from '../helpers';
import { deliveryProblems } from './delivery-check';
import { edgeSitesSpec } from './edge-sites';

const REPO = { url: 'https://git.example.com/ops/fleet.git', branch: 'main', path: 'out' };
const CHECK = { managementCluster: 'hub', repoPath: 'out' };
/** The most objects a folder (its infra/ and apps/ together) may hold: kustomize builds 300 in about a second. */
const MAX_OBJECTS = 200;
/** An IP plan for a few hundred sites: /20 pod blocks (2,048 slots), /22 service blocks (512). */
const NETWORK = { servicePool: '172.16.0.0/13', podPrefixLength: 20, servicePrefixLength: 22 };

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, any> };

function synth(sites: number, delivery = Delivery.flux()): ReadonlyMap<string, string> {
  const fleet = Fleet.fromSpec(new App(), 'modes', edgeSitesSpec(sites, NETWORK));
  new GitOps(fleet, 'gitops', { repository: REPO, delivery });
  return fleet.toTree();
}

/** Objects per folder (`sites/<s>/<c>`, `management/fleet`, ...: infra/ and apps/ together). */
function objectsPerFolder(tree: ReadonlyMap<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of tree.keys()) {
    const m = /^(.*)\/(infra|apps)\/([^/]+\.yaml)$/.exec(k);
    if (!m || m[3] === 'kustomization.yaml') continue;
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  }
  return out;
}

/** The Flux Kustomizations of the tree, by name, with the folder that holds each. */
function kustomizations(tree: ReadonlyMap<string, string>): Map<string, { folder: string; o: Obj }> {
  const out = new Map<string, { folder: string; o: Obj }>();
  for (const [k, text] of tree) {
    if (!k.includes('/kustomization.kustomize.toolkit.fluxcd.io_')) continue;
    const o = parse(text) as Obj;
    out.set(o.metadata.name, { folder: k.slice(0, k.lastIndexOf('/', k.lastIndexOf('/') - 1)), o });
  }
  return out;
}

describe('Flux shards on 300 generated edge sites', () => {
  const SITES = 300;
  const tree = synth(SITES);
  const ks = kustomizations(tree);
  const edge = Array.from({ length: SITES }, (_, i) => `edge-${String(i).padStart(3, '0')}`);

  it(`no folder holds more than ${MAX_OBJECTS} objects`, () => {
    const sizes = objectsPerFolder(tree);
    const big = [...sizes].filter(([, n]) => n > MAX_OBJECTS);
    expect(big).toEqual([]);
    // The shard Kustomizations are few: at most the shard count (128), plus mgmt-fleet-* and the hub's own two.
    const fleetKs = [...ks.values()].filter((x) => x.folder === 'management/fleet').map((x) => x.o.metadata.name);
    expect(fleetKs.filter((n) => !n.startsWith('mgmt-flux-shard-')).sort()).toEqual(['hub-apps', 'hub-infra', 'mgmt-fleet-apps', 'mgmt-fleet-infra']);
    expect(fleetKs.filter((n) => n.startsWith('mgmt-flux-shard-')).length).toBeLessThanOrEqual(128);
  });

  it("a store's site Kustomizations are in its management folder, its management folder's in its shard", () => {
    edge.forEach((c) => {
      const shard = `management/flux/${fluxShard(c, 128)}`;
      expect([c, ks.get(`mgmt-${c}-infra`)?.folder, ks.get(`mgmt-${c}-apps`)?.folder]).toEqual([c, shard, shard]);
      expect([c, ks.get(`${c}-infra`)?.folder, ks.get(`${c}-apps`)?.folder]).toEqual([c, `management/clusters/${c}`, `management/clusters/${c}`]);
    });
    // Each shard folder holds exactly the management Kustomizations of its clusters, and one Kustomization applies it whole.
    const shards = new Map<string, string[]>();
    for (const [name, x] of ks) if (x.folder.startsWith('management/flux/')) shards.set(x.folder, [...(shards.get(x.folder) ?? []), name]);
    for (const [folder, names] of shards) {
      const members = [...new Set(names.map((n) => n.replace(/^mgmt-/, '').replace(/-(infra|apps)$/, '')))];
      expect(members.every((c) => `management/flux/${fluxShard(c, 128)}` === folder)).toBe(true);
      const applier = ks.get(`mgmt-flux-${folder.split('/')[2]}`)!;
      expect([applier.folder, applier.o.spec.path, applier.o.spec.sourceRef.name, applier.o.spec.kubeConfig]).toEqual(['management/fleet', `./out/${folder}`, 'modes', undefined]);
    }
  });

  it('dependencies are unchanged: infra before apps, the fleet folder before a management folder, kubeconfig of the store', () => {
    const k = (n: string) => ks.get(n)!.o.spec;
    expect(k('edge-001-apps').dependsOn).toEqual([{ name: 'edge-001-infra', namespace: 'kcm-system' }]);
    expect(k('edge-001-infra').kubeConfig).toEqual({ secretRef: { name: 'edge-001-kubeconfig', key: 'value' } });
    expect(k('mgmt-edge-001-infra').dependsOn).toEqual([{ name: 'mgmt-fleet-infra', namespace: 'kcm-system' }]);
    expect(k('mgmt-edge-001-apps').dependsOn).toEqual([{ name: 'mgmt-edge-001-infra', namespace: 'kcm-system' }]);
    expect(k('mgmt-fleet-infra').dependsOn).toEqual([{ name: 'hub-infra', namespace: 'kcm-system' }]);
  });

  it("every Kustomization's path is a folder with a kustomization.yaml", () => {
    const missing = [...ks.values()].map((x) => String(x.o.spec.path).replace(/^\.\/out\//, '')).filter((p) => !tree.has(`${p}/kustomization.yaml`));
    expect(missing).toEqual([]);
  });

  it('every folder is delivered once, to its cluster, the shard folders included', () => {
    expect(deliveryProblems(tree, CHECK)).toEqual([]);
    expect([...tree.keys()].some((k) => k.startsWith('management/flux/'))).toBe(true);
  });

  it('the checker names a shard folder that nothing delivers', () => {
    const t = new Map(tree);
    const shard = fluxShard('edge-001', 128);
    t.delete([...t.keys()].find((k) => k.startsWith('management/fleet/apps/') && k.endsWith(`_mgmt-flux-${shard}.yaml`))!);
    const problems = deliveryProblems(t, CHECK);
    expect(problems).toEqual(expect.arrayContaining([`management/flux/${shard}/apps: delivered by nothing`, `management/flux/${shard}/infra: delivered by nothing`]));
  });

  describeWithSchemas('schemas', () => {
    it('the wiring validates against the upstream CRDs', () => {
      const wiring = new Map([...tree].filter(([k]) => k.startsWith('management/')));
      expect(treeFailures(wiring)).toEqual([]);
    });
  });
});

describe('k0rdent on 300 generated edge sites (Flux for the rest)', () => {
  const tree = synth(300, Delivery.k0rdent());
  it(`no folder holds more than ${MAX_OBJECTS} objects; a cluster's ServiceTemplates and MultiClusterService are in its management folder`, () => {
    expect([...objectsPerFolder(tree)].filter(([, n]) => n > MAX_OBJECTS)).toEqual([]);
    // edge-007 is deployed by k0rdent (every 7th store that is not hosted).
    expect(tree.has('management/clusters/edge-007/apps/multiclusterservice.k0rdent.mirantis.com_gitops-edge-007.yaml')).toBe(true);
    expect(tree.has('management/clusters/edge-007/infra/servicetemplate.k0rdent.mirantis.com_kcm-system_gitops-edge-007-infra.yaml')).toBe(true);
    expect([...tree.keys()].filter((k) => k.startsWith('management/fleet/') && /gitops-edge-/.test(k))).toEqual([]);
    expect(deliveryProblems(tree, CHECK)).toEqual([]);
  });
});

describe('a cluster keeps its shard', () => {
  it('is a function of the name and the shard count only', () => {
    expect(fluxShard('edge-001', 128)).toBe(fluxShard('edge-001', 128));
    expect(fluxShard('edge-001', 128)).toMatch(/^shard-\d{3}$/);
    expect(fluxShard('edge-001', 1)).toBe('shard-000');
    expect(fluxShard('edge-001', 5000)).toMatch(/^shard-\d{4}$/);
  });

  it('adding 40 unrelated sites moves no existing cluster between shard folders', () => {
    const before = kustomizations(synth(60));
    const after = kustomizations(synth(100));
    const moved = [...before].filter(([name, x]) => after.get(name)?.folder !== x.folder).map(([name, x]) => `${name}: ${x.folder} -> ${after.get(name)?.folder}`);
    expect(moved).toEqual([]);
    expect(after.size).toBeGreaterThan(before.size);
  });

  it('a smaller shard count gathers more clusters per shard, each folder still under the bound', () => {
    const tree = synth(300, Delivery.flux({ shards: 4 }));
    const shardFolders = [...objectsPerFolder(tree)].filter(([f]) => f.startsWith('management/flux/'));
    expect(shardFolders.map(([f]) => f)).toEqual(['management/flux/shard-000', 'management/flux/shard-001', 'management/flux/shard-002', 'management/flux/shard-003']);
    // Two Kustomizations for each cluster's management folder: the 300 stores, modesFleet's three others and the hub's own.
    expect(shardFolders.reduce((n, [, c]) => n + c, 0)).toBe(2 * [...tree.keys()].filter((k) => /^management\/clusters\/[^/]+\/kustomization\.yaml$/.test(k)).length);
    expect(deliveryProblems(tree, CHECK)).toEqual([]);
  });

  it('a shard count that is not a whole number from 1 to 4096 is refused, naming the prop', () => {
    const fleet = Fleet.fromSpec(new App(), 'modes', edgeSitesSpec(2));
    new GitOps(fleet, 'gitops', { repository: REPO, delivery: Delivery.flux({ shards: 0 }) });
    expect(() => fleet.toTree()).toThrow(/Flux shards: 0 is not a whole number from 1 to 4096/);
  });
});
