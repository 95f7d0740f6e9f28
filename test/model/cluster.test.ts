/**
 * The bad-input errors of issue 4 and the pitfalls of STACK.md §14 (rules 2-5) and §15 (items 1-7),
 * each as a synth-time error with a clear message, or as a derived-correct value.
 */
import { validateFleet, type FleetSpec } from '../../lib/model/fleet';
import { imageTagSpelling, releaseSpelling } from '../../lib/model/k0s-version';
import { modesFleet } from '../fixtures/fleets';
import { clone, fleetFrom, rejections } from '../helpers';

type Mutable = { sites: { name: string; airgapped?: boolean; clusters: Record<string, any>[] }[]; management: Record<string, any> } & Record<string, any>;

/** The modes fleet with one edit; returns its issues as `path: message`. */
function issuesAfter(edit: (f: Mutable) => void): string[] {
  const f = clone(modesFleet()) as unknown as Mutable;
  edit(f);
  const r = validateFleet(f);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}
const cluster = (f: Mutable, site: string) => f.sites.find((s) => s.name === site)!.clusters[0]!;

describe('cluster model: accepted input', () => {
  test('the modes fleet is valid and resolves every mode with its defaults', () => {
    const r = validateFleet(modesFleet());
    if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    const byName = Object.fromEntries(r.fleet.sites.flatMap((s) => s.clusters).map((c) => [c.name, c]));
    expect(byName.hub!.controlPlane?.mode).toBe('standalone');
    expect(byName.hub!.k0sVersion).toBe('v1.36.3+k0s.2'); // given as -k0s.2
    const store = byName.store!.controlPlane!;
    expect(store.mode).toBe('hosted');
    if (store.mode === 'hosted') {
      expect(store.managementSite).toBe('hub');
      // Exposed through an ingress: the Service needs no load balancer.
      expect(store.service.type).toBe('ClusterIP');
      // Non-root users get sudo (k0s needs root), derived rather than required.
      expect(store.workers.map((w) => w.useSudo)).toEqual([true, true, true]);
      expect(store.workers.map((w) => w.nodePool)).toEqual(['box', 'box', 'box']);
    }
    const lab = byName.lab!.controlPlane!;
    expect(lab).toMatchObject({ mode: 'k0rdent', template: 'remote-cluster', propagateCredentials: false });
    expect(byName.hub!.addons.map((a) => a.name)).toEqual(['cilium', 'metrics']);
  });

  test('k0s versions: each kind gets its spelling (§15.2)', () => {
    expect(releaseSpelling('v1.36.3-k0s.2')).toBe('v1.36.3+k0s.2');
    expect(imageTagSpelling('v1.36.3+k0s.2')).toBe('v1.36.3-k0s.2');
    expect(releaseSpelling('v1.37.0-rc.1-k0s.0')).toBe('v1.37.0-rc.1+k0s.0');
    expect(issuesAfter((f) => (cluster(f, 'hub').k0sVersion = '1.36'))).toEqual([
      "sites[hub].clusters[hub].k0sVersion: '1.36' is not a k0s version; write it like v1.36.3+k0s.2",
    ]);
  });
});

