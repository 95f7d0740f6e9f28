/**
 * A temporary user project with the packed tarball installed, shared by the package tests (one pack, one
 * install). Nothing of the repository is visible from it: no ../shared beside the package, no
 * K0SMOS_SCHEMAS, no CI (jest writes the first snapshot, as on a user's machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a user's shell: ours without the variables that would let the repository leak in. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
  for (const k of ['K0SMOS_SCHEMAS', 'CI', 'K0SMOS_OUTDIR', 'CDK8S_OUTDIR', 'JEST_WORKER_ID', 'NODE_OPTIONS', 'TS_NODE_PROJECT']) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('npm_package_') || k.startsWith('npm_lifecycle_')) delete env[k];
  return env;
}

export function run(cmd: string, args: readonly string[], cwd: string, extra: Record<string, string> = {}): Run {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(extra), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and fails with everything it printed when the exit code is not 0. */
export function ok(cmd: string, args: readonly string[], cwd: string, extra: Record<string, string> = {}): Run {
  const r = run(cmd, args, cwd, extra);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${cwd} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

export interface Packed {
  readonly tarball: string;
  readonly size: number;
  readonly files: string[];
}

/** Builds and packs the repository (prepack: tsc and the schemas subset) into `dest`. */
export function pack(dest: string): Packed {
  // prepack reads ../shared/schemas or K0SMOS_SCHEMAS: the repository's environment, not the user's.
  execFileSync('npm', ['run', 'prepack'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [info] = JSON.parse(out) as { filename: string; size: number; files: { path: string }[] }[];
  return { tarball: path.join(dest, info!.filename), size: info!.size, files: info!.files.map((f) => f.path) };
}

/** An empty project (package.json only) in a fresh temporary folder, with the tarball installed. */
export function project(packed: Packed): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k0smos-user-'));
  const dir = path.join(root, 'my-fleet');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'my-fleet', private: true }, null, 2)}\n`);
  ok('npm', ['install', '--no-audit', '--no-fund', packed.tarball], dir);
  return dir;
}
