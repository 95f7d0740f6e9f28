/**
 * Per-site energy signals: grid carbon intensity (WattTime-style marginal emissions) or an energy-abundance
 * share, on a regular time grid. Parsers take text (file reading belongs to the edge) and report every
 * problem with its row or field.
 */
import { ValidationError, type ValidationIssue } from '../model/errors';

/** What a signal measures. `carbon`: gCO2/kWh, lower is better. `abundance`: share 0..1 of surplus renewable power, higher is better. */
export type SignalKind = 'carbon' | 'abundance';

/** Units accepted for carbon signals; WattTime's `lbs/MWh` is converted to gCO2/kWh (1 lb/MWh = 0.45359237 g/kWh). */
export type CarbonUnit = 'gCO2/kWh' | 'lbs/MWh';

const LB_PER_MWH_IN_G_PER_KWH = 0.45359237;

/** Signals for several sites on one regular grid of windows. */
export interface Signals {
  readonly kind: SignalKind;
  /** Length of one window in minutes. */
  readonly intervalMinutes: number;
  /** Window start times, ISO 8601 UTC (`2026-06-01T00:00:00Z`), ascending. */
  readonly windows: readonly string[];
  /** Per site (sorted by name), one value per window: gCO2/kWh for carbon, 0..1 for abundance. */
  readonly values: Readonly<Record<string, readonly number[]>>;
}

interface Point {
  readonly site: string;
  readonly time: number;
  readonly value: number;
  readonly where: string;
}

function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function parseTime(s: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

const SITE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Builds the grid from points, checking kind, ranges, duplicates, regularity and alignment across sites. */
function assemble(kind: SignalKind, unit: string | undefined, points: Point[], issues: ValidationIssue[]): Signals {
  const factor = unit === 'lbs/MWh' ? LB_PER_MWH_IN_G_PER_KWH : 1;
  if (kind === 'abundance' && unit !== undefined && unit !== 'share') issues.push({ path: 'unit', message: `an abundance signal is a share 0..1 (unit 'share'); got '${unit}'` });
  if (kind === 'carbon' && unit !== undefined && unit !== 'gCO2/kWh' && unit !== 'lbs/MWh') {
    issues.push({ path: 'unit', message: `carbon unit must be 'gCO2/kWh' or 'lbs/MWh' (WattTime MOER); got '${unit}'` });
  }
  for (const p of points) {
    if (kind === 'abundance' && (p.value < 0 || p.value > 1)) issues.push({ path: `${p.where}.value`, message: `abundance must be between 0 and 1; got ${p.value}` });
    if (kind === 'carbon' && p.value < 0) issues.push({ path: `${p.where}.value`, message: `carbon intensity cannot be negative; got ${p.value}` });
  }
  const bySite = new Map<string, Map<number, Point>>();
  for (const p of points) {
    const m = bySite.get(p.site) ?? new Map<number, Point>();
    const prev = m.get(p.time);
    if (prev) issues.push({ path: p.where, message: `site '${p.site}' has a second value for ${isoUtc(p.time)} (first at ${prev.where}); keep one` });
    else m.set(p.time, p);
    bySite.set(p.site, m);
  }
  if (points.length === 0) issues.push({ path: '', message: 'no signal values; give at least one site with one value' });
  const sites = [...bySite.keys()].sort();
  const times = [...new Set(points.map((p) => p.time))].sort((a, b) => a - b);
  let interval = 0;
  if (times.length >= 2) {
    interval = times[1]! - times[0]!;
    for (let i = 2; i < times.length; i++) {
      if (times[i]! - times[i - 1]! !== interval) {
        issues.push({ path: '', message: `times must form a regular grid: ${isoUtc(times[i - 1]!)} to ${isoUtc(times[i]!)} is ${(times[i]! - times[i - 1]!) / 60000} min, the first step is ${interval / 60000} min` });
        break;
      }
    }
  }
  for (const s of sites) {
    const missing = times.filter((t) => !bySite.get(s)!.has(t));
    if (missing.length > 0) issues.push({ path: `sites[${s}]`, message: `no value for ${missing.slice(0, 3).map(isoUtc).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}; every site needs a value for every window` });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'invalid signals');
  const values: Record<string, number[]> = {};
  for (const s of sites) values[s] = times.map((t) => round6(bySite.get(s)!.get(t)!.value * factor));
  return { kind, intervalMinutes: times.length >= 2 ? interval / 60000 : 60, windows: times.map(isoUtc), values };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Options for {@link parseSignalsCsv}. */
export interface CsvSignalOptions {
  /**
   * What the `value` column measures.
   * @default 'carbon'
   */
  readonly kind?: SignalKind;
  /**
   * Unit of carbon values when the file has no `unit` column.
   * @default 'gCO2/kWh'
   */
  readonly unit?: CarbonUnit;
}

/**
 * Parses CSV with a header naming at least `time`, `site` and `value` (any order; an optional `unit` column,
 * one unit for the whole file). Lines starting with `#` and blank lines are skipped. Errors name the line.
 */
export function parseSignalsCsv(text: string, options: CsvSignalOptions = {}): Signals {
  const issues: ValidationIssue[] = [];
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  const points: Point[] = [];
  const units = new Set<string>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    const where = `line ${i + 1}`;
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      for (const col of ['time', 'site', 'value']) if (!header.includes(col)) issues.push({ path: where, message: `header must name a '${col}' column; got ${cells.join(',')}` });
      return;
    }
    if (cells.length !== header.length) {
      issues.push({ path: where, message: `has ${cells.length} fields, the header has ${header.length}` });
      return;
    }
    const get = (col: string) => cells[header!.indexOf(col)];
    const site = get('site') ?? '';
    const timeText = get('time') ?? '';
    const valueText = get('value') ?? '';
    const time = parseTime(timeText);
    const value = valueText === '' ? NaN : Number(valueText);
    if (!SITE.test(site)) issues.push({ path: `${where}.site`, message: `must be a site name (lower-case DNS label); got '${site}'` });
    if (time === undefined) issues.push({ path: `${where}.time`, message: `must be an ISO 8601 time with a zone, e.g. 2026-06-01T00:00:00Z; got '${timeText}'` });
    if (!Number.isFinite(value)) issues.push({ path: `${where}.value`, message: `must be a number; got '${valueText}'` });
    if (header.includes('unit')) units.add(get('unit') ?? '');
    if (SITE.test(site) && time !== undefined && Number.isFinite(value)) points.push({ site, time, value, where });
  });
  if (!header) issues.push({ path: '', message: 'empty file; expected a header line time,site,value' });
  if (units.size > 1) issues.push({ path: 'unit', message: `one unit per file; got ${[...units].sort().join(', ')}` });
  const unit = units.size === 1 ? [...units][0] : options.unit;
  return assemble(options.kind ?? 'carbon', unit, points, issues);
}

