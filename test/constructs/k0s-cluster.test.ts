import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ControlPlane, Fleet, MultiClusterAddon } from '../../constructs';
import { buildReferenceBase, buildReferenceFleet, referenceFleetSpec } from '../../apps/reference-fleet';
import { parseFleetText } from '../../lib/model/load';
import type { FileTree } from '../../lib/synth/render';
import { allTemplatesFleet, modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, fleetFrom, rejections, templateSchemas, treeFailures } from '../helpers';

type Doc = Record<string, any>;
const doc = (tree: FileTree, file: string): Doc => {
  const text = tree.get(file);
  if (text === undefined) throw new Error(`no ${file} in tree (files: ${[...tree.keys()].join(', ')})`);
  return parse(text) as Doc;
};
const files = (tree: FileTree, prefix: string) => [...tree.keys()].filter((k) => k.startsWith(prefix));

describe('standalone (k0sctl)', () => {
  const tree = fleetFrom(modesFleet()).toTree();
  const k = doc(tree, 'sites/hub/hub/k0sctl.yaml');

  test('k0sctl.yaml sits in the cluster folder, not in its kustomization', () => {
    expect(doc(tree, 'sites/hub/hub/kustomization.yaml').resources).not.toContain('k0sctl.yaml');
    expect(k).toMatchObject({ apiVersion: 'k0sctl.k0sproject.io/v1beta1', kind: 'Cluster', metadata: { name: 'hub' } });
  });

  test('hosts: roles, SSH with key paths, explicit private addresses, pool labels for workers', () => {
    expect(k.spec.hosts.map((h: Doc) => h.role)).toEqual(['controller', 'controller', 'controller+worker', 'worker', 'worker']);
    expect(k.spec.hosts[2]).toEqual({
      role: 'controller+worker',
      ssh: { address: 'ctl-3.hub.example', user: 'admin', port: 22, keyPath: '~/.ssh/hub' },
      privateAddress: '192.168.0.3',
      noTaints: true,
      installFlags: ['--labels=k0smos.io/node-pool=ctrl'],
    });
    expect(k.spec.hosts[0].installFlags).toBeUndefined();
    expect(k.spec.hosts.map((h: Doc) => h.privateAddress)).toEqual(['192.168.0.1', '192.168.0.2', '192.168.0.3', '192.168.0.11', '192.168.0.12']);
  });

  test('controller+worker hosts take workloads (k0sctl noTaints) unless set false, which keeps them out of their pool; noTaints elsewhere is an error', () => {
    // Counted in its pool's capacity, so untainted.
    expect(k.spec.hosts[2].noTaints).toBe(true);
    const ref = parse(buildReferenceBase(new App()).toTree().get('sites/frankfurt/frankfurt/k0sctl.yaml')!);
    expect(ref.spec.hosts.map((h: Doc) => [h.role, h.noTaints])).toEqual([
      ['controller+worker', true],
      ['controller+worker', true],
      ['controller+worker', true],
    ]);
    const spec = clone(modesFleet());
    const hub = spec.sites.find((x) => x.name === 'hub')!.clusters![0]!.controlPlane as { hosts: { noTaints?: boolean }[] };
    hub.hosts[3]!.noTaints = true;
    expect(() => fleetFrom(spec).toTree()).toThrow(/controlPlane\.hosts\[3\]\.noTaints: only a controller\+worker host can be untainted \(this one is worker\); drop noTaints/);
    // Kept tainted: it no longer counts in pool 'ctrl', whose count then disagrees.
    const kept = clone(modesFleet());
    (kept.sites.find((x) => x.name === 'hub')!.clusters![0]!.controlPlane as { hosts: { noTaints?: boolean }[] }).hosts[2]!.noTaints = false;
    expect(() => fleetFrom(kept).toTree()).toThrow(/node pool 'ctrl' has count 1 but 0 hosts join it/);
  });

  test('k0s: release spelling; Cilium makes the provider custom and replaces kube-proxy with all three settings (§15.5)', () => {
    expect(k.spec.k0s.version).toBe('v1.36.3+k0s.2');
    const spec = k.spec.k0s.config.spec;
    expect(spec.network).toMatchObject({ provider: 'custom', kubeProxy: { disabled: true }, clusterDomain: 'cluster.local' });
    expect(spec.api).toEqual({ externalAddress: '192.168.0.100', sans: ['192.168.0.100'] });
    const charts = spec.extensions.helm.charts;
    // The cluster's own add-ons, and what readiness installs in the management cluster: storage for the
    // hosted control planes' etcd, and kcm itself.
    expect(charts.map((c: Doc) => [c.name, c.chartname, c.order])).toEqual([
      ['cilium', 'helm-cilium-io/cilium', 1],
      ['openebs-localpv', 'openebs-github-io-dynamic-localpv-provisioner/localpv-provisioner', 10],
      ['kcm', 'oci://ghcr.io/k0rdent/kcm/charts/kcm', 50],
      ['metrics', 'oci://registry.example/charts/metrics-server', 100],
    ]);
    expect(spec.extensions.helm.repositories).toEqual([
      { name: 'helm-cilium-io', url: 'https://helm.cilium.io/' },
      { name: 'openebs-github-io-dynamic-localpv-provisioner', url: 'https://openebs.github.io/dynamic-localpv-provisioner' },
    ]);
    expect(parse(charts[0].values)).toEqual({
      kubeProxyReplacement: true,
      k8sServiceHost: '192.168.0.100',
      k8sServicePort: 6443,
      ipam: { operator: { clusterPoolIPv4PodCIDRList: [spec.network.podCIDR] } },
    });
  });

  test("addonDelivery 'charts': k0s Chart objects in kube-system of the cluster folder, no extensions", () => {
    const spec = clone(modesFleet());
    (spec.sites[0]!.clusters![0] as { addonDelivery?: string }).addonDelivery = 'charts';
    const t = fleetFrom(spec).toTree();
    expect(doc(t, 'sites/hub/hub/k0sctl.yaml').spec.k0s.config.spec.extensions).toBeUndefined();
    const chart = doc(t, 'sites/hub/hub/infra/chart.helm.k0sproject.io_kube-system_k0s-addon-cilium.yaml');
    expect(chart.spec).toMatchObject({ releaseName: 'cilium', chartName: 'helm-cilium-io/cilium', version: '1.19.4', namespace: 'kube-system', order: 1, repository: { url: 'https://helm.cilium.io/' } });
    expect(parse(chart.spec.values).k8sServiceHost).toBe('192.168.0.100');
    expect(doc(t, 'sites/hub/hub/infra/chart.helm.k0sproject.io_kube-system_k0s-addon-metrics.yaml').spec.chartName).toBe('oci://registry.example/charts/metrics-server');
  });

  test('addAddon after construction reaches k0sctl.yaml, and duplicates are refused', () => {
    const fleet = fleetFrom(modesFleet());
    const hub = fleet.site('hub').cluster('hub');
    hub.addAddon({ name: 'late', namespace: 'tools', chart: { repo: 'https://charts.example', name: 'late', version: '1.0.0' }, values: {} });
    expect(() => hub.addAddon({ name: 'late', namespace: 'x', chart: { repo: 'https://charts.example', name: 'late', version: '1.0.0' }, values: {} })).toThrow(/exists already/);
    // The spec holds the add-ons as declared, the late one included. (Read before synth: synth adds what
    // readiness installs to the cluster's add-ons, and toSpec then lists those too.)
    expect((fleet.toSpec().sites[0]!.clusters![0] as { addons: { name: string }[] }).addons.map((a) => a.name)).toEqual(['cilium', 'metrics', 'late']);
    const charts = doc(fleet.toTree(), 'sites/hub/hub/k0sctl.yaml').spec.k0s.config.spec.extensions.helm.charts;
    // In k0s order; openebs-localpv and kcm are readiness's installs in the management cluster.
    expect(charts.map((c: Doc) => c.name)).toEqual(['cilium', 'openebs-localpv', 'kcm', 'late', 'metrics']);
  });
});

