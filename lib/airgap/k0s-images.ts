/**
 * The container images k0s itself runs on a cluster's nodes, per k0s release: what
 * `k0s airgap list-images` prints for that release and configuration. Pure data and one function.
 *
 * Each row is read from k0s's `pkg/constant` at a commit of that release line (the image names and
 * tags k0s compiles in). A component whose tag could not be read for a release stays `undefined`
 * with no guess: the image list then says so and synth warns (`k0s airgap list-images --all` of
 * that k0s binary prints it).
 *
 * To add a release: run `k0s airgap list-images --all` with that k0s binary (or read
 * `pkg/constant/constant.go` at its tag) and add a row below with the source.
 */
import { parseK0sVersion, releaseSpelling } from '../model/k0s-version';

/** The components `k0s airgap list-images` prints, by what turns them on. */
export interface K0sComponentImages {
  /** Upstream source of the row. */
  readonly source: string;
  /** `quay.io/k0sproject/apiserver-network-proxy-agent` (workers' konnectivity agent). */
  readonly konnectivity?: string;
  /** `registry.k8s.io/metrics-server/metrics-server`. */
  readonly metricsServer?: string;
  /** `quay.io/k0sproject/kube-proxy` (unless kube-proxy is disabled). */
  readonly kubeProxy?: string;
  /** `quay.io/k0sproject/coredns`. */
  readonly coredns?: string;
  /** The sandbox (pause) image. */
  readonly pause?: string;
  /** kube-router CNI and its installer (network provider kuberouter). */
  readonly kubeRouter?: string;
  readonly kubeRouterInstaller?: string;
  /** Calico CNI, node and kube-controllers (network provider calico). */
  readonly calicoCni?: string;
  readonly calicoNode?: string;
  readonly calicoKubeControllers?: string;
}

/** The image repositories k0s uses; the tags vary by release. */
export const K0S_IMAGE_REPOSITORIES: Readonly<Record<Exclude<keyof K0sComponentImages, 'source'>, string>> = {
  konnectivity: 'quay.io/k0sproject/apiserver-network-proxy-agent',
  metricsServer: 'registry.k8s.io/metrics-server/metrics-server',
  kubeProxy: 'quay.io/k0sproject/kube-proxy',
  coredns: 'quay.io/k0sproject/coredns',
  pause: 'registry.k8s.io/pause',
  kubeRouter: 'quay.io/k0sproject/kube-router',
  kubeRouterInstaller: 'quay.io/k0sproject/cni-node',
  calicoCni: 'quay.io/k0sproject/calico-cni',
  calicoNode: 'quay.io/k0sproject/calico-node',
  calicoKubeControllers: 'quay.io/k0sproject/calico-kube-controllers',
};

const REPO = K0S_IMAGE_REPOSITORIES;

/**
 * k0s releases the library knows the images of, in release spelling. k0s tags its kube-proxy image
 * with the Kubernetes version it embeds (v1.29.x, v1.31.x rows of pkg/constant), so that tag is known
 * for every release; the other components are pinned per release and listed only where read.
 */
export const K0S_IMAGES: Readonly<Record<string, K0sComponentImages>> = {
  // The release-1.31 branch (KubernetesPreRelease false); the v1.31.11+k0s.0 tag itself was not read.
  'v1.31.11+k0s.0': {
    source: 'k0sproject/k0s@0004f23591b1:pkg/constant/constant.go (release-1.31 line, Kubernetes 1.31, kube-proxy v1.31.11)',
    konnectivity: `${REPO.konnectivity}:v0.30.3`,
    metricsServer: `${REPO.metricsServer}:v0.7.2`,
    kubeProxy: `${REPO.kubeProxy}:v1.31.11`,
    coredns: `${REPO.coredns}:1.11.4`,
    pause: `${REPO.pause}:3.9`,
    kubeRouter: `${REPO.kubeRouter}:v2.2.1-iptables1.8.9-1`,
    kubeRouterInstaller: `${REPO.kubeRouterInstaller}:1.3.0-k0s.0`,
    calicoCni: `${REPO.calicoCni}:v3.28.4-0`,
    calicoNode: `${REPO.calicoNode}:v3.28.4-0`,
    calicoKubeControllers: `${REPO.calicoKubeControllers}:v3.28.4-0`,
  },
  // The library's default release. Only kube-proxy's tag follows from the version; the rest were not
  // readable from the sources at hand (k0s v1.36 pkg/constant), so the list names them as unresolved.
  'v1.36.3+k0s.2': {
    source: 'kube-proxy tag = the embedded Kubernetes version (k0s pkg/constant convention); other tags not read for v1.36.3+k0s.2',
    kubeProxy: `${REPO.kubeProxy}:v1.36.3`,
  },
};

/** What decides which k0s images a cluster's nodes run. */
export interface K0sImageOptions {
  /** k0s network provider (`custom`: k0s deploys no CNI). */
  readonly provider: 'kuberouter' | 'calico' | 'custom';
  /** kube-proxy disabled (Cilium replaces it). */
  readonly kubeProxyDisabled: boolean;
}

/** The k0s images of a cluster's nodes, and the components whose tag the library does not know. */
export interface K0sImages {
  readonly images: string[];
  /** `<component> (<repository>)` for each component the release row lacks. */
  readonly unresolved: string[];
}

/** The releases the table knows, sorted. */
export function knownK0sImageReleases(): string[] {
  return Object.keys(K0S_IMAGES).sort();
}

/**
 * The images k0s runs on a cluster's nodes for a k0s release, or undefined when the release is not in
 * the table. Control-plane images of hosted control planes run in the management cluster, not here.
 */
export function k0sImages(version: string, options: K0sImageOptions): K0sImages | undefined {
  if (!parseK0sVersion(version)) return undefined;
  const row = K0S_IMAGES[releaseSpelling(version)];
  if (!row) return undefined;
  const wanted: (keyof typeof REPO)[] = ['konnectivity', 'metricsServer', 'coredns', 'pause'];
  if (!options.kubeProxyDisabled) wanted.push('kubeProxy');
  if (options.provider === 'kuberouter') wanted.push('kubeRouter', 'kubeRouterInstaller');
  if (options.provider === 'calico') wanted.push('calicoCni', 'calicoNode', 'calicoKubeControllers');
  const images: string[] = [];
  const unresolved: string[] = [];
  for (const c of wanted) {
    const image = row[c];
    if (image !== undefined) images.push(image);
    else unresolved.push(`k0s ${releaseSpelling(version)} ${c} (${REPO[c]}): tag not in the library's table; \`k0s airgap list-images --all\` of that k0s prints it`);
  }
  return { images, unresolved };
}

/** The error for a release the table lacks: what to do about it. */
export function unknownK0sReleaseMessage(version: string): string {
  return `k0s ${releaseSpelling(version)} is not in the air-gap image table (lib/airgap/k0s-images.ts; known: ${knownK0sImageReleases().join(', ')}), so its image list cannot be written. Use a known k0sVersion, or add a row for it from \`k0s airgap list-images --all\` of that k0s binary (or pkg/constant/constant.go at its tag)`;
}
