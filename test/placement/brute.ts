/** Brute force over every node-level placement of a tiny fleet, judged by the independent checker alone. */
import type { FleetModel } from '../../lib/model/fleet';
import { checkPlacement, type CheckedPlacement } from '../../lib/placement/check';
import { churnOf } from '../../lib/placement/plugins';
import type { PreviousPlacement } from '../../lib/placement/types';

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

/** Nodes of a fleet, site by site. */
export function nodesOf(fleet: FleetModel): Node[] {
  return fleet.sites.flatMap((s) => s.clusters.flatMap((c) => c.nodePools.flatMap((pn) => Array.from({ length: s.nodePools.find((p) => p.name === pn)!.count }, (_, node) => ({ site: s.name, cluster: c.name, pool: pn, node })))));
}

/**
 * The best priority-weighted placed work over every valid assignment and, among the assignments that
 * reach it, the fewest moves against `previous` (replicas per site that no longer run there).
 */
export function bruteForce(fleet: FleetModel, previous?: PreviousPlacement): { value: number; churn: number } {
  const nodes = nodesOf(fleet);
  const ws = fleet.workloads;
  const options = ws.map((w) => distributions(w.replicas, nodes.length));
  const prev = ws.map((w) => {
    const m = new Map<string, number>();
    for (const a of previous?.workloads.find((p) => p.name === w.name)?.assignments ?? []) m.set(a.site, (m.get(a.site) ?? 0) + 1);
    return m;
  });
  let best = { value: 0, churn: Infinity };
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
      let churn = 0;
      ws.forEach((_, wi) => {
        const now = new Map<string, number>();
        choice[wi]!.forEach((k, ni) => {
          if (k > 0) now.set(nodes[ni]!.site, (now.get(nodes[ni]!.site) ?? 0) + k);
        });
        churn += churnOf(prev[wi]!, now);
      });
      if (value > best.value || (value === best.value && churn < best.churn)) best = { value, churn };
      return;
    }
    for (const o of options[i]!) {
      choice[i] = o;
      rec(i + 1);
    }
  };
  rec(0);
  return { value: best.value, churn: best.churn === Infinity ? 0 : best.churn };
}
