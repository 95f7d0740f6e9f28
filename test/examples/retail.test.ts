/**
 * The retail example of issue 14 (examples/retail/): the TypeScript fleet (profile + CSV inventory + fleet
 * workload) and the fleet.yaml with the same CSV synthesize to identical trees, file by file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { Fleet } from '../../constructs';
import { readFleetFile, readInventoryCsv } from '../../lib/model/load';
import type { FileTree } from '../../lib/synth/render';
import { retailFleet } from '../../examples/retail/retail';
import { storesCsv } from '../../examples/retail/generate-stores';
import { REPO_ROOT, SCHEMAS_DIR, itWithSchemas, tmpDir, treeFailures } from '../helpers';
import { simulate } from '../comes-up/simulate';
import { EXIT, main } from '../../bin/cli';

const DIR = path.join(REPO_ROOT, 'examples', 'retail');

/** The example's fleet.yaml beside the first `count` rows of its CSV, in a temporary folder. */
function smallCopy(count: number): string {
  const dir = tmpDir('k0smos-retail-');
  fs.copyFileSync(path.join(DIR, 'fleet.yaml'), path.join(dir, 'fleet.yaml'));
  fs.writeFileSync(path.join(dir, 'stores.csv'), storesCsv(count));
  return dir;
}

function differences(a: FileTree, b: FileTree): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) out.push(k);
  return out.sort();
}

describe('retail example, 20 stores', () => {
  const dir = smallCopy(20);
  const fromTs = retailFleet(new App(), readInventoryCsv(path.join(dir, 'stores.csv'), 'stores.csv')).toTree();
  const fromYaml = Fleet.fromSpec(new App(), 'fleet', readFleetFile(path.join(dir, 'fleet.yaml'))).toTree();

  it('TypeScript and fleet.yaml + CSV give identical trees', () => {
    expect(fromTs.size).toBeGreaterThan(50);
    expect(differences(fromTs, fromYaml)).toEqual([]);
  });

  it('every store gets its cluster, its k0sctl.yaml and the vision service; the GPU store gets the CUDA image and one L4', () => {
    const stores = [...fromTs.keys()].filter((k) => /^sites\/store-\d{4}\/store-\d{4}\/k0sctl\.yaml$/.test(k));
    expect(stores).toHaveLength(20);
    const cpu = parse(fromTs.get('sites/store-0001/store-0001/apps/deployment_shelf-vision_shelf-vision.yaml')!);
    const c = cpu.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.example.com/retail/shelf-vision:2.3.0-cpu');
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '4Gi' } });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz/ready', port: 8080 });
    expect(cpu.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const gpu = parse(fromTs.get('sites/store-0020/store-0020/apps/deployment_shelf-vision_shelf-vision.yaml')!);
    const g = gpu.spec.template.spec.containers[0];
    expect(g.image).toBe('registry.example.com/retail/shelf-vision:2.3.0-cuda');
    expect(g.resources.limits['nvidia.com/gpu']).toBe('1');
    // One L4 per store: the old pod goes before the new one starts.
    expect(gpu.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 1, maxSurge: 0 });
    const k0sctl = parse(fromTs.get('sites/store-0020/store-0020/k0sctl.yaml')!);
    expect(k0sctl.spec.hosts.map((h: { role: string; ssh: { address: string } }) => [h.role, h.ssh.address])).toEqual([
      ['controller+worker', '10.64.20.11'],
      ['worker', '10.64.20.12'],
    ]);
    // The two-node choice and what it survives are in each store's readiness section.
    expect(fromTs.get('READINESS.md')).toMatch(/controller-plus-worker/);
    const config = parse(fromTs.get('sites/store-0003/store-0003/apps/configmap_shelf-vision_shelf-vision.yaml')!);
    expect(config.data['store.yaml']).toContain('store: store-0003');
  });

  itWithSchemas('conforms to the schemas, file by file', () => {
    expect(treeFailures(fromTs)).toEqual([]);
  });

  itWithSchemas('every cluster comes up: the GPU stores install the GPU operator, every pod finds a node', () => {
    const fleet = retailFleet(new App(), readInventoryCsv(path.join(dir, 'stores.csv'), 'stores.csv'));
    const sim = simulate(fromTs, fleet.toSpec(), { schemasDir: SCHEMAS_DIR! });
    expect(sim.failures).toEqual([]);
  });
});

test('the CLI synthesizes the fleet.yaml with its CSV, and names a bad CSV cell by line and column (exit 1)', async () => {
  const dir = smallCopy(3);
  const err: string[] = [];
  const e = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(' ')));
  const l = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await main(['synth', path.join(dir, 'fleet.yaml'), '--out', path.join(dir, 'out')])).toBe(EXIT.ok);
    expect(fs.existsSync(path.join(dir, 'out', 'sites', 'store-0003', 'store-0003', 'k0sctl.yaml'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'stores.csv'), storesCsv(3).replace('store-0002,us-west,US', 'store-0002,us-west,United States'));
    expect(await main(['synth', path.join(dir, 'fleet.yaml'), '--out', path.join(dir, 'out')])).toBe(EXIT.invalid);
    expect(err.join('\n')).toMatch(/stores\.csv:3: column 'jurisdiction': 'United States' is not an ISO 3166-1 alpha-2 country code/);
  } finally {
    e.mockRestore();
    l.mockRestore();
  }
});

// The full inventory: 1,200 stores, from TypeScript and from fleet.yaml, to identical trees.
test('retail example, 1,200 stores: TypeScript and fleet.yaml + CSV give identical trees', () => {
  expect(fs.readFileSync(path.join(DIR, 'stores.csv'), 'utf8')).toBe(storesCsv(1200));
  const fromTs = retailFleet(new App(), readInventoryCsv(path.join(DIR, 'stores.csv'), 'stores.csv')).toTree();
  const fromYaml = Fleet.fromSpec(new App(), 'fleet', readFleetFile(path.join(DIR, 'fleet.yaml'))).toTree();
  expect([...fromTs.keys()].filter((k) => k.endsWith('/k0sctl.yaml'))).toHaveLength(1200);
  // 5 % of the stores run the CUDA image on their L4; every store has its own addresses (no slot pinned).
  const images = [...fromTs.entries()].filter(([k]) => k.endsWith('/apps/deployment_shelf-vision_shelf-vision.yaml')).map(([, v]) => parse(v).spec.template.spec.containers[0].image as string);
  expect(images).toHaveLength(1200);
  expect(images.filter((i) => i.endsWith('-cuda'))).toHaveLength(60);
  const plan = JSON.parse(fromTs.get('ip-plan.json')!) as { clusters: { podCIDR: string; serviceCIDR: string }[] };
  expect(plan.clusters).toHaveLength(1201);
  expect(new Set(plan.clusters.map((c) => c.podCIDR)).size).toBe(1201);
  expect(new Set(plan.clusters.map((c) => c.serviceCIDR)).size).toBe(1201);
  expect(differences(fromTs, fromYaml)).toEqual([]);
});
