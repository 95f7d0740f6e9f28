import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasFlatLayout, incompleteSwap, OWNED_ENTRIES, readTree, settleOutput, writeTreeAtomically } from '../../lib/synth/writer';
import { faultyFs } from '../faulty-fs';
import { tmpDir } from '../helpers';

const tree = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('atomic writer', () => {
  it('replaces the owned entries and keeps files it does not own', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a', 'sites/x/y/b.yaml': 'b', 'PLACEMENT.md': 'p' }));
    // A file the user adds beside the output (a folder with user files and no marker is refused: see 'the output folder is safe').
    fs.writeFileSync(path.join(out, 'README.md'), 'mine');
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

  // Changed with the ownership marker (issue 13): folders named like the writer's but recorded by no
  // writer (in its pending file or journal) may be the user's, so they are left alone, with a note.
  it('leaves look-alike folders alone, even those named exactly like its own, and says so', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    const backup = path.join(out, '.k0smos-previous-abc123');
    fs.mkdirSync(path.join(backup, 'management'), { recursive: true });
    fs.writeFileSync(path.join(backup, 'management', 'old.yaml'), 'old');
    fs.mkdirSync(path.join(out, '.k0smos-staging-def456'));
    // Not ours: another folder's leftovers and a user's folder with a similar name.
    fs.mkdirSync(path.join(root, '.k0smos-previous-dist-edge-xyz789'));
    fs.mkdirSync(path.join(out, '.k0smos-previous-notes'));
    const { notes } = writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x' }));
    expect(fs.readdirSync(out).sort()).toEqual(['.k0smos-owned.json', '.k0smos-previous-abc123', '.k0smos-previous-notes', '.k0smos-staging-def456', 'sites']);
    expect(fs.readFileSync(path.join(backup, 'management', 'old.yaml'), 'utf8')).toBe('old');
    expect(notes).toContainEqual(expect.stringMatching(/^left \.k0smos-previous-abc123, \.k0smos-staging-def456 in .* alone: named like the writer's temporary folders, but no writer recorded them/));
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
    expect(fs.readdirSync(out).sort()).toEqual(['.k0smos-owned.json', 'management']);
  });
});

describe('owned entries', () => {
  it('owns the trees, the placement reports, the readiness reports and the IP plan and NodePort state, and removes those a new tree lacks', () => {
    expect([...OWNED_ENTRIES].sort()).toEqual(['GITOPS.md', 'PLACEMENT.md', 'READINESS.md', 'ROLLOUT.md', 'ip-plan.json', 'management', 'nodeports.json', 'placement.json', 'readiness.json', 'rollout.json', 'sites']);
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

  function setUp(): string {
    const out = path.join(tmpDir(), 'dist');
    writeTreeAtomically(out, tree(before));
    expect(readTree(out)).toEqual(oldTree);
    return out;
  }

  // How many filesystem calls a whole write makes (to inject a failure before each one of them).
  const total = (() => {
    const counter = faultyFs(Number.MAX_SAFE_INTEGER, 'kill');
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
      const killed = faultyFs(at, 'kill');
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
      expect(fs.readdirSync(out).filter((e) => e.startsWith('.k0smos') && e !== '.k0smos-owned.json')).toEqual([]);
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
        writeTreeAtomically(out, tree(after), { fs: faultyFs(at, 'kill').fs });
      } catch {
        // killed
      }
      const interrupted = incompleteSwap(out) !== undefined;
      const notes = settleOutput(out);
      expect(incompleteSwap(out)).toBeUndefined();
      // An interrupted swap is rolled back to the previous tree; a finished one keeps the new tree.
      expect(readTree(out)).toEqual(interrupted ? oldTree : readTree(out).has('READINESS.md') ? newTree : oldTree);
      expect(notes.length > 0).toBe(interrupted);
      expect(fs.readdirSync(out).filter((e) => e.startsWith('.k0smos') && e !== '.k0smos-owned.json')).toEqual([]);
    }
  });

  it('a single failed step (the disk keeps working): the writer itself puts the old tree back', () => {
    for (let at = 0; at < total; at++) {
      const out = setUp();
      let result: ReturnType<typeof writeTreeAtomically> | undefined;
      let failed: unknown;
      try {
        result = writeTreeAtomically(out, tree(after), { fs: faultyFs(at, 'once').fs });
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
      expect(fs.readdirSync(out).filter((e) => e.startsWith('.k0smos') && e !== '.k0smos-owned.json')).toEqual([]);
    }
  });

  it('refuses to read a journal it does not understand, naming the file', () => {
    const out = setUp();
    fs.writeFileSync(path.join(out, '.k0smos-swap.json'), '{"version": 9}');
    expect(incompleteSwap(out)).toMatch(/interrupted/);
    expect(() => writeTreeAtomically(out, tree(after))).toThrow(/\.k0smos-swap\.json is not a journal this writer can read/);
  });
});

describe('the output folder is safe (issue 13)', () => {
  const snapshot = (dir: string) => JSON.stringify([...readTree(dir)]) + JSON.stringify(fs.readdirSync(dir).sort());

  it('refuses the filesystem root, the home folder and the working folder and its ancestors, touching nothing', () => {
    // The refusal comes first, before the writer looks at or creates anything.
    expect(() => writeTreeAtomically(require('node:os').homedir(), tree({ 'sites/a.yaml': 'a' }))).toThrow(/unsafe output folder[\s\S]*it is your home folder/);
    expect(() => writeTreeAtomically('/', tree({ 'sites/a.yaml': 'a' }))).toThrow(/it is the root of the filesystem/);
    expect(() => writeTreeAtomically(path.dirname(process.cwd()), tree({ 'sites/a.yaml': 'a' }))).toThrow(/it contains the working folder/);
    expect(() => writeTreeAtomically('..', tree({ 'sites/a.yaml': 'a' }))).toThrow(/it contains the working folder/);
  });

  it('refuses a non-empty folder it did not write (byte-identical afterwards); force writes beside the user files', () => {
    const out = tmpDir();
    fs.mkdirSync(path.join(out, 'sites', 'mine'), { recursive: true });
    fs.writeFileSync(path.join(out, 'sites', 'mine', 'notes.txt'), 'keep');
    fs.writeFileSync(path.join(out, 'passwd'), 'root:x:0:0');
    const before = snapshot(out);
    expect(() => writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x' }))).toThrow(/refusing to write into a foreign folder[\s\S]*is not empty \(passwd, sites\)[\s\S]*--force/);
    expect(snapshot(out)).toBe(before);
    const { notes } = writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x' }), { force: true });
    expect(notes).toContainEqual(expect.stringMatching(/^--force: writing into .*entries named like the new tree's \(sites\) are replaced/));
    expect([...readTree(out).keys()]).toEqual(['passwd', 'sites/a/b/x.yaml']);
    expect(JSON.parse(fs.readFileSync(path.join(out, '.k0smos-owned.json'), 'utf8')).entries).toEqual(['sites']);
  });

  it('replaces only what the marker lists: an entry the user added with a name the tree now uses is refused', () => {
    const out = path.join(tmpDir(), 'dist');
    writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x' }));
    fs.writeFileSync(path.join(out, 'PLACEMENT.md'), 'my notes');
    const before = snapshot(out);
    expect(() => writeTreeAtomically(out, tree({ 'sites/a/b/x.yaml': 'x', 'PLACEMENT.md': 'p' }))).toThrow(/holds PLACEMENT\.md, which the library did not write/);
    expect(snapshot(out)).toBe(before);
    // A hidden folder (a git checkout of the output) does not make the folder foreign.
    const repo = tmpDir();
    fs.mkdirSync(path.join(repo, '.git'));
    writeTreeAtomically(repo, tree({ 'sites/a/b/x.yaml': 'x' }));
    expect(fs.existsSync(path.join(repo, '.git'))).toBe(true);
  });

  it('adopts an output of the previous version (its layout, no marker) with a note', () => {
    const out = tmpDir();
    for (const [rel, text] of Object.entries({ 'management/kustomization.yaml': 'resources:\n  - fleet\n', 'management/fleet/kustomization.yaml': 'resources: []\n', 'READINESS.md': 'r', 'README.md': 'mine' })) {
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.writeFileSync(path.join(out, rel), text);
    }
    const { notes } = writeTreeAtomically(out, tree({ 'management/kustomization.yaml': 'new\n' }));
    expect(notes).toEqual([expect.stringMatching(/^adopting .*: it holds this library's output without an ownership marker \(an earlier version\); \.k0smos-owned\.json now records .*\(management, READINESS\.md\)/)]);
    expect([...readTree(out).keys()]).toEqual(['README.md', 'management/kustomization.yaml']);
  });
});

describe('the lock (issue 13)', () => {
  it('is taken over when its pid now belongs to an unrelated process (reused pid), in either format', () => {
    const out = path.join(tmpDir(), 'dist');
    fs.mkdirSync(out);
    const file = path.join(out, '.k0smos.lock');
    // The pid of a live process, but another start time: not the writer that took the lock.
    fs.writeFileSync(file, JSON.stringify({ host: require('node:os').hostname(), pid: process.ppid, start: 1 }));
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }));
    // The earlier format (the pid alone), written long before that process started.
    fs.writeFileSync(file, String(process.ppid));
    fs.utimesSync(file, new Date('2000-01-01'), new Date('2000-01-01'));
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'b' }));
    expect(readTree(out).get('management/a.yaml')).toBe('b');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a lock from another host holds, and the error says how to clear it', () => {
    const out = path.join(tmpDir(), 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '.k0smos.lock'), JSON.stringify({ host: 'elsewhere.example', pid: 42, start: 1 }));
    expect(() => writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }))).toThrow(/another synth \(process 42 on elsewhere\.example\) is writing .*delete .*\.k0smos\.lock/);
  });

  it('an empty lock file (a full disk during an earlier take) is stale', () => {
    const out = path.join(tmpDir(), 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '.k0smos.lock'), '');
    writeTreeAtomically(out, tree({ 'management/a.yaml': 'a' }));
    expect(fs.existsSync(path.join(out, '.k0smos.lock'))).toBe(false);
  });
});
