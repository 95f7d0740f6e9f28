/**
 * Schedules bound to dates, checked against a "now" that the edge (app, CLI) gives as plain data: nothing
 * here reads a clock. Cron expressions carry minute, hour, day and month but no year, so a schedule built
 * from signals whose horizon has passed fires again only a year later, on the same dates, and leaves what it
 * scales at zero until then; one that starts more than a year ahead fires this year instead.
 */

/** A schedule whose triggers are tied to calendar dates. */
export interface DatedSchedule {
  /** What it drives, in the user's words, e.g. `the participation schedule of Flower job 'fl'`. */
  readonly what: string;
  /** First instant of its horizon (ISO 8601). */
  readonly start: string;
  /** The instant its horizon ends (ISO 8601, exclusive). */
  readonly end: string;
  /** How to refresh it, e.g. `give signals (or forecasts) for the coming days and synthesize again`. */
  readonly fix: string;
}

/** What a time check found: errors stop synth, warnings are printed at the edge. */
export interface TimeFindings {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An instant as ISO 8601 UTC without milliseconds. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Reads a "now" given at the edge: a `Date`, or an ISO 8601 date (`2026-06-01`, midnight UTC) or instant with a
 * zone (`2026-06-01T08:00:00Z`, `...+02:00`). Returns the epoch milliseconds, or a problem to report.
 */
export function parseNow(input: string | Date): { readonly ms: number } | { readonly problem: string } {
  if (input instanceof Date) {
    const ms = input.getTime();
    return Number.isNaN(ms) ? { problem: 'is an invalid Date' } : { ms };
  }
  if (!ISO.test(input)) return { problem: `must be an ISO 8601 date (2026-06-01) or instant with a zone (2026-06-01T08:00:00Z); got '${input}'` };
  const ms = Date.parse(/T/.test(input) ? input : `${input}T00:00:00Z`);
  return Number.isNaN(ms) ? { problem: `is not a real date; got '${input}'` } : { ms };
}

/**
 * Checks one dated schedule. With `nowMs`: a horizon that has ended is an error, one that starts more than a
 * year ahead is an error (its crons would fire this year), one that has begun is a warning (its past windows
 * are lost). Without: a warning that prints the dates, since nothing can say whether they lie ahead.
 */
export function checkDatedSchedule(s: DatedSchedule, nowMs: number | undefined): TimeFindings {
  const start = Date.parse(s.start);
  const end = Date.parse(s.end);
  const span = `${isoInstant(start)} to ${isoInstant(end)}`;
  if (nowMs === undefined) {
    return {
      errors: [],
      warnings: [
        `${s.what} runs from ${span}; its cron triggers carry no year and recur on these dates every year, and no "now" was given to check that they lie ahead (pass now to Fleet.synth/toTree, or --now <ISO date>); by ${isoInstant(end)}, ${s.fix}`,
      ],
    };
  }
  const now = isoInstant(nowMs);
  if (end <= nowMs) {
    // The first time after now that the calendar shows the start's month, day and time again.
    const next = new Date(nowMs).getUTCFullYear() + (monthDay(start) > monthDay(nowMs) ? 0 : 1);
    return {
      errors: [`${s.what} lies before now (${now}): its windows run from ${span}, so its cron triggers would next fire on those dates in ${next} and leave what they scale at zero until then; ${s.fix}`],
      warnings: [],
    };
  }
  if (start - nowMs > YEAR_MS) {
    return { errors: [`${s.what} starts ${isoInstant(start)}, more than a year after now (${now}): cron triggers carry no year, so they would fire on these dates within the coming year instead; plan with signals for the coming year`], warnings: [] };
  }
  if (start < nowMs) {
    return { errors: [], warnings: [`${s.what} began before now (${now}): of its windows from ${span}, those before ${now} are lost (their cron triggers fire again a year later); ${s.fix}`] };
  }
  return { errors: [], warnings: [] };
}

/** Month and day (and time) of an instant as a sortable number, to tell whether a date has passed this year. */
function monthDay(ms: number): number {
  const d = new Date(ms);
  return ((d.getUTCMonth() * 32 + d.getUTCDate()) * 24 + d.getUTCHours()) * 60 + d.getUTCMinutes();
}
