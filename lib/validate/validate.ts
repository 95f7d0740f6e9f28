/**
 * Conformance: every YAML document under a folder must validate against its upstream schema.
 * A document whose kind has no schema is a failure, never a silent pass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { closest } from '../model/suggest';
import { KUBE_FORMATS } from './kube-formats';
import { BUILTIN_TEMPLATE_METADATA, checkObjectMeta } from './object-meta';
import type { SchemaRegistry } from './schemas';
import { isWriterFile } from '../synth/writer';

/** One validation failure: which file, which document in it (0-based), where (JSON pointer) and what. */
export interface ConformanceFailure {
  readonly file: string;
  readonly document: number;
  readonly pointer: string;
  readonly message: string;
}

export function formatFailure(f: ConformanceFailure): string {
  return `${f.file}#${f.document} ${f.pointer || '/'}: ${f.message}`;
}

/** Validates one parsed document. `file` is only used in the failures. */
export function validateDocument(registry: SchemaRegistry, doc: unknown, file: string, index: number): ConformanceFailure[] {
  const fail = (pointer: string, message: string): ConformanceFailure => ({ file, document: index, pointer, message });
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [fail('', 'document is not an object')];
  const o = doc as Record<string, unknown>;
  const apiVersion = o.apiVersion;
  const kind = o.kind;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [fail('', 'document has no apiVersion/kind')];
  const schema = registry.lookup(apiVersion, kind);
  if (!schema) {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const kinds = group ? registry.kindsOfGroup(group) : [];
    const near = closest(kind, kinds);
    return [fail('', `no schema for ${apiVersion} ${kind} in ${registry.dir}${near && near !== kind ? `; did you mean kind '${near}'?` : ''}${kinds.includes(kind) ? ` (${kind} exists in group ${group}, but not at this version)` : ''}`)];
  }
  const failures: ConformanceFailure[] = [];
  if (!schema.validate(doc)) {
    const errors = schema.validate.errors ?? [];
    // A null that is not allowed is reported once, as a null; its enum/anyOf echoes would only confuse.
    const nullAt = new Set(errors.filter((e) => e.keyword === 'type' && valueAt(doc, e.instancePath) === null).map((e) => e.instancePath));
    for (const e of errors) {
      if (nullAt.has(e.instancePath) && e.keyword !== 'type') continue;
      failures.push(fail(e.instancePath, describe(e, valueAt(doc, e.instancePath))));
    }
  }
  if (schema.apiObject) {
    const meta = (o.metadata ?? {}) as Record<string, unknown>;
    if (typeof meta.name !== 'string' || meta.name.length === 0) failures.push(fail('/metadata/name', 'metadata.name is required'));
    // A namespaced object without a namespace is not reported: the API server puts it in the namespace
    // of the request (kubectl's context, or the GitOps tool's target namespace), and nothing in this
    // project requires one in the files. A namespace on a cluster-scoped kind is refused by the server.
    if (schema.namespaced === false && meta.namespace !== undefined && meta.namespace !== null && meta.namespace !== '') {
      failures.push(fail('/metadata/namespace', `${kind} is cluster-scoped and must not have a namespace; remove metadata.namespace`));
    }
    // What the server checks beyond the schema: name and namespace syntax, label and annotation keys and values.
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const metaProblems = checkObjectMeta(o.metadata, { group, kind, at: '/metadata', root: true });
    if (schema.builtin) {
      for (const at of BUILTIN_TEMPLATE_METADATA) metaProblems.push(...checkObjectMeta(valueAt(doc, at), { group, kind, at, root: false }));
    }
    for (const p of metaProblems) failures.push(fail(p.pointer, p.message));
  }
  return dedupe(failures);
}

