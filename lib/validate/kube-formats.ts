/**
 * Value formats the Kubernetes API server checks, as pure predicates, and what to tell the user when
 * a value fails one.
 *
 * Which formats count. The API server enforces a schema `format` in two ways:
 * - Built-in kinds are decoded into Go structs, so a value that does not fit the Go type is refused:
 *   `int32`/`int64` out of range, `date-time` (metav1.Time, RFC 3339), `byte` ([]byte, base64) and
 *   `resource.Quantity` (its own grammar, below).
 * - Custom resources are checked by apiextensions against the formats listed in the swagger's
 *   JSONSchemaProps.format description (bsonobjectid, uri, email, hostname, ipv4, ipv6, cidr, mac,
 *   uuid*, isbn*, creditcard, ssn, hexcolor, rgbcolor, byte, password, date, duration, datetime); any
 *   other format is stripped from the CRD and not checked.
 *
 * Enforced here: every format the upstream schemas in shared/schemas actually use that one of the two
 * routes enforces: int32, int64, date-time, byte, cidr, ipv4 (+ ipv6, which cidr needs anyway), and the
 * quantity grammar. For custom resources `int32`/`int64` are stricter than the server, which strips
 * them: we keep them because the operator decodes the object into the same Go integer type and
 * could not read a larger value.
 *
 * Deliberately ignored (the API server does not check them, or no upstream schema uses them here):
 * - `double`, `float`: any JSON number is accepted;
 * - `int-or-string`: expressed structurally (integer or string) by the schema transform;
 * - `idn-hostname` (Argo CD, Sveltos CRDs): not in apiextensions' list, so the server strips it;
 * - `hostname`: used only by rig's k0sctl connection schemas, which no API server sees;
 * - the rest of apiextensions' list (uri, email, uuid, mac, date, duration, ...): used by none of the
 *   upstream schemas; a test fails if one starts to appear.
 */

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
/** int64 bounds as the closest doubles; YAML readers give us doubles anyway. */
export const INT64_MIN = -9223372036854775808;
export const INT64_MAX = 9223372036854775807;

export function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
}

export function isInt64(n: number): boolean {
  // 2^63 itself is the first double above INT64_MAX; it rounds to INT64_MAX's double, so compare strictly.
  return Number.isInteger(n) && n >= INT64_MIN && n < 9223372036854775808;
}

/**
 * A Kubernetes quantity (k8s.io/apimachinery resource.ParseQuantity):
 * `[+-]` number (`1`, `1.5`, `1.`, `.5`) and an optional suffix: binary SI (`Ki` .. `Ei`), decimal
 * SI (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or a decimal exponent (`e3`, `E-2`, integer only).
 * Same as the pattern controller-gen writes into CRDs, except that the exponent must be an integer
 * (the pattern allows `1e1.5`, which the Go parser, and so the operator, refuses).
 */
const QUANTITY = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

export function isQuantity(s: string): boolean {
  return QUANTITY.test(s);
}

/** The pattern controller-gen emits for resource.Quantity fields in CRDs; we replace it with {@link isQuantity}. */
export const CRD_QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 date-time as Go's time.Parse(time.RFC3339) reads it (metav1.Time), with calendar checks. */
export function isDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Standard base64 with padding, as Go's base64.StdEncoding decodes it (line breaks are skipped). */
export function isBase64(s: string): boolean {
  const t = s.replace(/[\r\n]/g, '');
  return t.length % 4 === 0 && /^[A-Za-z0-9+/]*(=|==)?$/.test(t) && !/=[^=]/.test(t);
}

const OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

/** Dotted-quad IPv4, each part 0-255 without leading zeros (Go's net.ParseIP refuses those since 1.17). */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

/** IPv6 as Go's net.ParseIP reads it: 8 groups of 1-4 hex digits, one `::`, an optional trailing IPv4. No zone. */
export function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  let body = s;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    // A trailing IPv4 stands for the last two groups.
    if (!isIPv4(tail)) return false;
    body = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const groups = [...parse(halves[0]!), ...(halves.length === 2 ? parse(halves[1]!) : [])];
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

/** `address/prefix` as Go's net.ParseCIDR reads it. */
export function isCidr(s: string): boolean {
  const i = s.indexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i);
  const bits = s.slice(i + 1);
  if (!/^[0-9]{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  if (isIPv6(ip)) return Number(bits) <= 128;
  return false;
}

/** The formats registered with Ajv: name, the JSON type they apply to, the check, and how to say what is expected. */
export interface KubeFormat {
  readonly type: 'string' | 'number';
  readonly validate: ((s: string) => boolean) | ((n: number) => boolean);
  readonly expected: string;
}

/** The name Ajv knows our quantity check by (not an OpenAPI format; the schema transform puts it where quantities are). */
export const QUANTITY_FORMAT = 'k8s-quantity';

export const KUBE_FORMATS: Readonly<Record<string, KubeFormat>> = {
  int32: { type: 'number', validate: isInt32, expected: `must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX})` },
  int64: { type: 'number', validate: isInt64, expected: 'must be a 64-bit integer (-9223372036854775808 to 9223372036854775807)' },
  'date-time': { type: 'string', validate: isDateTime, expected: 'must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z' },
  byte: { type: 'string', validate: isBase64, expected: "must be base64 (standard alphabet, padded with '='); encode the bytes with base64" },
  cidr: { type: 'string', validate: isCidr, expected: 'must be a CIDR such as 10.0.0.0/16 or fd00::/64' },
  ipv4: { type: 'string', validate: isIPv4, expected: 'must be an IPv4 address such as 10.0.0.1' },
  ipv6: { type: 'string', validate: isIPv6, expected: 'must be an IPv6 address such as fd00::1' },
  [QUANTITY_FORMAT]: {
    type: 'string',
    validate: isQuantity,
    expected: 'must be a Kubernetes quantity: a number with an optional suffix (m, k, M, G, T, Ki, Mi, Gi, Ti or e<integer>) and no spaces, such as 2, 500m, 1.5Gi, 16Gi or 2e3',
  },
};

/** Formats the API server does not check (see the header); dropped from schemas without a warning. */
export const IGNORED_FORMATS: ReadonlySet<string> = new Set(['double', 'float', 'int-or-string', 'idn-hostname', 'hostname']);

/**
 * The format name as we register it, or undefined when the format is not checked. The API server
 * compares format names with '-' removed (go-openapi), so `datetime` is `date-time`.
 */
export function enforcedFormat(format: string): string | undefined {
  const norm = format.replace(/-/g, '');
  for (const name of Object.keys(KUBE_FORMATS)) if (name !== QUANTITY_FORMAT && name.replace(/-/g, '') === norm) return name;
  return undefined;
}
