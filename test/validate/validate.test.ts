import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateDirectory, validateDocument, validateYamlText } from '../../lib/validate/validate';
import { SchemaRegistry, scopesFromPaths } from '../../lib/validate/schemas';
import { describeWithSchemas, itWithSchemas, SCHEMAS_DIR, schemaRegistry, tmpDir } from '../helpers';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: 1, memory: '1Gi', 'nvidia.com/gpu': 1 } } }] },
    },
  },
};

describe('conformance validator', () => {
  itWithSchemas('accepts valid built-in and custom objects', () => {
    const r = schemaRegistry()!;
    expect(validateDocument(r, deployment, 'd.yaml', 0)).toEqual([]);
    const cd = { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ClusterDeployment', metadata: { name: 'atlanta', namespace: 'kcm-system' }, spec: { template: 'remote-cluster-1-0-38', credential: 'atlanta', config: { machines: [] } } };
    expect(validateDocument(r, cd, 'cd.yaml', 0)).toEqual([]);
  });

  itWithSchemas('catches a deliberately broken object with file, document, pointer and message', () => {
    const r = schemaRegistry()!;
    const broken = JSON.parse(JSON.stringify(deployment));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    broken.spec.replicaz = 3;
    const failures = validateDocument(r, broken, 'sites/q/deployment.yaml', 2);
    expect(failures).toEqual(
      expect.arrayContaining([
        { file: 'sites/q/deployment.yaml', document: 2, pointer: '/spec/template/spec/containers/0/ports/0/containerPort', message: 'must be integer' },
        { file: 'sites/q/deployment.yaml', document: 2, pointer: '/spec', message: "unknown field 'replicaz'" },
      ]),
    );
  });

  itWithSchemas('checks enums and required fields of CRDs', () => {
    const r = schemaRegistry()!;
    const cnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x', namespace: 'y' }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ['clustr'] }] } };
    expect(validateDocument(r, cnp, 'f', 0).map((f) => f.pointer)).toEqual(['/spec/ingress/0/fromEntities/0']);
    const cd = { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ClusterDeployment', metadata: { name: 'x', namespace: 'kcm-system' }, spec: { credential: 'c' } };
    expect(validateDocument(r, cd, 'f', 0)).toEqual([{ file: 'f', document: 0, pointer: '/spec', message: "missing required field 'template'" }]);
  });

  itWithSchemas('fails a kind without a schema instead of passing it, and suggests the kind meant', () => {
    const r = schemaRegistry()!;
    const f = validateDocument(r, { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ClusterDeploymnt', metadata: { name: 'x' } }, 'f', 0);
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/no schema for k0rdent\.mirantis\.com\/v1beta1 ClusterDeploymnt .*did you mean kind 'ClusterDeployment'/);
    expect(validateDocument(r, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } }, 'f', 0)[0]!.message).toMatch(/^no schema/);
  });

  itWithSchemas('rejects a namespace on cluster-scoped kinds', () => {
    const r = schemaRegistry()!;
    expect(validateDocument(r, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'b' } }, 'f', 0)).toEqual([
      { file: 'f', document: 0, pointer: '/metadata/namespace', message: 'Namespace is cluster-scoped and must not have a namespace; remove metadata.namespace' },
    ]);
  });

  itWithSchemas('knows the scope of every built-in kind from the swagger paths, not from a hand-written list', () => {
    const r = schemaRegistry()!;
    const withNs = (apiVersion: string, kind: string, spec: unknown) => validateDocument(r, { apiVersion, kind, metadata: { name: 'x', namespace: 'ns' }, ...(spec === undefined ? {} : { spec }) }, 'f', 0);
    // Cluster-scoped kinds the old list missed.
    expect(withNs('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema', { priorityLevelConfiguration: { name: 'p' } }).map((f) => f.message)).toEqual([
      'FlowSchema is cluster-scoped and must not have a namespace; remove metadata.namespace',
    ]);
    expect(withNs('networking.k8s.io/v1', 'ServiceCIDR', {}).map((f) => f.pointer)).toEqual(['/metadata/namespace']);
    expect(withNs('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined).map((f) => f.pointer)).toEqual(['/metadata/namespace']);
    // Namespaced kinds keep their namespace; without one they are accepted (the applier's namespace is used).
    expect(withNs('policy/v1', 'PodDisruptionBudget', {})).toEqual([]);
    expect(validateDocument(r, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 'f', 0)).toEqual([]);
    expect(validateDocument(r, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: '' } }, 'f', 0)).toEqual([]);
    // Custom kinds: from the CRD's spec.scope.
    expect(validateDocument(r, { apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ManagementBackup', metadata: { name: 'b', namespace: 'kcm-system' }, spec: {} }, 'f', 0).map((f) => f.pointer)).toEqual(['/metadata/namespace']);
  });

  it('reads scopes from REST paths, ignoring subresources and list-all paths', () => {
    const gvk = (group: string, version: string, kind: string) => ({ post: { 'x-kubernetes-group-version-kind': { group, version, kind } } });
    const scopes = scopesFromPaths({
      '/api/v1/namespaces/{namespace}/pods': gvk('', 'v1', 'Pod'),
      '/api/v1/pods': gvk('', 'v1', 'Pod'),
      '/api/v1/namespaces/{name}': gvk('', 'v1', 'Namespace'),
      '/api/v1/namespaces/{namespace}/pods/{name}/eviction': gvk('policy', 'v1', 'Eviction'),
      '/apis/example.io/v1/widgets/{name}': gvk('example.io', 'v1', 'Widget'),
      '/apis/example.io/v1/widgets/{name}/status': gvk('example.io', 'v1', 'Widget'),
    });
    expect([...scopes.entries()].sort()).toEqual([
      ['example.io/v1|Widget', false],
      ['v1|Namespace', false],
      ['v1|Pod', true],
    ]);
  });

  itWithSchemas('validates every document of a folder and checks kustomization resources exist', () => {
    const r = schemaRegistry()!;
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'a'));
    fs.writeFileSync(path.join(dir, 'a', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok2\n  bogus: 1\n');
    fs.writeFileSync(path.join(dir, 'a', 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ns.yaml\n  - missing.yaml\n');
    const result = validateDirectory(r, dir);
    expect(result.files).toBe(2);
    expect(result.failures).toEqual([
      { file: 'a/kustomization.yaml', document: 0, pointer: '/resources/1', message: "resource 'missing.yaml' does not exist" },
      { file: 'a/ns.yaml', document: 1, pointer: '/metadata', message: "unknown field 'bogus'" },
    ]);
  });

  itWithSchemas('reports YAML that does not parse', () => {
    const r = schemaRegistry()!;
    expect(validateYamlText(r, 'a: [1,\n', 'x.yaml')[0]!.message).toMatch(/^not valid YAML/);
  });
});

describeWithSchemas('null values', () => {
  const backup = (lastBackup: unknown) => ({ apiVersion: 'k0rdent.mirantis.com/v1beta1', kind: 'ManagementBackup', metadata: { name: 'b' }, spec: {}, status: { lastBackup } });

  it('accepts null where the CRD says nullable: true', () => {
    const r = schemaRegistry()!;
    expect(validateDocument(r, backup({ hookStatus: null, progress: null, startTimestamp: null, validationErrors: null }), 'f', 0)).toEqual([]);
  });

  it('keeps a nullable object strict about its fields', () => {
    const r = schemaRegistry()!;
    expect(validateDocument(r, backup({ hookStatus: { hooksAttempted: 1, hooksFaild: 0 } }), 'f', 0)).toEqual([
      { file: 'f', document: 0, pointer: '/status/lastBackup/hookStatus', message: "unknown field 'hooksFaild'" },
    ]);
  });

  it('reports a null where the field is not nullable, once, saying what the server does and how to fix it', () => {
    const r = schemaRegistry()!;
    const f = validateDocument(r, backup({ phase: null }), 'b.yaml', 0);
    expect(f).toEqual([
      {
        file: 'b.yaml',
        document: 0,
        pointer: '/status/lastBackup/phase',
        message: 'is null, but this field is not nullable (the schema wants string); the API server drops null values, so the field would count as omitted: remove it or give it a value',
      },
    ]);
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' }, spec: { replicas: null, selector: {}, template: {}, strategy: { rollingUpdate: { maxSurge: null } } } };
    expect(validateDocument(r, d, 'd.yaml', 0).map((x) => [x.pointer, x.message.slice(0, 70)])).toEqual([
      ['/spec/replicas', 'is null, but this field is not nullable (the schema wants integer); th'],
      ['/spec/strategy/rollingUpdate/maxSurge', 'is null, but this field is not nullable (the schema wants integer or s'],
    ]);
  });

  it('allows null in nullable int-or-string and enum fields', () => {
    const thing = {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], nullable: true },
        mode: { type: 'string', enum: ['a', 'b'], nullable: true },
        strict: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      },
    };
    const r = SchemaRegistry.load(SCHEMAS_DIR!, { documents: [{ apiVersion: 'example.com/v1', kind: 'Thing', schema: thing, source: 'test' }] });
    expect(validateDocument(r, { apiVersion: 'example.com/v1', kind: 'Thing', size: null, mode: null }, 'f', 0)).toEqual([]);
    expect(validateDocument(r, { apiVersion: 'example.com/v1', kind: 'Thing', mode: 'c', strict: null }, 'f', 0).map((x) => x.pointer)).toEqual(['/mode', '/strict']);
  });
});
