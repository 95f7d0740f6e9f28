/**
 * Rollout stage features compiled to each engine: health gates, time windows (time-zone aware, no clock),
 * manual approval, Sveltos ClusterPromotion stages, Argo CD RollingSync steps and sync windows, Flux
 * health checks, and k0s autopilot windows for Kubernetes upgrades; what an engine cannot do is an error
 * by path or a note in ROLLOUT.md.
 */
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Delivery, Fleet, GitOps, Rollout, type KubernetesUpgradesProps, type StageSpec } from '../../constructs';
import { resolveStages } from '../../lib/rollout/stages';
import { autopilotWindow, sveltosWindow, windowAt, zoneOffsets, type StageWindow } from '../../lib/rollout/window';
import { describeWithSchemas, rejections, treeFailures } from '../helpers';
import { deliveryProblems } from './delivery-check';
import { edgeSitesSpec } from './edge-sites';

const REPO = { url: 'https://git.example.com/ops/fleet.git', path: 'out' };
const CHECK = { managementCluster: 'hub', repoPath: 'out' };
const PARIS: StageWindow = { timeZone: 'Europe/Paris', days: ['Tue', 'Thu'], start: '02:00', length: '4h' };

// 10 edge sites: k0rdent clusters lab and edge-007; hosted store, edge-000, edge-005; standalone hub.
function build(delivery: Delivery, stages: StageSpec[], kubernetesUpgrades?: KubernetesUpgradesProps) {
  const fleet = Fleet.fromSpec(new App(), 'modes', edgeSitesSpec(10));
  const rollout = new Rollout(fleet, 'rollout', { stages, ...(kubernetesUpgrades ? { kubernetesUpgrades } : {}) });
  new GitOps(fleet, 'gitops', { repository: REPO, delivery, rollout });
  return fleet;
}

function objectsOf(tree: ReadonlyMap<string, string>, kind: string): any[] {
  const out: any[] = [];
  for (const [file, text] of tree) {
    if (!file.endsWith('.yaml') || file.endsWith('kustomization.yaml')) continue;
    for (const d of parseAllDocuments(text)) {
      const o = d.toJSON();
      if (o?.kind === kind) out.push({ ...o, file });
    }
  }
  return out;
}

const GATE = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'store', name: 'shelf-vision' };
const STAGES: StageSpec[] = [
  { name: 'canary', clusters: ['lab', 'edge-001'], soak: '4h', healthGates: [GATE] },
  { name: 'south', selector: { 'k0smos.io/region': 'eu-south' }, approval: 'manual', maxConcurrency: 2 },
  { name: 'rest', selector: {}, window: PARIS },
];

