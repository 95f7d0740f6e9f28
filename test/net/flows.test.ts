import { checkFlows, describePorts, resolveFlows, uniqueFlows, type FlowSpec } from '../../lib/net/flows';

const pods = (cluster: string, namespace: string, podLabels: Record<string, string> = {}) => ({ kind: 'pods' as const, at: { site: cluster, cluster }, namespace, podLabels });
const placed = (workload: string, namespace: string, podLabels: Record<string, string> = {}) => ({ kind: 'pods' as const, at: { placedWith: workload }, namespace, podLabels });
const flow = (name: string, from: FlowSpec['from'], to: FlowSpec['to'], ports: FlowSpec['ports'] = [{ port: 80, protocol: 'TCP' }]): FlowSpec => ({ name, from, to, ports, description: '', declaredBy: 'test' });

describe('flows as data', () => {
  it('accepts well-formed flows', () => {
    expect(checkFlows([flow('a', pods('q', 'x'), pods('f', 'y')), flow('b', pods('q', 'x'), { kind: 'dns', at: { site: 'q', cluster: 'q' } }), flow('c', { kind: 'world', cidrs: ['0.0.0.0/0'] }, placed('job', 'ns'))], ['job'])).toEqual([]);
  });

  it('reports bad names, ends, ports, CIDRs and unknown placed workloads, each by flow', () => {
    const issues = checkFlows(
      [
        flow('Bad_Name', pods('q', 'x'), pods('q', 'x')),
        flow('from-dns', { kind: 'dns', at: { site: 'q', cluster: 'q' } }, pods('q', 'x')),
        flow('ports', pods('q', 'x'), pods('q', 'x'), [{ port: 0, protocol: 'TCP' }, { port: 100, endPort: 90, protocol: 'UDP' }]),
        flow('cidr', pods('q', 'x'), { kind: 'world', cidrs: ['10.0.0.1/8'] }),
        flow('ghost', placed('nobody', 'x'), pods('q', 'x')),
        flow('ns', pods('q', 'Not_A_Namespace'), pods('q', 'x')),
      ],
      ['job'],
    ).map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual([
      "flows[Bad_Name].name: must be a DNS-1123 label of at most 200 characters (policies are named after it); got 'Bad_Name'",
      'flows[cidr].to.cidrs: \'10.0.0.1/8\' has host bits set; the network is 10.0.0.0/8; give CIDRs such as 203.0.113.0/24',
      'flows[from-dns].from: a flow starts at pods or outside addresses, not at DNS of q; declare the flow the other way round',
      "flows[ghost].from: names placed workload 'nobody', which the fleet does not place (workloads: job)",
      "flows[ns].from.namespace: must be a DNS-1123 label; got 'Not_A_Namespace'",
      'flows[ports].ports: port must be a whole number from 1 to 65535; got 0',
      'flows[ports].ports: endPort must be from 100 to 65535; got 90',
    ]);
  });

  it('keeps a flow declared twice once, under the first name, and reports one name used for two flows', () => {
    const a = flow('b-second', pods('q', 'x', { b: '2', a: '1' }), pods('f', 'y'), [{ port: 443, protocol: 'TCP' }, { port: 80, protocol: 'TCP' }]);
    const b = flow('a-first', pods('q', 'x', { a: '1', b: '2' }), pods('f', 'y'), [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }, { port: 80, protocol: 'TCP' }]);
    expect(uniqueFlows([a, b]).map((f) => f.name)).toEqual(['a-first']);
    expect(uniqueFlows([a, b])[0]!.ports).toEqual([{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }]);
    expect(checkFlows([a, b], [])).toEqual([]);
    expect(checkFlows([a, { ...b, name: 'b-second', ports: [{ port: 22, protocol: 'TCP' }] }], [])[0]!.message).toMatch(/^the name is declared for 2 different flows/);
  });

  it("resolves placed ends to the solver's clusters: a workload's own pods pair inside each cluster, other ends every way", () => {
    const where = new Map([
      ['gang', [{ site: 'a', cluster: 'a' }, { site: 'b', cluster: 'b' }, { site: 'a', cluster: 'a' }]],
      ['svc', [{ site: 'c', cluster: 'c' }]],
    ]);
    const flows = resolveFlows(
      [
        flow('gang', placed('gang', 'train', { w: 'gang' }), placed('gang', 'train', { w: 'gang' }), []),
        flow('to-svc', placed('gang', 'train'), placed('svc', 'inf')),
        flow('one', pods('q', 'x'), placed('svc', 'inf')),
        flow('unplaced', placed('nowhere', 'x'), pods('q', 'x')),
        flow('out', placed('gang', 'train'), { kind: 'world', cidrs: [] }),
      ],
      where,
    );
    expect(flows.map((f) => `${f.name}: ${'cluster' in f.from ? f.from.cluster : 'world'} -> ${'cluster' in f.to ? f.to.cluster : 'world'}`)).toEqual([
      'gang-a: a -> a',
      'gang-b: b -> b',
      'one: q -> c',
      'out-a: a -> world',
      'out-b: b -> world',
      'to-svc-a-c: a -> c',
      'to-svc-b-c: b -> c',
    ]);
    expect(describePorts(flows[0]!.ports)).toBe('every port');
  });
});
