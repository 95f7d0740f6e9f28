/**
 * A GpuOperatorStack installs its operator charts into its cluster itself, and says what they provide and
 * need, so the readiness resolver can order them and install what they need (cert-manager for AMD).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { K0sCluster } from '../../constructs';
import { itWithSchemas } from '../helpers';
import { SCHEMAS, buildTestFleet, problems, quebecSite } from './fixtures';

describe('the stack attaches its add-ons to its cluster', () => {
  test('without any loop, each cluster installs its stack\'s operator: Quebec (hosted, k0s extensions), Atlanta (k0rdent services)', () => {
    const { fleet, quebec, atlanta } = buildTestFleet();
    const q = fleet.site('quebec').cluster() as K0sCluster;
    const a = fleet.site('atlanta').cluster() as K0sCluster;
    expect(q.addons.map((x) => x.name)).toContain('gpu-operator');
    expect(a.addons.map((x) => x.name)).toContain('amd-gpu-operator');
    // What the cluster installs is what the stack shows.
    expect(q.addons.find((x) => x.name === 'gpu-operator')).toEqual(quebec.addons[0]);
    expect(a.addons.find((x) => x.name === 'amd-gpu-operator')).toEqual(atlanta.addons[0]);

    const tree = fleet.toTree();
    const cp = parseYaml(tree.get('management/clusters/quebec/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_quebec.yaml')!);
    const charts = cp.spec.k0sConfig.spec.extensions.helm.charts as { name: string; namespace: string }[];
    expect(charts.filter((c) => c.name === 'gpu-operator')).toEqual([expect.objectContaining({ namespace: 'gpu-operator' })]);
    const cd = parseYaml(tree.get('management/clusters/atlanta/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_atlanta.yaml')!);
    expect((cd.spec.serviceSpec.services as { name: string }[]).filter((s) => s.name === 'amd-gpu-operator')).toHaveLength(1);
  });

  test('a user who still loops over stack.addons gets an error that says the stack installs them itself', () => {
    const { fleet, quebec } = buildTestFleet();
    const q = fleet.site('quebec').cluster() as K0sCluster;
    expect(() => {
      for (const addon of quebec.addons) q.addAddon(addon);
    }).toThrow("geo/quebec/quebec: add-on 'gpu-operator' is installed by GpuOperatorStack 'geo/quebec/quebec/gpu' already, which adds its add-ons to the cluster itself; remove this addAddon call (for example a loop over stack.addons)");
  });

  test('an add-on of the same name that the user added first is reported by the stack, with the fix', () => {
    const site = quebecSite();
    const own = { name: 'gpu-operator', namespace: 'gpu-operator', chart: { repo: 'https://helm.ngc.nvidia.com/nvidia', name: 'gpu-operator', version: 'v25.10.0' }, values: {} };
    const lines = problems(() => buildTestFleet({ quebecSite: { ...site, clusters: site.clusters!.map((c) => ({ ...c, addons: [own] })) } as typeof site }));
    expect(lines).toEqual(["geo/quebec/quebec/gpu: cluster 'quebec' has add-ons named 'gpu-operator' already; the GPU operator stack installs that chart itself: remove the cluster's own"]);
  });

  test('stack.addons is a read-only view', () => {
    const { quebec } = buildTestFleet();
    const view = quebec.addons as unknown as unknown[];
    expect(Object.isFrozen(view)).toBe(true);
    expect(() => view.push({})).toThrow(TypeError);
    expect(quebec.addons).toHaveLength(1);
  });
});

describe('what the GPU add-ons provide and need', () => {
  test('NVIDIA provides api:nvidia.com and needs nothing; AMD provides api:amd.com and needs cert-manager, which the stack does not install', () => {
    const { fleet, quebec, atlanta } = buildTestFleet();
    expect(quebec.addons.map((a) => ({ name: a.name, provides: a.provides, needs: a.needs }))).toEqual([{ name: 'gpu-operator', provides: ['api:nvidia.com'], needs: undefined }]);
    expect(atlanta.addons.map((a) => ({ name: a.name, provides: a.provides, needs: a.needs }))).toEqual([{ name: 'amd-gpu-operator', provides: ['api:amd.com'], needs: ['api:cert-manager.io'] }]);
    // cert-manager comes from the resolver (from the need), never from the stack.
    const atlantaAddons = (fleet.site('atlanta').cluster() as K0sCluster).addons.map((a) => a.name);
    expect(atlantaAddons.some((n) => n.includes('cert-manager'))).toBe(false);
  });

  /** API groups of the CRD files in a schemas folder. */
  function crdGroups(dir: string): string[] {
    const groups = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => (parseYaml(fs.readFileSync(path.join(dir, f), 'utf8')) as { spec: { group: string } }).spec.group);
    return [...new Set(groups)].sort();
  }

  itWithSchemas('every API group the operators reconcile is provided: the groups of the upstream CRDs (resource.nvidia.com only with the DRA driver)', () => {
    const { quebec, atlanta } = buildTestFleet();
    expect(crdGroups(path.join(SCHEMAS, 'amd-gpu-operator/crds'))).toEqual(['amd.com']);
    expect(atlanta.addons[0]!.provides).toEqual(crdGroups(path.join(SCHEMAS, 'amd-gpu-operator/crds')).map((g) => `api:${g}`));
    // The GPU Operator chart carries the ComputeDomain CRDs too, but only the DRA driver reconciles them.
    expect(crdGroups(path.join(SCHEMAS, 'nvidia-gpu-operator/crds'))).toEqual(['nvidia.com', 'resource.nvidia.com']);
    expect(quebec.addons[0]!.provides).toEqual(['api:nvidia.com']);
  });
});
