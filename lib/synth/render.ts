/**
 * Turns placed objects and auxiliary files into the file tree of the output directory. Every folder that
 * holds objects (`sites/<site>/<cluster>/`, `management/fleet/`, `management/clusters/<cluster>/`) has
 * two sub-folders, `infra/` and `apps/` (see `layer.ts` for which object goes where), each with one file
 * per object and a `kustomization.yaml` listing them; the folder's own `kustomization.yaml` lists
 * `infra` and `apps`, and `management/kustomization.yaml` lists the management folders, for
 * `kubectl kustomize`, while they hold at most {@link MANAGEMENT_INDEX_MAX_OBJECTS} objects. Pure: data in, file contents out. Problems are collected and thrown together.
 */
import { ValidationError, type ValidationIssue } from '../model/errors';

/**
 * `management/kustomization.yaml` (an index of the management folders, for `kubectl kustomize management`) is
 * written while the management folders hold at most this many objects; larger fleets build each folder.
 */
export const MANAGEMENT_INDEX_MAX_OBJECTS = 500;
import { LAYERS, layerOfObject, type Layer } from './layer';
import { compareObjects, fileName } from './order';
import { apiGroup, isManagementTarget, targetFolder, type AuxFile, type K8sObject, type PlacedObject, type Target } from './objects';
import { toYaml, toYamlOrdered } from './serialize';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The rendered tree: relative POSIX path -> file content, sorted by path. */
export type FileTree = ReadonlyMap<string, string>;

/** A cluster at a site. */
export interface SiteCluster {
  readonly site: string;
  readonly cluster: string;
}

export interface RenderInput {
  /** Every folder that must exist, even when empty (each gets its `infra/` and `apps/` with a kustomization.yaml). */
  readonly targets: readonly Target[];
  readonly objects: readonly PlacedObject[];
  readonly files?: readonly AuxFile[];
  /**
   * The cluster the management folders are applied to (the management site's cluster). Its folder and
   * the management folders go to one cluster, so no object may be in both. Several entries when the
   * fleet cannot tell which of the management site's clusters it is: each is checked.
   * @default - none: the management folders are checked against one another only
   */
  readonly managementClusters?: readonly SiteCluster[];
  /**
   * Remote kustomizations (operators upstream ships without a Helm chart, such as the Kubeflow training
   * operator) listed after the objects of a folder's `infra/kustomization.yaml`, by folder.
   * @default - none
   */
  readonly remoteResources?: ReadonlyMap<string, readonly string[]>;
}

/** The `kustomization.yaml` of a folder listing `resources` in order. */
function kustomization(resources: readonly string[]): string {
  return toYamlOrdered({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] });
}

