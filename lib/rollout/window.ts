/**
 * Time windows of rollout stages, in the user's time zone, compiled to what each engine reads. Pure: no
 * clock; the offsets of a zone are read from the ICU data for a fixed year, and "now" (for "is the window
 * open?") is an argument given at the edge.
 *
 * Upstream facts:
 * - k0s autopilot `UpdateConfig.spec.upgradeStrategy.periodic{days,startTime,length}`: `days` are Go
 *   weekday names (`Monday`), `startTime` is `15:04` in the controller's local zone (`time.Local`, UTC on
 *   k0s hosts unless set otherwise), `length` a Go duration; the check compares with the same day's start
 *   time, so a window that crosses midnight ends at midnight (k0s pkg/apis/autopilot/v1beta2/updateconfig.go,
 *   IsWithinPeriod).
 * - Sveltos `ClusterPromotion` `trigger.auto.promotionWindow{from,to}` are cron expressions parsed with
 *   robfig/cron `ParseStandard`, which takes a `CRON_TZ=<zone>` prefix.
 * - Argo CD `AppProject.spec.syncWindows[]{kind,schedule,duration,timeZone,clusters}`.
 */
import type { ValidationIssue } from '../model/errors';

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';
export const WEEKDAYS: readonly Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const GO_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** Cron day-of-week numbers (Sunday 0) by our index (Monday 0). */
const CRON_DOW = [1, 2, 3, 4, 5, 6, 0];

/** A recurring window in a time zone: on `days`, from `start` for `length`. */
export interface StageWindow {
  /** IANA time zone of `start`, e.g. `Europe/Paris`, `America/New_York`, `UTC`. */
  readonly timeZone: string;
  /** Days the window opens. @default - every day */
  readonly days?: readonly Weekday[];
  /** Local opening time, `HH:MM` (24 h). */
  readonly start: string;
  /** How long it stays open: `<n>h`, `<n>m` or `<n>h<n>m`, less than 24 h. */
  readonly length: string;
}

const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const LENGTH = /^(?:([0-9]+)h)?(?:([0-9]+)m)?$/;

function lengthMinutes(l: string): number | undefined {
  const m = LENGTH.exec(l);
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

function startMinutes(s: string): number {
  const m = HHMM.exec(s)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Problems of a window, with `at` as the path. */
export function windowIssues(at: string, w: StageWindow): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!validZone(w.timeZone)) issues.push({ path: `${at}.timeZone`, message: `'${w.timeZone}' is not a time zone this Node.js knows; give an IANA name such as 'Europe/Paris' or 'UTC'` });
  if (!HHMM.test(w.start)) issues.push({ path: `${at}.start`, message: `'${w.start}' is not a time of day; write HH:MM (24 h), e.g. '02:00'` });
  const len = lengthMinutes(w.length);
  if (len === undefined || len <= 0 || len >= 24 * 60) issues.push({ path: `${at}.length`, message: `'${w.length}' is not a length between 1m and 23h59m; write e.g. '4h' or '1h30m'` });
  for (const d of w.days ?? []) if (!WEEKDAYS.includes(d)) issues.push({ path: `${at}.days`, message: `'${d}' is not a day; use ${WEEKDAYS.join(', ')}` });
  if (w.days && w.days.length === 0) issues.push({ path: `${at}.days`, message: 'is empty: the window would never open; leave it out for every day' });
  return issues;
}

/** Minutes east of UTC of `tz` at instant `ms`. */
export function offsetAt(tz: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((local - Math.floor(ms / 60000) * 60000) / 60000);
}

/** The distinct offsets of a zone over a fixed year (2026), sorted: one without daylight saving time, two with. */
export function zoneOffsets(tz: string): number[] {
  const seen = new Set<number>();
  const start = Date.UTC(2026, 0, 1, 12);
  for (let d = 0; d < 365; d++) seen.add(offsetAt(tz, start + d * 86_400_000));
  return [...seen].sort((a, b) => a - b);
}

const days = (w: StageWindow) => (w.days ?? WEEKDAYS).map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b);
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const goDuration = (m: number) => (m % 60 === 0 ? `${m / 60}h` : m < 60 ? `${m}m` : `${Math.floor(m / 60)}h${m % 60}m`);

/** A window as k0s autopilot reads it (UTC), and what was narrowed to get there. */
export interface AutopilotWindow {
  readonly periodic: { readonly days: string[]; readonly startTime: string; readonly length: string };
  /** What differs from the window as given (daylight saving time, a cut at midnight UTC). */
  readonly notes: string[];
}

/**
 * The window in UTC for autopilot (whose controllers read `startTime` in their own zone: UTC here). A zone
 * with daylight saving time has two UTC equivalents; the part open in both is kept, so the upgrade never
 * starts outside the local window. Undefined (with the reason) when nothing is left.
 */
