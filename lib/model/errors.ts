import type { z } from 'zod';
import { didYouMean } from './suggest';

/** One problem found in user input. */
export interface ValidationIssue {
  /**
   * Where the problem is: a construct path (`geo/quebec`) and/or a field path in the user's
   * vocabulary, with array elements named by their `name` (`sites[quebec].nodePools[a100].gpus.count`).
   */
  readonly path: string;
  /** What is wrong, what was given, and how to fix it. */
  readonly message: string;
}

/** Thrown when input is invalid. Lists every problem found, not only the first. */
export class ValidationError extends Error {
  public readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], heading = 'invalid fleet') {
    const sorted = [...issues];
    super(`${heading}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` + sorted.map((i) => `  - ${formatIssue(i)}`).join('\n'));
    this.name = 'ValidationError';
    this.issues = sorted;
    // The problems are the user's input, not our code: an app that does not catch this error prints the
    // list (Node prints `stack` for an uncaught error), not a stack trace of library internals.
    this.stack = `${this.name}: ${this.message}`;
  }
}

export function formatIssue(i: ValidationIssue): string {
  return i.path ? `${i.path}: ${i.message}` : i.message;
}

/** Prefixes every issue's path with a construct path. */
export function inConstruct(constructPath: string, issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.map((i) => ({ path: i.path ? `${constructPath}: ${i.path}` : constructPath, message: i.message }));
}

type PathKey = string | number | symbol;

/**
 * Renders a zod path against the input it came from: array elements that carry a string `name`
 * are shown by that name (`sites[quebec]`), others by index (`machines[2]`).
 */
export function renderPath(input: unknown, path: readonly PathKey[]): string {
  let out = '';
  let cur: unknown = input;
  for (const key of path) {
    if (typeof key === 'number') {
      const el = Array.isArray(cur) ? cur[key] : undefined;
      const name = el && typeof el === 'object' && typeof (el as { name?: unknown }).name === 'string' ? (el as { name: string }).name : undefined;
      out += name && /^[A-Za-z0-9._-]+$/.test(name) ? `[${name}]` : `[${key}]`;
      cur = el;
    } else {
      const k = String(key);
      out += out.length === 0 ? k : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
    }
  }
  return out;
}

function valueAt(input: unknown, path: readonly PathKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key as string | number];
  }
  return cur;
}

/** Short, readable rendering of a value for "(got …)". */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.length > 60 ? v.slice(0, 57) + '...' : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return 'an object';
}

function typeName(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number' && !Number.isInteger(v)) return `the number ${v}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${show(v)}`;
}

/**
 * Turns zod issues into user-facing issues with named paths and a hint how to fix each.
 * `fieldHints` maps a field name to a sentence appended to its messages.
 */
export function fromZodIssues(input: unknown, issues: readonly z.core.$ZodIssue[], schema?: z.ZodType): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const got = valueAt(input, issue.path);
    const path = renderPath(input, issue.path);
    const known = issue.code === 'unrecognized_keys' && schema ? objectKeysAt(schema, issue.path) : [];
    out.push(...messagesFor(issue, got, path, known));
  }
  return out;
}

/** The field names of the object schema found at `path` inside `schema` (through arrays, optionals, defaults). */
export function objectKeysAt(schema: z.ZodType, path: readonly PathKey[]): string[] {
  let cur: unknown = schema;
  const unwrap = (s: unknown): unknown => {
    let x = s as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } };
    for (let i = 0; i < 10 && x?._zod?.def; i++) {
      const d = x._zod.def;
      if (d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault' || d.type === 'readonly' || d.type === 'catch') x = d.innerType as typeof x;
      else if (d.type === 'pipe') x = d.in as typeof x;
      else break;
    }
    return x;
  };
  for (const key of path) {
    const s = unwrap(cur) as { _zod: { def: { type: string; element?: unknown; shape?: Record<string, unknown>; valueType?: unknown } } };
    const def = s?._zod?.def;
    if (!def) return [];
    if (def.type === 'array' && typeof key === 'number') cur = def.element;
    else if (def.type === 'object' && def.shape) cur = def.shape[String(key)];
    else if (def.type === 'record') cur = def.valueType;
    else return [];
  }
  const s = unwrap(cur) as { _zod?: { def?: { type?: string; shape?: Record<string, unknown> } } };
  return s?._zod?.def?.type === 'object' && s._zod.def.shape ? Object.keys(s._zod.def.shape).sort() : [];
}

function messagesFor(issue: z.core.$ZodIssue, got: unknown, path: string, known: readonly string[]): ValidationIssue[] {
  switch (issue.code) {
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return [{ path, message: `must list at least ${min} item${min === 1 ? '' : 's'} (got ${Array.isArray(got) ? got.length : 0})` }];
      if (issue.origin === 'string') return [{ path, message: `must be at least ${min} character${min === 1 ? '' : 's'} long (got ${show(got)})` }];
      return [{ path, message: `must be ${issue.inclusive ? 'at least' : 'greater than'} ${min} (got ${show(got)})` }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return [{ path, message: `must list at most ${max} items (got ${Array.isArray(got) ? got.length : 0})` }];
      if (issue.origin === 'string') return [{ path, message: `must be at most ${max} characters long (got ${typeof got === 'string' ? got.length : show(got)})` }];
      return [{ path, message: `must be ${issue.inclusive ? 'at most' : 'less than'} ${max} (got ${show(got)})` }];
    }
    case 'invalid_type': {
      if (got === undefined) return [{ path, message: `is required (expected ${expectedName(issue.expected)})` }];
      return [{ path, message: `must be ${expectedName(issue.expected)} (got ${typeName(got)})` }];
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => String(v));
      const hint = typeof got === 'string' ? didYouMean(got, options) : '';
      return [{ path, message: `must be one of ${options.map((o) => `'${o}'`).join(', ')} (got ${show(got)})${hint}` }];
    }
    case 'unrecognized_keys': {
      return issue.keys.map((k) => {
        return { path: path ? `${path}.${k}` : k, message: `unknown field${didYouMean(k, known)}${known.length ? ` (known fields: ${known.join(', ')})` : ''}` };
      });
    }
    case 'invalid_format': {
      return [{ path, message: `${issue.message ?? 'has the wrong format'} (got ${show(got)})` }];
    }
    case 'not_multiple_of':
      return [{ path, message: `must be a multiple of ${String(issue.divisor)} (got ${show(got)})` }];
    case 'invalid_union':
      return [{ path, message: `${issue.message} (got ${show(got)})` }];
    default:
      return [{ path, message: issue.message }];
  }
}

function expectedName(expected: string): string {
  switch (expected) {
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    case 'record':
      return 'a map';
    default:
      return expected;
  }
}

