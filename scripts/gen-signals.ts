/**
 * Writes data/signals/sample.json: seeded synthetic carbon intensity for the reference regions.
 * Run: npx ts-node --transpile-only scripts/gen-signals.ts [seed]
 * test/energy/synthetic.test.ts checks that the committed file is what this script writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sampleSignalsText } from '../lib/energy/synthetic';

const seed = process.argv[2] !== undefined ? Number(process.argv[2]) : 7;
const out = path.resolve(__dirname, '..', 'data', 'signals', 'sample.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, sampleSignalsText({ seed }));
console.log(`wrote ${path.relative(process.cwd(), out)} (seed ${seed})`);
