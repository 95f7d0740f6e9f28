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
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ValidationError } from '../model/errors';
import type { FileTree } from './render';

/** Top-level entries of the output folder that belong to the library. */
export const OWNED_ENTRIES: readonly string[] = ['management', 'sites', 'placement.json', 'PLACEMENT.md', 'READINESS.md', 'readiness.json', 'ip-plan.json', 'nodeports.json', 'GITOPS.md', 'ROLLOUT.md', 'rollout.json'];

const STAGING_PREFIX = '.k0smos-staging-';
const BACKUP_PREFIX = '.k0smos-previous-';
/** Exactly the names mkdtemp gives our own folders: never another tool's files. */
const LEFTOVER = /^\.k0smos-(staging|previous)-[A-Za-z0-9]{6}$/;
const LOCK = '.k0smos.lock';
const JOURNAL = '.k0smos-swap.json';
const JOURNAL_NEXT = '.k0smos-swap.json.next';
/** The folders a write is about to create, recorded before it creates them: only those are ever removed as leftovers. */
const PENDING = '.k0smos-pending.json';
/**
 * The ownership marker: the top-level entries of the output folder that the library wrote. Only those
 * are replaced or removed; anything else is the user's. Written with the tree, swapped in with it.
 */
export const OWNED_MARKER = '.k0smos-owned.json';

/** True for the names of the writer's own files at the top of an output folder (lock, journal, marker, staging and backup folders). */
export function isWriterFile(name: string): boolean {
  return name === LOCK || name === JOURNAL || name === JOURNAL_NEXT || name === PENDING || name === OWNED_MARKER || LEFTOVER.test(name);
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
  /**
   * Write into a non-empty folder the library did not write (no ownership marker, not its layout), and
   * replace entries of the same names as the tree's that the marker does not list. Never allows the
   * filesystem root, the home folder or an ancestor of the working folder.
   * @default false
   */
  readonly force?: boolean;
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
  refuseDangerous(out);
  return withFsErrors(out, () => {
    fs.mkdirSync(out, { recursive: true });
    const release = lock(out);
    try {
      const notes = [...recover(out, ops)];
      if (hasFlatLayout(out)) {
        notes.push(
          `adopting the earlier flat layout in ${out}: management/*.yaml and sites/<site>/<cluster>/*.yaml are replaced by management/fleet/, management/clusters/<cluster>/ and sites/<site>/<cluster>/{infra,apps}/; point your GitOps engine at the new folders`,
        );
      }
      const treeTops = [...new Set([...tree.keys()].map((rel) => rel.split('/')[0]!))].sort();
      const claim = ownership(out, treeTops, options.force === true);
      notes.push(...claim.notes);
      // Owned names the new tree lacks are removed: the library's standard entries and extra names it was given.
      const removable = new Set<string>([...OWNED_ENTRIES, ...(options.owned ?? [])]);
      const owned = new Set<string>([...treeTops, OWNED_MARKER, ...(options.owned ?? []), ...claim.previous.filter((n) => removable.has(n)), ...claim.replaced]);
      const kept = claim.previous.filter((n) => !owned.has(n) && fs.existsSync(path.join(out, n)));
      const marker = `${JSON.stringify({ version: 1, writer: 'cdk8s-k0smos', entries: [...new Set([...treeTops, ...kept])].sort() }, null, 2)}\n`;
      const staging = STAGING_PREFIX + suffix();
      const backup = BACKUP_PREFIX + suffix();
      // Named before they exist: a writer killed at any later step leaves only folders the next one knows.
      ops.writeFileSync(path.join(out, PENDING), `${JSON.stringify({ version: 1, folders: [staging, backup] })}\n`);
      const stagingAbs = path.join(out, staging);
      try {
        ops.mkdirSync(stagingAbs, { recursive: true });
        const dirs = new Set<string>();
        for (const rel of tree.keys()) dirs.add(path.dirname(rel));
        for (const d of [...dirs].sort()) ops.mkdirSync(path.join(stagingAbs, d), { recursive: true });
        for (const [rel, content] of tree) ops.writeFileSync(path.join(stagingAbs, rel), content);
        ops.writeFileSync(path.join(stagingAbs, OWNED_MARKER), marker);
      } catch (e) {
        tryQuietly(() => ops.rmSync(stagingAbs, { recursive: true, force: true }));
        tryQuietly(() => ops.rmSync(path.join(out, PENDING), { force: true }));
        throw e;
      }
      notes.push(...swap(out, staging, backup, [...owned].sort(), ops));
      return { notes };
    } finally {
      release();
    }
  });
}

