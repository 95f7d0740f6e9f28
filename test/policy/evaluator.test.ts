/**
 * The policy evaluator on hand-written policies, so that it can be seen to fail: each case states the Cilium
 * or Kubernetes rule it models and a connection on each side of it.
 */
import { PolicyModel, type Connection, type Endpoint, type PolicyObject } from './evaluator';

const pod = (cluster: string, namespace: string, labels: Record<string, string> = {}, extra: Partial<Extract<Endpoint, { kind: 'pod' }>> = {}): Endpoint => ({ kind: 'pod', cluster, namespace, labels, ...extra });
const conn = (from: Endpoint, to: Endpoint, port = 80, protocol: Connection['protocol'] = 'TCP'): Connection => ({ from, to, port, protocol });
const cnp = (namespace: string, name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec });
const ccnp = (name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec });
const netpol = (namespace: string, name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

const NS = 'k8s:io.kubernetes.pod.namespace';
const denyAll = (selector: Record<string, unknown>) => ccnp('deny', { endpointSelector: selector, enableDefaultDeny: { ingress: true, egress: true }, egress: [{}] });

describe('policy evaluator: selection and default deny', () => {
  it('allows everything where no policy selects an endpoint', () => {
    const m = new PolicyModel({ a: [] });
    const v = m.decide(conn(pod('a', 'x'), pod('a', 'y')));
    expect(v).toMatchObject({ allowed: true, egress: { enforced: false }, ingress: { enforced: false } });
  });

  it('puts an endpoint in default deny once any policy selects it with rules in that direction, and only in that direction', () => {
    const m = new PolicyModel({ a: [cnp('x', 'only-ingress', { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }] })] });
    const web = pod('a', 'x', { app: 'web' });
    expect(m.decide(conn(pod('a', 'x', { app: 'client' }), web)).allowed).toBe(true);
    const other = m.decide(conn(pod('a', 'x', { app: 'other' }), web));
    expect(other).toMatchObject({ allowed: false, ingress: { enforced: true, allowedBy: [] } });
    // Egress of web is not enforced by an ingress-only policy.
    expect(m.decide(conn(web, pod('a', 'y'))).egress.enforced).toBe(false);
  });

  it('honours enableDefaultDeny: false (a policy that only adds allows)', () => {
    const additive = cnp('x', 'add', { endpointSelector: {}, enableDefaultDeny: { ingress: false, egress: false }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }] });
    const m = new PolicyModel({ a: [additive] });
    expect(m.decide(conn(pod('a', 'x', { app: 'stranger' }), pod('a', 'x'))).allowed).toBe(true);
    const strict = new PolicyModel({ a: [additive, ccnp('deny', { endpointSelector: { matchLabels: { [NS]: 'x' } }, enableDefaultDeny: { ingress: true, egress: true } })] });
    expect(strict.decide(conn(pod('a', 'x', { app: 'stranger' }), pod('a', 'x'))).ingress.allowed).toBe(false);
    expect(strict.decide(conn(pod('a', 'x', { app: 'client' }), pod('a', 'x'))).ingress.allowed).toBe(true);
  });

  it("catches endpoints without a namespace label with a NotIn alone, not with Exists + NotIn (cilium/cilium#11099)", () => {
    const health: Endpoint = { kind: 'health', cluster: 'a' };
    const notIn = new PolicyModel({ a: [denyAll({ matchExpressions: [{ key: NS, operator: 'NotIn', values: ['kube-system'] }] })] });
    expect(notIn.selecting('a', health, 'ingress')).toEqual(['CiliumClusterwideNetworkPolicy deny']);
    const fixed = new PolicyModel({
      a: [
        denyAll({
          matchExpressions: [
            { key: NS, operator: 'Exists' },
            { key: NS, operator: 'NotIn', values: ['kube-system'] },
          ],
        }),
      ],
    });
    expect(fixed.selecting('a', health, 'ingress')).toEqual([]);
    expect(fixed.selecting('a', pod('a', 'kube-system'), 'ingress')).toEqual([]);
    expect(fixed.selecting('a', pod('a', 'team'), 'egress')).toEqual(['CiliumClusterwideNetworkPolicy deny']);
  });

  it('reads an empty rule as allowing nothing and a ports-only rule as allowing every peer on those ports', () => {
    const m = new PolicyModel({
      a: [
        cnp('x', 'empty', { endpointSelector: { matchLabels: { app: 'a' } }, ingress: [{}] }),
        cnp('x', 'l4', { endpointSelector: { matchLabels: { app: 'b' } }, ingress: [{ toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }] }),
      ],
    });
    expect(m.decide(conn(pod('a', 'y'), pod('a', 'x', { app: 'a' }))).allowed).toBe(false);
    expect(m.decide(conn({ kind: 'world', ip: '198.51.100.7' }, pod('a', 'x', { app: 'b' }), 8080)).allowed).toBe(true);
    expect(m.decide(conn(pod('a', 'y'), pod('a', 'x', { app: 'b' }), 8081)).allowed).toBe(false);
  });

  it('lets deny rules win over allows', () => {
    const m = new PolicyModel({
      a: [cnp('x', 'both', { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }], ingressDeny: [{ fromEndpoints: [{ matchLabels: { bad: 'yes' } }] }] })],
    });
    expect(m.decide(conn(pod('a', 'x', { bad: 'yes' }), pod('a', 'x'))).ingress).toMatchObject({ allowed: false, deniedBy: ['CiliumNetworkPolicy x/both'] });
    expect(m.decide(conn(pod('a', 'x'), pod('a', 'x'))).allowed).toBe(true);
  });
});

