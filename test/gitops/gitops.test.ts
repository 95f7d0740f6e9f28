/**
 * GitOps delivery and rollouts: every folder the fleet writes is delivered exactly once, to its cluster,
 * by each engine (read back from the emitted objects, not from the delivery table); the objects
 * validate against the upstream CRDs; stages put every cluster in exactly one stage; canaries reach the
 * maximum coverage (brute force); ROLLOUT.md lists what changed against a named base; re-synth is identical.
 */
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildEdgeFleet } from '../../bench/edge-fleet';
import { Delivery, Fleet, GitOps, Rollout } from '../../constructs';
import { chooseCanaries, coverageScore, type CanaryCandidate } from '../../lib/rollout/canaries';
import { resolveStages, type RolloutCluster, type StageSpec } from '../../lib/rollout/stages';
import type { FleetSpec } from '../../lib/model/fleet';
import { modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, rejections, treeFailures } from '../helpers';
import { deliveredFromTree, deliveryProblems, expectedUnits } from './delivery-check';

const REPO = { url: 'https://git.example.com/ops/fleet.git', branch: 'main', path: 'out' };

/** modesFleet plus external stores in two regions; the hub declares the engines' API groups present. */
function spec(storeVersion = '1'): FleetSpec {
  const s = clone(modesFleet()) as { sites: Record<string, unknown>[] } & FleetSpec;
  const hub = s.sites.find((x) => x.name === 'hub')! as { present: Record<string, unknown> };
  hub.present = { ...hub.present, apiGroups: ['kustomize.toolkit.fluxcd.io', 'argoproj.io'] };
  for (let i = 0; i < 4; i++) {
    s.sites.push({
      name: `shop-${i}`,
      region: i % 2 === 0 ? 'eu-west' : 'eu-south',
      jurisdiction: 'FR',
      location: { lat: 45 + i, lon: 2 },
      infrastructure: 'edge',
      nodePools: [{ name: 'box', count: 1, cpu: 4, memoryGiB: i === 2 ? 16 * Number(storeVersion) : 16, ...(i === 3 ? { gpus: { model: 'L4', count: 1 } } : {}) }],
      clusters: [{ name: `shop-${i}` }],
    });
  }
  return s;
}

function build(delivery: Delivery, stages: StageSpec[] = [{ name: 'canary', canaries: 2 }, { name: 'rest', selector: {} }], base?: { name: string; tree: ReadonlyMap<string, string> }, version = '1') {
  const fleet = Fleet.fromSpec(new App(), 'modes', spec(version));
  const rollout = new Rollout(fleet, 'rollout', { stages, ...(base ? { base } : {}) });
  new GitOps(fleet, 'gitops', { repository: REPO, delivery, rollout });
  return fleet;
}

const CHECK = { managementCluster: 'hub', repoPath: 'out' };

describe('delivery', () => {
  const engines: [string, Delivery][] = [
    ['flux push', Delivery.flux()],
    ['flux pull', Delivery.flux({ mode: 'pull' })],
    ['argo cd', Delivery.argoCd()],
    ['k0rdent (flux for the rest)', Delivery.k0rdent()],
    ['k0rdent (argo cd for the rest)', Delivery.k0rdent({ others: Delivery.argoCd() })],
  ];
  for (const [name, d] of engines) {
    describe(name, () => {
      const tree = build(d).toTree();
      it('delivers every folder exactly once, to its own cluster', () => {
        expect(deliveryProblems(tree, CHECK)).toEqual([]);
        expect(deliveredFromTree(tree, CHECK).map((d) => d.unit)).toEqual(expectedUnits(tree, CHECK).map((u) => u.unit));
      });
      describeWithSchemas('schemas', () => {
        it('the wiring validates against the upstream CRDs', () => expect(treeFailures(tree)).toEqual([]));
      });
    });
  }

  it('Flux: apps waits for infra, remote clusters read the CAPI kubeconfig Secret in its namespace', () => {
    const tree = build(Delivery.flux()).toTree();
    // A managed cluster's site Kustomizations are in its own management folder (the Flux layout in docs/gitops.md).
    const k = parseAllDocuments(tree.get('management/clusters/store/apps/kustomization.kustomize.toolkit.fluxcd.io_kcm-system_store-apps.yaml')!)[0]!.toJSON();
    expect(k.spec.dependsOn).toEqual([{ name: 'store-infra', namespace: 'kcm-system' }]);
    expect(k.spec.kubeConfig).toEqual({ secretRef: { name: 'store-kubeconfig', key: 'value' } });
    expect(k.spec.path).toBe('./out/sites/store/store/apps');
    expect(tree.get('GITOPS.md')).toContain('flux2.kustomizeController.create: true');
  });

  it('Argo CD: RollingSync steps put the management folders first, then each stage infra before apps', () => {
    const tree = build(Delivery.argoCd(), [{ name: 'canary', clusters: ['shop-0'], maxConcurrency: 1 }, { name: 'rest', selector: {} }]).toTree();
    const shop0 = JSON.parse(tree.get('sites/shop-0/shop-0/cluster.json')!);
    const shop1 = JSON.parse(tree.get('sites/shop-1/shop-1/cluster.json')!);
    expect(shop0.infraStep < shop0.appsStep).toBe(true);
    expect(shop0.appsStep < shop1.infraStep).toBe(true);
    expect(JSON.parse(tree.get('management/fleet/cluster.json')!).infraStep < shop0.infraStep).toBe(true);
  });

  it('refuses a second GitOps wiring and a bad repository', () => {
    const fleet = Fleet.fromSpec(new App(), 'modes', spec());
    new GitOps(fleet, 'gitops', { repository: { url: 'not a url' }, delivery: Delivery.flux() });
    expect(() => new GitOps(fleet, 'again', { repository: REPO, delivery: Delivery.flux() })).toThrow(/has GitOps wiring already/);
    expect(rejections(() => fleet.resolve()).join('\n')).toMatch(/repository.url: 'not a url' is not a Git URL/);
  });
});

