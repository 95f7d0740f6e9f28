/**
 * The k0sctl `Cluster` file (`k0sctl.k0sproject.io/v1beta1`, STACK.md §1) for a standalone cluster:
 * hosts with SSH address, user and key *path*, an explicit unique private address per host
 * (k0sctl#451/#1100: auto-detection picks NAT or VIP addresses), roles, the k0s version in release
 * spelling and the embedded ClusterConfig.
 */
import type { ResolvedStandaloneHost } from '../model/cluster';
import { releaseSpelling } from '../model/k0s-version';
import { K0SCTL_API_VERSION } from '../validate/k0sctl-schema';

export interface K0sctlInput {
  readonly name: string;
  readonly k0sVersion: string;
  readonly hosts: readonly ResolvedStandaloneHost[];
  /** The embedded ClusterConfig document. */
  readonly config: Record<string, unknown>;
  /** k0s worker arguments per node pool (node labels). */
  readonly workerArgs: (pool: string | undefined) => readonly string[];
  /** Airgap image bundle to upload to every host. */
  readonly airgapBundle?: string;
  /**
   * Files uploaded to every host that runs a controller (roles controller, controller+worker, single)
   * before k0s starts: manifests for the k0s manifest deployer (`/var/lib/k0s/manifests/<stack>/`).
   */
  readonly controllerFiles?: readonly K0sctlFile[];
}

/** A k0sctl `hosts[].files` entry: a file on the machine that runs k0sctl, copied to a host. */
export interface K0sctlFile {
  /** Label in k0sctl's log. */
  readonly name: string;
  /** Path on the machine that runs k0sctl (never the content). */
  readonly src: string;
  /** Directory on the host; k0sctl creates it. */
  readonly dstDir: string;
  /** File mode on the host. */
  readonly perm: string;
}

/** The k0s manifest deployer's folder on a controller: each subfolder is a stack applied at start and kept in sync. */
export const K0S_MANIFESTS_DIR = '/var/lib/k0s/manifests';

export function k0sctlCluster(i: K0sctlInput): Record<string, unknown> {
  return {
    apiVersion: K0SCTL_API_VERSION,
    kind: 'Cluster',
    metadata: { name: i.name },
    spec: {
      hosts: i.hosts.map((h) => {
        const args = h.role === 'controller' ? [] : i.workerArgs(h.nodePool);
        const files = [
          ...(i.airgapBundle !== undefined ? [{ name: 'k0s-airgap-bundle', src: i.airgapBundle, dstDir: '/var/lib/k0s/images/', perm: '0600' }] : []),
          ...(h.role !== 'worker' ? (i.controllerFiles ?? []).map((f) => ({ name: f.name, src: f.src, dstDir: f.dstDir, perm: f.perm })) : []),
        ];
        return {
          role: h.role,
          ssh: { address: h.address, user: h.user, port: h.port, ...(h.keyPath !== undefined ? { keyPath: h.keyPath } : {}) },
          privateAddress: h.privateAddress,
          ...(h.noTaints ? { noTaints: true } : {}),
          ...(args.length > 0 ? { installFlags: [...args] } : {}),
          ...(files.length > 0 ? { files } : {}),
        };
      }),
      k0s: { version: releaseSpelling(i.k0sVersion), config: i.config },
    },
  };
}
