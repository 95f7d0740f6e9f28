/**
 * What a Cilium ClusterMesh needs from the networks between its clusters, as plain data for the
 * readiness report, and the checks the fleet can make with the addresses it knows.
 *
 * Facts (OPERABILITY.md §2-3, Cilium 1.19 docs): every node of a member must reach every node of the
 * other members on their InternalIPs (cilium/cilium#24164): the tunnel (VXLAN 8472/UDP in tunnel
 * mode), WireGuard (51871/UDP) or IPsec (ESP), and cilium-health (4240/TCP, ICMP echo). Addresses
 * behind NAT do not work. Each member's clustermesh-apiserver endpoint must be reachable from the
 * peers' nodes (the KVStoreMesh and agents connect from there) and its name must resolve there. With
 * native routing, each member's pod CIDR must be routed to its nodes from the others.
 */
import { defaultTemplateFor } from '../model/cluster-templates';
import type { ValidationIssue } from '../model/errors';
import type { Infrastructure } from '../model/fleet';
import { containsAddress, isIpAddress, parseCidr, parseIpv4, type Cidr } from '../net/cidr';
import { isPrivateIpv4 } from '../net/range';

export type MeshProtocol = 'TCP' | 'UDP' | 'ESP' | 'ICMP';

/** One member as the reachability checks see it. */
export interface ReachabilityMember {
  readonly cluster: string;
  readonly site: string;
  readonly podCidr: string;
  readonly serviceCidr?: string;
  /** Node InternalIPs the fleet knows; undefined when it does not know them (a cloud template). */
  readonly nodeAddresses?: readonly string[];
  /** Where the peers reach the member's clustermesh-apiserver. */
  readonly endpoint: { readonly address: string; readonly port: number; readonly serviceType: 'LoadBalancer' | 'NodePort' };
}

/** Where a flow comes from: the nodes of one peer. */
export interface MeshPeerNodes {
  readonly cluster: string;
  readonly site: string;
  /** The peer's node addresses, or 'unknown' when the fleet does not know them. */
  readonly nodes: readonly string[] | 'unknown';
}

/** Traffic a member must accept, and from whom. */
export interface MeshInboundRule {
  /** What the flow is for: `clustermesh-apiserver`, `vxlan`, `wireguard`, `ipsec`, `health`, `icmp-echo`. */
  readonly name: string;
  readonly protocol: MeshProtocol;
  /** Destination port (none for ESP and ICMP). */
  readonly port?: number;
  /** Where it arrives: the mesh endpoint, or the member's node addresses ('unknown' when the fleet does not know them). */
  readonly to: readonly string[] | 'unknown';
  /** The peers' nodes it comes from. */
  readonly from: readonly MeshPeerNodes[];
  readonly why: string;
}

/** What one member of the mesh needs from the networks around it. */
export interface MeshReachability {
  readonly cluster: string;
  readonly site: string;
  /** The clustermesh-apiserver endpoint the peers dial. */
  readonly endpoint: { readonly address: string; readonly port: number; readonly protocol: 'TCP'; readonly serviceType: 'LoadBalancer' | 'NodePort'; readonly dnsName: boolean };
  /** The member's node addresses, or 'unknown'. */
  readonly nodeAddresses: readonly string[] | 'unknown';
  /** Traffic the member's nodes (and its endpoint) must accept. */
  readonly inbound: readonly MeshInboundRule[];
  /** Names that must resolve in the peers' clusters (their nodes' resolvers, through CoreDNS). */
  readonly dns: readonly { readonly name: string; readonly resolveIn: readonly string[]; readonly to: string }[];
  /** Routes the networks between sites must carry (native routing only). */
  readonly routes: readonly { readonly cidr: string; readonly to: string; readonly from: readonly string[] }[];
  /** What the fleet cannot check and the operator must make true. */
  readonly notes: readonly string[];
}

export interface ReachabilityOptions {
  readonly routingMode: 'tunnel' | 'native';
  readonly encryption: 'wireguard' | 'ipsec' | 'none';
}