describe('stages', () => {
  const clusters: RolloutCluster[] = ['a', 'b', 'c', 'd'].map((n, i) => ({ name: n, site: n, region: i < 2 ? 'r1' : 'r2', hardware: 'none', mode: 'external', labels: { r: i < 2 ? 'r1' : 'r2' } }));
  it('every cluster in exactly one stage', () => {
    const r = resolveStages('x', [{ name: 'one', clusters: ['a'] }, { name: 'r1', selector: { r: 'r1' } }, { name: 'r2', selector: { r: 'r2' } }], clusters);
    expect(r.issues).toEqual([]);
    expect(r.stages.map((s) => s.clusters)).toEqual([['a'], ['b'], ['c', 'd']]);
  });
  it('an unassigned cluster is an error naming it', () => {
    const r = resolveStages('x', [{ name: 'r1', selector: { r: 'r1' } }], clusters);
    expect(r.issues.map((i) => i.message).join()).toMatch(/2 cluster\(s\) are in no stage: c, d/);
  });
  it('a cluster listed in two stages is an error', () => {
    const r = resolveStages('x', [{ name: 'one', clusters: ['a'] }, { name: 'two', clusters: ['a', 'b', 'c', 'd'] }], clusters);
    expect(r.issues.map((i) => i.message).join()).toMatch(/cluster 'a' is already in stage 'one'/);
  });
  it('the fleet rejects a rollout that leaves clusters out, by path', () => {
    const fleet = Fleet.fromSpec(new App(), 'modes', spec());
    new Rollout(fleet, 'rollout', { stages: [{ name: 'pilot', selector: { 'k0smos.io/site': 'shop-0' } }] });
    expect(rejections(() => fleet.resolve()).join('\n')).toMatch(/modes\/rollout: stages: \d+ cluster\(s\) are in no stage/);
  });
});

