import * as fs from 'node:fs';
import * as path from 'node:path';
import { enforcedFormat, IGNORED_FORMATS, isBase64, isCidr, isDateTime, isInt32, isInt64, isIPv4, isIPv6, isQuantity } from '../../lib/validate/kube-formats';
import { validateDocument } from '../../lib/validate/validate';
import { describeWithSchemas, SCHEMAS_DIR, schemaRegistry } from '../helpers';

describe('kube formats (pure)', () => {
  it('reads quantities like resource.ParseQuantity', () => {
    for (const ok of ['1', '0', '500m', '1.5Gi', '2e3', '16Gi', '+1', '-1', '.5', '1.', '1E', '100Mi', '3Ei', '1e-3', '1E+2', '250u', '5n', '1k', '2T']) expect([ok, isQuantity(ok)]).toEqual([ok, true]);
    for (const bad of ['', '1 Gi', 'abc', '1.5.2', '1gi', '1KiB', '1K', '1e', '1e1.5', 'Gi', '.', '+', ' 1', '1 ', '1Mi5', '1ki']) expect([bad, isQuantity(bad)]).toEqual([bad, false]);
  });

  it('bounds int32 and int64', () => {
    expect([isInt32(2147483647), isInt32(-2147483648), isInt32(2147483648), isInt32(1.5)]).toEqual([true, true, false, false]);
    expect([isInt64(9007199254740991), isInt64(-9223372036854775808), isInt64(9223372036854775808), isInt64(1e20)]).toEqual([true, true, false, false]);
  });

  it('reads RFC 3339 date-times with calendar checks', () => {
    for (const ok of ['2026-01-02T15:04:05Z', '2024-02-29T00:00:00.123456+01:00', '2026-12-31t23:59:59z']) expect([ok, isDateTime(ok)]).toEqual([ok, true]);
    for (const bad of ['2026-01-02', '2026-01-02 15:04:05Z', '2026-13-01T00:00:00Z', '2025-02-29T00:00:00Z', '2026-01-02T24:00:00Z', '2026-01-02T15:04:05', 'yesterday']) {
      expect([bad, isDateTime(bad)]).toEqual([bad, false]);
    }
  });

  it('reads padded standard base64, skipping line breaks', () => {
    for (const ok of ['', 'aGVsbG8=', 'aGk=', 'YWJj', 'YWJj\nZGVm', 'a+/=']) expect([ok, isBase64(ok)]).toEqual([ok, true]);
    for (const bad of ['hello!', 'aGVsbG8', 'aGk', 'a=bc', 'YW-j', '====']) expect([bad, isBase64(bad)]).toEqual([bad, false]);
  });

  it('reads IPs and CIDRs like Go net.ParseIP / ParseCIDR', () => {
    expect(['10.0.0.1', '255.255.255.255', '0.0.0.0'].map(isIPv4)).toEqual([true, true, true]);
    expect(['256.0.0.1', '10.0.0', '010.0.0.1', '10.0.0.1/8', 'a.b.c.d'].map(isIPv4)).toEqual([false, false, false, false, false]);
    expect(['::', '::1', 'fd00::1', '2001:db8:0:0:0:0:0:1', '::ffff:10.0.0.1', '1:2:3:4:5:6:7::'].map(isIPv6)).toEqual([true, true, true, true, true, true]);
    expect(['1:2:3:4:5:6:7:8:9', '1::2::3', 'fd00::g', '10.0.0.1', 'fe80::1%eth0'].map(isIPv6)).toEqual([false, false, false, false, false]);
    expect(['10.0.0.0/16', '10.0.0.1/32', 'fd00::/64', '::/0'].map(isCidr)).toEqual([true, true, true, true]);
    expect(['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/x', '10.0.0/8'].map(isCidr)).toEqual([false, false, false, false, false]);
  });

  it('normalises format names the way the API server does and ignores the ones it does not check', () => {
    expect(enforcedFormat('date-time')).toBe('date-time');
    expect(enforcedFormat('datetime')).toBe('date-time');
    expect(enforcedFormat('idn-hostname')).toBeUndefined();
    expect(enforcedFormat('double')).toBeUndefined();
  });
});

