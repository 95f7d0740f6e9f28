import { itWithSchemas } from '../helpers';
import { GpuOperatorStack, TenantIsolation } from '../../constructs';
import { deviceClass, draApiVersion, kubernetesMinor, resourceClaimTemplate } from '../../lib/gpu/dra';
import { SchemaRegistry } from '../../lib/validate/schemas';
import { formatFailure, validateDocument } from '../../lib/validate/validate';
import { SCHEMAS, buildTestFleet } from './fixtures';

describe('DRA API version by Kubernetes minor', () => {
  test.each([
    ['1.34', 'resource.k8s.io/v1'],
    ['v1.35.1', 'resource.k8s.io/v1'],
    ['1.36.3+k0s.2', 'resource.k8s.io/v1'],
    ['1.33', 'resource.k8s.io/v1beta1'],
    ['v1.32.4', 'resource.k8s.io/v1beta1'],
  ])('%s -> %s', (version, apiVersion) => {
    expect(draApiVersion(version, 'dra')).toEqual({ apiVersion, issues: [] });
  });

  test('older clusters and non-versions are errors', () => {
    expect(draApiVersion('1.31', 'dra.kubernetesVersion').issues[0]!.message).toContain('needs Kubernetes 1.32 or later');
    expect(draApiVersion('latest', 'dra.kubernetesVersion').issues[0]!.message).toContain("'latest' is not a Kubernetes version");
    expect(kubernetesMinor('2.0')).toBeUndefined();
  });

  itWithSchemas.each([
    ['v1.34', '1.34'],
    ['v1.32', '1.32'],
  ])('DeviceClass and ResourceClaimTemplate validate against the %s API', (swagger, k8s) => {
    const registry = SchemaRegistry.load(SCHEMAS, { kubernetesVersions: [swagger] });
    const v = draApiVersion(k8s, 'x').apiVersion!;
    for (const vendor of ['nvidia', 'amd'] as const) {
      const dc = deviceClass(v, vendor, { a: 'b' });
      const rct = resourceClaimTemplate(v, { name: 'gpu', namespace: 'team', vendor, count: 2, labels: {} });
      expect(validateDocument(registry, dc, 'dc', 0).map(formatFailure)).toEqual([]);
      expect(validateDocument(registry, rct, 'rct', 0).map(formatFailure)).toEqual([]);
    }
  });

  itWithSchemas('a v1 claim in v1beta1 shape (and the other way round) fails validation, so the shape check can fail', () => {
    const registry = SchemaRegistry.load(SCHEMAS, { kubernetesVersions: ['v1.34'] });
    const wrong = { ...resourceClaimTemplate('resource.k8s.io/v1beta1', { name: 'gpu', namespace: 't', vendor: 'amd', count: 1, labels: {} }), apiVersion: 'resource.k8s.io/v1' };
    expect(validateDocument(registry, wrong, 'rct', 0).length).toBeGreaterThan(0);
  });
});

describe('DRA in the stack', () => {
  test('an AMD cluster on 1.34 gets a v1 DeviceClass, a claim template per namespace tenant, and the DRA driver instead of the device plugin', () => {
    const { atlanta } = buildTestFleet({ atlanta: { dra: { kubernetesVersion: '1.34' }, tenants: { team: { isolation: TenantIsolation.namespace({ gpus: 4 }) } } } });
    const dc = atlanta.plan.objects.find((o) => o.kind === 'DeviceClass')!;
    expect(dc).toMatchObject({ apiVersion: 'resource.k8s.io/v1', metadata: { name: 'k0smos-amd-gpu' } });
    expect(atlanta.plan.objects.find((o) => o.kind === 'ResourceClaimTemplate')).toMatchObject({ apiVersion: 'resource.k8s.io/v1', metadata: { namespace: 'team', name: 'gpu' } });
    const config = atlanta.plan.objects.find((o) => o.kind === 'DeviceConfig') as unknown as { spec: Record<string, any> };
    expect(config.spec.draDriver).toMatchObject({ enable: true });
    expect(config.spec.devicePlugin.enableDevicePlugin).toBe(false);
    // With the device plugin off, the tenant's quota counts the devices of the DeviceClass, not amd.com/gpu.
    expect(atlanta.plan.objects.find((o) => o.kind === 'ResourceQuota')).toMatchObject({ spec: { hard: { 'k0smos-amd-gpu.deviceclass.resource.k8s.io/devices': '4' } } });
  });

  test('on 1.32 the objects are v1beta1', () => {
    const { atlanta } = buildTestFleet({ atlanta: { dra: { kubernetesVersion: 'v1.32.9' } } });
    expect(atlanta.plan.objects.filter((o) => o.apiVersion.startsWith('resource.k8s.io')).map((o) => `${o.apiVersion} ${o.kind}`)).toEqual(['resource.k8s.io/v1beta1 DeviceClass']);
  });

  test('on 1.31 it is an error', () => {
    // Reported at synth with the fleet's other problems (the stack stays inert).
    expect(() => buildTestFleet({ atlanta: { dra: { kubernetesVersion: '1.31' } } }).fleet.resolve()).toThrow(/atlanta\/gpu: dra.kubernetesVersion: Dynamic Resource Allocation needs Kubernetes 1.32 or later/);
  });

  test('GpuOperatorStack.scheduling is what a pod for one vendor sets', () => {
    expect(GpuOperatorStack.scheduling('amd')).toEqual({ nodeSelector: { 'k0smos.io/gpu-vendor': 'amd' }, tolerations: [{ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] });
  });
});
