/**
 * Flows declared once, with both ends, by the construct that needs them (in the manner of aws-cdk
 * `Connections` and cdk8s-plus `pod.connections`): `connections.allowTo(Peer.dns(cluster), Port.dns())`
 * records one flow on the fleet; the mesh writes its egress policy at the source and its ingress policy
 * at the destination, and the readiness report lists it.
 */
import type { IConstruct } from 'constructs';
import { describeEndpoint, type FlowEndpoint, type FlowPort, type FlowProtocol, type FlowSpec } from '../lib/net/flows';
import { Fleet } from './fleet';
import type { ClusterChart } from './folder-chart';

const clusterOf = (c: ClusterChart) => ({ site: c.siteName, cluster: c.clusterName });

/** One end of a flow. Create one with a static factory. */
export class Peer {
  /** Pods of `namespace` in `cluster` with these labels (every pod of the namespace when none are given). */
  public static pods(cluster: ClusterChart, namespace: string, podLabels: Readonly<Record<string, string>> = {}): Peer {
    return new Peer({ kind: 'pods', at: clusterOf(cluster), namespace, podLabels: { ...podLabels } });
  }
  /** Every pod of a namespace. */
  public static namespace(cluster: ClusterChart, namespace: string): Peer {
    return Peer.pods(cluster, namespace);
  }
  /** Pods of a workload the placement solver places: their cluster is the one (or ones) it chooses at synth. */
  public static placedPods(workload: string, namespace: string, podLabels: Readonly<Record<string, string>> = {}): Peer {
    return new Peer({ kind: 'pods', at: { placedWith: workload }, namespace, podLabels: { ...podLabels } });
  }
  /** The cluster DNS (kube-dns in kube-system) of a cluster. */
  public static dns(cluster: ClusterChart): Peer {
    return new Peer({ kind: 'dns', at: clusterOf(cluster) });
  }
  /** The Kubernetes API server of a cluster. */
  public static apiServer(cluster: ClusterChart): Peer {
    return new Peer({ kind: 'api-server', at: clusterOf(cluster) });
  }
  /** Addresses outside every cluster of the fleet: these CIDRs, or any such address when none are given. */
  public static world(cidrs: readonly string[] = []): Peer {
    return new Peer({ kind: 'world', cidrs: [...cidrs] });
  }
  /** Every pod of the other end's namespace, in the other end's cluster (the other end must be pods). */
  public static sameNamespace(): Peer {
    return new Peer(undefined);
  }

  /** The DNS of the cluster a pods peer is in (also for a placed workload, whose cluster the solver chooses). */
  public static dnsOf(at: Peer): Peer {
    const s = at.spec;
    if (!s || s.kind !== 'pods') throw new Error('Peer.dnsOf needs a pods peer');
    return new Peer({ kind: 'dns', at: { ...s.at } });
  }
  /** The API server of the cluster a pods peer is in (also for a placed workload). */
  public static apiServerOf(at: Peer): Peer {
    const s = at.spec;
    if (!s || s.kind !== 'pods') throw new Error('Peer.apiServerOf needs a pods peer');
    return new Peer({ kind: 'api-server', at: { ...s.at } });
  }

  private constructor(
    /** The end as plain data; undefined for {@link Peer.sameNamespace}, which takes the other end's. */
    public readonly spec: FlowEndpoint | undefined,
  ) {}
}

