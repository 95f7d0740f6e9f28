/**
 * Test helpers: the schemas folder (tests that need it are skipped with a clear message when it is
 * absent), schema validation of a rendered tree, and fleets built from specs.
 */
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Fleet } from '../constructs';
import { ValidationError } from '../lib/model/errors';
import type { FileTree } from '../lib/synth/render';
import { SchemaRegistry } from '../lib/validate/schemas';
import { ClusterTemplateSchemas } from '../lib/validate/template-values';
import { findSchemasDir, formatFailure, validateYamlText } from '../lib/validate/validate';

export const SCHEMAS_DIR = findSchemasDir(path.resolve(__dirname, '..'));

/** `describe` when the schemas folder exists, else a skipped block that says why. */
export const describeWithSchemas: jest.Describe = SCHEMAS_DIR
  ? describe
  : (((name: string, fn: () => void) => {
      // eslint-disable-next-line no-console
      console.warn(`skipping '${name}': no schemas folder (../shared/schemas or K0SMOS_SCHEMAS)`);
      describe.skip(name, fn);
    }) as unknown as jest.Describe);

let registry: SchemaRegistry | undefined;
export function schemaRegistry(): SchemaRegistry {
  registry ??= SchemaRegistry.load(SCHEMAS_DIR!);
  return registry;
}

let templates: ClusterTemplateSchemas | undefined;
export function templateSchemas(): ClusterTemplateSchemas {
  templates ??= ClusterTemplateSchemas.fromSchemasDir(SCHEMAS_DIR!);
  return templates;
}

/** Every schema failure of every file of a tree (kustomization files excepted). */
export function treeFailures(tree: FileTree): string[] {
  const out: string[] = [];
  for (const [file, text] of tree) {
    if (file.endsWith('kustomization.yaml')) continue;
    out.push(...validateYamlText(schemaRegistry(), text, file).map(formatFailure));
  }
  return out;
}

export function fleetFrom(spec: unknown, id = 'fleet'): Fleet {
  return Fleet.fromSpec(new App(), id, spec);
}

/** The issues a spec is rejected with, as `path: message` lines; [] when it is accepted. */
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
