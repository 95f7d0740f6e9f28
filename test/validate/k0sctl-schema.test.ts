import { stringify } from 'yaml';
import { SchemaRegistry } from '../../lib/validate/schemas';
import { validateYamlText, formatFailure } from '../../lib/validate/validate';
import { k0sctlDocumentSchema } from '../../lib/validate/k0sctl-schema';
import { describeWithSchemas, SCHEMAS_DIR, schemaRegistry } from '../helpers';

const good = () => ({
  apiVersion: 'k0sctl.k0sproject.io/v1beta1',
  kind: 'Cluster',
  metadata: { name: 'c' },
  spec: {
    hosts: [
      { role: 'controller', ssh: { address: '10.0.0.1', user: 'root', port: 22, keyPath: '~/.ssh/id' }, privateAddress: '10.0.0.1' } as Record<string, any>,
      { role: 'worker', ssh: { address: '10.0.0.2' }, privateAddress: '10.0.0.2', installFlags: ['--labels=a=b'] } as Record<string, any>,
    ],
    k0s: { version: 'v1.36.3+k0s.2', config: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', metadata: { name: 'k0s' }, spec: { network: { provider: 'custom' } as Record<string, any> } } },
  },
});
const check = (doc: unknown) => validateYamlText(schemaRegistry()!, stringify(doc), 'k0sctl.yaml').map(formatFailure).join('\n');

describeWithSchemas('k0sctl.yaml schema (ours, with rig connection schemas and the ClusterConfig CRD)', () => {
  test('the registry picks it up by default', () => {
    expect(schemaRegistry()!.lookup('k0sctl.k0sproject.io/v1beta1', 'Cluster')?.source).toMatch(/k0sctl/);
    expect(SchemaRegistry.load(SCHEMAS_DIR!, { documents: [] }).lookup('k0sctl.k0sproject.io/v1beta1', 'Cluster')).toBeUndefined();
  });

  test('a valid file passes', () => {
    expect(check(good())).toBe('');
  });

  test('bad roles, unknown SSH fields (rig schema), no controller, bad ClusterConfig fields fail', () => {
    const d = good();
    d.spec.hosts[0]!.role = 'master';
    d.spec.hosts[1]!.ssh.password = 'x';
    expect(check(d)).toMatch(/\/spec\/hosts\/0\/role: must be one of/);
    expect(check(d)).toMatch(/\/spec\/hosts\/1\/ssh: unknown field 'password'/);
    const noController = good();
    noController.spec.hosts[0]!.role = 'worker';
    expect(check(noController)).toMatch(/\/spec\/hosts: must contain at least 1 valid item/);
    const badConfig = good();
    badConfig.spec.k0s.config.spec.network.provider = 'cilium';
    expect(check(badConfig)).toMatch(/\/spec\/k0s\/config\/spec\/network\/provider: must be one of/);
  });

  test('exactly one connection per host', () => {
    const d = good();
    d.spec.hosts[0]!.localhost = { enabled: true };
    expect(check(d)).toMatch(/\/spec\/hosts\/0: must match exactly one schema in oneOf/);
  });

  test('without rig schemas there is no k0sctl schema (a k0sctl.yaml then fails as having none)', () => {
    expect(k0sctlDocumentSchema('/nonexistent')).toBeUndefined();
  });
});
