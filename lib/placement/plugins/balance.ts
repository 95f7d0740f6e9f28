/**
 * Score term: balance. A linear proxy for spreading load in proportion to capacity: one replica costs
 * its work divided by the capacity of its kind at the site (GPUs for GPU work, CPU cores otherwise),
 * so a small site fills more slowly than a large one. CPU-only work counts double on GPU nodes.
 */
import type { PoolInfo } from '../instance';
import type { ScoreTerm } from './plugin';

function siteTotals(pool: PoolInfo, pools: readonly PoolInfo[]): { gpus: number; cpu: number } {
  let gpus = 0;
  let cpu = 0;
  for (const p of pools) {
    if (p.site !== pool.site) continue;
    gpus += p.count * (p.gpus?.count ?? 0);
    cpu += p.count * p.cpu;
  }
  return { gpus, cpu };
}

/** Builds the balance term over the fleet's pools. */
export function balanceTerm(pools: readonly PoolInfo[]): ScoreTerm {
  const cache = new Map<string, { gpus: number; cpu: number }>();
  const totals = (p: PoolInfo) => {
    let t = cache.get(p.site.name);
    if (!t) cache.set(p.site.name, (t = siteTotals(p, pools)));
    return t;
  };
  return {
    name: 'balance',
    cost(w, pool) {
      const t = totals(pool);
      if (w.gpu) return (w.gpu.migProfile ? 1 / (pool.mig.get(w.gpu.migProfile) ?? 1) : w.gpu.count) / Math.max(1, t.gpus);
      // CPU-only work counts double on GPU nodes, so it prefers pools without GPUs.
      return ((pool.gpus ? 2 : 1) * w.cpu) / Math.max(1, t.cpu);
    },
    describe(w, pool) {
      const t = totals(pool);
      return w.gpu ? `site has ${t.gpus} GPUs` : `site has ${t.cpu} CPU cores`;
    },
  };
}
