import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { itWithSchemas, SCHEMAS_DIR } from '../helpers';
import { objectNeeds } from '../../lib/readiness/needs';
import { addonDependencies, derivedOrders, resolveCluster, type ClusterNeedsInput } from '../../lib/readiness/resolve';
import { presentCapabilities } from '../../lib/readiness/capability';
import { CATALOG, entryProvides, installerOf } from '../../lib/readiness/catalog';
import type { HelmChartAddon } from '../../lib/addons/addon';
import type { K8sObject } from '../../lib/synth/objects';

const base: ClusterNeedsInput = {
  cluster: 'c1',
  site: 's1',
  mode: 'standalone',
  management: false,
  addons: [],
  bundles: [],
  present: [],
  templateBrings: [],
  crdGroups: [],
  requirements: [],
  storage: 'openebs-hostpath',
};

const so: K8sObject = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x', namespace: 'fl' } };
const pvc: K8sObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'fl' }, spec: {} };
const lbSvc: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'fl' }, spec: { type: 'LoadBalancer' } };

describe('needs read from objects', () => {
  it('a custom kind needs its API group; built-in kinds need nothing', () => {
    expect(objectNeeds(so).map((r) => r.capability)).toEqual(['api:keda.sh']);
    expect(objectNeeds({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } })).toEqual([]);
  });
  it('claims need a default or a named StorageClass; a bound claim needs none', () => {
    expect(objectNeeds(pvc).map((r) => r.capability)).toEqual(['storage:default']);
    expect(objectNeeds({ ...pvc, spec: { storageClassName: 'ceph-rbd' } }).map((r) => r.capability)).toEqual(['storageclass:ceph-rbd']);
    expect(objectNeeds({ ...pvc, spec: { volumeName: 'pv-1' } })).toEqual([]);
    const sts: K8sObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } };
    expect(objectNeeds(sts).map((r) => r.capability)).toEqual(['storage:default']);
  });
  it('a LoadBalancer Service needs a provider; a hosted control plane needs storage for its etcd', () => {
    expect(objectNeeds(lbSvc).map((r) => r.capability)).toEqual(['loadbalancer']);
    const kmc: K8sObject = { apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2', kind: 'K0smotronControlPlane', metadata: { name: 'q' }, spec: { service: { type: 'NodePort' } } };
    expect(objectNeeds(kmc).map((r) => r.capability).sort()).toEqual(['api:controlplane.cluster.x-k8s.io', 'storage:default']);
    expect(objectNeeds({ ...kmc, spec: { kineDataSourceURL: 'postgres://db' } }).map((r) => r.capability)).toEqual(['api:controlplane.cluster.x-k8s.io']);
    const cd: K8sObject = { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ClusterDeployment', metadata: { name: 'a' }, spec: { template: 'remote-cluster-1-0-38', config: { k0smotron: { service: { type: 'LoadBalancer' } } } } };
    expect(objectNeeds(cd).map((r) => r.capability).sort()).toEqual(['api:k0rdent.mirantis.com', 'loadbalancer', 'storage:default']);
  });
});

