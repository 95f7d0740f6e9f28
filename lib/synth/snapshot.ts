/**
 * A file tree as one plain object for `expect(...).toMatchSnapshot()`: keys are the paths, sorted (by code
 * unit, the order the writer uses), values the file contents. A change then shows in the snapshot diff as
 * the files that changed. `include` keeps only the paths it matches (e.g. `/^sites\/quebec\//`).
 */
import type { FileTree } from './render';

export function treeSnapshot(tree: FileTree, options: { readonly include?: RegExp } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const paths = [...tree.keys()].filter((p) => !options.include || options.include.test(p)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const p of paths) out[p] = tree.get(p)!;
  return out;
}
