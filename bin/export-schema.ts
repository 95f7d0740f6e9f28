/** Writes schema/fleet.schema.json, the JSON Schema editors use to complete fleet.yaml (`npm run schema`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fleetFileJsonSchema as fleetJsonSchema } from '../lib/model/fleet-file';

const out = path.resolve(__dirname, '..', 'schema', 'fleet.schema.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(fleetJsonSchema(), null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), out)}`);