/** The VXLAN port Cilium's tunnel uses (chart default `tunnelProtocol: vxlan`). */
export const VXLAN_PORT = 8472;
/** The WireGuard port of Cilium's transparent encryption. */
export const WIREGUARD_PORT = 51871;
/** cilium-health's port between nodes. */
export const HEALTH_PORT = 4240;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reachability of each member (by cluster name) and the problems the fleet can see in the addresses it knows. */
export function meshReachability(members: readonly ReachabilityMember[], options: ReachabilityOptions): { members: MeshReachability[]; issues: ValidationIssue[] } {
  const sorted = [...members].sort((a, b) => byName(a.cluster, b.cluster));
  const issues: ValidationIssue[] = [];

  // One address, one node: the same InternalIP in two members cannot be routed to both.
  const owner = new Map<string, string>();
  for (const m of sorted) {
    for (const a of [...new Set(m.nodeAddresses ?? [])].sort(byName)) {
      const o = owner.get(a);
      if (o !== undefined && o !== m.cluster) {
        issues.push({
          path: `clusters[${m.cluster}].nodes`,
          message: `node address ${a} is also a node address of ${o}; meshed clusters reach each other's nodes by InternalIP, so their node addresses must not overlap (renumber one site, or keep the clusters out of one mesh)`,
        });
      } else owner.set(a, m.cluster);
    }
  }
  // A node address inside a pod or service CIDR of the mesh is routed into the overlay instead.
  const nets: { cluster: string; what: string; text: string; c: Cidr }[] = [];
  for (const m of sorted) {
    for (const [what, text] of [['pod CIDR', m.podCidr], ['service CIDR', m.serviceCidr]] as const) {
      if (text === undefined) continue;
      const c = parseCidr(text);
      if (typeof c !== 'string') nets.push({ cluster: m.cluster, what, text, c });
    }
  }
  for (const m of sorted) {
    for (const a of [...new Set(m.nodeAddresses ?? [])].sort(byName)) {
      const ip = parseIpv4(a);
      if (ip === undefined) continue;
      for (const n of nets) {
        if (containsAddress(n.c, ip)) {
          issues.push({
            path: `clusters[${m.cluster}].nodes`,
            message: `node address ${a} lies in the ${n.what} of ${n.cluster} (${n.text}); Cilium would route it into the mesh overlay. Give the clusters pod and service CIDRs clear of every site's node network (network.podCIDR / serviceCIDR, or the fleet IP plan's pools)`,
          });
        }
      }
    }
  }

  const out: MeshReachability[] = [];
  for (const m of sorted) {
    const peers = sorted.filter((p) => p.cluster !== m.cluster);
    const from: MeshPeerNodes[] = peers.map((p) => ({ cluster: p.cluster, site: p.site, nodes: p.nodeAddresses ? [...p.nodeAddresses].sort(byName) : 'unknown' }));
    const nodes: readonly string[] | 'unknown' = m.nodeAddresses ? [...m.nodeAddresses].sort(byName) : 'unknown';
    const dnsName = !isIpAddress(m.endpoint.address);
    const inbound: MeshInboundRule[] = [];
    if (peers.length > 0) {
      inbound.push({
        name: 'clustermesh-apiserver',
        protocol: 'TCP',
        port: m.endpoint.port,
        to: m.endpoint.serviceType === 'NodePort' ? nodes : [m.endpoint.address],
        from,
        why: `the peers' KVStoreMesh and agents read this cluster's state from its clustermesh-apiserver (${m.endpoint.serviceType}${m.endpoint.serviceType === 'NodePort' ? ` ${m.endpoint.port} on every node` : ''})`,
      });
      if (options.routingMode === 'tunnel') {
        inbound.push({ name: 'vxlan', protocol: 'UDP', port: VXLAN_PORT, to: nodes, from, why: 'pod traffic between the clusters is tunnelled node to node (VXLAN)' });
      }
      if (options.encryption === 'wireguard') {
        inbound.push({ name: 'wireguard', protocol: 'UDP', port: WIREGUARD_PORT, to: nodes, from, why: 'transparent encryption: pod traffic between nodes goes through WireGuard' });
      } else if (options.encryption === 'ipsec') {
        inbound.push({ name: 'ipsec', protocol: 'ESP', to: nodes, from, why: 'transparent encryption: pod traffic between nodes goes through IPsec (ESP)' });
      }
      inbound.push({ name: 'health', protocol: 'TCP', port: HEALTH_PORT, to: nodes, from, why: 'cilium-health probes every node of the mesh' });
      inbound.push({ name: 'icmp-echo', protocol: 'ICMP', to: nodes, from, why: 'cilium-health pings every node of the mesh' });
    }

    const dns = dnsName && peers.length > 0 ? [{ name: m.endpoint.address, resolveIn: peers.map((p) => p.cluster), to: m.endpoint.serviceType === 'NodePort' ? `the nodes of ${m.cluster}` : `the address of the clustermesh-apiserver Service of ${m.cluster}` }] : [];
    const routes = options.routingMode === 'native' && peers.length > 0 ? [{ cidr: m.podCidr, to: `the nodes of ${m.cluster}`, from: peers.map((p) => p.cluster) }] : [];

    const notes: string[] = [];
    if (nodes === 'unknown') notes.push(`the fleet does not know the node addresses of ${m.cluster}: check the rules above against them yourself`);
    const away = peers.filter((p) => p.site !== m.site);
    if (away.length > 0 && nodes !== 'unknown' && nodes.some(isPrivateIpv4)) {
      notes.push(
        `${m.cluster}'s nodes have private addresses (${nodes.filter(isPrivateIpv4).join(', ')}): ${away.map((p) => p.cluster).join(', ')} at other sites reach them only over a routed private network (site-to-site VPN or WAN) that carries these addresses unchanged; ClusterMesh does not work through NAT`,
      );
    }
    if (away.length > 0 && options.encryption === 'none' && options.routingMode === 'tunnel') {
      notes.push(`pod traffic to ${away.map((p) => p.cluster).join(', ')} crosses sites in unencrypted VXLAN: carry it over a private network, or turn on encryption`);
    }
    if (m.endpoint.serviceType === 'NodePort' && !dnsName && nodes !== 'unknown' && !nodes.includes(m.endpoint.address)) {
      notes.push(`the mesh endpoint ${m.endpoint.address} is not one of ${m.cluster}'s node addresses: it must forward port ${m.endpoint.port} to them (a VIP or a balancer in front of the nodes)`);
    }
    if (dnsName && peers.length > 0) {
      notes.push(
        m.endpoint.serviceType === 'NodePort'
          ? `${m.endpoint.address} must resolve, where ${peers.map((p) => p.cluster).join(', ')} resolve names, to ${m.cluster}'s node addresses`
          : `${m.endpoint.address} must resolve, where ${peers.map((p) => p.cluster).join(', ')} resolve names, to the address ${m.cluster}'s clustermesh-apiserver Service gets (kubectl -n kube-system get service clustermesh-apiserver)`,
      );
    }
    out.push({
      cluster: m.cluster,
      site: m.site,
      endpoint: { address: m.endpoint.address, port: m.endpoint.port, protocol: 'TCP', serviceType: m.endpoint.serviceType, dnsName },
      nodeAddresses: nodes,
      inbound,
      dns,
      routes,
      notes,
    });
  }
  return { members: out, issues };
}

