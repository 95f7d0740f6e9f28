import { ApiObject } from 'cdk8s';
import { parse } from 'yaml';
import { imageList, imageListWarnings, normalizeImage, objectImages } from '../../lib/airgap/images';
import { k0sImages, K0S_IMAGES } from '../../lib/airgap/k0s-images';
import { chartImages } from '../../lib/airgap/chart-images';
import type { K8sObject } from '../../lib/synth/objects';
import { modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, fleetFrom, rejections, treeFailures } from '../helpers';

const obj = (kind: string, name: string, spec: Record<string, unknown>, apiVersion = 'apps/v1'): K8sObject => ({ apiVersion, kind, metadata: { name, namespace: 'ai' }, spec }) as K8sObject;

describe('image references', () => {
  test.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['kserve/agent:v0.20.0', 'docker.io/kserve/agent:v0.20.0'],
    ['registry.store.local:5000/vision/detector:2.1', 'registry.store.local:5000/vision/detector:2.1'],
    ['localhost/x', 'localhost/x:latest'],
    [`quay.io/cilium/cilium:v1.19.4@sha256:${'a'.repeat(64)}`, `quay.io/cilium/cilium:v1.19.4@sha256:${'a'.repeat(64)}`],
  ])('%s is written as %s', (ref, want) => expect(normalizeImage(ref)).toBe(want));

  test.each(['', 'Nginx', 'has space:1', 'x@sha256:short', 'a//b'])('%j is not an image reference', (ref) => expect(normalizeImage(ref)).toBeUndefined());
});

describe('workload images are read from any pod template', () => {
  test('Deployments, CronJobs, init and ephemeral containers', () => {
    const d = obj('Deployment', 'api', { template: { spec: { initContainers: [{ name: 'i', image: 'busybox:1.37' }], containers: [{ name: 'c', image: 'ghcr.io/acme/api:1' }], ephemeralContainers: [{ name: 'dbg', image: 'alpine' }] } } });
    const cj = obj('CronJob', 'nightly', { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'ghcr.io/acme/batch:2' }] } } } } }, 'batch/v1');
    expect(objectImages(d).map((f) => f.image)).toEqual(['busybox:1.37', 'ghcr.io/acme/api:1', 'alpine']);
    expect(objectImages(d)[0]!.where).toBe('Deployment ai/api: spec.template.spec.initContainers[0].image');
    expect(objectImages(cj).map((f) => f.image)).toEqual(['ghcr.io/acme/batch:2']);
  });

  test('custom resources: PyTorchJob replica specs and KServe predictors', () => {
    const job = obj('PyTorchJob', 'train', { pytorchReplicaSpecs: { Master: { template: { spec: { containers: [{ name: 'pytorch', image: 'ghcr.io/acme/train:3' }] } } }, Worker: { template: { spec: { containers: [{ name: 'pytorch', image: 'ghcr.io/acme/train:3' }] } } } } }, 'kubeflow.org/v1');
    const isvc = obj('InferenceService', 'vision', { predictor: { containers: [{ name: 'kserve-container', image: 'ghcr.io/acme/vision:4' }] }, transformer: { custom: { image: 'ghcr.io/acme/pre:1' } } }, 'serving.kserve.io/v1beta1');
    expect(objectImages(job).map((f) => f.image)).toEqual(['ghcr.io/acme/train:3', 'ghcr.io/acme/train:3']);
    expect(objectImages(isvc).map((f) => f.image).sort()).toEqual(['ghcr.io/acme/pre:1', 'ghcr.io/acme/vision:4']);
  });

  test('image fields that are not containers are left alone (a ClusterPolicy names image parts, not references)', () => {
    expect(objectImages(obj('ClusterPolicy', 'cluster-policy', { driver: { repository: 'nvcr.io/nvidia', image: 'driver', version: '1' } }, 'nvidia.com/v1'))).toEqual([]);
  });
});

