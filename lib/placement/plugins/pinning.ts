/** Filter: a pinned workload runs only at its site or in its cluster (data that never leaves a site). */
import type { FilterPlugin } from './plugin';

export const pinning: FilterPlugin = {
  name: 'pinning',
  site(w, site) {
    if (w.pinnedSite !== undefined && w.pinnedSite !== site.name) return `pinned to site ${w.pinnedSite}`;
    if (w.pinnedCluster !== undefined && !site.clusters.some((c) => c.name === w.pinnedCluster)) return `pinned to cluster ${w.pinnedCluster}`;
    return undefined;
  },
  pool(w, pool) {
    if (w.pinnedCluster !== undefined && pool.cluster !== w.pinnedCluster) return `pool is in cluster ${pool.cluster}, workload is pinned to cluster ${w.pinnedCluster}`;
    return undefined;
  },
};
