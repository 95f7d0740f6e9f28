import { itWithSchemas } from '../helpers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_MIG_PARTED_CONFIG_YAML } from '../../lib/gpu/builtin-mig-configs';
import { builtinMigConfigs, checkMigLayout, deriveMigStrategy, migPartedConfig } from '../../lib/gpu/mig';
import { gpuModels } from '../../lib/model/gpu-models';
import { SCHEMAS } from './fixtures';

const UPSTREAM = path.join(SCHEMAS, 'nvidia-gpu-operator', 'default-mig-parted-config.configmap.yaml');

describe('MIG layouts against the model table', () => {
  test('a valid balanced A100-80GB layout has no issues', () => {
    expect(checkMigLayout('A100-80GB', { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 }, 'p')).toEqual([]);
  });

  test('a profile of another model is an error that lists the valid profiles', () => {
    const issues = checkMigLayout('A100-80GB', { '1g.5gb': 7 }, 'partitioning.a100.mig');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('partitioning.a100.mig["1g.5gb"]');
    expect(issues[0]!.message).toContain("'1g.5gb' is not a MIG profile of A100-80GB");
    expect(issues[0]!.message).toContain('valid: 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb');
  });

  test('a near-miss profile name gets a suggestion', () => {
    const [issue] = checkMigLayout('H100', { '3g.40g': 2 }, 'p');
    expect(issue!.message).toContain("did you mean '3g.40gb'?");
  });

  test('a layout that over-commits the compute slices is an error', () => {
    // 2 x 3g.40gb + 1 x 2g.20gb = 8 compute slices of 7 (and 10 memory slices of 8).
    const issues = checkMigLayout('A100-80GB', { '3g.40gb': 2, '2g.20gb': 1 }, 'p');
    expect(issues.map((i) => i.message).join('\n')).toMatch(/over-commits one A100-80GB: it needs 8 of 7 compute slices and 10 of 8 memory slices/);
  });

  test('a layout that over-commits only the memory slices is an error', () => {
    // 1g.20gb takes 2 memory slices: 4 x 1g.20gb + 1 x 1g.10gb = 9 of 8 memory slices with 5 of 7 compute.
    const issues = checkMigLayout('H100', { '1g.20gb': 4, '1g.10gb': 1 }, 'p');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain('9 of 8 memory slices');
    expect(issues[0]!.message).not.toContain('compute slices and');
  });

  test('more instances of a profile than fit one GPU is an error', () => {
    const issues = checkMigLayout('A30', { '2g.12gb': 3 }, 'p');
    expect(issues.map((i) => i.message)).toContain('at most 2 instances of 2g.12gb fit one A30 (got 3)');
  });

  test('MIG on an AMD GPU is an error', () => {
    const issues = checkMigLayout('MI300X', { '1g.10gb': 1 }, 'p');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/MIG is an NVIDIA feature; MI300X is an AMD GPU/);
  });

  test.each(['T4', 'L4', 'L40S', 'A10'])('MIG on %s (no MIG) is an error naming the MIG-capable models', (model) => {
    const issues = checkMigLayout(model, { '1g.10gb': 1 }, 'p');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain(`${model} has no MIG`);
    expect(issues[0]!.message).toContain('A100-80GB');
    expect(issues[0]!.message).not.toContain(`${model},`);
  });

  test('every MIG profile of the table has a built-in all-<profile> config upstream', () => {
    const builtins = builtinMigConfigs();
    for (const m of gpuModels()) {
      for (const p of m.mig?.profiles ?? []) {
        expect({ model: m.name, profile: p.name, builtin: `all-${p.name}` in builtins }).toEqual({ model: m.name, profile: p.name, builtin: true });
      }
    }
  });

  test('the maximum per GPU of single-profile layouts matches the upstream built-ins (unfiltered entries)', () => {
    const builtins = builtinMigConfigs();
    // Upstream lists one count for profiles that exist on one family only; compare those.
    const checked: string[] = [];
    for (const m of gpuModels()) {
      for (const p of m.mig?.profiles ?? []) {
        const entries = builtins[`all-${p.name}`] ?? [];
        if (entries.length !== 1 || entries[0]!['device-filter'] !== undefined) continue;
        expect(`${m.name} ${p.name} ${entries[0]!['mig-devices']?.[p.name]}`).toBe(`${m.name} ${p.name} ${p.maxPerGpu}`);
        checked.push(p.name);
      }
    }
    expect(checked.length).toBeGreaterThan(10);
  });
});

