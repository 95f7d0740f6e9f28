/**
 * Filter: GPU fit per node. A replica needing n GPUs needs n GPUs of the right vendor, model and
 * memory on one node; a MIG replica needs a GPU model that offers its profile with enough memory.
 */
import { gpuModel } from '../../model/gpu-models';
import type { FilterPlugin } from './plugin';

const VENDOR = { nvidia: 'NVIDIA', amd: 'AMD' } as const;

export const gpuFit: FilterPlugin = {
  name: 'gpu-fit',
  pool(w, pool) {
    const need = w.gpu;
    if (!need) return undefined;
    const has = pool.gpus;
    const want = need.model ?? (need.vendor ? `${VENDOR[need.vendor]} GPU` : 'GPU');
    if (!has) return `no ${want}`;
    if (need.model && has.model !== need.model) return `no ${need.model} (has ${has.model})`;
    if (need.vendor && has.vendor !== need.vendor) return `no ${VENDOR[need.vendor]} GPU (has ${has.model})`;
    if (need.migProfile) {
      const slices = pool.mig.get(need.migProfile);
      if (has.migDisabled) return `MIG is off on ${has.model} here (the GPU stack keeps these GPUs whole)`;
      if (slices === undefined && has.migLayout) return `the fixed MIG layout has no ${need.migProfile} slices (has ${Object.keys(has.migLayout).sort().join(', ')})`;
      if (slices === undefined) return `${has.model} has no MIG profile ${need.migProfile}`;
      const profile = gpuModel(has.model)?.mig?.profiles.find((p) => p.name === need.migProfile);
      if (need.memoryGiB !== undefined && profile && profile.memoryGiB < need.memoryGiB) return `MIG slice ${need.migProfile} has ${profile.memoryGiB} GiB, needs ${need.memoryGiB} GiB`;
      return undefined;
    }
    if (has.timeSliced !== undefined) {
      // The device plugin advertises slices and refuses a container asking for more than one.
      if (need.count > 1) return `${has.model} GPUs are time-sliced (x${has.timeSliced}): one slice per replica, needs ${need.count}`;
      if (need.memoryGiB !== undefined) return `${has.model} GPUs are time-sliced (x${has.timeSliced}): slices share the GPU's memory without isolation, so ${need.memoryGiB} GiB cannot be promised`;
    }
    if (has.migLayout) return `${has.model} GPUs are MIG-partitioned (${Object.keys(has.migLayout).sort().map((k) => `${k} x${has.migLayout![k]}`).join(', ')} per GPU); no whole GPUs`;
    const what = has.partitionedFrom ? `${has.model} partition (${has.partitionedFrom})` : has.model;
    if (need.memoryGiB !== undefined && has.memoryGiB < need.memoryGiB) return `${what} has ${has.memoryGiB} GiB per GPU, needs ${need.memoryGiB} GiB`;
    if (has.count < need.count) return `needs ${need.count} GPUs on one node, nodes have ${has.count}`;
    return undefined;
  },
};
