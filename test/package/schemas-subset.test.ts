/**
 * The schemas the npm package ships (scripts/pack-schemas.ts) are enough to check what the library writes:
 * the committed reference output validates against the subset alone, with every ClusterDeployment config
 * checked against its template. And the package finds its copy when nothing else is there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packSchemas, SHIPPED } from '../../scripts/pack-schemas';
import { SchemaRegistry } from '../../lib/validate/schemas';
import { ClusterTemplateSchemas, validateDeploymentConfigs } from '../../lib/validate/template-values';
import { findSchemasDir, formatFailure, SHIPPED_SCHEMAS, validateDirectory } from '../../lib/validate/validate';
import { describeWithSchemas, REPO_ROOT, SCHEMAS_DIR, tmpDir } from '../helpers';

describeWithSchemas('the shipped schemas subset', () => {
  const out = path.join(tmpDir(), 'upstream-schemas');
  const packed = packSchemas(SCHEMAS_DIR!, out);

  it('validates the reference fleet output (dist/) on its own, ClusterDeployment configs included', () => {
    const registry = SchemaRegistry.load(out);
    const result = validateDirectory(registry, path.join(REPO_ROOT, 'dist'));
    expect(result.failures.map(formatFailure)).toEqual([]);
    expect(result.documents).toBeGreaterThan(50);
    const configs = validateDeploymentConfigs(ClusterTemplateSchemas.load(path.join(out, 'kcm', 'cluster-templates')), path.join(REPO_ROOT, 'dist'));
    expect(configs.failures).toEqual([]);
    expect(configs.deployments).toBeGreaterThan(0);
  });

  it('records, per file, the upstream project, version and sha256, and stays well under the 5 MB packed target', () => {
    const prov = JSON.parse(fs.readFileSync(path.join(out, 'provenance.json'), 'utf8')) as { files: { file: string; project: string; version: string; sha256: string }[] };
    expect(prov.files).toHaveLength(packed.files);
    for (const f of prov.files) {
      expect(f.project).not.toBe('');
      expect(f.version).not.toBe('');
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(fs.existsSync(path.join(out, 'PROVENANCE.md'))).toBe(true);
    // uncompressed; the tarball gzips it to about a tenth (npm run pack:size prints the real figure)
    expect(packed.bytes).toBeLessThan(30e6);
  });

  it('a listed file missing from the source is an error naming it', () => {
    const partial = tmpDir();
    fs.mkdirSync(path.join(partial, 'kcm'), { recursive: true });
    expect(() => packSchemas(partial, path.join(tmpDir(), 'x'))).toThrow(new RegExp(`lacks ${SHIPPED[0]!.replace(/[.]/g, '\\.')}`));
  });
});

describe('findSchemasDir', () => {
  it('K0SMOS_SCHEMAS first (a missing one is not replaced by another), then ../shared/schemas, then the shipped copy', () => {
    const root = tmpDir();
    const pkg = path.join(root, 'node_modules', 'cdk8s-k0smos');
    fs.mkdirSync(path.join(pkg, SHIPPED_SCHEMAS), { recursive: true });
    expect(findSchemasDir(pkg, {})).toBe(path.join(pkg, SHIPPED_SCHEMAS));
    fs.mkdirSync(path.join(pkg, '..', 'shared', 'schemas'), { recursive: true });
    expect(findSchemasDir(pkg, {})).toBe(path.join(root, 'node_modules', 'shared', 'schemas'));
    expect(findSchemasDir(pkg, { K0SMOS_SCHEMAS: root })).toBe(root);
    expect(findSchemasDir(pkg, { K0SMOS_SCHEMAS: path.join(root, 'nope') })).toBeUndefined();
    fs.rmSync(path.join(pkg, SHIPPED_SCHEMAS), { recursive: true });
    fs.rmSync(path.join(root, 'node_modules', 'shared'), { recursive: true });
    expect(findSchemasDir(pkg, {})).toBeUndefined();
  });
});
