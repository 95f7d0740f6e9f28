/**
 * Reading a synthesized output tree the way a GitOps engine would: which folders apply to which
 * cluster, in which order, and the objects in each. Written apart from the library's writer and
 * resolver on purpose: it only reads files.
 *
 * A folder applies through its `kustomization.yaml`: each `resources` (or legacy `bases`) entry is a
 * file (its documents apply in that place), a folder with its own kustomization (followed, in the
 * listed place) or a remote kustomize target (a URL; an add-on bundle such as the Kubeflow training
 * operator). Files a kustomization does not list are not applied.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Relative POSIX path -> file text. */
export type Tree = ReadonlyMap<string, string>;

/** A Kubernetes object as read from a file. */
export interface Obj {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

/** One object and the file it came from. */
export interface Doc {
  readonly file: string;
  readonly obj: Obj;
}

/** One entry of an apply unit, in listing order: an object, or a remote kustomize target. */
export type Entry = { readonly doc: Doc } | { readonly remote: string; readonly listedIn: string };

/** What one kustomization folder applies by itself (its nested folders are units of their own). */
export interface Unit {
  readonly folder: string;
  readonly entries: readonly Entry[];
}

/** Every file under `root`, by relative POSIX path. */
export function readTreeFromDir(root: string): Tree {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    const names = fs.readdirSync(dir).sort(cmp);
    for (const n of names) {
      const abs = path.join(dir, n);
      const r = rel ? `${rel}/${n}` : n;
      if (fs.statSync(abs).isDirectory()) walk(abs, r);
      else out.set(r, fs.readFileSync(abs, 'utf8'));
    }
  };
  walk(root, '');
  return out;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The documents of a YAML text that are objects (kind and apiVersion set). */
export function parseObjects(text: string, file: string): Doc[] {
  const docs: Doc[] = [];
  for (const d of parseAllDocuments(text)) {
    const o = d.toJS() as unknown;
    if (!isRecord(o) || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') continue;
    const metadata = isRecord(o.metadata) ? o.metadata : {};
    docs.push({ file, obj: { ...o, metadata } as Obj });
  }
  return docs;
}

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function kustomizationFile(tree: Tree, folder: string): string | undefined {
  return KUSTOMIZATION_NAMES.map((n) => (folder ? `${folder}/${n}` : n)).find((f) => tree.has(f));
}

export function isFolder(tree: Tree, folder: string): boolean {
  const prefix = `${folder}/`;
  for (const k of tree.keys()) if (k.startsWith(prefix)) return true;
  return false;
}

function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || entry.includes('?ref=') || entry.startsWith('git@');
}

/**
 * The apply units of a kustomization folder, depth first in listing order. Problems (a listed
 * entry that does not exist, a loop) go to `problems`.
 */
export function followKustomization(tree: Tree, folder: string, problems: string[], seen: Set<string> = new Set()): Unit[] {
  const kfile = kustomizationFile(tree, folder);
  if (!kfile) {
    problems.push(`${folder}: no kustomization.yaml, so nothing in it is applied`);
    return [];
  }
  if (seen.has(folder)) {
    problems.push(`${folder}: kustomizations include each other in a loop`);
    return [];
  }
  seen.add(folder);
  const k = (parseAllDocuments(tree.get(kfile)!)[0]?.toJS() ?? {}) as Record<string, unknown>;
  const listed = [...asStrings(k.resources), ...asStrings(k.bases)];
  const units: Unit[] = [];
  let current: Entry[] = [];
  const flush = () => {
    if (current.length > 0) units.push({ folder, entries: current });
    current = [];
  };
  for (const r of listed) {
    if (isRemote(r)) {
      current.push({ remote: r, listedIn: kfile });
      continue;
    }
    const p = path.posix.normalize(folder ? `${folder}/${r}` : r).replace(/\/$/, '');
    if (tree.has(p)) {
      for (const doc of parseObjects(tree.get(p)!, p)) current.push({ doc });
    } else if (isFolder(tree, p)) {
      flush();
      units.push(...followKustomization(tree, p, problems, seen));
    } else {
      problems.push(`${kfile}: lists '${r}', which is not in the tree`);
    }
  }
  flush();
  seen.delete(folder);
  return units;
}

/**
 * The units of a folder that should be applied as a whole: through its own kustomization when it has
 * one; otherwise its sub-folders that have one, `first` names before the others (sorted).
 */
export function folderUnits(tree: Tree, folder: string, first: readonly string[], problems: string[]): Unit[] {
  if (kustomizationFile(tree, folder)) return followKustomization(tree, folder, problems);
  const subs = new Set<string>();
  const prefix = `${folder}/`;
  for (const k of tree.keys()) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length).split('/');
    if (rest.length < 2) continue;
    // Nearest folders with a kustomization, up to two levels down (management/clusters/<c>).
    if (kustomizationFile(tree, `${folder}/${rest[0]}`)) subs.add(rest[0]!);
    else if (rest.length >= 3 && kustomizationFile(tree, `${folder}/${rest[0]}/${rest[1]}`)) subs.add(`${rest[0]}/${rest[1]}`);
  }
  const rank = (s: string) => {
    const i = first.findIndex((f) => s === f || s.startsWith(`${f}/`));
    return i < 0 ? first.length : i;
  };
  const ordered = [...subs].sort((a, b) => rank(a) - rank(b) || cmp(a, b));
  if (ordered.length === 0) problems.push(`${folder}: no kustomization.yaml, so nothing in it is applied`);
  return ordered.flatMap((s) => followKustomization(tree, `${folder}/${s}`, problems));
}

export function docsOf(units: readonly Unit[]): Doc[] {
  return units.flatMap((u) => u.entries.flatMap((e) => ('doc' in e ? [e.doc] : [])));
}

// ---------------------------------------------------------------------------------------------
// Small readers for untyped YAML data.

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The value at a path of record keys / array indexes, or undefined. */
export function at(x: unknown, ...keys: (string | number)[]): unknown {
  let cur: unknown = x;
  for (const k of keys) {
    if (typeof k === 'number') cur = Array.isArray(cur) ? cur[k] : undefined;
    else cur = isRecord(cur) ? cur[k] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

export function asStrings(x: unknown): string[] {
  return asArray(x).filter((s): s is string => typeof s === 'string');
}

export function asRecord(x: unknown): Record<string, unknown> {
  return isRecord(x) ? x : {};
}

export function asString(x: unknown): string | undefined {
  return typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
}

/** Helm values given as a YAML string or as an object. */
export function parseValues(x: unknown): Record<string, unknown> {
  if (isRecord(x)) return x;
  if (typeof x !== 'string' || x.trim() === '') return {};
  const v = parseAllDocuments(x)[0]?.toJS() as unknown;
  return isRecord(v) ? v : {};
}

/** Deep merge for Helm values: objects merge, everything else (arrays too) is replaced. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeValues(base[k], v);
  return out;
}

export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** `Kind.group ns/name` (or `Kind name` for the core group, `.../name` without a namespace). */
export function describe(o: Obj): string {
  const g = groupOf(o.apiVersion);
  const ns = o.metadata.namespace;
  return `${o.kind}${g ? `.${g}` : ''} ${ns ? `${ns}/` : ''}${o.metadata.name ?? '<no name>'}`;
}
