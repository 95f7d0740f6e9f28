/**
 * The schema registry: upstream CRDs (`openAPIV3Schema` per group/version/kind) and the Kubernetes
 * OpenAPI (swagger) definitions of built-in kinds, compiled on demand with Ajv.
 *
 * Schemas are made strict the way `kubectl apply` with server-side field validation is: a field the
 * schema does not declare is an error unless the schema preserves unknown fields.
 * CEL rules (`x-kubernetes-validations`) are not evaluated. Formats are checked where the API server
 * checks them (see kube-formats.ts); resource.Quantity values against the quantity grammar.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { defaultDocumentSchemas } from './k0sctl-schema';
import { CRD_QUANTITY_PATTERN, enforcedFormat, KUBE_FORMATS, QUANTITY_FORMAT } from './kube-formats';

export interface KindSchema {
  /** Validates one object. */
  readonly validate: ValidateFunction;
  /**
   * True for namespaced kinds, false for cluster-scoped ones (from the CRD's `spec.scope`, or for
   * built-in kinds from the swagger's REST paths), undefined for documents that are not API objects
   * and for built-in kinds the swagger serves at no path of their own (List kinds, subresources).
   */
  readonly namespaced: boolean | undefined;
  /** True for Kubernetes API objects (they carry ObjectMeta), false for other documents (k0sctl.yaml). */
  readonly apiObject: boolean;
  /** True for built-in kinds (from the swagger), whose pod templates' metadata the server also checks. */
  readonly builtin: boolean;
  /** Where the schema came from (a file under the schemas folder). */
  readonly source: string;
}

/** A schema for a document that is not a Kubernetes API object (e.g. a k0sctl config), registered by the library. */
export interface DocumentSchema {
  readonly apiVersion: string;
  readonly kind: string;
  readonly schema: Record<string, unknown>;
  readonly source: string;
}

const DEFAULT_KUBERNETES = ['v1.34', 'v1.32'];

interface CrdRef {
  readonly file: string;
  readonly group: string;
  readonly kind: string;
}

export class SchemaRegistry {
  /**
   * Loads the registry from a schemas folder laid out like `shared/schemas`: CRD YAML files anywhere
   * below it and `kubernetes/<version>/swagger.json`. `kubernetesVersions` lists the swagger versions
   * to consult, first match wins. `documents` defaults to `defaultDocumentSchemas(dir)` (the k0sctl `Cluster` file).
   */
  public static load(dir: string, options: { kubernetesVersions?: readonly string[]; documents?: readonly DocumentSchema[] } = {}): SchemaRegistry {
    if (!fs.existsSync(dir)) throw new Error(`schemas folder not found: ${dir}`);
    // Documents that are not API objects (k0sctl.yaml) get the library's own schemas unless the caller gives others.
    return new SchemaRegistry(path.resolve(dir), options.kubernetesVersions ?? DEFAULT_KUBERNETES, options.documents ?? defaultDocumentSchemas(path.resolve(dir)));
  }

  private readonly ajv: Ajv;
  private readonly crds = new Map<string, CrdRef[]>();
  private readonly compiled = new Map<string, KindSchema | null>();
  private readonly swaggers = new Map<string, { gvk: Map<string, string>; namespaced: Map<string, boolean> } | null>();
  private readonly documents: Map<string, DocumentSchema>;

