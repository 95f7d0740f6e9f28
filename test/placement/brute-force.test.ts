import type { Highs } from 'highs';
import type { FleetModel } from '../../lib/model/fleet';
import { checkPlacement, type CheckedPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';
import { randomFleet } from './gen';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

interface Node {
  site: string;
  cluster: string;
  pool: string;
  node: number;
}

/** Every way to put 0..replicas copies of a workload on the nodes (counts per node). */
function distributions(replicas: number, nodes: number): number[][] {
  const out: number[][] = [];
  const cur = new Array<number>(nodes).fill(0);
  const rec = (i: number, left: number) => {
    if (i === nodes) return out.push([...cur]);
    for (let k = 0; k <= left; k++) {
      cur[i] = k;
      rec(i + 1, left - k);
    }
    cur[i] = 0;
  };
  rec(0, replicas);
  return out;
}

/** The best priority-weighted placed work over every assignment, judged by the checker alone. */
function bruteForce(fleet: FleetModel): number {
  const nodes: Node[] = fleet.sites.flatMap((s) => s.clusters.flatMap((c) => c.nodePools.flatMap((pn) => Array.from({ length: s.nodePools.find((p) => p.name === pn)!.count }, (_, node) => ({ site: s.name, cluster: c.name, pool: pn, node })))));
  const ws = fleet.workloads;
  const options = ws.map((w) => distributions(w.replicas, nodes.length));
  let best = 0;
  const choice: number[][] = [];
  const rec = (i: number) => {
    if (i === ws.length) {
      const nextGpu = new Map<string, number>();
      const placement: CheckedPlacement = {
        workloads: ws.map((w, wi) => ({
          name: w.name,
          assignments: choice[wi]!.flatMap((k, ni) =>
            Array.from({ length: k }, () => {
              const n = nodes[ni]!;
              const key = `${n.site}/${n.pool}/${n.node}`;
              const first = nextGpu.get(key) ?? 0;
              const count = w.gpu ? w.gpu.count : 0;
              nextGpu.set(key, first + count);
              return { ...n, gpus: Array.from({ length: count }, (_, g) => first + g) };
            }),
          ),
        })),
      };
      if (checkPlacement(fleet, ws, placement).length > 0) return;
      const value = ws.reduce((s, w, wi) => s + w.priority * (w.gpu ? w.gpu.count : 1) * choice[wi]!.reduce((a, b) => a + b, 0), 0);
      best = Math.max(best, value);
      return;
    }
    for (const o of options[i]!) {
      choice[i] = o;
      rec(i + 1);
    }
  };
  rec(0);
  return best;
}

test('brute force agrees with the MIP optimum on 40 tiny instances', () => {
  let nontrivial = 0;
  for (let seed = 900; seed < 940; seed++) {
    const fleet = randomFleet(seed, { sites: 2, workloads: 3, maxReplicas: 2, maxNodes: 2, rich: false });
    const nodes = fleet.sites.reduce((s, site) => s + site.nodePools.reduce((t, p) => t + p.count, 0), 0);
    if (nodes > 4) continue;
    const p = place(fleet, fleet.workloads, { highs, timeLimitSec: 5 });
    expect(p.status).toBe('optimal');
    const brute = bruteForce(fleet);
    expect({ seed, value: p.objective.placedValue }).toEqual({ seed, value: brute });
    if (brute > 0) nontrivial++;
  }
  expect(nontrivial).toBeGreaterThan(5);
});
