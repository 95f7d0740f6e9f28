/**
 * Child process of the locale test: builds the reference fleet's tree and prints one hash of every
 * path and byte, plus what this process's locale and time zone are.
 */
import { createHash } from 'node:crypto';
import { App } from 'cdk8s';
import { buildReferenceFleet } from '../../apps/reference-fleet';

const tree = buildReferenceFleet(new App()).toTree();
const h = createHash('sha256');
for (const [p, text] of [...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(`${p}\0${text}\0`);
process.stdout.write(JSON.stringify({ hash: h.digest('hex'), files: tree.size, locale: Intl.DateTimeFormat().resolvedOptions().locale, tz: Intl.DateTimeFormat().resolvedOptions().timeZone }));
