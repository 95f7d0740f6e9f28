/**
 * k0s version spellings. k0s releases are `v<kube>+k0s.<n>`; container images cannot carry `+`, so
 * the hosted control plane (k0smotron `Cluster`, `K0smotronControlPlane`) takes `v<kube>-k0s.<n>`.
 * Cluster API reads `-k0s.N` as a pre-release, so bootstrap configs and k0sctl need the `+` form
 * (k0sproject/k0smotron#1027). Users may write either; each kind gets its own spelling.
 */

/** The k0s release this library's defaults were checked against. */
export const DEFAULT_K0S_VERSION = 'v1.36.3+k0s.2';

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-((?:alpha|beta|rc)\.\d+))?[+-]k0s\.(\d+)$/;

export interface K0sVersion {
  readonly kubernetes: string;
  /** Upstream pre-release tag such as `rc.0`, if any. */
  readonly preRelease?: string;
  readonly k0s: number;
}

/** Parses `v1.36.3+k0s.2`, `v1.36.3-k0s.2` or `1.36.3+k0s.2`; undefined when it is neither. */
export function parseK0sVersion(s: string): K0sVersion | undefined {
  const m = VERSION.exec(s);
  if (!m) return undefined;
  return { kubernetes: `${m[1]}.${m[2]}.${m[3]}`, ...(m[4] ? { preRelease: m[4] } : {}), k0s: Number(m[5]) };
}

function base(v: K0sVersion): string {
  return `v${v.kubernetes}${v.preRelease ? `-${v.preRelease}` : ''}`;
}

/** The release spelling, for k0sctl, K0sWorkerConfig, K0sControlPlane and kcm template values: `v1.36.3+k0s.2`. */
export function releaseSpelling(s: string): string {
  const v = parseK0sVersion(s);
  return v ? `${base(v)}+k0s.${v.k0s}` : s;
}

/** The image-tag spelling, for K0smotronControlPlane and the k0smotron `Cluster`: `v1.36.3-k0s.2`. */
export function imageTagSpelling(s: string): string {
  const v = parseK0sVersion(s);
  return v ? `${base(v)}-k0s.${v.k0s}` : s;
}