describe('MIG strategy', () => {
  const homogeneous = { pool: 'a', model: 'A100-80GB', layout: { '1g.10gb': 7 } };
  const balanced = { pool: 'b', model: 'A100-80GB', layout: { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 } };

  test('one profile type per node derives single, several derive mixed', () => {
    expect(deriveMigStrategy([homogeneous], { path: 'x' }).strategy).toBe('single');
    expect(deriveMigStrategy([homogeneous, balanced], { path: 'x' }).strategy).toBe('mixed');
  });

  test('a tenant that needs per-profile resources derives mixed', () => {
    expect(deriveMigStrategy([homogeneous], { path: 'x', needsMixed: 'tenant t' }).strategy).toBe('mixed');
  });

  test('single requested with a mixed layout is an error naming the pool', () => {
    const r = deriveMigStrategy([homogeneous, balanced], { path: 'migStrategy', requested: 'single' });
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.path).toBe('migStrategy');
    expect(r.issues[0]!.message).toContain("pool 'b' mixes 1g.10gb, 2g.20gb, 3g.40gb");
  });

  test('single requested with a mig tenant is an error', () => {
    const r = deriveMigStrategy([homogeneous], { path: 'migStrategy', requested: 'single', needsMixed: 'tenants t get quotas' });
    expect(r.issues.map((i) => i.message).join()).toContain("use migStrategy 'mixed'");
  });
});

describe('mig-parted config', () => {
  itWithSchemas('the embedded built-in config is the upstream one, byte for byte', () => {
    const cm = parseYaml(fs.readFileSync(UPSTREAM, 'utf8')) as { data: { 'config.yaml': string } };
    expect(BUILTIN_MIG_PARTED_CONFIG_YAML).toBe(cm.data['config.yaml']);
  });

  test('custom layouts are added and every built-in config is kept unchanged', () => {
    const { yaml, issues } = migPartedConfig([{ pool: 'a100', model: 'A100-80GB', layout: { '3g.40gb': 2 } }], 'p');
    expect(issues).toEqual([]);
    const doc = parseYaml(yaml) as { version: string; 'mig-configs': Record<string, unknown> };
    expect(doc.version).toBe('v1');
    const upstream = (parseYaml(BUILTIN_MIG_PARTED_CONFIG_YAML) as { 'mig-configs': Record<string, unknown> })['mig-configs'];
    for (const [name, entries] of Object.entries(upstream)) expect(doc['mig-configs'][name]).toEqual(entries);
    expect(doc['mig-configs']['k0smos-a100']).toEqual([{ devices: 'all', 'mig-enabled': true, 'mig-devices': { '3g.40gb': 2 } }]);
    expect(Object.keys(doc['mig-configs'])).toHaveLength(Object.keys(upstream).length + 1);
  });

  test('a custom name that collides with a built-in is an error', () => {
    const builtins = { 'all-disabled': [{ devices: 'all' as const, 'mig-enabled': false }], 'k0smos-a100': [{ devices: 'all' as const, 'mig-enabled': false }] };
    const r = migPartedConfig([{ pool: 'a100', model: 'A100-80GB', layout: { '3g.40gb': 2 } }], 'partitioning', builtins);
    expect(r.issues).toEqual([{ path: 'partitioning', message: expect.stringContaining("'k0smos-a100' is a built-in config") }]);
    // The upstream built-ins use no name a pool can produce.
    expect(Object.keys(builtinMigConfigs()).filter((n) => n.startsWith('k0smos-'))).toEqual([]);
  });
});
