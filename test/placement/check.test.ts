import { parseFleet, validateFleet, type FleetSpec } from '../../lib/model/fleet';
import { checkPlacement, type CheckedPlacement } from '../../lib/placement/check';
import { loadHighs } from '../../lib/placement/highs';
import { place } from '../../lib/placement/place';
import { referenceFleetSpec } from '../../apps/reference-fleet';

const spec: FleetSpec = {
  ...(JSON.parse(JSON.stringify(referenceFleetSpec)) as FleetSpec),
  workloads: [
    { name: 'train', replicas: 2, gpu: { count: 4, model: 'A100-80GB' }, gang: true, allowedJurisdictions: ['CA'] },
    { name: 'infer', replicas: 2, gpu: { migProfile: '1g.10gb' }, latency: { maxRttMs: 40, to: 'quebec' }, spread: { maxPerSite: 2 } },
    { name: 'cache', replicas: 1, cpu: 2, memoryGiB: 4, affinity: ['infer'] },
    { name: 'edge', replicas: 1, cpu: 1, antiAffinity: ['cache'] },
    { name: 'fl', replicas: 2, cpu: 1, pinnedSite: 'quebec', spread: { minSites: 1 } },
  ],
};
const fleet = parseFleet(spec);
let valid: ReturnType<typeof place>;
beforeAll(async () => {
  // The greedy leaves 'cache' out here (it visits 'edge' first, which then blocks it); the MIP places everything.
  valid = place(fleet, fleet.workloads, { highs: await loadHighs() });
});
const a = (site: string, pool: string, node: number, gpus: number[] = [], cluster = site) => ({ site, cluster, pool, node, gpus });
const withW = (name: string, assignments: CheckedPlacement['workloads'][number]['assignments']): CheckedPlacement => ({
  workloads: [...valid.workloads.filter((w) => w.name !== name), { name, assignments }],
});
const rules = (p: CheckedPlacement) => [...new Set(checkPlacement(fleet, fleet.workloads, p).map((v) => v.rule))].sort();

test('the solver placement of the fixture is valid and places every workload', () => {
  expect(checkPlacement(fleet, fleet.workloads, valid)).toEqual([]);
  expect(valid.workloads.every((w) => w.placed === w.replicas)).toBe(true);
});

test.each([
  ['replicas', () => withW('edge', [a('atlanta', 'mi300x', 0), a('atlanta', 'mi300x', 1)])],
  ['gang', () => withW('train', [a('quebec', 'a100', 1, [0, 1, 2, 3])])],
  ['node', () => withW('edge', [a('atlanta', 'mi300x', 9)])],
  ['residency', () => withW('train', [a('quebec', 'a100', 1, [0, 1, 2, 3]), a('atlanta', 'mi300x', 1, [0, 1, 2, 3])])],
  ['latency', () => withW('infer', [a('frankfurt', 'mgmt', 0, [0])])],
  ['pinning', () => withW('fl', [a('quebec', 'cpu', 0), a('atlanta', 'mi300x', 0)])],
  ['spread', () => withW('infer', [a('quebec', 'a100', 1, [7]), a('quebec', 'a100', 1, [7]), a('quebec', 'a100', 1, [7])])],
  ['affinity', () => withW('cache', [a('frankfurt', 'mgmt', 0)])],
])('the checker catches a broken %s rule', (rule, placement) => {
  expect(rules(placement())).toContain(rule);
});

test('the checker catches GPU over-use on a node, wrong GPU models and CPU over-use', () => {
  const twice = { workloads: [{ name: 'train', assignments: [a('quebec', 'a100', 0, [0, 1, 2, 3]), a('quebec', 'a100', 0, [2, 3, 4, 5])] }] };
  expect(rules(twice)).toEqual(['gpu-fit']);
  const wrongModel = withW('train', [a('atlanta', 'mi300x', 0, [0, 1, 2, 3]), a('atlanta', 'mi300x', 1, [0, 1, 2, 3])]);
  expect(checkPlacement(fleet, fleet.workloads, wrongModel).some((v) => v.rule === 'gpu-fit' && v.message.includes('needs A100-80GB'))).toBe(true);
  const fat = { ...fleet, workloads: [] };
  const big = [{ ...fleet.workloads.find((w) => w.name === 'edge')!, cpu: 20, replicas: 1 }];
  expect(checkPlacement(fat, big, { workloads: [{ name: 'edge', assignments: [a('frankfurt', 'mgmt', 0)] }] }).map((v) => v.rule)).toEqual(['capacity']);
});

test('the checker catches anti-affinity and mixed MIP profiles on one GPU', () => {
  const cacheSite = valid.workloads.find((w) => w.name === 'cache')!.assignments[0]!;
  expect(rules(withW('edge', [a(cacheSite.site, cacheSite.pool, 0, [], cacheSite.cluster)]))).toContain('anti-affinity');
  const ws = [...fleet.workloads, { ...fleet.workloads.find((w) => w.name === 'infer')!, name: 'other', gpu: { count: 1, migProfile: '3g.40gb' }, latency: undefined } as never];
  const mixed = { workloads: [{ name: 'infer', assignments: [a('quebec', 'a100', 1, [5])] }, { name: 'other', assignments: [a('quebec', 'a100', 1, [5])] }] };
  expect(checkPlacement(fleet, ws, mixed).some((v) => v.message.includes('mixes MIG profiles'))).toBe(true);
});

describe('workload validation', () => {
  const issues = (workloads: unknown) => {
    const r = validateFleet({ ...referenceFleetSpec, workloads });
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
  };
  test('names the workload and suggests site and workload names', () => {
    const out = issues([
      { name: 'train', pinnedSite: 'quebc', affinity: ['infr'], gpu: { model: 'A100-80G' } },
      { name: 'infer', latency: { maxRttMs: 10, to: 'atlnta' }, allowedJurisdictions: ['XX'] },
    ]);
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^workloads\[train\]\.pinnedSite: no site named 'quebc'; did you mean 'quebec'\?/),
        expect.stringMatching(/^workloads\[train\]\.affinity: no workload named 'infr'; did you mean 'infer'\?/),
        expect.stringMatching(/^workloads\[train\]\.gpu\.model: unknown GPU model 'A100-80G'; did you mean 'A100-80GB'\?/),
        expect.stringMatching(/^workloads\[infer\]\.latency\.to: no site named 'atlnta'; did you mean 'atlanta'\?/),
        expect.stringMatching(/^workloads\[infer\]\.allowedJurisdictions: 'XX' is neither/),
      ]),
    );
  });
  test('structural errors carry named paths too', () => {
    expect(issues([{ name: 'a', replicas: 0, gpu: { count: 2, migProfile: '1g.10gb' } }])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^workloads\[a\]\.replicas: must be at least 1/), expect.stringMatching(/^workloads\[a\]\.gpu\.count: a replica with a MIG profile takes one slice/)]),
    );
  });
  test('a valid fleet with workloads resolves them with defaults, sorted by name', () => {
    const r = validateFleet({ ...referenceFleetSpec, workloads: [{ name: 'b' }, { name: 'a', gpu: { model: 'MI300X' } }] });
    expect(r.ok && r.fleet.workloads.map((w) => [w.name, w.replicas, w.priority, w.gpu?.vendor])).toEqual([
      ['a', 1, 1, 'amd'],
      ['b', 1, 1, undefined],
    ]);
  });
});
