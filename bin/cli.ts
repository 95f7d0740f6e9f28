/**
 * `cdk8s-k0smos <command>`: validate output folders, synthesize a fleet.yaml, print the fleet's JSON Schema.
 * Commands are small functions in a registry; each returns the process exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Fleet } from '../constructs';
import { ValidationError } from '../lib/model/errors';
import { fleetJsonSchema } from '../lib/model/fleet';
import { readFleetFile } from '../lib/model/load';
import { loadHighs } from '../lib/placement/highs';
import { readPreviousPlacement, renderPlacementJson, renderPlacementMarkdown } from '../lib/placement/report';
import { SchemaRegistry } from '../lib/validate/schemas';
import { ClusterTemplateSchemas, validateDeploymentConfigs } from '../lib/validate/template-values';
import { findSchemasDir, formatFailure, validateDirectory } from '../lib/validate/validate';

export type Command = (args: string[]) => Promise<number>;

const PACKAGE_ROOT = path.resolve(__dirname, '..', ...(path.basename(path.resolve(__dirname, '..')) === 'build' ? ['..'] : []));

/** Splits `--flag value` options from positional arguments. */
export function parseArgs(args: readonly string[], valueFlags: readonly string[] = []): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (valueFlags.includes(k) && i + 1 < args.length) flags[k] = args[++i]!;
      else flags[k] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

const validate: Command = async (args) => {
  const { positional, flags } = parseArgs(args, ['schemas']);
  const dir = positional[0] ?? 'dist';
  const schemas = typeof flags.schemas === 'string' ? flags.schemas : findSchemasDir(PACKAGE_ROOT);
  if (!schemas) {
    console.error('cdk8s-k0smos validate: no schemas folder; pass --schemas DIR or set K0SMOS_SCHEMAS');
    return 2;
  }
  const registry = SchemaRegistry.load(schemas);
  const result = validateDirectory(registry, dir);
  // ClusterDeployment configs against their templates' values schemas, when the schemas folder has them.
  const templatesDir = path.join(schemas, 'kcm', 'cluster-templates');
  const configs = fs.existsSync(templatesDir) ? validateDeploymentConfigs(ClusterTemplateSchemas.load(templatesDir), dir) : undefined;
  if (!configs) console.error(`cdk8s-k0smos validate: no ${templatesDir}; ClusterDeployment configs were not checked against their templates`);
  const failures = [...result.failures, ...(configs?.failures ?? [])];
  for (const f of failures) console.error(formatFailure(f));
  console.log(
    `${result.files} files, ${result.documents} documents, ${configs ? `${configs.deployments} ClusterDeployment configs, ` : ''}${failures.length} failures (schemas: ${schemas})`,
  );
  return failures.length === 0 ? 0 : 1;
};

const synth: Command = async (args) => {
  const { positional, flags } = parseArgs(args, ['out']);
  const file = positional[0];
  if (!file) {
    console.error('usage: cdk8s-k0smos synth <fleet.yaml> [--out dist]');
    return 2;
  }
  const fleet = Fleet.fromSpec(new App(), 'fleet', readFleetFile(file));
  const result = fleet.synth({ outdir: typeof flags.out === 'string' ? flags.out : 'dist', highs: await loadHighs() });
  console.log(`wrote ${result.files} files to ${result.outdir}`);
  return 0;
};

const plan: Command = async (args) => {
  const { positional, flags } = parseArgs(args, ['previous', 'time-limit']);
  const file = positional[0];
  if (!file) {
    console.error('usage: cdk8s-k0smos plan <fleet.yaml> [--previous placement.json] [--json] [--greedy] [--time-limit SECONDS]');
    return 2;
  }
  const fleet = Fleet.fromSpec(new App(), 'fleet', readFleetFile(file));
  let previous;
  if (typeof flags.previous === 'string') {
    const read = readPreviousPlacement(fs.readFileSync(flags.previous, 'utf8'));
    if (read.ignored) console.error(`cdk8s-k0smos plan: ignoring ${flags.previous}: ${read.ignored}`);
    previous = read.previous;
  }
  const timeLimit = typeof flags['time-limit'] === 'string' ? Number(flags['time-limit']) : undefined;
  const placement = fleet.placement({
    ...(previous ? { previous } : {}),
    ...(flags.greedy ? {} : { highs: await loadHighs() }),
    ...(timeLimit !== undefined && Number.isFinite(timeLimit) ? { timeLimitSec: timeLimit } : {}),
  });
  process.stdout.write(flags.json ? renderPlacementJson(placement) : renderPlacementMarkdown(placement));
  return placement.workloads.every((w) => w.placed === w.replicas) ? 0 : 3;
};

const schema: Command = async () => {
  console.log(JSON.stringify(fleetJsonSchema(), null, 2));
  return 0;
};

export const COMMANDS: Record<string, { run: Command; help: string }> = {
  validate: { run: validate, help: 'validate <dir> [--schemas DIR]   check every YAML document under <dir> against the upstream schemas' },
  synth: { run: synth, help: 'synth <fleet.yaml> [--out DIR]    synthesize a fleet described in YAML' },
  plan: { run: plan, help: 'plan <fleet.yaml> [--previous FILE] print the placement of the fleet\'s workloads (--json, --greedy, --time-limit S); exit 3 if some replica is unplaced' },
  schema: { run: schema, help: 'schema                            print the JSON Schema of fleet.yaml' },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    console.error(`usage: cdk8s-k0smos <command>\n${Object.values(COMMANDS).map((c) => `  ${c.help}`).join('\n')}`);
    return name === undefined || name === '--help' || name === 'help' ? 0 : 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof ValidationError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}