  private constructor(
    public readonly dir: string,
    private readonly kubernetesVersions: readonly string[],
    documents: readonly DocumentSchema[],
  ) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, unicodeRegExp: false });
    for (const [name, f] of Object.entries(KUBE_FORMATS)) this.ajv.addFormat(name, { type: f.type, validate: f.validate } as Parameters<Ajv['addFormat']>[1]);
    this.documents = new Map(documents.map((d) => [`${d.apiVersion}|${d.kind}`, d]));
    this.indexCrds(dir);
  }

  /** The schema for an apiVersion/kind, or undefined when none is known (a failure for the caller). */
  public lookup(apiVersion: string, kind: string): KindSchema | undefined {
    const key = `${apiVersion}|${kind}`;
    if (this.compiled.has(key)) return this.compiled.get(key) ?? undefined;
    const found = this.findDocument(apiVersion, kind) ?? this.findCrd(apiVersion, kind) ?? this.findBuiltin(apiVersion, kind);
    this.compiled.set(key, found ?? null);
    return found;
  }

  /** Known kinds of a group (for "did you mean" hints). */
  public kindsOfGroup(group: string): string[] {
    return [...new Set([...this.crds.values()].flat().filter((c) => c.group === group).map((c) => c.kind))].sort();
  }

  private findDocument(apiVersion: string, kind: string): KindSchema | undefined {
    const d = this.documents.get(`${apiVersion}|${kind}`);
    if (!d) return undefined;
    return { validate: this.ajv.compile(kubeStrict(d.schema)), namespaced: undefined, apiObject: false, builtin: false, source: d.source };
  }

  private indexCrds(dir: string): void {
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const abs = path.join(d, e.name);
        if (e.isDirectory()) walk(abs);
        else if (/\.ya?ml$/.test(e.name)) {
          const text = fs.readFileSync(abs, 'utf8');
          if (!/^kind: CustomResourceDefinition$/m.test(text)) continue;
          const group = /^ {2}group: (\S+)$/m.exec(text)?.[1];
          const kind = /^ {4}kind: (\S+)$/m.exec(text)?.[1];
          if (!group || !kind) continue;
          const key = `${group}|${kind}`;
          this.crds.set(key, [...(this.crds.get(key) ?? []), { file: abs, group, kind }]);
        }
      }
    };
    walk(dir);
  }

  private findCrd(apiVersion: string, kind: string): KindSchema | undefined {
    const [group, version] = splitApiVersion(apiVersion);
    if (!group) return undefined;
    for (const ref of this.crds.get(`${group}|${kind}`) ?? []) {
      const crd = parseYaml(fs.readFileSync(ref.file, 'utf8'), { maxAliasCount: -1 }) as CrdDoc;
      const v = crd.spec.versions.find((x) => x.name === version && x.served !== false);
      if (!v?.schema?.openAPIV3Schema) continue;
      const schema = this.withObjectMeta(kubeStrict(v.schema.openAPIV3Schema));
      return { validate: this.ajv.compile(schema), namespaced: crd.spec.scope === 'Namespaced', apiObject: true, builtin: false, source: path.relative(this.dir, ref.file) };
    }
    return undefined;
  }

  /**
   * CRDs leave `metadata` as `type: object`, but the API server decodes it as ObjectMeta: unknown
   * fields and wrong types are refused. Points the CRD's metadata at the swagger's ObjectMeta (of the
   * first Kubernetes version present), keeping any constraint the CRD adds.
   */
  private withObjectMeta(schema: Record<string, unknown>): Record<string, unknown> {
    const version = this.kubernetesVersions.find((v) => this.swagger(v));
    if (!version) return schema;
    const ref = { $ref: `k8s-${version}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta` };
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    const own = { ...((props.metadata ?? {}) as Record<string, unknown>) };
    delete own.additionalProperties; // our strictness, not the CRD's: ObjectMeta says which fields exist
    const rest = Object.keys(own).filter((k) => k !== 'type');
    return { ...schema, properties: { ...props, metadata: rest.length === 0 ? ref : { allOf: [ref, own] } } };
  }

  private swagger(version: string): { gvk: Map<string, string>; namespaced: Map<string, boolean> } | undefined {
    if (this.swaggers.has(version)) return this.swaggers.get(version) ?? undefined;
    const file = path.join(this.dir, 'kubernetes', version, 'swagger.json');
    if (!fs.existsSync(file)) {
      this.swaggers.set(version, null);
      return undefined;
    }
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { definitions: Record<string, Record<string, unknown>>; paths?: Record<string, Record<string, unknown>> };
    const gvk = new Map<string, string>();
    const defs: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(doc.definitions)) {
      defs[name] = swaggerDefinition(name, def);
      for (const g of (def['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
        // Skip the list and meta kinds that share a definition with several GVKs.
        if (name.startsWith('io.k8s.apimachinery.pkg.apis.meta.')) continue;
        gvk.set(`${g.group ? `${g.group}/` : ''}${g.version}|${g.kind}`, name);
      }
    }
    this.ajv.addSchema({ $id: `k8s-${version}`, definitions: defs });
    const entry = { gvk, namespaced: scopesFromPaths(doc.paths ?? {}) };
    this.swaggers.set(version, entry);
    return entry;
  }

  private findBuiltin(apiVersion: string, kind: string): KindSchema | undefined {
    for (const version of this.kubernetesVersions) {
      const sw = this.swagger(version);
      const def = sw?.gvk.get(`${apiVersion}|${kind}`);
      if (!def) continue;
      const validate = this.ajv.compile({ $ref: `k8s-${version}#/definitions/${def}` });
      return { validate, namespaced: sw!.namespaced.get(`${apiVersion}|${kind}`), apiObject: true, builtin: true, source: `kubernetes/${version}/swagger.json#/definitions/${def}` };
    }
    return undefined;
  }
}

