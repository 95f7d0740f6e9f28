import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildReferenceFleet } from '../../apps/reference-fleet';
import { readTree } from '../../lib/synth/writer';

describe('reference fleet (issue 4)', () => {
  const tree = buildReferenceFleet(new App()).toTree();
  const names = [...tree.keys()];

  test('Frankfurt hosts management and is bootstrapped by k0sctl; Quebec is hosted there; Atlanta is a ClusterDeployment', () => {
    expect(names).toContain('sites/frankfurt/frankfurt/k0sctl.yaml');
    expect(names).toContain('management/clusters/quebec/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_quebec.yaml');
    expect(names.filter((n) => n.startsWith('management/clusters/quebec/apps/remotemachine.'))).toHaveLength(6);
    expect(names).toContain('management/clusters/atlanta/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_atlanta.yaml');
    expect(names).toContain('management/fleet/infra/credential.k0rdent.mirantis.com_kcm-system_atlanta-ssh.yaml');
    expect(names.some((n) => n.startsWith('sites/quebec/') && /k0sctl|machine/.test(n))).toBe(false);
  });

  test('the committed dist/ holds the manifests the reference fleet synthesizes', () => {
    // This tree is built without HiGHS (greedy placement), so the placement reports are compared in
    // test/apps/reference.test.ts, which synthesizes as `npm run synth` does.
    const isReport = (k: string) => k === 'PLACEMENT.md' || k === 'placement.json';
    const committed = readTree(path.join(__dirname, '..', '..', 'dist'));
    expect([...committed.keys()].filter((k) => !isReport(k))).toEqual(names.filter((k) => !isReport(k)));
    for (const [k, v] of tree) if (!isReport(k)) expect(committed.get(k)).toBe(v);
  });

  test('snapshot of the management kustomization and the cluster bootstrap files', () => {
    const pick = ['management/kustomization.yaml', 'sites/frankfurt/frankfurt/k0sctl.yaml', 'management/clusters/atlanta/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_atlanta.yaml', 'management/clusters/quebec/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_quebec.yaml'];
    expect(Object.fromEntries(pick.map((p) => [p, tree.get(p)]))).toMatchSnapshot();
  });
});
