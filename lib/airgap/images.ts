/**
 * The image list of an air-gapped cluster (`sites/<site>/<cluster>/images.txt`): every image its
 * nodes pull (k0s components, charts, workloads), normalized and sorted, one per line, so that
 * `k0s airgap bundle-artifacts -o bundle.tar < images.txt` bundles them or a mirror is filled from it.
 * Pure functions over data.
 *
 * When the library cannot name an image (a chart it does not know, a k0s component tag it lacks),
 * the list starts with `# UNRESOLVED:` lines saying what is missing. `bundle-artifacts` reads the list
 * word by word and refuses `#`, so an incomplete list stops the bundle instead of silently making an
 * incomplete one; synth warns with the same lines.
 */
import { cmp } from '../model/compare';
import type { K8sObject } from '../synth/objects';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * An image reference in the form container runtimes resolve it to: registry host first (`docker.io`
 * when none), `library/` for Docker Hub official images, `:latest` when neither tag nor digest is
 * given. Undefined when it is not an image reference.
 */
export function normalizeImage(ref: string): string | undefined {
  if (ref.length === 0 || ref.length > 1024 || /\s/.test(ref)) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) domain = parts.shift()!;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) return undefined;
  const name = `${domain}/${parts.join('/')}`;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
/** KServe components whose framework/model specs inline a container (`spec.predictor.sklearn.image`). */
const KSERVE_COMPONENTS = new Set(['predictor', 'transformer', 'explainer']);

/** An image found in an object, with where it was found. */
export interface FoundImage {
  readonly image: string;
  /** `Deployment web/api: spec.template.spec.containers[0].image`. */
  readonly where: string;
}

/**
 * Every container image an object runs: any `containers`, `initContainers` or `ephemeralContainers`
 * list at any depth (pod templates of Deployments, Jobs, CronJobs, custom resources such as
 * PyTorchJob replica specs or KServe predictors), plus the inlined containers of KServe components
 * (`spec.predictor.<framework>.image`).
 */
export function objectImages(o: K8sObject): FoundImage[] {
  const out: FoundImage[] = [];
  const what = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
  const walk = (v: unknown, path: string, inKserveComponent: boolean): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`, false));
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = path ? `${path}.${k}` : k;
      if (CONTAINER_LISTS.has(k) && Array.isArray(x)) {
        x.forEach((c, i) => {
          const image = c && typeof c === 'object' ? (c as Record<string, unknown>).image : undefined;
          if (typeof image === 'string') out.push({ image, where: `${what}: ${p}[${i}].image` });
        });
      } else if (inKserveComponent && x && typeof x === 'object' && !Array.isArray(x) && typeof (x as Record<string, unknown>).image === 'string') {
        out.push({ image: (x as Record<string, unknown>).image as string, where: `${what}: ${p}.image` });
      }
      walk(x, p, o.kind === 'InferenceService' && path === 'spec' && KSERVE_COMPONENTS.has(k));
    }
  };
  walk(o, '', false);
  return out;
}

/** What goes into a cluster's image list. */
export interface ImageListInput {
  readonly k0s: readonly string[];
  readonly charts: readonly string[];
  readonly workloads: readonly FoundImage[];
  /** What could not be listed, each a sentence. */
  readonly unresolved: readonly string[];
}

/** The list file and the problems: a workload image that is not an image reference is an error naming its object. */
export function imageList(input: ImageListInput): { readonly content: string; readonly errors: string[] } {
  const errors: string[] = [];
  const images = new Set<string>();
  const add = (ref: string, where: string) => {
    const n = normalizeImage(ref);
    if (n === undefined) errors.push(`${where}: '${ref}' is not an image reference (registry/name:tag or @sha256:<digest>)`);
    else images.add(n);
  };
  for (const i of input.k0s) add(i, 'k0s image table');
  for (const i of input.charts) add(i, 'chart image table');
  for (const w of input.workloads) add(w.image, w.where);
  const header = [...new Set(input.unresolved)].sort(cmp).map((u) => `# UNRESOLVED: ${u}`);
  const lines = [...header, ...[...images].sort(cmp)];
  return { content: lines.length > 0 ? `${lines.join('\n')}\n` : '', errors };
}

/** The file name of the image list, beside a cluster's `infra/` and `apps/`. */
export const IMAGE_LIST_FILE = 'images.txt';

/** Synth warnings for image lists with unresolved entries, read from the rendered tree. */
export function imageListWarnings(tree: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [path, content] of tree) {
    if (!path.startsWith('sites/') || !path.endsWith(`/${IMAGE_LIST_FILE}`)) continue;
    for (const line of content.split('\n')) {
      if (line.startsWith('# UNRESOLVED: ')) out.push(`${path}: ${line.slice('# UNRESOLVED: '.length)}`);
    }
  }
  return out;
}
