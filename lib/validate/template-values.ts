/**
 * ClusterDeployment `spec.config` against its cluster template's `values.schema.json`, at synth time.
 *
 * kcm renders the config as the template chart's Helm values, so the check is Helm's: the template's
 * `values.yaml` defaults merged with the config (maps merge, lists and scalars replace), validated
 * with the chart's JSON Schema (draft 2020-12). Two stricter rules on top, both from trackers:
 * a key the schema does not declare is an error (Helm ignores it silently: a typo is lost), and a
 * required string left empty is an error (the dry run passes on the defaults, the real deployment
 * fails: k0rdent/kcm#1115). Errors use the template's own field names.
 *
 * Reading the schema files is file I/O: `loadClusterTemplateSchemas` is called at the edge.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { CLUSTER_TEMPLATES, clusterTemplateObjectName } from '../model/cluster-templates';
import type { ConformanceFailure } from './validate';
import type { ValidationIssue } from '../model/errors';
import { didYouMean } from '../model/suggest';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  [k: string]: unknown;
}

export interface ClusterTemplateSchema {
  readonly chart: string;
  readonly schema: JsonSchema;
  readonly defaults: Record<string, unknown>;
  readonly validate: ValidateFunction;
}

/** The values schemas of the cluster templates, by chart name. */
export class ClusterTemplateSchemas {
  private constructor(
    /** The folder they were read from. */
    public readonly dir: string,
    private readonly byChart: ReadonlyMap<string, ClusterTemplateSchema>,
  ) {}

  /** Reads `<dir>/<chart>/values.schema.json` and `values.yaml` for every chart folder of `dir`. */
  public static load(dir: string): ClusterTemplateSchemas {
    if (!fs.existsSync(dir)) throw new Error(`cluster template schemas not found: ${dir} (expected kcm/cluster-templates/<template>/values.schema.json under the schemas folder)`);
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const map = new Map<string, ClusterTemplateSchema>();
    for (const chart of fs.readdirSync(dir).sort()) {
      const sf = path.join(dir, chart, 'values.schema.json');
      if (!fs.existsSync(sf)) continue;
      const schema = JSON.parse(fs.readFileSync(sf, 'utf8')) as JsonSchema;
      const vf = path.join(dir, chart, 'values.yaml');
      const defaults = fs.existsSync(vf) ? ((parseYaml(fs.readFileSync(vf, 'utf8')) ?? {}) as Record<string, unknown>) : {};
      map.set(chart, { chart, schema, defaults, validate: ajv.compile(schema) });
    }
    return new ClusterTemplateSchemas(path.resolve(dir), map);
  }

  /** The templates under a schemas folder (`kcm/cluster-templates`). */
  public static fromSchemasDir(schemasDir: string): ClusterTemplateSchemas {
    return ClusterTemplateSchemas.load(path.join(schemasDir, 'kcm', 'cluster-templates'));
  }

  public get(chart: string): ClusterTemplateSchema | undefined {
    return this.byChart.get(chart);
  }

  public get charts(): string[] {
    return [...this.byChart.keys()];
  }
}

/** Helm's merge of values: maps merge recursively, everything else replaces. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Checks a ClusterDeployment config against its template. `at` prefixes the issue paths (e.g.
 * `sites[atlanta].clusters[atlanta].controlPlane.config`).
 */
export function checkTemplateConfig(templates: ClusterTemplateSchemas, chart: string, config: Readonly<Record<string, unknown>>, at: string): ValidationIssue[] {
  const t = templates.get(chart);
  if (!t) return [{ path: at, message: `no values schema for template '${chart}' in ${templates.dir}${didYouMean(chart, templates.charts)}` }];
  const issues: ValidationIssue[] = [];
  const merged = mergeValues(t.defaults, config) as Record<string, unknown>;
  const where = (p: string) => (p ? `${at}.${p}` : at);
  if (!t.validate(merged)) {
    for (const e of t.validate.errors ?? []) issues.push({ path: where(pointerToPath(e.instancePath)), message: `template ${chart}: ${describe(e)}` });
  }
  unknownKeys(t.schema, config, '', chart, issues, where);
  emptyRequired(t.schema, merged, '', chart, issues, where);
  return dedupe(issues);
}

function pointerToPath(p: string): string {
  return p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return `missing required field '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'additionalProperties':
      return `unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    default:
      return e.message ?? e.keyword;
  }
}

/** Keys of the config that the schema does not declare, where it declares properties and does not allow others. */
function unknownKeys(schema: JsonSchema | undefined, value: unknown, p: string, chart: string, issues: ValidationIssue[], where: (p: string) => string): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => unknownKeys(schema.items, v, `${p}[${i}]`, chart, issues, where));
    return;
  }
  if (!isMap(value) || !schema.properties) return;
  const known = Object.keys(schema.properties).sort();
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.properties[k];
    const kp = p ? `${p}.${k}` : k;
    if (sub) unknownKeys(sub, v, kp, chart, issues, where);
    else if (schema.additionalProperties === undefined || schema.additionalProperties === false) {
      issues.push({ path: where(kp), message: `template ${chart} has no field '${k}'${didYouMean(k, known)} (fields here: ${known.join(', ')})` });
    }
  }
}

/** Required string fields whose value (after defaults) is empty. */
function emptyRequired(schema: JsonSchema | undefined, value: unknown, p: string, chart: string, issues: ValidationIssue[], where: (p: string) => string): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => emptyRequired(schema.items, v, `${p}[${i}]`, chart, issues, where));
    return;
  }
  if (!isMap(value)) return;
  for (const k of schema.required ?? []) {
    if (value[k] === '') {
      const kp = p ? `${p}.${k}` : k;
      issues.push({ path: where(kp), message: `template ${chart} requires '${k}' and it is empty (the template default is ""); a dry run passes but the deployment fails (k0rdent/kcm#1115). Set it in config` });
    }
  }
  for (const [k, sub] of Object.entries(schema.properties ?? {})) {
    if (k in value) emptyRequired(sub, value[k], p ? `${p}.${k}` : k, chart, issues, where);
  }
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Every ClusterDeployment under `dir` (as written, e.g. a committed `dist/`): its `spec.config`
 * against the template it names. Failures point into the file (`/spec/config/...`).
 */
export function validateDeploymentConfigs(templates: ClusterTemplateSchemas, dir: string): { deployments: number; failures: ConformanceFailure[] } {
  const failures: ConformanceFailure[] = [];
  let deployments = 0;
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (/\.ya?ml$/.test(e.name)) {
        parseAllDocuments(fs.readFileSync(path.join(dir, r), 'utf8')).forEach((d, i) => {
          const o = d.toJS() as { apiVersion?: unknown; kind?: unknown; spec?: { template?: unknown; config?: Record<string, unknown> } } | null;
          if (!o || o.kind !== 'ClusterDeployment' || typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith('k0rdent.mirantis.com/')) return;
          deployments++;
          const name = String(o.spec?.template ?? '');
          const t = CLUSTER_TEMPLATES.find((x) => clusterTemplateObjectName(x) === name);
          if (!t) {
            failures.push({ file: r, document: i, pointer: '/spec/template', message: `template '${name}' is not a cluster template of this kcm release` });
            return;
          }
          for (const issue of checkTemplateConfig(templates, t.chart, o.spec?.config ?? {}, '')) {
            const pointer = '/spec/config' + issue.path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean).map((s) => `/${s}`).join('');
            failures.push({ file: r, document: i, pointer, message: issue.message });
          }
        });
      }
    }
  };
  walk('');
  return { deployments, failures };
}
