import * as fs from 'node:fs';
import * as path from 'node:path';
import { fleetFileJsonSchema } from '../../lib/model/fleet-file';
import { parseFleet, validateFleet, type FleetSpec } from '../../lib/model/fleet';
import { ValidationError } from '../../lib/model/errors';
import { parseFleetText } from '../../lib/model/load';
import { referenceFleetSpec } from '../../apps/reference-fleet';
import { REPO_ROOT } from '../helpers';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function issuesOf(input: unknown): string[] {
  const r = validateFleet(input);
  if (r.ok) return [];
  return r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('fleet model', () => {
  it('resolves defaults and derived values', () => {
    const fleet = parseFleet(referenceFleetSpec);
    expect(fleet.name).toBe('geo');
    expect(fleet.management).toMatchObject({ site: 'frankfurt', namespace: 'kcm-system', regions: [] });
    expect(fleet.management.credentials.map((c) => c.name)).toEqual(['atlanta-ssh']);
    expect(fleet.sites.map((s) => s.name)).toEqual(['atlanta', 'frankfurt', 'quebec']);
    const quebec = fleet.sites.find((s) => s.name === 'quebec')!;
    expect(quebec.nodePools[0]!.gpus).toEqual({ vendor: 'nvidia', model: 'A100-80GB', count: 8, memoryGiB: 80 });
    expect(quebec.clusters).toEqual([expect.objectContaining({ name: 'quebec', site: 'quebec', nodePools: ['a100-mig', 'a100', 'cpu'], k0sVersion: 'v1.36.3+k0s.2' })]);
    const frankfurt = fleet.sites.find((s) => s.name === 'frankfurt')!;
    expect(frankfurt.jurisdictions).toEqual(['DE', 'EEA', 'EU']);
    expect(fleet.sites.find((s) => s.name === 'atlanta')!.nodePools[0]!.gpus!.vendor).toBe('amd');
  });

  it('names the path of a bad field and says what was given', () => {
    const spec = clone(referenceFleetSpec);
    spec.sites[1]!.nodePools[0]!.gpus!.count = 0;
    expect(issuesOf(spec)).toEqual(['sites[quebec].nodePools[a100-mig].gpus.count: must be at least 1 (got 0)']);
  });

  it('collects every error of an input, not only the first', () => {
    const spec = clone(referenceFleetSpec) as unknown as Record<string, any>;
    spec.management.site = 'frankfrut';
    spec.sites[1].jurisdiction = 'ca';
    spec.sites[1].nodePools[0].gpus.model = 'A100-80G';
    spec.sites[2].infrastructure = 'baremetal';
    spec.sites[2].nodePools[0].colour = 'red';
    spec.sites[2].rttMs = { quebek: 3 };
    spec.sites[0].location.lat = 123;
    const issues = issuesOf(spec);
    expect(issues).toEqual(
      expect.arrayContaining([
        "management.site: no site named 'frankfrut'; did you mean 'frankfurt'? (sites: atlanta, frankfurt, quebec)",
        "sites[quebec].jurisdiction: 'ca' is not an ISO 3166-1 alpha-2 country code; did you mean 'CA'? (codes are upper-case)",
        expect.stringMatching(/^sites\[quebec\]\.nodePools\[a100-mig\]\.gpus\.model: unknown GPU model 'A100-80G'; did you mean 'A100-80GB'\?/),
        expect.stringMatching(/^sites\[atlanta\]\.infrastructure: must be one of .* \(got 'baremetal'\); did you mean 'bare-metal'\?$/),
        expect.stringMatching(/^sites\[atlanta\]\.nodePools\[mi300x\]\.colour: unknown field/),
        "sites[atlanta].rttMs.quebek: no site named 'quebek'; did you mean 'quebec'?",
        'sites[frankfurt].location.lat: must be at most 90 (got 123)',
      ]),
    );
    expect(issues).toHaveLength(7);
  });

  it('throws a ValidationError whose message lists every problem', () => {
    const spec = clone(referenceFleetSpec);
    spec.sites[1]!.nodePools[0]!.cpu = -1;
    spec.sites[2]!.nodePools[0]!.count = 0;
    let err: unknown;
    try {
      parseFleet(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const msg = (err as Error).message;
    expect(msg).toContain('2 problems');
    expect(msg).toContain('sites[quebec].nodePools[a100-mig].cpu: must be greater than 0 (got -1)');
    expect(msg).toContain('sites[atlanta].nodePools[mi300x].count: must be at least 1 (got 0)');
  });

  it('rejects duplicate names, a vendor that contradicts the model, and pools in no cluster', () => {
    const spec = clone(referenceFleetSpec) as FleetSpec;
    (spec.sites as any[]).push({ ...clone(spec.sites[0]!) });
    spec.sites[2]!.nodePools[0]!.gpus = { model: 'MI300X', vendor: 'nvidia', count: 8 };
    spec.sites[1]!.clusters = [{ name: 'qc-gpu', nodePools: ['a100'] }];
    const issues = issuesOf(spec);
    expect(issues).toEqual(
      expect.arrayContaining([
        "sites[frankfurt]: site name 'frankfurt' is used more than once; give each site a unique name",
        "sites[atlanta].nodePools[mi300x].gpus.vendor: MI300X is a amd GPU (got 'nvidia'); drop vendor or fix the model",
        "sites[quebec].nodePools[cpu]: pool 'cpu' joins no cluster; list it in one cluster's nodePools",
        expect.stringMatching(/^clusters\[frankfurt\]: cluster name 'frankfurt' is used by more than one cluster/),
      ]),
    );
  });

  it('rejects a cluster pool reference that does not exist, with a suggestion', () => {
    const spec = clone(referenceFleetSpec);
    spec.sites[1]!.clusters = [{ name: 'qc', nodePools: ['a10', 'cpu'] }];
    expect(issuesOf(spec)).toContain("sites[quebec].clusters[qc].nodePools: no node pool named 'a10' in site quebec; did you mean 'a100' or 'a100-mig'? (pools: a100-mig, a100, cpu)");
  });

  it('reads fleet.yaml into the same data as the TypeScript literal', () => {
    const fromYaml = parseFleetText(fs.readFileSync(path.join(REPO_ROOT, 'apps/fleet.yaml'), 'utf8'));
    expect(parseFleet(fromYaml)).toEqual(parseFleet(referenceFleetSpec));
  });

  it('reports YAML syntax errors with the line', () => {
    expect(() => parseFleetText('name: x\nsites: [\n  - a\n', 'bad.yaml')).toThrow(/bad\.yaml:\d+:\d+/);
  });

  it('ships an up-to-date JSON Schema for editors (npm run schema regenerates it)', () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schema/fleet.schema.json'), 'utf8'));
    // The fleet file's schema: the fleet model plus profiles, inventories and fleet workloads (issue 14).
    expect(shipped).toEqual(fleetFileJsonSchema());
    expect(shipped.properties.profiles.items.properties.nodePools.items.required).toEqual(expect.arrayContaining(['name', 'count', 'cpu', 'memoryGiB']));
    expect(shipped.properties.fleetWorkloads.items.required).toEqual(expect.arrayContaining(['name', 'select', 'image', 'resources', 'probes']));
    expect(shipped.properties.sites.items.properties.nodePools.items.required).toEqual(expect.arrayContaining(['name', 'count', 'cpu', 'memoryGiB']));
  });
});

describe('cross-cluster rules with other fields wrong', () => {
  it('still reports overlapping CIDRs and missing credentials when a site has a bad field', () => {
    const spec = JSON.parse(JSON.stringify(referenceFleetSpec));
    spec.sites[0].region = 'bad region!';
    spec.management.credentials = [];
    const issues = issuesOf(spec);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sites\[frankfurt\]\.region: must be usable as a label value/),
        expect.stringMatching(/^sites\[atlanta\]\.clusters\[atlanta\]\.controlPlane\.credential: no credential named 'atlanta-ssh'/),
      ]),
    );
  });
});
