/**
 * The acceptance of issue 12: pack the package, install the tarball into an empty project with no
 * ../shared and no K0SMOS_SCHEMAS, `init`, `npm test`, `npx cdk8s synth`, then `validate` and `check`;
 * the same project compiles on TypeScript 5.9 without skipLibCheck.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ok, pack, project, REPO, run, type Packed } from './project';
import { allSnippets, sourceOf } from './snippets';

let packed: Packed;
let dir: string;

beforeAll(() => {
  packed = pack(fs.mkdtempSync(path.join(os.tmpdir(), 'k0smos-pack-')));
  dir = project(packed);
});

describe('the tarball', () => {
  it('holds the library, the CLI, the JSON Schema, the schemas subset and the templates, and no tests or bench', () => {
    expect(packed.files).toEqual(expect.arrayContaining(['LICENSE', 'package.json', 'build/index.js', 'build/index.d.ts', 'build/bin/cli.js', 'bin/cdk8s-k0smos.js', 'schema/fleet.schema.json', 'upstream-schemas/provenance.json', 'upstream-schemas/kubernetes/v1.34/swagger.json', 'templates/init/main.ts']));
    const stray = packed.files.filter((f) => /^(build\/)?(test|test-package|bench|apps|scripts)\//.test(f) || f.startsWith('dist/'));
    expect(stray).toEqual([]);
    console.log(`packed size: ${(packed.size / 1e6).toFixed(2)} MB`);
    expect(packed.size).toBeLessThan(5 * 1024 * 1024);
  });

  it('records where each shipped schema comes from', () => {
    const prov = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/cdk8s-k0smos/upstream-schemas/provenance.json'), 'utf8')) as { files: { file: string; project: string; version: string; sha256: string }[] };
    const shipped = packed.files.filter((f) => f.startsWith('upstream-schemas/') && !/provenance\.(json|md)$/i.test(f)).map((f) => f.slice('upstream-schemas/'.length));
    expect(prov.files.map((f) => f.file).sort()).toEqual(shipped.sort());
    for (const f of prov.files) expect(f.project.length * f.version.length * f.sha256.length).toBeGreaterThan(0);
  });
});

describe('a new project', () => {
  it('init, npm test, cdk8s synth, validate, check', () => {
    expect(fs.existsSync(path.join(path.dirname(dir), 'shared'))).toBe(false);
    ok('npx', ['cdk8s-k0smos', 'init'], dir);
    ok('npm', ['install', '--no-audit', '--no-fund'], dir);
    ok('npm', ['test'], dir);
    ok('npx', ['cdk8s', 'synth', '--check-upgrade=false'], dir);
    expect(fs.existsSync(path.join(dir, 'dist/management'))).toBe(true);
    const v = ok('npx', ['cdk8s-k0smos', 'validate', 'dist', '--json'], dir);
    const report = JSON.parse(v.stdout) as { ok: boolean; schemas: string; documents: number };
    expect(report.ok).toBe(true);
    expect(report.schemas).toBe(path.join(fs.realpathSync(dir), 'node_modules/cdk8s-k0smos/upstream-schemas'));
    expect(report.documents).toBeGreaterThan(0);
    ok('npx', ['cdk8s-k0smos', 'check', 'dist'], dir);
  });

  it('the fleet.yaml variant writes the same tree as main.ts', () => {
    ok('npx', ['cdk8s-k0smos', 'synth', 'fleet.yaml', '--out', 'dist-yaml'], dir);
    const list = (d: string): string[] => fs.readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(d, f)).isFile()).sort();
    const a = path.join(dir, 'dist');
    const b = path.join(dir, 'dist-yaml');
    expect(list(b)).toEqual(list(a));
    for (const f of list(a)) expect(fs.readFileSync(path.join(b, f), 'utf8')).toBe(fs.readFileSync(path.join(a, f), 'utf8'));
  });

  it('a failed synth leaves dist/ as it was and keeps files of the user in it', () => {
    fs.writeFileSync(path.join(dir, 'dist/NOTES.md'), 'mine\n');
    const before = fs.readFileSync(path.join(dir, 'dist/readiness.json'), 'utf8');
    const main = path.join(dir, 'fleet.ts');
    const good = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, good.replace("jurisdiction: 'CA'", "jurisdiction: 'USA'"));
    try {
      const r = run('npx', ['cdk8s', 'synth', '--check-upgrade=false'], dir);
      expect(r.code).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain('USA');
      expect(`${r.stdout}${r.stderr}`).not.toContain("'SA'");
    } finally {
      fs.writeFileSync(main, good);
    }
    expect(fs.readFileSync(path.join(dir, 'dist/readiness.json'), 'utf8')).toBe(before);
    ok('npx', ['cdk8s', 'synth', '--check-upgrade=false'], dir);
    expect(fs.readFileSync(path.join(dir, 'dist/NOTES.md'), 'utf8')).toBe('mine\n');
  });

  it('the CLI follows the conventions when piped: --help on stdout, --version, exit codes', () => {
    const help = run('npx', ['cdk8s-k0smos', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('exit codes:');
    expect(run('npx', ['cdk8s-k0smos', '--version'], dir).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const typo = run('npx', ['cdk8s-k0smos', 'synt', 'fleet.yaml'], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean 'synth'?");
  });

  it('compiles against our .d.ts on TypeScript 5.9 too, without skipLibCheck', () => {
    ok('npm', ['install', '--no-audit', '--no-fund', '--no-save', 'typescript@5.9.3'], dir);
    expect(ok('npx', ['tsc', '--version'], dir).stdout).toContain('5.9.3');
    ok('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], dir);
  });

  it('builds and synthesizes on the oldest cdk8s of the peer range too (2.70.0; init pins the newest, 2.70.106)', () => {
    const out = path.join(dir, 'dist-oldest');
    try {
      ok('npm', ['install', '--no-audit', '--no-fund', '--no-save', 'cdk8s@2.70.0', 'typescript@6.0.3'], dir);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/cdk8s/package.json'), 'utf8')).version).toBe('2.70.0');
      ok('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], dir);
      ok('npx', ['cdk8s', 'synth', '--check-upgrade=false'], dir);
      ok('npx', ['cdk8s-k0smos', 'synth', 'fleet.yaml', '--out', out], dir);
      ok('npx', ['cdk8s-k0smos', 'validate', out], dir);
      ok('npx', ['cdk8s-k0smos', 'validate', 'dist'], dir);
    } finally {
      // Back to the versions init pinned, for the tests that follow.
      ok('npm', ['install', '--no-audit', '--no-fund'], dir);
    }
  });
});

describe('every code block of README.md and docs/*.md, against the installed package', () => {
  const snippets = allSnippets();
  const runnable = snippets.filter((s) => s.mode.kind !== 'fragment');
  const folder = (i: number) => path.join(dir, 'snippets', String(i).padStart(2, '0'));
  let compileErrors = '';

  beforeAll(() => {
    fs.rmSync(path.join(dir, 'snippets'), { recursive: true, force: true });
    runnable.forEach((s, i) => {
      const d = folder(i);
      fs.mkdirSync(d, { recursive: true });
      fs.copyFileSync(path.join(REPO, 'apps', 'fleet.yaml'), path.join(d, 'fleet.yaml'));
      fs.copyFileSync(path.join(REPO, 'data', 'signals', 'sample.json'), path.join(d, 'signals.json'));
      if (s.lang === 'ts') fs.writeFileSync(path.join(d, 'snippet.ts'), `// ${s.where}\n${sourceOf(s)}\n`);
      else fs.writeFileSync(path.join(d, 'fleet.yaml'), sourceOf(s));
    });
    fs.writeFileSync(
      path.join(dir, 'snippets', 'tsconfig.json'),
      JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { rootDir: '.', outDir: 'build', noUnusedLocals: false, types: ['node'] }, include: ['*/snippet.ts'] }),
    );
    const r = run('npx', ['tsc', '-p', 'snippets/tsconfig.json'], dir);
    compileErrors = r.code === 0 ? '' : r.stdout + r.stderr;
  });

  it('has snippets, and says how many are fragments that are not run', () => {
    expect(runnable.length).toBeGreaterThan(10);
    console.log(`doc snippets: ${snippets.length} (${runnable.length} run, ${snippets.length - runnable.length} fragments: ${snippets.filter((s) => s.mode.kind === 'fragment').map((s) => s.where).join(', ')})`);
  });

  runnable.forEach((s, i) => {
    it(`${s.where} (${s.lang}${s.mode.kind === 'context' ? `, in context ${s.mode.context}` : ''}) compiles, synthesizes and validates`, () => {
      const d = folder(i);
      const rel = path.relative(dir, d);
      const mine = compileErrors.split('\n').filter((l) => l.startsWith(`snippets/${path.basename(d)}/`) || l.startsWith(`${rel}/`));
      expect(mine).toEqual([]);
      if (s.lang === 'ts') ok('node', [path.join(dir, 'snippets', 'build', path.basename(d), 'snippet.js')], d);
      else ok('npx', ['cdk8s-k0smos', 'synth', 'fleet.yaml', '--out', 'dist'], d);
      const out = path.join(d, 'dist');
      expect(fs.existsSync(out)).toBe(true);
      ok('npx', ['cdk8s-k0smos', 'validate', out], dir);
    });
  });
});
