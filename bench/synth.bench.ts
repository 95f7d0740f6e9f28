/**
 * `npm run bench`: synthesizes generated fleets of edge stores (1,200 and 10,000; standalone stores and
 * stores whose control planes the management cluster hosts) and prints, per size: synth wall and CPU time,
 * peak memory (RSS high-water of a process that does only that synth), files written, the floor of
 * serialising the same objects with `yaml` alone and the ratio, and the `kubectl kustomize` time of the
 * largest folder. Each run is a child process (bench/synth-run.ts). The figures go to bench/results/synth.json,
 * which the README's "Scale" section is written from.
 * Targets (issue 14): 1,200 stores at most 10 s wall and at most 2x the floor; 10,000 stores at most 60 s
 * and 2 GiB peak; the largest folder builds in at most 5 s.
 * Usage: npm run bench [-- --sizes 1200,10000 --modes standalone,hosted --runs 3 --out bench/results/synth.json --merge]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}

const SIZES = arg('sizes', '1200,10000').split(',').map(Number);
const MODES = arg('modes', 'standalone,hosted').split(',');
/** Runs per size below 5,000 stores (the median is kept); larger sizes run once. */
const RUNS = Number(arg('runs', '3'));
const OUT = arg('out', path.join(__dirname, 'results', 'synth.json'));

interface Run {
  sites: number;
  mode: string;
  objects: number;
  files: number;
  bytes: number;
  folders: number;
  synthWallMs: number;
  synthCpuMs: number;
  buildMs: number;
  renderMs: number;
  renderCpuMs: number;
  writeMs: number;
  peakRssMiB: number;
  floorMs: number | null;
  ratio: number | null;
  largestFolder: string;
  largestFolderObjects: number;
  kustomizeLargestMs: number | null;
  kustomizeSkipped?: string;
  loadAverage: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runOnce(sites: number, mode: string, kustomize: boolean): Run {
  const args = ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-run.ts'), '--sites', String(sites), '--mode', mode, ...(kustomize ? [] : ['--no-kustomize'])];
  // 10,000 stores need more than node's default old-space limit on a small machine's heuristics.
  const stdout = execFileSync(process.execPath, ['--max-old-space-size=4096', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Run;
}

type Row = Run & { runs: number; synthWallMsRuns: number[] };
/** With --merge, rows of other sizes and modes already in the JSON are kept (re-measure one size without the others). */
const kept: Row[] = process.argv.includes('--merge') && fs.existsSync(OUT) ? (JSON.parse(fs.readFileSync(OUT, 'utf8')) as { results: Row[] }).results : [];
const results: Row[] = [];
for (const mode of MODES) {
  for (const sites of SIZES) {
    const n = sites >= 5000 ? 1 : RUNS;
    const runs: Run[] = [];
    // kubectl kustomize once per size (the tree is the same every run).
    for (let r = 0; r < n; r++) runs.push(runOnce(sites, mode, r === 0));
    const first = runs[0]!;
    const mid = (k: keyof Run) => median(runs.map((x) => x[k] as number));
    const row = {
      ...first,
      runs: n,
      synthWallMsRuns: runs.map((x) => x.synthWallMs),
      synthWallMs: mid('synthWallMs'),
      synthCpuMs: mid('synthCpuMs'),
      buildMs: mid('buildMs'),
      renderMs: mid('renderMs'),
      renderCpuMs: mid('renderCpuMs'),
      writeMs: mid('writeMs'),
      peakRssMiB: Math.max(...runs.map((x) => x.peakRssMiB)),
      floorMs: first.floorMs === null ? null : mid('floorMs'),
      ratio: first.floorMs === null ? null : Number((mid('synthWallMs') / mid('floorMs')).toFixed(2)),
    };
    results.push(row);
    // Written after every size, so a long run that is stopped keeps what it measured.
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    const all = [...kept.filter((k) => !results.some((r) => r.sites === k.sites && r.mode === k.mode)), ...results].sort((a, b) => (a.mode < b.mode ? 1 : a.mode > b.mode ? -1 : a.sites - b.sites));
    const doc = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', node: process.version, memGiB: Math.round(os.totalmem() / 2 ** 30) }, results: all };
    fs.writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const lines: [string, string][] = [
      ['stores / control planes', `${sites} / ${mode}`],
      ['objects, files written, folders', `${row.objects}, ${row.files}, ${row.folders}`],
      [`synth wall (median of ${n}) / CPU`, `${s(row.synthWallMs)} / ${s(row.synthCpuMs)}`],
      ['  build constructs / validate+render / write', `${s(row.buildMs)} / ${s(row.renderMs)} / ${s(row.writeMs)}`],
      ['peak RSS', `${row.peakRssMiB} MiB`],
      ['load average (1, 5, 15 min) at the end', row.loadAverage.join(', ')],
      ['yaml-stringify floor / ratio', row.floorMs === null || row.ratio === null ? 'not measured above 5,000 stores' : `${s(row.floorMs)} / ${row.ratio.toFixed(2)}x`],
      [`kubectl kustomize largest folder (${row.largestFolder}, ${row.largestFolderObjects} objects)`, row.kustomizeLargestMs !== null ? s(row.kustomizeLargestMs) : `skipped: ${row.kustomizeSkipped}`],
    ];
    const w = Math.max(...lines.map((l) => l[0].length));
    for (const [k, v] of lines) console.log(`${k.padEnd(w)}  ${v}`);
    const targets =
      sites <= 1200
        ? [`<= 10 s ${row.synthWallMs <= 10_000 ? 'met' : 'MISSED'}`, `<= 2x floor ${row.ratio !== null && row.ratio <= 2 ? 'met' : 'MISSED'}`]
        : [`<= 60 s ${row.synthWallMs <= 60_000 ? 'met' : 'MISSED'}`, `<= 2 GiB ${row.peakRssMiB <= 2048 ? 'met' : 'MISSED'}`];
    if (row.kustomizeLargestMs !== null) targets.push(`kustomize <= 5 s ${row.kustomizeLargestMs <= 5000 ? 'met' : 'MISSED'}`);
    console.log(`targets: ${targets.join('; ')}\n`);
  }
}

console.log(`figures written to ${path.relative(process.cwd(), OUT)}`);
