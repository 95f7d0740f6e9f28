/**
 * What serves which API: read from the upstream files in the schemas folder (`../shared/schemas`),
 * not from the library. A chart's API groups are the `spec.group`/`spec.names.kind` of the CRD files
 * in the schemas folders listed for it below; built-in Kubernetes kinds come from the Kubernetes
 * OpenAPI document. The tables here say which schemas folder belongs to which chart or bundle; their
 * facts come from upstream (see `../shared/reference/ADDONS.md` and `OPERABILITY.md`):
 * - k0s serves helm.k0sproject.io, autopilot.k0sproject.io and etcd.k0sproject.io (k0s static CRDs);
 * - kcm on the management cluster brings its own CRDs, Cluster API and its k0smotron provider, Flux
 *   source- and helm-controller (not kustomize-controller: kcm turns it off), Sveltos and cert-manager;
 * - KServe needs cert-manager (its chart creates an Issuer/Certificate), so does the AMD GPU operator;
 * - the Kubeflow training operator v1 ships only as a kustomize bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { at, isRecord } from './tree';

/** API group -> kinds it serves. */
export type Apis = Map<string, Set<string>>;

/** Where a chart's (or bundle's) CRDs are: folders or files under the schemas folder, and groups to leave out. */
interface Source {
  readonly paths: readonly string[];
  readonly without?: readonly string[];
}

/** Chart name (as in a k0s `chartname`'s last segment, a ServiceTemplate's `chart`) -> its CRDs. */
const CHARTS: Readonly<Record<string, Source>> = {
  cilium: { paths: ['cilium/crds'] },
  'gpu-operator': { paths: ['nvidia-gpu-operator/crds'] },
  'gpu-operator-charts': { paths: ['amd-gpu-operator/crds'] },
  'cert-manager': { paths: ['cert-manager/crds'] },
  metallb: { paths: ['metallb/crds'] },
  keda: { paths: ['keda'] },
  // KServe splits CRDs (kserve-crd) from the controller (kserve-resources); `kserve` is the old all-in-one.
  'kserve-crd': { paths: ['kserve'] },
  'kserve-crd-minimal': { paths: ['kserve'] },
  kserve: { paths: ['kserve'] },
  'kubeflow-trainer': { paths: ['kubeflow-training/v2'] },
  'dra-driver-nvidia-gpu': { paths: ['nvidia-dra-driver/crds'] },
  'nvidia-dra-driver-gpu': { paths: ['nvidia-dra-driver/crds'] },
  kueue: { paths: ['kueue'] },
  'argo-cd': { paths: ['argocd'] },
  flux2: { paths: ['flux'] },
  projectsveltos: { paths: ['sveltos'] },
  kcm: {
    paths: ['kcm/crds', 'cluster-api', 'k0smotron', 'flux', 'sveltos', 'cert-manager/crds'],
    without: ['kustomize.toolkit.fluxcd.io'],
  },
};

/** Remote kustomize targets (URL or git URL + path) -> their CRDs. */
const BUNDLES: readonly { readonly match: RegExp; readonly name: string; readonly source: Source }[] = [
  { match: /kubeflow\/(trainer|training-operator)(\.git)?\/+manifests\/overlays\/(standalone|kubeflow)/, name: 'kubeflow training operator v1', source: { paths: ['kubeflow-training/v1'] } },
  { match: /kubeflow\/trainer(\.git)?\/+manifests\/overlays\/manager/, name: 'kubeflow trainer v2', source: { paths: ['kubeflow-training/v2'] } },
  { match: /rancher\/local-path-provisioner/, name: 'local-path-provisioner', source: { paths: [] } },
];

/** API groups a chart's own templates use, so something must serve them before it installs. */
const CHART_NEEDS: Readonly<Record<string, readonly string[]>> = {
  'kserve-resources': ['cert-manager.io'],
  kserve: ['cert-manager.io'],
  'gpu-operator-charts': ['cert-manager.io'],
};

/** The groups k0s itself serves (its static CRDs), as schemas file prefixes. */
const K0S_GROUPS = ['helm.k0sproject.io', 'autopilot.k0sproject.io', 'etcd.k0sproject.io'];

export class Catalog {
  private readonly crdCache = new Map<string, Apis>();
  private readonly valuesCache = new Map<string, Record<string, unknown>>();
  private migConfig: string | undefined;
  readonly builtin: Apis;
  readonly k0s: Apis;

  constructor(readonly schemasDir: string) {
    this.builtin = builtinApis(schemasDir);
    const k0s = this.crds({ paths: ['k0s'] });
    this.k0s = new Map([...k0s].filter(([g]) => K0S_GROUPS.includes(g)));
  }

  /** The APIs a chart serves, or undefined for a chart this table does not know (it serves no CRDs we can tell). */
  chart(name: string): Apis | undefined {
    const s = CHARTS[name];
    return s ? this.crds(s) : undefined;
  }

  needs(chart: string): readonly string[] {
    return CHART_NEEDS[chart] ?? [];
  }

  /** The bundle a remote kustomize target is, and what it serves. */
  bundle(ref: string): { name: string; apis: Apis } | undefined {
    const b = BUNDLES.find((x) => x.match.test(ref));
    return b ? { name: b.name, apis: this.crds(b.source) } : undefined;
  }

