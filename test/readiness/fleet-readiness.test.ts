/**
 * Issue 11 rules at fleet level: each need is met by what the fleet installs, by what the site declares
 * present, or fails synth naming the object, the cluster and the fixes. Small fleets, one rule each.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import YAML from 'yaml';
import { main } from '../../bin/cli';
import type { FleetSpec } from '../../lib/model/fleet';
import { clone, fleetFrom, rejections, tmpDir } from '../helpers';

/** The management site 'hq' (bare metal, one small pool), with extra site fields. */
function hqSite(extra: Record<string, unknown>): Record<string, unknown> {
  return { name: 'hq', region: 'eu', jurisdiction: 'DE', location: { lat: 50, lon: 8 }, infrastructure: 'bare-metal', nodePools: [{ name: 'n', count: 1, cpu: 8, memoryGiB: 32 }], ...extra };
}

/** A fleet of one standalone cluster at 'hq'. */
function edgeFleet(extra: Record<string, unknown> = {}, clusterExtra: Record<string, unknown> = {}): FleetSpec {
  const cluster = { name: 'hq', controlPlane: { mode: 'standalone', hosts: [{ role: 'single', address: '192.168.1.10' }] }, ...clusterExtra };
  return { name: 'r', management: { site: 'hq' }, sites: [hqSite({ ...extra, clusters: [cluster] })] } as FleetSpec;
}

const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'app' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
const lbService = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'app' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] } };
const scaledObject = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'web', namespace: 'app' }, spec: { scaleTargetRef: { name: 'web' }, triggers: [{ type: 'cron', metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '2' } }] } };

function withObjects(spec: FleetSpec, ...objects: Record<string, unknown>[]) {
  const fleet = fleetFrom(spec);
  objects.forEach((o, i) => new ApiObject(fleet.site('hq').cluster(), `o${i}`, o as never));
  return fleet;
}

const k0sctl = (tree: ReadonlyMap<string, string>) => YAML.parse(tree.get('sites/hq/hq/k0sctl.yaml')!);
const charts = (tree: ReadonlyMap<string, string>): { name: string; order: number }[] => k0sctl(tree).spec.k0s.config.spec.extensions?.helm?.charts ?? [];

describe('storage', () => {
  it('a claim without a class gets OpenEBS hostpath installed at bootstrap, and the report says why', () => {
    const tree = withObjects(edgeFleet(), pvc).toTree();
    expect(charts(tree).map((c) => c.name)).toEqual(['openebs-localpv']);
    const report = JSON.parse(tree.get('readiness.json')!);
    expect(report.ready).toBe(true);
    expect(report.clusters[0].installs[0].reason).toContain('storage:default for PersistentVolumeClaim app/data');
  });

  it("with storage: 'none' the claim fails synth, naming the object, the cluster and each fix", () => {
    const lines = rejections(() => withObjects(edgeFleet({}, { storage: 'none' }), pvc).toTree());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("fleet/hq/hq/o0: cluster 'hq': PersistentVolumeClaim app/data needs storage:default");
    expect(lines[0]).toContain('sites[hq].clusters[hq].present.storageClasses: [{ name: <class>, default: true }]');
    expect(lines[0]).toContain("storage: 'openebs-hostpath'");
  });

  it('a default class the site declares present is used, nothing installed', () => {
    const tree = withObjects(edgeFleet({ present: { storageClasses: [{ name: 'ceph-rbd', default: true }] } }), pvc).toTree();
    expect(charts(tree)).toEqual([]);
    expect(tree.get('READINESS.md')).toContain('present (declared): `storage:default`');
  });
});

