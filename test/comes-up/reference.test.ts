/**
 * Issue 11 acceptance: the reference fleet comes up. Its synthesized tree is applied, cluster by
 * cluster and folder by folder, to a model of each cluster (simulate.ts): only the CRDs of the add-ons
 * the cluster installs, its node pools with their labels, taints and advertised GPU resources. Every
 * kind must have its CRD when applied and every pod a node that can take it.
 */
import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildReferenceFleet, referenceFleetSpec } from '../../apps/reference-fleet';
import { loadHighs } from '../../lib/placement/highs';
import { SCHEMAS_DIR, describeWithSchemas, tmpDir } from '../helpers';
import { simulate, type Simulation } from './simulate';
import { readTreeFromDir } from './tree';

describeWithSchemas('reference fleet comes up (cluster simulator)', () => {
  let sim: Simulation;
  beforeAll(async () => {
    const out = path.join(tmpDir(), 'dist');
    buildReferenceFleet(new App()).synth({ outdir: out, highs: await loadHighs() });
    sim = simulate(readTreeFromDir(out), referenceFleetSpec, { schemasDir: SCHEMAS_DIR! });
  });

  it('reads every cluster of the fleet from the output: its folders, installs and nodes', () => {
    const c = (name: string) => sim.clusters.find((x) => x.name === name)!;
    expect(sim.clusters.map((x) => [x.name, x.mode, x.management])).toEqual([
      ['frankfurt', 'standalone', true],
      ['quebec', 'hosted', false],
      ['atlanta', 'k0rdent', false],
    ]);
    // The management folder applies to Frankfurt, after its own folder(s).
    expect(c('frankfurt').folders[0]).toMatch(/^sites\/frankfurt\/frankfurt/);
    expect(c('frankfurt').folders.some((f) => f.startsWith('management'))).toBe(true);
    expect(c('quebec').folders.every((f) => f.startsWith('sites/quebec/quebec'))).toBe(true);
    // Nodes: three controller+worker hosts in Frankfurt, six joined workers in Quebec, two machines in Atlanta.
    expect(sim.clusters.map((x) => x.nodes.map((n) => n.pool ?? '?').sort())).toEqual([
      ['mgmt', 'mgmt', 'mgmt'],
      ['a100', 'a100', 'a100-mig', 'a100-mig', 'cpu', 'cpu'],
      ['mi300x', 'mi300x'],
    ]);
    for (const x of sim.clusters) expect(x.installs.some((i) => i.includes('(chart cilium)'))).toBe(true);
    // Quebec's MIG pool advertises MIG slices from the mig-parted config its nodes are labelled with.
    const mig = c('quebec').nodes.find((n) => n.pool === 'a100-mig')!;
    expect(Object.keys(mig.allocatable).filter((r) => r.startsWith('nvidia.com/')).sort()).toEqual(['nvidia.com/mig-1g.10gb', 'nvidia.com/mig-2g.20gb', 'nvidia.com/mig-3g.40gb']);
  });

  it('every kind has its CRD when it is applied, every pod a node, every cluster room for system pods', () => {
    expect(sim.failures).toEqual([]);
  });
});
