/**
 * The synthesized reference fleet under its mesh's default deny, judged by the independent evaluator: every
 * declared flow is allowed where it leaves and where it arrives, between the pods the fleet actually writes;
 * flows nobody declared are denied; cilium-health and the infrastructure namespaces are left alone; no
 * NetworkPolicy rule the library writes admits every peer.
 */
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { buildReferenceFleet } from '../../apps/reference-fleet';
import type { ResolvedEndpoint, ResolvedFlow } from '../../lib/net/flows';
import type { Placement } from '../../lib/placement/types';
import { PolicyModel, type Connection, type Endpoint, type PolicyObject } from './evaluator';

interface Obj extends PolicyObject {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

const fleet = buildReferenceFleet(new App());
const tree = fleet.toTree();
const placement = JSON.parse(tree.get('placement.json')!) as Placement;
const flows = fleet.flowsFor(placement);

/** Objects per cluster folder (`sites/<site>/<cluster>/`, both its `infra/` and `apps/` parts), by cluster name. */
const objects: Record<string, Obj[]> = {};
for (const [file, text] of tree) {
  const m = /^sites\/[^/]+\/([^/]+)\/(?:infra|apps)\/[^/]+\.yaml$/.exec(file);
  if (!m || file.endsWith('kustomization.yaml')) continue;
  (objects[m[1]!] ??= []).push(parse(text) as Obj);
}
const model = new PolicyModel(objects);

/** The pods each workload object would make, with the labels their controllers give them. */
function podsOf(cluster: string, o: Obj): Extract<Endpoint, { kind: 'pod' }>[] {
  const ns = o.metadata.namespace ?? 'default';
  const spec = (o.spec ?? {}) as Record<string, any>;
  const pod = (labels: Record<string, string>) => ({ kind: 'pod' as const, cluster, namespace: ns, labels });
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return [pod(spec.template?.metadata?.labels ?? {})];
    case 'CronJob':
      return [pod(spec.jobTemplate?.spec?.template?.metadata?.labels ?? {})];
    case 'PyTorchJob':
      // The training operator adds its own labels to the template's.
      return Object.entries(spec.pytorchReplicaSpecs ?? {}).map(([role, r]: [string, any]) =>
        pod({ ...(r.template?.metadata?.labels ?? {}), 'training.kubeflow.org/job-name': o.metadata.name, 'training.kubeflow.org/replica-type': role.toLowerCase() }),
      );
    case 'InferenceService':
      // KServe labels the predictor pods with the service's name and component (and copies the object's labels).
      return [pod({ ...(o.metadata.labels ?? {}), 'serving.kserve.io/inferenceservice': o.metadata.name, component: 'predictor' })];
    default:
      return [];
  }
}

const pods: Extract<Endpoint, { kind: 'pod' }>[] = Object.entries(objects).flatMap(([cluster, list]) => list.flatMap((o) => podsOf(cluster, o)));
// Tenants run their own pods: one stands for them in each tenant namespace.
for (const [cluster, list] of Object.entries(objects)) {
  for (const ns of list.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['k0smos.io/gpu-tenant'])) {
    pods.push({ kind: 'pod', cluster, namespace: ns.metadata.name, labels: { app: 'tenant-job' } });
  }
}

const subset = (want: Readonly<Record<string, string>>, have: Readonly<Record<string, string>>) => Object.entries(want).every(([k, v]) => have[k] === v);

/** Endpoints that stand for one end of a flow: the fleet's own pods it selects, or the special peer. */
function endpointsFor(e: ResolvedEndpoint): Endpoint[] {
  switch (e.kind) {
    case 'pods':
      return pods.filter((p) => p.cluster === e.cluster && p.namespace === e.namespace && subset(e.podLabels, p.labels));
    case 'dns':
      return [{ kind: 'pod', cluster: e.cluster, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }];
    case 'api-server':
      return [{ kind: 'kube-apiserver', cluster: e.cluster }];
    case 'world': {
      const first = e.cidrs[0];
      return [{ kind: 'world', ip: first ? first.replace(/\.0\/\d+$/, '.9').replace(/\/32$/, '') : '198.51.100.80' }];
    }
  }
}

function connectionsFor(f: ResolvedFlow): Connection[] {
  const ports = f.ports.length > 0 ? f.ports.map((p) => ({ port: p.port, protocol: p.protocol })) : [{ port: 29500, protocol: 'TCP' as const }, { port: 40000, protocol: 'UDP' as const }];
  return endpointsFor(f.from).flatMap((from) => endpointsFor(f.to).flatMap((to) => ports.map((p) => ({ from, to, ...p }))));
}