describe('hosted (k0smotron + Cluster API)', () => {
  const tree = fleetFrom(modesFleet()).toTree();
  const m = (kind: string, name: string) => doc(tree, `management/clusters/store/apps/${kind}_kcm-system_${name}.yaml`);

  test('Cluster links the control plane and infrastructure; CIDRs agree with the k0s config (§14.2)', () => {
    const cluster = m('cluster.cluster.x-k8s.io', 'store');
    const cp = m('k0smotroncontrolplane.controlplane.cluster.x-k8s.io', 'store');
    expect(cluster.spec.controlPlaneRef).toEqual({ apiGroup: 'controlplane.cluster.x-k8s.io', kind: 'K0smotronControlPlane', name: 'store' });
    expect(cluster.spec.infrastructureRef).toEqual({ apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'RemoteCluster', name: 'store' });
    expect(cluster.spec.clusterNetwork.pods.cidrBlocks).toEqual([cp.spec.k0sConfig.spec.network.podCIDR]);
    expect(cluster.spec.clusterNetwork.services.cidrBlocks).toEqual([cp.spec.k0sConfig.spec.network.serviceCIDR]);
    expect(m('remotecluster.infrastructure.cluster.x-k8s.io', 'store').spec).toEqual({});
  });

  test('version spelling per kind: -k0s.N on the control plane, +k0s.N on workers (§15.2)', () => {
    expect(m('k0smotroncontrolplane.controlplane.cluster.x-k8s.io', 'store').spec.version).toBe('v1.36.3-k0s.2');
    expect(m('k0sworkerconfigtemplate.bootstrap.cluster.x-k8s.io', 'store-box').spec.template.spec.version).toBe('v1.36.3+k0s.2');
    expect(m('machinedeployment.cluster.x-k8s.io', 'store-box').spec.template.spec.version).toBe('v1.36.3+k0s.2');
  });

  test('ingress exposure, and Cilium reaches the API through it', () => {
    const cp = m('k0smotroncontrolplane.controlplane.cluster.x-k8s.io', 'store').spec;
    expect(cp.ingress).toEqual({ apiHost: 'store.api.example', konnectivityHost: 'store.konnectivity.example', port: 443 });
    expect(parse(cp.k0sConfig.spec.extensions.helm.charts[0].values)).toMatchObject({ k8sServiceHost: 'store.api.example', k8sServicePort: 443 });
  });

  test('pooled workers: PooledRemoteMachines, a template over the pool, a MachineDeployment sized to it', () => {
    const md = m('machinedeployment.cluster.x-k8s.io', 'store-box');
    expect(md.spec.replicas).toBe(3);
    expect(md.spec.template.metadata.labels).toEqual(md.spec.selector.matchLabels);
    expect(md.spec.template.spec.infrastructureRef).toEqual({ apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'RemoteMachineTemplate', name: 'store-box' });
    expect(m('remotemachinetemplate.infrastructure.cluster.x-k8s.io', 'store-box').spec.template.spec.pool).toBe('store-box');
    expect(m('pooledremotemachine.infrastructure.cluster.x-k8s.io', 'store-box-0').spec).toEqual({
      pool: 'store-box',
      machine: { address: '172.31.0.1', port: 22, user: 'edge', useSudo: true, sshKeyRef: { name: 'store-ssh-key' } },
    });
  });

  test('individual workers (reference Quebec): Machine -> K0sWorkerConfig + RemoteMachine per host, all in management/clusters/quebec/', () => {
    // The base fleet: without the GPU and mesh layers, which add objects to Quebec's folder.
    const ref = buildReferenceBase(new App()).toTree();
    expect(files(ref, 'management/clusters/quebec/apps/machine.cluster.x-k8s.io_kcm-system_quebec-')).toHaveLength(6);
    expect(doc(ref, 'management/clusters/quebec/apps/machine.cluster.x-k8s.io_kcm-system_quebec-a100-0.yaml').spec).toEqual({
      clusterName: 'quebec',
      version: 'v1.36.3+k0s.2',
      bootstrap: { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'K0sWorkerConfig', name: 'quebec-a100-0' } },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'RemoteMachine', name: 'quebec-a100-0' },
    });
    expect(doc(ref, 'management/clusters/quebec/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_quebec.yaml').spec).toMatchObject({
      externalAddress: '203.0.113.10',
      service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 },
      persistence: { type: 'emptyDir' },
      replicas: 3,
    });
    // Quebec's own folder: its inventory and, for its loadBalancer (MetalLB), the pool, the announcement and their namespace.
    expect(files(ref, 'sites/quebec/quebec/').sort()).toEqual([
      'sites/quebec/quebec/apps/configmap_k0smos-system_cluster-info.yaml',
      'sites/quebec/quebec/apps/ipaddresspool.metallb.io_metallb-system_k0smos.yaml',
      'sites/quebec/quebec/apps/kustomization.yaml',
      'sites/quebec/quebec/apps/l2advertisement.metallb.io_metallb-system_k0smos.yaml',
      'sites/quebec/quebec/infra/kustomization.yaml',
      'sites/quebec/quebec/infra/namespace_k0smos-system.yaml',
      'sites/quebec/quebec/infra/namespace_metallb-system.yaml',
      'sites/quebec/quebec/kustomization.yaml',
    ]);
  });
});

