import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../../lib/model/errors';
import { mulberry32, sampleSignalsText } from '../../lib/energy/synthetic';
import { parseSignalsCsv, parseSignalsJson, type Signals } from '../../lib/energy/signals';
import { planParticipation, windowCost, type ParticipationRules } from '../../lib/energy/schedule';
import { REPO_ROOT } from '../helpers';

const SAMPLE = path.join(REPO_ROOT, 'data', 'signals', 'sample.json');

/** Independent check: every subset of clients in every window, the best feasible combination by exhaustive search. */
function bruteForce(signals: Signals, rules: ParticipationRules): { cost: number; feasible: boolean } {
  const clients = [...rules.clients].sort();
  const hours = signals.intervalMinutes / 60;
  const max = rules.maxClients ?? clients.length;
  const minWindows = Math.ceil((rules.minShare ?? 0) * signals.windows.length - 1e-9);
  const perWindow: { cost: number; chosen: string[] }[][] = signals.windows.map((_, i) => {
    const options: { cost: number; chosen: string[] }[] = [];
    for (let mask = 0; mask < 1 << clients.length; mask++) {
      const chosen = clients.filter((_, b) => mask & (1 << b));
      if (chosen.length < rules.minClients || chosen.length > max) continue;
      if (rules.maxIntensity !== undefined && chosen.some((s) => signals.values[s]![i]! > rules.maxIntensity!)) continue;
      options.push({ cost: chosen.reduce((a, s) => a + rules.powerKw[s]! * hours * signals.values[s]![i]!, 0), chosen });
    }
    return options;
  });
  // Enumerate the whole cross product of per-window choices (small instances only) and check the shares at the end.
  let best = Infinity;
  const walk = (w: number, acc: number, counts: Record<string, number>) => {
    if (w === perWindow.length) {
      if (clients.every((s) => (counts[s] ?? 0) >= minWindows)) best = Math.min(best, acc);
      return;
    }
    for (const o of perWindow[w]!) {
      const next = { ...counts };
      for (const s of o.chosen) next[s] = (next[s] ?? 0) + 1;
      walk(w + 1, acc + o.cost, next);
    }
  };
  walk(0, 0, {});
  return { cost: best, feasible: Number.isFinite(best) };
}

function randomInstance(seed: number): { signals: Signals; rules: ParticipationRules } {
  const r = mulberry32(seed);
  const n = 2 + Math.floor(r() * 3);
  const w = 1 + Math.floor(r() * 4);
  const sites = ['s-a', 's-b', 's-c', 's-d'].slice(0, n);
  const values: Record<string, number[]> = {};
  for (const s of sites) values[s] = Array.from({ length: w }, () => Math.round(r() * 500));
  const windows = Array.from({ length: w }, (_, i) => new Date(Date.UTC(2026, 5, 1, i)).toISOString().replace('.000Z', 'Z'));
  const minClients = 1 + Math.floor(r() * n);
  const rules: ParticipationRules = {
    clients: sites,
    minClients,
    maxClients: minClients + Math.floor(r() * (n - minClients + 1)),
    roundMinutes: 20,
    powerKw: Object.fromEntries(sites.map((s) => [s, 1 + Math.round(r() * 10)])),
    ...(r() < 0.5 ? { maxIntensity: 150 + Math.round(r() * 300) } : {}),
    ...(r() < 0.5 ? { minShare: Math.round(r() * 100) / 100 } : {}),
  };
  return { signals: { kind: 'carbon', intervalMinutes: 60, windows, values }, rules };
}

