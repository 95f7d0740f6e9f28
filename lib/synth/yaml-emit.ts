/**
 * A small YAML emitter for plain JSON data (what Kubernetes objects are), written for the synth hot
 * path: serialising with the `yaml` library took most of a 1,200-site synth. It emits block style with
 * map keys sorted, and is conservative about scalars: a string is written plain only when no YAML 1.1
 * or 1.2 reader could take it for anything but that string; otherwise it is double-quoted (JSON
 * string syntax, which is valid YAML) or, for multi-line text, a literal block.
 * Round-trip property tests check it against the `yaml` parser in both 1.1 and 1.2 modes.
 */

/** Words YAML 1.1 or 1.2 readers take for booleans or null (compared lower-case). */
const RESERVED = new Set(['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null', '~']);

/** Characters allowed in a plain scalar (first character checked separately). */
const PLAIN = /^[A-Za-z0-9_./:@=+, -]*$/;
/** Kubernetes quantities such as 10Gi or 500m: never numbers in YAML, common in manifests. */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)$/;

function isPlainSafe(s: string): boolean {
  if (s.length === 0 || s.length > 200) return false;
  const c = s.charCodeAt(0);
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 47; // A-Z a-z _ /
  if (!letter) return QUANTITY.test(s);
  if (!PLAIN.test(s)) return false;
  if (s.endsWith(' ') || s.endsWith(':') || s.includes(': ') || s.includes(' #') || s.includes(', ')) return false;
  if (RESERVED.has(s.toLowerCase())) return false;
  return true;
}

/** A lone UTF-16 surrogate: not a character, and Go YAML readers reject its escape. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Double-quoted scalar: JSON string syntax, with every character outside YAML's printable set escaped
 * (and those YAML 1.1 treats as line breaks), so Go readers (kubectl, kustomize) accept it too.
 */
function quoted(s: string): string {
  if (LONE_SURROGATE.test(s)) throw new Error(`cannot write a string with a lone UTF-16 surrogate as YAML: ${JSON.stringify(s).slice(0, 60)}`);
  return JSON.stringify(s).replace(/[\u0085\u2028\u2029\u007f-\u009f\ufeff\ufffe\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when a multi-line string can be written as a literal block and read back unchanged. */
function blockSafe(s: string): boolean {
  if (!s.includes('\n') || s.startsWith(' ') || s.startsWith('\n') || s.startsWith('\t')) return false;
  // Printable text only (tab and newline allowed), no carriage returns, no lines that start with a tab after an empty line run.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/.test(s)) return false;
  // Trailing whitespace on the last line is kept by `|+`/`|` only if it is not all spaces after a newline run.
  return !/ +$/.test(s) && !/\n[ \t]+\n*$/.test(s);
}

function block(s: string, indent: string): string {
  let chomp: string;
  let body = s;
  if (s.endsWith('\n\n')) chomp = '+';
  else if (s.endsWith('\n')) chomp = '';
  else chomp = '-';
  if (chomp !== '-') body = body.slice(0, -1);
  const lines = body.split('\n').map((l) => (l.length === 0 ? '' : indent + l));
  return `|${chomp}\n${lines.join('\n')}`;
}

function scalar(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'string':
      if (isPlainSafe(v)) return v;
      if (blockSafe(v)) return block(v, indent);
      return quoted(v);
    default:
      throw new Error(`cannot write a ${typeof v} as YAML`);
  }
}

function key(k: string): string {
  // YAML limits implicit keys to 1024 characters; no Kubernetes key comes near (label keys stop at 317).
  if (k.length > 1000) throw new Error(`cannot write a map key of ${k.length} characters as YAML (at most 1000): ${k.slice(0, 40)}...`);
  return isPlainSafe(k) ? k : quoted(k);
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  if (v !== null && typeof v === 'object') return Object.keys(v).some((k) => (v as Record<string, unknown>)[k] !== undefined) ? undefined : '{}';
  return undefined;
}

function sortedKeys(o: Record<string, unknown>, top: readonly string[] | undefined, sort: boolean): string[] {
  const keys = Object.keys(o).filter((k) => o[k] !== undefined);
  if (!sort) return keys;
  keys.sort((a, b) => {
    if (top) {
      const ia = top.indexOf(a);
      const ib = top.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? top.length : ia) - (ib < 0 ? top.length : ib);
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return keys;
}

function emitMap(o: Record<string, unknown>, indent: string, out: string[], sort: boolean, top?: readonly string[], firstPrefix?: string): void {
  let first = true;
  for (const k of sortedKeys(o, top, sort)) {
    const prefix = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    emitEntry(`${prefix}${key(k)}:`, o[k], indent, out, sort);
  }
}

/** Emits `head` (e.g. `  name:` or `  -`) followed by the value, inline or on the next lines. */
function emitEntry(head: string, v: unknown, indent: string, out: string[], sort: boolean): void {
  const empty = isEmptyCollection(v);
  if (empty !== undefined) {
    out.push(`${head} ${empty}`);
  } else if (Array.isArray(v)) {
    out.push(head);
    emitSeq(v, indent + '  ', out, sort);
  } else if (v !== null && typeof v === 'object') {
    out.push(head);
    emitMap(v as Record<string, unknown>, indent + '  ', out, sort);
  } else {
    out.push(`${head} ${scalar(v, indent + '  ')}`);
  }
}

function emitSeq(a: readonly unknown[], indent: string, out: string[], sort: boolean): void {
  for (const item of a) {
    const empty = isEmptyCollection(item);
    if (empty === undefined && item !== null && typeof item === 'object' && !Array.isArray(item)) {
      emitMap(item as Record<string, unknown>, indent + '  ', out, sort, undefined, `${indent}- `);
    } else if (empty === undefined && Array.isArray(item)) {
      out.push(`${indent}-`);
      emitSeq(item, indent + '  ', out, sort);
    } else {
      out.push(`${indent}- ${empty ?? scalar(item, indent + '  ')}`);
    }
  }
}

export interface EmitOptions {
  /** Top-level keys written first, in this order (e.g. apiVersion, kind, metadata); the rest sorted. */
  readonly topKeys?: readonly string[];
  /** Keep the keys' given order everywhere instead of sorting (for kustomization and k0sctl files). */
  readonly keepOrder?: boolean;
}

/** One YAML document for plain JSON data, ending in a newline. */
export function emitYaml(value: unknown, options: EmitOptions = {}): string {
  const out: string[] = [];
  const empty = isEmptyCollection(value);
  if (empty !== undefined) return `${empty}\n`;
  const sort = !options.keepOrder;
  if (Array.isArray(value)) emitSeq(value, '', out, sort);
  else if (value !== null && typeof value === 'object') emitMap(value as Record<string, unknown>, '', out, sort, options.topKeys);
  else out.push(scalar(value, '  '));
  return out.join('\n') + '\n';
}

