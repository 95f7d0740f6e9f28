import { checkObjectMeta, isDns1035Label, isDns1123Label, isDns1123Subdomain, labelValueProblem, qualifiedNameProblem } from '../../lib/validate/object-meta';
import { validateDocument } from '../../lib/validate/validate';
import { describeWithSchemas, schemaRegistry } from '../helpers';

describe('object metadata rules (pure)', () => {
  it('knows DNS labels and subdomains', () => {
    expect(['a', 'a-b', '0a', 'a'.repeat(63)].map(isDns1123Label)).toEqual([true, true, true, true]);
    expect(['', 'A', 'a_b', '-a', 'a-', 'a.b', 'a'.repeat(64)].map(isDns1123Label)).toEqual([false, false, false, false, false, false, false]);
    expect(['a.b-c.d', 'k0smos.io', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`].map(isDns1123Subdomain)).toEqual([true, true, true]);
    expect(['a..b', '.a', 'a.', 'A.b', 'a_b', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`].map(isDns1123Subdomain)).toEqual([false, false, false, false, false, false]);
    expect(['svc', 'a1', '1svc'].map(isDns1035Label)).toEqual([true, true, false]);
  });

  it('knows qualified names and label values', () => {
    for (const ok of ['app', 'App_Name.v1', 'k0smos.io/site', 'nvidia.com/gpu.product', 'a'.repeat(63)]) expect([ok, qualifiedNameProblem(ok)]).toEqual([ok, undefined]);
    for (const bad of ['', 'a b', '-a', 'a/', '/a', 'a/b/c', 'Example.com/x', 'a_b.com/x', 'a'.repeat(64), `${'a'.repeat(254)}/x`]) expect([bad, qualifiedNameProblem(bad)]).not.toEqual([bad, undefined]);
    for (const ok of ['', 'v1', 'A-b_c.d', 'a'.repeat(63)]) expect([ok, labelValueProblem(ok)]).toEqual([ok, undefined]);
    for (const bad of ['a b', '-a', 'a-', 'a/b', 'a'.repeat(64)]) expect([bad, labelValueProblem(bad)]).not.toEqual([bad, undefined]);
  });

  it('checks names by kind: subdomain by default, labels for Namespace and Service, path segments for RBAC', () => {
    const name = (group: string, kind: string, n: string) => checkObjectMeta({ name: n }, { group, kind, at: '/metadata', root: true }).map((p) => p.message);
    expect(name('k0rdent.mirantis.com', 'ClusterDeployment', 'atlanta.gpu-1')).toEqual([]);
    expect(name('k0rdent.mirantis.com', 'ClusterDeployment', 'Atlanta')[0]).toMatch(/^ClusterDeployment name must be a DNS-1123 subdomain .*; got "Atlanta"; rename the object$/);
    expect(name('k0rdent.mirantis.com', 'ClusterDeployment', 'a'.repeat(254))).toHaveLength(1);
    expect(name('', 'Namespace', 'team.nlp')[0]).toMatch(/^Namespace name must be a DNS-1123 label/);
    expect(name('', 'Service', '9svc')[0]).toMatch(/^Service name must be a DNS-1035 label/);
    expect(name('', 'ConfigMap', 'a.b')).toEqual([]);
    expect(name('rbac.authorization.k8s.io', 'ClusterRole', 'system:aggregate-to-edit')).toEqual([]);
    expect(name('rbac.authorization.k8s.io', 'ClusterRole', 'a/b')).toHaveLength(1);
  });

  it('counts annotation size in bytes over keys and values, and checks annotation keys lower-cased', () => {
    const at = { group: '', kind: 'ConfigMap', at: '/metadata', root: true };
    expect(checkObjectMeta({ name: 'x', annotations: { 'Example.COM/Note': 'ok' } }, at)).toEqual([]);
    expect(checkObjectMeta({ name: 'x', annotations: { a: 'x'.repeat(256 * 1024 - 1) } }, at)).toEqual([]);
    expect(checkObjectMeta({ name: 'x', annotations: { a: 'x'.repeat(256 * 1024) } }, at)).toEqual([
      { pointer: '/metadata/annotations', message: 'annotations total 262145 bytes (keys and values); the API server allows at most 262144 (256 KiB); move large data to a ConfigMap' },
    ]);
    expect(checkObjectMeta({ name: 'x', annotations: { a: 'é'.repeat(131072) } }, at)).toHaveLength(1); // 2 bytes each
  });
});

describeWithSchemas('object metadata in validation', () => {
  const cnp = (metadata: Record<string, unknown>) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata, spec: { endpointSelector: {}, egress: [] } });

  it('checks custom resources metadata as ObjectMeta: fields, types, name, namespace, labels, annotations', () => {
    const r = schemaRegistry()!;
    expect(validateDocument(r, cnp({ name: 'allow-dns', namespace: 'fl', labels: { 'k0smos.io/site': 'quebec' }, annotations: { note: 'x' } }), 'f', 0)).toEqual([]);
    const f = validateDocument(
      r,
      cnp({ name: 'Allow_DNS', namespace: 'FL', labels: { 'k0smos.io/site name': 'quebec', team: 'a b', gen: 2 }, annotations: { 'a/b/c': 'x' }, uid: 'x', nmae: 'typo' }),
      'sites/q/cnp.yaml',
      3,
    );
    expect(f.map((x) => `${x.pointer}: ${x.message.split(';')[0]}`).sort()).toEqual(
      [
        "/metadata: unknown field 'nmae'",
        '/metadata/annotations/a~1b~1c: annotation key "a/b/c" may contain at most one \'/\' (an optional DNS-subdomain prefix, \'/\', then the name)',
        '/metadata/labels/gen: must be string',
        '/metadata/labels/k0smos.io~1site name: label key "k0smos.io/site name" has a name part that must consist of letters, digits, \'-\', \'_\' or \'.\', and start and end with a letter or digit',
        '/metadata/labels/team: label value "a b" must be empty or consist of letters, digits, \'-\', \'_\' or \'.\', and start and end with a letter or digit',
        "/metadata/name: CiliumNetworkPolicy name must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most 253 characters)",
        "/metadata/namespace: namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
      ].sort(),
    );
    expect(f.every((x) => x.file === 'sites/q/cnp.yaml' && x.document === 3)).toBe(true);
  });

  it('applies the same checks to built-in kinds, including their pod templates', () => {
    const r = schemaRegistry()!;
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps', labels: { 'app.kubernetes.io/name': 'x'.repeat(64) } },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', 'bad key': 'v' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    expect(validateDocument(r, deploy, 'f', 0).map((x) => x.pointer)).toEqual(['/metadata/labels/app.kubernetes.io~1name', '/spec/template/metadata/labels/bad key']);
    expect(validateDocument(r, { apiVersion: 'v1', kind: 'Service', metadata: { name: '1-web', namespace: 'apps' } }, 'f', 0).map((x) => x.pointer)).toEqual(['/metadata/name']);
  });
});