describe('the list', () => {
  test('sorted, deduplicated, normalized; unresolved entries first as comments; a bad reference names its object', () => {
    const l = imageList({ k0s: ['quay.io/k0sproject/coredns:1.11.4'], charts: ['quay.io/jetstack/cert-manager-controller:v1.21.1'], workloads: [{ image: 'nginx', where: 'w' }, { image: 'docker.io/library/nginx:latest', where: 'v' }, { image: 'BAD', where: 'Deployment ai/x: spec.template.spec.containers[0].image' }], unresolved: ['chart b', 'chart a'] });
    expect(l.content).toBe(['# UNRESOLVED: chart a', '# UNRESOLVED: chart b', 'docker.io/library/nginx:latest', 'quay.io/jetstack/cert-manager-controller:v1.21.1', 'quay.io/k0sproject/coredns:1.11.4', ''].join('\n'));
    expect(l.errors).toEqual([expect.stringMatching(/^Deployment ai\/x: spec\.template\.spec\.containers\[0\]\.image: 'BAD' is not an image reference/)]);
    expect(imageListWarnings(new Map([['sites/s/c/images.txt', l.content]]))).toEqual(['sites/s/c/images.txt: chart a', 'sites/s/c/images.txt: chart b']);
  });
});

describe('k0s images by release', () => {
  test('a known release lists its components for the network provider; Cilium replacing kube-proxy drops kube-proxy and the CNI', () => {
    const kr = k0sImages('v1.31.11+k0s.0', { provider: 'kuberouter', kubeProxyDisabled: false })!;
    expect(kr.unresolved).toEqual([]);
    expect(kr.images).toEqual(expect.arrayContaining(['quay.io/k0sproject/kube-proxy:v1.31.11', 'quay.io/k0sproject/coredns:1.11.4', 'registry.k8s.io/pause:3.9', 'quay.io/k0sproject/kube-router:v2.2.1-iptables1.8.9-1', 'quay.io/k0sproject/cni-node:1.3.0-k0s.0', 'quay.io/k0sproject/apiserver-network-proxy-agent:v0.30.3', 'registry.k8s.io/metrics-server/metrics-server:v0.7.2']));
    const calico = k0sImages('v1.31.11-k0s.0', { provider: 'calico', kubeProxyDisabled: false })!;
    expect(calico.images).toContain('quay.io/k0sproject/calico-node:v3.28.4-0');
    expect(calico.images.some((i) => i.includes('kube-router'))).toBe(false);
    const cilium = k0sImages('v1.31.11+k0s.0', { provider: 'custom', kubeProxyDisabled: true })!;
    expect(cilium.images.some((i) => i.includes('kube-proxy') || i.includes('kube-router') || i.includes('calico'))).toBe(false);
  });

  test('an unknown release has no entry; a release with unread tags says which components it lacks', () => {
    expect(k0sImages('v1.30.0+k0s.0', { provider: 'kuberouter', kubeProxyDisabled: false })).toBeUndefined();
    const r = k0sImages('v1.36.3+k0s.2', { provider: 'kuberouter', kubeProxyDisabled: false })!;
    expect(r.images).toEqual(['quay.io/k0sproject/kube-proxy:v1.36.3']);
    expect(r.unresolved).toEqual(expect.arrayContaining([expect.stringMatching(/^k0s v1\.36\.3\+k0s\.2 coredns \(quay\.io\/k0sproject\/coredns\): tag not in the library's table/)]));
    for (const v of Object.keys(K0S_IMAGES)) expect(K0S_IMAGES[v]!.source.length).toBeGreaterThan(0);
  });
});

describe('chart images', () => {
  test('Cilium lists what its values turn on', () => {
    const base = { name: 'cilium', namespace: 'kube-system', chart: { repo: 'https://helm.cilium.io/', name: 'cilium', version: '1.19.4' } };
    const plain = chartImages({ ...base, values: {} }).images;
    expect(plain.map((i) => i.split('@')[0])).toEqual(['quay.io/cilium/cilium:v1.19.4', 'quay.io/cilium/operator-generic:v1.19.4', expect.stringMatching(/^quay\.io\/cilium\/cilium-envoy:v1\.36\.6-/)]);
    const mesh = chartImages({ ...base, values: { hubble: { relay: { enabled: true } }, clustermesh: { useAPIServer: true } } }).images.map((i) => i.split(':')[0]);
    expect(mesh).toEqual(expect.arrayContaining(['quay.io/cilium/hubble-relay', 'quay.io/cilium/clustermesh-apiserver']));
  });

  test('a chart the library does not know is named, never dropped', () => {
    const r = chartImages({ name: 'metrics', namespace: 'm', chart: { repo: 'oci://registry.example/charts', name: 'metrics-server', version: '3.12.2' }, values: {} });
    expect(r.images).toEqual([]);
    expect(r.unresolved).toEqual([expect.stringMatching(/^chart oci:\/\/registry\.example\/charts\/metrics-server 3\.12\.2 \(release metrics\): images not known to the library/)]);
  });
});

/** The modes fleet with its hub site air-gapped behind a registry mirror, at a k0s release whose images are all known. */
function airgappedFleet(airgap: Record<string, unknown> = { registry: 'registry.hub.local:5000' }, version = 'v1.31.11+k0s.0') {
  const spec = clone(modesFleet()) as any;
  spec.sites[0].airgap = airgap;
  spec.sites[0].clusters[0].k0sVersion = version;
  const fleet = fleetFrom(spec);
  const hub = fleet.site('hub').cluster('hub');
  new ApiObject(hub, 'vision', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'vision', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'vision' } }, template: { metadata: { labels: { app: 'vision' } }, spec: { containers: [{ name: 'vision', image: 'ghcr.io/acme/vision:1.0' }], initContainers: [{ name: 'fetch', image: 'busybox:1.37' }] } } },
  });
  return fleet;
}

