/**
 * The atomic writer. The new tree is written into a staging folder inside the output folder (so every
 * rename stays on one filesystem, even when the output folder is a mount point or a symlink to another
 * disk) and swapped in only when every file is written; a failure before that leaves the output as it
 * was. Only the entries the library owns are replaced; anything else in the output folder is kept.
 * A lock file keeps two synths from writing the same folder at once.
 *
 * The swap moves several top-level entries (`management/`, `sites/`, the reports), one rename each, so
 * it is journaled: before the first rename a journal file (`.k0smos-swap.json`) records the staging and
 * backup folders and which entries existed; after the last it is marked committed. A writer killed in
 * between leaves the journal behind: the next synth rolls the swap back (the previous tree comes back
 * whole) before writing, and `validate` refuses the folder while the journal says a swap is incomplete
 * ({@link incompleteSwap}), so a mixed tree never passes unnoticed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileTree } from './render';

/** Top-level entries of the output folder that belong to the library. */
export const OWNED_ENTRIES: readonly string[] = ['management', 'sites', 'placement.json', 'PLACEMENT.md', 'READINESS.md', 'readiness.json'];

const STAGING_PREFIX = '.k0smos-staging-';
const BACKUP_PREFIX = '.k0smos-previous-';
/** Exactly the names mkdtemp gives our own folders: never another tool's files. */
const LEFTOVER = /^\.k0smos-(staging|previous)-[A-Za-z0-9]{6}$/;
const LOCK = '.k0smos.lock';
const JOURNAL = '.k0smos-swap.json';
const JOURNAL_NEXT = '.k0smos-swap.json.next';

/** True for the names of the writer's own files at the top of an output folder (lock, journal, staging and backup folders). */
export function isWriterFile(name: string): boolean {
  return name === LOCK || name === JOURNAL || name === JOURNAL_NEXT || LEFTOVER.test(name);
}

/**
 * The filesystem calls that change the output folder. Tests replace them to inject failures between
 * any two steps (a kill leaves every later call failing; a single error leaves the rest working).
 */
export interface WriterFs {
  mkdirSync(p: string, options: { recursive: true }): unknown;
  mkdtempSync(prefix: string): string;
  writeFileSync(p: string, data: string): void;
  renameSync(from: string, to: string): void;
  rmSync(p: string, options: { recursive?: boolean; force: true }): void;
}

const REAL_FS: WriterFs = {
  mkdirSync: (p, o) => fs.mkdirSync(p, o),
  mkdtempSync: (p) => fs.mkdtempSync(p),
  writeFileSync: (p, d) => fs.writeFileSync(p, d),
  renameSync: (a, b) => fs.renameSync(a, b),
  rmSync: (p, o) => fs.rmSync(p, o),
};

export interface WriteOptions {
  /** Extra top-level names this tree owns (every top-level name of the tree is owned as well). */
  readonly owned?: readonly string[];
  /**
   * The filesystem calls that change the output (for fault injection in tests).
   * @default - node:fs
   */
  readonly fs?: WriterFs;
}

/** What a write did besides writing: one-line notes for the person running synth. */
export interface WriteResult {
  readonly notes: readonly string[];
}

/** The journal of a swap in progress. */
interface Journal {
  readonly version: 1;
  /** `swap`: entries are being moved; `commit`: the new tree is whole, only cleanup is left. */
  readonly phase: 'swap' | 'commit';
  readonly staging: string;
  readonly backup: string;
  /** Every owned entry the swap may replace, sorted. */
  readonly entries: readonly string[];
  /** The owned entries that existed before the swap (they are moved to the backup folder first). */
  readonly previous: readonly string[];
}

/**
 * Writes `tree` under `outdir`, replacing the owned entries at once. Top-level entries that the
 * library owns but the new tree lacks are removed (a report that is no longer produced).
 */
