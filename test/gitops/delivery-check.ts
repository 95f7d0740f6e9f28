/**
 * A reusable check that a synthesized tree's GitOps wiring delivers every folder exactly once, to the
 * right cluster. It reads the wiring back from the written files (Flux Kustomizations and pull-mode
 * flux-sync.yaml, Argo CD cluster.json, k0rdent MultiClusterServices with their ServiceTemplates, Sveltos
 * ClusterPromotions; a Kustomization of a whole folder, as of a Flux shard, delivers the `infra/` and `apps/`
 * its kustomization.yaml lists), never from the library's own delivery table, and compares with the folders the
 * tree holds (every `infra/` and `apps/` with a kustomization.yaml). Use it on any fleet's tree:
 *
 *   expect(deliveryProblems(fleet.toTree(), { managementCluster: 'hq', repoPath: 'out' })).toEqual([]);
 */
import { parseAllDocuments } from 'yaml';

export interface DeliveryCheckOptions {
  /** The cluster the management folders (and its own site folder) are applied to. */
  readonly managementCluster: string;
  /** The repository folder the tree is pushed to (GitOpsProps.repository.path). @default '' */
  readonly repoPath?: string;
}

export interface DeliveredUnit {
  readonly unit: string;
  readonly cluster: string;
  /** The file that delivers it. */
  readonly by: string;
}

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, any> };

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every (unit, cluster) the wiring in the tree delivers, read from the objects and files. */
export function deliveredFromTree(tree: ReadonlyMap<string, string>, options: DeliveryCheckOptions): DeliveredUnit[] {
  const out: DeliveredUnit[] = [];
  const prefix = `./${options.repoPath ? `${options.repoPath}/` : ''}`;
  const strip = (p: string) => (p.startsWith(prefix) ? p.slice(prefix.length) : `<outside the repository path: ${p}>`);
  const mgmt = (c: string) => (c === 'in-cluster' ? options.managementCluster : c);
  const templates = new Map<string, Obj>();
  const docs: [string, Obj][] = [];
  for (const [file, text] of tree) {
    if (!/\.ya?ml$/.test(file) || file.endsWith('kustomization.yaml')) continue;
    for (const d of parseAllDocuments(text)) {
      const o = d.toJSON() as Obj | null;
      if (!o || typeof o !== 'object') continue;
      docs.push([file, o]);
      if (o.kind === 'ServiceTemplate') templates.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    }
  }
  for (const [file, text] of tree) {
    if (!file.endsWith('/cluster.json') && file !== 'cluster.json') continue;
    const m = JSON.parse(text) as { destination: string };
    const folder = file.slice(0, -'/cluster.json'.length);
    for (const layer of ['infra', 'apps']) out.push({ unit: `${folder}/${layer}`, cluster: mgmt(m.destination), by: file });
  }
  for (const [file, o] of docs) {
    if (o.kind === 'Kustomization' && o.spec?.path && String((o as { apiVersion?: string }).apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/')) {
      const secret = o.spec.kubeConfig?.secretRef?.name as string | undefined;
      // A pull-mode flux-sync.yaml sits in the folder of the cluster that applies it.
      const pulled = file.endsWith('/flux-sync.yaml') ? file.split('/')[2]! : undefined;
      const cluster = pulled ?? (secret ? secret.replace(/-kubeconfig$/, '') : options.managementCluster);
      // A Kustomization of a whole folder (a Flux shard, management/flux/<shard>) delivers the units its kustomization.yaml lists.
      for (const unit of layersOf(strip(o.spec.path), tree)) out.push({ unit, cluster, by: file });
    }
    if (o.kind === 'MultiClusterService' && o.metadata.name.startsWith('gitops-')) {
      const cluster = o.spec.clusterSelector.matchLabels['k0smos.io/cluster'] as string;
      for (const s of o.spec.serviceSpec.services as { template: string; namespace?: string }[]) {
        const t = [...templates.entries()].find(([k]) => k.endsWith(`/${s.template}`))?.[1];
        out.push({ unit: t ? strip(t.spec.kustomize.path) : `<missing ServiceTemplate ${s.template}>`, cluster, by: file });
      }
    }
    if (o.kind === 'ClusterPromotion') {
      // Each stage selects clusters by name; the shared profile's kustomization paths are templates over the cluster.
      const refs = (o.spec.profileSpec?.kustomizationRefs ?? []) as { path: string }[];
      for (const stage of o.spec.stages as { clusterSelector: { matchExpressions?: { key: string; operator: string; values: string[] }[] } }[]) {
        const sel = stage.clusterSelector.matchExpressions?.find((e) => e.key === 'k0smos.io/cluster' && e.operator === 'In');
        for (const cluster of sel?.values ?? []) {
          for (const r of refs) out.push({ unit: strip(instantiate(r.path, cluster, tree)), cluster, by: file });
        }
      }
    }
  }
  return out.sort((a, b) => cmp(a.unit, b.unit) || cmp(a.cluster, b.cluster));
}

/** The units a delivered path stands for: itself, or for a folder whose kustomization.yaml lists `infra` and `apps`, both. */
function layersOf(path: string, tree: ReadonlyMap<string, string>): string[] {
  if (/\/(infra|apps)$/.test(path)) return [path];
  const k = tree.get(`${path}/kustomization.yaml`);
  if (k === undefined) return [path];
  const resources = ((parseAllDocuments(k)[0]?.toJSON() as { resources?: string[] } | null)?.resources ?? []).filter((r) => r === 'infra' || r === 'apps');
  return resources.length > 0 ? resources.map((r) => `${path}/${r}`) : [path];
}

/** Fills a ClusterPromotion path template for one cluster (its site label is read from the tree's folder names). */
function instantiate(template: string, cluster: string, tree: ReadonlyMap<string, string>): string {
  const site = [...tree.keys()].map((k) => k.split('/')).find((p) => p[0] === 'sites' && p[2] === cluster)?.[1] ?? '<no site>';
  return template.replace(/\{\{\s*index \.Cluster\.metadata\.labels "k0smos\.io\/site"\s*\}\}/g, site).replace(/\{\{\s*\.Cluster\.metadata\.name\s*\}\}/g, cluster);
}

/** The units the tree holds (every infra/ and apps/ folder with a kustomization.yaml) and the cluster each belongs to. */
export function expectedUnits(tree: ReadonlyMap<string, string>, options: DeliveryCheckOptions): { unit: string; cluster: string }[] {
  return [...tree.keys()]
    .filter((k) => /(^|\/)(infra|apps)\/kustomization\.yaml$/.test(k))
    .map((k) => k.slice(0, -'/kustomization.yaml'.length))
    .map((unit) => ({ unit, cluster: unit.startsWith('management/') ? options.managementCluster : unit.split('/')[2]! }))
    .sort((a, b) => cmp(a.unit, b.unit));
}

/**
 * What is wrong with the tree's delivery, one line each: a folder delivered by nothing, twice, or to
 * another cluster than its own; a delivered path that is no folder of the tree. Empty when every folder
 * is delivered exactly once, to its cluster.
 */
export function deliveryProblems(tree: ReadonlyMap<string, string>, options: DeliveryCheckOptions): string[] {
  const got = deliveredFromTree(tree, options);
  const want = expectedUnits(tree, options);
  const problems: string[] = [];
  const byUnit = new Map<string, DeliveredUnit[]>();
  for (const d of got) byUnit.set(d.unit, [...(byUnit.get(d.unit) ?? []), d]);
  for (const w of want) {
    const ds = byUnit.get(w.unit) ?? [];
    if (ds.length === 0) problems.push(`${w.unit}: delivered by nothing`);
    else if (ds.length > 1) problems.push(`${w.unit}: delivered ${ds.length} times (${ds.map((d) => `${d.by} -> ${d.cluster}`).join(', ')})`);
    for (const d of ds) if (d.cluster !== w.cluster) problems.push(`${w.unit}: delivered to '${d.cluster}' by ${d.by}; it belongs to '${w.cluster}'`);
    byUnit.delete(w.unit);
  }
  for (const [unit, ds] of byUnit) problems.push(`${unit}: delivered (by ${ds.map((d) => d.by).join(', ')}) but the tree has no such folder`);
  return problems.sort(cmp);
}
