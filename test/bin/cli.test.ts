import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS, EXIT, EXIT_TABLE, main, parseArgs, placementExit, UsageError } from '../../bin/cli';
import { tmpDir } from '../helpers';

const FLEET = path.join(__dirname, '../../apps/fleet.yaml');

/**
 * Runs the CLI's main with stderr captured; the exit code and what it printed. It runs in an empty
 * folder: before these checks, `synth --out=` wrote into the working folder and `synth --out` into dist/.
 */
async function run(...argv: string[]): Promise<{ code: number; err: string[] }> {
  const cwd = process.cwd();
  process.chdir(tmpDir());
  const err: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err.push(a.map(String).join(' '));
  });
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    return { code: await main(argv), err };
  } finally {
    spy.mockRestore();
    log.mockRestore();
    process.chdir(cwd);
  }
}

/** A usage error: exit 2, one line on stderr naming the command, the problem and the usage. */
function expectUsageError(r: { code: number; err: string[] }, problem: RegExp, usage: string): void {
  expect(r.code).toBe(2);
  expect(r.err).toHaveLength(1);
  expect(r.err[0]).not.toContain('\n');
  expect(r.err[0]).toMatch(problem);
  expect(r.err[0]!.endsWith(`; usage: cdk8s-k0smos ${usage}`)).toBe(true);
}

describe('cli argument errors', () => {
  it('a missing input file is a one-line error, not a stack trace', async () => {
    expectUsageError(await run('synth', 'no-such-fleet.yaml'), /^cdk8s-k0smos synth: fleet file 'no-such-fleet\.yaml' does not exist;/, 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]');
    expectUsageError(await run('plan', 'no-such-fleet.yaml', '--greedy'), /^cdk8s-k0smos plan: fleet file 'no-such-fleet\.yaml' does not exist;/, 'plan <fleet.yaml> [--previous FILE] [--out DIR] [--json] [--greedy] [--time-limit SECONDS] [--now ISO-DATE]');
    expectUsageError(await run('plan', FLEET, '--previous', 'no-such.json'), /previous placement 'no-such\.json' does not exist/, 'plan <fleet.yaml> [--previous FILE] [--out DIR] [--json] [--greedy] [--time-limit SECONDS] [--now ISO-DATE]');
    expectUsageError(await run('validate', 'no-such-dir'), /^cdk8s-k0smos validate: folder 'no-such-dir' does not exist;/, 'validate [<dir>] [--schemas DIR] [--json]');
    expectUsageError(await run('validate', tmpDir(), '--schemas', 'no-such-schemas'), /schemas folder 'no-such-schemas' does not exist/, 'validate [<dir>] [--schemas DIR] [--json]');
    expectUsageError(await run('synth', tmpDir()), /fleet file '.*' is not a file/, 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]');
  });

  it('an option without its value is an error, whether empty or missing', async () => {
    expectUsageError(await run('synth', FLEET, '--out='), /^cdk8s-k0smos synth: --out needs a value;/, 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]');
    expectUsageError(await run('synth', FLEET, '--out'), /--out needs a value/, 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]');
    expectUsageError(await run('synth', FLEET, '--out', '  '), /--out needs a value/, 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]');
    expectUsageError(await run('validate', '--schemas='), /--schemas needs a value/, 'validate [<dir>] [--schemas DIR] [--json]');
    expectUsageError(await run('plan', FLEET, '--time-limit', 'soon'), /--time-limit must be a positive number of seconds; got 'soon'/, 'plan <fleet.yaml> [--previous FILE] [--out DIR] [--json] [--greedy] [--time-limit SECONDS] [--now ISO-DATE]');
  });

  it('an unknown option is an error that suggests the option meant', async () => {
    expectUsageError(await run('synth', FLEET, '--outdir', 'x'), /^cdk8s-k0smos synth: unknown option '--outdir'; did you mean --out\?;/, 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]');
    expectUsageError(await run('plan', FLEET, '--gredy'), /unknown option '--gredy'; did you mean --greedy\?/, 'plan <fleet.yaml> [--previous FILE] [--out DIR] [--json] [--greedy] [--time-limit SECONDS] [--now ISO-DATE]');
    expectUsageError(await run('plan', FLEET, '--json=yes'), /--json takes no value/, 'plan <fleet.yaml> [--previous FILE] [--out DIR] [--json] [--greedy] [--time-limit SECONDS] [--now ISO-DATE]');
    expectUsageError(await run('schema', '--pretty'), /unknown option '--pretty'; this command takes no options/, 'schema');
    expectUsageError(await run('synth', FLEET, 'extra.yaml'), /unexpected argument 'extra\.yaml'/, 'synth <fleet.yaml> [--out DIR] [--now ISO-DATE] [--force] [--rollout-base DIR | --rollout-base-ref REF]');
  });

  it('--help prints the command usage and exits 0', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void lines.push(s));
    try {
      expect(await main(['synth', '--help'])).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect(lines).toEqual(['usage: cdk8s-k0smos synth <fleet.yaml> [--out DIR]    synthesize a fleet described in YAML (--now D: check dated schedules against that instant; --force: write into a folder the library did not write; --rollout-base DIR / --rollout-base-ref REF: the previous tree or git ref ROLLOUT.md compares with)']);
  });
});

