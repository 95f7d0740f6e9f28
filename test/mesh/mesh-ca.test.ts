/**
 * The mesh CA: one CA for every member, delivered before Cilium starts in each control-plane mode
 * (k0sctl files, K0smotronControlPlane manifests, kcm valuesFrom) or issued by cert-manager, never
 * written into the output; the Secrets to create declared where they are read; the README's commands
 * make files the rendered objects read.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CiliumMesh, MeshCa, type K0sCluster } from '../../constructs';
import type { FleetSpec } from '../../lib/model/fleet';
import { modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, fileIn, fleetFrom, REPO_ROOT, rejections, templateSchemas, tmpDir, treeFailures } from '../helpers';

// What the management cluster holds for store (hosted) and lab (k0rdent), and hub's k0sctl file.
const CP = 'management/clusters/store/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_store.yaml';
const CD = 'management/clusters/lab/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_lab.yaml';
const K0SCTL = 'sites/hub/hub/k0sctl.yaml';

/** hub: standalone (the management cluster), store: hosted, lab: k0rdent remote-cluster. */
function meshed(ca?: MeshCa, edit: (spec: FleetSpec) => void = () => undefined, install: Record<string, boolean> = {}) {
  const spec = clone(modesFleet());
  for (const s of spec.sites) for (const c of s.clusters ?? []) delete (c as { addons?: unknown }).addons;
  edit(spec);
  const fleet = fleetFrom(spec);
  const mesh = new CiliumMesh(fleet, 'mesh', ca ? { ca } : {});
  for (const site of ['hub', 'store', 'lab']) {
    const k: K0sCluster = fleet.site(site).cluster();
    mesh.addCluster({ cluster: k, meshEndpoint: `mesh.${site}.example`, ...(k.apiEndpoint ? {} : { kubeProxyReplacement: false }), ...(install[site] === false ? { install: false } : {}) });
  }
  return { fleet, mesh };
}

const ciliumValues = (tree: ReadonlyMap<string, string>, site: string): any => {
  if (site === 'hub') return parse(parse(tree.get(K0SCTL)!).spec.k0s.config.spec.extensions.helm.charts.find((c: { name: string }) => c.name === 'cilium').values);
  if (site === 'store') return parse(parse(tree.get(CP)!).spec.k0sConfig.spec.extensions.helm.charts.find((c: { name: string }) => c.name === 'cilium').values);
  return parse(parse(tree.get(CD)!).spec.serviceSpec.services.find((s: { name: string }) => s.name === 'cilium').values);
};

