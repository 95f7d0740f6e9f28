import { checkDatedSchedule, isoInstant, parseNow, type DatedSchedule } from '../../lib/energy/horizon';

const S: DatedSchedule = { what: "the participation schedule of Flower job 'fl'", start: '2026-06-01T00:00:00Z', end: '2026-06-03T00:00:00Z', fix: 'give fresh signals and synthesize again' };
const at = (iso: string) => Date.parse(iso);

describe('parseNow: "now" given at the edge', () => {
  it('reads dates (midnight UTC), instants with a zone and Date objects', () => {
    expect(parseNow('2026-06-01')).toEqual({ ms: at('2026-06-01T00:00:00Z') });
    expect(parseNow('2026-06-01T08:00:00+02:00')).toEqual({ ms: at('2026-06-01T06:00:00Z') });
    expect(parseNow(new Date('2026-06-01T06:00:00Z'))).toEqual({ ms: at('2026-06-01T06:00:00Z') });
  });

  it('refuses what is not an ISO 8601 date, an instant without a zone, and invalid dates', () => {
    expect(parseNow('yesterday')).toEqual({ problem: "must be an ISO 8601 date (2026-06-01) or instant with a zone (2026-06-01T08:00:00Z); got 'yesterday'" });
    expect('problem' in parseNow('2026-06-01T08:00:00')).toBe(true);
    expect('problem' in parseNow('2026-13-45')).toBe(true);
    expect('problem' in parseNow(new Date('nope'))).toBe(true);
  });
});

describe('checkDatedSchedule: cron triggers carry no year', () => {
  it('without now: a warning with the dates, never an error', () => {
    const f = checkDatedSchedule(S, undefined);
    expect(f.errors).toEqual([]);
    expect(f.warnings).toHaveLength(1);
    expect(f.warnings[0]).toMatch(/^the participation schedule of Flower job 'fl' runs from 2026-06-01T00:00:00Z to 2026-06-03T00:00:00Z; its cron triggers carry no year .* no "now" was given .*--now <ISO date>.*by 2026-06-03T00:00:00Z, give fresh signals/);
  });

  it('a horizon that ended before now is an error with its dates, the year the crons would fire next, and the fix', () => {
    expect(checkDatedSchedule(S, at('2026-11-30T02:00:00Z'))).toEqual({
      errors: [
        "the participation schedule of Flower job 'fl' lies before now (2026-11-30T02:00:00Z): its windows run from 2026-06-01T00:00:00Z to 2026-06-03T00:00:00Z, so its cron triggers would next fire on those dates in 2027 and leave what they scale at zero until then; give fresh signals and synthesize again",
      ],
      warnings: [],
    });
    // Signals from an earlier year whose month and day are still ahead would fire this year, on the wrong data.
    expect(checkDatedSchedule(S, at('2027-03-01T00:00:00Z')).errors[0]).toMatch(/next fire on those dates in 2027/);
    // The end is exclusive: at the end instant it has ended.
    expect(checkDatedSchedule(S, at(S.end)).errors).toHaveLength(1);
  });

  it('a horizon that has begun is a warning; one ahead is fine; one more than a year ahead is an error', () => {
    const begun = checkDatedSchedule(S, at('2026-06-02T00:00:00Z'));
    expect(begun.errors).toEqual([]);
    expect(begun.warnings[0]).toMatch(/began before now \(2026-06-02T00:00:00Z\): of its windows from 2026-06-01T00:00:00Z to 2026-06-03T00:00:00Z, those before 2026-06-02T00:00:00Z are lost/);
    expect(checkDatedSchedule(S, at('2026-05-31T00:00:00Z'))).toEqual({ errors: [], warnings: [] });
    expect(checkDatedSchedule(S, at('2025-05-01T00:00:00Z')).errors[0]).toMatch(/starts 2026-06-01T00:00:00Z, more than a year after now \(2025-05-01T00:00:00Z\)/);
  });

  it('writes instants without milliseconds', () => {
    expect(isoInstant(at('2026-06-01T00:00:00Z'))).toBe('2026-06-01T00:00:00Z');
  });
});
