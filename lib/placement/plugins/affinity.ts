/**
 * Filters: affinity (every site running the workload also runs each named workload) and
 * anti-affinity (the two never share a site; symmetric).
 */
import type { FilterPlugin } from './plugin';

export const affinity: FilterPlugin = {
  name: 'affinity',
  admit(w, site, view) {
    const missing = w.affinity.filter((a) => view.countAt(a, site) === 0);
    return missing.length > 0 ? `affinity: ${missing.join(', ')} not running here` : undefined;
  },
  rows(w, m) {
    for (const a of w.affinity) {
      const targetSites = new Set(m.eligibleSites(a));
      for (const s of m.eligibleSites(w.name)) {
        const use = m.siteUse(w.name, s);
        if (targetSites.has(s)) m.addRow(-Infinity, 0, [use, m.siteUse(a, s)], [1, -1]);
        else m.addRow(0, 0, [use], [1]);
      }
    }
  },
};

/** Names of workloads that must not share a site with `w` (its own list and those naming it). */
export function antiAffine(w: { name: string; antiAffinity: readonly string[] }, all: Iterable<{ name: string; antiAffinity: readonly string[] }>): string[] {
  const out = new Set(w.antiAffinity);
  for (const o of all) if (o.antiAffinity.includes(w.name)) out.add(o.name);
  return [...out].sort();
}

export const antiAffinity: FilterPlugin = {
  name: 'anti-affinity',
  admit(w, site, view, ctx) {
    const clash = antiAffine(w, ctx.workloads.values()).filter((b) => view.countAt(b, site) > 0);
    return clash.length > 0 ? `anti-affinity: ${clash.join(', ')} runs here` : undefined;
  },
  rows(w, m) {
    for (const b of w.antiAffinity) {
      const other = new Set(m.eligibleSites(b));
      for (const s of m.eligibleSites(w.name)) {
        if (other.has(s)) m.addRow(-Infinity, 1, [m.siteUse(w.name, s), m.siteUse(b, s)], [1, 1]);
      }
    }
  },
};
