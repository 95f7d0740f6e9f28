/**
 * Prints the README's "Scale" table from the figures `npm run bench` wrote (bench/results/synth.json).
 * Usage: ts-node --transpile-only bench/scale-table.ts [bench/results/synth.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Row {
  sites: number;
  mode: string;
  objects: number;
  files: number;
  synthWallMs: number;
  synthCpuMs: number;
  buildMs: number;
  renderMs: number;
  writeMs: number;
  peakRssMiB: number;
  floorMs: number | null;
  ratio: number | null;
  largestFolder: string;
  largestFolderObjects: number;
  kustomizeLargestMs: number | null;
  loadAverage: number[];
}

const file = process.argv[2] ?? path.join(__dirname, 'results', 'synth.json');
const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { date: string; machine: { cpus: number; node: string }; results: Row[] };
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const n = (x: number) => x.toLocaleString('en-US');
console.log(`| stores, control planes | objects / files | synth wall (build / render / write) | synth CPU | peak RSS | yaml floor, ratio | largest folder, kustomize | load avg |`);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of doc.results) {
  console.log(
    `| ${n(r.sites)}, ${r.mode} | ${n(r.objects)} / ${n(r.files)} | ${s(r.synthWallMs)} (${s(r.buildMs)} / ${s(r.renderMs)} / ${s(r.writeMs)}) | ${s(r.synthCpuMs)} | ${n(r.peakRssMiB)} MiB | ${r.floorMs === null || r.ratio === null ? '-' : `${s(r.floorMs)}, ${r.ratio.toFixed(2)}x`} | ${r.largestFolderObjects} objects, ${r.kustomizeLargestMs === null ? 'not measured' : s(r.kustomizeLargestMs)} | ${r.loadAverage[0]} |`,
  );
}
console.log(`\n(${doc.date.slice(0, 10)}, ${doc.machine.cpus} cores, Node ${doc.machine.node}; from ${path.relative(process.cwd(), file)})`);