describe('cluster model: bad input gets clear errors', () => {
  test('two controllers cannot hold quorum; the message names the alternatives', () => {
    const issues = issuesAfter((f) => (cluster(f, 'hub').controlPlane.hosts = cluster(f, 'hub').controlPlane.hosts.filter((h: { address: string }) => h.address !== '192.168.0.2')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^sites\[hub\]\.clusters\[hub\]\.controlPlane\.hosts: two controllers cannot hold etcd quorum/);
    // The message offers the typed two-node choices (issue 14).
    expect(issues[0]).toContain("twoNode: 'controller-plus-worker'");
    expect(issues[0]).toContain("'kine-external-db'");
    expect(issues[0]).toContain("'hosted-control-plane' (controlPlane.mode: hosted); otherwise use 1 or 3 controllers");
  });

  test('hosted: two replicas, and a NodePort control plane with no address workers can reach (§15.1)', () => {
    const issues = issuesAfter((f) => {
      const cp = cluster(f, 'store').controlPlane;
      delete cp.ingress;
      cp.service = { type: 'NodePort' };
      cp.replicas = 2;
      cluster(f, 'store').addons = [];
    });
    expect(issues).toEqual([expect.stringMatching(/controlPlane\.replicas: two control-plane replicas cannot hold etcd quorum/)]);
    // Whether a NodePort control plane has an address depends on the cluster that hosts it (its shared
    // nodePortAddress): the fleet's hosting plan checks it when the tree is rendered (issue 14).
    const f = clone(modesFleet()) as unknown as Mutable;
    const cp = cluster(f, 'store').controlPlane;
    delete cp.ingress;
    cp.service = { type: 'NodePort' };
    cluster(f, 'store').addons = [];
    expect(rejections(() => fleetFrom(f).toTree())).toEqual([
      expect.stringMatching(/^fleet: sites\[store\]\.clusters\[store\]\.controlPlane\.externalAddress: a NodePort control plane needs an address that workers at store reach \(join tokens would point at a pod IP: k0smotron#84\)/),
    ]);
    // A ClusterIP control plane without ingress or address is refused by the model.
    expect(
      issuesAfter((g) => {
        const c = cluster(g, 'store').controlPlane;
        delete c.ingress;
        c.service = { type: 'ClusterIP' };
        cluster(g, 'store').addons = [];
      }),
    ).toEqual([expect.stringMatching(/controlPlane\.externalAddress: a ClusterIP control plane has no address that workers at store can reach/)]);
  });

  test('remote-cluster: the hosted control plane must be reachable from the machines (§15.1 through kcm)', () => {
    const issues = issuesAfter((f) => delete cluster(f, 'lab').controlPlane.config.k0smotron);
    expect(issues).toEqual([expect.stringMatching(/^sites\[lab\]\.clusters\[lab\]\.controlPlane\.config\.k0smotron\.service\.type: the remote-cluster template runs the control plane in the management cluster and has no externalAddress value: with service type ClusterIP \(its default\)/)]);
  });

  test('a hosted control plane with no management site', () => {
    expect(issuesAfter((f) => (cluster(f, 'store').controlPlane.managementSite = 'nowhere'))).toEqual([
      "sites[store].clusters[store].controlPlane.managementSite: a hosted control plane runs in a management cluster, and site 'nowhere' has none (no such site); management sites: hub",
    ]);
    expect(issuesAfter((f) => (cluster(f, 'store').controlPlane.managementSite = 'lab'))[0]).toContain("site 'lab' has none; management sites: hub");
  });

  test('an unknown template, with a suggestion, and a template for another infrastructure', () => {
    expect(issuesAfter((f) => (cluster(f, 'lab').controlPlane.template = 'remote-clustr'))[0]).toMatch(
      /^sites\[lab\]\.clusters\[lab\]\.controlPlane\.template: unknown cluster template 'remote-clustr'; did you mean 'remote-cluster'\?/,
    );
    expect(issuesAfter((f) => (cluster(f, 'lab').controlPlane.template = 'aws-hosted-cp'))).toEqual([
      "sites[lab].clusters[lab].controlPlane.template: template 'aws-hosted-cp' provisions on aws, but site lab is bare-metal; pick a bare-metal template or remote-cluster",
    ]);
  });

  test('a secret value given inline is rejected wherever it appears', () => {
    const issues = issuesAfter((f) => {
      cluster(f, 'lab').controlPlane.config.machines[0].sshKey = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
      cluster(f, 'hub').addons[1].values = { auth: { password: 'hunter2' } };
    });
    expect(issues.sort()).toEqual([
      expect.stringMatching(/^sites\[hub\]\.clusters\[hub\]\.addons\[metrics\]\.values\.auth\.password: looks like a secret value given inline; secrets are referenced by name/),
      expect.stringMatching(/^sites\[lab\]\.clusters\[lab\]\.controlPlane\.config\.machines\[0\]\.sshKey: contains a private key; secrets are referenced by name, never written into the repository: create a Secret \(or an ExternalSecret\)/),
    ]);
  });

  test('credentials: the reference must exist; a Credential takes no secret fields', () => {
    expect(issuesAfter((f) => (cluster(f, 'lab').controlPlane.credential = 'edge-sh'))[0]).toContain("no credential named 'edge-sh'; did you mean 'edge-ssh'?");
    const bad = issuesAfter((f) => (f.management.credentials[0].stringData = { value: 'key' }));
    expect(bad[0]).toMatch(/^management\.credentials\[edge-ssh\]\.stringData: unknown field/);
  });

  test('sudo and users (§15.3), and the SSH key Secret shape', () => {
    const issues = issuesAfter((f) => {
      const cp = cluster(f, 'store').controlPlane;
      cp.workers[0].useSudo = false;
      cp.workers[1].user = 'root';
      cp.workers[1].useSudo = true;
      cp.sshKeySecret.key = 'id_rsa';
      cluster(f, 'lab').controlPlane.config.machines[0].useSudo = false;
    });
    expect(issues.sort()).toEqual([
      "sites[lab].clusters[lab].controlPlane.config.machines[0].useSudo: user 'ops' is not root, and installing k0s needs root: set useSudo: true (the template default is false)",
      "sites[store].clusters[store].controlPlane.sshKeySecret.key: k0smotron reads the SSH private key from the key 'value' of the Secret (got 'id_rsa'); store it under 'value' and drop key",
      "sites[store].clusters[store].controlPlane.workers[0].useSudo: user 'edge' is not root, and installing k0s needs root: set useSudo: true (or drop it to have it derived)",
      'sites[store].clusters[store].controlPlane.workers[1].useSudo: useSudo is for non-root users (k0smotron#964); the user is root, drop useSudo',
    ]);
  });

  test('private addresses: explicit, unique, not a VIP, outside pod and service ranges (§15.4, §14.2)', () => {
    const issues = issuesAfter((f) => {
      const hosts = cluster(f, 'hub').controlPlane.hosts;
      hosts[1].privateAddress = '192.168.0.1';
      delete hosts[2].privateAddress;
      hosts[3].privateAddress = '192.168.0.100';
    });
    expect(issues.sort()).toEqual([
      expect.stringMatching(/^sites\[hub\]\.clusters\[hub\]\.controlPlane\.externalAddress: 192\.168\.0\.100 is also the private address of hosts\[3\]; a VIP\/load balancer address must not be a host address/),
      expect.stringMatching(/controlPlane\.hosts\[1\]\.privateAddress: private address 192\.168\.0\.1 is also used by hosts\[0\]; every host needs its own/),
      expect.stringMatching(/controlPlane\.hosts\[2\]\.privateAddress: host 'ctl-3\.hub\.example' is named by DNS; give its privateAddress/),
    ]);
    const inPods = issuesAfter((f) => (cluster(f, 'hub').controlPlane.hosts[3].address = '10.246.0.7'));
    expect(inPods).toEqual([expect.stringMatching(/hosts\[3\]\.privateAddress: node address 10\.246\.0\.7 is inside the pod CIDR of cluster 'hub'/)]);
  });

  test('node pools: every node is listed once, in a pool of the cluster', () => {
    const issues = issuesAfter((f) => {
      cluster(f, 'hub').controlPlane.hosts[4].nodePool = 'wrk';
    });
    expect(issues).toEqual([
      "sites[hub].clusters[hub].controlPlane.hosts[4].nodePool: no node pool 'wrk' in this cluster; did you mean 'work'? (pools: ctrl, work)",
      "sites[hub].clusters[hub].controlPlane.hosts: node pool 'work' has count 2 but 1 host joins it; list one host per node",
    ]);
  });

  test('Cilium: provider must be custom; kube-proxy replacement needs an API endpoint (§14.3, §15.5)', () => {
    expect(issuesAfter((f) => (cluster(f, 'hub').network = { provider: 'calico' }))[0]).toContain("the provider must be 'custom' (got 'calico')");
    const lab = issuesAfter((f) => (cluster(f, 'lab').addons = [{ name: 'cilium', namespace: 'kube-system', chart: { repo: 'https://helm.cilium.io/', name: 'cilium', version: '1.19.4' }, values: { kubeProxyReplacement: true } }]));
    expect(lab).toEqual([expect.stringMatching(/^sites\[lab\]\.clusters\[lab\]\.addons\[cilium\]\.values: Cilium replaces kube-proxy, so it must reach the API without it: set k8sServiceHost and k8sServicePort/)]);
  });

  test('ClusterDeployment config: CIDRs, labels and version are derived, not given (§15.6)', () => {
    const issues = issuesAfter((f) => {
      const cfg = cluster(f, 'lab').controlPlane.config;
      cfg.clusterNetwork = { pods: { cidrBlocks: ['10.0.0.0/16'] } };
      cfg.k0s = { version: 'v1.35.0+k0s.0' };
    });
    expect(issues).toEqual([
      expect.stringMatching(/controlPlane\.config\.clusterNetwork: pod and service CIDRs come from the fleet IP plan/),
      expect.stringMatching(/controlPlane\.config\.k0s\.version: set k0sVersion on the cluster instead/),
    ]);
    expect(issuesAfter((f) => delete cluster(f, 'lab').controlPlane.config.machines)[0]).toContain('its default is a placeholder at 0.0.0.0');
  });

  test('addonDelivery is for k0s clusters only', () => {
    expect(issuesAfter((f) => (cluster(f, 'lab').addonDelivery = 'charts'))).toEqual([
      'sites[lab].clusters[lab].addonDelivery: k0rdent-managed clusters receive add-ons as ServiceTemplates in the ClusterDeployment; addonDelivery is for k0s clusters (standalone, hosted)',
    ]);
  });

  test('airgapped sites need a mirror or a bundle', () => {
    expect(issuesAfter((f) => (f.sites.find((s) => s.name === 'hub')!.airgapped = true))).toEqual([
      'sites[hub].clusters[hub]: site hub is airgapped: k0s cannot pull its images. Set airgap.registry (a registry mirror filled from images.txt) or airgap.bundle (true when the nodes get the bundle built from images.txt, or its path for k0sctl to upload)',
    ]);
  });

  test('overlapping CIDRs between clusters name both clusters', () => {
    const issues = issuesAfter((f) => {
      cluster(f, 'hub').network = { podCIDR: '10.60.0.0/16' };
      cluster(f, 'lab').network = { podCIDR: '10.60.128.0/17' };
    });
    expect(issues).toEqual([expect.stringContaining("pod CIDR 10.60.128.0/17 of cluster 'lab' overlaps pod CIDR 10.60.0.0/16 of cluster 'hub'")]);
  });

  test('Fleet.fromSpec reports every problem at once, with the construct path', () => {
    const f = clone(modesFleet()) as unknown as Mutable;
    cluster(f, 'store').controlPlane.replicas = 2;
    cluster(f, 'lab').controlPlane.template = 'nope';
    const issues = rejections(() => fleetFrom(f as unknown as FleetSpec));
    expect(issues).toHaveLength(2);
    expect(issues.every((i) => i.startsWith('fleet: sites['))).toBe(true);
  });
});
