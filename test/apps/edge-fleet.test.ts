/**
 * The generated edge fleet used by `npm run bench`, at a small size: every file conforms to the schemas,
 * every site gets its folder, and the tree is deterministic.
 */
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { buildEdgeFleet } from '../../bench/edge-fleet';
import { itWithSchemas, treeFailures } from '../helpers';

describe('edge test fleet', () => {
  const tree = buildEdgeFleet(new App(), 12).toTree();

  it('writes a folder for each store and headquarters, and the management plane per managed cluster', () => {
    const folders = [...tree.keys()].filter((k) => k.endsWith('/kustomization.yaml') && !/\/(infra|apps)\/kustomization\.yaml$/.test(k));
    expect(folders.filter((k) => k.startsWith('sites/'))).toHaveLength(12 + 1);
    // management/, management/fleet/ and one management/clusters/<cluster>/ per cluster.
    expect(folders.filter((k) => k.startsWith('management/'))).toHaveLength(2 + 13);
    expect(parse(tree.get('sites/store-0007/store-0007/infra/kustomization.yaml')!).resources).toEqual(['namespace_k0smos-system.yaml', 'networkpolicy_store_shelf-vision.yaml']);
    expect(parse(tree.get('sites/store-0007/store-0007/apps/kustomization.yaml')!).resources).toEqual([
      'serviceaccount_store_shelf-vision.yaml',
      'role_store_shelf-vision.yaml',
      'rolebinding_store_shelf-vision.yaml',
      'configmap_k0smos-system_cluster-info.yaml',
      'configmap_store_shelf-vision.yaml',
      'service_store_shelf-vision.yaml',
      'deployment_store_shelf-vision.yaml',
    ]);
  });

  it('is deterministic', () => {
    expect(buildEdgeFleet(new App(), 12).toTree()).toEqual(tree);
  });

  itWithSchemas('conforms to the schemas, file by file', () => {
    // Every manifest; the reports beside them (READINESS.md, readiness.json) and the IP plan's state are not manifests.
    expect([...tree.keys()].filter((k) => !/\.ya?ml$/.test(k)).sort()).toEqual(['READINESS.md', 'ip-plan.json', 'readiness.json']);
    expect(treeFailures(tree)).toEqual([]);
  });
});

test('the benchmark fleet at full size (1,200 stores) is a valid fleet: its IP plan numbers every store', () => {
  const model = buildEdgeFleet(new App(), 1200).resolve();
  expect(model.sites).toHaveLength(1201);
  expect(model.ipPlan.clusters.size).toBe(1201);
});
