/** The benchmark's baselines keep the behaviour the originals document (PLACEMENT.md sections 1–3). */
import { karmadaDynamic, kubefedRsp, kubefedRspLearned } from '../../bench/placement/baselines';
import { aiFleetScenario, mck8sScenario } from '../../bench/placement/scenarios';
import { buildInstance } from '../../lib/placement/instance';
import { churnOf } from '../../lib/placement/plugins';
import type { FleetState } from '../../lib/placement/state';

const placed = (st: FleetState) => st.inst.items.reduce((s, it) => s + st.replicasOf(it.w.name).length, 0);
/** Replicas that left a site they ran on (the bench's churn). */
const moves = (a: FleetState, b: FleetState) => a.inst.items.reduce((s, it) => s + churnOf(a.sitesOf(it.w.name), b.sitesOf(it.w.name)), 0);
const counts = (st: FleetState) => new Map(st.inst.items.map((it) => [it.w.name, new Map(st.sitesOf(it.w.name))] as const));

describe('KubeFed capacity learning', () => {
  test.each([0.8, 1.2])('the second pass places at least what the first did, and more where clusters overflowed (load %s)', (load) => {
    const sc = mck8sScenario(1, load);
    const inst = buildInstance(sc.fleet, sc.fleet.workloads);
    const first = placed(kubefedRsp(inst, {}));
    const learned = placed(kubefedRspLearned(inst, {}));
    expect(learned).toBeGreaterThan(first);
  });

  test('with rebalance: false, an unchanged fleet keeps almost every replica where it ran', () => {
    const sc = mck8sScenario(1, 0.8);
    const inst = buildInstance(sc.fleet, sc.fleet.workloads);
    const before = kubefedRspLearned(inst, {});
    const again = kubefedRspLearned(inst, { previous: counts(before) });
    // Replayed in arrival order, a pending replica that now finds room can take a node another
    // workload's replica packed onto before (the bench's baselines remember sites, not nodes).
    expect(moves(before, again)).toBeLessThanOrEqual(0.1 * placed(before));
    expect(moves(before, kubefedRspLearned(inst, {}))).toBe(0);
  });
});

describe('Karmada dynamic, Steady mode', () => {
  test('an unchanged fleet keeps every replica where it ran (ClusterLocality); pending ones may find room', () => {
    for (const sc of [mck8sScenario(2, 0.9), aiFleetScenario(1)]) {
      const inst = buildInstance(sc.fleet, sc.fleet.workloads);
      const before = karmadaDynamic(inst, {});
      const again = karmadaDynamic(inst, { previous: counts(before) });
      expect(moves(before, again)).toBe(0);
      expect(placed(again)).toBeGreaterThanOrEqual(placed(before));
    }
  });

  test('a scale-up keeps the previous replicas and adds the new ones', () => {
    const sc = aiFleetScenario(1);
    const inst = buildInstance(sc.fleet, sc.fleet.workloads);
    const before = karmadaDynamic(inst, {});
    const w = sc.fleet.workloads.find((x) => before.replicasOf(x.name).length === x.replicas && !x.gang)!;
    const grown = { ...sc.fleet, workloads: sc.fleet.workloads.map((x) => (x.name === w.name ? { ...x, replicas: x.replicas + 1 } : x)) };
    const inst2 = buildInstance(grown, grown.workloads);
    const after = karmadaDynamic(inst2, { previous: counts(before) });
    for (const [site, n] of before.sitesOf(w.name)) expect(after.countAt(w.name, site)).toBeGreaterThanOrEqual(n);
  });
});
