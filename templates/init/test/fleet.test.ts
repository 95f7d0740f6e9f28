/**
 * Meaning first (which sites and files the fleet writes), then a snapshot of the whole tree.
 * `treeSnapshot(tree)` (from cdk8s-k0smos) turns the file tree into one object keyed by path, sorted, so a
 * change shows in the snapshot diff as the files that changed. Update snapshots with `npx jest -u`.
 */
import { App } from 'cdk8s';
import { treeSnapshot } from 'cdk8s-k0smos';
import { buildFleet } from '../fleet';

test('every site gets a folder and the management site holds the fleet-wide folder', () => {
  const tree = buildFleet(new App()).toTree();
  const files = [...tree.keys()];
  expect(files.some((f) => f.startsWith('sites/frankfurt/'))).toBe(true);
  expect(files.some((f) => f.startsWith('sites/quebec/'))).toBe(true);
  expect(files.some((f) => f.startsWith('management/'))).toBe(true);
});

test('the tree matches its snapshot', () => {
  expect(treeSnapshot(buildFleet(new App()).toTree())).toMatchSnapshot();
});