describe('operators', () => {
  it('a ScaledObject brings KEDA; declared present it does not', () => {
    expect(charts(withObjects(edgeFleet(), scaledObject).toTree()).map((c) => c.name)).toEqual(['keda']);
    expect(charts(withObjects(edgeFleet({ present: { addons: ['keda'] } }), scaledObject).toTree())).toEqual([]);
  });

  it('a kind no catalog entry serves fails with the ways to declare it', () => {
    const lines = rejections(() => withObjects(edgeFleet(), { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app' } }).toTree());
    expect(lines.join('\n')).toContain("Widget.example.com app/w needs api:example.com");
    expect(lines.join('\n')).toContain("present.apiGroups: ['example.com']");
  });

  it('every problem of every cluster at once', () => {
    const spec = edgeFleet({}, { storage: 'none' });
    const lines = rejections(() => withObjects(spec, pvc, lbService, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }).toTree());
    expect(lines).toHaveLength(3);
  });
});

describe('load balancers', () => {
  it('a LoadBalancer Service on bare metal fails until a provider is configured or declared', () => {
    expect(rejections(() => withObjects(edgeFleet(), lbService).toTree()).join('\n')).toContain("needs loadbalancer (it is a LoadBalancer Service)");
    const tree = withObjects(edgeFleet({}, { loadBalancer: { provider: 'metallb', addresses: ['192.168.1.200-192.168.1.210'] } }), lbService).toTree();
    expect(charts(tree).map((c) => c.name)).toEqual(['metallb']);
    const pool = YAML.parse(tree.get('sites/hq/hq/ipaddresspool.metallb.io_metallb-system_k0smos.yaml') ?? tree.get([...tree.keys()].find((k) => k.includes('ipaddresspool'))!)!);
    expect(pool.spec.addresses).toEqual(['192.168.1.200-192.168.1.210']);
    expect(charts(withObjects(edgeFleet({ present: { loadBalancer: true } }), lbService).toTree())).toEqual([]);
  });

  it('address ranges are checked by path', () => {
    expect(rejections(() => fleetFrom(edgeFleet({}, { loadBalancer: { provider: 'metallb', addresses: ['lots'] } }))).join('\n')).toMatch(/sites\[hq\]\.clusters\[hq\]\.loadBalancer\.addresses\[0\]: must be an IPv4 CIDR.*got 'lots'/);
  });
});

describe('the management cluster', () => {
  const hostedSpec = (mgmtExtra: Record<string, unknown>, mgmtCluster: Record<string, unknown> | undefined): FleetSpec =>
    ({
      name: 'h',
      management: { site: 'hq' },
      sites: [
        hqSite({ ...mgmtExtra, ...(mgmtCluster ? { clusters: [mgmtCluster] } : {}) }),
        {
          name: 'edge',
          region: 'eu',
          jurisdiction: 'DE',
          location: { lat: 51, lon: 9 },
          infrastructure: 'edge',
          nodePools: [{ name: 'box', count: 1, cpu: 4, memoryGiB: 16 }],
          clusters: [{ name: 'edge', controlPlane: { mode: 'hosted', service: { type: 'NodePort' }, externalAddress: '203.0.113.5', sshKeySecret: { name: 'edge-ssh' }, workers: [{ address: '10.9.0.1' }] } }],
        },
      ],
    }) as FleetSpec;

  it('kcm and the etcd volume provisioner go into the k0sctl.yaml that bootstraps it', () => {
    const tree = fleetFrom(hostedSpec({}, { name: 'hq', controlPlane: { mode: 'standalone', hosts: [{ role: 'single', address: '192.168.1.10' }] } })).toTree();
    const names = charts(tree).map((c) => c.name);
    expect(names).toEqual(['openebs-localpv', 'kcm']);
    expect(tree.get('READINESS.md')).toContain('## hq (site hq, management cluster)');
  });

  it('a management cluster the fleet does not bootstrap must declare kcm', () => {
    const lines = rejections(() => fleetFrom(hostedSpec({}, undefined)).toTree());
    expect(lines.join('\n')).toContain("K0smotronControlPlane.controlplane.cluster.x-k8s.io kcm-system/edge needs api:controlplane.cluster.x-k8s.io");
    expect(lines.join('\n')).toContain("sites[hq].present.addons: ['kcm']");
    expect(rejections(() => fleetFrom(hostedSpec({ present: { addons: ['kcm'], storageClasses: [{ name: 'local', default: true }] } }, undefined)).toTree())).toEqual([]);
  });
});

describe('k0rdent clusters', () => {
  it('installs as services that depend on what they need, with ServiceTemplates in the management cluster', () => {
    const spec = clone(edgeFleet({ present: { loadBalancer: true } })) as any;
    spec.management.credentials = [{ name: 'ssh', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'ssh-key', namespace: 'kcm-system' } }];
    spec.sites.push({
      name: 'lab',
      region: 'eu',
      jurisdiction: 'DE',
      location: { lat: 52, lon: 9 },
      infrastructure: 'bare-metal',
      nodePools: [{ name: 'g', count: 1, cpu: 32, memoryGiB: 128 }],
      clusters: [{ name: 'lab', controlPlane: { mode: 'k0rdent', credential: 'ssh', config: { machines: [{ address: '10.7.0.1' }], k0smotron: { service: { type: 'LoadBalancer' } } } } }],
    });
    const fleet = fleetFrom(spec);
    new ApiObject(fleet.site('lab').cluster(), 'isvc', { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'm', namespace: 'inf' }, spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://x' } } } } as never);
    const tree = fleet.toTree();
    const cdFile = [...tree.keys()].find((k) => k.includes('clusterdeployment') && k.endsWith('_lab.yaml'))!;
    const services = YAML.parse(tree.get(cdFile)!).spec.serviceSpec.services as { name: string; dependsOn?: { name: string }[] }[];
    expect(services.map((s) => s.name).sort()).toEqual(['cert-manager', 'kserve', 'kserve-crd']);
    expect(services.find((s) => s.name === 'kserve')!.dependsOn!.map((d) => d.name)).toEqual(['cert-manager', 'kserve-crd']);
    expect([...tree.keys()].filter((k) => k.includes('servicetemplate')).length).toBe(3);
    const repo = [...tree.keys()].find((k) => k.includes('helmrepository') && k.includes('jetstack'))!;
    expect(YAML.parse(tree.get(repo)!).metadata.labels['k0rdent.mirantis.com/managed']).toBe('true');
  });
});

describe('the check command', () => {
  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const w = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    const e = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += a.join(' ') + '\n'));
    try {
      return { code: await main(argv), out, err };
    } finally {
      w.mockRestore();
      e.mockRestore();
    }
  }

  it('prints the report of a synthesized folder and exits 0; an unresolved entry exits 1', async () => {
    const dir = tmpDir();
    withObjects(edgeFleet(), pvc).synth({ outdir: dir, templates: 'skip' });
    const ok = await run('check', dir);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('# Readiness');
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'readiness.json'), 'utf8'));
    j.ready = false;
    j.clusters[0].unresolved = [{ capability: 'loadbalancer', by: 'Service app/web', why: 'x', fixes: ['declare one'] }];
    fs.writeFileSync(path.join(dir, 'readiness.json'), JSON.stringify(j));
    const bad = await run('check', dir, '--json');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('unresolved: hq: Service app/web needs loadbalancer');
  });

  it('checks a fleet.yaml without writing, exiting 1 with every unresolved need', async () => {
    const dir = tmpDir();
    const spec = clone(edgeFleet()) as any;
    spec.sites.push({
      name: 'edge',
      region: 'eu',
      jurisdiction: 'DE',
      location: { lat: 51, lon: 9 },
      infrastructure: 'edge',
      nodePools: [{ name: 'box', count: 1, cpu: 4, memoryGiB: 16 }],
      clusters: [{ name: 'edge', controlPlane: { mode: 'k0rdent', credential: 'ssh', config: { machines: [{ address: '10.9.0.1' }], k0smotron: { service: { type: 'LoadBalancer' } } } } }],
    });
    spec.management.credentials = [{ name: 'ssh', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'ssh-key', namespace: 'kcm-system' } }];
    const file = path.join(dir, 'fleet.yaml');
    fs.writeFileSync(file, YAML.stringify(spec));
    const r = await run('check', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain('needs loadbalancer');
    expect(fs.readdirSync(dir)).toEqual(['fleet.yaml']);
  });
});

describe('operators upstream ships without a chart', () => {
  it('a PyTorchJob in a k0s cluster lists the training operator as a remote kustomization in infra/, before apps/', () => {
    const job = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 't', namespace: 'training' }, spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'x' }] } } } } } };
    const tree = withObjects(edgeFleet(), job).toTree();
    const infra = YAML.parse(tree.get('sites/hq/hq/infra/kustomization.yaml')!);
    expect(infra.resources).toContain('https://github.com/kubeflow/trainer.git//manifests/overlays/standalone?ref=v1.9.4');
    expect(YAML.parse(tree.get('sites/hq/hq/apps/kustomization.yaml')!).resources).toContain('pytorchjob.kubeflow.org_training_t.yaml');
    const report = JSON.parse(tree.get('readiness.json')!);
    expect(report.clusters[0].bundles[0].name).toBe('kubeflow-training-operator');
    expect(report.clusters[0].bundles[0].reason).toContain('api:kubeflow.org for PyTorchJob.kubeflow.org training/t');
  });
});