function describeObject(o: K8sObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function renderTree(input: RenderInput): FileTree {
  const issues: ValidationIssue[] = [];
  const byFolder = new Map<string, { target: Target; placed: PlacedObject[] }>();
  const folderOf = (t: Target) => {
    const folder = targetFolder(t);
    if (!byFolder.has(folder)) byFolder.set(folder, { target: t, placed: [] });
    return byFolder.get(folder)!;
  };
  for (const t of input.targets) folderOf(t);
  for (const p of input.objects) {
    folderOf(p.target).placed.push(p);
    issues.push(...checkObject(p));
  }
  issues.push(...oneFolderPerObject(input.objects, input.managementClusters ?? []));

  const files = new Map<string, string>();
  const origin = new Map<string, string>();
  const add = (path: string, content: string, source: string) => {
    const prev = origin.get(path);
    if (prev !== undefined) {
      issues.push({ path: source, message: `writes ${path}, which ${prev} writes too; give one of them another name` });
      return;
    }
    origin.set(path, source);
    files.set(path, content);
  };

  for (const folder of [...byFolder.keys()].sort()) {
    const placed = [...byFolder.get(folder)!.placed].sort((a, b) => compareObjects(a.object, b.object));
    const names: Record<Layer, string[]> = { infra: [], apps: [] };
    for (const p of placed) {
      const layer = layerOfObject(p.object);
      const name = fileName(p.object);
      add(`${folder}/${layer}/${name}`, toYaml(p.object), `${p.source} (${describeObject(p.object)})`);
      names[layer].push(name);
    }
    const remote = [...(input.remoteResources?.get(folder) ?? [])].sort();
    for (const layer of LAYERS) add(`${folder}/${layer}/kustomization.yaml`, kustomization(layer === 'infra' ? [...names[layer], ...remote] : names[layer]), 'the writer');
    add(`${folder}/kustomization.yaml`, kustomization(LAYERS), 'the writer');
  }
  // An index of the management folders, for `kubectl kustomize management`: the fleet-wide folder first. Only
  // while it stays quick to build: kustomize takes time that grows with the square of the objects it holds
  // (1,200 objects took over 30 s), and GitOps engines apply each folder on its own, never this index.
  const managementFolders = [...byFolder.values()].filter((f) => isManagementTarget(f.target));
  const management = managementFolders.map((f) => targetFolder(f.target).slice('management/'.length));
  const managementObjects = managementFolders.reduce((n, f) => n + f.placed.length, 0);
  if (management.length > 0 && managementObjects <= MANAGEMENT_INDEX_MAX_OBJECTS) {
    add('management/kustomization.yaml', kustomization(management.sort((a, b) => (a === 'fleet' ? -1 : b === 'fleet' ? 1 : a < b ? -1 : a > b ? 1 : 0))), 'the writer');
  }
  const layerFolders = new Set([...byFolder.keys()].flatMap((f) => LAYERS.map((l) => `${f}/${l}/`)));
  for (const f of input.files ?? []) {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(f.path) || f.path.split('/').some((s) => s === '..' || s === '.')) {
      issues.push({ path: f.source, message: `file path '${f.path}' must be relative, with plain segments` });
      continue;
    }
    if (f.path.endsWith('/kustomization.yaml') || f.path === 'kustomization.yaml') {
      issues.push({ path: f.source, message: `'${f.path}' is written by the writer; choose another file name` });
      continue;
    }
    const segments = f.path.split('/');
    const inLayer = segments.map((_, i) => `${segments.slice(0, i).join('/')}/`).find((prefix) => layerFolders.has(prefix));
    if (inLayer !== undefined) {
      issues.push({ path: f.source, message: `'${f.path}' is inside ${inLayer}, which holds only the objects its kustomization.yaml lists; put the file beside ${inLayer.slice(0, -1)}` });
      continue;
    }
    add(f.path, f.content, f.source);
  }
  if (issues.length > 0) throw new ValidationError(issues, 'cannot write the output');
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Each object has exactly one folder. The same object (group, kind, namespace, name) written to two
 * folders applied to the same cluster would have two GitOps owners: they would overwrite each other's
 * fields, and pruning one folder would delete the object the other still wants. The management folders
 * and the management cluster's own folder are applied to the same cluster.
 */
function oneFolderPerObject(objects: readonly PlacedObject[], managementClusters: readonly SiteCluster[]): ValidationIssue[] {
  const isCandidate = (t: Target, m: SiteCluster) => t.kind === 'cluster' && m.site === t.site && m.cluster === t.cluster;
  // The clusters a folder is applied to, by a key. When several clusters may be the management cluster,
  // the management folders are compared with each of them, but those clusters not with one another.
  const clustersOf = (t: Target): { key: string; name: string }[] => {
    const asManagement = (m: SiteCluster) => ({ key: `@${m.site}/${m.cluster}`, name: `the management cluster (sites/${m.site}/${m.cluster})` });
    if (isManagementTarget(t)) return managementClusters.length > 0 ? managementClusters.map(asManagement) : [{ key: '@', name: 'the management cluster' }];
    const own = { key: `${t.site}/${t.cluster}`, name: `cluster ${t.cluster} at site ${t.site}` };
    return [own, ...managementClusters.filter((m) => isCandidate(t, m)).map(asManagement)];
  };
  const seen = new Map<string, PlacedObject>();
  const issues: ValidationIssue[] = [];
  const reported = new Set<string>();
  for (const p of objects) {
    const o = p.object;
    const id = `${apiGroup(o.apiVersion)}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
    for (const c of clustersOf(p.target)) {
      const key = `${c.key}|${id}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, p);
        continue;
      }
      const a = targetFolder(first.target);
      const b = targetFolder(p.target);
      // The same folder twice is a file-name clash, reported where the file is added.
      if (a === b || reported.has(`${id}|${a}|${b}`)) continue;
      reported.add(`${id}|${a}|${b}`);
      issues.push({
        path: p.source,
        message: `${describeObject(o)} is written to ${b}/ here and to ${a}/ by ${first.source}; both folders are applied to ${c.name}, so the object would have two owners (they overwrite each other, and pruning one deletes it); create it in one of them only`,
      });
    }
  }
  return issues;
}

function checkObject(p: PlacedObject): ValidationIssue[] {
  const o = p.object;
  const where = `${p.source}`;
  const issues: ValidationIssue[] = [];
  const name = o.metadata?.name;
  if (typeof o.apiVersion !== 'string' || o.apiVersion.length === 0) issues.push({ path: where, message: 'apiVersion is missing' });
  if (typeof o.kind !== 'string' || o.kind.length === 0) issues.push({ path: where, message: 'kind is missing' });
  if (typeof name !== 'string' || name.length === 0) {
    issues.push({ path: where, message: `${o.kind}: metadata.name is missing; give the object a name` });
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.name must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)` });
  } else if (`${apiGroup(o.apiVersion)}/${o.kind}` === '/Service' && (name.length > 63 || !DNS1035_LABEL.test(name))) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters)` });
  } else if (NAME_IS_LABEL.has(`${apiGroup(o.apiVersion)}/${o.kind}`) && (name.length > 63 || !DNS_LABEL.test(name))) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.name must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)` });
  }
  const ns = o.metadata?.namespace;
  if (ns !== undefined && (ns.length > 63 || !DNS_LABEL.test(ns))) {
    issues.push({ path: where, message: `${o.kind} '${name}': metadata.namespace '${ns}' must be a DNS-1123 label` });
  }
  return issues;
}

/** Kinds whose names the API server checks as DNS-1123 labels rather than subdomains (Service: DNS-1035, above). */
const NAME_IS_LABEL = new Set(['/Namespace']);
