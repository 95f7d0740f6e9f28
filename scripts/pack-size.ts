/**
 * Prints the size of the npm tarball (`npm pack --dry-run --json`: runs prepack, writes nothing) and fails
 * when it exceeds the 5 MB target, or when it holds tests, benchmarks or sources that are not the library.
 */
import { execFileSync } from 'node:child_process';

const LIMIT = 5 * 1024 * 1024;
const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const [info] = JSON.parse(out) as { size: number; unpackedSize: number; entryCount: number; files: { path: string }[] }[];
if (!info) throw new Error('npm pack printed no package');
const stray = info.files.map((f) => f.path).filter((p) => /^(test|bench|apps|scripts|dist)\//.test(p) || /^build\/(test|bench|apps|scripts)\//.test(p) || (/\.ts$/.test(p) && !p.endsWith('.d.ts') && !p.startsWith('templates/')));
console.log(`packed ${(info.size / 1e6).toFixed(2)} MB, unpacked ${(info.unpackedSize / 1e6).toFixed(1)} MB, ${info.entryCount} files`);
if (!info.files.some((f) => f.path.startsWith('upstream-schemas/'))) {
  console.error('pack-size: no upstream-schemas/ in the tarball; run `npm run schemas:pack` (prepack does)');
  process.exitCode = 1;
}
if (stray.length > 0) {
  console.error(`pack-size: the tarball holds files that are not the library: ${stray.slice(0, 10).join(', ')}${stray.length > 10 ? ', ...' : ''}`);
  process.exitCode = 1;
}
if (info.size > LIMIT) {
  console.error(`pack-size: ${info.size} bytes packed is over the 5 MB target`);
  process.exitCode = 1;
}