describe('resolveCluster', () => {
  const req = (o: K8sObject) => objectNeeds(o, `app/${o.metadata.name}`);

  it('installs what the catalog has for an unmet API group, with its own needs (KServe brings cert-manager)', () => {
    const isvc: K8sObject = { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'chat', namespace: 'inference' } };
    const plan = resolveCluster({ ...base, requirements: req(isvc) });
    expect(plan.unresolved).toEqual([]);
    expect(plan.installs.map((i) => i.entry.id).sort()).toEqual(['cert-manager', 'kserve']);
  });

  it('does not install what an add-on of the cluster, a present declaration or a CRD in the folder provides', () => {
    const keda: HelmChartAddon = { name: 'my-keda', namespace: 'keda', chart: { repo: 'https://kedacore.github.io/charts', name: 'keda', version: '2.19.0' }, values: {} };
    expect(resolveCluster({ ...base, addons: [keda], requirements: req(so) }).installs).toEqual([]);
    expect(resolveCluster({ ...base, present: ['api:keda.sh'], requirements: req(so) }).installs).toEqual([]);
    expect(resolveCluster({ ...base, crdGroups: ['keda.sh'], requirements: req(so) }).installs).toEqual([]);
    const own: HelmChartAddon = { name: 'scaler', namespace: 'x', chart: { repo: 'https://example.com/charts', name: 'scaler', version: '1' }, values: {}, provides: ['api:keda.sh'] };
    expect(resolveCluster({ ...base, addons: [own], requirements: req(so) }).installs).toEqual([]);
  });

  it('an unknown API group is unresolved, with fixes that name the cluster entry', () => {
    const x: K8sObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const plan = resolveCluster({ ...base, requirements: req(x) });
    expect(plan.unresolved).toHaveLength(1);
    expect(plan.unresolved[0]!.fixes.join(' ')).toContain("sites[s1].clusters[c1].present.apiGroups: ['example.com']");
  });

  it('a cluster the fleet does not bootstrap cannot install: the need is unresolved and says so', () => {
    const plan = resolveCluster({ ...base, mode: 'external', requirements: req(so) });
    expect(plan.installs).toEqual([]);
    expect(plan.unresolved[0]!.fixes[0]).toContain('does not bootstrap');
    expect(plan.unresolved[0]!.fixes.join(' ')).toContain("present.addons: ['keda']");
  });

  it('storage: OpenEBS hostpath by default, unresolved with storage none, met by a declared default class or a cloud template', () => {
    expect(resolveCluster({ ...base, requirements: req(pvc) }).installs.map((i) => i.entry.id)).toEqual(['openebs-hostpath']);
    const none = resolveCluster({ ...base, storage: 'none', requirements: req(pvc) });
    expect(none.unresolved.map((u) => u.requirement.capability)).toEqual(['storage:default']);
    expect(none.unresolved[0]!.fixes.join(' ')).toContain('present.storageClasses');
    expect(resolveCluster({ ...base, storage: 'none', present: presentCapabilities({ storageClasses: [{ name: 'ceph', default: true }] }), requirements: req(pvc) }).unresolved).toEqual([]);
    expect(resolveCluster({ ...base, storage: 'none', templateBrings: ['storage:default'], requirements: req(pvc) }).unresolved).toEqual([]);
    // A named class is never installed: it must be present.
    expect(resolveCluster({ ...base, requirements: req({ ...pvc, spec: { storageClassName: 'ceph-rbd' } }) }).unresolved).toHaveLength(1);
  });

  it('load balancer: unresolved unless a provider is configured, declared or brought by the template', () => {
    const plan = resolveCluster({ ...base, requirements: req(lbSvc) });
    expect(plan.unresolved.map((u) => u.requirement.capability)).toEqual(['loadbalancer']);
    expect(plan.unresolved[0]!.fixes.join(' ')).toContain("loadBalancer: { provider: 'metallb'");
    expect(resolveCluster({ ...base, loadBalancer: { provider: 'metallb', addresses: ['10.0.0.10-10.0.0.20'] }, requirements: req(lbSvc) }).unresolved).toEqual([]);
    expect(resolveCluster({ ...base, present: ['loadbalancer'], requirements: req(lbSvc) }).unresolved).toEqual([]);
    expect(resolveCluster({ ...base, templateBrings: ['loadbalancer'], requirements: req(lbSvc) }).unresolved).toEqual([]);
  });

  it('kcm only on the management cluster, and no second cert-manager there', () => {
    const cd: K8sObject = { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ClusterDeployment', metadata: { name: 'a' }, spec: { template: 'aws-eks-1-0-13' } };
    const amd: HelmChartAddon = { name: 'amd', namespace: 'kube-amd-gpu', chart: { repo: 'https://rocm.github.io/gpu-operator', name: 'gpu-operator-charts', version: 'v1.5.1' }, values: {} };
    const mgmt = resolveCluster({ ...base, management: true, addons: [amd], requirements: req(cd) });
    expect(mgmt.installs.map((i) => i.entry.id)).toEqual(['kcm']);
    const other = resolveCluster({ ...base, management: false, requirements: req(cd) });
    expect(other.installs).toEqual([]);
    expect(other.unresolved.map((u) => u.requirement.capability)).toEqual(['api:k0rdent.mirantis.com']);
  });

  it('Secrets are listed for the user to create, never installed nor unresolved', () => {
    const plan = resolveCluster({ ...base, requirements: [{ capability: 'secret:kube-system/cilium-ca', by: 'mesh', why: 'shared CA' }] });
    expect(plan.secrets.map((s) => s.capability)).toEqual(['secret:kube-system/cilium-ca']);
    expect(plan.unresolved).toEqual([]);
    expect(resolveCluster({ ...base, present: ['secret:kube-system/cilium-ca'], requirements: plan.secrets }).secrets).toEqual([]);
  });
});

describe('install order from dependency edges', () => {
  const chart = (name: string, order: number, provides: string[], needs: string[] = []): HelmChartAddon =>
    ({ name, namespace: name, chart: { repo: 'https://example.com', name, version: '1' }, values: {}, order, provides, needs }) as HelmChartAddon;

  it('an add-on installs after those that provide what it needs, even when its own order says earlier', () => {
    const addons = [chart('op', 5, ['api:op.example.com'], ['api:cert-manager.io']), chart('cm', 10, ['api:cert-manager.io'])];
    const orders = derivedOrders(addons);
    expect(orders.get('cm')).toBe(10);
    expect(orders.get('op')).toBe(11);
    expect(addonDependencies(addons).get('op')).toEqual(['cm']);
    expect(addonDependencies(addons).get('cm')).toEqual([]);
  });

  it('a cycle does not loop forever', () => {
    const addons = [chart('a', 1, ['api:a.io'], ['api:b.io']), chart('b', 1, ['api:b.io'], ['api:a.io'])];
    expect(() => derivedOrders(addons)).not.toThrow();
  });
});

describe('catalog', () => {
  it('pins exact versions and says where each fact comes from', () => {
    for (const e of CATALOG) {
      expect(e.source.length).toBeGreaterThan(10);
      for (const c of e.charts) expect(c.chart.version).toMatch(/^v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/);
    }
  });
  it('every API group an object of the library writes has an installer or a known owner', () => {
    for (const g of ['keda.sh', 'serving.kserve.io', 'kubeflow.org', 'cert-manager.io', 'metallb.io', 'k0rdent.mirantis.com']) {
      expect(installerOf(`api:${g}`)).toBeDefined();
    }
    expect(entryProvides(CATALOG.find((e) => e.id === 'kcm')!)).toContain('api:cluster.x-k8s.io');
  });
});

describe('catalog values against the charts the schemas folder holds', () => {
  // Only kcm's chart ships a values.schema.json among the catalog's charts (PROVENANCE.md); the others set
  // only the keys ADDONS.md documents.
  itWithSchemas('kcm values pass its values.schema.json', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR!, 'kcm', 'kcm-chart', 'values.schema.json'), 'utf8'));
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    const kcm = CATALOG.find((e) => e.id === 'kcm')!.charts[0]!;
    expect(validate(kcm.values)).toBe(true);
    expect(validate({ controller: { createManagement: 'yes' } })).toBe(false);
  });
});
