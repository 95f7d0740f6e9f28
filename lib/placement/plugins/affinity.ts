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

/** Workloads that must not share a site with each workload (its own list and those naming it), computed once per solve. */
const partners = new WeakMap<object, Map<string, string[]>>();
function partnersOf(name: string, ctx: { workloads: ReadonlyMap<string, { name: string; antiAffinity: readonly string[] }> }): string[] {
  let m = partners.get(ctx);
  if (!m) {
    m = new Map();
    for (const w of ctx.workloads.values()) m.set(w.name, []);
    for (const w of ctx.workloads.values()) {
      for (const b of w.antiAffinity) {
        m.get(w.name)?.push(b);
        m.get(b)?.push(w.name);
      }
    }
    for (const [k, v] of m) m.set(k, [...new Set(v)].sort());
    partners.set(ctx, m);
  }
  return m.get(name) ?? [];
}

export const antiAffinity: FilterPlugin = {
  name: 'anti-affinity',
  admit(w, site, view, ctx) {
    const clash = partnersOf(w.name, ctx).filter((b) => view.countAt(b, site) > 0);
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
