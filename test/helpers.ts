/**
 * Shared test helpers: the schemas folder (skipped with a message where absent, an error in CI),
 * temporary folders, and synthesizing a fleet into a tree without touching dist/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SchemaRegistry } from '../lib/validate/schemas';
import { findSchemasDir } from '../lib/validate/validate';

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

export function tmpDir(prefix = 'k0smos-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const REPO_ROOT = ROOT;
