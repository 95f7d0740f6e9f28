/**
 * Plain Kubernetes objects as the writer sees them, and the folders they go to.
 */

/** A Kubernetes object in plain JSON form. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** The group of an apiVersion: '' for the core group (`v1`). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Where GitOps applies a folder: the management plane's fleet-wide objects, the management plane's
 * objects for one managed cluster, one shard of the Flux wiring of the management folders
 * (`management/flux/<shard>/`, see lib/gitops/engines.ts), or the objects applied inside one cluster.
 */
export type Target =
  | { readonly kind: 'management' }
  | { readonly kind: 'management-cluster'; readonly cluster: string }
  | { readonly kind: 'flux-shard'; readonly shard: string }
  | { readonly kind: 'cluster'; readonly site: string; readonly cluster: string };

/** The folder of a target, relative to the output directory (POSIX separators). Objects go to its `infra/` or `apps/`. */
export function targetFolder(t: Target): string {
  if (t.kind === 'management') return 'management/fleet';
  if (t.kind === 'management-cluster') return `management/clusters/${t.cluster}`;
  if (t.kind === 'flux-shard') return `management/flux/${t.shard}`;
  return `sites/${t.site}/${t.cluster}`;
}

/** True when the target is applied to the management cluster (the fleet-wide and per-cluster management folders, the Flux shards). */
export function isManagementTarget(t: Target): t is Exclude<Target, { readonly kind: 'cluster' }> {
  return t.kind === 'management' || t.kind === 'management-cluster' || t.kind === 'flux-shard';
}

/** A Kubernetes object bound for a target folder, with the construct path that produced it (for errors). */
export interface PlacedObject {
  readonly target: Target;
  readonly object: K8sObject;
  readonly source: string;
}

/** A file that is not a Kubernetes object (a k0sctl config, a report), written beside the objects. */
export interface AuxFile {
  /** Path relative to the output directory, POSIX separators, e.g. `sites/quebec/quebec/k0sctl.yaml` or `PLACEMENT.md`; never inside a folder's `infra/` or `apps/`. */
  readonly path: string;
  readonly content: string;
  readonly source: string;
}

/** The objects of each folder (`targetFolder` of their target), in their given order. */
export function objectsByFolder(objects: readonly PlacedObject[]): Map<string, PlacedObject[]> {
  const byFolder = new Map<string, PlacedObject[]>();
  for (const p of objects) {
    const f = targetFolder(p.target);
    const list = byFolder.get(f);
    if (list) list.push(p);
    else byFolder.set(f, [p]);
  }
  return byFolder;
}
