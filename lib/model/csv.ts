/**
 * A small CSV reader for site inventories (RFC 4180 with the usual tolerances): a header row is required;
 * fields may be quoted with `"` (a quote inside a quoted field is doubled, and a quoted field may span lines);
 * lines end with LF or CRLF; a UTF-8 byte-order mark is dropped; blank lines are skipped; cells are trimmed
 * outside quotes. Every problem is reported at once, by `file:line`. Pure: the caller reads the file.
 */
import type { ValidationIssue } from './errors';

/** One data record: its cells by header name, and the line it starts on (1-based). */
export interface CsvRecord {
  readonly line: number;
  readonly cells: Readonly<Record<string, string>>;
}

/** A parsed CSV file. */
export interface CsvTable {
  /** Column names, as written in the header row (trimmed). */
  readonly header: readonly string[];
  readonly records: readonly CsvRecord[];
}

/** The largest inventory file read: a few hundred thousand stores. */
export const MAX_CSV_BYTES = 64 * 1024 * 1024;

/**
 * Parses CSV text with a header row. Problems (no header, an empty or repeated column name, a record with
 * more or fewer cells than the header, an unclosed quote, text after a closing quote) are returned as issues
 * whose path is `<file>:<line>`; records with problems are left out of `records`.
 */
export function parseCsv(text: string, file = 'inventory.csv'): { table: CsvTable; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const rows = splitRows(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file, issues);
  const nonBlank = rows.filter((r) => !(r.cells.length === 1 && r.cells[0] === '' && !r.quoted));
  if (nonBlank.length === 0) {
    issues.push({ path: `${file}:1`, message: 'the file has no header row; the first line names the columns (e.g. site,region,jurisdiction,lat,lon,variant)' });
    return { table: { header: [], records: [] }, issues };
  }
  const head = nonBlank[0]!;
  const header = head.cells.map((c) => c.trim());
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (h === '') issues.push({ path: `${file}:${head.line}`, message: `column ${i + 1} of the header row has no name; name every column` });
    else if (seen.has(h)) issues.push({ path: `${file}:${head.line}`, message: `column '${h}' appears twice in the header row; name each column once` });
    seen.add(h);
  });
  const records: CsvRecord[] = [];
  for (const r of nonBlank.slice(1)) {
    if (r.bad) continue;
    if (r.cells.length !== header.length) {
      issues.push({ path: `${file}:${r.line}`, message: `has ${r.cells.length} cell${r.cells.length === 1 ? '' : 's'} but the header has ${header.length} columns (${header.join(',')}); quote cells that contain commas` });
      continue;
    }
    const cells: Record<string, string> = {};
    header.forEach((h, i) => (cells[h] = r.cells[i]!));
    records.push({ line: r.line, cells });
  }
  return { table: { header, records }, issues };
}

interface RawRow {
  readonly line: number;
  readonly cells: string[];
  readonly quoted: boolean;
  readonly bad: boolean;
}

/** Splits text into rows of cells; a quoted cell keeps its line breaks. */
function splitRows(text: string, file: string, issues: ValidationIssue[]): RawRow[] {
  const rows: RawRow[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let quoted = false;
    let bad = false;
    // One row: cells separated by commas, ended by a line break or the end of the text.
    for (;;) {
      let cell = '';
      // Leading spaces outside quotes are trimmed.
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      if (text[i] === '"') {
        quoted = true;
        const openLine = line;
        i++;
        let closed = false;
        while (i < n) {
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        if (!closed) {
          issues.push({ path: `${file}:${openLine}`, message: 'a quoted cell is never closed; end it with " (write "" for a quote inside it)' });
          bad = true;
        }
        while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          issues.push({ path: `${file}:${line}`, message: `text after a closing quote (${JSON.stringify(text.slice(i, i + 20).split(/\r?\n/)[0])}); quote the whole cell` });
          bad = true;
          while (i < n && text[i] !== ',' && text[i] !== '\n') i++;
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') {
            issues.push({ path: `${file}:${line}`, message: 'a quote inside an unquoted cell; quote the whole cell and double the quote ("")' });
            bad = true;
          }
          cell += text[i];
          i++;
        }
        cell = cell.trimEnd();
      }
      cells.push(cell);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      if (i < n && text[i] === '\r') i++;
      if (i < n && text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    rows.push({ line: start, cells, quoted, bad });
    if (i >= n) break;
  }
  return rows;
}
