/**
 * The emitter must write YAML that both YAML 1.1 and 1.2 readers parse back to exactly the data given.
 * Property tests over seeded random data with a hostile alphabet, plus the cases that bite in practice.
 */
import { parse } from 'yaml';
import { emitYaml } from '../../lib/synth/yaml-emit';

function roundTrips(value: unknown): void {
  const text = emitYaml(value);
  for (const version of ['1.1', '1.2'] as const) {
    const back = parse(text, { version, uniqueKeys: true, intAsBigInt: false });
    if (JSON.stringify(back) !== JSON.stringify(value) && !deepEqualUnordered(back, value)) {
      throw new Error(`YAML ${version} round trip failed\n--- data\n${JSON.stringify(value)}\n--- yaml\n${text}--- back\n${JSON.stringify(back)}`);
    }
  }
}

function deepEqualUnordered(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqualUnordered(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return JSON.stringify(ka) === JSON.stringify(kb) && ka.every((k) => deepEqualUnordered((a as any)[k], (b as any)[k]));
  }
  return Object.is(a, b) || (a === 0 && b === 0);
}

/** mulberry32: a small seeded PRNG, so every failure is reproducible from its seed. */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const ATOMS = ['', ' ', '  ', 'a', 'Z', '0', '7', '-', ':', ': ', '#', ' #', '\n', '\n\n', '\t', '"', "'", '\\', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`', '?', '=', '+', '.', '/', '_', 'yes', 'No', 'on', 'OFF', 'null', '~', 'true', 'y', '0x1F', '0o17', '0755', '1e3', '1.5', '.inf', '-.nan', '12:30', '2001-12-14', '1_000', '10Gi', '500m', 'é', '日本', '\u2028', '\u0085', '\r', '\u0007', '<<', '---', '...'];

function randomString(r: () => number): string {
  const n = Math.floor(r() * 5);
  let s = '';
  for (let i = 0; i < n; i++) s += ATOMS[Math.floor(r() * ATOMS.length)];
  return s;
}

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 3 || k < 0.45) {
    const t = r();
    if (t < 0.6) return randomString(r);
    if (t < 0.75) return Math.floor(r() * 2000) - 1000;
    if (t < 0.85) return Math.round((r() - 0.5) * 1e6) / 1000;
    if (t < 0.93) return r() < 0.5;
    return null;
  }
  if (k < 0.7) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) o[randomString(r) || 'k'] = randomValue(r, depth + 1);
  return o;
}

describe('YAML emitter', () => {
  it('writes Kubernetes objects the way people expect to read them', () => {
    const text = emitYaml(
      { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', labels: { tier: 'on' } }, data: { 'a.yaml': 'x: 1\ny: 2\n', port: '8080', image: 'nginx:1.27' }, list: [{ b: 1, a: [] }, 'two'] },
      { topKeys: ['apiVersion', 'kind', 'metadata'] },
    );
    expect(text).toBe(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  labels:',
        '    tier: "on"',
        '  name: x',
        'data:',
        '  a.yaml: |',
        '    x: 1',
        '    y: 2',
        '  image: nginx:1.27',
        '  port: "8080"',
        'list:',
        '  - a: []',
        '    b: 1',
        '  - two',
        '',
      ].join('\n'),
    );
  });

  it('keeps the given key order when asked', () => {
    expect(emitYaml({ b: 1, a: { d: 1, c: 2 } }, { keepOrder: true })).toBe('b: 1\na:\n  d: 1\n  c: 2\n');
  });

  it.each([
    ['reserved words', ['yes', 'No', 'ON', 'off', 'y', 'n', 'true', 'null', '~', 'Null']],
    ['number-like strings', ['0755', '0x1F', '1e3', '1.0', '12:30', '2001-12-14', '1_000', '+1', '-1', '.5', '.inf']],
    ['indicators', ['- a', '? a', ': a', 'a: b', 'a #b', '#a', '&a', '*a', '!a', '|', '>', '%a', '@a', '`a', '[a]', '{a}', "'a'", '"a"', 'a,b', 'a, b', '---', '...']],
    ['whitespace', ['', ' ', ' a', 'a ', 'a\n', 'a\n\n', '\na', 'a\n b', 'a\n\n\nb\n', 'a\t b', 'line\n  indented\n', 'trailing \nx', 'x\n ']],
    ['unicode and control characters', ['é', '日本', 'a\u2028b', 'a\u0085b', 'a\rb', 'bell\u0007', '\ufeffbom']],
    ['quantities and images', ['10Gi', '500m', '1.5Gi', 'nvidia.com/gpu', 'ghcr.io/org/app:v1.2.3', 'a=b', 'x+y']],
  ])('round-trips %s', (_name, strings) => {
    for (const s of strings) {
      roundTrips({ [s]: s, list: [s, { [s]: [s] }] });
    }
  });

  it('round-trips numbers, booleans, null and empty collections', () => {
    roundTrips({ a: 0, b: -0, c: 1.5, d: -1e21, e: 1e-7, f: true, g: false, h: null, i: [], j: {}, k: [[], {}, [[1]]], l: 9007199254740991 });
  });

  it('round-trips 3,000 seeded random documents through YAML 1.1 and 1.2 readers', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const value = randomValue(rng(seed), 0);
      try {
        roundTrips(value);
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}`);
      }
    }
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => emitYaml({ a: Number.NaN })).toThrow(/cannot write NaN/);
    expect(() => emitYaml({ a: () => 1 })).toThrow(/cannot write a function/);
  });
});

describe('YAML emitter, characters Go readers reject', () => {
  it('escapes non-characters and refuses lone surrogates and over-long keys', () => {
    expect(emitYaml({ a: 'x\ufffey\uffff' })).toBe('a: "x\\ufffey\\uffff"\n');
    expect(emitYaml({ a: 'line\n\ufffe\n' })).toBe('a: "line\\n\\ufffe\\n"\n');
    expect(emitYaml({ a: 'emoji 😀 ok' })).toBe('a: "emoji 😀 ok"\n');
    expect(() => emitYaml({ a: 'bad \ud800 surrogate' })).toThrow(/lone UTF-16 surrogate/);
    expect(() => emitYaml({ ['k'.repeat(1001)]: 1 })).toThrow(/map key of 1001 characters/);
    roundTripsBoth({ a: 'x\ufffey', b: ['\uffff'] });
  });
});

function roundTripsBoth(value: unknown): void {
  const text = emitYaml(value);
  for (const version of ['1.1', '1.2'] as const) expect(parse(text, { version })).toEqual(value);
}
