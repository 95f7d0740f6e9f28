/**
 * Canary choice: for a first stage of N clusters, the set that covers the most distinct combinations of
 * region, hardware (GPU vendor and model, or none) and cluster mode. Pure and deterministic.
 *
 * Coverage is compared lexicographically: first the distinct (region, hardware, mode) triples, then the
 * distinct pairs (region+hardware, region+mode, hardware+mode), then the distinct single values. Clusters
 * with the same triple are interchangeable for coverage, so the search runs over triples, and each triple
 * is represented by its first cluster in name order (pinned clusters first). The search is exact (branch
 * and bound) up to a node budget; beyond it the best set found so far is kept and `exact` is false.
 *
 * Stability: the choice depends only on the triples present and, within a triple, on name order. Adding
 * clusters whose triple is already present and whose names sort after that triple's canary leaves the
 * choice unchanged; `pinned` clusters (for example the previous canaries) are always kept.
 */

/** What canary choice knows about a cluster. */
export interface CanaryCandidate {
  readonly name: string;
  readonly region: string;
  /** `none`, or `<vendor>/<model>` joined with `+` when the cluster has several. */
  readonly hardware: string;
  readonly mode: string;
}

export interface CanaryChoice {
  /** Chosen cluster names, sorted. */
  readonly chosen: readonly string[];
  /** What each chosen cluster covers: its triple, and whether it is the only canary of it. */
  readonly covers: readonly { readonly cluster: string; readonly region: string; readonly hardware: string; readonly mode: string }[];
  /** Triples present among the candidates that no canary covers, sorted. */
  readonly uncovered: readonly string[];
  /** The coverage score [triples, pairs, singles]. */
  readonly score: readonly [number, number, number];
  /** True when the search proved the score maximal. */
  readonly exact: boolean;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const SEP = ' | ';

export function tripleKey(c: Pick<CanaryCandidate, 'region' | 'hardware' | 'mode'>): string {
  return [c.region, c.hardware, c.mode].join(SEP);
}

/** The features a triple covers: itself, its three pairs, its three single values. */
function features(c: Pick<CanaryCandidate, 'region' | 'hardware' | 'mode'>): { t: string; p: string[]; s: string[] } {
  return {
    t: tripleKey(c),
    p: [`rh:${c.region}|${c.hardware}`, `rm:${c.region}|${c.mode}`, `hm:${c.hardware}|${c.mode}`],
    s: [`r:${c.region}`, `h:${c.hardware}`, `m:${c.mode}`],
  };
}

/** The coverage score of a set of clusters. */
export function coverageScore(set: readonly Pick<CanaryCandidate, 'region' | 'hardware' | 'mode'>[]): [number, number, number] {
  const t = new Set<string>();
  const p = new Set<string>();
  const s = new Set<string>();
  for (const c of set) {
    const f = features(c);
    t.add(f.t);
    f.p.forEach((x) => p.add(x));
    f.s.forEach((x) => s.add(x));
  }
  return [t.size, p.size, s.size];
}

function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

/**
 * Chooses `n` canaries among `candidates`. `pinned` names are always chosen (they count toward `n`).
 * `budget` bounds the exact search (nodes visited).
 */
export function chooseCanaries(
  candidates: readonly CanaryCandidate[],
  n: number,
  options: { readonly pinned?: readonly string[]; readonly budget?: number; readonly previous?: readonly string[] } = {},
): CanaryChoice {
  const all = [...candidates].sort((a, b) => cmp(a.name, b.name));
  const pinned = new Set(options.pinned ?? []);
  const want = Math.max(0, Math.min(n, all.length));
  const chosen: CanaryCandidate[] = all.filter((c) => pinned.has(c.name));
  // Triples not yet covered by the pinned clusters, each represented by a previous canary of it if there is
  // one, else by its first cluster in name order; triples of previous canaries come first, so that ties
  // keep the previous choice (a cluster added with a name before a canary's does not take its place).
  const previous = new Set(options.previous ?? []);
  const reps = new Map<string, CanaryCandidate>();
  for (const c of all) {
    const k = tripleKey(c);
    const r = reps.get(k);
    if (!r || (previous.has(c.name) && !previous.has(r.name))) reps.set(k, c);
  }
  const pinnedTriples = new Set(chosen.map(tripleKey));
  const open = [...reps.entries()]
    .filter(([k]) => !pinnedTriples.has(k))
    .sort(([a, ra], [b, rb]) => Number(previous.has(rb.name)) - Number(previous.has(ra.name)) || cmp(a, b))
    .map(([, c]) => c);
  let slots = Math.max(0, want - chosen.length);
  let exact = true;
  if (open.length <= slots) {
    chosen.push(...open);
    slots -= open.length;
  } else if (slots > 0) {
    const r = bestSubset(open, slots, chosen, options.budget ?? 200_000);
    exact = r.exact;
    chosen.push(...r.set);
    slots = 0;
  }
  // More slots than triples: add further clusters round-robin over triples (largest groups first), by name.
  if (slots > 0) {
    // Previous canaries first (by name), then round-robin.
    for (const c of all) {
      if (slots === 0) break;
      if (previous.has(c.name) && !chosen.some((x) => x.name === c.name)) {
        chosen.push(c);
        slots--;
      }
    }
  }
  if (slots > 0) {
    const taken = new Set(chosen.map((c) => c.name));
    const groups = new Map<string, CanaryCandidate[]>();
    for (const c of all) if (!taken.has(c.name)) groups.set(tripleKey(c), [...(groups.get(tripleKey(c)) ?? []), c]);
    const order = [...groups.entries()].sort(([ka, a], [kb, b]) => b.length - a.length || cmp(ka, kb)).map(([, g]) => g);
    for (let round = 0; slots > 0; round++) {
      let added = false;
      for (const g of order) {
        if (slots === 0) break;
        const c = g[round];
        if (c) {
          chosen.push(c);
          slots--;
          added = true;
        }
      }
      if (!added) break;
    }
  }
  const chosenTriples = new Set(chosen.map(tripleKey));
  const sorted = [...chosen].sort((a, b) => cmp(a.name, b.name));
  return {
    chosen: sorted.map((c) => c.name),
    covers: sorted.map((c) => ({ cluster: c.name, region: c.region, hardware: c.hardware, mode: c.mode })),
    uncovered: [...reps.keys()].filter((k) => !chosenTriples.has(k)).sort(cmp),
    score: coverageScore(chosen),
    exact,
  };
}

/** Branch and bound: `k` of `items` (distinct triples) maximizing the score together with `base`. */
function bestSubset(items: readonly CanaryCandidate[], k: number, base: readonly CanaryCandidate[], budget: number): { set: CanaryCandidate[]; exact: boolean } {
  const feats = items.map(features);
  const baseF = base.map(features);
  const pairCount = new Map<string, number>();
  const singleCount = new Map<string, number>();
  const inc = (m: Map<string, number>, x: string) => m.set(x, (m.get(x) ?? 0) + 1);
  const dec = (m: Map<string, number>, x: string) => {
    const v = (m.get(x) ?? 0) - 1;
    if (v <= 0) m.delete(x);
    else m.set(x, v);
  };
  for (const f of baseF) {
    f.p.forEach((x) => inc(pairCount, x));
    f.s.forEach((x) => inc(singleCount, x));
  }
  // Greedy start: a good incumbent makes the bound bite early.
  const pick: number[] = [];
  {
    const p = new Map(pairCount);
    const s = new Map(singleCount);
    const used = new Set<number>();
    for (let j = 0; j < k; j++) {
      let best = -1;
      let bestGain: [number, number] = [-1, -1];
      for (let i = 0; i < items.length; i++) {
        if (used.has(i)) continue;
        const g: [number, number] = [feats[i]!.p.filter((x) => !p.has(x)).length, feats[i]!.s.filter((x) => !s.has(x)).length];
        if (better(g, bestGain)) {
          bestGain = g;
          best = i;
        }
      }
      used.add(best);
      pick.push(best);
      feats[best]!.p.forEach((x) => inc(p, x));
      feats[best]!.s.forEach((x) => inc(s, x));
    }
  }
  const scoreOf = (idx: readonly number[]) => {
    const set = [...base, ...idx.map((i) => items[i]!)];
    const [, p, s] = coverageScore(set);
    return [p, s] as [number, number];
  };
  let bestIdx = [...pick].sort((a, b) => a - b);
  let bestScore = scoreOf(bestIdx);
  let nodes = 0;
  let exhausted = false;
  const current: number[] = [];
  const rec = (start: number) => {
    if (exhausted) return;
    if (++nodes > budget) {
      exhausted = true;
      return;
    }
    const left = k - current.length;
    const curScore: [number, number] = [pairCount.size, singleCount.size];
    if (left === 0) {
      if (better(curScore, bestScore)) {
        bestScore = curScore;
        bestIdx = [...current];
      }
      return;
    }
    if (items.length - start < left) return;
    // Bound: each further triple adds at most 3 pairs and 3 values.
    const bound: [number, number] = [curScore[0] + 3 * left, curScore[1] + 3 * left];
    if (bound[0] < bestScore[0] || (bound[0] === bestScore[0] && bound[1] <= bestScore[1])) return;
    for (let i = start; i < items.length; i++) {
      current.push(i);
      feats[i]!.p.forEach((x) => inc(pairCount, x));
      feats[i]!.s.forEach((x) => inc(singleCount, x));
      rec(i + 1);
      feats[i]!.p.forEach((x) => dec(pairCount, x));
      feats[i]!.s.forEach((x) => dec(singleCount, x));
      current.pop();
      if (exhausted) return;
    }
  };
  rec(0);
  return { set: bestIdx.map((i) => items[i]!), exact: !exhausted };
}
