/**
 * The two files a synth writes about placement: `placement.json` (machine-readable) and
 * `PLACEMENT.md` (a table people read in a pull request). Pure: a placement in, text out.
 */
import type { AuxFile } from '../synth/objects';
import type { Placement, PreviousPlacement } from './types';

const FORMAT = 'cdk8s-k0smos/placement/v1';

/** `placement.json`: workloads, replicas with site/cluster/pool/node, reasons, solver status and bound. */
export function renderPlacementJson(p: Placement): string {
  const doc = {
    format: FORMAT,
    status: p.status,
    engine: p.engine,
    objective: p.objective,
    bound: p.bound,
    gap: p.gap,
    ...(p.lpBound !== undefined ? { lpBound: p.lpBound } : {}),
    notes: p.notes,
    workloads: p.workloads,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** `PLACEMENT.md`: a summary table, then per workload where it went and why, or why not. */
export function renderPlacementMarkdown(p: Placement): string {
  const lines: string[] = ['# Placement', ''];
  const total = p.workloads.reduce((s, w) => s + w.replicas, 0);
  const placed = p.workloads.reduce((s, w) => s + w.placed, 0);
  lines.push(
    `Solver: ${p.engine}, status **${p.status}**; placed ${placed} of ${total} replicas; priority-weighted work ${p.objective.placedValue} (bound ${round(p.bound)}, gap ${pct(p.gap)}); churn ${p.objective.churn}; cost ${round(p.objective.cost)} per hour.`,
    '',
  );
  for (const n of p.notes) lines.push(`> ${n}`, '');
  lines.push('| workload | priority | placed | where |', '| --- | --- | --- | --- |');
  for (const w of p.workloads) {
    const where = summarize(w.assignments.map((a) => `${a.site}/${a.cluster}/${a.pool}`));
    lines.push(`| ${w.name} | ${w.priority} | ${w.placed}/${w.replicas} | ${cell(where || '-')} |`);
  }
  lines.push('');
  for (const w of p.workloads) {
    lines.push(`## ${w.name}`, '');
    for (const y of w.why) lines.push(`- ${y}`);
    if (w.placed < w.replicas) {
      lines.push(`- **${w.replicas - w.placed} replica${w.replicas - w.placed === 1 ? '' : 's'} not placed.** Per site:`);
      for (const r of w.reasons) lines.push(`  - ${r.site}: ${r.reason} (${r.plugin})`);
      for (const s of w.suggestions) lines.push(`- To fit: ${s}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function summarize(items: readonly string[]): string {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m.entries()].map(([k, n]) => `${k} x${n}`).join(', ');
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Both files as top-level auxiliary files of the output tree. */
export function placementFiles(p: Placement, source = 'placement'): AuxFile[] {
  return [
    { path: 'placement.json', content: renderPlacementJson(p), source },
    { path: 'PLACEMENT.md', content: renderPlacementMarkdown(p), source },
  ];
}

/**
 * Reads the previous `placement.json` (its text) for churn. Anything unreadable counts as no previous
 * placement, so a damaged file never blocks a synth; the second value says why it was ignored.
 */
export function readPreviousPlacement(text: string): { previous?: PreviousPlacement; ignored?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ignored: `not JSON (${(e as Error).message})` };
  }
  const root = doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : {};
  if (root.format !== FORMAT || !Array.isArray(root.workloads)) return { ignored: `not a ${FORMAT} document` };
  const workloads: { name: string; assignments: { site: string; cluster?: string; pool?: string; node?: number; gpus?: number[] }[] }[] = [];
  for (const w of root.workloads as unknown[]) {
    const o = w && typeof w === 'object' ? (w as Record<string, unknown>) : {};
    if (typeof o.name !== 'string' || !Array.isArray(o.assignments)) continue;
    const assignments = (o.assignments as unknown[])
      .map((a) => (a && typeof a === 'object' ? (a as Record<string, unknown>) : {}))
      .filter((a) => typeof a.site === 'string')
      .map((a) => ({
        site: a.site as string,
        ...(typeof a.cluster === 'string' ? { cluster: a.cluster } : {}),
        ...(typeof a.pool === 'string' ? { pool: a.pool } : {}),
        ...(typeof a.node === 'number' ? { node: a.node } : {}),
        ...(Array.isArray(a.gpus) && a.gpus.every((g) => typeof g === 'number') ? { gpus: a.gpus as number[] } : {}),
      }));
    workloads.push({ name: o.name, assignments });
  }
  return { previous: { workloads } };
}