describe('energy-aware participation', () => {
  it('agrees with exhaustive search on 400 seeded small instances (with and without minShare) and keeps every rule', () => {
    let infeasible = 0;
    let coupled = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const { signals, rules } = randomInstance(seed);
      const plan = planParticipation(signals, rules);
      const bf = bruteForce(signals, rules);
      expect(plan.ok).toBe(bf.feasible);
      if (!bf.feasible) {
        infeasible++;
        expect(plan.unschedulable.length).toBeGreaterThan(0);
        continue;
      }
      expect(plan.estimate.scheduled).toBeCloseTo(bf.cost, 2);
      if (rules.minShare) coupled++;
      const minWindows = Math.ceil((rules.minShare ?? 0) * signals.windows.length - 1e-9);
      for (const s of rules.clients) expect(plan.windows.filter((w) => w.sites.includes(s)).length).toBeGreaterThanOrEqual(minWindows);
      for (const w of plan.windows) {
        expect(w.sites.length).toBeGreaterThanOrEqual(rules.minClients);
        expect(w.sites.length).toBeLessThanOrEqual(rules.maxClients!);
      }
    }
    expect(infeasible).toBeGreaterThan(0); // the generator exercises both outcomes
    expect(infeasible).toBeLessThan(400);
    expect(coupled).toBeGreaterThan(50);
  });

  it('reports a window without enough eligible clients with its time and reason', () => {
    const signals = parseSignalsCsv('time,site,value\n2026-06-01T00:00:00Z,a,100\n2026-06-01T00:00:00Z,b,500\n2026-06-01T01:00:00Z,a,90\n2026-06-01T01:00:00Z,b,120\n');
    const plan = planParticipation(signals, { clients: ['a', 'b'], minClients: 2, roundMinutes: 30, powerKw: { a: 1, b: 1 }, maxIntensity: 300 });
    expect(plan.ok).toBe(false);
    expect(plan.unschedulable).toEqual([{ window: '2026-06-01T00:00:00Z', reason: expect.stringMatching(/1 eligible client \(a\), minClients is 2: b at 500 gCO2\/kWh is above maxIntensity 300/) }]);
    expect(plan.windows[1]!.sites).toEqual(['a', 'b']);
  });

  it('breaks ties on the site name and keeps the deadline', () => {
    const signals = parseSignalsJson(JSON.stringify({ start: '2026-06-01T00:00:00Z', intervalMinutes: 60, sites: { zeta: [10, 10, 10], alpha: [10, 10, 10] } }));
    const plan = planParticipation(signals, { clients: ['zeta', 'alpha'], minClients: 1, roundMinutes: 15, powerKw: { alpha: 2, zeta: 2 }, deadline: '2026-06-01T02:00:00Z' });
    expect(plan.windows.map((w) => w.sites)).toEqual([['alpha'], ['alpha']]);
    expect(plan.windows[0]!.rounds).toBe(4);
    expect(plan.ranges).toEqual({ alpha: [{ start: '2026-06-01T00:00:00Z', end: '2026-06-01T02:00:00Z' }], zeta: [] });
  });

  it('on the sample signals saves carbon against always-on, checked by an independent sum', () => {
    const signals = parseSignalsJson(fs.readFileSync(SAMPLE, 'utf8'));
    const rules: ParticipationRules = { clients: ['quebec', 'atlanta', 'frankfurt'], minClients: 2, roundMinutes: 15, powerKw: { quebec: 5.6, atlanta: 6.0, frankfurt: 4 } };
    const plan = planParticipation(signals, rules);
    expect(plan.ok).toBe(true);
    // Independent: always-on is every site every hour; the optimum per hour drops the dirtiest site.
    let alwaysOn = 0;
    let best = 0;
    signals.windows.forEach((_, i) => {
      const c = rules.clients.map((s) => windowCost('carbon', rules.powerKw[s]!, 1, signals.values[s]![i]!));
      alwaysOn += c.reduce((a, x) => a + x, 0);
      best += c.reduce((a, x) => a + x, 0) - Math.max(...c);
    });
    expect(plan.estimate.alwaysOn).toBeCloseTo(alwaysOn, 2);
    expect(plan.estimate.scheduled).toBeCloseTo(best, 2);
    expect(plan.estimate.scheduled).toBeLessThan(plan.estimate.alwaysOn);
    expect(plan.estimate.savedPercent).toBeCloseTo(((alwaysOn - best) / alwaysOn) * 100, 1);
    // Frankfurt's midday wind/solar dip makes it beat Atlanta in some hours, not all.
    expect(plan.ranges.frankfurt!.length).toBeGreaterThan(0);
    expect(plan.ranges.atlanta!.length).toBeGreaterThan(0);
  });

  it('names the bad rules by field', () => {
    const signals = parseSignalsJson(fs.readFileSync(SAMPLE, 'utf8'));
    expect(() => planParticipation(signals, { clients: ['quebec', 'lyon'], minClients: 3, roundMinutes: 90, powerKw: { quebec: 1 } })).toThrow(ValidationError);
    try {
      planParticipation(signals, { clients: ['quebec', 'lyon'], minClients: 3, roundMinutes: 90, powerKw: { quebec: 1 } });
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['minClients', 'clients[lyon]', 'powerKw.lyon', 'roundMinutes']);
    }
  });
});

