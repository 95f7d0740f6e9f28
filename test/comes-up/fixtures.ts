/**
 * Hand-made output trees for the simulator's own tests: folders of objects with their
 * kustomization.yaml, k0sctl files, and small fleet specs.
 */
import { stringify } from 'yaml';
import type { FleetSpec } from '../../lib/model/fleet';

export type O = Record<string, unknown>;

/** Files of one folder: each object in its own file, listed in order by a kustomization.yaml; `extra` entries are listed after them. */
export function folder(dir: string, objects: readonly O[], extra: readonly string[] = []): Record<string, string> {
  const files: Record<string, string> = {};
  const names = objects.map((o, i) => {
    const md = (o.metadata ?? {}) as { name?: string; namespace?: string };
    const n = `${String(i).padStart(2, '0')}-${String(o.kind).toLowerCase()}-${md.namespace ? `${md.namespace}-` : ''}${md.name ?? 'x'}.yaml`;
    files[`${dir}/${n}`] = stringify(o);
    return n;
  });
  files[`${dir}/kustomization.yaml`] = stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...names, ...extra] });
  return files;
}

export function treeOf(...parts: Record<string, string>[]): Map<string, string> {
  return new Map(Object.entries(Object.assign({}, ...parts) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function k0sctl(hosts: readonly O[], charts: readonly O[] = []): string {
  return stringify({
    apiVersion: 'k0sctl.k0sproject.io/v1beta1',
    kind: 'Cluster',
    metadata: { name: 'c' },
    spec: { hosts, k0s: { version: 'v1.36.3+k0s.2', config: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', spec: { extensions: { helm: { charts } } } } } },
  });
}

export function host(address: string, role: string, installFlags: readonly string[] = [], extra: O = {}): O {
  return { role, ssh: { address, user: 'root' }, ...(installFlags.length > 0 ? { installFlags } : {}), ...extra };
}

export function chart(name: string, order: number, values: O = {}, namespace = name): O {
  return { name, chartname: `repo/${name}`, version: '1.0.0', namespace, order, values: stringify(values) };
}

export interface PoolLike {
  name: string;
  count: number;
  cpu: number;
  memoryGiB: number;
  gpus?: { model: string; count: number };
}

/** A one-site fleet whose cluster `c1` is standalone with the given hosts (`pool` per host address). */
export function standaloneFleet(pools: readonly PoolLike[], hosts: readonly { address: string; role: string; nodePool?: string }[], present?: O): FleetSpec {
  return {
    name: 'f',
    management: { site: 's1' },
    sites: [
      {
        name: 's1',
        region: 'r1',
        jurisdiction: 'DE',
        location: { lat: 50, lon: 8 },
        infrastructure: 'bare-metal',
        nodePools: pools.map((p) => ({ ...p })),
        clusters: [{ name: 'c1', controlPlane: { mode: 'standalone', hosts: hosts.map((h) => ({ ...h })) }, ...(present ? { present } : {}) }],
      },
    ],
  } as FleetSpec;
}

export function deployment(ns: string, name: string, pod: O, replicas = 1): O {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod } },
  };
}

export function container(limits: O = {}, requests: O = {}): O {
  return { name: 'c', image: 'busybox', resources: { ...(Object.keys(limits).length > 0 ? { limits } : {}), ...(Object.keys(requests).length > 0 ? { requests } : {}) } };
}

export const ns = (name: string): O => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const scaledObject = (namespace: string, name: string): O => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name, namespace },
  spec: { scaleTargetRef: { name }, triggers: [{ type: 'cron', metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 9 * * *', desiredReplicas: '1' } }] },
});

export const crd = (group: string, kind: string, plural: string): O => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: { group, names: { kind, plural }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
});

export const k0sChart = (name: string, chartName: string, order = 1, namespace = 'kube-system'): O => ({
  apiVersion: 'helm.k0sproject.io/v1beta1',
  kind: 'Chart',
  metadata: { name, namespace },
  spec: { chartName, releaseName: name, version: '1.0.0', namespace: name, order, values: '' },
});