/** Destination ports of a flow. */
export class Port {
  public static tcp(port: number): Port {
    return new Port([{ port, protocol: 'TCP' }]);
  }
  public static udp(port: number): Port {
    return new Port([{ port, protocol: 'UDP' }]);
  }
  public static tcpRange(port: number, endPort: number): Port {
    return new Port([{ port, endPort, protocol: 'TCP' }]);
  }
  /** DNS: 53 over UDP and TCP. */
  public static dns(): Port {
    return new Port([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
  }
  /** Every port and protocol. */
  public static allTraffic(): Port {
    return new Port([]);
  }
  /** From plain data. */
  public static of(port: number, protocol: FlowProtocol = 'TCP'): Port {
    return new Port([{ port, protocol }]);
  }
  private constructor(public readonly ports: readonly FlowPort[]) {}
}

/** Options of one declared flow. */
export interface FlowOptions {
  /**
   * Flow name (a DNS label, unique in the fleet); its policies are named after it.
   * @default - derived from the owner's name and the peer
   */
  readonly name?: string;
  /**
   * Why the flow exists.
   * @default - from the two ends
   */
  readonly description?: string;
}

function peerWord(p: FlowEndpoint): string {
  switch (p.kind) {
    case 'dns':
      return 'dns';
    case 'api-server':
      return 'api-server';
    case 'world':
      return 'world';
    case 'pods':
      return `${'placedWith' in p.at ? p.at.placedWith : p.at.cluster}-${p.namespace}`;
  }
}

/**
 * Records a flow on the fleet of `scope`: both ends as plain data, the ports (`Port.allTraffic()` or none
 * given: every port). A flow declared again with the same ends and ports is kept once.
 */
export function declareFlow(scope: IConstruct, name: string, from: Peer, to: Peer, ports: readonly Port[], description?: string): FlowSpec {
  const resolveSame = (p: Peer, other: Peer, side: string): FlowEndpoint => {
    if (p.spec) return p.spec;
    const o = other.spec;
    if (!o || o.kind !== 'pods') throw new Error(`${scope.node.path}: flow '${name}': Peer.sameNamespace() at the ${side} needs pods at the other end`);
    return { kind: 'pods', at: { ...o.at }, namespace: o.namespace, podLabels: {} };
  };
  const f = resolveSame(from, to, 'source');
  const t = resolveSame(to, from, 'destination');
  const flow: FlowSpec = {
    name,
    from: f,
    to: t,
    ports: ports.flatMap((p) => p.ports),
    description: description ?? `${describeEndpoint(f)} to ${describeEndpoint(t)}`,
    declaredBy: scope.node.path,
  };
  Fleet.of(scope).addFlow(flow);
  return flow;
}

/**
 * The flows of one workload: its own pods as one end, declared on its fleet. `allowTo` writes a flow out of
 * the workload, `allowFrom` one into it; the mesh allows each at both ends.
 */
export class Connections {
  constructor(
    private readonly owner: IConstruct,
    /** The workload's pods. */
    public readonly self: Peer,
    /** Prefix of generated flow names (the workload's name). */
    private readonly baseName: string,
  ) {}

  /** Allows the workload's pods to open connections to `peer` on `ports`. */
  public allowTo(peer: Peer, ports: Port | readonly Port[], options: FlowOptions = {}): FlowSpec {
    const name = options.name ?? `${this.baseName}-to-${peer.spec ? peerWord(peer.spec) : 'own-namespace'}`;
    return declareFlow(this.owner, name, this.self, peer, Array.isArray(ports) ? ports : [ports as Port], options.description);
  }

  /** Allows `peer` to open connections to the workload's pods on `ports`. */
  public allowFrom(peer: Peer, ports: Port | readonly Port[], options: FlowOptions = {}): FlowSpec {
    const name = options.name ?? `${this.baseName}-from-${peer.spec ? peerWord(peer.spec) : 'own-namespace'}`;
    return declareFlow(this.owner, name, peer, this.self, Array.isArray(ports) ? ports : [ports as Port], options.description);
  }

  /** Allows the workload's pods to talk to each other (a gang, replicas of one service) on `ports`. */
  public allowInternally(ports: Port | readonly Port[] = Port.allTraffic(), options: FlowOptions = {}): FlowSpec {
    return declareFlow(this.owner, options.name ?? `${this.baseName}-internal`, this.self, this.self, Array.isArray(ports) ? ports : [ports as Port], options.description);
  }

  /** Allows the workload's pods to resolve names with the DNS of their cluster. */
  public allowDns(options: FlowOptions = {}): FlowSpec {
    return declareFlow(this.owner, options.name ?? `${this.baseName}-dns`, this.self, Peer.dnsOf(this.self), [Port.dns()], options.description);
  }
}