describe('one mesh CA, delivered before Cilium starts', () => {
  const { fleet, mesh } = meshed();
  const tree = fleet.toTree();

  test('standalone: k0sctl uploads the cilium-ca manifest to every controller (not to workers) into the manifest deployer', () => {
    const hosts = parse(tree.get(K0SCTL)!).spec.hosts as { role: string; files?: unknown[] }[];
    const file = { name: 'k0smos-mesh-ca', src: '/etc/k0smos/mesh-ca/cilium-ca.yaml', dstDir: '/var/lib/k0s/manifests/k0smos-mesh-ca', perm: '0600' };
    for (const h of hosts) expect(h.files).toEqual(h.role === 'worker' ? undefined : [file]);
    expect(hosts.filter((h) => h.role !== 'worker')).toHaveLength(3);
  });

  test('hosted: the control plane mounts the manifest Secret of the management namespace', () => {
    expect(parse(tree.get(CP)!).spec.manifests).toEqual([{ name: 'k0smos-mesh-ca', secret: { secretName: 'cilium-ca-manifest' } }]);
  });

  test('k0rdent: the Cilium service reads tls.ca from a Secret through valuesFrom', () => {
    const svc = parse(tree.get(CD)!).spec.serviceSpec.services.find((s: { name: string }) => s.name === 'cilium');
    expect(svc.valuesFrom).toEqual([{ kind: 'Secret', name: 'cilium-ca-values' }]);
    expect(ciliumValues(tree, 'lab').tls).toBeUndefined();
  });

  test('every member issues its certificates from the shared cilium-ca and never makes its own CA', () => {
    for (const site of ['hub', 'store', 'lab']) {
      const v = ciliumValues(tree, site);
      expect(v.clustermesh.apiserver.tls.auto).toEqual({ enabled: true, method: 'cronJob' });
      // Method helm (Hubble's default) would render cilium-ca in the chart and clash with the delivered Secret.
      expect(v.hubble.tls.auto.method).toBe('cronJob');
      expect(v.certgen).toEqual({ generateCA: false });
      expect(v.clustermesh.apiserver.tls.server).toEqual({ extraDnsNames: [`mesh.${site}.example`] });
    }
  });

  test('no key or certificate material anywhere in the output', () => {
    for (const [file, text] of tree) {
      expect([file, /BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)|ca\.key:|tls\.key:/.test(text)]).toEqual([file, false]);
    }
  });

  test('the Secrets to create are required on the management cluster, where they are read', () => {
    const hub = fleet.site('hub').cluster();
    expect(hub.requirements.map((r) => r.capability)).toEqual(['secret:kcm-system/cilium-ca-manifest', 'secret:kcm-system/cilium-ca-values']);
    expect(hub.requirements[0]!.why).toMatch(/store.*cilium-ca\.yaml.*K0smotronControlPlane\.spec\.manifests/);
    expect(fleet.site('store').cluster().requirements).toEqual([]);
    expect(fleet.site('lab').cluster().requirements).toEqual([]);
  });

  test('caDelivery states each way as data', () => {
    expect(mesh.caDelivery(fleet.site('hub').cluster())).toEqual({
      kind: 'k0sctl-file',
      cluster: 'hub',
      file: '/etc/k0smos/mesh-ca/cilium-ca.yaml',
      uploadedTo: '/var/lib/k0s/manifests/k0smos-mesh-ca/',
      creates: 'kube-system/cilium-ca',
    });
    expect(mesh.caDelivery(fleet.site('store').cluster())).toEqual({
      kind: 'k0smotron-manifests',
      cluster: 'store',
      secret: { cluster: 'hub', namespace: 'kcm-system', name: 'cilium-ca-manifest', key: 'cilium-ca.yaml' },
      creates: 'kube-system/cilium-ca',
    });
    expect(mesh.caDelivery(fleet.site('lab').cluster())).toMatchObject({ kind: 'kcm-values-from', secret: { cluster: 'hub', name: 'cilium-ca-values', key: 'values.yaml' } });
  });
});

