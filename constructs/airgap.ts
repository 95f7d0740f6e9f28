/**
 * The glue between the fleet's clusters and the pure image-list functions (lib/airgap): for every
 * air-gapped cluster, the images its nodes pull (k0s components of its release and network, every
 * chart and kustomize bundle it installs, every container image in its folder's objects), written as
 * `sites/<site>/<cluster>/images.txt` beside `infra/` and `apps/` (listed in no kustomization).
 * Used by `Fleet.toTree`; not part of the public API.
 */
import { ValidationError, type ValidationIssue } from '../lib/model/errors';
import { bundleImages, chartImages } from '../lib/airgap/chart-images';
import { imageList, IMAGE_LIST_FILE, objectImages } from '../lib/airgap/images';
import { k0sImages, unknownK0sReleaseMessage } from '../lib/airgap/k0s-images';
import { objectsByFolder, targetFolder, type AuxFile, type PlacedObject } from '../lib/synth/objects';
import type { Fleet } from './fleet';

/** The image list of every air-gapped cluster of the fleet, from the objects that will be written. */
export function imageListFiles(fleet: Fleet, objects: readonly PlacedObject[]): AuxFile[] {
  const clusters = fleet.clusters().filter((c) => c.airgapped);
  if (clusters.length === 0) return [];
  const byFolder = objectsByFolder(objects);
  const files: AuxFile[] = [];
  const issues: ValidationIssue[] = [];
  for (const c of clusters) {
    const folder = targetFolder(c.target);
    const k0s = k0sImages(c.k0sVersion, c.k0sNetworking);
    if (!k0s) {
      issues.push({ path: c.node.path, message: unknownK0sReleaseMessage(c.k0sVersion) });
      continue;
    }
    const charts = c.addons.map((a) => chartImages(a));
    const bundles = c.kustomizeBundles.map((b) => bundleImages(b));
    const list = imageList({
      k0s: k0s.images,
      charts: [...charts, ...bundles].flatMap((x) => x.images),
      workloads: (byFolder.get(folder) ?? []).flatMap((p) => objectImages(p.object)),
      unresolved: [...k0s.unresolved, ...[...charts, ...bundles].flatMap((x) => x.unresolved)],
    });
    issues.push(...list.errors.map((message) => ({ path: c.node.path, message })));
    files.push({ path: `${folder}/${IMAGE_LIST_FILE}`, content: list.content, source: c.node.path });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'cannot write the image lists of air-gapped clusters');
  return files;
}
