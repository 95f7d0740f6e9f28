import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import { Fleet } from '../../constructs';
import { ValidationError } from '../../lib/model/errors';
import { buildReferenceFleet, referenceFleetSpec } from '../../apps/reference-fleet';
import { itWithSchemas, schemaRegistry } from '../helpers';
import { validateYamlText } from '../../lib/validate/validate';

describe('Fleet and Site constructs', () => {
  it('writes a folder per cluster and one for the management plane, with the site facts as labels', () => {
    const tree = buildReferenceFleet(new App()).toTree();
    const folders = [...tree.keys()].filter((k) => k.endsWith('kustomization.yaml')).map((k) => k.replace(/\/kustomization\.yaml$/, ''));
    expect(folders).toEqual(['management', 'sites/atlanta/atlanta', 'sites/frankfurt/frankfurt', 'sites/quebec/quebec']);
    const ns = parse(tree.get('sites/quebec/quebec/namespace_k0smos-system.yaml')!);
    expect(ns.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'cdk8s-k0smos',
      'k0smos.io/cluster': 'quebec',
      'k0smos.io/fleet': 'geo',
      'k0smos.io/gpu-vendor.nvidia': 'true',
      'k0smos.io/jurisdiction': 'CA',
      'k0smos.io/region': 'ca-east',
      'k0smos.io/site': 'quebec',
    });
    const inv = parse(tree.get('management/configmap_k0smos-system_cluster-atlanta.yaml')!);
    expect(inv.metadata.labels['k0smos.io/gpu-vendor.amd']).toBe('true');
    expect(parse(inv.data['nodePools.yaml'])).toEqual([{ name: 'mi300x', count: 2, cpu: 96, memoryGiB: 1536, gpus: { vendor: 'amd', model: 'MI300X', count: 8, memoryGiB: 192 } }]);
  });

  itWithSchemas('puts user objects (cdk8s-plus included) into the folder of the chart they are added to', () => {
    const fleet = buildReferenceFleet(new App());
    const chart = fleet.site('quebec').cluster();
    new kplus.Deployment(chart, 'web', { metadata: { name: 'web', namespace: 'apps' }, containers: [{ image: 'nginx:1.27', portNumber: 80, securityContext: { ensureNonRoot: false } }] });
    const tree = fleet.toTree();
    const file = tree.get('sites/quebec/quebec/deployment_apps_web.yaml');
    expect(file).toBeDefined();
    expect(parse(tree.get('sites/quebec/quebec/kustomization.yaml')!).resources).toContain('deployment_apps_web.yaml');
    expect(validateYamlText(schemaRegistry()!, file!, 'deployment_apps_web.yaml')).toEqual([]);
  });

  it('names the construct path and field of a bad site prop, listing every problem', () => {
    const fleet = new Fleet(new App(), 'geo', { managementSite: 'quebec' });
    let err: ValidationError | undefined;
    try {
      fleet.addSite('quebec', {
        region: 'ca-east',
        jurisdiction: 'CAN',
        location: { lat: 46.8, lon: -71.2 },
        infrastructure: 'bare-metal',
        nodePools: [{ name: 'a100', count: 2, cpu: 64, memoryGiB: 512, gpus: { model: 'A100', count: 0 } }],
      });
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'geo/quebec: nodePools[a100].gpus.count: must be at least 1 (got 0)',
      expect.stringMatching(/^geo\/quebec: jurisdiction: 'CAN' is not an ISO 3166-1 alpha-2 country code; did you mean/),
      expect.stringMatching(/^geo\/quebec: nodePools\[a100\]\.gpus\.model: unknown GPU model 'A100'; did you mean 'A100-40GB' or 'A100-80GB'\?/),
    ]);
  });

  it('reports fleet-wide problems together at synth time', () => {
    const fleet = new Fleet(new App(), 'geo', { managementSite: 'frankfurt' });
    fleet.addSite('quebec', { region: 'ca-east', jurisdiction: 'CA', location: { lat: 46.8, lon: -71.2 }, infrastructure: 'bare-metal', nodePools: [{ name: 'n', count: 1, cpu: 4, memoryGiB: 8 }], rttMs: { atlanta: 30 } });
    expect(() => fleet.toTree()).toThrow(/geo: management\.site: no site named 'frankfurt'[\s\S]*geo: sites\[quebec\]\.rttMs\.atlanta: no site named 'atlanta'/);
  });

  it('refuses objects outside any site cluster or the management plane', () => {
    const app = new App();
    const fleet = buildReferenceFleet(app);
    new ApiObject(new Chart(fleet, 'stray'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y' } });
    expect(() => fleet.toTree()).toThrow(/geo\/stray\/cm: object is not in a site cluster or the management plane/);
  });

  it('refuses a second site of the same name', () => {
    const fleet = buildReferenceFleet(new App());
    expect(() => fleet.addSite('quebec', { region: 'x', jurisdiction: 'CA', location: { lat: 0, lon: 0 }, infrastructure: 'edge', nodePools: [{ name: 'n', count: 1, cpu: 1, memoryGiB: 1 }] })).toThrow(
      /a site named 'quebec' exists already/,
    );
  });
});

describe('site names', () => {
  it('may be any DNS label, including the names of the fleet’s own parts', () => {
    const spec = JSON.parse(JSON.stringify(referenceFleetSpec));
    const quebec = spec.sites.find((s: { name: string }) => s.name === 'quebec');
    quebec.name = 'management';
    for (const s of spec.sites) if (s.rttMs?.quebec !== undefined) { s.rttMs.management = s.rttMs.quebec; delete s.rttMs.quebec; }
    for (const w of spec.workloads ?? []) {
      if (w.pinnedSite === 'quebec') w.pinnedSite = 'management';
      if (w.latency?.to === 'quebec') w.latency.to = 'management';
    }
    const tree = Fleet.fromSpec(new App(), 'geo', spec).toTree();
    expect(tree.has('sites/management/quebec/kustomization.yaml')).toBe(true);
    expect(tree.has('management/kustomization.yaml')).toBe(true);
  });
});

describe('objects the fleet cannot place', () => {
  it('lists every object outside the fleet or outside its folders, instead of dropping them', () => {
    const app = new App();
    const fleet = buildReferenceFleet(app);
    new ApiObject(new Chart(app, 'extra'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y' } });
    const stray = new Chart(fleet, 'stray');
    new ApiObject(stray, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'y' } });
    new ApiObject(stray, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'y' } });
    let err: ValidationError | undefined;
    try {
      fleet.toTree();
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err?.issues.map((i) => i.path)).toEqual(['geo/stray/a', 'geo/stray/b', 'extra/cm']);
  });
});
