/**
 * `cdk8s-k0smos <command>`: validate output folders, synthesize a fleet.yaml, print the fleet's JSON Schema,
 * scaffold a project. Commands are small functions in a registry; each returns the process exit code, one of
 * {@link EXIT} (the table is printed by `--help`). Output goes through console/process.stdout and the launcher
 * sets `process.exitCode` (never `process.exit()`), so piped output is written in full before the process ends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Fleet, readNodePorts } from '../constructs';
import { ValidationError } from '../lib/model/errors';
import { fleetFileJsonSchema as fleetJsonSchema } from '../lib/model/fleet-file';
import { readFleetFile } from '../lib/model/load';
import { parseNow } from '../lib/energy/horizon';
import { closest } from '../lib/model/suggest';
import { loadHighs } from '../lib/placement/highs';
import { readPreviousPlacement, renderPlacementJson, renderPlacementMarkdown } from '../lib/placement/report';
import { incompleteSwap } from '../lib/synth/writer';
import { SchemaRegistry } from '../lib/validate/schemas';
import { ClusterTemplateSchemas, validateDeploymentConfigs } from '../lib/validate/template-values';
import { findSchemasDir, formatFailure, validateDirectory } from '../lib/validate/validate';
import { scaffold } from './init';

export type Command = (args: string[]) => Promise<number>;

/**
 * Exit codes shared by every command (../shared/reference/DECISIONS.md, "Exit codes and errors").
 * Change them here only; the help text and the tests read this table.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** Invalid input (fleet spec, construct or schema problems; files that fail validation) or an unresolved requirement. */
  invalid: 1,
  /** Usage: unknown command or option, missing or extra argument, a file or folder that does not exist. */
  usage: 2,
  /** `plan`, `synth`: some replica of a workload not marked `optional` is left unplaced (synth still writes the tree). */
  unplaced: 3,
  /** `init`: files it would write exist already (pass --force to replace them). */
  exists: 4,
  /** A bug in cdk8s-k0smos (an unexpected exception): the message and stack go to stderr; please report it. */
  internal: 70,
} as const;

/** The table as printed by `--help`. */
export const EXIT_TABLE = [
  '  0   ok',
  '  1   invalid input (spec, construct or schema problems) or an unresolved requirement',
  '  2   usage (unknown command or option, missing argument, no such file)',
  '  3   plan, synth: work left unplaced (unless every unplaced workload is marked optional)',
  '  4   init: files exist already (use --force)',
  '  70  internal error (a bug: please report it)',
].join('\n');

const PACKAGE_ROOT = path.resolve(__dirname, '..', ...(path.basename(path.resolve(__dirname, '..')) === 'build' ? ['..'] : []));

/** The options a command takes: those with a value (`--out DIR`, `--out=DIR`) and switches (`--json`). */
export interface FlagSpec {
  readonly value?: readonly string[];
  readonly bool?: readonly string[];
}

/** A mistake in how the command was called: printed as one line with a usage hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Splits options from positional arguments. Refuses unknown options (suggesting the one meant), value
 * options without a value (`--out=`, or `--out` last) and values given to switches.
 */
export function parseArgs(args: readonly string[], spec: FlagSpec = {}): { positional: string[]; flags: Record<string, string | true> } {
  const valueFlags = spec.value ?? [];
  const boolFlags = spec.bool ?? [];
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const k = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    if (valueFlags.includes(k)) {
      const v = inline ?? (i + 1 < args.length && !args[i + 1]!.startsWith('--') ? args[++i]! : undefined);
      if (v === undefined || v.trim() === '') throw new UsageError(`--${k} needs a value`);
      flags[k] = v;
    } else if (boolFlags.includes(k)) {
      if (inline !== undefined) throw new UsageError(`--${k} takes no value; got '${a}'`);
      flags[k] = true;
    } else {
      const known = [...valueFlags, ...boolFlags];
      const near = closest(k, known);
      throw new UsageError(`unknown option '${a}'${near ? `; did you mean --${near}?` : known.length === 0 ? '; this command takes no options' : ''}`);
    }
  }
  return { positional, flags };
}

