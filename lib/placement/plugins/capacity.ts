/** Filter: CPU and memory of one replica fit on one node of the pool. */
import type { FilterPlugin } from './plugin';

export const capacity: FilterPlugin = {
  name: 'capacity',
  pool(w, pool) {
    if (w.cpu > pool.cpu) return `needs ${w.cpu} CPU on one node, nodes have ${pool.cpu}`;
    if (w.memoryGiB > pool.memoryGiB) return `needs ${w.memoryGiB} GiB memory on one node, nodes have ${pool.memoryGiB} GiB`;
    return undefined;
  },
};
