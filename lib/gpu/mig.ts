/**
 * MIG (Multi-Instance GPU) partition plans: validation against the GPU model table, the MIG strategy
 * the plans imply, and the mig-parted configuration the GPU Operator's MIG manager applies.
 */
import { cmp } from '../model/compare';
import { parse as parseYaml } from 'yaml';
import type { ValidationIssue } from '../model/errors';
import { gpuModel, gpuModels, type GpuModel } from '../model/gpu-models';
import { didYouMean } from '../model/suggest';
import { toYamlOrdered } from '../synth/serialize';
import { BUILTIN_MIG_PARTED_CONFIG_YAML } from './builtin-mig-configs';

/** Instances per GPU by MIG profile, e.g. `{ '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 }`. Every GPU of the pool gets this layout. */
export type MigLayout = Readonly<Record<string, number>>;

/** How MIG devices are advertised: `single` as `nvidia.com/gpu`, `mixed` as `nvidia.com/mig-<profile>`. */
export type MigStrategy = 'single' | 'mixed';

/** Models that have MIG, for messages. */
export function migCapableModels(): string[] {
  return gpuModels()
    .filter((m) => m.mig)
    .map((m) => m.name);
}

/**
 * Checks one layout against a model: the model must be NVIDIA with MIG, every profile must exist for
 * it, counts must be whole and positive, and the layout must fit the GPU's compute and memory slices.
 */
export function checkMigLayout(modelName: string, layout: MigLayout, path: string): ValidationIssue[] {
  const model = gpuModel(modelName);
  if (!model) return [{ path, message: `unknown GPU model '${modelName}'` }];
  if (model.vendor !== 'nvidia') {
    return [{ path, message: `MIG is an NVIDIA feature; ${model.name} is an AMD GPU. Use AMD compute/memory partitions (SPX, DPX, QPX, CPX x NPS1, NPS4) where the model has them` }];
  }
  if (!model.mig) {
    return [{ path, message: `${model.name} has no MIG; drop the MIG layout or use time-slicing (MIG-capable models: ${migCapableModels().join(', ')})` }];
  }
  const issues: ValidationIssue[] = [];
  const names = model.mig.profiles.map((p) => p.name);
  const entries = Object.entries(layout).sort(([a], [b]) => cmp(a, b));
  if (entries.length === 0) issues.push({ path, message: `a MIG layout lists at least one profile (valid for ${model.name}: ${names.join(', ')})` });
  let compute = 0;
  let memory = 0;
  for (const [name, count] of entries) {
    const p = model.mig.profiles.find((x) => x.name === name);
    if (!p) {
      issues.push({ path: `${path}["${name}"]`, message: `'${name}' is not a MIG profile of ${model.name}${didYouMean(name, names)} (valid: ${names.join(', ')})` });
      continue;
    }
    if (!Number.isInteger(count) || count < 1) {
      issues.push({ path: `${path}["${name}"]`, message: `must be a whole number of instances >= 1 (got ${count})` });
      continue;
    }
    if (count > p.maxPerGpu) {
      issues.push({ path: `${path}["${name}"]`, message: `at most ${p.maxPerGpu} instance${p.maxPerGpu === 1 ? '' : 's'} of ${name} fit one ${model.name} (got ${count})` });
    }
    compute += p.computeSlices * count;
    memory += p.memorySlices * count;
  }
  const over: string[] = [];
  if (compute > model.mig.computeSlices) over.push(`${compute} of ${model.mig.computeSlices} compute slices`);
  if (memory > model.mig.memorySlices) over.push(`${memory} of ${model.mig.memorySlices} memory slices`);
  if (over.length > 0) {
    issues.push({
      path,
      message: `layout ${formatLayout(layout)} over-commits one ${model.name}: it needs ${over.join(' and ')}; remove instances (profile sizes: ${model.mig.profiles
        .map((p) => `${p.name}=${p.computeSlices}c/${p.memorySlices}m`)
        .join(', ')})`,
    });
  }
  return issues;
}

/** `2x1g.10gb + 1x3g.40gb`, profiles sorted by name. */
export function formatLayout(layout: MigLayout): string {
  return Object.entries(layout)
    .sort(([a], [b]) => cmp(a, b))
    .map(([n, c]) => `${c}x${n}`)
    .join(' + ');
}

/** Profile types of a layout (names with a positive count). */
export function layoutProfiles(layout: MigLayout): string[] {
  return Object.keys(layout)
    .filter((k) => (layout[k] ?? 0) > 0)
    .sort();
}

