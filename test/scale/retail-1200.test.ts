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
import { REPO_ROOT, schemaRegistry, tmpDir } from '../helpers';

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