describe('policy evaluator: peers', () => {
  it('limits CiliumNetworkPolicy peers to the policy namespace unless the selector names one', () => {
    const m = new PolicyModel({
      a: [
        cnp('x', 'same-ns', { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { app: 'db' } }] }] }),
        cnp('y', 'other-ns', { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { app: 'db', [NS]: 'z' } }] }] }),
      ],
    });
    expect(m.decide(conn(pod('a', 'x'), pod('a', 'x', { app: 'db' }))).egress.allowed).toBe(true);
    expect(m.decide(conn(pod('a', 'x'), pod('a', 'z', { app: 'db' }))).egress.allowed).toBe(false);
    expect(m.decide(conn(pod('a', 'y'), pod('a', 'z', { app: 'db' }))).egress.allowed).toBe(true);
    expect(m.decide(conn(pod('a', 'y'), pod('a', 'y', { app: 'db' }))).egress.allowed).toBe(false);
  });

  it('limits clusterwide peers to endpoints with a namespace', () => {
    const m = new PolicyModel({ a: [ccnp('to-all', { endpointSelector: { matchLabels: { app: 'c' } }, egress: [{ toEndpoints: [{}] }] })] });
    expect(m.decide(conn(pod('a', 'x', { app: 'c' }), pod('a', 'q'))).egress.allowed).toBe(true);
    expect(m.decide(conn(pod('a', 'x', { app: 'c' }), { kind: 'world', ip: '203.0.113.1' })).egress.allowed).toBe(false);
  });

  it('selects peers in the local cluster unless the selector names io.cilium.k8s.policy.cluster (policyDefaultLocalCluster)', () => {
    const local = cnp('x', 'local', { endpointSelector: { matchLabels: { app: 'server' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client' } }] }] });
    const named = cnp('x', 'named', { endpointSelector: { matchLabels: { app: 'server2' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'client', 'io.cilium.k8s.policy.cluster': 'b' } }] }] });
    const m = new PolicyModel({ a: [local, named] });
    expect(m.decide(conn(pod('a', 'x', { app: 'client' }), pod('a', 'x', { app: 'server' }))).allowed).toBe(true);
    expect(m.decide(conn(pod('b', 'x', { app: 'client' }), pod('a', 'x', { app: 'server' }))).ingress.allowed).toBe(false);
    expect(m.decide(conn(pod('b', 'x', { app: 'client' }), pod('a', 'x', { app: 'server2' }))).ingress.allowed).toBe(true);
    expect(m.decide(conn(pod('c', 'x', { app: 'client' }), pod('a', 'x', { app: 'server2' }))).ingress.allowed).toBe(false);
    // Cilium up to 1.18 selected every cluster by default.
    const old = new PolicyModel({ a: [local] }, { policyDefaultLocalCluster: false });
    expect(old.decide(conn(pod('b', 'x', { app: 'client' }), pod('a', 'x', { app: 'server' }))).ingress.allowed).toBe(true);
  });

  it('matches entities, CIDR sets with exceptions, and DNS names', () => {
    const src = pod('a', 'x', { app: 'dl' });
    const m = new PolicyModel({
      a: [
        cnp('x', 'out', {
          endpointSelector: { matchLabels: { app: 'dl' } },
          egress: [
            { toEntities: ['kube-apiserver'] },
            { toCIDRSet: [{ cidr: '198.51.100.0/24', except: ['198.51.100.128/25'] }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
            { toFQDNs: [{ matchPattern: '*.example.org' }], toPorts: [{ ports: [{ port: '443' }] }] },
          ],
        }),
      ],
    });
    expect(m.decide(conn(src, { kind: 'kube-apiserver', cluster: 'a' }, 6443)).allowed).toBe(true);
    expect(m.decide(conn(src, { kind: 'kube-apiserver', cluster: 'b' }, 6443)).allowed).toBe(false);
    expect(m.decide(conn(src, { kind: 'world', ip: '198.51.100.9' }, 443)).allowed).toBe(true);
    expect(m.decide(conn(src, { kind: 'world', ip: '198.51.100.200' }, 443)).allowed).toBe(false);
    expect(m.decide(conn(src, { kind: 'world', ip: '198.51.100.9' }, 80)).allowed).toBe(false);
    expect(m.decide(conn(src, { kind: 'world', ip: '192.0.2.1', fqdn: 'models.example.org' }, 443)).allowed).toBe(true);
    expect(m.decide(conn(src, { kind: 'world', ip: '192.0.2.1', fqdn: 'example.net' }, 443)).allowed).toBe(false);
  });

  it('matches port ranges, protocols and named ports', () => {
    const m = new PolicyModel({
      a: [
        cnp('x', 'ports', {
          endpointSelector: { matchLabels: { app: 's' } },
          ingress: [{ toPorts: [{ ports: [{ port: '9000', endPort: 9010, protocol: 'TCP' }, { port: '53', protocol: 'UDP' }, { port: 'metrics', protocol: 'TCP' }] }] }],
        }),
      ],
    });
    const s = pod('a', 'x', { app: 's' }, { namedPorts: { metrics: 9464 } });
    const c = pod('a', 'x');
    expect(m.decide(conn(c, s, 9005)).allowed).toBe(true);
    expect(m.decide(conn(c, s, 9011)).allowed).toBe(false);
    expect(m.decide(conn(c, s, 53, 'UDP')).allowed).toBe(true);
    expect(m.decide(conn(c, s, 53, 'TCP')).allowed).toBe(false);
    expect(m.decide(conn(c, s, 9464)).allowed).toBe(true);
  });
});

describe('policy evaluator: Kubernetes NetworkPolicy', () => {
  it('defaults policyTypes to Ingress (plus Egress when egress rules are given)', () => {
    const m = new PolicyModel({ a: [netpol('x', 'np', { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] })] });
    expect(m.selecting('a', pod('a', 'x'), 'ingress')).toEqual(['NetworkPolicy x/np']);
    expect(m.selecting('a', pod('a', 'x'), 'egress')).toEqual(['NetworkPolicy x/np']);
    const ingressOnly = new PolicyModel({ a: [netpol('x', 'np', { podSelector: {} })] });
    expect(ingressOnly.selecting('a', pod('a', 'x'), 'egress')).toEqual([]);
    expect(ingressOnly.decide(conn(pod('a', 'x'), pod('a', 'x'))).ingress.allowed).toBe(false);
  });

  it('admits every source, outside addresses included, to a rule with ports and no from', () => {
    const m = new PolicyModel({ a: [netpol('fl', 'open', { podSelector: { matchLabels: { app: 'sl' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 9092, protocol: 'TCP' }] }] })] });
    const sl = pod('a', 'fl', { app: 'sl' });
    expect(m.decide(conn({ kind: 'world', ip: '203.0.113.50' }, sl, 9092)).allowed).toBe(true);
    expect(m.decide(conn(pod('b', 'anywhere'), sl, 9092)).allowed).toBe(true);
    expect(m.decide(conn(pod('a', 'fl'), sl, 9093)).allowed).toBe(false);
  });

  it('reads podSelector peers in the policy namespace and local cluster, unless the selector names a cluster', () => {
    const m = new PolicyModel({
      a: [
        netpol('fl', 'sl', {
          podSelector: { matchLabels: { app: 'sl' } },
          policyTypes: ['Ingress'],
          ingress: [
            { from: [{ podSelector: { matchLabels: { app: 'sn' } } }], ports: [{ port: 1 }] },
            { from: [{ podSelector: { matchLabels: { app: 'sn', 'io.cilium.k8s.policy.cluster': 'b' } } }], ports: [{ port: 2 }] },
            { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }], ports: [{ port: 3 }] },
            { from: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.0/28'] } }], ports: [{ port: 4 }] },
          ],
        }),
      ],
    });
    const sl = pod('a', 'fl', { app: 'sl' });
    expect(m.decide(conn(pod('a', 'fl', { app: 'sn' }), sl, 1)).allowed).toBe(true);
    expect(m.decide(conn(pod('a', 'other', { app: 'sn' }), sl, 1)).allowed).toBe(false);
    expect(m.decide(conn(pod('b', 'fl', { app: 'sn' }), sl, 1)).allowed).toBe(false);
    expect(m.decide(conn(pod('b', 'fl', { app: 'sn' }), sl, 2)).allowed).toBe(true);
    expect(m.decide(conn(pod('a', 'fl', { app: 'sn' }), sl, 2)).allowed).toBe(false);
    expect(m.decide(conn(pod('a', 'ops'), sl, 3)).allowed).toBe(true);
    expect(m.decide(conn(pod('b', 'ops'), sl, 3)).allowed).toBe(false);
    expect(m.decide(conn({ kind: 'world', ip: '203.0.113.77' }, sl, 4)).allowed).toBe(true);
    expect(m.decide(conn({ kind: 'world', ip: '203.0.113.7' }, sl, 4)).allowed).toBe(false);
    expect(m.decide(conn(pod('a', 'fl', { app: 'sn' }), sl, 4)).allowed).toBe(false);
  });

  it('adds up with Cilium policies: allowed when any policy selecting the endpoint allows it', () => {
    const m = new PolicyModel({
      a: [
        netpol('x', 'np', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'a' } } }] }] }),
        cnp('x', 'cnp', { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { app: 'b' } }] }] }),
      ],
    });
    expect(m.decide(conn(pod('a', 'x'), pod('a', 'x', { app: 'a' }))).egress.allowedBy).toEqual(['NetworkPolicy x/np']);
    expect(m.decide(conn(pod('a', 'x'), pod('a', 'x', { app: 'b' }))).egress.allowedBy).toEqual(['CiliumNetworkPolicy x/cnp']);
    expect(m.decide(conn(pod('a', 'x'), pod('a', 'x', { app: 'c' }))).egress.allowed).toBe(false);
  });
});
