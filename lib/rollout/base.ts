/**
 * The base a rollout's change list compares with: a tree the user names, read at the edge (`Fleet.synth`,
 * the CLI), never inside constructs. Either a folder holding a previous output, or a git ref of the
 * repository the output is committed to (read with `git ls-tree` and `git cat-file`, so the working tree
 * and the output folder itself are never read). Never the output folder as it is now: that would compare
 * with whatever the last synth wrote, and a second synth of the same input would change the report.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../model/errors';
import { isWriterFile, readTree } from '../synth/writer';

/** A base as the user names it. */
export type RolloutBaseSource =
  /** A folder that holds a previous output (for example a checkout of the previous release). */
  | { readonly folder: string }
  /**
   * A git ref (`main`, `origin/main`, `v1.4.0`, a commit) of the repository the output is committed to.
   * `repository` is a folder inside that repository (@default - the output folder's repository);
   * `path` is the output's folder inside the repository (@default - the output folder's path in it).
   */
  | { readonly gitRef: string; readonly repository?: string; readonly path?: string };

/** A base read into memory, with the name the report gives it. */
export interface RolloutBase {
  readonly name: string;
  readonly tree: ReadonlyMap<string, string>;
}

const fail = (message: string): never => {
  throw new ValidationError([{ path: 'rolloutBase', message }], 'cannot read the rollout base');
};

function git(cwd: string, args: string[], input?: Buffer): Buffer {
  try {
    return execFileSync('git', ['-C', cwd, ...args], { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') return fail(`git is not installed (needed to read the base ref); install git or name a folder as the base ({ folder })`);
    return fail(`git ${args.join(' ')} failed in ${cwd}: ${String(err.stderr ?? e).trim()}`);
  }
}

/**
 * Reads the base. `outdir` is the folder synth writes to: a folder base equal to it is refused, and a
 * git base defaults to its repository and its path inside it.
 */
export function readRolloutBase(source: RolloutBaseSource, outdir: string): RolloutBase {
  const out = path.resolve(outdir);
  if ('folder' in source) {
    const dir = path.resolve(source.folder);
    if (dir === out) fail(`the base folder '${source.folder}' is the output folder itself: that compares with whatever the last synth wrote, and the report would change on every synth; name a previous tree (a checkout of the last release) or a git ref ({ gitRef: 'main' })`);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) fail(`the base folder '${source.folder}' does not exist; name a folder that holds a previous output, or a git ref`);
    return { name: source.folder, tree: readTree(dir) };
  }
  const ref = source.gitRef;
  if (ref.trim() === '' || ref.startsWith('-')) fail(`'${ref}' is not a git ref; give a branch, tag or commit (for example 'main' or 'origin/main')`);
  let start = path.resolve(source.repository ?? out);
  while (!fs.existsSync(start)) start = path.dirname(start);
  const top = git(start, ['rev-parse', '--show-toplevel']).toString('utf8').trim();
  const commit = (() => {
    try {
      return execFileSync('git', ['-C', top, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8').trim();
    } catch {
      return fail(`'${ref}' is not a commit of the repository at ${top}; give a branch, tag or commit that exists there (git fetch first for a remote branch)`);
    }
  })();
  const rel = (source.path ?? path.relative(fs.realpathSync(top), fs.existsSync(out) ? fs.realpathSync(out) : out)).split(path.sep).join('/').replace(/\/+$/, '');
  if (rel.startsWith('..')) fail(`the output folder ${out} is outside the repository ${top}; give { gitRef, repository, path } naming the output's folder inside the repository`);
  const listing = git(top, ['ls-tree', '-r', '-z', '--full-tree', commit, ...(rel ? ['--', rel] : [])]).toString('utf8');
  const blobs: { sha: string; file: string }[] = [];
  for (const entry of listing.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [, type, sha] = entry.slice(0, tab).split(' ');
    const full = entry.slice(tab + 1);
    const file = rel ? full.slice(rel.length + 1) : full;
    if (type !== 'blob' || (!file.includes('/') && isWriterFile(file))) continue;
    blobs.push({ sha: sha!, file });
  }
  const tree = new Map<string, string>();
  if (blobs.length > 0) {
    const raw = git(top, ['cat-file', '--batch'], Buffer.from(blobs.map((b) => b.sha).join('\n') + '\n'));
    let at = 0;
    for (const b of blobs) {
      const nl = raw.indexOf(10, at);
      const size = Number(raw.subarray(at, nl).toString('utf8').split(' ')[2]);
      tree.set(b.file, raw.subarray(nl + 1, nl + 1 + size).toString('utf8'));
      at = nl + 1 + size + 1;
    }
  }
  return { name: `${ref} (${commit.slice(0, 12)}${rel ? `:${rel}` : ''})`, tree: new Map([...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}