describe('mesh CA: other choices and refusals', () => {
  test('names of the file and Secrets can be chosen; a relative manifest file is refused (k0sctl would read it inside the GitOps tree)', () => {
    const { fleet } = meshed(MeshCa.sharedSecret({ manifestFile: '/srv/ca/mesh.yaml', manifestSecret: 'mesh-manifest', valuesSecret: 'mesh-values' }));
    const tree = fleet.toTree();
    expect(parse(tree.get(K0SCTL)!).spec.hosts[0].files[0].src).toBe('/srv/ca/mesh.yaml');
    expect(parse(tree.get(CP)!).spec.manifests[0].secret.secretName).toBe('mesh-manifest');
    expect(fleet.site('hub').cluster().requirements.map((r) => r.capability)).toEqual(['secret:kcm-system/mesh-manifest', 'secret:kcm-system/mesh-values']);
    expect(() => MeshCa.sharedSecret({ manifestFile: 'mesh-ca/cilium-ca.yaml' })).toThrow(/relative.*inside the GitOps tree.*absolute path/);
    expect(() => MeshCa.sharedSecret({ manifestFile: '/srv/ca/mesh.pem' })).toThrow(/must end in \.yaml or \.yml/);
  });

  test('a member that installs Cilium itself needs kube-system/cilium-ca before it, and gets no delivery', () => {
    // Whoever installs Cilium there says so: the mesh's policies need its API.
    const { fleet, mesh } = meshed(undefined, (spec) => Object.assign(spec.sites[1]!.clusters![0]!, { present: { apiGroups: ['cilium.io'] } }), { store: false });
    const tree = fleet.toTree();
    expect(parse(tree.get(CP)!).spec.manifests).toBeUndefined();
    expect(fleet.site('store').cluster().requirements.map((r) => r.capability)).toEqual(['secret:kube-system/cilium-ca']);
    expect(mesh.caDelivery(fleet.site('store').cluster())).toMatchObject({ kind: 'manual', creates: 'kube-system/cilium-ca' });
  });

  test('cert-manager: certmanager method with the issuer, cert-manager as a need, and the issuer written over one CA Secret when given', () => {
    const { fleet, mesh } = meshed(MeshCa.certManager({ name: 'mesh-ca', kind: 'ClusterIssuer', caSecret: 'mesh-ca' }));
    const tree = fleet.toTree();
    for (const site of ['hub', 'store', 'lab']) {
      const v = ciliumValues(tree, site);
      expect(v.clustermesh.apiserver.tls.auto).toEqual({ enabled: true, method: 'certmanager', certManagerIssuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'mesh-ca' } });
      expect(v.certgen).toBeUndefined();
      expect(parse(fileIn(tree, `sites/${site}/${site}`, 'clusterissuer.cert-manager.io_mesh-ca.yaml')).spec).toEqual({ ca: { secretName: 'mesh-ca' } });
      const k = fleet.site(site).cluster();
      expect(k.requirements.map((r) => r.capability)).toEqual(['secret:cert-manager/mesh-ca']);
      expect(k.addons.find((a) => a.name === 'cilium')!.needs).toContain('api:cert-manager.io');
    }
    expect(parse(tree.get(K0SCTL)!).spec.hosts[0].files).toBeUndefined();
    expect(parse(tree.get(CP)!).spec.manifests).toBeUndefined();
    expect(parse(tree.get(CD)!).spec.serviceSpec.services.find((s: { name: string }) => s.name === 'cilium').valuesFrom).toBeUndefined();
    expect(mesh.caDelivery(fleet.site('lab').cluster())).toEqual({ kind: 'cert-manager', cluster: 'lab', issuer: { kind: 'ClusterIssuer', name: 'mesh-ca' }, caSecret: { cluster: 'lab', namespace: 'cert-manager', name: 'mesh-ca' } });
  });

  test('cert-manager with your own issuer: nothing written, still a need for cert-manager', () => {
    const { fleet } = meshed(MeshCa.certManager({ name: 'mine', kind: 'Issuer' }));
    const tree = fleet.toTree();
    expect([...tree.keys()].filter((k) => k.includes('issuer'))).toEqual([]);
    expect(fleet.site('hub').cluster().addons.find((a) => a.name === 'cilium')!.needs).toContain('api:cert-manager.io');
  });

  test('the management site must have one cluster so the fleet can say where the Secrets go', () => {
    const spec = clone(modesFleet());
    for (const s of spec.sites) for (const c of s.clusters ?? []) delete (c as { addons?: unknown }).addons;
    const hub = spec.sites[0]!;
    hub.clusters!.push({ name: 'hub-b', nodePools: ['ctrl'] } as never);
    hub.clusters![0]!.nodePools = ['work'];
    // The third controller no longer runs workloads: pool ctrl goes to the second cluster.
    const third = (hub.clusters![0]!.controlPlane as { hosts: { role: string; nodePool?: string }[] }).hosts[2]!;
    third.role = 'controller';
    delete third.nodePool;
    const fleet = fleetFrom(spec);
    const mesh = new CiliumMesh(fleet, 'mesh');
    mesh.addCluster({ cluster: fleet.site('store').cluster(), meshEndpoint: 'mesh.store.example' });
    expect(rejections(() => fleet.toTree()).filter((r) => r.includes('mesh'))).toEqual([
      expect.stringMatching(/^fleet\/mesh: clusters\[store\]: the mesh CA for 'store' is read from kcm-system\/cilium-ca-manifest in the management cluster, but site 'hub' has 2 clusters/),
    ]);
  });

  test('valuesFrom only reaches k0rdent clusters: a k0s add-on with it is refused', () => {
    const { fleet } = meshed();
    expect(() => fleet.site('hub').cluster().addAddon({ name: 'x', namespace: 'x', chart: { repo: 'https://x.example', name: 'x', version: '1.0.0' }, values: {}, valuesFrom: [{ kind: 'Secret', name: 'x' }] })).toThrow(
      /add-on 'x': valuesFrom needs a k0rdent-managed cluster/,
    );
    const spec = clone(modesFleet());
    (spec.sites[0]!.clusters![0]!.addons![1] as { valuesFrom?: unknown }).valuesFrom = [{ kind: 'Secret', name: 'metrics-values' }];
    expect(rejections(() => fleetFrom(spec).toTree())).toContainEqual(expect.stringMatching(/addons\[metrics\]\.valuesFrom: only k0rdent-managed clusters read chart values from a ConfigMap or Secret/));
  });
});