/** At most `max` positional arguments. */
function expectAtMost(positional: readonly string[], max: number): void {
  if (positional.length > max) throw new UsageError(`unexpected argument '${positional[max]}'`);
}

function mustBeFile(file: string, what: string): void {
  if (!fs.existsSync(file)) throw new UsageError(`${what} '${file}' does not exist`);
  if (!fs.statSync(file).isFile()) throw new UsageError(`${what} '${file}' is not a file`);
}

function mustBeFolder(dir: string, what: string): void {
  if (!fs.existsSync(dir)) throw new UsageError(`${what} '${dir}' does not exist`);
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${what} '${dir}' is not a folder`);
}

const validate: Command = async (args) => {
  const { positional, flags } = parseArgs(args, { value: ['schemas'], bool: ['json'] });
  expectAtMost(positional, 1);
  const dir = positional[0] ?? 'dist';
  mustBeFolder(dir, 'folder');
  // A synth killed while it swapped the owned entries may have left new and old folders side by side.
  const interrupted = incompleteSwap(dir);
  if (interrupted) {
    if (flags.json) console.log(JSON.stringify({ ok: false, error: interrupted }, null, 2));
    console.error(`cdk8s-k0smos validate: ${interrupted}`);
    return EXIT.invalid;
  }
  if (typeof flags.schemas === 'string') mustBeFolder(flags.schemas, 'schemas folder');
  const schemas = typeof flags.schemas === 'string' ? flags.schemas : findSchemasDir(PACKAGE_ROOT);
  if (!schemas) throw new UsageError(`no schemas folder (K0SMOS_SCHEMAS ${process.env.K0SMOS_SCHEMAS ? `is '${process.env.K0SMOS_SCHEMAS}', which does not exist` : 'is unset'}, and the package has no upstream-schemas/); pass --schemas DIR or set K0SMOS_SCHEMAS`);
  const registry = SchemaRegistry.load(schemas);
  const result = validateDirectory(registry, dir);
  // ClusterDeployment configs against their templates' values schemas: a schemas folder without them is an error.
  const templatesDir = path.join(schemas, 'kcm', 'cluster-templates');
  const configs = fs.existsSync(templatesDir) ? validateDeploymentConfigs(ClusterTemplateSchemas.load(templatesDir), dir) : undefined;
  const missing = configs ? [] : [{ file: templatesDir, document: 0, pointer: '', message: `no kcm cluster-template schemas in ${schemas}; ClusterDeployment configs cannot be checked` }];
  const failures = [...result.failures, ...(configs?.failures ?? []), ...missing];
  if (flags.json) {
    console.log(JSON.stringify({ ok: failures.length === 0, schemas, files: result.files, documents: result.documents, deploymentConfigs: configs?.deployments ?? 0, failures }, null, 2));
  } else {
    for (const f of failures) console.error(formatFailure(f));
    console.log(`${result.files} files, ${result.documents} documents, ${configs ? `${configs.deployments} ClusterDeployment configs, ` : ''}${failures.length} failures (schemas: ${schemas})`);
  }
  return failures.length === 0 ? EXIT.ok : EXIT.invalid;
};

/**
 * The exit code of a placement: {@link EXIT.unplaced} when a replica of a workload not marked `optional`
 * is left unplaced, else {@link EXIT.ok}.
 */
export function placementExit(placement: { readonly workloads: readonly { readonly name: string; readonly replicas: number; readonly placed: number }[] }, workloads: readonly { readonly name: string; readonly optional?: boolean | undefined }[]): number {
  const optional = new Set(workloads.filter((w) => w.optional === true).map((w) => w.name));
  return placement.workloads.some((w) => w.placed < w.replicas && !optional.has(w.name)) ? EXIT.unplaced : EXIT.ok;
}

/** The workloads of a fleet file as read (before validation; Fleet.fromSpec has validated it by the time this is used). */
function workloadsOf(spec: unknown): { name: string; optional?: boolean }[] {
  const w = spec && typeof spec === 'object' ? (spec as { workloads?: unknown }).workloads : undefined;
  return Array.isArray(w) ? (w as { name: string; optional?: boolean }[]) : [];
}

/**
 * The IP plan's saved state that `synth --out DIR` reads and writes (`DIR/ip-plan.json`, DIR `dist` by default):
 * `plan` and `check` read the same file, so they see the addresses synth would give.
 */
function ipPlanOf(flags: Record<string, string | true>) {
  const out = typeof flags.out === 'string' ? flags.out : 'dist';
  return fs.existsSync(out) && fs.statSync(out).isDirectory() ? Fleet.readIpPlanFile(out) : undefined;
}

/** `--now <ISO date>`: the instant dated schedules are checked against (the CLI is the edge; nothing reads a clock). */
function nowFlag(flags: Record<string, string | true>): { now?: string } {
  if (typeof flags.now !== 'string') return {};
  const parsed = parseNow(flags.now);
  if ('problem' in parsed) throw new UsageError(`--now ${parsed.problem}`);
  return { now: flags.now };
}

const synth: Command = async (args) => {
  const { positional, flags } = parseArgs(args, { value: ['out', 'now', 'rollout-base', 'rollout-base-ref'], bool: ['force'] });
  expectAtMost(positional, 1);
  const file = positional[0];
  if (!file) throw new UsageError('missing <fleet.yaml>');
  mustBeFile(file, 'fleet file');
  const now = nowFlag(flags);
  const spec = readFleetFile(file);
  // The base of ROLLOUT.md's change list: named here (a folder or a git ref), never the output as the last synth left it.
  const baseDir = typeof flags['rollout-base'] === 'string' ? flags['rollout-base'] : undefined;
  const baseRef = typeof flags['rollout-base-ref'] === 'string' ? flags['rollout-base-ref'] : undefined;
  if (baseDir !== undefined && baseRef !== undefined) throw new UsageError('give --rollout-base DIR or --rollout-base-ref REF, not both');
  if ((baseDir !== undefined || baseRef !== undefined) && (spec as { gitops?: { rollout?: unknown } }).gitops?.rollout === undefined) {
    throw new UsageError(`${file} has no gitops.rollout; --rollout-base and --rollout-base-ref name the base of a rollout's change list`);
  }
  if (baseDir !== undefined) mustBeFolder(baseDir, 'rollout base folder');
  const rolloutBase = baseDir !== undefined ? { folder: baseDir } : baseRef !== undefined ? { gitRef: baseRef } : undefined;
  const fleet = Fleet.fromSpec(new App(), 'fleet', spec);
  // Fleet.synth prints its warnings (time checks) to stderr.
  const result = fleet.synth({ outdir: typeof flags.out === 'string' ? flags.out : 'dist', highs: await loadHighs(), ...now, ...(flags.force ? { force: true } : {}), ...(rolloutBase ? { rolloutBase } : {}) });
  console.log(`wrote ${result.files} files to ${result.outdir}`);
  const placementFile = path.join(result.outdir, 'placement.json');
  if (!fs.existsSync(placementFile)) return EXIT.ok;
  const code = placementExit(JSON.parse(fs.readFileSync(placementFile, 'utf8')), workloadsOf(spec));
  if (code !== EXIT.ok) console.error(`cdk8s-k0smos synth: some replicas are not placed (see ${path.join(result.outdir, 'PLACEMENT.md')}); mark a workload optional: true if that is expected`);
  return code;
};