describe('an air-gapped cluster gets its image list beside its folder', () => {
  const tree = airgappedFleet().toTree();
  const list = tree.get('sites/hub/hub/images.txt')!;
  const lines = list.trimEnd().split('\n');

  test('k0s images of its release and network (Cilium replaces kube-proxy: no kube-proxy, no k0s CNI)', () => {
    expect(lines).toEqual(expect.arrayContaining(['quay.io/k0sproject/coredns:1.11.4', 'registry.k8s.io/pause:3.9', 'quay.io/k0sproject/apiserver-network-proxy-agent:v0.30.3', 'registry.k8s.io/metrics-server/metrics-server:v0.7.2']));
    expect(lines.some((l) => l.includes('kube-proxy') || l.includes('kube-router'))).toBe(false);
  });

  test('the images of every chart it installs, and the charts it cannot list are named', () => {
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^quay\.io\/cilium\/cilium:v1\.19\.4@sha256:/)]));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^# UNRESOLVED: chart oci:\/\/registry\.example\/charts\/metrics-server 3\.12\.2 \(release metrics\)/)]));
    // The unresolved lines come first, so that `k0s airgap bundle-artifacts` stops on them.
    const firstRef = lines.findIndex((l) => !l.startsWith('#'));
    expect(lines.slice(firstRef).every((l) => !l.startsWith('#'))).toBe(true);
  });

  test('the images of the objects in its folder', () => {
    expect(lines).toEqual(expect.arrayContaining(['ghcr.io/acme/vision:1.0', 'docker.io/library/busybox:1.37']));
  });

  test('sorted and stable: a second synth writes the same bytes', () => {
    const refs = lines.filter((l) => !l.startsWith('#'));
    expect(refs).toEqual([...refs].sort());
    expect(new Set(refs).size).toBe(refs.length);
    expect(airgappedFleet().toTree().get('sites/hub/hub/images.txt')).toBe(list);
  });

  test('beside infra/ and apps/, listed in no kustomization', () => {
    for (const [path, text] of tree) if (path.endsWith('kustomization.yaml')) expect(text).not.toContain('images.txt');
  });

  test('clusters of sites with internet access get no list', () => {
    expect([...tree.keys()].filter((p) => p.endsWith('images.txt'))).toEqual(['sites/hub/hub/images.txt']);
  });

  test('k0s pulls its own images from the mirror, IfNotPresent', () => {
    const k = parse(tree.get('sites/hub/hub/k0sctl.yaml')!);
    expect(k.spec.k0s.config.spec.images).toEqual({ repository: 'registry.hub.local:5000', default_pull_policy: 'IfNotPresent' });
  });

  test('synth warns with the unresolved lines', () => {
    // The hub is also the management cluster: kcm (whose images the library does not list) and the storage it needs are installed there.
    const w = imageListWarnings(tree);
    expect(w).toEqual(expect.arrayContaining([expect.stringMatching(/^sites\/hub\/hub\/images\.txt: chart oci:\/\/registry\.example\/charts\/metrics-server/), expect.stringMatching(/^sites\/hub\/hub\/images\.txt: chart oci:\/\/ghcr\.io\/k0rdent\/kcm\/charts\/kcm 1\.12\.0-rc2/)]));
    expect(w.every((x) => x.startsWith('sites/hub/hub/images.txt: '))).toBe(true);
  });
});

