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
}

export function k0sctlCluster(i: K0sctlInput): Record<string, unknown> {
  return {
    apiVersion: K0SCTL_API_VERSION,
    kind: 'Cluster',
    metadata: { name: i.name },
    spec: {
      hosts: i.hosts.map((h) => {
        const args = h.role === 'controller' ? [] : i.workerArgs(h.nodePool);
        return {
          role: h.role,
          ssh: { address: h.address, user: h.user, port: h.port, ...(h.keyPath !== undefined ? { keyPath: h.keyPath } : {}) },
          privateAddress: h.privateAddress,
          ...(h.noTaints ? { noTaints: true } : {}),
          ...(args.length > 0 ? { installFlags: [...args] } : {}),
          ...(i.airgapBundle !== undefined ? { files: [{ name: 'k0s-airgap-bundle', src: i.airgapBundle, dstDir: '/var/lib/k0s/images/', perm: '0600' }] } : {}),
        };
      }),
      k0s: { version: releaseSpelling(i.k0sVersion), config: i.config },
    },
  };
}
