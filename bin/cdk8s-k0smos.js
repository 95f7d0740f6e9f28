#!/usr/bin/env node
// Command-line entry: runs the compiled CLI (build/bin/cli.js). In a checkout of the repository, run
// `npm run build` first (npm install does it through `prepare`).
const path = require('node:path');
const compiled = path.join(__dirname, '..', 'build', 'bin', 'cli.js');
let cli;
try {
  cli = require(compiled);
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(compiled)) {
    process.stderr.write(`cdk8s-k0smos: ${compiled} is missing; run \`npm run build\` in the package folder\n`);
    process.exitCode = 1;
    return;
  }
  throw e;
}
// Exit through process.exitCode, not process.exit(): piped stdout and stderr are drained first.
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`cdk8s-k0smos: internal error: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 70;
  },
);