describe('the README commands make the files the rendered objects read', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /```sh\n((?:(?!```)[\s\S])*cilium-ca-values\.yaml(?:(?!```)[\s\S])*)```/.exec(readme)?.[1] ?? '';
  const lines = block.split('\n').map((l) => l.trim());

  test('the Secret names, keys and file names match the defaults', () => {
    expect(lines).toContain('kubectl -n kcm-system create secret generic cilium-ca-manifest --from-file=cilium-ca.yaml');
    expect(lines).toContain('kubectl -n kcm-system create secret generic cilium-ca-values --from-file=values.yaml=cilium-ca-values.yaml');
    expect(lines.join('\n')).toContain('/etc/k0smos/mesh-ca');
    const { mesh, fleet } = meshed();
    expect(mesh.caDelivery(fleet.site('hub').cluster())).toMatchObject({ file: '/etc/k0smos/mesh-ca/cilium-ca.yaml' });
  });

  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (hasOpenssl ? test : test.skip)('run without sudo and kubectl, they write a cilium-ca Secret and chart values holding one CA', () => {
    const dir = tmpDir('k0smos-mesh-ca-');
    const script = lines.filter((l) => !l.startsWith('sudo ') && !l.startsWith('kubectl ') && !l.startsWith('#')).join('\n').replace(/\\\n/g, ' ');
    execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, stdio: 'pipe' });
    const secret = parse(fs.readFileSync(path.join(dir, 'cilium-ca.yaml'), 'utf8'));
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' } });
    const crt = Buffer.from(secret.data['ca.crt'], 'base64').toString();
    expect(crt).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(Buffer.from(secret.data['ca.key'], 'base64').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const values = parse(fs.readFileSync(path.join(dir, 'cilium-ca-values.yaml'), 'utf8'));
    expect(values.tls.ca).toEqual({ cert: secret.data['ca.crt'], key: secret.data['ca.key'] });
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', path.join(dir, 'ca.crt')]).toString();
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toMatch(/Certificate Sign/);
    expect((fs.statSync(path.join(dir, 'cilium-ca.yaml')).mode & 0o777).toString(8)).toBe('600');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describeWithSchemas('mesh CA objects validate', () => {
  test('k0sctl files, K0smotronControlPlane manifests, ClusterDeployment valuesFrom, ClusterIssuers', () => {
    expect(treeFailures(meshed().fleet.toTree({ templates: templateSchemas() }))).toEqual([]);
    expect(treeFailures(meshed(MeshCa.certManager({ name: 'mesh-ca', kind: 'ClusterIssuer', caSecret: 'mesh-ca' })).fleet.toTree({ templates: templateSchemas() }))).toEqual([]);
  });
});
