/**
 * One synth of the generated edge fleet, measured in a process of its own (so the RSS high-water mark is
 * this synth's): `synth.bench.ts` runs it once per size and run. Prints one JSON line on stdout.
 * Usage: ts-node --transpile-only bench/synth-run.ts --sites N [--mode standalone|hosted] [--gitops none|flux|argocd] [--floor] [--keep DIR] [--no-kustomize]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { Delivery, GitOps } from '../constructs';
import { stringify } from 'yaml';
import { writeTreeAtomically } from '../lib/synth/writer';
import { buildEdgeFleet, type StoreMode } from './edge-fleet';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SITES = Number(arg('sites') ?? 1200);
const MODE = (arg('mode') ?? 'standalone') as StoreMode;
/** GitOps wiring of every folder: none, Flux (push: a Kustomization per unit, sharded over management/ folders) or Argo CD (ApplicationSets). */
const GITOPS = arg('gitops') ?? 'none';
const KUBECTL = '/usr/bin/kubectl';

/** Wall and CPU milliseconds of f. */
function timed<T>(f: () => T): { result: T; wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = f();
  const c = process.cpuUsage(c0);
  return { result, wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (c.user + c.system) / 1000 };
}

const keep = arg('keep');
const root = keep === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'k0smos-bench-')) : undefined;
const out = keep ?? path.join(root!, 'dist');
const baseRssMiB = process.resourceUsage().maxRSS / 1024;

// The synth: build the constructs, validate and render the tree, write it atomically.
let fleet!: ReturnType<typeof buildEdgeFleet>;
const phases = { buildMs: 0, renderMs: 0, renderCpuMs: 0, writeMs: 0 };
const synth = timed(() => {
  const b = timed(() => {
    const f = buildEdgeFleet(new App(), SITES, MODE, GITOPS === 'none' ? {} : { hqApiGroups: ['kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io', 'argoproj.io'] });
    if (GITOPS !== 'none') new GitOps(f, 'gitops', { repository: { url: 'https://git.example.com/retail/fleet.git', branch: 'main' }, delivery: GITOPS === 'flux' ? Delivery.flux() : Delivery.argoCd() });
    return f;
  });
  fleet = b.result;
  const r = timed(() => fleet.toTree());
  const w = timed(() => writeTreeAtomically(out, r.result));
  phases.buildMs = b.wallMs;
  phases.renderMs = r.wallMs;
  phases.renderCpuMs = r.cpuMs;
  phases.writeMs = w.wallMs;
  return r.result;
});
const tree = synth.result;
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

// Folders with objects: `<folder>/{infra,apps}/<object>.yaml`; the largest is the one with the most objects.
const objectsByFolder = new Map<string, number>();
for (const p of tree.keys()) {
  const m = /^(.*)\/(infra|apps)\/([^/]+)$/.exec(p);
  if (!m || m[3] === 'kustomization.yaml') continue;
  objectsByFolder.set(m[1]!, (objectsByFolder.get(m[1]!) ?? 0) + 1);
}
const [largestFolder, largestFolderObjects] = [...objectsByFolder].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? ['', 0];

// The floor: the same objects (already built) serialised with `yaml` alone, no checks, no files.
// Measured up to 5,000 stores unless --floor is given (the targets compare with it at 1,200; at 10,000 it takes minutes).
const plain = fleet.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
const withFloor = SITES <= 5000 || process.argv.includes('--floor');
const floor = withFloor ? timed(() => plain.reduce((n: number, o) => n + stringify(o).length, 0)) : undefined;

/** `kubectl kustomize <folder>` wall time, or why it was not measured. */
function kustomize(folder: string, timeoutMs: number): { ms?: number; skipped?: string } {
  if (process.argv.includes('--no-kustomize')) return { skipped: '--no-kustomize' };
  if (!fs.existsSync(KUBECTL)) return { skipped: `${KUBECTL} not found` };
  const t0 = process.hrtime.bigint();
  try {
    execFileSync(KUBECTL, ['kustomize', path.join(out, folder)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, maxBuffer: 1 << 30 });
  } catch (e) {
    return { skipped: `kubectl kustomize failed or took over ${timeoutMs / 1000} s: ${String((e as Error).message).split('\n')[0]}` };
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}
const largestKustomize = kustomize(largestFolder, 300_000);

const result = {
  sites: SITES,
  mode: MODE,
  gitops: GITOPS,
  objects: plain.length,
  files: tree.size,
  bytes: [...tree.values()].reduce((n, s) => n + Buffer.byteLength(s), 0),
  folders: objectsByFolder.size,
  synthWallMs: Math.round(synth.wallMs),
  synthCpuMs: Math.round(synth.cpuMs),
  ...Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])),
  peakRssMiB: Math.round(peakRssMiB),
  startRssMiB: Math.round(baseRssMiB),
  floorMs: floor ? Math.round(floor.wallMs) : null,
  ratio: floor ? Number((synth.wallMs / floor.wallMs).toFixed(2)) : null,
  largestFolder,
  largestFolderObjects,
  kustomizeLargestMs: largestKustomize.ms !== undefined ? Math.round(largestKustomize.ms) : null,
  ...(largestKustomize.skipped ? { kustomizeSkipped: largestKustomize.skipped } : {}),
  loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
