/**
 * Shared test helpers: the schemas folder (skipped with a message where absent, an error in CI),
 * temporary folders, synthesizing a fleet into a tree without touching dist/, schema validation of a
 * rendered tree, and fleets built from specs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Fleet } from '../constructs';
import type { Construct } from 'constructs';
import { ValidationError } from '../lib/model/errors';
import type { FileTree } from '../lib/synth/render';
import { SchemaRegistry } from '../lib/validate/schemas';
import { ClusterTemplateSchemas } from '../lib/validate/template-values';
import { findSchemasDir, formatFailure, validateYamlText } from '../lib/validate/validate';

const ROOT = path.resolve(__dirname, '..');

let registry: SchemaRegistry | undefined | null = null;

/**
 * The schema registry, or undefined when the schemas folder is absent. In CI (CI=true) an absent
 * folder is an error, so schema tests can never be skipped silently there.
 */
export function schemaRegistry(): SchemaRegistry | undefined {
  if (registry !== null) return registry;
  const dir = findSchemasDir(ROOT);
  if (!dir) {
    if (process.env.CI === 'true') throw new Error('schemas folder not found (set K0SMOS_SCHEMAS or provide ../shared/schemas); CI must run the schema tests');
    console.warn('SKIPPING schema validation: no schemas folder (set K0SMOS_SCHEMAS or provide ../shared/schemas)');
    registry = undefined;
    return undefined;
  }
  registry = SchemaRegistry.load(dir);
  return registry;
}

/** `it` when the schemas are present, `it.skip` otherwise. */
export const itWithSchemas: jest.It = (findSchemasDir(ROOT) || process.env.CI === 'true' ? it : it.skip) as jest.It;

const tmpDirs: string[] = [];
// Every test file that imports this module removes the folders it made when it ends.
afterAll(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tmpDir(prefix = 'k0smos-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

export const REPO_ROOT = ROOT;

export const SCHEMAS_DIR = findSchemasDir(ROOT);

/** `describe` when the schemas folder exists (or in CI, where its absence fails), else a skipped block that says why. */
export const describeWithSchemas: jest.Describe =
  SCHEMAS_DIR || process.env.CI === 'true'
    ? describe
    : (((name: string, fn: () => void) => {
        console.warn(`SKIPPING '${name}': no schemas folder (set K0SMOS_SCHEMAS or provide ../shared/schemas)`);
        describe.skip(name, fn);
      }) as unknown as jest.Describe);

let templates: ClusterTemplateSchemas | undefined;
/** The kcm cluster templates' values schemas (call only under `describeWithSchemas`). */
export function templateSchemas(): ClusterTemplateSchemas {
  if (!SCHEMAS_DIR) throw new Error('schemas folder not found (set K0SMOS_SCHEMAS or provide ../shared/schemas)');
  templates ??= ClusterTemplateSchemas.fromSchemasDir(SCHEMAS_DIR);
  return templates;
}

/** Every schema failure of every file of a tree (kustomization files excepted). Call only under `describeWithSchemas`. */
export function treeFailures(tree: FileTree): string[] {
  const reg = schemaRegistry();
  if (!reg) throw new Error('schemas folder not found (set K0SMOS_SCHEMAS or provide ../shared/schemas)');
  const out: string[] = [];
  for (const [file, text] of tree) {
    // Reports (PLACEMENT.md, placement.json) are not manifests; kustomization.yaml is checked by kustomize.
    if (file.endsWith('kustomization.yaml') || !/\.ya?ml$/.test(file)) continue;
    out.push(...validateYamlText(reg, text, file).map(formatFailure));
  }
  return out;
}

export function fleetFrom(spec: unknown, id = 'fleet'): Fleet {
  return Fleet.fromSpec(new App(), id, spec);
}

/** The issues a build is rejected with, as `path: message` lines; [] when it is accepted. */
export function rejections(build: () => unknown): string[] {
  try {
    build();
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
}

/** Deep copy of plain data, for edited variants of a fixture. */
export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/**
 * The path of the one file called `name` below `folder` of a tree, whichever sub-folder holds it (a cluster
 * folder's `infra/` or `apps/`, or for `management` the folder of the cluster it belongs to). Which part an
 * object goes to is tested once, in test/synth/layer.test.ts and the reference fleet's layout test; tests
 * about what an object says find it by name. Throws when no file or several files have that name.
 */
export function pathIn(tree: ReadonlyMap<string, string>, folder: string, name: string): string {
  const prefix = `${folder.replace(/\/$/, '')}/`;
  const found = [...tree.keys()].filter((k) => k.startsWith(prefix) && (k === `${prefix}${name}` || k.endsWith(`/${name}`))).sort();
  if (found.length === 1) return found[0]!;
  throw new Error(found.length === 0 ? `no file '${name}' below ${folder}/ (files there: ${[...tree.keys()].filter((k) => k.startsWith(prefix)).sort().join(', ') || 'none'})` : `several files '${name}' below ${folder}/: ${found.join(', ')}`);
}

/** The text of the one file called `name` below `folder` of a tree (see {@link pathIn}). */
export function fileIn(tree: ReadonlyMap<string, string>, folder: string, name: string): string {
  return tree.get(pathIn(tree, folder, name))!;
}

/** Whether some file below `folder` of a tree is called `name`. */
export function hasFileIn(tree: ReadonlyMap<string, string>, folder: string, name: string): boolean {
  const prefix = `${folder.replace(/\/$/, '')}/`;
  return [...tree.keys()].some((k) => k.startsWith(prefix) && (k === `${prefix}${name}` || k.endsWith(`/${name}`)));
}

/**
 * Builds a construct, then runs the synth checks of its fleet (`Fleet.resolve()`): constructs record the
 * problems of their props there, so that a fleet's problems are reported all at once.
 */
export function synthChecks(build: () => Construct): void {
  Fleet.of(build()).resolve();
}
