/**
 * Deterministic YAML for everything the library writes: keys sorted (apiVersion, kind, metadata first
 * at the top), and strings that YAML 1.1 readers would take for booleans, numbers or null quoted
 * (Kubernetes tooling still parses some YAML as 1.1: `on`, `yes`, `0755`). See yaml-emit.ts.
 */
import { emitYaml } from './yaml-emit';

const TOP = ['apiVersion', 'kind', 'metadata'];

/** One YAML document for a Kubernetes object (or any plain data), keys sorted, ending in a newline. */
export function toYaml(value: unknown): string {
  return emitYaml(value, { topKeys: TOP });
}

/** YAML for data whose key order is meaningful to readers (kustomization, k0sctl): keys kept as given. */
export function toYamlOrdered(value: unknown): string {
  return emitYaml(value, { keepOrder: true });
}
