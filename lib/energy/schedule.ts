/**
 * Energy-aware participation: which client sites take part in which windows of a federated job.
 *
 * The objective is the job's estimated emissions (or grid energy, for an abundance signal); the rules are
 * a minimum and maximum number of clients in every window, an eligibility threshold per window, and the
 * horizon [start, deadline). No rule couples two windows, so the problem decomposes per window and each
 * window is solved exactly: take the cheapest eligible sites, ties broken on the site name. Costs are never
 * negative, so without shares the optimum uses exactly `minClients` sites per window.
 * `minShare` (FedZero's per-client minimum participation) couples the windows: every client must take part in at
 * least ceil(minShare x windows) windows. That case is a min-cost flow with lower bounds (windows -> sites), whose
 * constraint matrix is totally unimodular, so the flow optimum is an exact 0/1 schedule; `maxClients` then bounds
 * how many sites a window may take to honour the shares.
 */
import { z } from 'zod';
import { ValidationError, fromZodIssues, type ValidationIssue } from '../model/errors';
import { MinCostFlow } from './flow';
import type { Signals } from './signals';

export const participationRulesSchema = z.strictObject({
  clients: z.array(z.string().min(1)).min(1).describe('Client sites (each holds data and runs one SuperNode).'),
  minClients: z.int().min(1).describe('Fewest clients in every window.'),
  maxClients: z.int().min(1).optional().describe('Most clients in a window. Default: all clients.'),
  roundMinutes: z.number().positive().describe('Length of one training round in minutes; a window holds floor(window / round) rounds.'),
  start: z.string().optional().describe('First instant of the job (ISO 8601). Default: start of the first signal window.'),
  deadline: z.string().optional().describe('The job ends by this instant (ISO 8601); windows ending later are not used. Default: end of the last signal window.'),
  powerKw: z.record(z.string(), z.number().min(0)).describe("Power the job's GPUs draw at each client site, in kW (include PUE if you want facility energy)."),
  maxIntensity: z.number().min(0).optional().describe('Carbon signal: a site is eligible in a window only at or below this gCO2/kWh. Default: no threshold.'),
  minAbundance: z.number().min(0).max(1).optional().describe('Abundance signal: a site is eligible only at or above this share. Default: no threshold.'),
  minShare: z.number().min(0).max(1).optional().describe('Every client takes part in at least this share of the windows (rounded up), so its data count. Default: 0.'),
});

/** The job's participation rules as users write them. */
export type ParticipationRules = z.input<typeof participationRulesSchema>;

/** One window of the plan. */
export interface PlannedWindow {
  readonly start: string;
  readonly end: string;
  /** Participating sites, sorted by name. Empty when the window is unschedulable. */
  readonly sites: readonly string[];
  /** Training rounds that fit in the window. */
  readonly rounds: number;
  /** Estimated emissions (g CO2) or grid energy (kWh) of the participants in this window. */
  readonly cost: number;
}

/** A window in which the rules cannot be met, and why. */
export interface UnschedulableWindow {
  readonly window: string;
  readonly reason: string;
}

/** A site's participation as contiguous time ranges [start, end). */
export interface ParticipationRange {
  readonly start: string;
  readonly end: string;
}

