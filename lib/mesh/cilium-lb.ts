/**
 * Cilium LB IPAM with L2 announcements for a cluster whose `loadBalancer.provider` is `cilium`
 * (Cilium 1.19, ADDONS.md §7): a `CiliumLoadBalancerIPPool` (cilium.io/v2, cluster-scoped) with the
 * cluster's address ranges, and a `CiliumL2AnnouncementPolicy` (cilium.io/v2alpha1) that answers ARP
 * for LoadBalancer addresses on the nodes' LAN. The chart side (`l2announcements.enabled`, a raised
 * `k8sClientRateLimit`, kube-proxy replacement) is in the mesh values. IPv4 only (cilium/cilium#28985).
 */
import { parseCidr } from '../net/cidr';
import { parseAddressRange } from '../net/range';
import type { K8sObject } from '../synth/objects';

/** Name of the pool and of the announcement policy the fleet writes. */
export const CILIUM_LB_NAME = 'k0smos-load-balancer';

export interface CiliumLoadBalancerInput {
  /** CIDRs or `first-last` IPv4 ranges on the nodes' LAN. */
  readonly addresses: readonly string[];
  /** Node interfaces that announce (regular expressions). @default - every interface */
  readonly interfaces?: readonly string[];
  /** Labels for both objects. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The pool and the L2 policy, or the problems with the ranges (one message per bad entry). */
export function ciliumLoadBalancerObjects(i: CiliumLoadBalancerInput): { objects: K8sObject[]; issues: string[] } {
  const issues: string[] = [];
  const blocks: Record<string, string>[] = [];
  for (const a of i.addresses) {
    const r = parseAddressRange(a);
    if (typeof r === 'string') {
      issues.push(`loadBalancer.addresses: ${r}`);
      continue;
    }
    blocks.push(typeof parseCidr(a) === 'string' ? { start: a.slice(0, a.indexOf('-')).trim(), stop: a.slice(a.indexOf('-') + 1).trim() } : { cidr: a });
  }
  if (issues.length > 0) return { objects: [], issues };
  const metadata = { name: CILIUM_LB_NAME, ...(i.labels && Object.keys(i.labels).length > 0 ? { labels: { ...i.labels } } : {}) };
  return {
    issues,
    objects: [
      { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata, spec: { blocks } },
      {
        apiVersion: 'cilium.io/v2alpha1',
        kind: 'CiliumL2AnnouncementPolicy',
        metadata: { ...metadata },
        spec: { loadBalancerIPs: true, ...(i.interfaces && i.interfaces.length > 0 ? { interfaces: [...i.interfaces] } : {}) },
      },
    ],
  };
}