describe('k0rdent (ClusterDeployment)', () => {
  const tree = fleetFrom(modesFleet()).toTree();
  const cd = doc(tree, 'management/clusters/lab/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_lab.yaml');

  test('template by versioned name, credential by reference, labels for selectors', () => {
    expect(cd.spec).toMatchObject({ template: 'remote-cluster-1-0-38', credential: 'edge-ssh', propagateCredentials: false });
    expect(cd.metadata.labels).toMatchObject({ 'k0smos.io/site': 'lab', 'k0smos.io/region': 'eu-north', 'k0smos.io/jurisdiction': 'SE', 'k0smos.io/gpu-vendor.nvidia': 'true' });
    expect(cd.spec.config.clusterLabels).toEqual(cd.metadata.labels);
    expect(cd.spec.config.clusterIdentity).toEqual({ name: 'edge-ssh-key' });
    const credFile = 'management/fleet/infra/credential.k0rdent.mirantis.com_kcm-system_edge-ssh.yaml';
    expect(doc(tree, credFile).spec).toEqual({ identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'edge-ssh-key', namespace: 'kcm-system' } });
    expect(tree.get(credFile)).not.toMatch(/stringData|BEGIN/);
  });

  test('a management namespace other than kcm-system is created, and every k0rdent object lives in it', () => {
    const spec = clone(modesFleet());
    spec.management.namespace = 'fleet-ops';
    const t = fleetFrom(spec).toTree();
    expect(t.has('management/fleet/infra/namespace_fleet-ops.yaml')).toBe(true);
    expect(t.has('management/clusters/lab/apps/clusterdeployment.k0rdent.mirantis.com_fleet-ops_lab.yaml')).toBe(true);
    expect(t.has('management/fleet/infra/credential.k0rdent.mirantis.com_fleet-ops_edge-ssh.yaml')).toBe(true);
    expect(t.has('management/fleet/infra/servicetemplate.k0rdent.mirantis.com_fleet-ops_gpu-operator-v26-7-0.yaml')).toBe(true);
    expect(t.has('management/clusters/store/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_fleet-ops_store.yaml')).toBe(true);
  });

  test('credential side-object names follow kcm (kcm#1994)', () => {
    const fleet = fleetFrom(modesFleet());
    expect(fleet.credential('edge-ssh')!.sideObjectNames).toEqual({ resourceTemplate: 'edge-ssh-key-resource-template' });
    const aws = fleet.addCredential('aws', { identityRef: { kind: 'AWSClusterStaticIdentity', name: 'aws-id' } });
    expect(aws.sideObjectNames).toEqual({ resourceTemplate: 'aws-id-resource-template', secret: 'aws-id-secret' });
    expect(() => fleet.addCredential('aws', { identityRef: { kind: 'Secret', name: 'x' } })).toThrow(/exists already/);
  });

  test('config carries the IP plan and the k0s version in the template vocabulary', () => {
    const pod = doc(tree, 'management/clusters/lab/apps/configmap_k0smos-system_cluster-lab.yaml').data.podCIDR as string;
    expect(cd.spec.config.clusterNetwork.pods.cidrBlocks).toEqual([pod]);
    expect(cd.spec.config.k0s).toMatchObject({ version: 'v1.36.3+k0s.2', network: { podCIDR: pod, provider: 'kuberouter' } });
  });

  test('add-ons: HelmRepository and ServiceTemplate are applied before the ClusterDeployment that uses them (§15.7), by folder', () => {
    expect(cd.spec.serviceSpec.services).toEqual([{ name: 'gpu-operator', namespace: 'gpu-operator', template: 'gpu-operator-v26-7-0', values: 'driver:\n  enabled: false\n' }]);
    const st = doc(tree, 'management/fleet/infra/servicetemplate.k0rdent.mirantis.com_kcm-system_gpu-operator-v26-7-0.yaml');
    expect(st.spec.helm.chartSpec).toEqual({ chart: 'gpu-operator', version: 'v26.7.0', interval: '10m', sourceRef: { kind: 'HelmRepository', name: 'helm-ngc-nvidia-com-nvidia' } });
    // kcm rejects a ClusterDeployment whose templates or credential are missing: they are in
    // management/fleet/infra/, which GitOps applies before management/clusters/<cluster>/.
    const infra: string[] = doc(tree, 'management/fleet/infra/kustomization.yaml').resources;
    const at = (prefix: string) => infra.findIndex((r) => r.startsWith(prefix));
    expect(at('helmrepository.')).toBeGreaterThanOrEqual(0);
    expect(at('helmrepository.')).toBeLessThan(at('servicetemplate.'));
    expect(at('credential.')).toBeGreaterThanOrEqual(0);
    expect(doc(tree, 'management/clusters/lab/apps/kustomization.yaml').resources).toContain('clusterdeployment.k0rdent.mirantis.com_kcm-system_lab.yaml');
    expect(doc(tree, 'management/kustomization.yaml').resources[0]).toBe('fleet');
  });

  test('MultiClusterAddon: a ServiceTemplate in kcm-system and a MultiClusterService selecting by label', () => {
    const fleet = fleetFrom(modesFleet());
    new MultiClusterAddon(fleet.management, 'nvidia-sites', {
      addon: { name: 'dcgm', namespace: 'monitoring', chart: { repo: 'https://nvidia.github.io/dcgm-exporter/helm-charts', name: 'dcgm-exporter', version: '4.6.0' }, values: {} },
      clusterSelector: { 'k0smos.io/gpu-vendor.nvidia': 'true' },
    });
    const t = fleet.toTree();
    expect(doc(t, 'management/fleet/apps/multiclusterservice.k0rdent.mirantis.com_nvidia-sites.yaml').spec).toEqual({
      clusterSelector: { matchLabels: { 'k0smos.io/gpu-vendor.nvidia': 'true' } },
      serviceSpec: { services: [{ name: 'dcgm', namespace: 'monitoring', template: 'dcgm-exporter-4-6-0' }] },
    });
    expect(t.has('management/fleet/infra/servicetemplate.k0rdent.mirantis.com_kcm-system_dcgm-exporter-4-6-0.yaml')).toBe(true);
  });
});