/** Every `format` keyword in the upstream CRDs and swagger files. */
function formatsUsedUpstream(dir: string): Set<string> {
  const found = new Set<string>();
  const visit = (n: unknown, inProps = false): void => {
    if (Array.isArray(n)) return n.forEach((x) => visit(x));
    if (n === null || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n as Record<string, unknown>)) {
      if (!inProps && (k === 'default' || k === 'example' || k === 'enum')) continue;
      if (!inProps && k === 'format' && typeof v === 'string') found.add(v);
      else visit(v, !inProps && (k === 'properties' || k === 'definitions' || k === 'patternProperties'));
    }
  };
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name === 'swagger.json') visit(JSON.parse(fs.readFileSync(abs, 'utf8')));
      else if (/\.ya?ml$/.test(e.name)) {
        const text = fs.readFileSync(abs, 'utf8');
        if (!/^kind: CustomResourceDefinition$/m.test(text)) continue;
        // Cheap and enough here: the keyword is always written `format: <name>` on its own line.
        for (const m of text.matchAll(/^\s+format: (\S+)$/gm)) found.add(m[1]!);
      }
    }
  };
  walk(dir);
  return found;
}

describeWithSchemas('formats in validation', () => {
  it('knows every format the upstream schemas use: each is checked or deliberately ignored', () => {
    const unknown = [...formatsUsedUpstream(SCHEMAS_DIR!)].filter((f) => !enforcedFormat(f) && !IGNORED_FORMATS.has(f)).sort();
    expect(unknown).toEqual([]);
  });

  const pod = (limits: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [{ name: 'c', image: 'i', resources: { limits } }] },
  });
  const pytorch = (limits: Record<string, unknown>) => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name: 'j', namespace: 'ns' },
    spec: { pytorchReplicaSpecs: { Master: { template: { spec: { containers: [{ name: 'c', image: 'i', resources: { limits } }] } } } } },
  });

  it('checks resource.Quantity in built-in kinds against the quantity grammar', () => {
    const r = schemaRegistry()!;
    expect(validateDocument(r, pod({ cpu: '500m', memory: '16Gi', 'nvidia.com/gpu': 1, 'ephemeral-storage': '2e3' }), 'f', 0)).toEqual([]);
    const f = validateDocument(r, pod({ cpu: '1.5.2', memory: '1 Gi', 'nvidia.com/gpu': 'abc' }), 'pod.yaml', 0);
    expect(f.map((x) => x.pointer)).toEqual(['/spec/containers/0/resources/limits/cpu', '/spec/containers/0/resources/limits/memory', '/spec/containers/0/resources/limits/nvidia.com~1gpu']);
    expect(f[1]!.message).toMatch(/^must be a Kubernetes quantity: .*such as 2, 500m, 1\.5Gi.*; got "1 Gi"$/);
  });

  it('checks quantities in CRDs with the grammar, not only the looser upstream pattern', () => {
    const r = schemaRegistry()!;
    expect(validateDocument(r, pytorch({ cpu: '500m', memory: '1.5Gi', 'nvidia.com/gpu': 2 }), 'f', 0)).toEqual([]);
    const f = validateDocument(r, pytorch({ cpu: '1e1.5', memory: '1 Gi' }), 'f', 0);
    expect(f.map((x) => [x.pointer.split('/').pop(), x.message.slice(0, 32)])).toEqual([
      ['cpu', 'must be a Kubernetes quantity: a'],
      ['memory', 'must be a Kubernetes quantity: a'],
    ]);
  });

  it('checks int32 ranges, date-times, base64, CIDRs and IPv4 addresses where the schemas say so', () => {
    const r = schemaRegistry()!;
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { replicas: 3000000000, selector: {}, template: {} } };
    expect(validateDocument(r, deploy, 'f', 0)).toEqual([{ file: 'f', document: 0, pointer: '/spec/replicas', message: 'must be a 32-bit integer (-2147483648 to 2147483647); got 3000000000' }]);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, data: { ok: 'aGk=', bad: 'hi there' } };
    expect(validateDocument(r, secret, 'f', 0).map((x) => [x.pointer, x.message])).toEqual([['/data/bad', `must be base64 (standard alphabet, padded with '='); encode the bytes with base64; got "hi there"`]]);
    const meta = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', creationTimestamp: 'yesterday' } };
    expect(validateDocument(r, meta, 'f', 0).map((x) => x.pointer)).toEqual(['/metadata/creationTimestamp']);
    expect(validateDocument(r, { ...meta, metadata: { name: 'c', namespace: 'ns', creationTimestamp: null } }, 'f', 0)).toEqual([]);
    const cnp = (cidr: string) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x', namespace: 'y' }, spec: { endpointSelector: {}, egress: [{ toCIDR: [cidr] }] } });
    expect(validateDocument(r, cnp('10.0.0.0/8'), 'f', 0)).toEqual([]);
    expect(validateDocument(r, cnp('10.0.0.0/40'), 'f', 0).map((x) => x.message)).toContain('must be a CIDR such as 10.0.0.0/16 or fd00::/64; got "10.0.0.0/40"');
  });
});