/** Six letters and digits, like mkdtemp's (the name pattern of the writer's folders). */
function suffix(): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(6)].map((b) => abc[b % abc.length]).join('');
}

/** A folder the writer must never write into or clean: the filesystem root, the home folder, the working folder's ancestors. */
function refuseDangerous(out: string): void {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const target = real(out);
  const why =
    target === path.parse(target).root
      ? 'it is the root of the filesystem'
      : target === real(os.homedir())
        ? 'it is your home folder'
        : (() => {
            const rel = path.relative(target, real(process.cwd()));
            return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? `it contains the working folder ${process.cwd()}` : undefined;
          })();
  if (why) {
    throw new ValidationError([{ path: out, message: `refusing to write the fleet here: ${why}, and the writer replaces folders such as management/ and sites/ in its output folder. Give a folder of its own, e.g. --out dist` }], 'unsafe output folder');
  }
}

/** Runs `f`, turning filesystem errors into a message that names the folder and what to do (no stack trace). */
function withFsErrors<T>(out: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof ValidationError || typeof err?.code !== 'string') throw e;
    const where = err.path ?? out;
    const todo: Record<string, string> = {
      EACCES: 'the user running synth may not write there: fix the permissions of the folder or choose another --out',
      EPERM: 'the operation is not permitted there: fix the permissions of the folder or choose another --out',
      EROFS: 'the filesystem is read-only: choose another --out',
      ENOSPC: 'the disk is full: free some space and run synth again (the previous output is unchanged)',
      EDQUOT: 'the disk quota is exhausted: free some space and run synth again',
      EEXIST: 'something already exists where the writer needs a new entry: remove it, or run synth again',
      ENOENT: 'a file or folder vanished while synth was writing (another program changed the folder): run synth again',
      ENOTDIR: 'a file stands where the writer needs a folder: move it away or choose another --out',
      EISDIR: 'a folder stands where the writer needs a file: move it away or choose another --out',
      EMFILE: 'too many files are open: raise the limit (ulimit -n) and run synth again',
      EIO: 'the disk reported an input/output error: check the disk and run synth again',
    };
    throw new ValidationError([{ path: where, message: `${err.code}: ${err.message}; ${todo[err.code] ?? 'run synth again, or choose another --out'}` }], `cannot write ${out}`);
  }
}