describe('canaries', () => {
  // A small deterministic generator (no Math.random).
  function lcg(seed: number) {
    let s = seed >>> 0;
    return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  }
  function fleetOf(seed: number, n: number): CanaryCandidate[] {
    const r = lcg(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    return Array.from({ length: n }, (_, i) => ({ name: `c${String(i).padStart(2, '0')}`, region: pick(['eu', 'us', 'ap', 'sa']), hardware: pick(['none', 'nvidia/L4', 'nvidia/H100', 'amd/MI300X']), mode: pick(['hosted', 'standalone', 'k0rdent']) }));
  }
  function bruteBest(cs: readonly CanaryCandidate[], k: number): number[] {
    let best = [-1, -1, -1];
    const rec = (start: number, acc: CanaryCandidate[]) => {
      if (acc.length === k) {
        const s = coverageScore(acc);
        if (s[0] > best[0]! || (s[0] === best[0] && (s[1] > best[1]! || (s[1] === best[1] && s[2] > best[2]!)))) best = s;
        return;
      }
      for (let i = start; i < cs.length; i++) rec(i + 1, [...acc, cs[i]!]);
    };
    rec(0, []);
    return best;
  }
  it('reach the maximum coverage (brute force over every subset, 40 small fleets)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const cs = fleetOf(seed, 9 + (seed % 4));
      for (const k of [1, 2, 3, 4]) {
        const c = chooseCanaries(cs, k);
        expect(c.chosen).toHaveLength(k);
        expect(c.exact).toBe(true);
        expect([...c.score]).toEqual(bruteBest(cs, k));
      }
    }
  });
  it('are deterministic, and stable when unrelated sites are added', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const cs = fleetOf(seed, 10);
      const first = chooseCanaries(cs, 3);
      expect(chooseCanaries([...cs].reverse(), 3)).toEqual(first);
      // More clusters whose combinations are already there, named after the existing ones.
      const more = cs.map((c, i) => ({ ...c, name: `z${i}` }));
      expect(chooseCanaries([...cs, ...more], 3).chosen).toEqual(first.chosen);
    }
  });
  it('stay put when clusters are added with names that sort before theirs, given the previous choice (saved state)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const cs = fleetOf(seed, 10);
      const first = chooseCanaries(cs, 3);
      // Same combinations, names that sort first: without the previous choice they would take the canaries' places.
      const before = cs.map((c, i) => ({ ...c, name: `a${i}` }));
      expect(chooseCanaries([...cs, ...before], 3, { previous: first.chosen }).chosen).toEqual(first.chosen);
      // The previous choice never costs coverage: the score is the one the fresh choice reaches.
      expect(chooseCanaries([...cs, ...before], 3, { previous: first.chosen }).score).toEqual(chooseCanaries([...cs, ...before], 3).score);
    }
    const cs = fleetOf(3, 10);
    const first = chooseCanaries(cs, 3);
    const moved = chooseCanaries([...cs, ...cs.map((c, i) => ({ ...c, name: `a${i}` }))], 3);
    expect(moved.chosen).not.toEqual(first.chosen);
  });
  it('keep pinned clusters and report what stays uncovered', () => {
    const cs = fleetOf(7, 12);
    const c = chooseCanaries(cs, 2, { pinned: ['c05'] });
    expect(c.chosen).toContain('c05');
    expect(c.uncovered.length).toBeGreaterThan(0);
  });
});

describe('rollout report', () => {
  it('lists the clusters whose folders differ from the base, per stage; re-synth changes no byte', () => {
    const base = build(Delivery.flux(), [{ name: 'pilot', selector: { 'k0smos.io/site': 'shop-0' } }, { name: 'rest', selector: {} }]).toTree();
    const stages: StageSpec[] = [{ name: 'pilot', selector: { 'k0smos.io/site': 'shop-0' } }, { name: 'rest', selector: {} }];
    const next = build(Delivery.flux(), stages, { name: 'previous-out', tree: base }, '2').toTree();
    const json = JSON.parse(next.get('rollout.json')!);
    expect(json.base).toBe('previous-out');
    expect(json.stages.map((s: { name: string; changed: string[] }) => [s.name, s.changed])).toEqual([
      ['pilot', []],
      ['rest', ['shop-2']],
    ]);
    expect(next.get('ROLLOUT.md')).toContain('changed against the base: 1 (shop-2)');
    const again = build(Delivery.flux(), stages, { name: 'previous-out', tree: base }, '2').toTree();
    expect(again).toEqual(next);
  });
});

describe('the engines’ own needs go through the readiness resolver', () => {
  it('a management cluster that does not declare Argo CD is reported, with the fix', () => {
    // The edge fleet's hq cluster is not bootstrapped by the fleet and declares nothing present.
    const fleet = buildEdgeFleet(new App(), 3);
    new GitOps(fleet, 'gitops', { repository: REPO, delivery: Delivery.argoCd() });
    expect(rejections(() => fleet.toTree()).join('\n')).toMatch(/ApplicationSet.argoproj.io argocd\/retail-folders needs api:argoproj.io.*sites\[hq\]\.present\.apiGroups: \['argoproj.io'\]/);
  });
  it('declared present, the same fleet delivers every store folder once', () => {
    const s = clone(spec());
    const fleet = Fleet.fromSpec(new App(), 'modes', s);
    new GitOps(fleet, 'gitops', { repository: REPO, delivery: Delivery.argoCd() });
    const tree = fleet.toTree();
    expect(deliveryProblems(tree, CHECK)).toEqual([]);
  });
});
