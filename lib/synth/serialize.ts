/**
 * Deterministic YAML: keys sorted (apiVersion, kind, metadata first at the top), no line folding,
 * and strings that YAML 1.1 readers would take for booleans, numbers or null are quoted
 * (Kubernetes tooling still parses some YAML as 1.1: `on`, `yes`, `0755`).
 */
import { stringify } from 'yaml';

const TOP = ['apiVersion', 'kind', 'metadata'];

/** Returns a copy with every map's keys sorted; undefined values are dropped. */
export function sortKeysDeep(value: unknown, top = false): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeysDeep(v));
  if (value === null || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const keys = Object.keys(src).filter((k) => src[k] !== undefined);
  keys.sort((a, b) => {
    if (top) {
      const ia = TOP.indexOf(a);
      const ib = TOP.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sortKeysDeep(src[k]);
  return out;
}

const OPTIONS = { lineWidth: 0, minContentWidth: 0, version: '1.1' as const, aliasDuplicateObjects: false };

/** One YAML document for a Kubernetes object (or any plain data), ending in a newline. */
export function toYaml(value: unknown, opts: { topLevelObject?: boolean } = {}): string {
  return stringify(sortKeysDeep(value, opts.topLevelObject ?? true), OPTIONS);
}

/** YAML for data whose key order is meaningful to readers (kustomization, k0sctl): keys kept as given. */
export function toYamlOrdered(value: unknown): string {
  return stringify(value, OPTIONS);
}