/**
 * The node InternalIPs a control-plane spec names: standalone hosts that run a kubelet (not pure
 * controllers), hosted workers, the machines of k0rdent's remote-cluster template. Undefined when
 * the fleet does not know them (cloud templates, clusters bootstrapped elsewhere).
 */
export function knownNodeAddresses(spec: unknown, infrastructure: Infrastructure): string[] | undefined {
  if (!spec || typeof spec !== 'object') return undefined;
  const s = spec as { mode?: string; hosts?: unknown; workers?: unknown; template?: string; config?: { machines?: unknown } };
  const addr = (h: { address?: unknown; privateAddress?: unknown }) =>
    typeof h.privateAddress === 'string' ? h.privateAddress : typeof h.address === 'string' && isIpAddress(h.address) ? h.address : undefined;
  const list = (xs: unknown, keep: (h: Record<string, unknown>) => boolean = () => true) =>
    Array.isArray(xs)
      ? xs
          .filter((h): h is Record<string, unknown> => !!h && typeof h === 'object' && keep(h as Record<string, unknown>))
          .map(addr)
          .filter((a): a is string => a !== undefined)
      : undefined;
  if (s.mode === 'standalone') return list(s.hosts, (h) => h.role !== 'controller');
  if (s.mode === 'hosted') return list(s.workers);
  if (s.mode === 'k0rdent' && (s.template ?? defaultTemplateFor(infrastructure)) === 'remote-cluster') return list(s.config?.machines);
  return undefined;
}