describe('multi-cluster add-ons in fleet.yaml', () => {
  const dcgm = { name: 'dcgm', namespace: 'monitoring', chart: { repo: 'https://nvidia.github.io/dcgm-exporter/helm-charts', name: 'dcgm-exporter', version: '4.6.0' }, values: {} };

  test('management.multiClusterServices gives the same tree as the construct', () => {
    const spec = clone(modesFleet());
    spec.management.multiClusterServices = [{ name: 'nvidia-sites', addon: dcgm, clusterSelector: { 'k0smos.io/gpu-vendor.nvidia': 'true' } }];
    const fromYaml = fleetFrom(spec).toTree();
    const fleet = fleetFrom(modesFleet());
    fleet.addMultiClusterAddon('nvidia-sites', { addon: dcgm, clusterSelector: { 'k0smos.io/gpu-vendor.nvidia': 'true' } });
    expect([...fleet.toTree().entries()]).toEqual([...fromYaml.entries()]);
    expect(fromYaml.has('management/fleet/apps/multiclusterservice.k0rdent.mirantis.com_nvidia-sites.yaml')).toBe(true);
  });

  test('an empty selector is an error', () => {
    const spec = clone(modesFleet());
    spec.management.multiClusterServices = [{ name: 'all', addon: dcgm, clusterSelector: {} }];
    expect(rejections(() => fleetFrom(spec))).toEqual(['fleet: management.multiClusterServices[all].clusterSelector: must name at least one label; an empty selector would select every cluster']);
  });
});

