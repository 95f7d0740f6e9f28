import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import { Fleet, type SiteProps } from '../../constructs';
import { ValidationError } from '../../lib/model/errors';
import { DEFAULT_FLUX_SHARDS, fluxShard } from '../../lib/gitops/engines';
import { buildReferenceFleet, referenceFleetSpec } from '../../apps/reference-fleet';
import { itWithSchemas, schemaRegistry } from '../helpers';
import { validateYamlText } from '../../lib/validate/validate';

describe('Fleet and Site constructs', () => {
  it('writes a folder per cluster and one for the management plane, with the site facts as labels', () => {
    const tree = buildReferenceFleet(new App()).toTree();
    const folders = [...tree.keys()].filter((k) => k.endsWith('kustomization.yaml')).map((k) => k.replace(/\/kustomization\.yaml$/, ''));
    // Each folder that holds objects has infra/ and apps/; management/ is an index of the management folders.
    // The reference fleet's Flux wiring adds one shard folder per shard in use (management/flux/<shard>, docs/gitops.md).
    const shards = ['atlanta', 'frankfurt', 'quebec'].map((c) => `management/flux/${fluxShard(c, DEFAULT_FLUX_SHARDS)}`).sort();
    const withParts = ['management/clusters/atlanta', 'management/clusters/frankfurt', 'management/clusters/quebec', 'management/fleet', ...shards, 'sites/atlanta/atlanta', 'sites/frankfurt/frankfurt', 'sites/quebec/quebec'];
    const m = 4 + shards.length;
    expect(folders).toEqual([...withParts.slice(0, m).flatMap((f) => [`${f}/apps`, `${f}/infra`, f]), 'management', ...withParts.slice(m).flatMap((f) => [`${f}/apps`, `${f}/infra`, f])]);
    const ns = parse(tree.get('sites/quebec/quebec/infra/namespace_k0smos-system.yaml')!);
    expect(ns.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'cdk8s-k0smos',
      'k0smos.io/cluster': 'quebec',
      'k0smos.io/fleet': 'geo',
      'k0smos.io/gpu-vendor.nvidia': 'true',
      'k0smos.io/jurisdiction': 'CA',
      'k0smos.io/region': 'ca-east',
      'k0smos.io/site': 'quebec',
    });
    const inv = parse(tree.get('management/clusters/atlanta/apps/configmap_k0smos-system_cluster-atlanta.yaml')!);
    expect(inv.metadata.labels['k0smos.io/gpu-vendor.amd']).toBe('true');
    expect(parse(inv.data['nodePools.yaml'])).toEqual([{ name: 'mi300x', count: 2, cpu: 96, memoryGiB: 1536, gpus: { vendor: 'amd', model: 'MI300X', count: 8, memoryGiB: 192 } }]);
  });

  itWithSchemas('puts user objects (cdk8s-plus included) into the folder of the chart they are added to', () => {
    const fleet = buildReferenceFleet(new App());
    const chart = fleet.site('quebec').cluster();
    new kplus.Deployment(chart, 'web', { metadata: { name: 'web', namespace: 'apps' }, containers: [{ image: 'nginx:1.27', portNumber: 80, securityContext: { ensureNonRoot: false } }] });
    const tree = fleet.toTree();
    const file = tree.get('sites/quebec/quebec/apps/deployment_apps_web.yaml');
    expect(file).toBeDefined();
    expect(parse(tree.get('sites/quebec/quebec/apps/kustomization.yaml')!).resources).toContain('deployment_apps_web.yaml');
    expect(validateYamlText(schemaRegistry()!, file!, 'deployment_apps_web.yaml')).toEqual([]);
  });

  it('names objects given no name from the construct ids below their chart, never from a hash', () => {
    const fleet = buildReferenceFleet(new App());
    const chart = fleet.site('frankfurt').cluster();
    const web = new kplus.Deployment(chart, 'web', { metadata: { namespace: 'apps' }, containers: [{ image: 'nginx:1.27', portNumber: 80, securityContext: { ensureNonRoot: false } }] });
    web.exposeViaService();
    const files = [...fleet.toTree().keys()].filter((k) => k.startsWith('sites/frankfurt/frankfurt/') && k.includes('_apps_'));
    expect(files).toEqual(['sites/frankfurt/frankfurt/apps/deployment_apps_web.yaml', 'sites/frankfurt/frankfurt/apps/service_apps_web-service.yaml']);
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

  it('refuses an object written both to the management plane and to the management cluster\'s own folder, naming both', () => {
    const fleet = buildReferenceFleet(new App());
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } };
    new ApiObject(fleet.management, 'monitoring', ns);
    new ApiObject(fleet.site('frankfurt').cluster(), 'monitoring', ns);
    expect(() => fleet.toTree()).toThrow(
      /geo\/frankfurt\/frankfurt\/monitoring: Namespace monitoring is written to sites\/frankfurt\/frankfurt\/ here and to management\/fleet\/ by geo\/Management\/monitoring; both folders are applied to the management cluster \(sites\/frankfurt\/frankfurt\)/,
    );
    // The same Namespace in another cluster's folder has another owner in another cluster: allowed.
    const other = buildReferenceFleet(new App());
    new ApiObject(other.management, 'monitoring', ns);
    new ApiObject(other.site('quebec').cluster(), 'monitoring', ns);
    expect(other.toTree().has('sites/quebec/quebec/infra/namespace_monitoring.yaml')).toBe(true);
  });

  it('knows which cluster of the management site runs the management plane', () => {
    const site = { region: 'eu', jurisdiction: 'DE', location: { lat: 50, lon: 8 }, infrastructure: 'bare-metal' as const, nodePools: [{ name: 'a', count: 1, cpu: 8, memoryGiB: 32 }, { name: 'b', count: 1, cpu: 8, memoryGiB: 32 }] };
    const clusters = (fleet: Fleet) => fleet.managementClusters.map((c) => c.name);
    const fleetWith = (clusterEntries?: SiteProps['clusters']) => {
      const fleet = new Fleet(new App(), 'f', { managementSite: 'hq' });
      fleet.addSite('hq', { ...site, ...(clusterEntries ? { clusters: clusterEntries } : {}) });
      return fleet;
    };
    // One cluster: that one.
    expect(clusters(fleetWith())).toEqual(['hq']);
    // Several: the one named after the site.
    expect(clusters(fleetWith([{ name: 'lab', nodePools: ['a'] }, { name: 'hq', nodePools: ['b'] }]))).toEqual(['hq']);
    // A cluster the management plane creates (hosted here) cannot be the one that runs it.
    const hostedCp = { mode: 'hosted' as const, sshKeySecret: { name: 'k' }, externalAddress: '10.0.0.9', workers: [{ address: '10.0.0.3' }] };
    expect(clusters(fleetWith([{ name: 'mgmt', nodePools: ['a'] }, { name: 'tenant', nodePools: ['b'], controlPlane: hostedCp }]))).toEqual(['mgmt']);
    // Undecidable: every candidate is checked as possibly the management cluster.
    expect(clusters(fleetWith([{ name: 'x', nodePools: ['a'] }, { name: 'y', nodePools: ['b'] }]))).toEqual(['x', 'y']);
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