/** What the folder's entries are: owned by the library before this write, and what this write may replace. */
function ownership(out: string, treeTops: readonly string[], force: boolean): { previous: string[]; replaced: string[]; notes: string[] } {
  const entries = fs.readdirSync(out).sort();
  const exists = (n: string) => entries.includes(n);
  const notes: string[] = [];
  let previous: string[];
  const markerFile = path.join(out, OWNED_MARKER);
  if (exists(OWNED_MARKER)) {
    let listed: unknown;
    try {
      listed = (JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { entries?: unknown }).entries;
    } catch {
      listed = undefined;
    }
    if (!Array.isArray(listed) || !listed.every((n) => typeof n === 'string' && n.length > 0 && !n.includes('/') && n !== '.' && n !== '..')) {
      throw new ValidationError([{ path: markerFile, message: 'is not an ownership marker this writer can read; restore it from git, or delete it and run synth with --force (entries named like the new tree are then replaced)' }], 'unreadable ownership marker');
    }
    previous = (listed as string[]).filter(exists);
  } else {
    // Hidden entries (.git, the writer's own files) do not make a folder someone else's.
    const visible = entries.filter((e) => !e.startsWith('.'));
    if (visible.length === 0) previous = [];
    else if (looksLikeLibraryOutput(out)) {
      previous = OWNED_ENTRIES.filter(exists);
      if (!hasFlatLayout(out)) notes.push(`adopting ${out}: it holds this library's output without an ownership marker (an earlier version); ${OWNED_MARKER} now records the entries the library owns (${previous.join(', ')})`);
    } else if (force) {
      previous = [];
      notes.push(`--force: writing into ${out}, which this library did not write; entries named like the new tree's (${treeTops.filter(exists).join(', ') || 'none'}) are replaced, the rest is kept`);
    } else {
      throw new ValidationError(
        [{ path: out, message: `is not empty (${visible.slice(0, 5).join(', ')}${visible.length > 5 ? ', ...' : ''}) and was not written by this library (no ${OWNED_MARKER}); choose an empty or new folder, or pass --force (force: true) to write into it, replacing only entries named like the new tree's` }],
        'refusing to write into a foreign folder',
      );
    }
  }
  const collisions = treeTops.filter((n) => exists(n) && !previous.includes(n));
  if (collisions.length > 0 && !force) {
    throw new ValidationError(
      [{ path: out, message: `holds ${collisions.join(', ')}, which the library did not write (${OWNED_MARKER} does not list ${collisions.length === 1 ? 'it' : 'them'}) and the new tree would replace; move ${collisions.length === 1 ? 'it' : 'them'} away, or pass --force (force: true) to replace ${collisions.length === 1 ? 'it' : 'them'}` }],
      'refusing to replace entries the library did not write',
    );
  }
  return { previous, replaced: collisions, notes };
}

/** The library's output without a marker: its earlier flat layout, or a management/ or site cluster folder with a kustomization. */
function looksLikeLibraryOutput(out: string): boolean {
  if (hasFlatLayout(out)) return true;
  if (isFile(path.join(out, 'management', 'kustomization.yaml'))) return true;
  const sites = path.join(out, 'sites');
  if (!isDir(sites)) return false;
  return fs.readdirSync(sites).some((site) => isDir(path.join(sites, site)) && fs.readdirSync(path.join(sites, site)).some((c) => isFile(path.join(sites, site, c, 'kustomization.yaml'))));
}

/**
 * Finishes or rolls back a synth that was interrupted in `outdir` (under the lock), so that what is read
 * from the output before writing (the previous placement) is one whole tree. Returns the notes to print.
 * `writeTreeAtomically` does the same first; call this before reading state from the output.
 */
export function settleOutput(outdir: string, options: Pick<WriteOptions, 'fs'> = {}): string[] {
  const out = path.resolve(outdir);
  // Nothing to settle (no trace of an interrupted write): touch nothing, not even a lock file.
  if (![JOURNAL, JOURNAL_NEXT, PENDING].some((f) => fs.existsSync(path.join(out, f)))) return [];
  refuseDangerous(out);
  return withFsErrors(out, () => {
    const release = lock(out);
    try {
      return recover(out, options.fs ?? REAL_FS);
    } finally {
      release();
    }
  });
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
 * Takes the output folder's lock: a file created exclusively, holding the writer's host, pid and process
 * start time. A lock whose process no longer runs, or whose pid now belongs to a process started after
 * the lock was taken (the pid was reused), is stale: it is taken over with a note on stderr. A live
 * holder is an error that names it. A lock that cannot be written (a full disk) leaves no file behind.
 */
function lock(out: string): () => void {
  const file = path.join(out, LOCK);
  const me = JSON.stringify({ host: os.hostname(), pid: process.pid, start: processStart(process.pid) ?? null });
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = lockHolder(file);
      if (holder) {
        throw new ValidationError([{ path: file, message: `another synth (${holder}) is writing ${out}; wait for it to finish. If no synth is running (the lock was copied from another machine, say), delete ${file}` }], 'output folder locked');
      }
      console.error(`cdk8s-k0smos: note: took over the stale lock ${file} (its synth no longer runs)`);
      fs.rmSync(file, { force: true });
      continue;
    }
    try {
      fs.writeSync(fd, me);
      fs.closeSync(fd);
    } catch (e) {
      // A full disk: no empty lock file may stay behind.
      tryQuietly(() => fs.closeSync(fd!));
      fs.rmSync(file, { force: true });
      throw e;
    }
    return () => fs.rmSync(file, { force: true });
  }
  throw new ValidationError([{ path: file, message: `could not take the lock (other synths keep taking it); run synth again when they are done` }], 'output folder locked');
}

