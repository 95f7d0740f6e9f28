/**
 * Seeded synthetic carbon-intensity traces shaped like the reference regions' diurnal curves. For CI and
 * examples only: the shapes follow published ranges, the numbers are invented.
 *  - quebec: hydro, flat and low (~30 gCO2/kWh, small noise).
 *  - atlanta: gas and coal, high (~430) with a solar dip around local noon (UTC-5) and an evening peak.
 *  - frankfurt: wind and solar, swings: a slow wind random walk (±150) plus a solar dip around local noon (UTC+1).
 */

/** mulberry32: a small 32-bit seeded PRNG; every draw happens in a fixed order so a seed pins the output. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticSignalOptions {
  /** @default 7 */
  readonly seed?: number;
  /** First window, ISO 8601 UTC. @default '2026-06-01T00:00:00Z' */
  readonly start?: string;
  /** Number of hourly windows. @default 48 */
  readonly hours?: number;
}

/** The sample signal file content (the JSON shape `parseSignalsJson` reads). */
export function sampleSignals(options: SyntheticSignalOptions = {}): Record<string, unknown> {
  const rnd = mulberry32(options.seed ?? 7);
  const start = options.start ?? '2026-06-01T00:00:00Z';
  const hours = options.hours ?? 48;
  const startHour = new Date(start).getUTCHours();
  const one = (x: number) => Math.round(x * 10) / 10;
  const solar = (localHour: number) => (Math.abs(localHour - 13) < 6 ? Math.cos(((localHour - 13) / 6) * (Math.PI / 2)) : 0); // 1 at 13:00, 0 outside 07:00-19:00
  const quebec: number[] = [];
  const atlanta: number[] = [];
  const frankfurt: number[] = [];
  let wind = 0;
  for (let h = 0; h < hours; h++) {
    const utc = (startHour + h) % 24;
    const q = 30 + (rnd() - 0.5) * 8;
    const atLocal = (utc + 24 - 5) % 24;
    const evening = atLocal >= 17 && atLocal <= 21 ? 40 : 0;
    const a = 440 - 170 * solar(atLocal) + evening + (rnd() - 0.5) * 30;
    wind = Math.max(-150, Math.min(150, wind + (rnd() - 0.5) * 70));
    const frLocal = (utc + 1) % 24;
    const f = 360 - 140 * solar(frLocal) + wind + (rnd() - 0.5) * 20;
    quebec.push(one(q));
    atlanta.push(one(a));
    frankfurt.push(one(Math.max(40, f)));
  }
  return {
    kind: 'carbon',
    unit: 'gCO2/kWh',
    note: `synthetic, seeded (mulberry32 seed ${options.seed ?? 7}); made by scripts/gen-signals.ts; shapes only, not measurements`,
    start,
    intervalMinutes: 60,
    sites: { atlanta, frankfurt, quebec },
  };
}

/** The sample file's text, byte for byte. */
export function sampleSignalsText(options: SyntheticSignalOptions = {}): string {
  const o = sampleSignals(options);
  const sites = o.sites as Record<string, number[]>;
  // One line per site keeps the file short and diffs readable.
  const siteLines = Object.keys(sites)
    .sort()
    .map((s) => `    ${JSON.stringify(s)}: ${JSON.stringify(sites[s])}`)
    .join(',\n');
  return `{\n  "kind": ${JSON.stringify(o.kind)},\n  "unit": ${JSON.stringify(o.unit)},\n  "note": ${JSON.stringify(o.note)},\n  "start": ${JSON.stringify(o.start)},\n  "intervalMinutes": ${o.intervalMinutes},\n  "sites": {\n${siteLines}\n  }\n}\n`;
}
