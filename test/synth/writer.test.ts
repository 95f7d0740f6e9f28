import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasFlatLayout, incompleteSwap, OWNED_ENTRIES, readTree, settleOutput, writeTreeAtomically, type WriterFs } from '../../lib/synth/writer';
import { tmpDir } from '../helpers';

const tree = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('atomic writer', () => {
  it('replaces the owned entries and keeps files it does not own', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'README.md'), 'mine');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a', 'sites/x/y/b.yaml': 'b', 'PLACEMENT.md': 'p' }));
    writeTreeAtomically(out, tree({ 'management/c.yaml': 'c' }));
    expect([...readTree(out).entries()]).toEqual([
      ['README.md', 'mine'],
      ['management/c.yaml', 'c'],
    ]);
    // No staging or backup folders are left beside the output.
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  it('leaves the previous output untouched when writing fails', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }));
    const before = readTree(out);
    // A file path that collides with a folder of the same tree makes the write fail half-way.
    expect(() => writeTreeAtomically(out, tree({ 'management/z.yaml': 'z', 'sites/x': 'file', 'sites/x/y.yaml': 'y' }))).toThrow();
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  it('restores a previous tree that a killed writer had moved aside, and leaves look-alike folders alone', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    const backup = path.join(out, '.k0smos-previous-abc123');
    fs.mkdirSync(path.join(backup, 'management'), { recursive: true });
    fs.writeFileSync(path.join(backup, 'management', 'old.yaml'), 'old');
    fs.mkdirSync(path.join(out, '.k0smos-staging-def456'));
    // Not ours: another folder's leftovers and a user's folder with a similar name.
    fs.mkdirSync(path.join(root, '.k0smos-previous-dist-edge-xyz789'));
    fs.mkdirSync(path.join(out, '.k0smos-previous-notes'));
    writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x' }));
    // The restored management/ is owned, so the new tree (which has none) replaces it.
    expect(fs.readdirSync(out).sort()).toEqual(['.k0smos-previous-notes', 'sites']);
    expect(fs.readdirSync(root).sort()).toEqual(['.k0smos-previous-dist-edge-xyz789', 'dist']);
  });

  it('writes into an output folder on another filesystem path (a symlink) without cross-device renames', () => {
    const root = tmpDir();
    const real = path.join(tmpDir(), 'elsewhere');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(root, 'dist'));
    writeTreeAtomically(path.join(root, 'dist'), tree({ 'management/a.yaml': 'a' }));
    expect([...readTree(real).keys()]).toEqual(['management/a.yaml']);
  });

  it('refuses to write while another live synth holds the lock, and takes over a dead one', () => {
    const out = path.join(tmpDir(), 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '.k0smos.lock'), String(process.ppid));
    expect(() => writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }))).toThrow(/another synth \(process \d+\) is writing/);
    fs.writeFileSync(path.join(out, '.k0smos.lock'), '999999999');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }));
    expect(fs.readdirSync(out).sort()).toEqual(['management']);
  });
});

describe('owned entries', () => {
  it('owns the trees, the placement reports and the readiness reports, and removes those a new tree lacks', () => {
    expect([...OWNED_ENTRIES].sort()).toEqual(['PLACEMENT.md', 'READINESS.md', 'management', 'placement.json', 'readiness.json', 'sites']);
    const out = path.join(tmpDir(), 'dist');
    writeTreeAtomically(out, tree({ 'READINESS.md': 'r', 'readiness.json': '{}', 'sites/a/b/kustomization.yaml': 'k' }));
    writeTreeAtomically(out, tree({ 'sites/a/b/kustomization.yaml': 'k' }));
    expect([...readTree(out).keys()]).toEqual(['sites/a/b/kustomization.yaml']);
  });
});