export interface ParticipationPlan {
  readonly kind: Signals['kind'];
  /** `gCO2` for a carbon signal, `kWh from the grid` for an abundance signal. */
  readonly unit: string;
  readonly windowMinutes: number;
  readonly windows: readonly PlannedWindow[];
  /** Per client site (sorted), merged ranges of participation. Sites that never take part have an empty list. */
  readonly ranges: Readonly<Record<string, readonly ParticipationRange[]>>;
  readonly estimate: {
    /** The plan's total. */
    readonly scheduled: number;
    /** Every client in every window of the horizon. */
    readonly alwaysOn: number;
    readonly saved: number;
    /** Saved as a percentage of always-on (0 when always-on is 0). */
    readonly savedPercent: number;
  };
  readonly unschedulable: readonly UnschedulableWindow[];
  /** True when every window meets the rules. */
  readonly ok: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Cost of one site in one window: kWh times intensity (carbon) or kWh not covered by surplus (abundance). */
export function windowCost(kind: Signals['kind'], powerKw: number, hours: number, value: number): number {
  const kwh = powerKw * hours;
  return kind === 'carbon' ? kwh * value : kwh * (1 - value);
}

/**
 * Plans participation. Throws a `ValidationError` for malformed rules or rules that name sites without
 * signals; returns a plan with `ok: false` and the offending windows when a window cannot be staffed.
 */
export function planParticipation(signals: Signals, rulesInput: ParticipationRules): ParticipationPlan {
  const parsed = participationRulesSchema.safeParse(rulesInput);
  if (!parsed.success) throw new ValidationError(fromZodIssues(rulesInput, parsed.error.issues, participationRulesSchema), 'invalid participation rules');
  const rules = parsed.data;
  const issues: ValidationIssue[] = [];
  const clients = [...new Set(rules.clients)].sort();
  const maxClients = rules.maxClients ?? clients.length;
  if (rules.minClients > clients.length) issues.push({ path: 'minClients', message: `${rules.minClients} clients per window but only ${clients.length} client sites (${clients.join(', ')})` });
  if (rules.maxClients !== undefined && maxClients < rules.minClients) issues.push({ path: 'maxClients', message: `must be at least minClients (${rules.minClients}); got ${maxClients}` });
  for (const c of clients) {
    if (!(c in signals.values)) issues.push({ path: `clients[${c}]`, message: `no signal for site '${c}' (signals cover: ${Object.keys(signals.values).sort().join(', ')})` });
    if (rules.powerKw[c] === undefined) issues.push({ path: `powerKw.${c}`, message: `give the power the job draws at '${c}' in kW` });
  }
  if (signals.kind === 'carbon' && rules.minAbundance !== undefined) issues.push({ path: 'minAbundance', message: 'applies to abundance signals; these signals are carbon intensities (use maxIntensity)' });
  if (signals.kind === 'abundance' && rules.maxIntensity !== undefined) issues.push({ path: 'maxIntensity', message: 'applies to carbon signals; these signals are abundance shares (use minAbundance)' });
  const stepMs = signals.intervalMinutes * 60000;
  const first = Date.parse(signals.windows[0]!);
  const last = Date.parse(signals.windows[signals.windows.length - 1]!) + stepMs;
  const start = rules.start === undefined ? first : Date.parse(rules.start);
  const deadline = rules.deadline === undefined ? last : Date.parse(rules.deadline);
  if (Number.isNaN(start)) issues.push({ path: 'start', message: `must be an ISO 8601 time; got '${rules.start}'` });
  if (Number.isNaN(deadline)) issues.push({ path: 'deadline', message: `must be an ISO 8601 time; got '${rules.deadline}'` });
  const rounds = Math.floor(signals.intervalMinutes / rules.roundMinutes);
  if (rounds < 1) issues.push({ path: 'roundMinutes', message: `a round (${rules.roundMinutes} min) must fit in one signal window (${signals.intervalMinutes} min)` });
  if (!Number.isNaN(deadline) && deadline > last) issues.push({ path: 'deadline', message: `${rules.deadline} is after the end of the signals (${iso(last)}); give signals (or forecasts) up to the deadline` });
  const horizon = signals.windows.map((w, i) => ({ w, i, t: Date.parse(w) })).filter(({ t }) => t >= start && t + stepMs <= deadline);
  if (issues.length === 0 && horizon.length === 0) issues.push({ path: 'deadline', message: `no whole signal window between ${iso(start)} and ${iso(deadline)}` });
  if (issues.length > 0) throw new ValidationError(issues, 'invalid participation rules');

  const hours = signals.intervalMinutes / 60;
  const windows: PlannedWindow[] = [];
  const unschedulable: UnschedulableWindow[] = [];
  let alwaysOn = 0;
  const table = horizon.map(({ w, i, t }) => {
    const costs = clients.map((s) => ({ s, v: signals.values[s]![i]!, c: windowCost(signals.kind, rules.powerKw[s]!, hours, signals.values[s]![i]!) }));
    alwaysOn += costs.reduce((a, x) => a + x.c, 0);
    return { w, t, costs, eligible: costs.filter((x) => eligibleValue(signals.kind, x.v, rules)) };
  });
  for (const row of table) {
    if (row.eligible.length >= rules.minClients) continue;
    const why = row.costs
      .filter((x) => !row.eligible.includes(x))
      .map((x) => `${x.s} at ${x.v}${signals.kind === 'carbon' ? ` gCO2/kWh is above maxIntensity ${rules.maxIntensity}` : ` is below minAbundance ${rules.minAbundance}`}`)
      .join('; ');
    unschedulable.push({ window: row.w, reason: `${row.eligible.length} eligible client${row.eligible.length === 1 ? '' : 's'} (${row.eligible.map((x) => x.s).join(', ') || 'none'}), minClients is ${rules.minClients}: ${why}` });
  }
  const minWindows = Math.ceil((rules.minShare ?? 0) * table.length - 1e-9);
  let chosen: string[][] | undefined;
  if (unschedulable.length === 0 && minWindows > 0) {
    for (const s of clients) {
      const n = table.filter((r) => r.eligible.some((x) => x.s === s)).length;
      if (n < minWindows) unschedulable.push({ window: `${table[0]!.w}/${iso(table[table.length - 1]!.t + stepMs)}`, reason: `${s} is eligible in ${n} window${n === 1 ? '' : 's'}, minShare ${rules.minShare} needs ${minWindows}` });
    }
    if (unschedulable.length === 0) {
      chosen = solveShares(table, clients, rules.minClients, maxClients, minWindows);
      if (!chosen) unschedulable.push({ window: `${table[0]!.w}/${iso(table[table.length - 1]!.t + stepMs)}`, reason: `minShare ${rules.minShare} (${minWindows} windows per client) cannot be met with at most ${maxClients} clients per window` });
    }
  }
  table.forEach((row, k) => {
    const end = iso(row.t + stepMs);
    if (unschedulable.length > 0 && (chosen === undefined || row.eligible.length < rules.minClients)) {
      if (row.eligible.length < rules.minClients || minWindows > 0) {
        windows.push({ start: row.w, end, rounds, cost: 0, sites: [] });
        return;
      }
    }
    const picked = chosen ? row.costs.filter((x) => chosen![k]!.includes(x.s)) : [...row.eligible].sort((a, b) => a.c - b.c || (a.s < b.s ? -1 : a.s > b.s ? 1 : 0)).slice(0, rules.minClients);
    windows.push({ start: row.w, end, rounds, sites: picked.map((x) => x.s).sort(), cost: round3(picked.reduce((a, x) => a + x.c, 0)) });
  });
  const scheduled = windows.reduce((a, x) => a + x.cost, 0);
  const ranges: Record<string, ParticipationRange[]> = {};
  for (const s of clients) ranges[s] = mergeRanges(windows.filter((x) => x.sites.includes(s)));
  return {
    kind: signals.kind,
    unit: signals.kind === 'carbon' ? 'gCO2' : 'kWh from the grid',
    windowMinutes: signals.intervalMinutes,
    windows,
    ranges,
    estimate: {
      scheduled: round3(scheduled),
      alwaysOn: round3(alwaysOn),
      saved: round3(alwaysOn - scheduled),
      savedPercent: alwaysOn > 0 ? Math.round(((alwaysOn - scheduled) / alwaysOn) * 10000) / 100 : 0,
    },
    unschedulable,
    ok: unschedulable.length === 0,
  };
}

function eligibleValue(kind: Signals['kind'], v: number, rules: z.output<typeof participationRulesSchema>): boolean {
  if (kind === 'carbon') return rules.maxIntensity === undefined || v <= rules.maxIntensity;
  return rules.minAbundance === undefined || v >= rules.minAbundance;
}

/** The exact coupled schedule: a min-cost circulation; undefined when the shares cannot be met. */
function solveShares(
  table: readonly { eligible: readonly { s: string; c: number }[] }[],
  clients: readonly string[],
  minClients: number,
  maxClients: number,
  minWindows: number,
): string[][] | undefined {
  const W = table.length;
  const S = 0;
  const T = 1 + W + clients.length;
  const f = new MinCostFlow(T + 1);
  table.forEach((_, k) => f.addEdge(S, 1 + k, minClients, maxClients, 0));
  const picks: { k: number; s: string; h: number }[] = [];
  table.forEach((row, k) => row.eligible.forEach((x) => picks.push({ k, s: x.s, h: f.addEdge(1 + k, 1 + W + clients.indexOf(x.s), 0, 1, x.c) })));
  clients.forEach((_, j) => f.addEdge(1 + W + j, T, minWindows, W, 0));
  f.addEdge(T, S, 0, W * clients.length, 0);
  if (!f.solve()) return undefined;
  const out: string[][] = table.map(() => []);
  for (const p of picks) if (f.flowOn(p.h) > 0) out[p.k]!.push(p.s);
  return out.map((l) => l.sort());
}

/** Merges contiguous windows into ranges. */
export function mergeRanges(windows: readonly { start: string; end: string }[]): ParticipationRange[] {
  const out: { start: string; end: string }[] = [];
  for (const w of [...windows].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const prev = out[out.length - 1];
    if (prev && Date.parse(prev.end) === Date.parse(w.start)) prev.end = w.end;
    else out.push({ start: w.start, end: w.end });
  }
  return out;
}

/** A short human-readable report of a plan (Markdown). */
export function formatPlanReport(plan: ParticipationPlan, title: string): string {
  const lines = [`# ${title}: energy-aware participation`, ''];
  const e = plan.estimate;
  lines.push(`- windows: ${plan.windows.length} of ${plan.windowMinutes} min; rounds per window: ${plan.windows[0]?.rounds ?? 0}`);
  lines.push(`- estimated ${plan.unit}: ${e.scheduled} scheduled vs ${e.alwaysOn} always-on; saved ${e.saved} (${e.savedPercent} %)`);
  lines.push(`- schedulable: ${plan.ok ? 'yes' : `no, ${plan.unschedulable.length} window(s)`}`);
  const first = plan.windows[0];
  const last = plan.windows[plan.windows.length - 1];
  // Dates only, no verdict: whether they lie ahead depends on the day synth runs, which the report must not.
  if (first && last) lines.push(`- horizon: ${first.start} to ${last.end}; cron triggers carry no year and repeat on these dates every year: synthesize again with fresh signals before ${last.end}`);
  lines.push('');
  for (const u of plan.unschedulable) lines.push(`  - ${u.window}: ${u.reason}`);
  lines.push('| site | takes part (UTC) |', '| --- | --- |');
  for (const s of Object.keys(plan.ranges).sort()) {
    const r = plan.ranges[s]!;
    lines.push(`| ${s} | ${r.length === 0 ? 'never' : r.map((x) => `${x.start} to ${x.end}`).join(', ')} |`);
  }
  return lines.join('\n') + '\n';
}
