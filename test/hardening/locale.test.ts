/**
 * Issue 13, point 3: same bytes everywhere. The reference fleet is built in child processes under
 * several LANG/TZ values (Node's ICU reads LANG for its default locale) and every byte must agree.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { cmp } from '../../lib/model/compare';

const ROOT = path.resolve(__dirname, '..', '..');
const run = (env: Record<string, string>) =>
  JSON.parse(
    execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/hardening/tree-hash.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
      encoding: 'utf8',
    }),
  ) as { hash: string; files: number; locale: string; tz: string };

test('the library order is the same in every locale (the Czech order of ch-a100 and d-a100 is not used)', () => {
  // What the locale-dependent order would do: in Czech, "ch" is one letter sorted after "h".
  expect('ch-a100'.localeCompare('d-a100', 'cs')).toBeGreaterThan(0);
  expect(cmp('ch-a100', 'd-a100')).toBeLessThan(0);
});

test('the reference fleet synthesizes to the same bytes under several LANG and TZ values', () => {
  const envs: Record<string, string>[] = [
    { LANG: 'C', TZ: 'UTC' },
    { LANG: 'cs_CZ.UTF-8', LC_ALL: 'cs_CZ.UTF-8', TZ: 'Pacific/Chatham' },
    { LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8', TZ: 'America/St_Johns' },
    { LANG: 'ja_JP.UTF-8', TZ: 'Asia/Kathmandu' },
  ];
  const results = envs.map(run);
  // The children did run under the locales asked for (else the test would prove nothing).
  expect(results[1]!.locale).toBe('cs-CZ');
  expect(results[2]!.tz).toBe('America/St_Johns');
  expect(results[0]!.files).toBeGreaterThan(50);
  for (const r of results) expect(r.hash).toBe(results[0]!.hash);
});

test('no locale-dependent comparison anywhere in the sources', () => {
  const out = execFileSync('grep', ['-rnE', 'localeCompare|Intl\\.Collator|toLocale(Lower|Upper)Case|toLocaleString', 'lib', 'constructs', 'apps', 'bin', '--include=*.ts'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
  // The only mention is the comment of lib/model/compare.ts that says why.
  expect(out.filter((l) => l && !l.startsWith('lib/model/compare.ts:'))).toEqual([]);
});
