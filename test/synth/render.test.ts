import { parse } from 'yaml';
import { ValidationError } from '../../lib/model/errors';
import type { K8sObject, PlacedObject, Target } from '../../lib/synth/objects';
import { compareObjects, fileName } from '../../lib/synth/order';
import { renderTree } from '../../lib/synth/render';
import { toYaml } from '../../lib/synth/serialize';

const site: Target = { kind: 'cluster', site: 'quebec', cluster: 'qc' };
const obj = (apiVersion: string, kind: string, name: string, namespace?: string, rest: Record<string, unknown> = {}): K8sObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...rest,
});
const placed = (o: K8sObject, target: Target = site, source = 'test'): PlacedObject => ({ target, object: o, source });

describe('ordering and file names', () => {
  it('puts namespaces and CRDs first, templates before the deployments that use them, then breaks ties by name', () => {
    const objs = [
      obj('k0rdent.mirantis.com/v1beta1', 'ClusterDeployment', 'b', 'kcm-system'),
      obj('v1', 'ConfigMap', 'z', 'a'),
      obj('k0rdent.mirantis.com/v1beta1', 'ClusterTemplate', 't', 'kcm-system'),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'x.example.com'),
      obj('v1', 'Namespace', 'b'),
      obj('v1', 'Namespace', 'a'),
      obj('k0rdent.mirantis.com/v1beta1', 'ClusterDeployment', 'a', 'kcm-system'),
    ];
    const order = [...objs].sort(compareObjects).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(order).toEqual(['Namespace/a', 'Namespace/b', 'CustomResourceDefinition/x.example.com', 'ConfigMap/z', 'ClusterTemplate/t', 'ClusterDeployment/a', 'ClusterDeployment/b']);
  });

  it('names files by kind, group for custom kinds, namespace and name', () => {
    expect(fileName(obj('v1', 'ConfigMap', 'info', 'k0smos-system'))).toBe('configmap_k0smos-system_info.yaml');
    expect(fileName(obj('v1', 'Namespace', 'k0smos-system'))).toBe('namespace_k0smos-system.yaml');
    expect(fileName(obj('cluster.x-k8s.io/v1beta2', 'Cluster', 'quebec', 'kcm-system'))).toBe('cluster.cluster.x-k8s.io_kcm-system_quebec.yaml');
    expect(fileName(obj('k0smotron.io/v1beta2', 'Cluster', 'quebec', 'kcm-system'))).toBe('cluster.k0smotron.io_kcm-system_quebec.yaml');
  });
});

describe('renderTree', () => {
  it('writes one file per object and a kustomization listing them in apply order', () => {
    const tree = renderTree({
      targets: [{ kind: 'management' }, site],
      objects: [placed(obj('v1', 'ConfigMap', 'b', 'ns')), placed(obj('v1', 'Namespace', 'ns')), placed(obj('v1', 'ConfigMap', 'a', 'ns'))],
    });
    expect([...tree.keys()]).toEqual([
      'management/kustomization.yaml',
      'sites/quebec/qc/configmap_ns_a.yaml',
      'sites/quebec/qc/configmap_ns_b.yaml',
      'sites/quebec/qc/kustomization.yaml',
      'sites/quebec/qc/namespace_ns.yaml',
    ]);
    expect(parse(tree.get('sites/quebec/qc/kustomization.yaml')!)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['namespace_ns.yaml', 'configmap_ns_a.yaml', 'configmap_ns_b.yaml'],
    });
    expect(parse(tree.get('management/kustomization.yaml')!).resources).toEqual([]);
  });

  it('keeps same-named objects in two namespaces apart', () => {
    const tree = renderTree({ targets: [site], objects: [placed(obj('v1', 'ConfigMap', 'x', 'a')), placed(obj('v1', 'ConfigMap', 'x', 'b'))] });
    expect(tree.has('sites/quebec/qc/configmap_a_x.yaml') && tree.has('sites/quebec/qc/configmap_b_x.yaml')).toBe(true);
  });

  it('refuses two objects with the same identity in one folder, naming both sources', () => {
    expect(() => renderTree({ targets: [site], objects: [placed(obj('v1', 'ConfigMap', 'x', 'a'), site, 'geo/one'), placed(obj('v1', 'ConfigMap', 'x', 'a'), site, 'geo/two')] })).toThrow(
      /geo\/two.*writes sites\/quebec\/qc\/configmap_a_x\.yaml, which geo\/one/,
    );
  });

  it('refuses invalid names and files that would escape their folder', () => {
    let err: ValidationError | undefined;
    try {
      renderTree({
        targets: [site],
        objects: [
          placed(obj('v1', 'ConfigMap', 'Bad_Name', 'a'), site, 'geo/cm'),
          placed(obj('v1', 'Service', 'a.b', 'a'), site, 'geo/svc'),
          placed(obj('v1', 'Service', '9web', 'a'), site, 'geo/svc9'),
        ],
        files: [{ path: '../escape.txt', content: 'x', source: 'geo/file' }],
      });
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err?.issues.map((i) => i.path)).toEqual(['geo/cm', 'geo/svc', 'geo/svc9', 'geo/file']);
    expect(err?.message).toContain('must be a DNS-1123 subdomain');
    // The API server wants Service names to start with a letter (DNS-1035), not only to be DNS labels.
    expect(err?.message).toContain("Service 'a.b': metadata.name must be a DNS-1035 label");
    expect(err?.message).toContain("Service '9web': metadata.name must be a DNS-1035 label");
  });
});

describe('serialisation', () => {
  it('sorts keys, keeps apiVersion/kind/metadata first and quotes strings YAML 1.1 would misread', () => {
    const text = toYaml({ metadata: { name: 'x', labels: { b: 'on', a: 'yes' } }, kind: 'ConfigMap', apiVersion: 'v1', data: { mode: '0755', n: 'null', multi: 'a\nb\n' } });
    expect(text).toBe(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  labels:',
        '    a: "yes"',
        '    b: "on"',
        '  name: x',
        'data:',
        '  mode: "0755"',
        '  multi: |',
        '    a',
        '    b',
        '  "n": "null"',
        '',
      ].join('\n'),
    );
    expect(parse(text).metadata.labels).toEqual({ a: 'yes', b: 'on' });
  });
});
