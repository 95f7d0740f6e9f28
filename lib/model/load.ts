/**
 * Reading a fleet from a file: the edge where files are read. YAML and JSON are accepted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { MAX_CSV_BYTES, parseCsv } from './csv';
import { ValidationError, type ValidationIssue } from './errors';
import { csvInventoryRows, type InventorySource } from './profile';

/** Aliases allowed in one fleet file: generous for anchors reused across many sites, far below a "billion laughs" bomb. */
export const MAX_ALIASES = 10000;
/** The largest fleet file read (a fleet of thousands of sites is a few MB). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads and parses `fleet.yaml` (or `.json`) into plain data; syntax errors name the line. Inventories with
 * `csv: <file>` get their rows from that file (relative to the fleet file), with each row's line for errors.
 * Validation is the caller's (`Fleet.fromSpec`, `validateFleetFile`).
 */
export function readFleetFile(file: string): unknown {
  const spec = parseFleetText(readText(file, MAX_FILE_BYTES, 'fleet'), file);
  const inventories = spec && typeof spec === 'object' ? (spec as { inventories?: unknown }).inventories : undefined;
  if (!Array.isArray(inventories)) return spec;
  const issues: ValidationIssue[] = [];
  const read = inventories.map((inv: unknown) => {
    const csv = inv && typeof inv === 'object' ? (inv as { csv?: unknown }).csv : undefined;
    if (typeof csv !== 'string' || (inv as { rows?: unknown }).rows !== undefined) return inv;
    try {
      const source = readInventoryCsv(path.resolve(path.dirname(file), csv), csv);
      return { ...(inv as object), rows: source.rows, lines: source.lines, header: source.header };
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      issues.push(...e.issues);
      return inv;
    }
  });
  if (issues.length > 0) throw new ValidationError(issues, `cannot read the inventories of ${file}`);
  return { ...(spec as object), inventories: read };
}

/**
 * Reads a CSV inventory: a header row naming the columns `site,region,jurisdiction,lat,lon`, optionally
 * `variant`, and one column per var of the profile the rows are for; one site per line. Structural problems
 * (quotes, cell counts, a missing header) are thrown together, by `file:line`; the columns are checked against
 * the profile when the rows are used (`fleet.addSites(profile, readInventoryCsv('stores.csv'))`).
 * @param name how errors name the file; default: `file` as given
 */
export function readInventoryCsv(file: string, name: string = file): InventorySource & { readonly csv: string; readonly header: readonly string[]; readonly lines: readonly number[] } {
  const { table, issues } = parseCsv(readText(file, MAX_CSV_BYTES, 'inventory', name), name);
  if (issues.length > 0) throw new ValidationError(issues, `cannot read ${name}`);
  const { rows, lines } = csvInventoryRows(table);
  return { csv: name, rows, lines, header: table.header };
}

function readText(file: string, max: number, what: string, name: string = file): string {
  try {
    const size = fs.statSync(file).size;
    if (size > max) throw new ValidationError([{ path: name, message: `is ${size} bytes; ${what} files are at most ${max} bytes` }], `cannot read ${name}`);
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    const err = e as NodeJS.ErrnoException;
    const todo = err.code === 'ENOENT' ? `check the path${name !== file ? ` (${file})` : ''}` : err.code === 'EACCES' || err.code === 'EPERM' ? 'make it readable by the user running the command' : err.code === 'EISDIR' ? `give the ${what} file, not a folder` : 'check the file and try again';
    throw new ValidationError([{ path: name, message: `cannot be read (${err.code ?? err.message}); ${todo}` }], `cannot read ${name}`);
  }
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