describe('time windows (lib/rollout/window.ts)', () => {
  it('reads the zone offsets from ICU for a fixed year, without a clock', () => {
    expect(zoneOffsets('Europe/Paris')).toEqual([60, 120]);
    expect(zoneOffsets('UTC')).toEqual([0]);
    expect(zoneOffsets('Asia/Kolkata')).toEqual([330]);
  });
  it('autopilot: the UTC window open in both standard and daylight saving time, days shifted across midnight', () => {
    expect(autopilotWindow(PARIS)).toEqual({ periodic: { days: ['Tuesday', 'Thursday'], startTime: '01:00', length: '3h' }, notes: [expect.stringMatching(/moves by 60 minutes/)] });
    expect(autopilotWindow({ timeZone: 'America/New_York', days: ['Mon'], start: '22:00', length: '4h' })).toMatchObject({ periodic: { days: ['Tuesday'], startTime: '03:00', length: '3h' } });
    expect(autopilotWindow({ timeZone: 'UTC', start: '23:00', length: '30m' })).toEqual({ periodic: { days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'], startTime: '23:00', length: '30m' }, notes: [] });
  });
  it('autopilot: a window across midnight UTC keeps its longer part, and says so', () => {
    const w = autopilotWindow({ timeZone: 'UTC', days: ['Fri'], start: '23:00', length: '3h' });
    expect(w).toMatchObject({ periodic: { days: ['Saturday'], startTime: '00:00', length: '2h' }, notes: [expect.stringMatching(/cut to the 2h after midnight/)] });
  });
  it('autopilot: a window shorter than the daylight saving shift has nothing left, with the fix', () => {
    expect(autopilotWindow({ timeZone: 'Europe/Paris', start: '02:00', length: '45m' })).toEqual({ problem: expect.stringMatching(/lengthen it beyond 1h/) });
  });
  it('Sveltos: CRON_TZ cron expressions; the closing day moves when the window crosses midnight', () => {
    expect(sveltosWindow(PARIS)).toEqual({ from: 'CRON_TZ=Europe/Paris 0 2 * * 2,4', to: 'CRON_TZ=Europe/Paris 0 6 * * 2,4' });
    expect(sveltosWindow({ timeZone: 'Europe/Paris', days: ['Sat', 'Sun'], start: '22:00', length: '4h' })).toEqual({ from: 'CRON_TZ=Europe/Paris 0 22 * * 0,6', to: 'CRON_TZ=Europe/Paris 0 2 * * 0,1' });
  });
  it('"now" is an argument: open in summer and winter at the same local time', () => {
    expect(windowAt(PARIS, new Date('2026-07-07T00:30:00Z'))).toEqual({ open: true, opens: new Date('2026-07-07T00:00:00Z'), closes: new Date('2026-07-07T04:00:00Z') });
    expect(windowAt(PARIS, new Date('2026-12-08T00:30:00Z'))).toEqual({ open: false, opens: new Date('2026-12-08T01:00:00Z'), closes: new Date('2026-12-08T05:00:00Z') });
  });
  it('a bad window is an error by path, with the fix', () => {
    const c = [{ name: 'a', site: 'a', region: 'r', hardware: 'none', mode: 'external', labels: {} }];
    const r = resolveStages('x', [{ name: 'all', selector: {}, window: { timeZone: 'Mars/Olympus', start: '25:00', length: '30h', days: ['Mon', 'Fun' as never] } }], c);
    expect(r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "x: stages[0] (all).window.timeZone: 'Mars/Olympus' is not a time zone this Node.js knows; give an IANA name such as 'Europe/Paris' or 'UTC'",
      "x: stages[0] (all).window.start: '25:00' is not a time of day; write HH:MM (24 h), e.g. '02:00'",
      "x: stages[0] (all).window.length: '30h' is not a length between 1m and 23h59m; write e.g. '4h' or '1h30m'",
      "x: stages[0] (all).window.days: 'Fun' is not a day; use Mon, Tue, Wed, Thu, Fri, Sat, Sun",
    ]);
  });
});

describe('Flux: health gates are healthChecks of the stage clusters\' apps Kustomizations', () => {
  const tree = build(Delivery.flux(), STAGES).toTree();
  const ks = objectsOf(tree, 'Kustomization');
  it('only the canary stage\'s apps units carry the gate', () => {
    const withChecks = ks.filter((k) => k.spec.healthChecks).map((k) => k.metadata.name).sort();
    expect(withChecks).toEqual(['edge-001-apps', 'lab-apps']);
    expect(ks.find((k) => k.metadata.name === 'lab-apps').spec.healthChecks).toEqual([GATE]);
  });
  it('ROLLOUT.md says what Flux leaves to whoever promotes (window, approval, soak)', () => {
    const md = tree.get('ROLLOUT.md')!;
    expect(md).toContain('- starts after manual approval');
    expect(md).toContain('- starts only inside Tue, Thu 02:00 for 4h (Europe/Paris)');
    expect(md).toContain('- healthy when: Deployment store/shelf-vision');
    expect(md).toMatch(/Flux \/ k0rdent have no time windows: promote rest only inside/);
    expect(md).toMatch(/manual approval of south is the push of its branch/);
    expect(JSON.parse(tree.get('rollout.json')!).stages[2].window).toEqual(PARIS);
  });
  it('still delivers every folder once', () => expect(deliveryProblems(tree, CHECK)).toEqual([]));
});

describe('Argo CD: manual approval is maxUpdate 0; windows are sync windows of the fleet\'s AppProject', () => {
  const tree = build(Delivery.argoCd(), STAGES).toTree();
  const appset = objectsOf(tree, 'ApplicationSet')[0];
  it('the south stage\'s first step updates nothing until someone syncs it; its later step keeps maxConcurrency', () => {
    const south = JSON.parse(tree.get('sites/edge-009/edge-009/cluster.json')!);
    const step = (id: string) => appset.spec.strategy.rollingSync.steps.find((s: any) => s.matchExpressions[0].values[0] === id);
    expect(step(south.infraStep).maxUpdate).toBe(0);
    expect(step(south.appsStep).maxUpdate).toBe(2);
  });
  it('an AppProject with the rest stage\'s window (allow, in its time zone, for its clusters) that the Applications use', () => {
    const [project] = objectsOf(tree, 'AppProject');
    expect(project.metadata.name).toBe('modes-rollout');
    expect(project.spec.syncWindows).toEqual([expect.objectContaining({ kind: 'allow', schedule: '0 2 * * 2,4', duration: '4h', timeZone: 'Europe/Paris', clusters: expect.arrayContaining(['edge-003', 'store']) })]);
    expect(appset.spec.template.spec.project).toBe('modes-rollout');
  });
  it('a project of the user\'s with windows is refused, with both fixes', () => {
    const fleet = build(Delivery.argoCd({ project: 'stores' }), STAGES);
    expect(rejections(() => fleet.toTree()).join('\n')).toMatch(/Argo CD project 'stores' is given, but stages rest have windows.*leave project out, or remove the windows/);
  });
  describeWithSchemas('schemas', () => {
    it('validates against the upstream CRDs', () => expect(treeFailures(tree)).toEqual([]));
  });
});

describe('k0rdent with a Sveltos ClusterPromotion', () => {
  const stages: StageSpec[] = [
    { name: 'canary', clusters: ['lab', 'edge-001'], soak: '4h', healthGates: [GATE] },
    { name: 'seven', clusters: ['edge-007'], window: PARIS },
    { name: 'rest', selector: {}, approval: 'manual' },
  ];
  const tree = build(Delivery.k0rdent({ promotion: { revision: 'release-42' } }), stages).toTree();
  const [promotion] = objectsOf(tree, 'ClusterPromotion');
  it('one ClusterPromotion: a stage per stage with k0rdent clusters, selected by name', () => {
    expect(promotion.spec.stages.map((s: any) => [s.name, s.clusterSelector.matchExpressions[0].values])).toEqual([
      ['canary', ['lab']],
      ['seven', ['edge-007']],
    ]);
    expect(promotion.spec.profileSpec.kustomizationRefs.map((r: any) => r.path)).toEqual([
      './out/sites/{{ index .Cluster.metadata.labels "k0smos.io/site" }}/{{ .Cluster.metadata.name }}/infra',
      './out/sites/{{ index .Cluster.metadata.labels "k0smos.io/site" }}/{{ .Cluster.metadata.name }}/apps',
    ]);
  });
  it('a stage\'s trigger: its soak and health gates, then the next stage\'s window', () => {
    expect(promotion.spec.stages[0].trigger).toEqual({
      auto: {
        delay: '4h',
        postDelayHealthChecks: [
          {
            name: 'canary-gate-1',
            featureID: 'Kustomize',
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'store',
            evaluateCEL: [{ name: 'ready', rule: "resource.metadata.name != 'shelf-vision' || (has(resource.status.readyReplicas) && resource.status.readyReplicas == resource.spec.replicas)" }],
          },
        ],
        promotionWindow: { from: 'CRON_TZ=Europe/Paris 0 2 * * 2,4', to: 'CRON_TZ=Europe/Paris 0 6 * * 2,4' },
      },
    });
  });
  it('the source is the tag the rollout reads', () => {
    const src = objectsOf(tree, 'GitRepository').find((g) => g.metadata.name === 'modes-release-42');
    expect(src.spec.ref).toEqual({ tag: 'release-42' });
    expect(tree.get('GITOPS.md')).toMatch(/needs Sveltos v1\.14\.0/);
  });
  it('every folder once, to its cluster (the checker reads ClusterPromotion stages too)', () => expect(deliveryProblems(tree, CHECK)).toEqual([]));
  describeWithSchemas('schemas', () => {
    it('validates against the upstream CRDs (ClusterPromotion v1.14)', () => expect(treeFailures(tree)).toEqual([]));
  });
  it('refuses what a ClusterPromotion cannot do: a window on its first stage, a window with manual approval, no rollout', () => {
    const first = build(Delivery.k0rdent({ promotion: { revision: 'r1' } }), [{ name: 'canary', clusters: ['lab'], window: PARIS }, { name: 'rest', selector: {} }]);
    expect(rejections(() => first.toTree()).join('\n')).toMatch(/the first stage of the Sveltos ClusterPromotion has a window.*put a stage before it/);
    const both = build(Delivery.k0rdent({ promotion: { revision: 'r1' } }), [{ name: 'canary', clusters: ['lab'] }, { name: 'rest', selector: {}, window: PARIS, approval: 'manual' }]);
    expect(rejections(() => both.toTree()).join('\n')).toMatch(/stages \(rest\): has both a window and manual approval/);
    const f = Fleet.fromSpec(new App(), 'modes', edgeSitesSpec(2));
    new GitOps(f, 'gitops', { repository: REPO, delivery: Delivery.k0rdent({ promotion: { revision: 'r1' } }) });
    expect(rejections(() => f.toTree()).join('\n')).toMatch(/promotion \(a Sveltos ClusterPromotion\) needs a rollout/);
  });
});

describe('Kubernetes upgrades: k0s autopilot windows', () => {
  const stages: StageSpec[] = [
    { name: 'canary', clusters: ['edge-001'] },
    { name: 'core', clusters: ['hub'], window: PARIS },
    { name: 'rest', selector: {} },
  ];
  const tree = build(Delivery.flux(), stages, { channel: 'stable' }).toTree();
  it('an UpdateConfig in the standalone cluster\'s folder, with its stage\'s window in UTC', () => {
    const ucs = objectsOf(tree, 'UpdateConfig');
    expect(ucs.map((u) => u.file)).toEqual([expect.stringMatching(/^sites\/hub\/hub\//)]);
    expect(ucs[0].spec.upgradeStrategy).toEqual({ type: 'periodic', periodic: { days: ['Tuesday', 'Thursday'], startTime: '01:00', length: '3h' } });
  });
  it('ROLLOUT.md says which clusters autopilot skips and why', () => {
    const md = tree.get('ROLLOUT.md')!;
    expect(md).toMatch(/k0s autopilot, stage core: Tuesday, Thursday 01:00 UTC for 3h/);
    expect(md).toMatch(/k0s autopilot skips .*edge-000.*\(hosted: k0smotron-hosted control planes/);
  });
  it('a stage with standalone clusters and no window is an error naming them', () => {
    const f = build(Delivery.flux(), [{ name: 'all', selector: {} }], {});
    expect(rejections(() => f.toTree()).join('\n')).toMatch(/stages\[0\] \(all\)\.window: kubernetesUpgrades upgrades standalone k0s clusters \(hub\) only inside a window/);
  });
  describeWithSchemas('schemas', () => {
    it('validates against the upstream CRDs', () => expect(treeFailures(tree)).toEqual([]));
  });
});
