/** The score terms of one solve, with per (workload, pool) values cached. */
import type { Instance, Item } from './instance';
import { balanceTerm, carbon, energy } from './plugins';
import type { ScoreTerm } from './plugins/plugin';
import type { CostKind } from './types';

export interface Costs {
  readonly costTerm: ScoreTerm;
  readonly balanceTerm: ScoreTerm;
  cost(item: Item, pool: number): number;
  balance(item: Item, pool: number): number;
}

export function makeCosts(inst: Instance, kind: CostKind): Costs {
  const costTerm = kind === 'energy' ? energy : carbon;
  const bal = balanceTerm(inst.pools);
  const cache = new Map<number, [number, number]>();
  const get = (item: Item, pool: number): [number, number] => {
    const key = item.index * inst.pools.length + pool;
    let v = cache.get(key);
    if (!v) {
      const p = inst.pools[pool]!;
      v = [costTerm.cost(item.w, p, inst.ctx), bal.cost(item.w, p, inst.ctx)];
      cache.set(key, v);
    }
    return v;
  };
  return { costTerm, balanceTerm: bal, cost: (i, p) => get(i, p)[0], balance: (i, p) => get(i, p)[1] };
}
