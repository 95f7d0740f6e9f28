/**
 * The exactly-once delivery checker (test/gitops/delivery-check.ts) on a generated fleet of 50 edge sites
 * (hosted, k0rdent and plain stores, with and without GPUs) and on the reference fleet, for each engine:
 * it passes on the wiring the library writes and names the folder when a wiring object is dropped,
 * doubled or pointed at the wrong cluster.
 */
import { App } from 'cdk8s';
import { addReferenceLayers, referenceFleetSpec } from '../../apps/reference-fleet';
import { Delivery, Fleet, GitOps, Rollout, type StageSpec } from '../../constructs';
import type { FleetSpec } from '../../lib/model/fleet';
import { clone, describeWithSchemas, treeFailures } from '../helpers';
import { deliveredFromTree, deliveryProblems } from './delivery-check';
import { edgeSitesSpec } from './edge-sites';

const REPO = { url: 'https://git.example.com/ops/fleet.git', branch: 'main', path: 'out' };

const ENGINES: [string, () => Delivery][] = [
  ['flux push', () => Delivery.flux()],
  ['flux pull', () => Delivery.flux({ mode: 'pull' })],
  ['argo cd', () => Delivery.argoCd()],
  ['k0rdent (flux for the rest)', () => Delivery.k0rdent()],
  ['k0rdent (argo cd for the rest)', () => Delivery.k0rdent({ others: Delivery.argoCd() })],
];

const STAGES: StageSpec[] = [
  { name: 'canary', canaries: 6, maxConcurrency: 2, soak: '4h' },
  { name: 'south', selector: { 'k0smos.io/region': 'eu-south' } },
  { name: 'rest', selector: {} },
];

describe('exactly-once delivery on 50 generated edge sites', () => {
  const CHECK = { managementCluster: 'hub', repoPath: 'out' };
  for (const [name, delivery] of ENGINES) {
    describe(name, () => {
      const fleet = Fleet.fromSpec(new App(), 'modes', edgeSitesSpec(50));
      new GitOps(fleet, 'gitops', { repository: REPO, delivery: delivery(), rollout: new Rollout(fleet, 'rollout', { stages: STAGES }) });
      const tree = fleet.toTree();
      it('every folder once, to its cluster', () => {
        expect(deliveryProblems(tree, CHECK)).toEqual([]);
        // 53 site folders and the management folders, each with infra/ and apps/.
        expect(deliveredFromTree(tree, CHECK).filter((d) => d.unit.startsWith('sites/edge-')).length).toBe(100);
      });
      describeWithSchemas('schemas', () => {
        it('the wiring validates against the upstream CRDs', () => expect(treeFailures(tree)).toEqual([]));
      });
    });
  }

  describe('the checker names what is wrong', () => {
    const fleet = Fleet.fromSpec(new App(), 'modes', edgeSitesSpec(10));
    new GitOps(fleet, 'gitops', { repository: REPO, delivery: Delivery.flux() });
    const tree = fleet.toTree();
    const appsOf = (c: string) => [...tree.keys()].find((k) => k.startsWith('management/') && k.endsWith(`_${c}-apps.yaml`))!;
    it('a dropped wiring object: the folder is delivered by nothing', () => {
      const t = new Map(tree);
      t.delete(appsOf('edge-003'));
      expect(deliveryProblems(t, CHECK)).toEqual(['sites/edge-003/edge-003/apps: delivered by nothing']);
    });
    it('a doubled wiring object: delivered twice', () => {
      const t = new Map(tree);
      t.set('management/fleet/apps/copy.yaml', tree.get(appsOf('edge-003'))!);
      expect(deliveryProblems(t, CHECK)).toEqual([expect.stringMatching(/^sites\/edge-003\/edge-003\/apps: delivered 2 times/)]);
    });
    it('a wiring object pointed at another cluster: named with both clusters', () => {
      const t = new Map(tree);
      t.set(appsOf('edge-003'), tree.get(appsOf('edge-003'))!.replace('edge-003-kubeconfig', 'edge-004-kubeconfig'));
      expect(deliveryProblems(t, CHECK)).toEqual([expect.stringMatching(/^sites\/edge-003\/edge-003\/apps: delivered to 'edge-004'.*belongs to 'edge-003'/)]);
    });
  });
});

describe('the reference fleet, with each engine', () => {
  const CHECK = { managementCluster: 'frankfurt', repoPath: 'dist' };
  for (const [name, delivery] of ENGINES) {
    describe(name, () => {
      // The reference fleet carries its own wiring (k0rdent, Flux for the rest); here it is swapped per
      // engine, with Argo CD declared present on the management cluster too.
      const spec = clone(referenceFleetSpec) as { sites: Record<string, any>[] } & FleetSpec;
      const mgmt = spec.sites.find((x) => x.name === 'frankfurt')!.clusters[0];
      mgmt.present = { ...mgmt.present, apiGroups: [...mgmt.present.apiGroups, 'argoproj.io'] };
      const fleet = Fleet.fromSpec(new App(), 'geo', spec);
      addReferenceLayers(fleet, { delivery: delivery() });
      const tree = fleet.toTree();
      it('every folder once, to its cluster', () => expect(deliveryProblems(tree, CHECK)).toEqual([]));
      describeWithSchemas('schemas', () => {
        it('the wiring validates against the upstream CRDs', () => expect(treeFailures(tree)).toEqual([]));
      });
    });
  }
});