describe('ControlPlane factories and fleet.yaml equivalence', () => {
  test('factories produce the plain data fleet.yaml holds', () => {
    expect(ControlPlane.standalone({ hosts: [{ role: 'single', address: '10.0.0.1' }] }).spec).toEqual({ mode: 'standalone', hosts: [{ role: 'single', address: '10.0.0.1' }] });
    expect(ControlPlane.k0rdent({ credential: 'c' }).mode).toBe('k0rdent');
  });

  test('the reference fleet from constructs, from the TypeScript literal and from apps/fleet.yaml: identical trees', () => {
    const fromConstructs = buildReferenceBase(new App(), 'geo').toTree();
    const fromLiteral = Fleet.fromSpec(new App(), 'geo', referenceFleetSpec).toTree();
    const yaml = parseFleetText(fs.readFileSync(path.join(__dirname, '..', '..', 'apps', 'fleet.yaml'), 'utf8'));
    const fromYaml = Fleet.fromSpec(new App(), 'geo', yaml).toTree();
    expect([...fromLiteral.entries()]).toEqual([...fromConstructs.entries()]);
    expect([...fromYaml.entries()]).toEqual([...fromLiteral.entries()]);
  });

  test('built with constructs (ControlPlane factories, a credential added after the site) = built from plain data', () => {
    const spec = modesFleet();
    const fleet = new Fleet(new App(), 'fleet', { name: 'modes', managementSite: 'hub' });
    for (const { name, clusters, ...props } of spec.sites) {
      fleet.addSite(name, { ...props, clusters: clusters!.map((c) => ({ ...c, controlPlane: ControlPlane.fromSpec(c.controlPlane!) })) });
    }
    const { name, ...cred } = spec.management.credentials![0]!;
    fleet.addCredential(name, cred);
    expect([...fleet.toTree().entries()]).toEqual([...fleetFrom(spec).toTree().entries()]);
    const bad = new Fleet(new App(), 'bad', { managementSite: 'lab' });
    const lab = spec.sites[2]!;
    bad.addSite('lab', { ...lab, clusters: [{ name: 'lab', controlPlane: ControlPlane.k0rdent({ credential: 'missing', config: { k0smotron: { service: { type: 'LoadBalancer' } }, machines: [{ address: '10.0.0.1' }] } }) }] } as never);
    expect(() => bad.toTree()).toThrow(/no credential named 'missing'/);
  });

  test('a second synth is byte-identical', () => {
    expect([...fleetFrom(modesFleet()).toTree().entries()]).toEqual([...fleetFrom(modesFleet()).toTree().entries()]);
  });
});

