/**
 * The `gitops` section of fleet.yaml builds the same wiring and rollout as the constructs, and the CLI's
 * `synth --rollout-base-ref REF` / `--rollout-base DIR` names the base of ROLLOUT.md's change list.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { main } from '../../bin/cli';
import { Delivery, Fleet, GitOps, Rollout } from '../../constructs';
import type { GitOpsSpec } from '../../lib/model/gitops';
import { clone, rejections, tmpDir } from '../helpers';
import { deliveryProblems } from './delivery-check';
import { edgeSitesSpec } from './edge-sites';

const GITOPS: GitOpsSpec = {
  repository: { url: 'https://git.example.com/ops/fleet.git', path: 'out' },
  delivery: 'k0rdent',
  others: 'flux',
  rollout: {
    stages: [
      { name: 'pilot', selector: { 'k0smos.io/site': 'edge-001' }, soak: '2h' },
      { name: 'rest', selector: {}, window: { timeZone: 'Europe/Paris', days: ['Tue'], start: '02:00', length: '4h' } },
    ],
  },
};

function specWith(gitops: GitOpsSpec | undefined, bigger = false) {
  const s = clone(edgeSitesSpec(6)) as any;
  if (bigger) s.sites.find((x: any) => x.name === 'edge-002').nodePools[0].memoryGiB = 64;
  return gitops ? { ...s, gitops } : s;
}

describe('fleet.yaml gitops section', () => {
  it('builds the same tree as new GitOps + new Rollout', () => {
    const fromYaml = Fleet.fromSpec(new App(), 'modes', specWith(GITOPS)).toTree();
    const ts = Fleet.fromSpec(new App(), 'modes', specWith(undefined));
    const rollout = new Rollout(ts, 'rollout', { stages: GITOPS.rollout!.stages as never });
    new GitOps(ts, 'gitops', { repository: GITOPS.repository, delivery: Delivery.k0rdent({ others: Delivery.flux() }), rollout });
    expect(fromYaml).toEqual(ts.toTree());
    expect(deliveryProblems(fromYaml, { managementCluster: 'hub', repoPath: 'out' })).toEqual([]);
  });
  it('fluxShards is Delivery.flux({ shards }), and a bad count is refused naming it', () => {
    const spec: GitOpsSpec = { repository: GITOPS.repository, delivery: 'flux', fluxShards: 2 };
    const fromYaml = Fleet.fromSpec(new App(), 'modes', specWith(spec)).toTree();
    const ts = Fleet.fromSpec(new App(), 'modes', specWith(undefined));
    new GitOps(ts, 'gitops', { repository: GITOPS.repository, delivery: Delivery.flux({ shards: 2 }) });
    expect(fromYaml).toEqual(ts.toTree());
    expect([...new Set([...fromYaml.keys()].filter((k) => k.startsWith('management/flux/')).map((k) => k.split('/')[2]))]).toEqual(['shard-000', 'shard-001']);
    expect(rejections(() => Fleet.fromSpec(new App(), 'modes', specWith({ ...spec, fluxShards: 2.5 })).toTree()).join('\n')).toMatch(/Flux shards: 2\.5 is not a whole number from 1 to 4096/);
  });
  it('refuses others/promotion without delivery k0rdent, and an unknown key, by path', () => {
    expect(rejections(() => Fleet.fromSpec(new App(), 'modes', specWith({ ...GITOPS, delivery: 'flux', promotion: { revision: 'r1' } })))).toEqual([
      expect.stringMatching(/gitops\.others: applies to delivery: k0rdent only; got delivery: flux/),
      expect.stringMatching(/gitops\.promotion: applies to delivery: k0rdent only/),
    ]);
    expect(rejections(() => Fleet.fromSpec(new App(), 'modes', specWith({ ...GITOPS, engine: 'flux' } as never))).join('\n')).toMatch(/gitops/);
  });
});

describe('cdk8s-k0smos synth --rollout-base-ref / --rollout-base', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, '-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const repo = tmpDir('k0smos-cli-base-');
  const out = path.join(repo, 'out');
  const file = path.join(repo, 'fleet.yaml');
  let err: string[] = [];
  beforeAll(() => {
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());
  beforeEach(() => (err = []));

  it('lists the changed store per stage against the ref, and a second synth changes no byte', async () => {
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(file, stringify(specWith(GITOPS)));
    expect(await main(['synth', file, '--out', out])).toBe(0);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'release 1');
    fs.writeFileSync(file, stringify(specWith(GITOPS, true)));
    expect(await main(['synth', file, '--out', out, '--rollout-base-ref', 'main'])).toBe(0);
    const first = fs.readFileSync(path.join(out, 'rollout.json'), 'utf8');
    expect(JSON.parse(first).stages.map((s: { changed: string[] }) => s.changed)).toEqual([[], ['edge-002']]);
    expect(await main(['synth', file, '--out', out, '--rollout-base-ref', 'main'])).toBe(0);
    expect(fs.readFileSync(path.join(out, 'rollout.json'), 'utf8')).toBe(first);
  });

  it('usage errors: both flags; a fleet without a rollout; a base folder that does not exist', async () => {
    expect(await main(['synth', file, '--out', out, '--rollout-base', out, '--rollout-base-ref', 'main'])).toBe(2);
    expect(err.join('\n')).toMatch(/give --rollout-base DIR or --rollout-base-ref REF, not both/);
    const plain = path.join(repo, 'plain.yaml');
    fs.writeFileSync(plain, stringify(specWith(undefined)));
    expect(await main(['synth', plain, '--out', path.join(repo, 'o2'), '--rollout-base-ref', 'main'])).toBe(2);
    expect(err.join('\n')).toMatch(/has no gitops.rollout/);
    expect(await main(['synth', file, '--out', out, '--rollout-base', path.join(repo, 'nope')])).toBe(2);
    expect(err.join('\n')).toMatch(/rollout base folder '.*nope' does not exist/);
  });

  it('the output folder itself as the base is refused (exit 1, with the fix)', async () => {
    expect(await main(['synth', file, '--out', out, '--rollout-base', out])).toBe(1);
    expect(err.join('\n')).toMatch(/is the output folder itself/);
  });
});