function describe(e: ErrorObject, value: unknown): string {
  switch (e.keyword) {
    case 'type':
      if (value === null) {
        return `is null, but this field is not nullable (the schema wants ${[(e.params as { type: string | string[] }).type].flat().join(' or ')}); the API server drops null values, so the field would count as omitted: remove it or give it a value`;
      }
      return e.message ?? e.keyword;
    case 'format': {
      const f = KUBE_FORMATS[(e.params as { format: string }).format];
      return f ? `${f.expected}; got ${show(value)}` : (e.message ?? e.keyword);
    }
    case 'additionalProperties':
      return `unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `missing required field '${(e.params as { missingProperty: string }).missingProperty}'`;
    default:
      return e.message ?? e.keyword;
  }
}

/** The value at a JSON pointer of a document (undefined when the path does not exist). */
export function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A value for a message: JSON, long strings cut. */
function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function dedupe(fs_: ConformanceFailure[]): ConformanceFailure[] {
  const seen = new Set<string>();
  return fs_.filter((f) => {
    const k = formatFailure(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Validates every document of a YAML text. */
export function validateYamlText(registry: SchemaRegistry, text: string, file: string): ConformanceFailure[] {
  const failures: ConformanceFailure[] = [];
  parseAllDocuments(text).forEach((d, i) => {
    if (d.errors.length > 0) {
      failures.push({ file, document: i, pointer: '', message: `not valid YAML: ${d.errors[0]!.message}` });
      return;
    }
    const value = d.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) return; // an empty document
    failures.push(...validateDocument(registry, value, file, i));
  });
  return failures;
}

/**
 * Validates every `*.yaml` / `*.yml` file under `dir`. `kustomization.yaml` files are checked for
 * what kustomize needs (every listed resource exists) rather than against an API schema.
 */
export function validateDirectory(registry: SchemaRegistry, dir: string): { files: number; documents: number; failures: ConformanceFailure[] } {
  const failures: ConformanceFailure[] = [];
  let files = 0;
  let documents = 0;
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      // The writer's staging and backup folders are not part of the tree.
      if (rel === '' && isWriterFile(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        walk(r);
        continue;
      }
      if (!/\.ya?ml$/.test(e.name)) continue;
      const text = fs.readFileSync(path.join(dir, r), 'utf8');
      files++;
      if (e.name === 'kustomization.yaml' || e.name === 'kustomization.yml') {
        failures.push(...checkKustomization(dir, r, text));
        continue;
      }
      documents += parseAllDocuments(text).length;
      failures.push(...validateYamlText(registry, text, r));
    }
  };
  walk('');
  return { files, documents, failures };
}

function checkKustomization(dir: string, rel: string, text: string): ConformanceFailure[] {
  const docs = parseAllDocuments(text);
  const k = docs[0]?.toJS() as { resources?: unknown } | undefined;
  const out: ConformanceFailure[] = [];
  const resources = Array.isArray(k?.resources) ? (k!.resources as unknown[]) : [];
  resources.forEach((r, i) => {
    if (typeof r !== 'string' || !fs.existsSync(path.join(dir, path.dirname(rel), r))) {
      out.push({ file: rel, document: 0, pointer: `/resources/${i}`, message: `resource '${String(r)}' does not exist` });
    }
  });
  return out;
}

/**
 * The schemas folder, first found of: `K0SMOS_SCHEMAS` (when set it must exist: undefined otherwise, never
 * a silent fallback), `../shared/schemas` beside the package root (a checkout of the repository), and the
 * copy the npm package ships (`upstream-schemas/` in the package root, made by scripts/pack-schemas.ts).
 * Returns undefined when none exists.
 */
export function findSchemasDir(packageRoot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.K0SMOS_SCHEMAS;
  if (fromEnv) return fs.existsSync(fromEnv) ? path.resolve(fromEnv) : undefined;
  const beside = path.resolve(packageRoot, '..', 'shared', 'schemas');
  if (fs.existsSync(beside)) return beside;
  const shipped = path.resolve(packageRoot, SHIPPED_SCHEMAS);
  return fs.existsSync(shipped) ? shipped : undefined;
}

/** The folder, relative to the package root, that holds the schemas shipped in the npm package. */
export const SHIPPED_SCHEMAS = 'upstream-schemas';
