/**
 * Filter: spread. At most `maxPerSite` replicas per site; when any replica runs, at least `minSites`
 * sites run one; replicas run at `maxSites` sites at most.
 */
import type { FilterPlugin } from './plugin';

export const spread: FilterPlugin = {
  name: 'spread',
  admit(w, site, view, ctx) {
    const max = w.spread.maxPerSite;
    if (max !== undefined && view.countAt(w.name, site) >= max) return `already runs ${max} replica${max === 1 ? '' : 's'} here (maxPerSite ${max})`;
    const maxClusters = w.spread.maxClusters;
    if (maxClusters !== undefined && view.countAt(w.name, site) === 0 && view.clustersOf) {
      const used = view.clustersOf(w.name);
      if (used.length >= maxClusters) return `already runs in ${used.join(', ')} (maxClusters ${maxClusters})`;
    }
    const most = w.spread.maxSites;
    if (most !== undefined && view.countAt(w.name, site) === 0) {
      const used = ctx.fleet.sites.filter((s) => view.countAt(w.name, s.name) > 0).map((s) => s.name);
      if (used.length >= most) return `already runs at ${used.join(', ')} (maxSites ${most})`;
    }
    return undefined;
  },
  rows(w, m) {
    const max = w.spread.maxPerSite;
    const sites = m.eligibleSites(w.name);
    if (max !== undefined) {
      for (const s of sites) {
        const cols = m.replicaCols(w.name, s);
        if (cols.length > 0) m.addRow(-Infinity, max, cols, cols.map(() => 1));
      }
    }
    const most = w.spread.maxSites;
    if (most !== undefined && sites.length > most) {
      // Σ_s use[w,s] <= maxSites
      const uses = sites.map((s) => m.siteUse(w.name, s));
      m.addRow(-Infinity, most, uses, uses.map(() => 1));
    }
    const clusters = w.spread.maxClusters;
    if (clusters !== undefined) {
      const keys = m.eligibleClusters(w.name);
      if (keys.length > clusters) {
        const uses = keys.map((k) => m.clusterUse(w.name, k));
        m.addRow(-Infinity, clusters, uses, uses.map(() => 1));
      }
    }
    const min = w.spread.minSites;
    if (min !== undefined && min > 1) {
      // Σ_s use[w,s] >= min · any[w]
      const uses = sites.map((s) => m.siteUse(w.name, s));
      m.addRow(0, Infinity, [...uses, m.anyUse(w.name)], [...uses.map(() => 1), -min]);
    }
  },
};
