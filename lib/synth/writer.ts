/**
 * The atomic writer. The new tree is written into a staging folder inside the output folder (so every
 * rename stays on one filesystem, even when the output folder is a mount point or a symlink to another
 * disk) and swapped in only when every file is written; a failure before that leaves the output as it
 * was. Only the entries the library owns are replaced; anything else in the output folder is kept.
 * A lock file keeps two synths from writing the same folder at once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileTree } from './render';

/** Top-level entries of the output folder that belong to the library. */
export const OWNED_ENTRIES: readonly string[] = ['management', 'sites', 'placement.json', 'PLACEMENT.md'];

const STAGING_PREFIX = '.k0smos-staging-';
const BACKUP_PREFIX = '.k0smos-previous-';
/** Exactly the names mkdtemp gives our own folders: never another tool's files. */
const LEFTOVER = /^\.k0smos-(staging|previous)-[A-Za-z0-9]{6}$/;
const LOCK = '.k0smos.lock';

export interface WriteOptions {
  /** Extra top-level names this tree owns (every top-level name of the tree is owned as well). */
  readonly owned?: readonly string[];
}

/**
 * Writes `tree` under `outdir`, replacing the owned entries at once. Top-level entries that the
 * library owns but the new tree lacks are removed (a report that is no longer produced).
 */
export function writeTreeAtomically(outdir: string, tree: FileTree, options: WriteOptions = {}): void {
  const out = path.resolve(outdir);
  fs.mkdirSync(out, { recursive: true });
  const release = lock(out);
  try {
    cleanStale(out);
    const staging = fs.mkdtempSync(path.join(out, STAGING_PREFIX));
    try {
      const dirs = new Set<string>();
      for (const rel of tree.keys()) dirs.add(path.dirname(rel));
      for (const d of [...dirs].sort()) fs.mkdirSync(path.join(staging, d), { recursive: true });
      for (const [rel, content] of tree) fs.writeFileSync(path.join(staging, rel), content);
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    const top = new Set<string>([...OWNED_ENTRIES, ...(options.owned ?? [])]);
    for (const rel of tree.keys()) top.add(rel.split('/')[0]!);
    swap(out, staging, [...top].sort());
  } finally {
    release();
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

function swap(out: string, staging: string, owned: readonly string[]): void {
  const backup = fs.mkdtempSync(path.join(out, BACKUP_PREFIX));
  const movedOld: string[] = [];
  const movedNew: string[] = [];
  try {
    for (const name of owned) {
      if (fs.existsSync(path.join(out, name))) {
        fs.renameSync(path.join(out, name), path.join(backup, name));
        movedOld.push(name);
      }
    }
    for (const name of owned) {
      if (fs.existsSync(path.join(staging, name))) {
        fs.renameSync(path.join(staging, name), path.join(out, name));
        movedNew.push(name);
      }
    }
  } catch (e) {
    // Put the previous tree back as it was.
    for (const name of movedNew) fs.rmSync(path.join(out, name), { recursive: true, force: true });
    for (const name of movedOld) fs.renameSync(path.join(backup, name), path.join(out, name));
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(backup, { recursive: true, force: true });
    throw e;
  }
  fs.rmSync(staging, { recursive: true, force: true });
  fs.rmSync(backup, { recursive: true, force: true });
}

/**
 * Cleans up after a writer that was killed (we hold the lock, so no writer is running): a half-written
 * staging folder is dropped; entries of a previous tree that were moved aside but not replaced are put
 * back, so the output is whole again.
 */
function cleanStale(out: string): void {
  for (const entry of fs.readdirSync(out).sort()) {
    if (!LEFTOVER.test(entry)) continue;
    const abs = path.join(out, entry);
    if (entry.startsWith(BACKUP_PREFIX)) {
      for (const name of fs.readdirSync(abs)) {
        if (!fs.existsSync(path.join(out, name))) fs.renameSync(path.join(abs, name), path.join(out, name));
      }
    }
    fs.rmSync(abs, { recursive: true, force: true });
  }
}

/** Reads a tree back from disk (all files under `dir`, relative POSIX paths, sorted; the writer's own lock and leftovers excluded). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (rel === '' && (entry.name === LOCK || LEFTOVER.test(entry.name))) continue;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}
