/**
 * `cdk8s-k0smos init [dir]`: scaffolds a project from the templates shipped in the package (templates/init),
 * offline. Writes package.json (or adds what is missing to an existing one, keeping its entries: the
 * `cdk8s-k0smos` dependency a `npm install <tarball>` wrote stays), tsconfig.json, cdk8s.yaml, fleet.ts,
 * main.ts, fleet.yaml, a test with a snapshot, jest.config.js, .gitignore and .github/workflows/synth.yml.
 * Refuses to replace a file that exists unless `--force`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Template file -> path in the new project. */
const FILES: readonly (readonly [string, string])[] = [
  ['cdk8s.yaml', 'cdk8s.yaml'],
  ['tsconfig.json', 'tsconfig.json'],
  ['jest.config.js', 'jest.config.js'],
  ['fleet.ts', 'fleet.ts'],
  ['main.ts', 'main.ts'],
  ['fleet.yaml', 'fleet.yaml'],
  ['test/fleet.test.ts', 'test/fleet.test.ts'],
  ['gitignore', '.gitignore'],
  ['github-workflows/synth.yml', '.github/workflows/synth.yml'],
];

/** The versions a new project pins: the ones this package is built and tested with (its devDependencies). */
const PINNED_DEPENDENCIES = ['cdk8s', 'cdk8s-plus-28', 'constructs'];
const PINNED_DEV_DEPENDENCIES = ['typescript', '@types/node', '@types/jest', 'jest', 'ts-jest', 'cdk8s-cli'];

interface PackageJson {
  name?: string;
  version?: string;
  private?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [k: string]: unknown;
}

function projectName(dir: string): string {
  const base = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return base || 'my-fleet';
}

/** package.json of the new project; entries already in `existing` win. */
export function scaffoldPackageJson(own: PackageJson, dir: string, existing: PackageJson | undefined): PackageJson {
  const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, own.devDependencies?.[n] ?? own.dependencies?.[n]]).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const scripts = {
    build: 'tsc -p tsconfig.json',
    test: 'tsc -p tsconfig.json --noEmit && jest',
    synth: 'CDK8S_CHECK_UPGRADE=false cdk8s synth --check-upgrade=false',
    'synth:yaml': 'cdk8s-k0smos synth fleet.yaml --out dist',
    validate: 'cdk8s-k0smos validate dist',
    check: 'cdk8s-k0smos check dist',
  };
  const dependencies = { 'cdk8s-k0smos': `^${own.version}`, ...pick(PINNED_DEPENDENCIES) };
  const devDependencies = pick(PINNED_DEV_DEPENDENCIES);
  const e = existing ?? {};
  return {
    name: projectName(dir),
    version: '0.1.0',
    private: true,
    ...e,
    scripts: { ...scripts, ...(e.scripts ?? {}) },
    dependencies: sortKeys({ ...dependencies, ...(e.dependencies ?? {}) }),
    devDependencies: sortKeys({ ...devDependencies, ...(e.devDependencies ?? {}) }),
  };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface InitResult {
  readonly written: string[];
  readonly conflicts: string[];
}

/** Writes the project into `dir`. Returns the conflicts (existing files) without writing anything when there are any and `force` is off. */
export function scaffold(packageRoot: string, dir: string, force: boolean): InitResult {
  const templates = path.join(packageRoot, 'templates', 'init');
  if (!fs.existsSync(templates)) throw new Error(`templates not found at ${templates}; reinstall cdk8s-k0smos`);
  const conflicts = FILES.map(([, to]) => to).filter((to) => fs.existsSync(path.join(dir, to)));
  if (conflicts.length > 0 && !force) return { written: [], conflicts };
  const own = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as PackageJson;
  const pkgFile = path.join(dir, 'package.json');
  const existing = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as PackageJson) : undefined;
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [from, to] of FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    fs.copyFileSync(path.join(templates, from), path.join(dir, to));
    written.push(to);
  }
  fs.writeFileSync(pkgFile, `${JSON.stringify(scaffoldPackageJson(own, dir, existing), null, 2)}\n`);
  written.push('package.json');
  return { written, conflicts };
}