describe('air-gap settings', () => {
  test('a k0s release the image table lacks is refused with how to add it', () => {
    expect(rejections(() => airgappedFleet(undefined, 'v1.30.4+k0s.0').toTree())).toEqual([
      expect.stringMatching(/sites\[hub\]\.clusters\[hub\]\.k0sVersion: k0s v1\.30\.4\+k0s\.0 is not in the air-gap image table \(lib\/airgap\/k0s-images\.ts; known: .*v1\.31\.11\+k0s\.0.*\).*k0s airgap list-images --all/),
    ]);
  });

  test('the default release names the components it cannot tag (a hosted cluster with a bundle the operator places)', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[1].airgap = { bundle: true };
    const list = fleetFrom(spec).toTree().get('sites/store/store/images.txt')!;
    expect(list).toMatch(/^# UNRESOLVED: k0s v1\.36\.3\+k0s\.2 coredns \(quay\.io\/k0sproject\/coredns\)/m);
    expect(list).toMatch(/^quay\.io\/cilium\/cilium:v1\.19\.4@/m);
  });

  test('an air-gapped site needs a mirror or a bundle', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[0].airgap = { charts: 'oci://registry.hub.local:5000/charts' };
    expect(rejections(() => fleetFrom(spec))).toEqual([expect.stringMatching(/clusters\[hub\]: site hub is airgapped: k0s cannot pull its images\. Set airgap\.registry/)]);
  });

  test('a bundle path is for k0sctl (standalone) only; a cluster\'s own airgap replaces its site\'s', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[1].clusters[0].airgap = { bundle: 'bundles/store.tar' };
    expect(rejections(() => fleetFrom(spec))).toEqual([expect.stringMatching(/clusters\[store\]\.airgap\.bundle: a bundle path is uploaded by k0sctl, so it works with mode standalone only \(this cluster is hosted\)/)]);
  });

  test('two mirrors for the same images are refused', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[0].clusters[0].imageRepository = 'registry.a';
    spec.sites[0].clusters[0].airgap = { registry: 'registry.b' };
    expect(rejections(() => fleetFrom(spec))).toEqual([expect.stringMatching(/clusters\[hub\]\.imageRepository: imageRepository 'registry\.a' and airgap\.registry 'registry\.b' name two mirrors/)]);
  });

  test('a bundle path is uploaded to every host; a chart mirror replaces the chart references', () => {
    const tree = airgappedFleet({ bundle: 'bundles/hub.tar', charts: 'oci://registry.hub.local:5000/charts' }).toTree();
    const k = parse(tree.get('sites/hub/hub/k0sctl.yaml')!);
    for (const h of k.spec.hosts) expect(h.files).toEqual([{ name: 'k0s-airgap-bundle', src: 'bundles/hub.tar', dstDir: '/var/lib/k0s/images/', perm: '0600' }]);
    const helm = k.spec.k0s.config.spec.extensions.helm;
    const names = helm.charts.map((c: { chartname: string }) => c.chartname);
    expect(names).toEqual(expect.arrayContaining(['oci://registry.hub.local:5000/charts/cilium', 'oci://registry.hub.local:5000/charts/metrics-server']));
    expect(names.every((n: string) => n.startsWith('oci://registry.hub.local:5000/charts/'))).toBe(true);
    expect(helm.repositories).toEqual([]);
    expect(k.spec.k0s.config.spec.images).toEqual({ default_pull_policy: 'IfNotPresent' });
  });
});