describe('signal files', () => {
  it('the committed sample is what scripts/gen-signals.ts writes', () => {
    expect(fs.readFileSync(SAMPLE, 'utf8')).toBe(sampleSignalsText());
  });

  it('the sample has the regional shapes: Quebec flat and low, Atlanta high with a midday dip, Frankfurt swinging', () => {
    const s = parseSignalsJson(fs.readFileSync(SAMPLE, 'utf8'));
    const stats = (xs: readonly number[]) => ({ min: Math.min(...xs), max: Math.max(...xs), mean: xs.reduce((a, x) => a + x, 0) / xs.length });
    const q = stats(s.values.quebec!);
    const a = stats(s.values.atlanta!);
    const f = stats(s.values.frankfurt!);
    expect(q.max - q.min).toBeLessThan(15);
    expect(q.mean).toBeLessThan(50);
    expect(a.mean).toBeGreaterThan(f.mean);
    // Atlanta's solar noon (18:00 UTC) is cleaner than its midnight (05:00 UTC).
    expect(s.values.atlanta![18]!).toBeLessThan(s.values.atlanta![5]! - 80);
    expect(f.max - f.min).toBeGreaterThan(150);
  });

  it('reports CSV problems by line and field, all at once', () => {
    const csv = 'time,site,value\n2026-06-01T00:00:00Z,quebec,31\n2026-06-01 01:00,quebec,x\n2026-06-01T00:00:00Z,Atlanta,400\n2026-06-01T00:00:00Z,quebec,32\n';
    try {
      parseSignalsCsv(csv);
      throw new Error('expected an error');
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
        expect.stringMatching(/^line 3\.time: must be an ISO 8601 time/),
        "line 3.value: must be a number; got 'x'",
        "line 4.site: must be a site name (lower-case DNS label); got 'Atlanta'",
        expect.stringMatching(/^line 5: site 'quebec' has a second value for 2026-06-01T00:00:00Z \(first at line 2\)/),
      ]);
    }
  });

  it('converts WattTime lbs/MWh and checks grid alignment across sites', () => {
    const s = parseSignalsCsv('time,site,value,unit\n2026-06-01T00:00:00Z,a,1000,lbs/MWh\n2026-06-01T00:05:00Z,a,500,lbs/MWh\n');
    expect(s.values.a).toEqual([453.59237, 226.796185]);
    expect(s.intervalMinutes).toBe(5);
    expect(() => parseSignalsJson(JSON.stringify({ start: '2026-06-01T00:00:00Z', intervalMinutes: 60, sites: { a: [1, 2], b: [1] } }))).toThrow(/sites\[b\]: no value for 2026-06-01T01:00:00Z/);
    expect(() => parseSignalsJson(JSON.stringify({ kind: 'abundance', start: '2026-06-01T00:00:00Z', intervalMinutes: 60, sites: { a: [1.5] } }))).toThrow(/sites\.a\[0\]\.value: abundance must be between 0 and 1/);
  });

  it('plans on an abundance signal by grid energy', () => {
    const s = parseSignalsJson(JSON.stringify({ kind: 'abundance', start: '2026-06-01T00:00:00Z', intervalMinutes: 60, sites: { a: [0.9, 0.1], b: [0.2, 0.8] } }));
    const plan = planParticipation(s, { clients: ['a', 'b'], minClients: 1, roundMinutes: 60, powerKw: { a: 10, b: 10 }, minAbundance: 0.5 });
    expect(plan.windows.map((w) => w.sites)).toEqual([['a'], ['b']]);
    expect(plan.unit).toBe('kWh from the grid');
    expect(plan.estimate.scheduled).toBeCloseTo(1 + 2, 6);
  });
});