export function autopilotWindow(w: StageWindow): AutopilotWindow | { readonly problem: string } {
  const offsets = zoneOffsets(w.timeZone);
  const s = startMinutes(w.start);
  const len = lengthMinutes(w.length)!;
  const notes: string[] = [];
  const spread = offsets[offsets.length - 1]! - offsets[0]!;
  // UTC = local - offset; the part open under every offset starts at the latest UTC start (smallest offset).
  let startUtc = s - offsets[0]!;
  let length = len - spread;
  if (length <= 0) return { problem: `the window ${w.start}+${w.length} ${w.timeZone} has no part that is inside it both in standard and in daylight saving time (the offset moves by ${spread} minutes); lengthen it beyond ${goDuration(spread)}` };
  if (spread > 0) notes.push(`${w.timeZone} moves by ${spread} minutes over the year: the UTC window keeps the ${goDuration(length)} open in both standard and daylight saving time`);
  let shift = Math.floor(startUtc / 1440);
  startUtc -= shift * 1440;
  if (startUtc + length > 1440) {
    // Keep the longer of the parts before and after midnight UTC.
    const before = 1440 - startUtc;
    const after = startUtc + length - 1440;
    const kept = after > before ? after : before;
    notes.push(`autopilot ends a window at midnight of the day it opened (UTC): the ${goDuration(length)} from ${hhmm(startUtc)} UTC is cut to the ${goDuration(kept)} ${after > before ? 'after' : 'before'} midnight`);
    if (after > before) {
      shift += 1;
      startUtc = 0;
    }
    length = kept;
  }
  return {
    periodic: { days: days(w).map((d) => GO_NAMES[(d + shift + 7) % 7]!), startTime: hhmm(startUtc), length: goDuration(length) },
    notes,
  };
}

/** The window as a Sveltos promotionWindow (`CRON_TZ=<zone>` cron expressions for opening and closing). */
export function sveltosWindow(w: StageWindow): { from: string; to: string } {
  const s = startMinutes(w.start);
  const end = s + lengthMinutes(w.length)!;
  const ds = days(w);
  const dow = (shift: number) => (ds.length === 7 ? '*' : ds.map((d) => CRON_DOW[(d + shift) % 7]).sort((a, b) => a - b).join(','));
  return {
    from: `CRON_TZ=${w.timeZone} ${s % 60} ${Math.floor(s / 60)} * * ${dow(0)}`,
    to: `CRON_TZ=${w.timeZone} ${end % 60} ${Math.floor(end / 60) % 24} * * ${dow(end >= 1440 ? 1 : 0)}`,
  };
}

/** The window as an Argo CD sync window (allow) for the given destination clusters. */
export function argoSyncWindow(w: StageWindow, clusters: readonly string[]): Record<string, unknown> {
  const s = startMinutes(w.start);
  const ds = days(w);
  return {
    kind: 'allow',
    schedule: `${s % 60} ${Math.floor(s / 60)} * * ${ds.length === 7 ? '*' : ds.map((d) => CRON_DOW[d]).sort((a, b) => a - b).join(',')}`,
    duration: goDuration(lengthMinutes(w.length)!),
    timeZone: w.timeZone,
    clusters: [...clusters],
    applications: ['*'],
  };
}

/** A window in words, e.g. `Tue, Thu 02:00 for 4h (Europe/Paris)`. */
export function describeWindow(w: StageWindow): string {
  return `${w.days ? days(w).map((d) => WEEKDAYS[d]).join(', ') : 'every day'} ${w.start} for ${w.length} (${w.timeZone})`;
}

/**
 * Whether the window is open at `now` (given at the edge), and when it next opens and closes. For
 * whoever promotes a stage by hand or from CI (Flux branches, k0rdent): the output never depends on it.
 */
export function windowAt(w: StageWindow, now: Date): { readonly open: boolean; readonly opens: Date; readonly closes: Date } {
  const s = startMinutes(w.start);
  const len = lengthMinutes(w.length)!;
  const ds = days(w);
  const t = now.getTime();
  // Walk from two days back over local days; an opening is the local start time on an allowed day.
  const localDay = (ms: number) => {
    const off = offsetAt(w.timeZone, ms);
    const l = new Date(ms + off * 60000);
    return Date.UTC(l.getUTCFullYear(), l.getUTCMonth(), l.getUTCDate());
  };
  const first = localDay(t) - 2 * 86_400_000;
  for (let i = 0; i < 10; i++) {
    const day = first + i * 86_400_000;
    const dow = (new Date(day).getUTCDay() + 6) % 7;
    if (!ds.includes(dow)) continue;
    const localStart = day + s * 60000;
    // Local wall time to instant: correct by the offset at that moment (twice, for the transition days).
    let opens = localStart - offsetAt(w.timeZone, localStart) * 60000;
    opens = localStart - offsetAt(w.timeZone, opens) * 60000;
    const closes = opens + len * 60000;
    if (closes > t) return { open: opens <= t, opens: new Date(opens), closes: new Date(closes) };
  }
  throw new Error('unreachable: a window with at least one day opens within a week');
}
