import { ApiObject, App, JsonPatch } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { buildReferenceBase } from '../../apps/reference-fleet';
import { FederatedLearningJob, FleetApiExposure, FlowerDatabase, ScheduleScaler } from '../../constructs/federated-learning-job';
import { ValidationError } from '../../lib/model/errors';
import { flagValue } from '../../lib/flower/wiring';
import { validateDocument } from '../../lib/validate/validate';
import type { K8sObject } from '../../lib/synth/objects';
import { itWithSchemas, schemaRegistry } from '../helpers';
import { FL_PROPS, SAMPLE_SIGNALS, flFleet } from './fl-fleet';

type Obj = K8sObject & { spec: any };
const byKind = (objs: K8sObject[], kind: string, name?: string) => objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as Obj[];
const containers = (d: Obj): { name: string; image: string; args: string[]; resources?: any }[] => d.spec.template.spec.containers;

function treeObjects(tree: Map<string, string> | ReadonlyMap<string, string>, folder: string): K8sObject[] {
  return [...tree.entries()].filter(([k]) => k.startsWith(folder + '/') && k.endsWith('.yaml') && !k.endsWith('kustomization.yaml')).map(([, v]) => parse(v));
}

describe('FederatedLearningJob', () => {
  it('puts the SuperLink at the management site and each SuperNode only in its own site cluster', () => {
    const { fleet } = flFleet();
    const tree = fleet.toTree();
    const frankfurt = treeObjects(tree, 'sites/frankfurt/frankfurt');
    const quebec = treeObjects(tree, 'sites/quebec/quebec');
    const atlanta = treeObjects(tree, 'sites/atlanta/atlanta');
    expect(byKind(frankfurt, 'Deployment').map((d) => d.metadata.name)).toEqual(['fl-serverapp', 'fl-superlink']);
    expect(byKind(quebec, 'Deployment').map((d) => d.metadata.name)).toEqual(['fl-supernode-quebec']);
    expect(byKind(atlanta, 'Deployment').map((d) => d.metadata.name)).toEqual(['fl-supernode-atlanta']);
    // Across every folder, a SuperNode for site X is only ever in site X's folder.
    for (const [file, text] of tree) {
      if (!file.endsWith('.yaml')) continue;
      for (const d of parseAllDocuments(text)) {
        const o = d.toJS();
        if (o?.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'supernode') {
          expect(file.startsWith(`sites/${o.metadata.labels['k0smos.io/site']}/`)).toBe(true);
        }
      }
    }
  });

  it('publishes placement needs with every SuperNode pinned to its data site', () => {
    const { job } = flFleet();
    expect(job.placementNeeds.map((n) => [n.role, n.pinnedSite, n.target?.site, n.gpu?.vendor])).toEqual([
      ['flower-superlink', undefined, 'frankfurt', undefined],
      ['flower-supernode', 'atlanta', 'atlanta', 'amd'],
      ['flower-supernode', 'quebec', 'quebec', 'nvidia'],
    ]);
    expect(job.placementNeeds[2]!.jurisdictions).toEqual(['CA']);
    expect(job.placementNeeds[2]!.gpu).toEqual({ vendor: 'nvidia', model: 'A100-80GB', count: 1 });
  });

  it('sends the CUDA image with nvidia.com/gpu to NVIDIA sites and the ROCm image with amd.com/gpu to AMD sites', () => {
    const { job } = flFleet();
    const q = byKind(job.objectsIn('quebec'), 'Deployment')[0]!;
    const a = byKind(job.objectsIn('atlanta'), 'Deployment')[0]!;
    const exec = (d: Obj) => containers(d).find((c) => c.name === 'superexec')!;
    expect(exec(q).image).toBe(FL_PROPS.images.clientCuda);
    expect(exec(q).resources).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    expect(exec(a).image).toBe(FL_PROPS.images.clientRocm);
    expect(exec(a).resources).toEqual({ limits: { 'amd.com/gpu': '1' } });
    expect(containers(q).find((c) => c.name === 'supernode')!.image).toBe('flwr/supernode:1.27.0');
    // In subprocess isolation the ClientApp runs inside the SuperNode, so the vendor image and GPUs go there.
    const sub = flFleet({ isolation: 'subprocess' }).job;
    const sq = containers(byKind(sub.objectsIn('quebec'), 'Deployment')[0]!);
    expect(sq.map((c) => [c.name, c.image, c.resources])).toEqual([['supernode', FL_PROPS.images.clientCuda, { limits: { 'nvidia.com/gpu': '1' } }]]);
  });

  it('lets the GPU layer decide the request through the gpuRequest seam', () => {
    const { job } = flFleet({ gpuRequest: (ctx) => ({ limits: { [ctx.vendor === 'nvidia' ? 'nvidia.com/mig-3g.40gb' : 'amd.com/gpu']: '1' } }) });
    const q = byKind(job.objectsIn('quebec'), 'Deployment')[0]!;
    expect(containers(q).find((c) => c.name === 'superexec')!.resources.limits).toEqual({ 'nvidia.com/mig-3g.40gb': '1' });
  });

  it('turns TLS on by default on both ends, with a persistent database', () => {
    const { job } = flFleet();
    const sl = containers(byKind(job.objectsIn('frankfurt'), 'Deployment', 'fl-superlink')[0]!)[0]!;
    expect(flagValue(sl.args, '--insecure')).toBeUndefined();
    expect(flagValue(sl.args, '--ssl-certfile')).toBe('/app/certificates/tls.crt');
    expect(flagValue(sl.args, '--database')).toBe('/app/state/state.db');
    const sn = containers(byKind(job.objectsIn('atlanta'), 'Deployment')[0]!).find((c) => c.name === 'supernode')!;
    expect(flagValue(sn.args, '--root-certificates')).toBe('/app/certificates/ca.crt');
    expect(flagValue(sn.args, '--superlink')).toBe('fl-fleet.fl.svc.cluster.local:9092');
    expect(flagValue(sn.args, '--node-config')).toBe('num-partitions=2 partition-id=1');
    expect(byKind(job.objectsIn('frankfurt'), 'PersistentVolumeClaim')).toHaveLength(1);
  });

  it('runs without TLS only with insecureWithoutTls: true, on both ends', () => {
    const { job } = flFleet({ insecureWithoutTls: true, database: FlowerDatabase.inMemory() });
    const sl = containers(byKind(job.objectsIn('frankfurt'), 'Deployment', 'fl-superlink')[0]!)[0]!;
    expect(flagValue(sl.args, '--insecure')).toBe('');
    expect(flagValue(sl.args, '--database')).toBeUndefined();
    const sn = containers(byKind(job.objectsIn('quebec'), 'Deployment')[0]!)[0]!;
    expect(flagValue(sn.args, '--insecure')).toBe('');
    expect(() => flFleet({ insecureWithoutTls: true, nodeAuth: true }).fleet.resolve()).toThrow(/nodeAuth: Flower node authentication needs TLS/);
  });

  it('exposes the Fleet API as a Cilium global service in every involved cluster, or as a LoadBalancer', () => {
    const { job } = flFleet();
    for (const site of ['frankfurt', 'quebec', 'atlanta']) {
      const svc = byKind(job.objectsIn(site), 'Service', 'fl-fleet')[0]!;
      expect(svc.metadata.annotations).toEqual({ 'service.cilium.io/global': 'true' });
    }
    const lb = flFleet({ exposure: FleetApiExposure.loadBalancer({ host: 'fl.example.org', sourceRanges: ['198.51.100.0/24'], addresses: ['203.0.113.10/32'] }) }).job;
    const svc = byKind(lb.objectsIn('frankfurt'), 'Service', 'fl-fleet')[0]!;
    expect(svc.spec.type).toBe('LoadBalancer');
    // Only the client sites may reach it, and their addresses survive to the pod for its NetworkPolicy.
    expect(svc.spec.loadBalancerSourceRanges).toEqual(['198.51.100.0/24']);
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    expect(byKind(lb.objectsIn('quebec'), 'Service')).toHaveLength(0);
    expect(flagValue(containers(byKind(lb.objectsIn('quebec'), 'Deployment')[0]!)[0]!.args, '--superlink')).toBe('fl.example.org:9092');
  });

  it('limits SuperNode egress to the SuperLink on the Fleet port and DNS, and declares its flows on the fleet', () => {
    const { job, fleet } = flFleet();
    const np = byKind(job.objectsIn('quebec'), 'NetworkPolicy')[0]!;
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // The peer is named: the SuperLink's pods in the SuperLink's cluster (Cilium's cluster label), not any address.
    expect(np.spec.egress[0]).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'superlink', 'io.cilium.k8s.policy.cluster': 'frankfurt', 'k0smos.io/flower-job': 'fl' } } }],
      ports: [{ port: 9092, protocol: 'TCP' }],
    });
    const where = (e: (typeof job.flows)[number]['from']) => ('site' in e ? e.site : 'outside');
    expect(job.flows.map((f) => `${f.name}: ${where(f.from)}->${where(f.to)}:${f.port}`)).toEqual([
      'fl-serverapp-to-superlink: frankfurt->frankfurt:9091',
      'fl-supernode-atlanta-to-superlink: atlanta->frankfurt:9092',
      'fl-supernode-quebec-to-superlink: quebec->frankfurt:9092',
    ]);
    expect(fleet.flows.filter((f) => f.declaredBy === 'geo/fl').map((f) => f.name)).toEqual([
      'fl-serverapp-dns',
      'fl-serverapp-to-superlink',
      'fl-supernode-atlanta-dns',
      'fl-supernode-atlanta-to-superlink',
      'fl-supernode-quebec-dns',
      'fl-supernode-quebec-to-superlink',
    ]);
  });

  it("admits only named peers at the SuperLink: each client cluster's SuperNodes on 9092, the ServerApp on 9091", () => {
    const { job } = flFleet();
    const np = byKind(job.objectsIn('frankfurt'), 'NetworkPolicy', 'fl-superlink')[0]!;
    for (const rule of np.spec.ingress) expect(rule.from.length).toBeGreaterThan(0);
    const fleetRule = np.spec.ingress.find((r: any) => r.ports[0].port === 9092);
    expect(fleetRule.from.map((p: any) => p.podSelector.matchLabels['io.cilium.k8s.policy.cluster'])).toEqual(['atlanta', 'quebec']);
    const lb = flFleet({ exposure: FleetApiExposure.loadBalancer({ host: 'fl.example.org', sourceRanges: ['198.51.100.0/24'], addresses: ['203.0.113.10/32'] }) });
    const lbRule = byKind(lb.job.objectsIn('frankfurt'), 'NetworkPolicy', 'fl-superlink')[0]!.spec.ingress.find((r: any) => r.ports[0].port === 9092);
    expect(lbRule.from).toEqual([{ ipBlock: { cidr: '198.51.100.0/24' } }]);
    expect(byKind(lb.job.objectsIn('quebec'), 'NetworkPolicy')[0]!.spec.egress[0].to).toEqual([{ ipBlock: { cidr: '203.0.113.10/32' } }]);
    expect(lb.fleet.flows.find((f) => f.name === 'fl-clients-to-superlink')).toMatchObject({ from: { kind: 'world', cidrs: ['198.51.100.0/24'] }, to: { kind: 'pods', namespace: 'fl' } });
  });

  it('refuses a LoadBalancer exposure that would admit or dial unnamed addresses', () => {
    expect(() => flFleet({ exposure: FleetApiExposure.loadBalancer({ host: 'fl.example.org', sourceRanges: [] }) }).fleet.resolve()).toThrow(
      /geo\/fl: exposure\.sourceRanges: the SuperLink admits only the addresses listed here; got none[\s\S]*geo\/fl: exposure\.addresses: host 'fl\.example\.org' is a name/,
    );
    expect(() => flFleet({ exposure: FleetApiExposure.loadBalancer({ host: '203.0.113.10', sourceRanges: ['198.51.100.0/33'] }) }).fleet.resolve()).toThrow(/exposure: '198\.51\.100\.0\/33' is not an IPv4 CIDR/);
    // An IP host gives the address; a deliberate 0.0.0.0/0 is accepted.
    expect(() => flFleet({ exposure: FleetApiExposure.loadBalancer({ host: '203.0.113.10', sourceRanges: ['0.0.0.0/0'] }) }).fleet.resolve()).not.toThrow();
  });

  it('scales SuperNodes with KEDA cron triggers in their windows, never leaving a window without minClients', () => {
    const { job, fleet } = flFleet();
    const plan = job.plan!;
    expect(plan.ok).toBe(true);
    for (const w of plan.windows) expect(w.sites.length).toBeGreaterThanOrEqual(1);
    const so = byKind(job.objectsIn('atlanta'), 'ScaledObject')[0]!;
    expect(so.spec.scaleTargetRef).toEqual({ name: 'fl-supernode-atlanta' });
    expect(so.spec.triggers).toHaveLength(plan.ranges.atlanta!.length);
    expect(so.spec.triggers[0].metadata.start).toMatch(/^0 \d+ [12] 6 \*$/);
    // minShare 0.25 of 48 windows: Atlanta takes part in at least 12 hours, its cleanest ones.
    expect(plan.windows.filter((w) => w.sites.includes('atlanta')).length).toBeGreaterThanOrEqual(12);
    expect(byKind(job.objectsIn('atlanta'), 'Deployment')[0]!.spec.replicas).toBeUndefined();
    const report = fleet.toTree().get('sites/frankfurt/frankfurt/flower-fl-participation.md')!;
    expect(report).toContain(`saved ${plan.estimate.saved} (${plan.estimate.savedPercent} %)`);
    expect(plan.estimate.scheduled).toBeLessThan(plan.estimate.alwaysOn);
  });

  it('parks a site the schedule never uses at zero replicas, without a scaler', () => {
    const { job } = flFleet({ energy: { signals: SAMPLE_SIGNALS, rules: { minClients: 1, roundMinutes: 15, powerKw: { quebec: 2.8, atlanta: 6.0 } } } });
    expect(job.plan!.ranges.atlanta).toEqual([]);
    expect(byKind(job.objectsIn('atlanta'), 'Deployment')[0]!.spec.replicas).toBe(0);
    expect(byKind(job.objectsIn('atlanta'), 'ScaledObject')).toHaveLength(0);
    expect(byKind(job.objectsIn('quebec'), 'ScaledObject')[0]!.spec.triggers).toHaveLength(1);
  });

  it('offers CronJobs with a narrow Role instead of KEDA', () => {
    const { job, fleet } = flFleet({ energy: { ...FL_PROPS.energy!, scaler: ScheduleScaler.cronJobs() } });
    const objs = job.objectsIn('atlanta');
    expect(byKind(objs, 'ScaledObject')).toHaveLength(0);
    const ranges = job.plan!.ranges.atlanta!.length;
    expect(byKind(objs, 'CronJob')).toHaveLength(2 * ranges);
    expect((byKind(objs, 'Role')[0] as any).rules[1]).toEqual({ apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['fl-supernode-atlanta'], verbs: ['get', 'patch', 'update'] });
    // The scaling pods call the API server: labelled, and their flow declared.
    const labels = { 'app.kubernetes.io/component': 'scaler', 'k0smos.io/flower-job': 'fl', 'k0smos.io/site': 'atlanta' };
    expect(byKind(objs, 'CronJob')[0]!.spec.jobTemplate.spec.template.metadata.labels).toEqual(labels);
    expect(fleet.flows.find((f) => f.name === 'fl-scaler-atlanta-to-api-server')).toMatchObject({ from: { kind: 'pods', namespace: 'fl', podLabels: labels }, to: { kind: 'api-server', at: { cluster: 'atlanta' } }, ports: [] });
  });

  it('reports an unschedulable window with its time and reason when the fleet is resolved', () => {
    const { fleet } = flFleet({ energy: { signals: SAMPLE_SIGNALS, rules: { minClients: 2, roundMinutes: 15, powerKw: { quebec: 1, atlanta: 1 }, maxIntensity: 450 } } });
    expect(() => fleet.resolve()).toThrow(/geo\/fl: energy schedule: window 2026-06-01T00:00:00Z is unschedulable: 1 eligible client \(quebec\), minClients is 2: atlanta at 466\.9 gCO2\/kWh is above maxIntensity 450/);
  });

  it('checks the Flower wiring rules on the emitted objects at synth time', () => {
    const fleet = buildReferenceBase(new App());
    const job = new FederatedLearningJob(fleet, 'fl', FL_PROPS);
    // Break three rules by hand, as an escape-hatch edit would.
    const charts = fleet.node.findAll().filter((c) => c instanceof ApiObject) as ApiObject[];
    const sn = charts.find((a) => a.name === 'fl-supernode-quebec' && a.kind === 'Deployment')!;
    sn.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/args/1', 'fl-fleet.fl.svc.cluster.local:9093'));
    sn.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/1'));
    const sl = charts.find((a) => a.name === 'fl-superlink' && a.kind === 'Deployment')!;
    sl.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/args/-', '--insecure'));
    let err: ValidationError | undefined;
    try {
      fleet.resolve();
    } catch (e) {
      err = e as ValidationError;
    }
    const msgs = err!.issues.map((i) => i.message).join('\n');
    expect(msgs).toMatch(/uses port 9093 \(that is the Control API\); the SuperLink's Fleet API listens on 9092/);
    expect(msgs).toMatch(/SuperLink has --insecure and --ssl-ca-certfile/);
    expect(msgs).toMatch(/the SuperLink runs without TLS \(--insecure\) but this SuperNode expects TLS/);
    expect(msgs).toMatch(/--isolation process needs a SuperExec container \(--plugin-type clientapp\)/);
    expect(job.name).toBe('fl');
  });

  it('names bad props by field: unknown site, missing vendor image, GPUs at a CPU site', () => {
    const fleet = buildReferenceBase(new App());
    // Recorded on the job and reported by the fleet's synth checks, with every other problem of the fleet.
    new FederatedLearningJob(fleet, 'fl', { clients: [{ site: 'quebek' }, { site: 'atlanta' }, { site: 'frankfurt', gpus: 1 }], images: { serverApp: 's', clientCuda: 'c' } });
    let err: unknown;
    try {
      fleet.resolve();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    {
      expect((err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
        expect.stringMatching(/^geo\/fl: clients\[quebek\]\.site: no site named 'quebek'; did you mean 'quebec'\?/),
        "geo/fl: images.clientRocm: client site 'atlanta' has AMD GPUs; give images.clientRocm",
        "geo/fl: clients[frankfurt].gpus: site 'frankfurt' (cluster frankfurt) has no GPUs; set gpus: 0 or pick a GPU site",
        "geo/fl: images.clientCpu: client site 'frankfurt' has no GPUs; give images.clientCpu",
      ]);
    }
  });

  itWithSchemas('validates every object it emits against the schemas (KEDA CRD, built-in kinds), for each alternative', () => {
    const registry = schemaRegistry()!;
    const variants = [
      flFleet(),
      flFleet({ isolation: 'subprocess', insecureWithoutTls: true, exposure: FleetApiExposure.loadBalancer({ host: '203.0.113.10', sourceRanges: ['198.51.100.0/24'] }) }),
      flFleet({ nodeAuth: true, energy: { ...FL_PROPS.energy!, scaler: ScheduleScaler.cronJobs() } }),
    ];
    let n = 0;
    for (const { fleet } of variants) {
      for (const [file, text] of fleet.toTree()) {
        if (!file.endsWith('.yaml') || file.endsWith('kustomization.yaml')) continue;
        parseAllDocuments(text).forEach((d, i) => {
          expect(validateDocument(registry, d.toJS(), file, i)).toEqual([]);
          n++;
        });
      }
    }
    expect(n).toBeGreaterThan(40);
  });

  it('synthesizes byte-identical trees twice', () => {
    expect([...flFleet().fleet.toTree()]).toEqual([...flFleet().fleet.toTree()]);
  });
});

describe('FederatedLearningJob in the placement solver', () => {
  it('puts the SuperLink and every SuperNode into the solver pinned to their clusters, so placed work leaves them room', () => {
    const { fleet } = flFleet();
    const p = fleet.placement();
    const where = (name: string) => p.workloads.find((w) => w.name === name)!.assignments.map((a) => `${a.site}/${a.cluster}/${a.pool}`);
    expect(where('fl-superlink')).toEqual(['frankfurt/frankfurt/mgmt']);
    expect(where('fl-supernode-quebec')).toEqual(['quebec/quebec/a100']);
    expect(where('fl-supernode-atlanta')).toEqual(['atlanta/atlanta/mi300x']);
    const spec = fleet.toSpec().workloads!.find((w) => w.name === 'fl-supernode-atlanta')!;
    expect(spec).toMatchObject({ pinnedSite: 'atlanta', pinnedCluster: 'atlanta', gpu: { vendor: 'amd', count: 1 }, priority: 100 });
  });
});