/** A MIG layout placed on a pool, for strategy and config derivation. */
export interface PoolMigLayout {
  readonly pool: string;
  readonly model: string;
  readonly layout: MigLayout;
}

/**
 * The MIG strategy for a cluster. `single` needs every MIG node sliced into one profile type (all GPUs
 * then appear as `nvidia.com/gpu`); anything else needs `mixed`. `needsMixed` forces `mixed` (tenants
 * that get a quota on `nvidia.com/mig-<profile>`). A requested strategy that does not fit is an error.
 */
export function deriveMigStrategy(
  layouts: readonly PoolMigLayout[],
  options: { requested?: MigStrategy; needsMixed?: string; path: string },
): { strategy: MigStrategy; issues: ValidationIssue[] } {
  const heterogeneous = layouts.filter((l) => layoutProfiles(l.layout).length > 1).sort((a, b) => cmp(a.pool, b.pool));
  if (options.requested === 'single') {
    const issues: ValidationIssue[] = heterogeneous.map((l) => ({
      path: options.path,
      message: `MIG strategy 'single' needs one profile type per node, but pool '${l.pool}' mixes ${layoutProfiles(l.layout).join(', ')}; use migStrategy 'mixed' or give the pool one profile`,
    }));
    if (options.needsMixed) issues.push({ path: options.path, message: `MIG strategy 'single' advertises MIG devices as nvidia.com/gpu, but ${options.needsMixed}; use migStrategy 'mixed'` });
    return { strategy: 'single', issues };
  }
  if (options.requested === 'mixed') return { strategy: 'mixed', issues: [] };
  return { strategy: heterogeneous.length > 0 || options.needsMixed ? 'mixed' : 'single', issues: [] };
}

/** One entry of a mig-parted config: which devices, MIG on or off, and the instances per device. */
export interface MigPartedEntry {
  readonly devices: 'all' | readonly number[];
  readonly 'mig-enabled': boolean;
  readonly 'mig-devices'?: Readonly<Record<string, number>>;
  readonly 'device-filter'?: string | readonly string[];
}

export type MigPartedConfigs = Readonly<Record<string, readonly MigPartedEntry[]>>;

/** The built-in mig-parted configs of the GPU Operator, by name, in upstream order. */
export function builtinMigConfigs(): MigPartedConfigs {
  const doc = parseYaml(BUILTIN_MIG_PARTED_CONFIG_YAML) as { 'mig-configs': MigPartedConfigs };
  return doc['mig-configs'];
}

/** The mig-parted config name of a pool's layout: `k0smos-<pool>`. */
export function migConfigName(pool: string): string {
  return `k0smos-${pool}`;
}

/**
 * The mig-parted `config.yaml` for a cluster: the built-in configs, then one config per pool layout.
 * A custom ConfigMap replaces the built-in one in the MIG manager, so the built-ins are kept here;
 * a custom name that collides with a built-in is an error.
 */
export function migPartedConfig(
  layouts: readonly PoolMigLayout[],
  path: string,
  builtins: MigPartedConfigs = builtinMigConfigs(),
): { yaml: string; configs: MigPartedConfigs; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const custom: Record<string, MigPartedEntry[]> = {};
  for (const l of [...layouts].sort((a, b) => cmp(a.pool, b.pool))) {
    const name = migConfigName(l.pool);
    if (name in builtins) {
      issues.push({ path, message: `mig-parted config name '${name}' is a built-in config of the GPU Operator; rename pool '${l.pool}'` });
      continue;
    }
    const devices: Record<string, number> = {};
    for (const p of layoutProfiles(l.layout)) devices[p] = l.layout[p]!;
    custom[name] = [{ devices: 'all', 'mig-enabled': true, 'mig-devices': devices }];
  }
  const configs: Record<string, readonly MigPartedEntry[]> = { ...builtins, ...custom };
  const yaml = toYamlOrdered({ version: 'v1', 'mig-configs': configs });
  return { yaml, configs, issues };
}

/** The resource names a layout advertises under a strategy. */
export function migResourceNames(layout: MigLayout, strategy: MigStrategy): string[] {
  return strategy === 'single' ? ['nvidia.com/gpu'] : layoutProfiles(layout).map((p) => `nvidia.com/mig-${p}`);
}

/** The model's MIG profile names ('' list for models without MIG). */
export function migProfileNames(model: GpuModel): string[] {
  return model.mig ? model.mig.profiles.map((p) => p.name) : [];
}
