/**
 * `npm run bench`: synthesizes a generated fleet of 1,200 edge sites and compares the time with the floor of
 * serialising the same objects with `yaml` alone. Targets (issue 3): at most 10 s wall, at most 2x the floor.
 * Usage: npm run bench [-- --sites N --runs R]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { stringify } from 'yaml';
import { writeTreeAtomically } from '../lib/synth/writer';
import { buildEdgeFleet } from './edge-fleet';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const SITES = arg('sites', 1200);
const RUNS = arg('runs', 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs f; returns its result, wall milliseconds and CPU milliseconds (user + system). */
function timed<T>(f: () => T): [T, number, number] {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, Number(process.hrtime.bigint() - t0) / 1e6, (c.user + c.system) / 1000];
}

const synthMs: number[] = [];
const synthCpu: number[] = [];
const phases: Record<'build' | 'render' | 'write', number[]> = { build: [], render: [], write: [] };
const floorMs: number[] = [];
let files = 0;
let objects = 0;
let bytes = 0;
for (let run = 0; run < RUNS; run++) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'k0smos-bench-')), 'dist');
  // Full synth: build the constructs, validate and render the tree, write it atomically.
  const [, ms, cpu] = timed(() => {
    const [fleet, b] = timed(() => buildEdgeFleet(new App(), SITES));
    const [tree, r] = timed(() => fleet.toTree());
    const [, w] = timed(() => writeTreeAtomically(out, tree));
    phases.build.push(b);
    phases.render.push(r);
    phases.write.push(w);
    files = tree.size;
  });
  synthMs.push(ms);
  synthCpu.push(cpu);

  // Floor: the same objects (already built and resolved) serialised with `yaml` alone, no files written.
  const fleet = buildEdgeFleet(new App(), SITES);
  const plain = fleet.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
  objects = plain.length;
  const [len, floor] = timed(() => plain.reduce((n, o) => n + stringify(o).length, 0));
  bytes = len;
  floorMs.push(floor);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
}

const synth = median(synthMs);
const floor = median(floorMs);
const rows = [
  ['sites', String(SITES)],
  ['objects', String(objects)],
  ['files written', String(files)],
  ['YAML bytes', String(bytes)],
  ['synth (constructs -> validated tree on disk), median of ' + RUNS, `${(synth / 1000).toFixed(2)} s wall, ${(median(synthCpu) / 1000).toFixed(2)} s CPU`],
  ['  build constructs / validate+render / write files', [phases.build, phases.render, phases.write].map((p) => `${(median(p) / 1000).toFixed(2)} s`).join(' / ')],
  ['yaml-only floor (stringify the same objects), median', `${(floor / 1000).toFixed(2)} s`],
  ['ratio synth / floor', `${(synth / floor).toFixed(2)}x`],
  ['peak RSS', `${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`],
];
const w = Math.max(...rows.map((r) => r[0]!.length));
for (const [k, v] of rows) console.log(`${k!.padEnd(w)}  ${v}`);
const ok = synth <= 10000 && synth <= 2 * floor;
console.log(`targets: synth <= 10 s ${synth <= 10000 ? 'met' : 'MISSED'}; ratio <= 2x ${synth <= 2 * floor ? 'met' : 'MISSED'}`);
process.exitCode = ok ? 0 : 1;
