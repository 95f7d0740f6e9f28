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
  const kustomization = (tree: ReadonlyMap<string, string>, folder: string) => parse(tree.get(`${folder}/kustomization.yaml`)!) as { apiVersion: string; kind: string; resources: string[] };

  it('splits each folder into infra/ and apps/, each with a kustomization listing its objects in apply order', () => {
    const tree = renderTree({
      targets: [{ kind: 'management' }, site],
      objects: [
        placed(obj('v1', 'ConfigMap', 'b', 'ns')),
        placed(obj('v1', 'Namespace', 'ns')),
        placed(obj('v1', 'ConfigMap', 'a', 'ns')),
        placed(obj('networking.k8s.io/v1', 'NetworkPolicy', 'deny', 'ns')),
      ],
    });
    expect([...tree.keys()]).toEqual([
      'management/fleet/apps/kustomization.yaml',
      'management/fleet/infra/kustomization.yaml',
      'management/fleet/kustomization.yaml',
      'management/kustomization.yaml',
      'sites/quebec/qc/apps/configmap_ns_a.yaml',
      'sites/quebec/qc/apps/configmap_ns_b.yaml',
      'sites/quebec/qc/apps/kustomization.yaml',
      'sites/quebec/qc/infra/kustomization.yaml',
      'sites/quebec/qc/infra/namespace_ns.yaml',
      'sites/quebec/qc/infra/networkpolicy_ns_deny.yaml',
      'sites/quebec/qc/kustomization.yaml',
    ]);
    expect(kustomization(tree, 'sites/quebec/qc/infra')).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['namespace_ns.yaml', 'networkpolicy_ns_deny.yaml'] });
    expect(kustomization(tree, 'sites/quebec/qc/apps').resources).toEqual(['configmap_ns_a.yaml', 'configmap_ns_b.yaml']);
    // The cluster folder lists its two parts for `kubectl kustomize`; an empty part still has its kustomization.
    expect(kustomization(tree, 'sites/quebec/qc').resources).toEqual(['infra', 'apps']);
    expect(kustomization(tree, 'management/fleet/infra').resources).toEqual([]);
    expect(kustomization(tree, 'management').resources).toEqual(['fleet']);
  });

  it('writes the management plane as management/fleet/ and one management/clusters/<cluster>/ per managed cluster, with an index', () => {
    const tree = renderTree({
      targets: [{ kind: 'management' }, { kind: 'management-cluster', cluster: 'qc' }, { kind: 'management-cluster', cluster: 'atl' }],
      objects: [
        placed(obj('k0rdent.mirantis.com/v1beta1', 'ServiceTemplate', 'cilium', 'kcm-system'), { kind: 'management' }),
        placed(obj('k0rdent.mirantis.com/v1beta1', 'MultiClusterService', 'all'), { kind: 'management' }),
        placed(obj('k0rdent.mirantis.com/v1beta1', 'ClusterDeployment', 'atl', 'kcm-system'), { kind: 'management-cluster', cluster: 'atl' }),
      ],
    });
    expect(tree.has('management/fleet/infra/servicetemplate.k0rdent.mirantis.com_kcm-system_cilium.yaml')).toBe(true);
    // kcm rejects a MultiClusterService whose ServiceTemplates are not there yet: it applies after them.
    expect(tree.has('management/fleet/apps/multiclusterservice.k0rdent.mirantis.com_all.yaml')).toBe(true);
    expect(tree.has('management/clusters/atl/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_atl.yaml')).toBe(true);
    expect(kustomization(tree, 'management/clusters/qc').resources).toEqual(['infra', 'apps']);
    expect(kustomization(tree, 'management').resources).toEqual(['fleet', 'clusters/atl', 'clusters/qc']);
  });

  it('keeps same-named objects in two namespaces apart', () => {
    const tree = renderTree({ targets: [site], objects: [placed(obj('v1', 'ConfigMap', 'x', 'a')), placed(obj('v1', 'ConfigMap', 'x', 'b'))] });
    expect(tree.has('sites/quebec/qc/apps/configmap_a_x.yaml') && tree.has('sites/quebec/qc/apps/configmap_b_x.yaml')).toBe(true);
  });

  it('refuses two objects with the same identity in one folder, naming both sources', () => {
    expect(() => renderTree({ targets: [site], objects: [placed(obj('v1', 'ConfigMap', 'x', 'a'), site, 'geo/one'), placed(obj('v1', 'ConfigMap', 'x', 'a'), site, 'geo/two')] })).toThrow(
      /geo\/two.*writes sites\/quebec\/qc\/apps\/configmap_a_x\.yaml, which geo\/one/,
    );
  });

  describe('each object has one folder per cluster', () => {
    const mgmtCluster: Target = { kind: 'cluster', site: 'frankfurt', cluster: 'fra' };
    const ns = obj('v1', 'Namespace', 'k0smos-system');

    it('refuses the same object in a management folder and in the management cluster\'s own folder, naming both sources and folders', () => {
      let err: ValidationError | undefined;
      try {
        renderTree({
          targets: [mgmtCluster, { kind: 'management' }],
          objects: [placed(ns, { kind: 'management' }, 'geo/Management/namespace'), placed({ ...ns, apiVersion: 'v1' }, mgmtCluster, 'geo/frankfurt/fra/namespace')],
          managementClusters: [{ site: 'frankfurt', cluster: 'fra' }],
        });
      } catch (e) {
        err = e as ValidationError;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect(err!.issues).toEqual([
        {
          path: 'geo/frankfurt/fra/namespace',
          message: expect.stringContaining('Namespace k0smos-system is written to sites/frankfurt/fra/ here and to management/fleet/ by geo/Management/namespace; both folders are applied to the management cluster (sites/frankfurt/fra)'),
        },
      ]);
    });

    it('compares objects by group, kind, namespace and name (not by version), across the management folders too', () => {
      const cm = (apiVersion: string, ns2: string) => obj(apiVersion, 'ConfigMap', 'x', ns2);
      expect(() =>
        renderTree({
          targets: [],
          objects: [placed(cm('v1', 'a'), { kind: 'management-cluster', cluster: 'qc' }, 'one'), placed(cm('v1', 'a'), { kind: 'management' }, 'two')],
        }),
      ).toThrow(/two: ConfigMap a\/x is written to management\/fleet\/ here and to management\/clusters\/qc\/ by one/);
      const hpa = (v: string) => obj(`autoscaling/${v}`, 'HorizontalPodAutoscaler', 'web', 'a');
      expect(() => renderTree({ targets: [], objects: [placed(hpa('v2'), { kind: 'management' }, 'one'), placed(hpa('v1'), { kind: 'management-cluster', cluster: 'qc' }, 'two')] })).toThrow(/two: HorizontalPodAutoscaler a\/web/);
    });

    it('allows the same object in folders applied to different clusters, and in other clusters of the management site', () => {
      const other: Target = { kind: 'cluster', site: 'frankfurt', cluster: 'lab' };
      const tree = renderTree({
        targets: [],
        objects: [placed(ns, { kind: 'management' }), placed(ns, site), placed(ns, other), placed(obj('v1', 'ConfigMap', 'x', 'a'), mgmtCluster), placed(obj('v1', 'ConfigMap', 'x', 'b'), { kind: 'management' })],
        managementClusters: [{ site: 'frankfurt', cluster: 'fra' }],
      });
      expect([...tree.keys()].filter((k) => k.endsWith('namespace_k0smos-system.yaml'))).toEqual([
        'management/fleet/infra/namespace_k0smos-system.yaml',
        'sites/frankfurt/lab/infra/namespace_k0smos-system.yaml',
        'sites/quebec/qc/infra/namespace_k0smos-system.yaml',
      ]);
    });

    it('when several clusters may be the management cluster, checks the management folders against each, and not those clusters against one another', () => {
      const a: Target = { kind: 'cluster', site: 'dc', cluster: 'a' };
      const b: Target = { kind: 'cluster', site: 'dc', cluster: 'b' };
      const managementClusters = [
        { site: 'dc', cluster: 'a' },
        { site: 'dc', cluster: 'b' },
      ];
      expect(() => renderTree({ targets: [], objects: [placed(ns, a), placed(ns, b)], managementClusters })).not.toThrow();
      expect(() => renderTree({ targets: [], objects: [placed(ns, a), placed(ns, b), placed(ns, { kind: 'management' }, 'geo/Management/ns')], managementClusters })).toThrow(
        /geo\/Management\/ns: Namespace k0smos-system is written to management\/fleet\/ here and to sites\/dc\/a\/ by test; both folders are applied to the management cluster \(sites\/dc\/a\)/,
      );
    });
  });

  it('refuses a file inside an infra/ or apps/ folder (those hold only the objects their kustomization lists)', () => {
    expect(() => renderTree({ targets: [site], objects: [], files: [{ path: 'sites/quebec/qc/apps/notes.md', content: 'x', source: 'geo/notes' }] })).toThrow(
      /geo\/notes: 'sites\/quebec\/qc\/apps\/notes\.md' is inside sites\/quebec\/qc\/apps\/.*put the file beside sites\/quebec\/qc\/apps/,
    );
    expect(renderTree({ targets: [site], objects: [], files: [{ path: 'sites/quebec/qc/k0sctl.yaml', content: 'x', source: 'geo/k0sctl' }] }).get('sites/quebec/qc/k0sctl.yaml')).toBe('x');
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

describe('the management index (management/kustomization.yaml)', () => {
  const fleetWide: Target = { kind: 'management' };
  const inventories = (clusters: number) =>
    Array.from({ length: clusters }, (_, i) => {
      const cluster = `store-${String(i).padStart(4, '0')}`;
      return placed(obj('v1', 'ConfigMap', `cluster-${cluster}`, 'k0smos-system'), { kind: 'management-cluster', cluster });
    });

  it('lists the fleet-wide folder first, then each cluster folder, while the management folders are small', () => {
    const tree = renderTree({ targets: [fleetWide], objects: [placed(obj('v1', 'ConfigMap', 'x', 'k0smos-system'), fleetWide), ...inventories(3)] });
    expect(parse(tree.get('management/kustomization.yaml')!).resources).toEqual(['fleet', 'clusters/store-0000', 'clusters/store-0001', 'clusters/store-0002']);
  });

  it('is left out when they hold more than MANAGEMENT_INDEX_MAX_OBJECTS objects (kustomize would take tens of seconds); every folder keeps its own', () => {
    const { MANAGEMENT_INDEX_MAX_OBJECTS } = jest.requireActual('../../lib/synth/render') as typeof import('../../lib/synth/render');
    const tree = renderTree({ targets: [fleetWide], objects: inventories(MANAGEMENT_INDEX_MAX_OBJECTS + 1) });
    expect(tree.has('management/kustomization.yaml')).toBe(false);
    expect(tree.has('management/clusters/store-0500/kustomization.yaml')).toBe(true);
    expect(renderTree({ targets: [fleetWide], objects: inventories(MANAGEMENT_INDEX_MAX_OBJECTS) }).has('management/kustomization.yaml')).toBe(true);
  });
});