interface CrdDoc {
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/**
 * The scope of every built-in kind, read from the swagger's REST paths: a kind served at
 * `/api/v1/namespaces/{namespace}/<resource>` or `/apis/<group>/<version>/namespaces/{namespace}/<resource>`
 * is namespaced; one served only at `/api[s]/.../<resource>` is cluster-scoped. Subresource paths
 * (`.../{name}/status`, `/scale`, `/eviction`) are skipped: they carry other kinds' GVKs.
 */
export function scopesFromPaths(paths: Record<string, Record<string, unknown>>): Map<string, boolean> {
  const resourcePath = /^\/apis?\/(?:[^/]+\/)?[^/]+\/(namespaces\/\{namespace\}\/)?[^/{]+(?:\/\{name\})?$/;
  const out = new Map<string, boolean>();
  for (const [p, ops] of Object.entries(paths)) {
    const m = resourcePath.exec(p);
    if (!m) continue;
    for (const op of Object.values(ops)) {
      const g = (op as { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string } } | null)?.['x-kubernetes-group-version-kind'];
      if (!g) continue;
      const key = `${g.group ? `${g.group}/` : ''}${g.version}|${g.kind}`;
      // The list-all path of a namespaced kind (/api/v1/pods) has no {namespace}: any namespaced path wins.
      out.set(key, (out.get(key) ?? false) || m[1] !== undefined);
    }
  }
  return out;
}

/** Rewrites a swagger 2.0 definition into JSON Schema that Ajv checks like the API server would. */
function swaggerDefinition(name: string, def: Record<string, unknown>): unknown {
  if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') return { type: ['integer', 'string'] };
  // A quantity is a JSON number or a string in the quantity grammar (resource.Quantity's UnmarshalJSON).
  if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') return { type: ['number', 'string'], format: QUANTITY_FORMAT };
  // metav1.Time marshals its zero value as null, so null is a valid time (e.g. `creationTimestamp: null`).
  if (name === 'io.k8s.apimachinery.pkg.apis.meta.v1.Time' || name === 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime') return { type: ['string', 'null'], format: 'date-time' };
  // The API server accepts apiVersion/kind on every top-level kind; swagger marks them optional already.
  return kubeStrict(def, true);
}

/**
 * Makes a Kubernetes structural schema strict for Ajv: objects that declare properties reject others
 * (unless `x-kubernetes-preserve-unknown-fields`), int-or-string and nullable are expressed in JSON
 * Schema terms, and embedded resources accept apiVersion/kind/metadata.
 */
export function kubeStrict(schema: unknown, swagger = false): Record<string, unknown> {
  return transform(schema, swagger) as Record<string, unknown>;
}

function transform(node: unknown, swagger: boolean, inJunctor = false): unknown {
  if (Array.isArray(node)) return node.map((n) => transform(n, swagger, inJunctor));
  if (node === null || typeof node !== 'object') return node;
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'description' || k === 'x-kubernetes-validations' || k === 'example') continue;
    if (k === 'format') {
      // Only formats the API server checks; the others are dropped (kube-formats.ts lists which and why).
      const f = typeof v === 'string' ? enforcedFormat(v) : undefined;
      if (f) out.format = f;
      continue;
    }
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      const props: Record<string, unknown> = {};
      for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) props[pk] = transform(pv, swagger, inJunctor);
      out[k] = props;
    } else if (k === '$ref' && swagger && typeof v === 'string') {
      out[k] = v; // resolved against the swagger document's own definitions
    } else if (k === 'anyOf' || k === 'oneOf' || k === 'allOf' || k === 'not') {
      // In structural schemas these branches only add value checks; fields are declared beside them.
      out[k] = transform(v, swagger, true);
    } else {
      out[k] = transform(v, swagger, inJunctor);
    }
  }
  // null is a value only where the schema says `nullable: true`; elsewhere the API server drops it
  // (the field counts as omitted) and we report it, since the author meant something else.
  const nullable = src.nullable === true;
  if (src['x-kubernetes-int-or-string'] === true) {
    // A type list rather than anyOf: one clear error ("must be integer,string") instead of three.
    const rest = { ...out };
    delete rest.anyOf;
    delete rest.nullable;
    // controller-gen marks resource.Quantity fields with this pattern; the quantity grammar is the exact check.
    if (rest.pattern === CRD_QUANTITY_PATTERN) {
      delete rest.pattern;
      rest.format = QUANTITY_FORMAT;
    }
    return { ...rest, type: nullable ? ['integer', 'string', 'null'] : ['integer', 'string'] };
  }
  if (src['x-kubernetes-embedded-resource'] === true) {
    const props = { ...((out.properties as Record<string, unknown>) ?? {}) };
    props.apiVersion ??= { type: 'string' };
    props.kind ??= { type: 'string' };
    props.metadata ??= { type: 'object' };
    out.properties = props;
  }
  if (nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (nullable && Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  delete out.nullable;
  // Decided on the declared type: a nullable object (type [object, null]) stays strict about its fields.
  const isObject = src.type === 'object' || (src.type === undefined && out.properties !== undefined);
  if (!inJunctor && isObject && out.properties !== undefined && out.additionalProperties === undefined && src['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}
