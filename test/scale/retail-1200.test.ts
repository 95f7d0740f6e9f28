/**
 * `npm run test:scale` (issue 14): the 1,200-store retail example as a user runs it, `cdk8s-k0smos synth` of
 * examples/retail/fleet.yaml with its CSV inventory; every file validates against the upstream schemas and
 * every folder GitOps applies (each cluster folder, each cluster's management folder, the fleet-wide one)
 * builds with `kubectl kustomize`, each within a few seconds. Slow (minutes), so apart from `npm test`;
 * .ci/run runs it.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../bin/cli';
import { formatFailure, validateDirectory } from '../../lib/validate/validate';
import { App } from 'cdk8s';
import { Delivery } from '../../constructs';
import { readInventoryCsv } from '../../lib/model/load';
import { retailFleet } from '../../examples/retail/retail';
import { deliveryProblems } from '../gitops/delivery-check';
import { REPO_ROOT, schemaRegistry, tmpDir, treeFailures } from '../helpers';

const run = promisify(execFile);

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The folders a GitOps engine applies whole: cluster folders, per-cluster management folders, management/fleet. */
function appliedFolders(out: string): string[] {
  const folders: string[] = [];
  for (const site of fs.readdirSync(path.join(out, 'sites')).sort()) {
    for (const cluster of fs.readdirSync(path.join(out, 'sites', site)).sort()) folders.push(`sites/${site}/${cluster}`);
  }
  for (const c of fs.readdirSync(path.join(out, 'management', 'clusters')).sort()) folders.push(`management/clusters/${c}`);
  folders.push('management/fleet');
  return folders.filter((f) => fs.existsSync(path.join(out, f, 'kustomization.yaml')));
}

describe('the 1,200-store retail example (fleet.yaml + stores.csv)', () => {
  const out = path.join(tmpDir('k0smos-scale-'), 'dist');
  let code = -1;
  const started = Date.now();

  beforeAll(async () => {
    code = await main(['synth', path.join(REPO_ROOT, 'examples', 'retail', 'fleet.yaml'), '--out', out]);
    console.log(`synth of 1,200 stores: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('synthesizes: a cluster folder per store and hq, every store in the IP plan', () => {
    expect(code).toBe(0);
    const stores = fs.readdirSync(path.join(out, 'sites')).filter((s) => s.startsWith('store-'));
    expect(stores).toHaveLength(1200);
    const plan = JSON.parse(fs.readFileSync(path.join(out, 'ip-plan.json'), 'utf8')) as { clusters: { name: string; podCIDR: string }[] };
    expect(new Set(plan.clusters.map((c) => c.podCIDR)).size).toBe(1201);
  });

  it('every file validates against the upstream schemas', () => {
    const registry = schemaRegistry();
    if (!registry) throw new Error('schemas folder not found (set K0SMOS_SCHEMAS or provide ../shared/schemas)');
    const r = validateDirectory(registry, out);
    // About eight documents per store (its objects, its k0sctl.yaml, its management inventory) and the hq cluster's.
    expect(r.documents).toBeGreaterThan(1200 * 7);
    expect(r.failures.map(formatFailure)).toEqual([]);
  });

  (hasKubectl() ? it : it.skip)('every applied folder builds with kubectl kustomize, none slower than 5 s', async () => {
    const folders = appliedFolders(out);
    // The management index would take many seconds at this size (kustomize grows with the square of the objects): not written.
    expect(fs.existsSync(path.join(out, 'management', 'kustomization.yaml'))).toBe(false);
    expect(folders.length).toBeGreaterThan(2400);
    const failures: string[] = [];
    let slowest = { folder: '', ms: 0 };
    // Two at a time: the CI machine has two cores.
    let next = 0;
    const worker = async () => {
      while (next < folders.length) {
        const f = folders[next++]!;
        const t = Date.now();
        try {
          await run('kubectl', ['kustomize', path.join(out, f)], { maxBuffer: 64 * 1024 * 1024 });
        } catch (e) {
          failures.push(`${f}: ${(e as Error).message.split('\n')[0]}`);
        }
        const ms = Date.now() - t;
        if (ms > slowest.ms) slowest = { folder: f, ms };
      }
    };
    await Promise.all([worker(), worker()]);
    console.log(`kubectl kustomize: ${folders.length} folders, slowest ${slowest.folder} in ${(slowest.ms / 1000).toFixed(2)} s`);
    expect(failures).toEqual([]);
    expect(slowest.ms).toBeLessThan(5000);
  });
});

describe('the 1,200-store retail example delivered by each GitOps engine, 20 canary stores first, then region by region', () => {
  const CHECK = { managementCluster: 'hq', repoPath: 'dist' };
  const engines: [string, () => Delivery][] = [
    ['Flux', () => Delivery.flux()],
    ['Argo CD', () => Delivery.argoCd()],
    ['k0rdent (Flux for the management folders)', () => Delivery.k0rdent()],
  ];
  for (const [name, delivery] of engines) {
    it(`${name}: every folder delivered once, to its cluster; the wiring validates`, () => {
      const fleet = retailFleet(new App(), readInventoryCsv(path.join(REPO_ROOT, 'examples', 'retail', 'stores.csv'), 'stores.csv'), delivery());
      const tree = fleet.toTree();
      expect(deliveryProblems(tree, CHECK)).toEqual([]);
      const report = JSON.parse(tree.get('rollout.json')!) as { stages: { name: string; clusters: string[] }[] };
      expect(report.stages.map((s) => s.name)).toEqual(['canary', 'ca-east', 'ca-west', 'us-central', 'us-east', 'rest']);
      expect(report.stages[0]!.clusters).toHaveLength(20);
      expect(report.stages.reduce((n, s) => n + s.clusters.length, 0)).toBe(1201);
      const wiring = new Map([...tree].filter(([k]) => k.startsWith('management/')));
      expect(treeFailures(wiring)).toEqual([]);
    });
  }
});
