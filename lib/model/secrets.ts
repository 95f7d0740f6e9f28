/**
 * Secret material in free-form user values (add-on values, template config, labels, annotations, env).
 * Nothing secret may reach the output: it is a GitOps tree, committed and shared. Detection is by value
 * (PEM private keys, well-known token formats, credentials in URLs, long high-entropy strings) and by
 * the name of the field (password, secret, token, apikey, credential, private key...). Fields that name
 * another object (`existingSecret`, `secretName`, `secretRef`, `…Secret: <name>`, `credential`,
 * `identityRef`, `valuesFrom`) are references and never flagged; nor are image digests and public
 * certificates (CA bundles), in PEM or base64.
 *
 * Per-field opt-out: the field paths listed in `notSecret` (relative to the scanned value, dotted, array
 * elements as `[i]`, e.g. `auth.tokenTTL`) are not checked by name or entropy (a private key or a known
 * token format is still refused: those are never "not secret").
 */
import type { ValidationIssue } from './errors';

/** How to get a secret to the cluster without writing it. */
export const SECRET_WAY_OUT =
  'secrets are referenced by name, never written into the repository: create a Secret (or an ExternalSecret) in the cluster and reference it (existingSecret/secretName in chart values, valuesFrom: [{ kind: Secret, name }] on a k0rdent add-on)';

const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

/** Well-known token formats, with the name said in the error. */
const TOKEN_FORMATS: readonly { readonly name: string; readonly re: RegExp }[] = [
  { name: 'a GitHub token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/ },
  { name: 'a GitLab token', re: /\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_-]{20,}/ },
  { name: 'a Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'a Slack webhook URL', re: /hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/ },
  { name: 'an AWS access key id', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/ },
  { name: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'a Stripe key', re: /\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}/ },
  { name: 'an API key (sk-…)', re: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}/ },
  { name: 'a Hugging Face token', re: /\bhf_[A-Za-z0-9]{30,}\b/ },
  { name: 'a JSON Web Token', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: 'a password in a URL', re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i },
];

/** Field names that hold secret values (the key, lower-cased with `_`, `-` and `.` removed, contains one). */
const SECRET_NAME_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'accesskey', 'privatekey', 'credential', 'sshkey', 'signingkey', 'encryptionkey', 'clientkey', 'bearer', 'authkey'];

/** Keys whose value names another object (a reference, not a value): never flagged, nor anything below them. */
const REFERENCE_KEY =
  /(?:secretname|secretref|secretrefs|secretkeyref|existingsecret|existingsecrets|secretkeyselector|identityref|credentialref|credentialsref|credentialname|credentialsname|credentialssecret|valuesfrom|valuefrom|envfrom|secretproviderclass|externalsecret|secretstoreref)$/;
/** Keys that name or describe a secret rather than hold one (`tokenTTL`, `passwordFile`, `secretMountPath`). */
const DESCRIBES_SECRET = /(?:name|names|ref|file|files|path|paths|dir|mountpath|ttl|expiry|expiration|duration|lifetime|length|minlength|enabled|enable|mode|type|policy|header|field|key(?:name|ref)|url|uri|endpoint|issuer|audience|namespace|annotation|label|class|format|strategy|rotation|provider|source|store|kind)$/;
/** Keys ending in `secret`/`credential(s)` whose value is an object name are references (`tlsSecret: my-tls`). Not these: */
const SECRET_VALUE_KEYS = new Set(['clientsecret', 'sharedsecret', 'webhooksecret', 'secret', 'appsecret', 'cookiesecret', 'jwtsecret', 'hmacsecret', 'secretkey', 'secretaccesskey', 'consumersecret']);
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const norm = (key: string) => key.toLowerCase().replace(/[-_.]/g, '');
/** The key with words that only look secret (`tokenizer`) taken out. */
const nameOf = (k: string) => k.replace(/tokeniz[a-z]*/g, '');

/** The well-known secret a string holds (`a private key`, `a GitHub token`...), or undefined. Never a false alarm on certificates or digests. */
export function secretFormat(v: string): string | undefined {
  if (PRIVATE_KEY.test(v)) return 'a private key';
  for (const t of TOKEN_FORMATS) if (t.re.test(v)) return t.name;
  // A base64-encoded PEM (`caBundle: LS0tLS1CRUdJTi...`): a certificate is public, a key is not.
  const b64 = v.replace(/\s+/g, '');
  if (b64.length >= 40 && b64.startsWith('LS0tLS1CRUdJT') && /^[A-Za-z0-9+/=]+$/.test(b64)) {
    const decoded = Buffer.from(b64, 'base64').toString('latin1');
    if (PRIVATE_KEY.test(decoded)) return 'a private key (base64)';
  }
  return undefined;
}

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * True for a long random-looking string: at least 32 characters of base64/base64url without spaces,
 * letters of both cases and digits, high entropy. Digests, UUIDs, hex ids (commit ids), paths, URLs,
 * dotted names and certificates are not.
 */
export function looksRandom(v: string): boolean {
  const s = v.trim();
  if (s.length < 32 || s.length > 4096) return false;
  if (!/^[A-Za-z0-9+/=_-]+$/.test(s)) return false;
  if (/^(?:sha256|sha512|sha1):/.test(s) || /^[0-9a-fA-F]+$/.test(s)) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return false;
  if (s.startsWith('/') || s.startsWith('LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t')) return false;
  if (!/[a-z]/.test(s) || !/[A-Z]/.test(s) || !/[0-9]/.test(s)) return false;
  return entropy(s) >= 4.2;
}

export interface SecretScanOptions {
  /** Field paths (relative to the scanned value: `auth.tokenTTL`, `env[0].value`) known not to be secret. */
  readonly notSecret?: readonly string[];
  /** The field users set to opt a value out, named in the error (`addons[x].notSecret`). Omit where there is none. */
  readonly optOutField?: string;
}