describeWithSchemas('every synthesized file validates against the upstream schemas', () => {
  const fleets: [string, () => Fleet][] = [
    ['reference', () => buildReferenceFleet(new App())],
    ['modes', () => fleetFrom(modesFleet())],
    ['all-templates', () => fleetFrom(allTemplatesFleet())],
  ];
  test.each(fleets)('%s fleet: objects against CRDs/OpenAPI, k0sctl.yaml against its schema, ClusterDeployment configs against their templates', (_name, build) => {
    const tree = build().toTree({ templates: templateSchemas() });
    expect(treeFailures(tree)).toEqual([]);
  });

  test('the all-templates fleet covers every cluster template of the release', () => {
    const tree = fleetFrom(allTemplatesFleet()).toTree({ templates: templateSchemas() });
    const templates = [...tree.keys()].filter((k) => /^management\/clusters\/[^/]+\/apps\/clusterdeployment\./.test(k)).map((f) => doc(tree, f).spec.template as string);
    expect(templates).toHaveLength(18);
    for (const fam of ['-hosted-cp-', '-standalone-cp-', 'remote-cluster-', 'aws-eks-', 'azure-aks-', 'gcp-gke-', 'adopted-cluster-', 'docker-hosted-cp-']) {
      expect(templates.some((t) => t.includes(fam))).toBe(true);
    }
  });
});

describe('snapshots (after the assertions above)', () => {
  test('modes fleet: the bootstrap objects of each mode', () => {
    const tree = fleetFrom(modesFleet()).toTree();
    const pick = [...tree.keys()].filter((k) => /k0sctl\.yaml|k0smotroncontrolplane|machinedeployment|clusterdeployment|servicetemplate/.test(k));
    expect(Object.fromEntries(pick.map((p) => [p, tree.get(p)]))).toMatchSnapshot();
  });
});

test('the API endpoint of a standalone cluster: its external address, or its one controller; several controllers without one give none', () => {
  const spec = clone(modesFleet());
  const hubCluster = spec.sites.find((x) => x.name === 'hub')!.clusters![0]! as { controlPlane: { externalAddress?: string }; addons?: unknown };
  delete hubCluster.controlPlane.externalAddress;
  // Its Cilium replaces kube-proxy: with three controllers and no external address that is refused.
  expect(() => fleetFrom(spec)).toThrow(/addons\[cilium\]\.values: Cilium replaces kube-proxy, so it must reach the API without it, and with 3 controllers no one host address survives/);
  delete hubCluster.addons;
  expect(fleetFrom(spec).site('hub').cluster().apiEndpoint).toBeUndefined();
  expect(buildReferenceBase(new App()).site('frankfurt').cluster().apiEndpoint).toEqual({ host: '192.168.10.10', port: 6443 });
});
