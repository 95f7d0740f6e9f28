/**
 * Min-cost flow with lower bounds, by successive shortest paths (Bellman-Ford, so residual edges with negative
 * cost are fine). Small and exact: used when per-site participation shares couple the windows. Edges are
 * scanned in insertion order with strict improvement, so equal-cost optima resolve the same way every run.
 */
interface Edge {
  to: number;
  cap: number;
  cost: number;
  flow: number;
  rev: number;
}

export class MinCostFlow {
  private readonly g: Edge[][];
  private readonly excess: number[];
  private readonly handles: { u: number; i: number; lower: number }[] = [];

  constructor(private readonly n: number) {
    this.g = Array.from({ length: n + 2 }, () => []);
    this.excess = new Array<number>(n + 2).fill(0);
  }

  /** Adds u->v with flow in [lower, upper] at `cost` per unit; returns a handle for {@link flowOn}. */
  public addEdge(u: number, v: number, lower: number, upper: number, cost: number): number {
    this.excess[v]! += lower;
    this.excess[u]! -= lower;
    this.g[u]!.push({ to: v, cap: upper - lower, cost, flow: 0, rev: this.g[v]!.length });
    this.g[v]!.push({ to: u, cap: 0, cost: -cost, flow: 0, rev: this.g[u]!.length - 1 });
    this.handles.push({ u, i: this.g[u]!.length - 1, lower });
    return this.handles.length - 1;
  }

  public flowOn(handle: number): number {
    const h = this.handles[handle]!;
    return this.g[h.u]![h.i]!.flow + h.lower;
  }

  /** Finds a feasible circulation of least cost; false when none exists. */
  public solve(): boolean {
    const ss = this.n;
    const tt = this.n + 1;
    let need = 0;
    for (let v = 0; v < this.n; v++) {
      const e = this.excess[v]!;
      if (e > 0) {
        this.pushEdge(ss, v, e);
        need += e;
      } else if (e < 0) this.pushEdge(v, tt, -e);
    }
    let sent = 0;
    const size = this.n + 2;
    for (;;) {
      const dist = new Array<number>(size).fill(Infinity);
      const prev: ({ u: number; i: number } | undefined)[] = new Array(size).fill(undefined);
      dist[ss] = 0;
      for (let round = 0; round < size; round++) {
        let changed = false;
        for (let u = 0; u < size; u++) {
          if (dist[u] === Infinity) continue;
          this.g[u]!.forEach((e, i) => {
            if (e.cap - e.flow > 0 && dist[u]! + e.cost < dist[e.to]! - 1e-9) {
              dist[e.to] = dist[u]! + e.cost;
              prev[e.to] = { u, i };
              changed = true;
            }
          });
        }
        if (!changed) break;
      }
      if (dist[tt] === Infinity) break;
      let push = Infinity;
      for (let v = tt; v !== ss; v = prev[v]!.u) {
        const e = this.g[prev[v]!.u]![prev[v]!.i]!;
        push = Math.min(push, e.cap - e.flow);
      }
      for (let v = tt; v !== ss; v = prev[v]!.u) {
        const e = this.g[prev[v]!.u]![prev[v]!.i]!;
        e.flow += push;
        this.g[e.to]![e.rev]!.flow -= push;
      }
      sent += push;
    }
    return sent === need;
  }

  private pushEdge(u: number, v: number, cap: number): void {
    this.g[u]!.push({ to: v, cap, cost: 0, flow: 0, rev: this.g[v]!.length });
    this.g[v]!.push({ to: u, cap: 0, cost: 0, flow: 0, rev: this.g[u]!.length - 1 });
  }
}
