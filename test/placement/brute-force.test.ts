import type { Highs } from 'highs';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';
import type { FleetModel } from '../../lib/model/fleet';
import { checkPlacement } from '../../lib/placement/check';
import { readPreviousPlacement, renderPlacementJson } from '../../lib/placement/report';
import { bruteForce, nodesOf } from './brute';
import { randomFleet } from './gen';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

test('brute force agrees with the MIP optimum on 40 tiny instances', () => {
  let nontrivial = 0;
  for (let seed = 900; seed < 940; seed++) {
    const fleet = randomFleet(seed, { sites: 2, workloads: 3, maxReplicas: 2, maxNodes: 2, rich: false });
    const nodes = fleet.sites.reduce((s, site) => s + site.nodePools.reduce((t, p) => t + p.count, 0), 0);
    if (nodes > 4) continue;
    const p = place(fleet, fleet.workloads, { highs, timeLimitSec: 5 });
    expect(p.status).toBe('optimal');
    const brute = bruteForce(fleet).value;
    expect({ seed, value: p.objective.placedValue }).toEqual({ seed, value: brute });
    if (brute > 0) nontrivial++;
  }
  expect(nontrivial).toBeGreaterThan(5);
});

test('after losing one node: the most work, then the fewest moves, as brute force finds them (issue 16)', () => {
  let tested = 0;
  let withinHeld = 0;
  let workNeedsMoreMoves = 0;
  for (let seed = 900; seed < 1100; seed++) {
    const fleet = randomFleet(seed, { sites: 2, workloads: 3, maxReplicas: 2, maxNodes: 2, rich: false });
    if (nodesOf(fleet).length > 4) continue;
    const first = place(fleet, fleet.workloads, { highs });
    // The last node of the first pool with two or more nodes whose last node holds replicas.
    const lost = fleet.sites
      .flatMap((s) => s.nodePools.filter((p) => p.count >= 2).map((p) => ({ site: s.name, pool: p.name, node: p.count - 1 })))
      .map((n) => ({ ...n, held: first.workloads.flatMap((w) => w.assignments).filter((a) => a.site === n.site && a.pool === n.pool && a.node === n.node).length }))
      .find((n) => n.held > 0);
    if (!lost) continue;
    const shrunk: FleetModel = { ...fleet, sites: fleet.sites.map((s) => (s.name !== lost.site ? s : { ...s, nodePools: s.nodePools.map((p) => (p.name !== lost.pool ? p : { ...p, count: p.count - 1 })) })) };
    const previous = readPreviousPlacement(renderPlacementJson(first)).previous!;
    const second = place(shrunk, shrunk.workloads, { highs, previous });
    expect(checkPlacement(shrunk, shrunk.workloads, second)).toEqual([]);
    const brute = bruteForce(shrunk, previous);
    expect({ seed, status: second.status, value: second.objective.placedValue, churn: second.objective.churn }).toEqual({ seed, status: 'optimal', value: brute.value, churn: brute.churn });
    tested++;
    if (second.objective.churn <= lost.held) withinHeld++;
    else workNeedsMoreMoves++;
  }
  expect(tested).toBeGreaterThan(20);
  // Mostly the lost node's replicas are all that move; where more move, brute force shows no placement
  // with as much work moves fewer (a higher-priority replica takes a lower one's place: work comes first).
  expect(withinHeld).toBeGreaterThan(workNeedsMoreMoves);
  console.log(`lost node: ${tested} instances, ${withinHeld} within what the node held, ${workNeedsMoreMoves} where the most work needs more moves`);
});