/**
 * Secret values given inline anywhere in `value` (a record, list or string), each named by its path
 * (`path` + the field path). See the file comment for what is and is not flagged.
 */
export function secretIssues(value: unknown, path: string, options: SecretScanOptions = {}): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const optOut = new Set(options.notSecret ?? []);
  const hint = (rel: string) => (options.optOutField ? `; if it is not a secret, list '${rel}' in ${options.optOutField}` : '');
  const walk = (v: unknown, rel: string, key: string | undefined, isRef: boolean) => {
    const p = path === '' ? rel : `${path}${rel.startsWith('[') || rel === '' ? '' : '.'}${rel}`;
    if (typeof v === 'string') {
      const format = secretFormat(v);
      if (format) {
        out.push({ path: p, message: `contains ${format}${format.startsWith('a private key') ? '' : ' (a secret)'}; ${SECRET_WAY_OUT}` });
        return;
      }
      if (isRef || optOut.has(rel) || v.length === 0) return;
      if (/^\s*(\{\{.*\}\}|\$\{[^}]*\}|\$\([^)]*\))\s*$/.test(v)) return; // a template expression or env reference, resolved elsewhere
      // A command-line flag or an environment assignment carries its own name: `--db-password=x`, `API_TOKEN=x`.
      const assignment = /^\s*(?:--?)?([A-Za-z][A-Za-z0-9_.-]*)=(.+)$/s.exec(v);
      if (assignment && !/^\s*(\{\{.*\}\}|\$\{[^}]*\}|\$\([^)]*\))\s*$/.test(assignment[2]!)) {
        const an = norm(assignment[1]!);
        if (SECRET_NAME_PARTS.some((part) => nameOf(an).includes(part)) && !DESCRIBES_SECRET.test(an)) {
          out.push({ path: p, message: `looks like a secret value given inline ('${assignment[1]}=…'); ${SECRET_WAY_OUT}; pass it from a Secret instead (an env var with valueFrom.secretKeyRef, or a mounted file)${hint(rel)}` });
          return;
        }
      }
      const k = key !== undefined ? norm(key) : undefined;
      if (k !== undefined && SECRET_NAME_PARTS.some((part) => nameOf(k).includes(part)) && !DESCRIBES_SECRET.test(k)) {
        const namesObject = (k.endsWith('secret') || k.endsWith('credential') || k.endsWith('credentials')) && !SECRET_VALUE_KEYS.has(k) && OBJECT_NAME.test(v) && v.length <= 253;
        if (!namesObject) {
          out.push({ path: p, message: `looks like a secret value given inline; ${SECRET_WAY_OUT} (the field '${key}' is named like one that holds a secret${hint(rel)})` });
          return;
        }
      }
      if (looksRandom(v)) out.push({ path: p, message: `looks like a secret value given inline; ${SECRET_WAY_OUT} (a long random string of ${v.length} characters${hint(rel)})` });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${rel}[${i}]`, key, isRef));
    } else if (v && typeof v === 'object') {
      // An environment entry `{ name: DB_PASSWORD, value: ... }`: its value is named by `name`.
      const entry = v as Record<string, unknown>;
      if (typeof entry.name === 'string' && 'value' in entry && Object.keys(entry).every((k) => k === 'name' || k === 'value')) {
        const ref = isRef || optOut.has(rel ? `${rel}.value` : 'value');
        walk(entry.value, rel ? `${rel}.value` : 'value', entry.name, ref);
        return;
      }
      for (const [k, x] of Object.entries(v)) {
        const ref = isRef || REFERENCE_KEY.test(norm(k)) || optOut.has(rel ? `${rel}.${k}` : k);
        walk(x, rel ? `${rel}.${k}` : k, k, ref);
      }
    }
  };
  walk(value, '', undefined, false);
  return out;
}

/**
 * A field that must hold a path (keyPath, manifestFile, airgapBundle): one line, no secret material,
 * of a sane length. Returns the problem, or undefined.
 */
export function pathProblem(v: string): string | undefined {
  const format = secretFormat(v);
  if (format) return `must be a path, and it contains ${format}; give the path of the file on the machine that reads it, never its content. ${SECRET_WAY_OUT}`;
  if (/[\r\n\0]/.test(v)) return 'must be a path (one line); it holds several lines: give the path of the file, not its content';
  if (v.length > 4096) return `must be a path; it is ${v.length} characters long (paths are at most 4096): give the path of the file, not its content`;
  if (v.trim() !== v || v.length === 0) return `must be a path without leading or trailing spaces; got '${v}'`;
  return undefined;
}

/**
 * Key material and well-known tokens in a rendered tree (file path -> text), by file and line: the
 * check that holds whatever path a value took to the output. Values are found by format only here.
 */
export function secretsInTree(tree: ReadonlyMap<string, string>): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const [file, text] of tree) {
    if (!/PRIVATE KEY|LS0tLS1CRUdJT|gh[pousr]_|github_pat_|gl[a-z]{2,3}-|xox[abposr]-|hooks\.slack|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIza|_live_|_test_|sk-|hf_|eyJ|:\/\/[^\s/:@]+:[^\s/@]+@/.test(text)) continue;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      // A PEM block spans lines: its BEGIN line carries the marker.
      const format = secretFormat(line);
      if (!format) continue;
      const key = /^\s*-?\s*([^:\s]+):/.exec(line)?.[1];
      out.push({ path: `${file}:${i + 1}`, message: `${key ? `field '${key}' ` : ''}contains ${format}, which would be written into the repository; ${SECRET_WAY_OUT}` });
    }
  }
  return out;
}