const plan: Command = async (args) => {
  const { positional, flags } = parseArgs(args, { value: ['previous', 'time-limit', 'now', 'out'], bool: ['json', 'greedy'] });
  expectAtMost(positional, 1);
  const file = positional[0];
  if (!file) throw new UsageError('missing <fleet.yaml>');
  mustBeFile(file, 'fleet file');
  if (typeof flags.previous === 'string') mustBeFile(flags.previous, 'previous placement');
  const timeLimit = typeof flags['time-limit'] === 'string' ? Number(flags['time-limit']) : undefined;
  if (timeLimit !== undefined && !(Number.isFinite(timeLimit) && timeLimit > 0)) {
    throw new UsageError(`--time-limit must be a positive number of seconds; got '${flags['time-limit']}'`);
  }
  const now = nowFlag(flags);
  const spec = readFleetFile(file);
  const fleet = Fleet.fromSpec(new App(), 'fleet', spec);
  let previous;
  if (typeof flags.previous === 'string') {
    const read = readPreviousPlacement(fs.readFileSync(flags.previous, 'utf8'));
    if (read.ignored) console.error(`cdk8s-k0smos plan: ignoring ${flags.previous}: ${read.ignored}`);
    previous = read.previous;
  }
  const ipAllocations = ipPlanOf(flags);
  const placement = fleet.placement({
    ...(previous ? { previous } : {}),
    ...(ipAllocations ? { ipAllocations } : {}),
    ...(flags.greedy ? {} : { highs: await loadHighs() }),
    ...(timeLimit !== undefined ? { timeLimitSec: timeLimit } : {}),
    ...now,
  });
  for (const w of fleet.timeChecks(now.now).warnings) console.error(`cdk8s-k0smos plan: warning: ${w}`);
  process.stdout.write(flags.json ? renderPlacementJson(placement) : renderPlacementMarkdown(placement));
  return placementExit(placement, workloadsOf(spec));
};