export function writeTreeAtomically(outdir: string, tree: FileTree, options: WriteOptions = {}): WriteResult {
  const ops = options.fs ?? REAL_FS;
  const out = path.resolve(outdir);
  fs.mkdirSync(out, { recursive: true });
  const release = lock(out);
  try {
    const notes = [...recover(out, ops)];
    if (hasFlatLayout(out)) {
      notes.push(
        `adopting the earlier flat layout in ${out}: management/*.yaml and sites/<site>/<cluster>/*.yaml are replaced by management/fleet/, management/clusters/<cluster>/ and sites/<site>/<cluster>/{infra,apps}/; point your GitOps engine at the new folders`,
      );
    }
    const staging = ops.mkdtempSync(path.join(out, STAGING_PREFIX));
    try {
      const dirs = new Set<string>();
      for (const rel of tree.keys()) dirs.add(path.dirname(rel));
      for (const d of [...dirs].sort()) ops.mkdirSync(path.join(staging, d), { recursive: true });
      for (const [rel, content] of tree) ops.writeFileSync(path.join(staging, rel), content);
    } catch (e) {
      tryQuietly(() => ops.rmSync(staging, { recursive: true, force: true }));
      throw e;
    }
    const top = new Set<string>([...OWNED_ENTRIES, ...(options.owned ?? [])]);
    for (const rel of tree.keys()) top.add(rel.split('/')[0]!);
    notes.push(...swap(out, path.basename(staging), [...top].sort(), ops));
    return { notes };
  } finally {
    release();
  }
}

/**
 * Finishes or rolls back a synth that was interrupted in `outdir` (under the lock), so that what is read
 * from the output before writing (the previous placement) is one whole tree. Returns the notes to print.
 * `writeTreeAtomically` does the same first; call this before reading state from the output.
 */
export function settleOutput(outdir: string, options: Pick<WriteOptions, 'fs'> = {}): string[] {
  const out = path.resolve(outdir);
  if (!fs.existsSync(out)) return [];
  const release = lock(out);
  try {
    return recover(out, options.fs ?? REAL_FS);
  } finally {
    release();
  }
}

/**
 * Why the output folder cannot be trusted right now, or undefined: a synth was interrupted while it
 * swapped the owned entries, so some of them may be new and others old. The next synth rolls it back.
 */
export function incompleteSwap(outdir: string): string | undefined {
  const file = path.join(path.resolve(outdir), JOURNAL);
  if (!fs.existsSync(file)) return undefined;
  const j = readJournal(file);
  if (j !== undefined && j.phase === 'commit') return undefined;
  return `a synth was interrupted while it replaced ${j ? j.entries.join(', ') : 'the owned entries'} in ${path.resolve(outdir)} (journal ${file}), so the folder may mix the new tree with the old; run synth again, which restores the previous tree and writes the new one`;
}

/**
 * True when `out` holds the library's earlier flat layout: objects directly in `management/`, or a
 * site cluster folder whose kustomization.yaml lists object files rather than `infra` and `apps`.
 */
