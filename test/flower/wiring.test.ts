import { buildFlowerObjects, formatNodeConfig, type FlowerSpec } from '../../lib/flower/objects';
import { checkFlowerWiring, flagValue } from '../../lib/flower/wiring';
import { cronAt, kedaScaledObject, scalingCronJobs } from '../../lib/flower/scaling';
import type { K8sObject } from '../../lib/synth/objects';

const base: FlowerSpec = {
  name: 'fl',
  namespace: 'fl',
  labels: {},
  isolation: 'process',
  tls: { type: 'secrets', serverSecret: 'srv', caSecret: 'ca' },
  exposure: { type: 'cilium-global' },
  nodeAuth: false,
  superlink: { site: 'hub', cluster: 'hub', image: 'flwr/superlink:1.27.0', serverAppImage: 'server', database: { size: '1Gi' }, fsGroup: 49999 },
  supernodes: [
    { site: 'b', cluster: 'b', supernodeImage: 'flwr/supernode:1.27.0', clientAppImage: 'client', nodeConfig: { 'partition-id': 1, name: 'b' }, scaled: false },
    { site: 'a', cluster: 'a', supernodeImage: 'flwr/supernode:1.27.0', clientAppImage: 'client', nodeConfig: {}, scaled: true },
  ],
};

type Mutable = Map<string, K8sObject[]>;
const build = (spec: FlowerSpec) => new Map([...buildFlowerObjects(spec).byCluster].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as K8sObject[]])) as Mutable;
const deployment = (m: Mutable, cluster: string, name: string) => m.get(cluster)!.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as any;

describe('Flower objects and wiring rules', () => {
  it('builds a consistent deployment that passes every rule, for each isolation, TLS and exposure choice', () => {
    for (const isolation of ['process', 'subprocess'] as const) {
      for (const tls of [base.tls, { type: 'insecure' } as const]) {
        for (const exposure of [base.exposure, { type: 'load-balancer', host: 'fl.example.org', sourceRanges: ['198.51.100.0/24'], addresses: ['203.0.113.10/32'] } as const]) {
          const m = build({ ...base, isolation, tls, exposure, nodeAuth: tls.type === 'secrets', supernodes: base.supernodes.map((s) => ({ ...s, authSecret: tls.type === 'secrets' ? `${s.site}-key` : undefined })) as FlowerSpec['supernodes'] });
          expect(checkFlowerWiring('fl', m)).toEqual([]);
        }
      }
    }
  });

  it('keeps replicas to the scaler only where a schedule exists and sorts SuperNodes by site', () => {
    const m = build(base);
    expect(deployment(m, 'a/a', 'fl-supernode-a').spec.replicas).toBeUndefined();
    expect(deployment(m, 'b/b', 'fl-supernode-b').spec.replicas).toBe(1);
    expect([...m.keys()]).toEqual(['a/a', 'b/b', 'hub/hub']);
  });

  it('finds a missing SuperExec for the ServerApp, a Service-less LoadBalancer address and a missing node key', () => {
    const m = build({ ...base, nodeAuth: true });
    m.set('hub/hub', m.get('hub/hub')!.filter((o) => o.metadata.name !== 'fl-serverapp'));
    const sn = deployment(m, 'b/b', 'fl-supernode-b');
    const args: string[] = sn.spec.template.spec.containers[0].args;
    args[args.indexOf('--superlink') + 1] = 'fl.example.org:9092';
    const msgs = checkFlowerWiring('fl', m).map((i) => `${i.path}: ${i.message}`);
    expect(msgs).toEqual([
      expect.stringMatching(/^hub\/hub: Deployment fl\/fl-superlink: --isolation process needs a SuperExec \(--plugin-type serverapp\) in hub\/hub/),
      expect.stringMatching(/^a\/a: Deployment fl\/fl-supernode-a: the SuperLink requires node authentication/),
      expect.stringMatching(/^b\/b: Deployment fl\/fl-supernode-b: --superlink fl\.example\.org:9092 is an external address, but no LoadBalancer Service/),
      expect.stringMatching(/^b\/b: Deployment fl\/fl-supernode-b: the SuperLink requires node authentication/),
    ]);
  });

  it('finds a global Service missing its annotation in the client cluster and a partial TLS set', () => {
    const m = build(base);
    const svc = m.get('a/a')!.find((o) => o.kind === 'Service')! as any;
    delete svc.metadata.annotations;
    const sl = deployment(m, 'hub/hub', 'fl-superlink');
    const args: string[] = sl.spec.template.spec.containers[0].args;
    args.splice(args.indexOf('--ssl-keyfile'), 2);
    const msgs = checkFlowerWiring('fl', m).map((i) => i.message);
    expect(msgs).toEqual([
      'SuperLink TLS needs all of --ssl-ca-certfile, --ssl-certfile, --ssl-keyfile (got --ssl-ca-certfile, --ssl-certfile); Flower refuses to start otherwise',
      'Service fl/fl-fleet must carry service.cilium.io/global: "true" in both a/a and hub/hub to reach the SuperLink across clusters',
    ]);
  });

  it('formats node config and cron times the way Flower and KEDA read them', () => {
    expect(formatNodeConfig({ 'partition-id': 0, path: '/data/x', fast: true })).toBe('fast=true partition-id=0 path="/data/x"');
    expect(cronAt('2026-06-01T17:30:00Z')).toBe('30 17 1 6 *');
    expect(flagValue(['--a', '--b', 'x'], '--a')).toBe('');
    const ranges = [{ start: '2026-06-01T16:00:00Z', end: '2026-06-01T22:00:00Z' }];
    const so = kedaScaledObject({ deployment: 'd', namespace: 'n', labels: {} }, ranges) as any;
    expect(so.spec.triggers).toEqual([{ type: 'cron', metadata: { timezone: 'Etc/UTC', start: '0 16 1 6 *', end: '0 22 1 6 *', desiredReplicas: '1' } }]);
    const cj = scalingCronJobs({ deployment: 'd', namespace: 'n', labels: {} }, ranges, 'kubectl:x').filter((o) => o.kind === 'CronJob') as any[];
    expect(cj.map((c) => [c.metadata.name, c.spec.schedule, c.spec.jobTemplate.spec.template.spec.containers[0].args[2]])).toEqual([
      ['d-up-1', '0 16 1 6 *', '--replicas=1'],
      ['d-down-1', '0 22 1 6 *', '--replicas=0'],
    ]);
  });
});