/**
 * Parses JSON of the shape `{ "kind": "carbon", "unit": "gCO2/kWh", "start": "<ISO time>", "intervalMinutes": 60,
 * "sites": { "<site>": [v0, v1, ...] } }`. Errors name the field (`sites.quebec[3]`).
 */
export function parseSignalsJson(text: string): Signals {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ValidationError([{ path: '', message: `not valid JSON: ${(e as Error).message}` }], 'invalid signals');
  }
  const issues: ValidationIssue[] = [];
  const o = (data && typeof data === 'object' && !Array.isArray(data) ? data : {}) as Record<string, unknown>;
  const kind = o.kind ?? 'carbon';
  if (kind !== 'carbon' && kind !== 'abundance') issues.push({ path: 'kind', message: `must be 'carbon' or 'abundance'; got ${JSON.stringify(kind)}` });
  const unit = o.unit === undefined ? undefined : String(o.unit);
  const start = typeof o.start === 'string' ? parseTime(o.start) : undefined;
  if (start === undefined) issues.push({ path: 'start', message: `must be an ISO 8601 time with a zone; got ${JSON.stringify(o.start)}` });
  const interval = o.intervalMinutes;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval <= 0) issues.push({ path: 'intervalMinutes', message: `must be a positive whole number of minutes; got ${JSON.stringify(interval)}` });
  const sites = (o.sites && typeof o.sites === 'object' && !Array.isArray(o.sites) ? o.sites : undefined) as Record<string, unknown> | undefined;
  if (!sites) issues.push({ path: 'sites', message: 'must map site names to lists of values' });
  const points: Point[] = [];
  for (const site of Object.keys(sites ?? {}).sort()) {
    const list = sites![site];
    if (!SITE.test(site)) issues.push({ path: `sites.${site}`, message: 'must be a site name (lower-case DNS label)' });
    if (!Array.isArray(list)) {
      issues.push({ path: `sites.${site}`, message: 'must be a list of numbers' });
      continue;
    }
    list.forEach((v, i) => {
      const where = `sites.${site}[${i}]`;
      if (typeof v !== 'number' || !Number.isFinite(v)) issues.push({ path: where, message: `must be a number; got ${JSON.stringify(v)}` });
      else if (start !== undefined && typeof interval === 'number') points.push({ site, time: start + i * interval * 60000, value: v, where });
    });
  }
  const out = assemble(kind === 'abundance' ? 'abundance' : 'carbon', unit, points, issues);
  return typeof interval === 'number' ? { ...out, intervalMinutes: interval } : out;
}

/** Parses a signal file's text by its name: `.csv` as CSV, anything else as JSON. */
export function parseSignals(fileName: string, text: string, csv: CsvSignalOptions = {}): Signals {
  return fileName.toLowerCase().endsWith('.csv') ? parseSignalsCsv(text, csv) : parseSignalsJson(text);
}
