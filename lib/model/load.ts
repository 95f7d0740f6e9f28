/**
 * Reading a fleet from a file: the edge where files are read. YAML and JSON are accepted.
 */
import * as fs from 'node:fs';
import { parseDocument } from 'yaml';
import { ValidationError } from './errors';

/** Aliases allowed in one fleet file: generous for anchors reused across many sites, far below a "billion laughs" bomb. */
export const MAX_ALIASES = 10000;
/** The largest fleet file read (a fleet of thousands of sites is a few MB). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Reads and parses `fleet.yaml` (or `.json`) into plain data; syntax errors name the line. Validation is the caller's (`parseFleet`). */
export function readFleetFile(file: string): unknown {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_FILE_BYTES) throw new ValidationError([{ path: file, message: `is ${size} bytes; fleet files are at most ${MAX_FILE_BYTES} bytes` }], `cannot read ${file}`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    const err = e as NodeJS.ErrnoException;
    const todo = err.code === 'ENOENT' ? 'check the path' : err.code === 'EACCES' || err.code === 'EPERM' ? 'make it readable by the user running the command' : err.code === 'EISDIR' ? 'give the fleet file, not a folder' : 'check the file and try again';
    throw new ValidationError([{ path: file, message: `cannot be read (${err.code ?? err.message}); ${todo}` }], `cannot read ${file}`);
  }
  return parseFleetText(text, file);
}

export function parseFleetText(text: string, file = 'fleet.yaml'): unknown {
  if (text.replace(/^\uFEFF/, '').split('\n').every((l) => /^\s*(#.*)?$/.test(l))) {
    throw new ValidationError([{ path: file, message: `is empty${text.trim() ? ' (only comments)' : ''}; a fleet file holds an object with management and sites (see the README, or run 'cdk8s-k0smos schema')` }], `cannot read ${file}`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      doc.errors.map((e) => ({ path: `${file}:${e.linePos?.[0]?.line ?? '?'}:${e.linePos?.[0]?.col ?? '?'}`, message: e.message.split('\n')[0]! })),
      `cannot read ${file}`,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    const message = (e as Error).message;
    if (/alias/i.test(message)) {
      // Where the aliases are: the first alias in the file.
      const at = /(^|[\s[{,:-])\*[^\s,\]}]+/m.exec(text);
      const line = at ? text.slice(0, at.index).split('\n').length : undefined;
      throw new ValidationError(
        [{ path: `${file}${line ? `:${line}` : ''}`, message: `its aliases expand to more than ${MAX_ALIASES} nodes (a YAML "alias bomb", or anchors nested too deeply); write the repeated parts out or reuse fewer nested anchors` }],
        `cannot read ${file}`,
      );
    }
    throw new ValidationError([{ path: file, message: `cannot be read: ${message.split('\n')[0]}` }], `cannot read ${file}`);
  }
}
