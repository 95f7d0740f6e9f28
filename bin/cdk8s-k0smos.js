#!/usr/bin/env node
// Command-line entry. The published package runs the compiled CLI; a source checkout runs the
// TypeScript directly (ts-node, transpile only).
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'build', 'bin', 'cli.js');
if (fs.existsSync(compiled)) {
  require(compiled).main(process.argv.slice(2)).then((code) => process.exit(code));
} else {
  require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
  require('./cli.ts').main(process.argv.slice(2)).then((code) => process.exit(code));
}