/**
 * Prints the readiness report of a synthesized folder (its readiness.json) or of a fleet.yaml (rendered
 * in memory, nothing written); exit 1 on any unresolved requirement.
 */
const check: Command = async (args) => {
  const { positional, flags } = parseArgs(args, { value: ['out'], bool: ['json'] });
  expectAtMost(positional, 1);
  const target = positional[0] ?? 'dist';
  if (!fs.existsSync(target)) throw new UsageError(`'${target}' does not exist`);
  if (fs.statSync(target).isDirectory()) {
    const swap = incompleteSwap(target);
    if (swap) {
      console.error(`cdk8s-k0smos check: ${swap}`);
      return EXIT.invalid;
    }
    const file = path.join(target, 'readiness.json');
    if (!fs.existsSync(file)) {
      console.error(`cdk8s-k0smos check: ${file} does not exist; synthesize the fleet into ${target} first`);
      return EXIT.invalid;
    }
    const text = fs.readFileSync(file, 'utf8');
    let data: { ready?: unknown; clusters?: { cluster: string; unresolved?: { capability: string; by: string; fixes: string[] }[] }[] };
    try {
      data = JSON.parse(text);
    } catch (e) {
      console.error(`cdk8s-k0smos check: ${file} is not JSON (${(e as Error).message}); synthesize again`);
      return EXIT.invalid;
    }
    const md = path.join(target, 'READINESS.md');
    process.stdout.write(flags.json ? text : fs.existsSync(md) ? fs.readFileSync(md, 'utf8') : text);
    const unresolved = (data.clusters ?? []).flatMap((c) => (c.unresolved ?? []).map((u) => `${c.cluster}: ${u.by} needs ${u.capability}; fix: ${u.fixes.join('; or ')}`));
    for (const u of unresolved) console.error(`unresolved: ${u}`);
    return data.ready === true && unresolved.length === 0 ? 0 : 1;
  }
  const fleet = Fleet.fromSpec(new App(), 'fleet', readFleetFile(target));
  // The state a synth into --out (default dist) recorded: the IP plan and the NodePorts, so the report shows what synth keeps.
  const ipAllocations = ipPlanOf(flags);
  const nodePorts = readNodePorts(typeof flags.out === 'string' ? flags.out : 'dist');
  const tree = fleet.toTree({ highs: await loadHighs(), ...(ipAllocations ? { ipAllocations } : {}), ...(nodePorts ? { nodePorts } : {}) });
  process.stdout.write(tree.get(flags.json ? 'readiness.json' : 'READINESS.md') ?? '');
  return EXIT.ok;
};