describeWithSchemas('air-gapped output validates against the upstream schemas', () => {
  test('k0sctl.yaml with images.repository and default_pull_policy (k0s ClusterConfig CRD)', () => {
    expect(treeFailures(airgappedFleet().toTree())).toEqual([]);
  });

  test('k0sctl.yaml with a bundle upload and every chart from the mirror', () => {
    expect(treeFailures(airgappedFleet({ bundle: 'bundles/hub.tar', charts: 'oci://registry.hub.local:5000/charts' }).toTree())).toEqual([]);
  });

  test('a hosted control plane with the mirror in its k0sConfig (K0smotronControlPlane CRD)', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[1].airgap = { registry: 'registry.store.local:5000', charts: 'oci://registry.store.local:5000/charts' };
    expect(treeFailures(fleetFrom(spec).toTree())).toEqual([]);
  });
});

describe('chart values that name images', () => {
  test('are reported, with their paths, instead of listing defaults silently', () => {
    const r = chartImages({ name: 'keda', namespace: 'keda', chart: { repo: 'https://kedacore.github.io/charts', name: 'keda', version: '2.20.2' }, values: { image: { keda: { repository: 'registry.store.local/keda', tag: '2.20.2' } } } });
    expect(r.images).toContain('ghcr.io/kedacore/keda:2.20.2');
    expect(r.unresolved).toEqual([expect.stringMatching(/^chart keda 2\.20\.2 \(release keda\): its values set image\.keda\.repository, image\.keda\.tag; the list holds the chart's default images/)]);
  });

  test('the GPU operator row reads its driver image itself (the OS suffix stays unresolved)', () => {
    const r = chartImages({ name: 'gpu-operator', namespace: 'gpu-operator', chart: { repo: 'https://helm.ngc.nvidia.com/nvidia', name: 'gpu-operator', version: 'v26.7.0' }, values: { driver: { enabled: true, version: '580.1', repository: 'registry.store.local/nvidia', image: 'driver' }, migManager: { enabled: false } } });
    expect(r.images).toContain('nvcr.io/nvidia/gpu-operator:v26.7.0');
    expect(r.images.some((i) => i.includes('mig-manager'))).toBe(false);
    expect(r.unresolved).toEqual([expect.stringMatching(/driver image registry\.store\.local\/nvidia\/driver:580\.1-<os>/)]);
  });
});

describe('air-gap settings by control plane', () => {
  test('a hosted control plane gets the mirror in its k0sConfig; its list has the workers\' images only', () => {
    const spec = clone(modesFleet()) as any;
    spec.sites[1].airgap = { registry: 'registry.store.local:5000', charts: 'oci://registry.store.local:5000/charts' };
    const tree = fleetFrom(spec).toTree();
    const cpFile = [...tree.keys()].find((p) => p.startsWith('management/clusters/store/') && p.includes('k0smotroncontrolplane'))!;
    const cp = parse(tree.get(cpFile)!);
    expect(cp.spec.k0sConfig.spec.images).toEqual({ repository: 'registry.store.local:5000', default_pull_policy: 'IfNotPresent' });
    for (const c of cp.spec.k0sConfig.spec.extensions?.helm?.charts ?? []) expect(c.chartname).toMatch(/^oci:\/\/registry\.store\.local:5000\/charts\//);
    expect(tree.get('sites/store/store/images.txt')).not.toContain('quay.io/k0sproject/k0s:');
  });

  test('a k0rdent cluster refuses a per-cluster mirror and says where it goes instead', () => {
    const spec = clone(modesFleet()) as any;
    const site = spec.sites.find((s: any) => s.clusters?.[0]?.controlPlane?.mode === 'k0rdent');
    site.clusters[0].airgap = { registry: 'registry.lab.local' };
    expect(rejections(() => fleetFrom(spec))).toEqual([expect.stringMatching(/\.airgap\.registry: k0rdent cluster templates take no k0s image mirror per cluster .*controller\.globalRegistry/)]);
  });
});
