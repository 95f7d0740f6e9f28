/**
 * The checks the API server applies to an object's metadata beyond its schema
 * (k8s.io/apimachinery validation: ValidateObjectMeta, ValidateLabels, ValidateAnnotations), as a pure
 * function. The schema only says "name is a string"; the server also wants the name to be a DNS
 * subdomain, label keys to be qualified names, and so on. Custom resources get the same checks
 * (apiextensions validates CR metadata with the DNS-subdomain rule for names).
 */

/** One problem: JSON pointer below the document and message. */
export interface MetaProblem {
  readonly pointer: string;
  readonly message: string;
}

export interface MetaContext {
  /** API group ('' for the core group). */
  readonly group: string;
  readonly kind: string;
  /** Where the metadata sits in the document, e.g. `/metadata` or `/spec/template/metadata`. */
  readonly at: string;
  /** False for pod templates and other embedded metadata: only labels and annotations are checked there. */
  readonly root: boolean;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Total size of all annotation keys and values (apimachinery TotalAnnotationSizeLimitB). */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && DNS1035_LABEL.test(s);
}

/** Why `key` is not a qualified name (`[prefix/]name`), or undefined when it is one. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "may contain at most one '/' (an optional DNS-subdomain prefix, '/', then the name)";
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) return "has an empty prefix before '/'";
    if (!isDns1123Subdomain(prefix)) return `has prefix '${prefix}', which must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)`;
  }
  if (name.length === 0) return 'has an empty name part';
  if (name.length > 63) return `has a name part of ${name.length} characters; at most 63 are allowed`;
  if (!QUALIFIED_NAME.test(name)) return "has a name part that must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit";
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is one. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long; at most 63 are allowed`;
  if (!LABEL_VALUE.test(value)) return "must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit";
  return undefined;
}

/** JSON-pointer escaping of one path segment. */
function seg(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function quote(s: string): string {
  return JSON.stringify(s.length > 70 ? `${s.slice(0, 67)}...` : s);
}

/** The rule the API server applies to `metadata.name` of a kind, in words, with its check. */
export function nameRule(group: string, kind: string): { check: (name: string) => boolean; rule: string } | undefined {
  if (group === '' && kind === 'Namespace') return { check: isDns1123Label, rule: "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)" };
  if (group === '' && kind === 'Service') return { check: isDns1035Label, rule: "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters)" };
  if (group === 'rbac.authorization.k8s.io') {
    // RBAC names are path segments: 'system:aggregate-to-edit' is valid.
    return { check: (n) => n !== '.' && n !== '..' && !/[/%]/.test(n), rule: "a path segment (not '.' or '..', without '/' or '%')" };
  }
  // IPAddress objects are named after the address (IPv6 has ':'); the server checks that itself.
  if (group === 'networking.k8s.io' && kind === 'IPAddress') return undefined;
  return { check: isDns1123Subdomain, rule: "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most 253 characters)" };
}

/**
 * Problems of one metadata object. Types of the fields themselves (name is a string, labels a map of
 * strings) are reported by the schema; here only values of the right type are judged, so nothing is
 * reported twice.
 */
export function checkObjectMeta(meta: unknown, ctx: MetaContext): MetaProblem[] {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return [];
  const m = meta as Record<string, unknown>;
  const out: MetaProblem[] = [];
  if (ctx.root) {
    const rule = nameRule(ctx.group, ctx.kind);
    if (typeof m.name === 'string' && m.name.length > 0 && rule && !rule.check(m.name)) {
      out.push({ pointer: `${ctx.at}/name`, message: `${ctx.kind} name must be ${rule.rule}; got ${quote(m.name)}; rename the object` });
    }
    if (typeof m.namespace === 'string' && m.namespace.length > 0 && !isDns1123Label(m.namespace)) {
      out.push({
        pointer: `${ctx.at}/namespace`,
        message: `namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got ${quote(m.namespace)}`,
      });
    }
  }
  if (m.labels !== null && typeof m.labels === 'object' && !Array.isArray(m.labels)) {
    for (const [k, v] of Object.entries(m.labels as Record<string, unknown>)) {
      const p = `${ctx.at}/labels/${seg(k)}`;
      const kp = qualifiedNameProblem(k);
      if (kp) out.push({ pointer: p, message: `label key ${quote(k)} ${kp}; rename the label (e.g. 'app' or 'k0smos.io/site')` });
      const vp = typeof v === 'string' ? labelValueProblem(v) : undefined;
      if (vp) out.push({ pointer: p, message: `label value ${quote(v as string)} ${vp}; change it (or keep it in an annotation instead)` });
    }
  }
  if (m.annotations !== null && typeof m.annotations === 'object' && !Array.isArray(m.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(m.annotations as Record<string, unknown>)) {
      const p = `${ctx.at}/annotations/${seg(k)}`;
      // The server checks annotation keys lower-cased: upper-case letters are allowed in them.
      const kp = qualifiedNameProblem(k.toLowerCase());
      if (kp) out.push({ pointer: p, message: `annotation key ${quote(k)} ${kp}; rename the annotation` });
      size += Buffer.byteLength(k, 'utf8') + (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
    }
    if (size > ANNOTATIONS_SIZE_LIMIT) {
      out.push({
        pointer: `${ctx.at}/annotations`,
        message: `annotations total ${size} bytes (keys and values); the API server allows at most ${ANNOTATIONS_SIZE_LIMIT} (256 KiB); move large data to a ConfigMap`,
      });
    }
  }
  return out;
}

/**
 * Where built-in kinds embed pod-template metadata whose labels and annotations the server validates
 * too (PodTemplateSpec in Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController,
 * PodTemplate; JobTemplateSpec in CronJob).
 */
export const BUILTIN_TEMPLATE_METADATA: readonly string[] = ['/spec/template/metadata', '/template/metadata', '/spec/jobTemplate/metadata', '/spec/jobTemplate/spec/template/metadata'];
