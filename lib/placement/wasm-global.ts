/**
 * `highs`'s type declarations name `WebAssembly.Module`, a global that TypeScript declares only in the DOM
 * lib (and in some @types/node versions). A Node project compiled with `types: ["node"]` and no DOM lib,
 * without skipLibCheck, would fail on it; this empty interface gives the name (it merges with the real
 * declaration where one exists). Imported by ./types so every consumer of our .d.ts sees it.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace WebAssembly {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Module {}
  }
}
export {};