/** Runs main with stdout and stderr captured. */
async function runAll(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const e = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(' ')));
  const l = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(' ')));
  try {
    return { code: await main(argv), out, err };
  } finally {
    e.mockRestore();
    l.mockRestore();
  }
}

describe('cli conventions', () => {
  it('--help, -h and help print the commands and the exit-code table on stdout and exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await runAll(flag);
      expect(r.code).toBe(EXIT.ok);
      expect(r.err).toEqual([]);
      const text = r.out.join('\n');
      for (const c of Object.keys(COMMANDS)) expect(text).toContain(`  ${c}`);
      expect(text).toContain(EXIT_TABLE);
    }
  });

  it('no command is a usage error (exit 2) with the usage on stderr', async () => {
    const r = await runAll();
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toEqual([]);
    expect(r.err.join('\n')).toMatch(/^usage: cdk8s-k0smos <command>/);
  });

  it('an unknown command says so and suggests the closest one', async () => {
    const r = await runAll('synt', 'fleet.yaml');
    expect(r.code).toBe(EXIT.usage);
    expect(r.err[0]).toMatch(/^cdk8s-k0smos: unknown command 'synt'; did you mean 'synth'\?/);
    const far = await runAll('frobnicate');
    expect(far.err).toEqual(["cdk8s-k0smos: unknown command 'frobnicate' (cdk8s-k0smos --help lists the commands)"]);
    // not a prototype property either
    expect((await runAll('toString')).code).toBe(EXIT.usage);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    const r = await runAll('--version');
    expect(r).toEqual({ code: 0, out: [pkg.version], err: [] });
  });

  it('the exit-code table follows DECISIONS.md', () => {
    expect(EXIT).toEqual({ ok: 0, invalid: 1, usage: 2, unplaced: 3, exists: 4, internal: 70 });
  });
});

describe('init', () => {
  it('scaffolds a project, pins the versions this package is tested with, and refuses to overwrite', async () => {
    const dir = path.join(tmpDir(), 'my-fleet');
    const r = await runAll('init', dir);
    expect(r.code).toBe(EXIT.ok);
    for (const f of ['package.json', 'tsconfig.json', 'cdk8s.yaml', 'main.ts', 'fleet.ts', 'fleet.yaml', 'jest.config.js', 'test/fleet.test.ts', '.gitignore', '.github/workflows/synth.yml']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    const own = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    const made = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(made.name).toBe('my-fleet');
    expect(made.dependencies).toEqual({ 'cdk8s-k0smos': `^${own.version}`, cdk8s: own.devDependencies.cdk8s, 'cdk8s-plus-28': own.devDependencies['cdk8s-plus-28'], constructs: own.devDependencies.constructs });
    expect(made.devDependencies.typescript).toBe(own.devDependencies.typescript);
    // cdk8s's output folder is scratch; the tree goes to dist/ through the atomic writer
    expect(fs.readFileSync(path.join(dir, 'cdk8s.yaml'), 'utf8')).toMatch(/^output: \.cdk8s\.out$/m);
    const again = await runAll('init', dir);
    expect(again.code).toBe(EXIT.exists);
    expect(again.err[0]).toMatch(/cdk8s\.yaml, tsconfig\.json, .* exist in .*; nothing written \(pass --force to replace them\)/);
  });

  it('keeps what an existing package.json says (the tarball a user installed)', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'mine', dependencies: { 'cdk8s-k0smos': 'file:../cdk8s-k0smos-0.1.0.tgz' } }));
    expect((await runAll('init', dir)).code).toBe(EXIT.ok);
    const made = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(made.name).toBe('mine');
    expect(made.dependencies['cdk8s-k0smos']).toBe('file:../cdk8s-k0smos-0.1.0.tgz');
    expect(made.scripts.synth).toContain('cdk8s synth');
  });
});