export function hasFlatLayout(outdir: string): boolean {
  const out = path.resolve(outdir);
  const mgmt = path.join(out, 'management');
  if (isDir(mgmt) && fs.readdirSync(mgmt).some((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml' && isFile(path.join(mgmt, f)))) return true;
  const sites = path.join(out, 'sites');
  if (!isDir(sites)) return false;
  for (const site of fs.readdirSync(sites).sort()) {
    if (!isDir(path.join(sites, site))) continue;
    for (const cluster of fs.readdirSync(path.join(sites, site)).sort()) {
      const k = path.join(sites, site, cluster, 'kustomization.yaml');
      if (!isFile(k)) continue;
      // The earlier kustomization listed `- <kind>_<name>.yaml` entries; the new one lists folders.
      if (/^\s*-\s*\S+\.ya?ml\s*$/m.test(fs.readFileSync(k, 'utf8'))) return true;
    }
  }
  return false;
}

function isDir(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

function isFile(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isFile();
}

function tryQuietly(f: () => void): void {
  try {
    f();
  } catch {
    // Cleanup of our own temporary folders; the next synth removes what is left.
  }
}

/**
 * Takes the output folder's lock (a file created exclusively, holding the writer's pid). A lock left
 * by a process that no longer runs is taken over; a live one is an error that names the process.
 */
function lock(out: string): () => void {
  const file = path.join(out, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`another synth (process ${pid}) is writing ${out}; wait for it to finish (lock file ${file})`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes the journal atomically (a new file renamed over the old one). */
function writeJournal(out: string, j: Journal, ops: WriterFs): void {
  ops.writeFileSync(path.join(out, JOURNAL_NEXT), `${JSON.stringify(j, null, 2)}\n`);
  ops.renameSync(path.join(out, JOURNAL_NEXT), path.join(out, JOURNAL));
}

function readJournal(file: string): Journal | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Journal>;
    const names = (x: unknown) => Array.isArray(x) && x.every((n) => typeof n === 'string' && n.length > 0 && !n.includes('/') && n !== '..' && n !== '.');
    if (j.version !== 1 || (j.phase !== 'swap' && j.phase !== 'commit')) return undefined;
    if (typeof j.staging !== 'string' || !LEFTOVER.test(j.staging) || typeof j.backup !== 'string' || !LEFTOVER.test(j.backup)) return undefined;
    if (!names(j.entries) || !names(j.previous)) return undefined;
    return j as Journal;
  } catch {
    return undefined;
  }
}

/** Moves the owned entries of `staging` into `out`, journaled; on failure the previous tree is put back. */
function swap(out: string, staging: string, owned: readonly string[], ops: WriterFs): string[] {
  let journal: Journal | undefined;
  try {
    const backup = path.basename(ops.mkdtempSync(path.join(out, BACKUP_PREFIX)));
    const previous = owned.filter((name) => fs.existsSync(path.join(out, name)));
    journal = { version: 1, phase: 'swap', staging, backup, entries: owned, previous };
    writeJournal(out, journal, ops);
    for (const name of previous) ops.renameSync(path.join(out, name), path.join(out, backup, name));
    for (const name of owned) {
      if (fs.existsSync(path.join(out, staging, name))) ops.renameSync(path.join(out, staging, name), path.join(out, name));
    }
    journal = { ...journal, phase: 'commit' };
    writeJournal(out, journal, ops);
  } catch (e) {
    // Put the previous tree back as it was; if even that fails (the disk is gone), the journal stays
    // for the next synth, and validate refuses the folder until then.
    tryQuietly(() => recover(out, ops));
    throw e;
  }
  try {
    finish(out, journal, ops);
    return [];
  } catch (e) {
    return [`wrote the new tree, but could not remove ${journal.backup} or ${journal.staging} (${(e as Error).message}); the next synth removes them`];
  }
}

/** Removes a finished or rolled-back swap's folders, then its journal (last, so a crash here is retried). */
function finish(out: string, j: Journal, ops: WriterFs): void {
  ops.rmSync(path.join(out, j.staging), { recursive: true, force: true });
  ops.rmSync(path.join(out, j.backup), { recursive: true, force: true });
  ops.rmSync(path.join(out, JOURNAL), { force: true });
}

/**
 * Puts the output folder back in order after a writer that was killed or failed (we hold the lock, so
 * no writer is running). A swap the journal marks incomplete is rolled back: entries that were not
 * there before are removed and the previous ones come back from the backup folder. A committed swap
 * only needs its cleanup. Staging folders without a journal are dropped; a backup folder without one
 * (left by an earlier version of the writer) gives back the entries that are missing.
 */
function recover(out: string, ops: WriterFs): string[] {
  const notes: string[] = [];
  const file = path.join(out, JOURNAL);
  if (fs.existsSync(file)) {
    const j = readJournal(file);
    if (j === undefined) {
      throw new Error(`${file} is not a journal this writer can read; a synth was interrupted while it replaced the owned entries of ${out}. Check management/, sites/ and the reports against git, then delete ${file}`);
    }
    if (j.phase === 'swap') {
      for (const name of j.entries) {
        const current = path.join(out, name);
        const saved = path.join(out, j.backup, name);
        if (j.previous.includes(name)) {
          // Old entries were all moved aside before any new one came in: if this one is still in
          // place, it is the old one.
          if (fs.existsSync(saved)) {
            if (fs.existsSync(current)) ops.rmSync(current, { recursive: true, force: true });
            ops.renameSync(saved, current);
          }
        } else if (fs.existsSync(current)) {
          ops.rmSync(current, { recursive: true, force: true });
        }
      }
      notes.push(`an interrupted synth had left ${out} half-replaced; restored the previous tree before writing`);
    }
    finish(out, j, ops);
  }
  ops.rmSync(path.join(out, JOURNAL_NEXT), { force: true });
  for (const entry of fs.readdirSync(out).sort()) {
    if (!LEFTOVER.test(entry)) continue;
    const abs = path.join(out, entry);
    if (entry.startsWith(BACKUP_PREFIX)) {
      for (const name of fs.readdirSync(abs).sort()) {
        if (!fs.existsSync(path.join(out, name))) ops.renameSync(path.join(abs, name), path.join(out, name));
      }
    }
    ops.rmSync(abs, { recursive: true, force: true });
  }
  return notes;
}

/** Reads a tree back from disk (all files under `dir`, relative POSIX paths, sorted; the writer's own lock, journal and leftovers excluded). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (rel === '' && isWriterFile(entry.name)) continue;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}
