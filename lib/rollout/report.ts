/**
 * ROLLOUT.md and rollout.json: the stages, their members, what each canary covers, and which clusters'
 * folders differ from a base tree the user names (never "whatever the last synth wrote", so a second
 * synth of the same input changes no byte). Pure.
 */
import type { ResolvedStage } from './stages';
import { describeWindow } from './window';

export interface RolloutReportInput {
  readonly stages: readonly ResolvedStage[];
  /** cluster name -> the folders that are its (`sites/<site>/<cluster>`, `management/clusters/<cluster>`). */
  readonly folders: ReadonlyMap<string, readonly string[]>;
  readonly tree: ReadonlyMap<string, string>;
  /** The base to compare with, and the name the report gives it (as the user wrote it). */
  readonly base?: { readonly name: string; readonly tree: ReadonlyMap<string, string> };
  /** Per stage: how the chosen engine carries it out, one line each. */
  readonly engineNotes: readonly string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Files under any of the folders that were added, removed or changed between base and tree. */
export function changedFiles(folders: readonly string[], tree: ReadonlyMap<string, string>, base: ReadonlyMap<string, string>): string[] {
  const inside = (p: string) => folders.some((f) => p.startsWith(`${f}/`));
  const paths = new Set([...[...tree.keys()].filter(inside), ...[...base.keys()].filter(inside)]);
  return [...paths].filter((p) => tree.get(p) !== base.get(p)).sort(cmp);
}

export function rolloutReport(input: RolloutReportInput): { markdown: string; json: string } {
  const stages = input.stages.map((s) => {
    const changed = input.base
      ? s.clusters.filter((c) => changedFiles(input.folders.get(c) ?? [], input.tree, input.base!.tree).length > 0)
      : undefined;
    return {
      name: s.name,
      how: s.how,
      clusters: [...s.clusters],
      ...(s.maxConcurrency !== undefined ? { maxConcurrency: s.maxConcurrency } : {}),
      soak: s.soak,
      ...(s.healthGates.length > 0 ? { healthGates: s.healthGates } : {}),
      ...(s.window ? { window: s.window } : {}),
      ...(s.approval ? { approval: s.approval } : {}),
      ...(s.canaries
        ? { canaries: { covers: s.canaries.covers, uncovered: s.canaries.uncovered, score: { triples: s.canaries.score[0], pairs: s.canaries.score[1], values: s.canaries.score[2] }, exact: s.canaries.exact } }
        : {}),
      ...(changed ? { changed } : {}),
    };
  });
  const managementChanged = input.base ? changedFiles(['management/fleet'], input.tree, input.base.tree) : undefined;
  const json = `${JSON.stringify({ base: input.base?.name ?? null, stages, ...(managementChanged ? { managementFleetChanged: managementChanged.length > 0 } : {}), engine: input.engineNotes }, null, 2)}\n`;
  const md: string[] = ['# Rollout', ''];
  md.push(input.base ? `Compared with the base \`${input.base.name}\`.` : 'No base given: the change list is not computed (name a base tree to see the blast radius of each stage).', '');
  if (managementChanged && managementChanged.length > 0) md.push(`The fleet-wide management folder (management/fleet) changes: it applies before every stage.`, '');
  stages.forEach((s, i) => {
    md.push(`## Stage ${i + 1}: ${s.name}`, '');
    md.push(`- clusters: ${s.clusters.length} (${s.how})`);
    md.push(`- at once: ${s.maxConcurrency ?? 'all'}; soak after healthy: ${s.soak}`);
    if (s.approval) md.push(`- starts after manual approval`);
    if (s.window) md.push(`- starts only inside ${describeWindow(s.window)}`);
    if (s.healthGates) md.push(`- healthy when: ${s.healthGates.map((g) => `${g.kind} ${g.namespace ? `${g.namespace}/` : ''}${g.name}`).join(', ')}`);
    if (s.changed) md.push(`- changed against the base: ${s.changed.length}${s.changed.length > 0 ? ` (${s.changed.join(', ')})` : ''}`);
    md.push('');
    if (s.canaries) {
      md.push('| canary | region | hardware | mode |', '|---|---|---|---|');
      for (const c of s.canaries.covers) md.push(`| ${c.cluster} | ${c.region} | ${c.hardware} | ${c.mode} |`);
      md.push('');
      md.push(s.canaries.uncovered.length === 0 ? 'Every (region, hardware, mode) combination of the fleet has a canary.' : `Combinations without a canary (region | hardware | mode): ${s.canaries.uncovered.join('; ')}.`);
      if (!s.canaries.exact) md.push('The search stopped at its budget: the coverage is the best found, not proved best.');
      md.push('');
    } else {
      md.push(`Members: ${s.clusters.join(', ')}`, '');
    }
  });
  if (input.engineNotes.length > 0) md.push('## How the engine carries it out', '', ...input.engineNotes.map((n) => `- ${n}`), '');
  return { markdown: md.join('\n'), json };
}

/**
 * The canaries each stage chose, read from a previous rollout.json (saved state in the output, read at the
 * edge by `Fleet.synth`). Anything unreadable gives no previous canaries: the choice is then made afresh.
 */
export function readPreviousCanaries(json: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  try {
    const r = JSON.parse(json) as { stages?: { name?: unknown; how?: unknown; clusters?: unknown }[] };
    for (const s of Array.isArray(r.stages) ? r.stages : []) {
      if (s && s.how === 'canaries' && typeof s.name === 'string' && Array.isArray(s.clusters)) out[s.name] = s.clusters.filter((c): c is string => typeof c === 'string');
    }
  } catch {
    return {};
  }
  return out;
}