describe('parseArgs', () => {
  it('reads --flag value, --flag=value and switches', () => {
    expect(parseArgs(['a', '--out', 'd', '--json', '--previous=p.json'], { value: ['out', 'previous'], bool: ['json'] })).toEqual({
      positional: ['a'],
      flags: { out: 'd', json: true, previous: 'p.json' },
    });
    expect(parseArgs(['--out=a=b'], { value: ['out'] }).flags).toEqual({ out: 'a=b' });
  });

  it('throws usage errors rather than guessing', () => {
    expect(() => parseArgs(['--out', '--json'], { value: ['out'], bool: ['json'] })).toThrow(new UsageError('--out needs a value'));
    expect(() => parseArgs(['-o', 'x'], { value: ['out'] })).toThrow(UsageError);
  });
});

describe('validate and an interrupted synth', () => {
  it('refuses a folder whose swap journal says a synth stopped half-way (exit 1, naming the folder and the fix), and checks it once the swap is done', async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'management'));
    const journal = { version: 1, phase: 'swap', staging: '.k0smos-staging-abc123', backup: '.k0smos-previous-def456', entries: ['management', 'sites'], previous: ['management'] };
    fs.writeFileSync(path.join(dir, '.k0smos-swap.json'), JSON.stringify(journal));
    const r = await run('validate', dir, '--schemas', tmpDir());
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(/^cdk8s-k0smos validate: a synth was interrupted while it replaced management, sites in .*; run synth again/)]);
    // Committed (only cleanup was left): the tree is whole, so validate goes on to check it.
    fs.writeFileSync(path.join(dir, '.k0smos-swap.json'), JSON.stringify({ ...journal, phase: 'commit' }));
    expect((await run('validate', dir, '--schemas', tmpDir())).err.join('\n')).not.toMatch(/interrupted/);
  });
});

describe('check <fleet.yaml> reads the NodePort allocation (issue 14)', () => {
  it('shows the ports in <out>/nodeports.json, and refuses a damaged file rather than allocate anew', async () => {
    const out = tmpDir();
    const entries = [{ cluster: 'quebec', host: 'frankfurt', apiPort: 31000, konnectivityPort: 31001 }];
    fs.writeFileSync(path.join(out, 'nodeports.json'), JSON.stringify({ format: 'cdk8s-k0smos/nodeports@1', entries }));
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      const r = await run('check', FLEET, '--out', out);
      expect(r.code).toBe(0);
    } finally {
      stdout.mockRestore();
    }
    expect(written.join('')).toContain('| quebec | frankfurt | management cluster | 1.2 cores, 0.75 GiB | NodePort 203.0.113.10 api 31000, konnectivity 31001 (allocated, nodeports.json) |');
    fs.writeFileSync(path.join(out, 'nodeports.json'), '{"format":"something else"}');
    const bad = await run('check', FLEET, '--out', out);
    expect(bad.code).toBe(1);
    expect(bad.err.join('\n')).toMatch(/nodeports\.json: not a cdk8s-k0smos\/nodeports@1 document; restore the file from Git/);
  });
});

describe('placementExit', () => {
  const placement = { workloads: [{ name: 'a', replicas: 2, placed: 2 }, { name: 'b', replicas: 1, placed: 0 }] };
  it('is 3 when a workload not marked optional has unplaced replicas', () => {
    expect(placementExit(placement, [{ name: 'a' }, { name: 'b' }])).toBe(EXIT.unplaced);
    expect(placementExit(placement, [{ name: 'a', optional: true }, { name: 'b', optional: false }])).toBe(EXIT.unplaced);
  });
  it('is 0 when everything is placed or every unplaced workload is optional', () => {
    expect(placementExit(placement, [{ name: 'a' }, { name: 'b', optional: true }])).toBe(EXIT.ok);
    expect(placementExit({ workloads: [{ name: 'a', replicas: 1, placed: 1 }] }, [])).toBe(EXIT.ok);
  });
});