const show = (e: Endpoint) => (e.kind === 'pod' ? `${e.cluster}/${e.namespace} ${JSON.stringify(e.labels)}` : e.kind === 'world' ? `world ${e.ip}` : `${e.kind} of ${e.cluster}`);

describe('reference fleet flows under the default deny (independent evaluator)', () => {
  it('declares the flows the workloads need', () => {
    const names = flows.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'fl-serverapp-to-superlink',
        'fl-supernode-quebec-to-superlink',
        'fl-supernode-atlanta-to-superlink',
        'fl-serverapp-dns',
        'fl-supernode-quebec-dns',
        'pretrain-gang',
        'pretrain-dns',
        'chat-dns',
        'chat-model-download',
        'chat-from-own-namespace',
        'quebec-team-nlp-internal',
        'quebec-team-vision-internal',
        'quebec-team-nlp-dns',
      ]),
    );
    const byName = new Map(flows.map((f) => [f.name, f]));
    expect(byName.get('fl-serverapp-to-superlink')!.ports).toEqual([{ port: 9091, protocol: 'TCP' }]);
    expect(byName.get('fl-supernode-quebec-to-superlink')).toMatchObject({ from: { cluster: 'quebec' }, to: { cluster: 'frankfurt' }, ports: [{ port: 9092, protocol: 'TCP' }] });
    // Placed workloads' flows land where the solver put them.
    expect(byName.get('pretrain-gang')).toMatchObject({ from: { cluster: 'atlanta', namespace: 'training' }, to: { cluster: 'atlanta' }, ports: [] });
    expect(byName.get('chat-from-own-namespace')).toMatchObject({ from: { cluster: 'quebec', namespace: 'inference', podLabels: {} }, to: { cluster: 'quebec' } });
  });

  it('allows every declared flow at both ends, between pods the fleet writes', () => {
    const failures: string[] = [];
    for (const f of flows) {
      const conns = connectionsFor(f);
      if (f.from.kind === 'pods' && endpointsFor(f.from).length === 0) failures.push(`${f.name}: its source selects no pod the fleet writes`);
      if (f.to.kind === 'pods' && endpointsFor(f.to).length === 0) failures.push(`${f.name}: its destination selects no pod the fleet writes`);
      for (const c of conns) {
        const v = model.decide(c);
        if (!v.egress.allowed) failures.push(`${f.name}: egress denied from ${show(c.from)} to ${show(c.to)} ${c.protocol}/${c.port} (selected by ${v.egress.selectedBy.join(', ')})`);
        if (!v.ingress.allowed) failures.push(`${f.name}: ingress denied at ${show(c.to)} from ${show(c.from)} ${c.protocol}/${c.port} (selected by ${v.ingress.selectedBy.join(', ')})`);
      }
    }
    expect(failures).toEqual([]);
    // And the default deny is really in force on them: the allows come from policies, not from being unselected.
    const sn = pods.find((p) => p.cluster === 'quebec' && p.labels['app.kubernetes.io/component'] === 'supernode')!;
    const sl = pods.find((p) => p.cluster === 'frankfurt' && p.labels['app.kubernetes.io/component'] === 'superlink')!;
    const v = model.decide({ from: sn, to: sl, port: 9092, protocol: 'TCP' });
    expect(v.egress.enforced && v.ingress.enforced).toBe(true);
    expect(v.egress.allowedBy).toEqual(['CiliumNetworkPolicy fl/allow-fl-supernode-quebec-to-superlink-egress', 'NetworkPolicy fl/fl-supernode']);
    expect(v.ingress.allowedBy).toEqual(['CiliumNetworkPolicy fl/allow-fl-supernode-quebec-to-superlink-ingress', 'NetworkPolicy fl/fl-superlink']);
  });

  it('allows the connections the written objects make, read from the objects themselves (not from the declarations)', () => {
    // Services by cluster: selector and port -> target port; global services reach backends in every cluster.
    const services = Object.entries(objects).flatMap(([cluster, list]) =>
      list.filter((o) => o.kind === 'Service').map((o) => ({ cluster, o, spec: o.spec as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number }[] } })),
    );
    const backends = (cluster: string, host: string, port: number): { pods: Endpoint[]; port: number } => {
      const [name, ns] = host.split('.');
      const svc = services.find((s) => s.cluster === cluster && s.o.metadata.name === name && s.o.metadata.namespace === ns);
      if (!svc) throw new Error(`no Service ${ns}/${name} in ${cluster}`);
      const p = svc.spec.ports!.find((x) => x.port === port)!;
      const global = svc.o.metadata.annotations?.['service.cilium.io/global'] === 'true';
      const clusters = global ? services.filter((s) => s.o.metadata.name === name && s.o.metadata.namespace === ns).map((s) => s.cluster) : [cluster];
      return { pods: pods.filter((x) => clusters.includes(x.cluster) && x.namespace === ns && subset(svc.spec.selector ?? {}, x.labels)), port: p.targetPort ?? p.port };
    };
    const argValue = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
    const needs: { what: string; c: Connection }[] = [];
    for (const [cluster, list] of Object.entries(objects)) {
      for (const o of list.filter((x) => x.kind === 'Deployment')) {
        const from = podsOf(cluster, o)[0]!;
        for (const c of ((o.spec as any).template.spec.containers ?? []) as { args?: string[] }[]) {
          for (const flag of ['--superlink', '--appio-api-address']) {
            const addr = argValue(c.args ?? [], flag);
            if (!addr || addr.startsWith('127.0.0.1')) continue;
            const [host, port] = addr.split(':');
            const b = backends(cluster, host!, Number(port));
            expect(b.pods.length).toBeGreaterThan(0);
            for (const to of b.pods) needs.push({ what: `${o.metadata.name} ${flag} ${addr}`, c: { from, to, port: b.port, protocol: 'TCP' } });
            needs.push({ what: `${o.metadata.name} resolves ${host}`, c: { from, to: { kind: 'pod', cluster, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, port: 53, protocol: 'UDP' } });
          }
        }
      }
      // The gang's pods reach each other on the rendezvous port their containers declare.
      const gang = pods.filter((p) => p.cluster === cluster && p.labels['training.kubeflow.org/job-name']);
      for (const a of gang) for (const b of gang) needs.push({ what: 'training rendezvous', c: { from: a, to: b, port: 29500, protocol: 'TCP' } });
      // Tenants' pods reach each other; clients of the inference namespace reach the predictor on 8080.
      for (const t of pods.filter((p) => p.cluster === cluster && p.labels.app === 'tenant-job')) needs.push({ what: `tenant ${t.namespace}`, c: { from: t, to: t, port: 8080, protocol: 'TCP' } });
      for (const isvc of pods.filter((p) => p.cluster === cluster && p.labels['serving.kserve.io/inferenceservice'])) {
        needs.push({ what: 'a client in the inference namespace', c: { from: { kind: 'pod', cluster, namespace: isvc.namespace, labels: { app: 'client' } }, to: isvc, port: 8080, protocol: 'TCP' } });
        needs.push({ what: 'the model download', c: { from: isvc, to: { kind: 'world', ip: '198.51.100.20' }, port: 443, protocol: 'TCP' } });
      }
    }
    expect(needs.length).toBeGreaterThan(8);
    const refused = needs.filter((n) => !model.decide(n.c).allowed).map((n) => `${n.what}: ${show(n.c.from)} -> ${show(n.c.to)} ${n.c.port}`);
    expect(refused).toEqual([]);
  });

  it('denies flows nobody declared: other ports, other namespaces, other clusters', () => {
    const find = (cluster: string, pred: (l: Record<string, string>) => boolean, ns?: string) => {
      const p = pods.find((x) => x.cluster === cluster && (ns === undefined || x.namespace === ns) && pred(x.labels));
      if (!p) throw new Error(`no pod in ${cluster}${ns ? `/${ns}` : ''}`);
      return p;
    };
    const comp = (c: string) => (l: Record<string, string>) => l['app.kubernetes.io/component'] === c;
    const superlink = find('frankfurt', comp('superlink'));
    const serverApp = find('frankfurt', comp('superexec-serverapp'));
    const snQuebec = find('quebec', comp('supernode'));
    const snAtlanta = find('atlanta', comp('supernode'));
    const chat = find('quebec', (l) => l['serving.kserve.io/inferenceservice'] === 'chat');
    const trainer = find('atlanta', (l) => l['k0smos.io/workload'] === 'pretrain');
    const nlp = find('quebec', () => true, 'team-nlp');
    const vision = find('quebec', () => true, 'team-vision');
    const stranger = (cluster: string, namespace: string, labels: Record<string, string> = { app: 'stranger' }): Endpoint => ({ kind: 'pod', cluster, namespace, labels });
    const denied: [string, Connection][] = [
      ['SuperNode to the Control API', { from: snQuebec, to: superlink, port: 9093, protocol: 'TCP' }],
      ['ServerApp to the Fleet API', { from: serverApp, to: superlink, port: 9092, protocol: 'TCP' }],
      ['a pod of another namespace to the Fleet API', { from: stranger('quebec', 'default'), to: superlink, port: 9092, protocol: 'TCP' }],
      ['a look-alike SuperNode in another namespace', { from: stranger('quebec', 'team-nlp', snQuebec.labels), to: superlink, port: 9092, protocol: 'TCP' }],
      ['SuperNode to a SuperNode of another cluster', { from: snQuebec, to: snAtlanta, port: 9092, protocol: 'TCP' }],
      ['SuperNode to the inference service', { from: snQuebec, to: chat, port: 8080, protocol: 'TCP' }],
      ['an outside address to the Fleet API', { from: { kind: 'world', ip: '203.0.113.5' }, to: superlink, port: 9092, protocol: 'TCP' }],
      ['the predictor to an outside address on port 80', { from: chat, to: { kind: 'world', ip: '198.51.100.1' }, port: 80, protocol: 'TCP' }],
      ['a gang pod in another cluster to the gang', { from: stranger('quebec', 'training', trainer.labels), to: trainer, port: 29500, protocol: 'TCP' }],
      ['the gang to the Fleet API', { from: trainer, to: superlink, port: 9092, protocol: 'TCP' }],
      ['tenant to tenant', { from: nlp, to: vision, port: 8080, protocol: 'TCP' }],
      ['tenant to the inference service', { from: vision, to: chat, port: 8080, protocol: 'TCP' }],
      ['a SuperNode to the API server', { from: snQuebec, to: { kind: 'kube-apiserver', cluster: 'quebec' }, port: 6443, protocol: 'TCP' }],
    ];
    const allowed = denied.filter(([, c]) => model.decide(c).allowed).map(([what, c]) => `${what}: ${show(c.from)} -> ${show(c.to)} ${c.port}`);
    expect(allowed).toEqual([]);
    // Both ends refuse a stranger across clusters: the source's egress and the SuperLink's ingress.
    const v = model.decide(denied[2]![1]);
    expect([v.egress.allowed, v.ingress.allowed]).toEqual([false, false]);
  });

  it('leaves cilium-health, the hosts and the infrastructure namespaces out of the default deny', () => {
    for (const cluster of Object.keys(objects)) {
      expect(model.selecting(cluster, { kind: 'health', cluster }, 'ingress', true)).toEqual([]);
      expect(model.selecting(cluster, { kind: 'host', cluster }, 'egress', true)).toEqual([]);
      for (const ns of ['kube-system', 'kcm-system', 'flux-system', 'argocd', 'cert-manager', 'keda', 'kserve', 'kubeflow', 'gpu-operator', 'kube-amd-gpu', 'metallb-system', 'openebs', 'k0smos-system']) {
        expect(model.selecting(cluster, { kind: 'pod', cluster, namespace: ns, labels: { app: 'x' } }, 'ingress', true)).toEqual([]);
      }
      // cilium-health probes between nodes keep working.
      expect(model.decide({ from: { kind: 'health', cluster }, to: { kind: 'health', cluster }, port: 4240, protocol: 'TCP' }).allowed).toBe(true);
      // Workload namespaces are in it.
      expect(model.selecting(cluster, { kind: 'pod', cluster, namespace: 'default', labels: {} }, 'egress')).toEqual(['CiliumClusterwideNetworkPolicy k0smos-default-deny']);
    }
  });

  it('writes no NetworkPolicy rule that admits every peer: each names its sources or destinations', () => {
    const open: string[] = [];
    for (const [cluster, list] of Object.entries(objects)) {
      for (const np of list.filter((o) => o.kind === 'NetworkPolicy')) {
        const spec = np.spec as { ingress?: { from?: unknown[] }[]; egress?: { to?: unknown[] }[] };
        (spec.ingress ?? []).forEach((r, i) => (r.from?.length ? undefined : open.push(`${cluster}: ${np.metadata.namespace}/${np.metadata.name} ingress[${i}]`)));
        (spec.egress ?? []).forEach((r, i) => (r.to?.length ? undefined : open.push(`${cluster}: ${np.metadata.namespace}/${np.metadata.name} egress[${i}]`)));
      }
    }
    expect(open).toEqual([]);
    expect(Object.values(objects).flat().filter((o) => o.kind === 'NetworkPolicy').length).toBeGreaterThanOrEqual(3);
  });
});
