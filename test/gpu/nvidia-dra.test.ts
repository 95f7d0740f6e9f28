/**
 * NVIDIA GPUs through DRA (ADDONS.md section 12): the stack installs the NVIDIA DRA driver chart in its own
 * namespace after the GPU Operator, switches the operator's device plugin off, claims GPUs from the chart's
 * DeviceClass gpu.nvidia.com, and refuses what only the device plugin does (MIG resources, time-slicing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Driver, Partitioning, TenantIsolation } from '../../constructs';
import { TrainingJob } from '../../constructs/training-job';
import { SchemaRegistry } from '../../lib/validate/schemas';
import { formatFailure, validateDocument } from '../../lib/validate/validate';
import { fileIn, itWithSchemas } from '../helpers';
import { QUEBEC_STACK, SCHEMAS, buildTestFleet, problems, schemas } from './fixtures';

const DRA = { dra: { kubernetesVersion: '1.34' } } as const;
const NLP = { 'team-nlp': { isolation: TenantIsolation.namespace({ gpus: 8 }) } };

describe('NVIDIA DRA driver', () => {
  test('installed after the GPU Operator, in its own namespace, with GPU allocation on, k0s kubelet paths and the driver root of the operator-managed driver', () => {
    const { quebec } = buildTestFleet({ quebec: { ...DRA, tenants: NLP } });
    expect(quebec.addons.map((a) => a.name)).toEqual(['gpu-operator', 'dra-driver-nvidia-gpu']);
    const dra = quebec.addons[1]!;
    expect(dra.chart).toEqual({ repo: 'oci://registry.k8s.io/dra-driver-nvidia/charts', name: 'dra-driver-nvidia-gpu', version: '0.4.1' });
    expect(dra.namespace).toBe('dra-driver-nvidia-gpu');
    expect(dra.needs).toEqual(['api:nvidia.com']);
    expect(dra.order!).toBeGreaterThan(quebec.addons[0]!.order!);
    expect(dra.values).toEqual({
      nvidiaDriverRoot: '/run/nvidia/driver',
      gpuResourcesEnabledOverride: true,
      resources: { gpus: { enabled: true }, computeDomains: { enabled: false } },
      resourceApiVersion: 'resource.k8s.io/v1',
      kubeletPlugin: { kubeletRegistrarDirectoryPath: '/var/lib/k0s/kubelet/plugins_registry', kubeletPluginsDirectoryPath: '/var/lib/k0s/kubelet/plugins' },
    });
    // The GPU Operator keeps driver, toolkit and labels; its device plugin is off (the DRA driver must not run beside it).
    expect(quebec.plan.clusterPolicySpec!.devicePlugin).toEqual({ enabled: false });
    expect((quebec.addons[0]!.values as Record<string, unknown>).devicePlugin).toEqual({ enabled: false });
    // Its namespace is written, privileged (the kubelet plugin is), and the chart's DeviceClass is not duplicated.
    const ns = quebec.plan.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'dra-driver-nvidia-gpu')!;
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(quebec.plan.objects.filter((o) => o.kind === 'DeviceClass')).toEqual([]);
    // The stack adds the DRA chart to the cluster like the operator.
    const q = quebec.node.scope as unknown as { addons: { name: string }[] };
    expect(q.addons.map((a) => a.name)).toEqual(expect.arrayContaining(['gpu-operator', 'dra-driver-nvidia-gpu']));
  });

  test('a host driver is found at /', () => {
    const { quebec } = buildTestFleet({ quebec: { ...DRA, nvidiaDriver: Driver.preinstalled() } });
    expect((quebec.addons[1]!.values as Record<string, unknown>).nvidiaDriverRoot).toBe('/');
  });

  itWithSchemas('every value is declared in the chart\'s values.yaml (the chart ships no values.schema.json), and the ClusterPolicy without device plugin validates', () => {
    const dir = path.join(SCHEMAS, 'nvidia-dra-driver/chart-0.4.1');
    expect(fs.existsSync(path.join(dir, 'values.schema.json'))).toBe(false);
    const upstream = parseYaml(fs.readFileSync(path.join(dir, 'values.yaml'), 'utf8'));
    const chart = parseYaml(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8'));
    const { quebec } = buildTestFleet({ quebec: DRA });
    const addon = quebec.addons.find((a) => a.name === 'dra-driver-nvidia-gpu')!;
    expect(addon.chart.name).toBe(chart.name);
    expect(addon.chart.version).toBe(chart.version);
    const paths = (v: unknown, prefix: string[] = []): string[][] =>
      v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length > 0 ? Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => paths(x, [...prefix, k])) : [prefix];
    const declared = (p: string[]) => p.reduce<unknown>((cur, k) => (cur !== null && typeof cur === 'object' && k in (cur as object) ? (cur as Record<string, unknown>)[k] : undefined), upstream) !== undefined;
    expect(paths(addon.values).filter((p) => !declared(p)).map((p) => p.join('.'))).toEqual([]);
    // Values whose type upstream fixes keep that type.
    expect(typeof upstream.gpuResourcesEnabledOverride).toBe('boolean');
    expect(typeof upstream.nvidiaDriverRoot).toBe('string');
    const cp = { apiVersion: 'nvidia.com/v1', kind: 'ClusterPolicy', metadata: { name: 'cluster-policy' }, spec: quebec.plan.clusterPolicySpec };
    expect(validateDocument(schemas(), cp, 'cluster-policy', 0).map(formatFailure)).toEqual([]);
  });

  test('Kubernetes before 1.34 is refused for NVIDIA with the reason and the fixes', () => {
    expect(problems(() => buildTestFleet({ quebec: { dra: { kubernetesVersion: '1.33' } } }))).toEqual([
      'geo/quebec/quebec/gpu: dra.kubernetesVersion: the NVIDIA DRA driver needs Kubernetes 1.34 or later (resource.k8s.io/v1; its docs ask for 1.34.2+), got 1.33: on 1.32 and 1.33 DRA is off unless its feature gates and API versions are enabled by hand. Upgrade the cluster or drop dra',
    ]);
  });

  test('MIG layouts and time-slicing (device plugin features) are refused on NVIDIA pools, each with the pool and the fixes', () => {
    expect(problems(() => buildTestFleet({ quebec: { ...QUEBEC_STACK, ...DRA } }))).toEqual([
      "geo/quebec/quebec/gpu: partitioning.a100-mig: pool 'a100-mig' has a MIG layout, but with dra its GPUs are claimed whole from DeviceClass gpu.nvidia.com and the device plugin that advertises nvidia.com/mig-<profile> is off; this stack does not write claims on mig.nvidia.com yet. Drop dra, or the MIG layout of 'a100-mig'",
    ]);
    expect(problems(() => buildTestFleet({ quebec: { ...DRA, partitioning: { a100: Partitioning.timeSlicing(4) } } }))).toEqual([
      "geo/quebec/quebec/gpu: partitioning.a100: pool 'a100' is time-sliced, which the NVIDIA device plugin does and dra switches off. Drop dra, or the time-slicing of 'a100' (under DRA, pods share a GPU by sharing one ResourceClaim)",
    ]);
  });
});

describe('claims on gpu.nvidia.com', () => {
  itWithSchemas('a namespace tenant gets a claim template on gpu.nvidia.com and a quota on its devices (not on nvidia.com/gpu, which nothing advertises)', () => {
    const { fleet } = buildTestFleet({ quebec: { ...DRA, tenants: NLP } });
    const tree = fleet.toTree();
    const rct = parseYaml(fileIn(tree, 'sites/quebec/quebec', 'resourceclaimtemplate_team-nlp_gpu.yaml'));
    expect(rct.spec.spec.devices.requests).toEqual([{ name: 'gpus', exactly: { deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 1 } }]);
    const quota = parseYaml(fileIn(tree, 'sites/quebec/quebec', 'resourcequota_team-nlp_gpu-quota.yaml'));
    expect(quota.spec.hard).toEqual({ 'gpu.nvidia.com.deviceclass.resource.k8s.io/devices': '8' });
    const registry = SchemaRegistry.load(SCHEMAS, { kubernetesVersions: ['v1.34'] });
    expect(validateDocument(registry, rct, 'rct', 0).map(formatFailure)).toEqual([]);
    expect(validateDocument(registry, quota, 'quota', 0).map(formatFailure)).toEqual([]);
  });

  itWithSchemas('draRequest: a workload\'s pods claim one GPU per claim from a template in their namespace, on NVIDIA nodes', () => {
    const { fleet, quebec } = buildTestFleet({ quebec: DRA });
    const job = new TrainingJob(fleet, 'ft', { target: { site: 'quebec' }, namespace: 'training', image: 'i', replicas: 2, gpusPerReplica: 2, gpuRequest: quebec.draRequest({ namespace: 'training' }) });
    const pod = (job.objects[0]!.spec as any).pytorchReplicaSpecs.Master.template.spec;
    expect(pod.resourceClaims).toEqual([
      { name: 'gpu-0', resourceClaimTemplateName: 'k0smos-nvidia-gpu' },
      { name: 'gpu-1', resourceClaimTemplateName: 'k0smos-nvidia-gpu' },
    ]);
    expect(pod.containers[0].resources.claims).toEqual([{ name: 'gpu-0' }, { name: 'gpu-1' }]);
    expect(pod.containers[0].resources.limits ?? {}).not.toHaveProperty('nvidia.com/gpu');
    expect(pod.nodeSelector).toMatchObject({ 'k0smos.io/gpu-vendor': 'nvidia' });
    const tree = fleet.toTree();
    const rct = parseYaml(fileIn(tree, 'sites/quebec/quebec', 'resourceclaimtemplate_training_k0smos-nvidia-gpu.yaml'));
    expect(rct.spec.spec.devices.requests[0].exactly).toEqual({ deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 1 });
    const registry = SchemaRegistry.load(SCHEMAS, { kubernetesVersions: ['v1.34'] });
    expect(validateDocument(registry, rct, 'rct', 0).map(formatFailure)).toEqual([]);
    // Asking twice for the same namespace writes one template.
    quebec.draRequest({ namespace: 'training' });
    expect([...fleet.toTree().keys()].filter((k) => k.includes('resourceclaimtemplate') && k.includes('training'))).toHaveLength(1);
  });

  test('draRequest is refused without dra, for another cluster, and for a bad namespace', () => {
    const plain = buildTestFleet();
    expect(() => plain.quebec.draRequest({ namespace: 'training' })).toThrow(/geo\/quebec\/quebec\/gpu: draRequest needs the stack to allocate GPUs with DRA; set dra/);
    const { fleet, quebec } = buildTestFleet({ quebec: DRA });
    expect(() => quebec.draRequest({ namespace: 'Training' })).toThrow(/namespace 'Training' is not a namespace name/);
    const req = quebec.draRequest({ namespace: 'training' });
    expect(() => new TrainingJob(fleet, 'elsewhere', { target: { site: 'atlanta' }, image: 'i', gpusPerReplica: 1, gpuRequest: req })).toThrow(/draRequest\(\{ namespace: 'training' \}\) is for cluster 'quebec', used for atlanta\/atlanta/);
  });
});
