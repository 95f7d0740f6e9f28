/**
 * Loading HiGHS (WebAssembly). Asynchronous and reads `highs.wasm` from disk, so it belongs at the
 * edge (CLI, apps, benchmarks); the loaded runtime is passed to `place()` as `options.highs`.
 */
import type { Highs } from 'highs';

let loaded: Promise<Highs> | undefined;

/** Loads the HiGHS runtime once per process. */
export function loadHighs(): Promise<Highs> {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loader = require('highs') as (opts?: object) => Promise<Highs>;
    loaded = loader();
  }
  return loaded;
}
