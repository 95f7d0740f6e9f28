/**
 * A schedule whose signal horizon lies before "now" is reported with its dates; "now" is plain data given at
 * the edge (Fleet.synth/toTree, the CLI's --now), never a clock in the constructs, and the output never depends on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../../lib/model/errors';
import { flFleet } from './fl-fleet';
import { tmpDir } from '../helpers';
import { main } from '../../bin/cli';

// The sample signals cover 2026-06-01T00:00Z to 2026-06-03T00:00Z.
const HORIZON = /2026-06-01T00:00:00Z to 2026-06-03T00:00:00Z/;

describe('dated schedules of a FederatedLearningJob', () => {
  it('with a now after the horizon, synth stops, naming the job, the field, the dates and the fix', () => {
    const { fleet } = flFleet();
    let err: unknown;
    try {
      fleet.toTree({ now: '2026-11-30T02:39:00Z' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const issues = (err as ValidationError).issues.filter((i) => i.path === 'geo/fl: energy.signals');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/^the participation schedule of Flower job 'fl' lies before now \(2026-11-30T02:39:00Z\): its windows run from 2026-06-01T00:00:00Z to 2026-06-03T00:00:00Z, so its cron triggers would next fire on those dates in 2027 .*give energy\.signals \(forecasts\) for the days ahead and synthesize again$/);
    // The same in the placement (the CLI's plan) and for an unreadable now.
    expect(() => fleet.placement({ now: new Date('2026-11-30T00:00:00Z') })).toThrow(/geo\/fl: energy\.signals: the participation schedule .* lies before now/);
    expect(() => fleet.toTree({ now: 'last tuesday' })).toThrow(/geo: now: must be an ISO 8601 date/);
  });

  it('with a now before the horizon, nothing to report; without now, a warning with the dates; the tree is the same either way', () => {
    const { fleet } = flFleet();
    expect(fleet.timeChecks('2026-05-30')).toEqual({ issues: [], warnings: [] });
    const warned = fleet.timeChecks();
    expect(warned.issues).toEqual([]);
    expect(warned.warnings).toHaveLength(1);
    expect(warned.warnings[0]).toMatch(/^geo\/fl: energy\.signals: the participation schedule of Flower job 'fl' runs from 2026-06-01T00:00:00Z to 2026-06-03T00:00:00Z; its cron triggers carry no year/);
    const a = flFleet().fleet.toTree({ now: '2026-05-30' });
    const b = flFleet().fleet.toTree();
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(b.get(k)).toBe(v);
    // The report beside the SuperLink states the horizon (dates only, the same whatever the day).
    expect(a.get('sites/frankfurt/frankfurt/flower-fl-participation.md')).toMatch(/- horizon: 2026-06-01T00:00:00Z to 2026-06-03T00:00:00Z; cron triggers carry no year/);
  });

  it('Fleet.synth prints the warnings to the console and returns them, and writes none of them', () => {
    const { fleet } = flFleet();
    const out = tmpDir();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const result = fleet.synth({ outdir: out, templates: 'skip' });
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]).toMatch(HORIZON);
      expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => HORIZON.test(m))).toEqual([`cdk8s-k0smos: warning: ${result.warnings[0]}`]);
    } finally {
      warn.mockRestore();
    }
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const f of files(out)) expect(fs.readFileSync(f, 'utf8')).not.toMatch(/no "now" was given|lies before now/);
  });

  it('a job with no energy schedule declares no dated schedule', () => {
    const { fleet } = flFleet({ energy: undefined });
    expect(fleet.timeChecks('2030-01-01')).toEqual({ issues: [], warnings: [] });
  });
});

describe('the CLI takes --now at the edge', () => {
  const FLEET = path.join(__dirname, '../../apps/fleet.yaml');
  async function run(...argv: string[]): Promise<{ code: number; err: string[] }> {
    const err: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(' ')));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      return { code: await main(argv), err };
    } finally {
      spy.mockRestore();
      log.mockRestore();
      out.mockRestore();
    }
  }

  it('refuses a --now that is not an ISO date, as a usage error', async () => {
    const r = await run('plan', FLEET, '--greedy', '--now', 'tomorrow');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^cdk8s-k0smos plan: --now must be an ISO 8601 date .*got 'tomorrow'; usage: cdk8s-k0smos plan .*\[--now ISO-DATE\]$/);
    expect((await run('synth', FLEET, '--out', tmpDir(), '--now', '2026-06-01T08:00')).code).toBe(2);
  });

  it('accepts an ISO date on plan (the fleet.yaml has no dated schedule, so nothing to report)', async () => {
    const r = await run('plan', FLEET, '--greedy', '--now', '2026-06-01');
    expect([0, 3]).toContain(r.code);
    expect(r.err.filter((l) => /warning/.test(l))).toEqual([]);
  });
});
