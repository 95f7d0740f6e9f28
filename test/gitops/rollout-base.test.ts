/**
 * The base of ROLLOUT.md's change list is one the user names, read at the edge: a previous tree (folder)
 * or a git ref of the repository the output is committed to (a temporary repository here). Changing one
 * store's profile lists that store under its stage; re-running the same synth changes no byte; the output
 * folder itself is refused as a base.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Delivery, Fleet, GitOps, Rollout, type StageSpec } from '../../constructs';
import type { RolloutBaseSource } from '../../lib/rollout/base';
import { readRolloutBase } from '../../lib/rollout/base';
import { readTree } from '../../lib/synth/writer';
import { clone, rejections, tmpDir } from '../helpers';
import { edgeSitesSpec } from './edge-sites';

const STAGES: StageSpec[] = [
  { name: 'pilot', selector: { 'k0smos.io/site': 'edge-001' } },
  { name: 'rest', selector: {} },
];

/** The 6-site edge fleet; `bigger` gives edge-002 a bigger box (one store profile changed). */
function fleetOf(bigger: boolean): Fleet {
  const spec = clone(edgeSitesSpec(6)) as { sites: Record<string, any>[] } & ReturnType<typeof edgeSitesSpec>;
  if (bigger) spec.sites.find((s) => s.name === 'edge-002')!.nodePools[0].memoryGiB = 64;
  const fleet = Fleet.fromSpec(new App(), 'modes', spec);
  new GitOps(fleet, 'gitops', { repository: { url: 'https://git.example.com/ops/fleet.git', path: 'out' }, delivery: Delivery.flux(), rollout: new Rollout(fleet, 'rollout', { stages: STAGES }) });
  return fleet;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');

function synth(outdir: string, bigger: boolean, rolloutBase?: RolloutBaseSource) {
  return fleetOf(bigger).synth({ outdir, ...(rolloutBase ? { rolloutBase } : {}) });
}

describe('rollout base', () => {
  const repo = tmpDir('k0smos-base-');
  const out = path.join(repo, 'out');
  let released: Map<string, string>;
  beforeAll(() => {
    git(repo, 'init', '-q', '-b', 'main');
    synth(out, false);
    released = readTree(out);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'release 1');
    git(repo, 'tag', 'release-1');
  });

  it('a git ref: the changed store is listed under its stage; a second synth changes no byte', () => {
    synth(out, true, { gitRef: 'release-1' });
    const first = readTree(out);
    const json = JSON.parse(first.get('rollout.json')!);
    expect(json.base).toMatch(/^release-1 \([0-9a-f]{12}:out\)$/);
    expect(json.stages.map((s: { name: string; changed: string[] }) => [s.name, s.changed])).toEqual([
      ['pilot', []],
      ['rest', ['edge-002']],
    ]);
    expect(first.get('ROLLOUT.md')).toContain('changed against the base: 1 (edge-002)');
    synth(out, true, { gitRef: 'release-1' });
    expect(readTree(out)).toEqual(first);
    // The working tree (now the new output) is not what is read: the ref is.
    expect(readRolloutBase({ gitRef: 'release-1' }, out).tree).toEqual(released);
  });

  it('a previous tree (folder) gives the same change list', () => {
    const prev = path.join(tmpDir(), 'prev');
    synth(prev, false);
    const other = path.join(tmpDir(), 'out');
    synth(other, true, { folder: prev });
    const json = JSON.parse(fs.readFileSync(path.join(other, 'rollout.json'), 'utf8'));
    expect(json.stages.map((s: { changed: string[] }) => s.changed)).toEqual([[], ['edge-002']]);
  });

  it('refuses the output folder itself as the base, a ref that does not exist, and a base given twice', () => {
    expect(rejections(() => synth(out, true, { folder: out })).join('\n')).toMatch(/is the output folder itself.*name a previous tree.*or a git ref/);
    expect(rejections(() => synth(out, true, { gitRef: 'no-such-ref' })).join('\n')).toMatch(/'no-such-ref' is not a commit of the repository/);
    const fleet = Fleet.fromSpec(new App(), 'modes', edgeSitesSpec(2));
    const base = readRolloutBase({ gitRef: 'release-1' }, out);
    new GitOps(fleet, 'gitops', { repository: { url: 'https://git.example.com/ops/fleet.git' }, delivery: Delivery.flux(), rollout: new Rollout(fleet, 'rollout', { stages: [{ name: 'all', selector: {} }], base }) });
    expect(rejections(() => fleet.toTree({ rolloutBase: base })).join('\n')).toMatch(/base: given both as a prop/);
  });
});

describe('canaries across synths (saved state in rollout.json)', () => {
  it('a store added with a name before the canary\'s does not move it; a second synth changes no byte', () => {
    const out = path.join(tmpDir(), 'out');
    const stages: StageSpec[] = [{ name: 'canary', canaries: 3 }, { name: 'rest', selector: {} }];
    const build = (extra: boolean) => {
      const spec = clone(edgeSitesSpec(6)) as { sites: Record<string, any>[] } & ReturnType<typeof edgeSitesSpec>;
      if (extra) {
        // Same hardware, region and mode as every store: it only sorts first.
        const plain = spec.sites.filter((x) => /^edge-/.test(x.name) && !x.clusters[0].controlPlane);
        plain.forEach((s, j) => spec.sites.push({ ...clone(s), name: `aa-${s.name}`, clusters: [{ name: `aa-${s.clusters[0].name}`, network: { slot: 120 + j } }] }));
      }
      const fleet = Fleet.fromSpec(new App(), 'modes', spec);
      new GitOps(fleet, 'gitops', { repository: { url: 'https://git.example.com/ops/fleet.git' }, delivery: Delivery.flux(), rollout: new Rollout(fleet, 'rollout', { stages }) });
      return fleet;
    };
    build(false).synth({ outdir: out });
    const canaries = () => JSON.parse(fs.readFileSync(path.join(out, 'rollout.json'), 'utf8')).stages[0].clusters as string[];
    const first = canaries();
    build(true).synth({ outdir: out });
    expect(canaries()).toEqual(first);
    const tree = readTree(out);
    build(true).synth({ outdir: out });
    expect(readTree(out)).toEqual(tree);
    // Without the saved state the new names would win.
    expect(JSON.parse(build(true).toTree().get('rollout.json')!).stages[0].clusters).not.toEqual(first);
  });
});