/**
 * Who holds a lock file, in words, or undefined when it is stale: empty or unreadable, a process that
 * is gone, or a pid reused by a process that started after the lock was written.
 */
function lockHolder(file: string): string | undefined {
  let text: string;
  let written: number;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
    written = fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  let pid: number;
  let host: string | undefined;
  let start: number | null | undefined;
  if (/^\d+$/.test(text)) pid = Number(text); // the earlier format: the pid alone
  else {
    try {
      const j = JSON.parse(text) as { host?: unknown; pid?: unknown; start?: unknown };
      pid = Number(j.pid);
      host = typeof j.host === 'string' ? j.host : undefined;
      start = typeof j.start === 'number' ? j.start : null;
    } catch {
      return undefined;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // On another machine (a shared folder), liveness cannot be checked: the lock holds.
  if (host !== undefined && host !== os.hostname()) return `process ${pid} on ${host}`;
  if (pid === process.pid || !alive(pid)) return undefined;
  const actual = processStart(pid);
  if (actual !== undefined) {
    if (typeof start === 'number' && start !== actual) return undefined;
    // The earlier format has no start time: a process that started after the lock was written is not its writer.
    if (start === undefined && actual > written + 1000) return undefined;
  }
  return `process ${pid}`;
}

/** When a process started, in ms since the epoch (Linux /proc), or undefined where that cannot be read. */
function processStart(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    // Clock ticks are 100 per second on Linux (USER_HZ); rounded to the second so both readings agree.
    return Math.round(btime + ticks / 100) * 1000;
  } catch {
    return undefined;
  }
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
function swap(out: string, staging: string, backup: string, owned: readonly string[], ops: WriterFs): string[] {
  let journal: Journal | undefined;
  try {
    ops.mkdirSync(path.join(out, backup), { recursive: true });
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
  ops.rmSync(path.join(out, PENDING), { force: true });
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
      throw new ValidationError([{ path: '', message: `${file} is not a journal this writer can read; a synth was interrupted while it replaced the owned entries of ${out}. Check management/, sites/ and the reports against git, then delete ${file}` }], 'interrupted synth');
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
  // Only folders a writer recorded before creating them are removed; look-alikes are someone else's.
  const pending = readPending(path.join(out, PENDING));
  for (const name of pending) {
    if (fs.existsSync(path.join(out, name))) ops.rmSync(path.join(out, name), { recursive: true, force: true });
  }
  ops.rmSync(path.join(out, PENDING), { force: true });
  const strays = fs.readdirSync(out).filter((e) => LEFTOVER.test(e)).sort();
  if (strays.length > 0) notes.push(`left ${strays.join(', ')} in ${out} alone: named like the writer's temporary folders, but no writer recorded ${strays.length === 1 ? 'it' : 'them'}; delete ${strays.length === 1 ? 'it' : 'them'} if ${strays.length === 1 ? 'it is a leftover' : 'they are leftovers'}`);
  return notes;
}

/** The folder names a pending file records (only names of the writer's pattern), or none. */
function readPending(file: string): string[] {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { folders?: unknown };
    return Array.isArray(j.folders) ? j.folders.filter((n): n is string => typeof n === 'string' && LEFTOVER.test(n)) : [];
  } catch {
    return [];
  }
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
