/**
 * Reading a fleet from a file: the edge where files are read. YAML and JSON are accepted.
 */
import * as fs from 'node:fs';
import { parseDocument } from 'yaml';
import { ValidationError } from './errors';

/** Reads and parses `fleet.yaml` (or `.json`) into plain data; syntax errors name the line. Validation is the caller's (`parseFleet`). */
export function readFleetFile(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  return parseFleetText(text, file);
}

export function parseFleetText(text: string, file = 'fleet.yaml'): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      doc.errors.map((e) => ({ path: `${file}:${e.linePos?.[0]?.line ?? '?'}:${e.linePos?.[0]?.col ?? '?'}`, message: e.message.split('\n')[0]! })),
      `cannot read ${file}`,
    );
  }
  return doc.toJS();
}