const schema: Command = async (args) => {
  expectAtMost(parseArgs(args).positional, 0);
  console.log(JSON.stringify(fleetJsonSchema(), null, 2));
  return EXIT.ok;
};

const init: Command = async (args) => {
  const { positional, flags } = parseArgs(args, { bool: ['force'] });
  expectAtMost(positional, 1);
  const dir = positional[0] ?? '.';
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`'${dir}' is not a folder`);
  const r = scaffold(PACKAGE_ROOT, dir, flags.force === true);
  if (r.written.length === 0) {
    console.error(`cdk8s-k0smos init: ${r.conflicts.join(', ')} exist in ${dir}; nothing written (pass --force to replace them)`);
    return EXIT.exists;
  }
  console.log(`wrote ${r.written.join(', ')} in ${path.resolve(dir)}\nnext: npm install && npm test && npm run synth`);
  return EXIT.ok;
};

export const COMMANDS: Record<string, { run: Command; usage: string; help: string }> = {
  validate: {
    run: validate,
    usage: 'validate [<dir>] [--schemas DIR] [--json]',
    help: 'validate <dir> [--schemas DIR]   check every YAML document under <dir> against the upstream schemas (--json)',
  },
  synth: {
    run: synth,
    usage: 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]',
    help: 'synth <fleet.yaml> [--out DIR]    synthesize a fleet described in YAML (--now D: check dated schedules against that instant; --force: write into a folder the library did not write; --rollout-base DIR / --rollout-base-ref REF: the previous tree or git ref ROLLOUT.md compares with)',
  },
  plan: {
    run: plan,
    usage: 'plan <fleet.yaml> [--previous FILE] [--out DIR] [--json] [--greedy] [--time-limit SECONDS] [--now ISO-DATE]',
    help: 'plan <fleet.yaml> [--previous FILE] print the placement of the fleet\'s workloads (--json, --greedy, --time-limit S, --now D; --out DIR: the output folder whose ip-plan.json is read, default dist); exit 3 if a replica of a workload not marked optional is unplaced',
  },
  check: {
    run: check,
    usage: 'check [<dir>|<fleet.yaml>] [--out DIR] [--json]',
    help: 'check <dir>|<fleet.yaml> [--json]  print what each cluster installs, assumes and allows (a fleet.yaml with the IP plan and NodePorts of --out DIR, default dist); exit 1 on an unresolved requirement',
  },
  schema: { run: schema, usage: 'schema', help: 'schema                            print the JSON Schema of fleet.yaml' },
  init: {
    run: init,
    usage: 'init [<dir>] [--force]',
    help: 'init [<dir>] [--force]            scaffold a project (package.json, cdk8s.yaml, main.ts, fleet.yaml, a test, CI example)',
  },
};

function version(): string {
  return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function usage(): string {
  return `usage: cdk8s-k0smos <command> [options]   (cdk8s-k0smos <command> --help for one command)\n${Object.values(COMMANDS)
    .map((c) => `  ${c.help}`)
    .join('\n')}\n  --version                         print the version\n\nexit codes:\n${EXIT_TABLE}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(usage());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(version());
    return EXIT.ok;
  }
  const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) {
    const near = closest(name, Object.keys(COMMANDS));
    console.error(`cdk8s-k0smos: unknown command '${name}'${near ? `; did you mean '${near}'?` : ''} (cdk8s-k0smos --help lists the commands)`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: cdk8s-k0smos ${cmd.help}`);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`cdk8s-k0smos ${name}: ${e.message}; usage: cdk8s-k0smos ${cmd.usage}`);
      return EXIT.usage;
    }
    if (e instanceof ValidationError) {
      console.error(e.message);
      return EXIT.invalid;
    }
    throw e;
  }
}
