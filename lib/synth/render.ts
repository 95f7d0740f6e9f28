/**
 * Turns placed objects and auxiliary files into the file tree of the output directory:
 * one file per object, one `kustomization.yaml` per folder listing them in apply order.
 * Pure: data in, file contents out. Problems are collected and thrown together.
 */
import { ValidationError, type ValidationIssue } from '../model/errors';
import { compareObjects, fileName } from './order';
import { apiGroup, targetFolder, type AuxFile, type PlacedObject, type Target } from './objects';
import { toYaml, toYamlOrdered } from './serialize';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The rendered tree: relative POSIX path -> file content, sorted by path. */
export type FileTree = ReadonlyMap<string, string>;

export interface RenderInput {
  /** Every folder that must exist, even when empty (each gets a kustomization.yaml). */
  readonly targets: readonly Target[];
  readonly objects: readonly PlacedObject[];
  readonly files?: readonly AuxFile[];
}

export function renderTree(input: RenderInput): FileTree {
  const issues: ValidationIssue[] = [];
  const byFolder = new Map<string, PlacedObject[]>();
  for (const t of input.targets) byFolder.set(targetFolder(t), []);
  for (const p of input.objects) {
    const folder = targetFolder(p.target);
    if (!byFolder.has(folder)) byFolder.set(folder, []);
    byFolder.get(folder)!.push(p);
    issues.push(...checkObject(p));
  }

  const files = new Map<string, string>();
  const origin = new Map<string, string>();
  const add = (path: string, content: string, source: string) => {
    const prev = origin.get(path);
    if (prev !== undefined) {
      issues.push({ path: source, message: `writes ${path}, which ${prev} writes too; give one of them another name` });
      return;
    }
    origin.set(path, source);
    files.set(path, content);
  };

  for (const folder of [...byFolder.keys()].sort()) {
    const placed = [...byFolder.get(folder)!].sort((a, b) => compareObjects(a.object, b.object));
    const names: string[] = [];
    for (const p of placed) {
      const name = fileName(p.object);
      add(`${folder}/${name}`, toYaml(p.object), `${p.source} (${p.object.kind} ${p.object.metadata.namespace ? p.object.metadata.namespace + '/' : ''}${p.object.metadata.name})`);
      names.push(name);
    }
    add(
      `${folder}/kustomization.yaml`,
      toYamlOrdered({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names }),
      'the writer',
    );
  }
  for (const f of input.files ?? []) {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(f.path) || f.path.split('/').some((s) => s === '..' || s === '.')) {
      issues.push({ path: f.source, message: `file path '${f.path}' must be relative, with plain segments` });
      continue;
    }
    if (f.path.endsWith('/kustomization.yaml') || f.path === 'kustomization.yaml') {
      issues.push({ path: f.source, message: `'${f.path}' is written by the writer; choose another file name` });
      continue;
    }
    add(f.path, f.content, f.source);
  }
  if (issues.length > 0) throw new ValidationError(issues, 'cannot write the output');
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkObject(p: PlacedObject): ValidationIssue[] {
  const o = p.object;
  const where = `${p.source}`;
  const issues: ValidationIssue[] = [];
  const name = o.metadata?.name;
  if (typeof o.apiVersion !== 'string' || o.apiVersion.length === 0) issues.push({ path: where, message: 'apiVersion is missing' });
  if (typeof o.kind !== 'string' || o.kind.length === 0) issues.push({ path: where, message: 'kind is missing' });
  if (typeof name !== 'string' || name.length === 0) {
    issues.push({ path: where, message: `${o.kind}: metadata.name is missing; give the object a name` });
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.name must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)` });
  } else if (`${apiGroup(o.apiVersion)}/${o.kind}` === '/Service' && (name.length > 63 || !DNS1035_LABEL.test(name))) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters)` });
  } else if (NAME_IS_LABEL.has(`${apiGroup(o.apiVersion)}/${o.kind}`) && (name.length > 63 || !DNS_LABEL.test(name))) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.name must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)` });
  }
  const ns = o.metadata?.namespace;
  if (ns !== undefined && (ns.length > 63 || !DNS_LABEL.test(ns))) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.namespace '${ns}' must be a DNS-1123 label` });
  }
  return issues;
}

/** Kinds whose names the API server checks as DNS-1123 labels rather than subdomains (Service: DNS-1035, above). */
const NAME_IS_LABEL = new Set(['/Namespace']);