  /** Upstream default values of a chart, where the schemas folder has them. */
  defaultValues(chart: string): Record<string, unknown> {
    const hit = this.valuesCache.get(chart);
    if (hit) return hit;
    const v = this.readValues(chart);
    this.valuesCache.set(chart, v);
    return v;
  }

  private readValues(chart: string): Record<string, unknown> {
    const file = chart === 'gpu-operator' ? 'nvidia-gpu-operator/values.yaml' : chart === 'gpu-operator-charts' ? 'amd-gpu-operator/values.yaml' : undefined;
    if (!file) return {};
    const v = parseAllDocuments(fs.readFileSync(path.join(this.schemasDir, file), 'utf8'))[0]?.toJS() as unknown;
    return isRecord(v) ? v : {};
  }

  /** The NVIDIA operator's built-in mig-parted config (used when no ConfigMap is named). */
  defaultMigConfig(): string {
    if (this.migConfig !== undefined) return this.migConfig;
    const docs = parseAllDocuments(fs.readFileSync(path.join(this.schemasDir, 'nvidia-gpu-operator/default-mig-parted-config.configmap.yaml'), 'utf8'));
    this.migConfig = String(at(docs[0]?.toJS(), 'data', 'config.yaml') ?? '');
    return this.migConfig;
  }

  private crds(s: Source): Apis {
    const key = JSON.stringify(s);
    const hit = this.crdCache.get(key);
    if (hit) return hit;
    const out: Apis = new Map();
    for (const p of s.paths) {
      for (const file of yamlFiles(path.join(this.schemasDir, p))) {
        for (const { group, kind } of crdNames(fs.readFileSync(file, 'utf8'))) {
          if (!(s.without ?? []).includes(group)) addApi(out, group, kind);
        }
      }
    }
    this.crdCache.set(key, out);
    return out;
  }
}

export function addApi(apis: Apis, group: string, kind: string): void {
  if (!apis.has(group)) apis.set(group, new Set());
  apis.get(group)!.add(kind);
}

export function mergeApis(into: Apis, from: Apis): void {
  for (const [g, ks] of from) for (const k of ks) addApi(into, g, k);
}

/**
 * `spec.group` and `spec.names.kind` of the CRDs in a YAML text. Upstream CRD files are large (KServe's
 * is 2 MB) and generated with one layout, so a line scan finds the two fields quickly; a file the scan
 * cannot read is parsed in full.
 */
export function crdNames(text: string): { group: string; kind: string }[] {
  const out: { group: string; kind: string }[] = [];
  for (const doc of text.split(/^---\s*$/m)) {
    if (!/^kind:\s*CustomResourceDefinition\s*$/m.test(doc)) continue;
    const scanned = scanCrd(doc);
    if (scanned) {
      out.push(scanned);
      continue;
    }
    const o = parseAllDocuments(doc)[0]?.toJS() as unknown;
    const g = at(o, 'spec', 'group');
    const k = at(o, 'spec', 'names', 'kind');
    if (typeof g === 'string' && typeof k === 'string') out.push({ group: g, kind: k });
  }
  return out;
}

function scanCrd(doc: string): { group: string; kind: string } | undefined {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => /^spec:\s*$/.test(l));
  if (start < 0) return undefined;
  let group: string | undefined;
  let kind: string | undefined;
  let inNames = false;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\S/.test(l)) break;
    let m = /^ {2}group:\s*['"]?([^'"\s]+)['"]?\s*$/.exec(l);
    if (m) group = m[1];
    if (/^ {2}\S/.test(l)) inNames = /^ {2}names:\s*$/.test(l);
    m = /^ {4}kind:\s*['"]?([^'"\s]+)['"]?\s*$/.exec(l);
    if (m && inNames) kind = m[1];
    if (group && kind) return { group, kind };
  }
  return undefined;
}

function yamlFiles(p: string): string[] {
  if (!fs.existsSync(p)) throw new Error(`schemas folder has no ${p}`);
  if (fs.statSync(p).isFile()) return /\.ya?ml$/.test(p) ? [p] : [];
  return fs
    .readdirSync(p)
    .sort()
    .flatMap((n) => {
      const abs = path.join(p, n);
      if (fs.statSync(abs).isDirectory()) return yamlFiles(abs);
      // Only CRD files: chart values files are skipped by the kind check anyway, but are large.
      return /\.ya?ml$/.test(n) && !/values\.ya?ml$/.test(n) ? [abs] : [];
    });
}

/** Built-in kinds by group, from the newest Kubernetes OpenAPI document in the schemas folder. */
function builtinApis(schemasDir: string): Apis {
  const dir = path.join(schemasDir, 'kubernetes');
  const versions = fs
    .readdirSync(dir)
    .filter((v) => /^v\d+\.\d+$/.test(v))
    .sort((a, b) => minor(a) - minor(b));
  const newest = versions[versions.length - 1];
  if (!newest) throw new Error(`no Kubernetes OpenAPI document under ${dir}`);
  const swagger = JSON.parse(fs.readFileSync(path.join(dir, newest, 'swagger.json'), 'utf8')) as { definitions: Record<string, Record<string, unknown>> };
  const out: Apis = new Map();
  for (const def of Object.values(swagger.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const x of gvks) if (isRecord(x) && typeof x.group === 'string' && typeof x.kind === 'string') addApi(out, x.group, x.kind);
  }
  return out;
}

function minor(v: string): number {
  return Number(v.split('.')[1]);
}
