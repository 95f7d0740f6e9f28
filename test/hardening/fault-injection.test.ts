/**
 * Issue 13, point 8: kills at random points of a large synth. Injected filesystem failures (every call
 * from the n-th on fails, as after a kill) at 40 seeded random steps of writing the reference fleet, and
 * real SIGKILLs of a child process writing a 2,000-file tree. After each: the output is the old tree or
 * the new one, or `incompleteSwap` says so; the next synth recovers to the new tree.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildReferenceFleet } from '../../apps/reference-fleet';
import { incompleteSwap, readTree, writeTreeAtomically } from '../../lib/synth/writer';
import { faultyFs } from '../faulty-fs';
import { tmpDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
/** One short string per tree (sorted paths and bytes, hashed), so a failure prints two hashes, not two trees. */
const key = (m: ReadonlyMap<string, string>) => createHash('sha256').update(JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))).digest('hex');

test('40 injected kills at random steps of writing the reference fleet: old or new tree (or flagged), and the next synth recovers', () => {
  const oldTree = buildReferenceFleet(new App()).toTree();
  const newTree = new Map([...oldTree].map(([p, t]) => [p, `${t}# changed\n`] as [string, string]));
  newTree.set('sites/extra/x/apps/new.yaml', 'new: true\n');
  const counter = faultyFs(Number.MAX_SAFE_INTEGER);
  const probe = path.join(tmpDir(), 'dist');
  writeTreeAtomically(probe, oldTree);
  writeTreeAtomically(probe, newTree, { fs: counter.fs });
  const total = counter.calls();
  expect(total).toBeGreaterThan(100);
  let seed = 13;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 40; i++) {
    const at = Math.floor(rand() * total);
    const out = path.join(tmpDir(), 'dist');
    writeTreeAtomically(out, oldTree);
    try {
      writeTreeAtomically(out, newTree, { fs: faultyFs(at).fs });
    } catch {
      // killed
    }
    const seen = key(readTree(out));
    if (incompleteSwap(out) === undefined) expect([key(oldTree), key(newTree)]).toContain(seen);
    writeTreeAtomically(out, newTree);
    expect(key(readTree(out))).toBe(key(newTree));
    expect(fs.readdirSync(out).filter((e) => e.startsWith('.k0smos') && e !== '.k0smos-owned.json')).toEqual([]);
  }
});

test('real SIGKILLs of a child writing 2,000 files: old or new tree (or flagged), and the next synth recovers', async () => {
  const tree = (version: string) => {
    const m = new Map<string, string>();
    for (let s = 0; s < 40; s++) for (let f = 0; f < 50; f++) m.set(`sites/s${s}/c/apps/f${f}.yaml`, `version: ${version}\n${'x'.repeat(2000)}\n`);
    m.set('management/kustomization.yaml', `version: ${version}\n`);
    m.set('READINESS.md', `version ${version}\n`);
    return m;
  };
  const outcomes = new Set<string>();
  for (const delay of [50, 150, 300, 500, 800]) {
    const out = path.join(tmpDir(), 'dist');
    writeTreeAtomically(out, tree('old'));
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/hardening/kill-child.ts', out, 'new'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill a while after the child starts writing (it may have finished by then: the new tree).
    await Promise.race([new Promise<void>((resolve) => child.stdout.once('data', () => resolve())), exited]);
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;
    const seen = key(readTree(out));
    const flagged = incompleteSwap(out) !== undefined;
    outcomes.add(flagged ? 'flagged' : seen === key(tree('old')) ? 'old' : seen === key(tree('new')) ? 'new' : 'mixed');
    if (!flagged) expect([key(tree('old')), key(tree('new'))]).toContain(seen);
    writeTreeAtomically(out, tree('new'));
    expect(key(readTree(out))).toBe(key(tree('new')));
    expect(incompleteSwap(out)).toBeUndefined();
  }
  expect(outcomes.has('mixed')).toBe(false);
});
