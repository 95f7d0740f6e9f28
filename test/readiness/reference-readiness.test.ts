/**
 * Issue 11 acceptance on the reference fleet: every need of every cluster is met, each cluster's stack is
 * the one its objects call for, and `check` on the committed dist/ exits 0.
 */
import * as path from 'node:path';
import { App } from 'cdk8s';
import { main } from '../../bin/cli';
import { buildReferenceFleet } from '../../apps/reference-fleet';

interface ReportCluster {
  cluster: string;
  management: boolean;
  installs: { name: string; order: number; dependsOn: string[]; reason: string }[];
  bundles: { name: string }[];
  unresolved: unknown[];
  assumes: { secrets: string[]; present: string[] };
}

describe('reference fleet readiness', () => {
  const tree = buildReferenceFleet(new App()).toTree();
  const report = JSON.parse(tree.get('readiness.json')!) as { ready: boolean; clusters: ReportCluster[] };
  const stack = (c: string) => report.clusters.find((x) => x.cluster === c)!;
  const names = (c: string) => stack(c).installs.map((a) => a.name).sort();

  it('is ready: nothing unresolved in any cluster', () => {
    expect(report.ready).toBe(true);
    for (const c of report.clusters) expect(c.unresolved).toEqual([]);
  });

  it('Frankfurt, the management cluster, installs kcm, storage for the hosted etcds and the SuperLink, and MetalLB; no second cert-manager', () => {
    expect(stack('frankfurt').management).toBe(true);
    expect(names('frankfurt')).toEqual(['cilium', 'kcm', 'metallb', 'openebs-localpv']);
    expect(stack('frankfurt').assumes.present).toEqual(expect.arrayContaining(['secret:kcm-system/cilium-ca-manifest', 'secret:kcm-system/cilium-ca-values']));
  });

  it('Quebec installs what its ScaledObject and InferenceService need, cert-manager before KServe', () => {
    expect(names('quebec')).toEqual(['cert-manager', 'cilium', 'gpu-operator', 'keda', 'kserve', 'kserve-crd', 'metallb']);
    const kserve = stack('quebec').installs.find((a) => a.name === 'kserve')!;
    const certManager = stack('quebec').installs.find((a) => a.name === 'cert-manager')!;
    expect(kserve.dependsOn).toEqual(['cert-manager', 'kserve-crd']);
    expect(kserve.order).toBeGreaterThan(certManager.order);
  });

  it('Atlanta gets cert-manager before the AMD operator, KEDA, and the training operator bundle for its PyTorchJob', () => {
    expect(names('atlanta')).toEqual(['amd-gpu-operator', 'cert-manager', 'cilium', 'keda', 'metallb']);
    expect(stack('atlanta').installs.find((a) => a.name === 'amd-gpu-operator')!.dependsOn).toEqual(['cert-manager']);
    expect(stack('atlanta').bundles.map((b) => b.name)).toEqual(['kubeflow-training-operator']);
  });

  it('READINESS.md shows each cluster with its installs in order', () => {
    const md = tree.get('READINESS.md')!;
    for (const c of ['atlanta', 'frankfurt', 'quebec']) expect(md).toContain(`## ${c} (site ${c}`);
    expect(md.indexOf('| cert-manager |', md.indexOf('## quebec'))).toBeLessThan(md.indexOf('| kserve |', md.indexOf('## quebec')));
  });

  it('check on the committed dist/ exits 0', async () => {
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['check', path.join(__dirname, '..', '..', 'dist')])).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });
});