describe('the earlier flat layout', () => {
  const flat = {
    'management/kustomization.yaml': 'resources:\n  - namespace_k0smos-system.yaml\n',
    'management/namespace_k0smos-system.yaml': 'kind: Namespace\n',
    'sites/q/q/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace_k0smos-system.yaml\n',
    'sites/q/q/namespace_k0smos-system.yaml': 'kind: Namespace\n',
    'sites/q/q/k0sctl.yaml': 'kind: Cluster\n',
  };
  const layered = {
    'management/kustomization.yaml': 'resources:\n  - fleet\n',
    'management/fleet/kustomization.yaml': 'resources:\n  - infra\n  - apps\n',
    'sites/q/q/kustomization.yaml': 'resources:\n  - infra\n  - apps\n',
    'sites/q/q/infra/kustomization.yaml': 'resources:\n  - namespace_k0smos-system.yaml\n',
    'sites/q/q/infra/namespace_k0smos-system.yaml': 'kind: Namespace\n',
    'sites/q/q/k0sctl.yaml': 'kind: Cluster\n',
  };
  const writeFiles = (dir: string, files: Record<string, string>) => {
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
  };

  it('is recognized by objects directly in management/ or a cluster kustomization that lists files, not by the new layout', () => {
    const a = tmpDir();
    writeFiles(a, flat);
    expect(hasFlatLayout(a)).toBe(true);
    const b = tmpDir();
    writeFiles(b, { 'sites/q/q/kustomization.yaml': flat['sites/q/q/kustomization.yaml'], 'sites/q/q/namespace_k0smos-system.yaml': 'x' });
    expect(hasFlatLayout(b)).toBe(true);
    const c = tmpDir();
    writeFiles(c, layered);
    expect(hasFlatLayout(c)).toBe(false);
    expect(hasFlatLayout(path.join(tmpDir(), 'missing'))).toBe(false);
  });

  it('is adopted once: replaced by the new layout with a one-line note, user files beside it kept', () => {
    const out = path.join(tmpDir(), 'dist');
    writeFiles(out, { ...flat, 'README.md': 'mine', 'notes/todo.txt': 'mine too' });
    const first = writeTreeAtomically(out, tree(layered));
    expect(first.notes).toHaveLength(1);
    expect(first.notes[0]).toMatch(/^adopting the earlier flat layout in .*dist: management\/\*\.yaml and sites\/<site>\/<cluster>\/\*\.yaml are replaced by management\/fleet\/, management\/clusters\/<cluster>\/ and sites\/<site>\/<cluster>\/\{infra,apps\}\//);
    expect(first.notes[0]).not.toContain('\n');
    expect(readTree(out)).toEqual(new Map(Object.entries({ ...layered, 'README.md': 'mine', 'notes/todo.txt': 'mine too' }).sort(([a], [b]) => (a < b ? -1 : 1))));
    expect(writeTreeAtomically(out, tree(layered)).notes).toEqual([]);
  });
});

describe('a swap interrupted at any step never leaves a mixed tree that passes unnoticed', () => {
  const before = { 'management/a.yaml': 'old-a', 'sites/x/y/b.yaml': 'old-b', 'PLACEMENT.md': 'old-p', 'README.md': 'mine' };
  // New management/ and sites/, a report that appears (READINESS.md) and one that goes away (PLACEMENT.md).
  const after = { 'management/fleet/a.yaml': 'new-a', 'sites/x/y/apps/b.yaml': 'new-b', 'READINESS.md': 'new-r' };
  const sorted = (m: Record<string, string>) => new Map(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  const isEqual = (a: Map<string, string>, b: Map<string, string>) => JSON.stringify([...a]) === JSON.stringify([...b]);
  const oldTree = sorted(before);
  const newTree = sorted({ ...after, 'README.md': 'mine' });

  /** The writer's filesystem calls, failing from call number `at` on (`kill`) or only at that call. */
  function faulty(at: number, mode: 'kill' | 'once'): { fs: WriterFs; calls: () => number } {
    let n = 0;
    const step = <T>(f: () => T): T => {
      const i = n++;
      if (mode === 'kill' ? i >= at : i === at) throw Object.assign(new Error(`injected failure at call ${i}`), { code: 'EIO' });
      return f();
    };
    return {
      calls: () => n,
      fs: {
        mkdirSync: (p, o) => step(() => fs.mkdirSync(p, o)),
        mkdtempSync: (p) => step(() => fs.mkdtempSync(p)),
        writeFileSync: (p, d) => step(() => fs.writeFileSync(p, d)),
        renameSync: (a, b) => step(() => fs.renameSync(a, b)),
        rmSync: (p, o) => step(() => fs.rmSync(p, o)),
      },
    };
  }

  function setUp(): string {
    const out = path.join(tmpDir(), 'dist');
    writeTreeAtomically(out, tree(before));
    expect(readTree(out)).toEqual(oldTree);
    return out;
  }

  // How many filesystem calls a whole write makes (to inject a failure before each one of them).
  const total = (() => {
    const counter = faulty(Number.MAX_SAFE_INTEGER, 'kill');
    writeTreeAtomically(setUp(), tree(after), { fs: counter.fs });
    return counter.calls();
  })();

  it('makes enough steps to be worth testing', () => {
    expect(total).toBeGreaterThan(10);
  });

  it('killed before any step: the tree is the old one or the new one, or validate is told the swap is incomplete; the next synth completes it', () => {
    let flagged = 0;
    let mixed = 0;
    for (let at = 0; at <= total; at++) {
      const out = setUp();
      const killed = faulty(at, 'kill');
      let failed = false;
      try {
        writeTreeAtomically(out, tree(after), { fs: killed.fs });
      } catch {
        failed = true;
      }
      const seen = readTree(out);
      // Killed in the cleanup after the commit, the write has succeeded: the new tree is whole.
      if (!failed) expect(seen).toEqual(newTree);
      if (at >= total) expect(failed).toBe(false);
      const problem = incompleteSwap(out);
      if (problem === undefined) {
        // Not flagged: then it must be one whole tree, never a mix.
        expect([oldTree, newTree]).toContainEqual(seen);
      } else {
        flagged++;
        if (!isEqual(seen, oldTree) && !isEqual(seen, newTree)) mixed++;
        expect(problem).toMatch(/a synth was interrupted while it replaced .* run synth again/);
      }
      // The next synth (a working disk) finishes the job from whatever was left.
      const next = writeTreeAtomically(out, tree(after));
      expect(readTree(out)).toEqual(newTree);
      expect(incompleteSwap(out)).toBeUndefined();
      expect(fs.readdirSync(out).filter((e) => e.startsWith('.k0smos'))).toEqual([]);
      if (problem !== undefined) expect(next.notes).toContainEqual(expect.stringMatching(/restored the previous tree before writing/));
    }
    // Some kill points fall between the renames: those are the ones flagged, and some of them did leave
    // new entries beside old ones (which is why the journal exists).
    expect(flagged).toBeGreaterThan(0);
    expect(mixed).toBeGreaterThan(0);
  });

  it('settleOutput (run by Fleet.synth before it reads the previous placement) leaves one whole tree after a kill at any step', () => {
    for (let at = 0; at < total; at++) {
      const out = setUp();
      try {
        writeTreeAtomically(out, tree(after), { fs: faulty(at, 'kill').fs });
      } catch {
        // killed
      }
      const interrupted = incompleteSwap(out) !== undefined;
      const notes = settleOutput(out);
      expect(incompleteSwap(out)).toBeUndefined();
      // An interrupted swap is rolled back to the previous tree; a finished one keeps the new tree.
      expect(readTree(out)).toEqual(interrupted ? oldTree : readTree(out).has('READINESS.md') ? newTree : oldTree);
      expect(notes.length > 0).toBe(interrupted);
      expect(fs.readdirSync(out).filter((e) => e.startsWith('.k0smos'))).toEqual([]);
    }
  });

  it('a single failed step (the disk keeps working): the writer itself puts the old tree back', () => {
    for (let at = 0; at < total; at++) {
      const out = setUp();
      let result: ReturnType<typeof writeTreeAtomically> | undefined;
      let failed: unknown;
      try {
        result = writeTreeAtomically(out, tree(after), { fs: faulty(at, 'once').fs });
      } catch (e) {
        failed = e;
      }
      if (failed !== undefined) {
        expect(String(failed)).toMatch(/injected failure/);
        expect(readTree(out)).toEqual(oldTree);
      } else {
        // Only a failure in the cleanup after the commit lets the write succeed: the new tree is whole.
        expect(result!.notes).toContainEqual(expect.stringMatching(/^wrote the new tree, but could not remove/));
        expect(readTree(out)).toEqual(newTree);
      }
      expect(incompleteSwap(out)).toBeUndefined();
      writeTreeAtomically(out, tree(after));
      expect(fs.readdirSync(out).filter((e) => e.startsWith('.k0smos'))).toEqual([]);
    }
  });

  it('refuses to read a journal it does not understand, naming the file', () => {
    const out = setUp();
    fs.writeFileSync(path.join(out, '.k0smos-swap.json'), '{"version": 9}');
    expect(incompleteSwap(out)).toMatch(/interrupted/);
    expect(() => writeTreeAtomically(out, tree(after))).toThrow(/\.k0smos-swap\.json is not a journal this writer can read/);
  });
});
