/**
 * The writer's filesystem calls with a failure injected: from call number `at` on (`kill`: the process is
 * gone, nothing after it happens) or only at that call (`once`). `calls()` counts the calls made, so a
 * run with `at = Infinity` tells how many steps a whole write takes.
 */
import * as fs from 'node:fs';
import type { WriterFs } from '../lib/synth/writer';

export function faultyFs(at: number, mode: 'kill' | 'once' = 'kill'): { fs: WriterFs; calls: () => number } {
  let n = 0;
  const step = <T>(f: () => T): T => {
    const i = n++;
    if (mode === 'kill' ? i >= at : i === at) throw Object.assign(new Error(`injected failure at call ${i}`), { code: 'EIO' });
    return f();
  };
  return {
    calls: () => n,
    fs: {
      mkdirSync: (p, o) => step(() => fs.mkdirSync(p, o)),
      mkdtempSync: (p) => step(() => fs.mkdtempSync(p)),
      writeFileSync: (p, d) => step(() => fs.writeFileSync(p, d)),
      renameSync: (a, b) => step(() => fs.renameSync(a, b)),
      rmSync: (p, o) => step(() => fs.rmSync(p, o)),
    },
  };
}
