/**
 * Rollout stages resolved to clusters: ordered stages, each taking the clusters it names, selects by
 * label, or computes (canaries); every cluster in exactly one stage. Pure.
 */
import type { ValidationIssue } from '../model/errors';
import { chooseCanaries, type CanaryCandidate, type CanaryChoice } from './canaries';
import { windowIssues, type StageWindow } from './window';

export type { StageWindow, Weekday } from './window';

/**
 * An object in each cluster of the stage that must be healthy before the stage counts as done (and the
 * next may start): a Deployment, StatefulSet or DaemonSet with every replica ready, or any object whose
 * `Ready` condition is `True`.
 */
export interface HealthGate {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** @default - cluster-scoped */
  readonly namespace?: string;
}

/** A cluster as the rollout sees it. */
export interface RolloutCluster extends CanaryCandidate {
  readonly site: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One stage as given. Exactly one of `clusters`, `selector` or `canaries`. */
export interface StageSpec {
  readonly name: string;
  /** Cluster names. */
  readonly clusters?: readonly string[];
  /** Label selector (`matchLabels`); `{}` selects every cluster not in an earlier stage. */
  readonly selector?: Readonly<Record<string, string>>;
  /** Number of canaries chosen for coverage among the clusters not in an earlier stage. */
  readonly canaries?: number;
  /** Clusters always kept among the canaries (for example the previous ones). */
  readonly pinned?: readonly string[];
  /** Clusters updated at once. @default - all of the stage */
  readonly maxConcurrency?: number;
  /** Time to watch the stage after it is healthy, before the next starts: `30m`, `4h`, `2d`. @default '0s' */
  readonly soak?: string;
  /**
   * Objects that must be healthy in each cluster of the stage before the next stage starts.
   * @default - the engine's own health of what it applied
   */
  readonly healthGates?: readonly HealthGate[];
  /**
   * When the stage may start: a recurring window in a time zone.
   * @default - any time
   */
  readonly window?: StageWindow;
  /**
   * `manual`: the stage starts only when someone approves it (the engine's manual gate).
   * @default - starts when the previous stage is done
   */
  readonly approval?: 'manual';
}

export interface ResolvedStage {
  readonly name: string;
  readonly clusters: readonly string[];
  readonly how: 'explicit' | 'selector' | 'canaries';
  readonly maxConcurrency?: number;
  readonly soak: string;
  readonly canaries?: CanaryChoice;
  readonly healthGates: readonly HealthGate[];
  readonly window?: StageWindow;
  readonly approval?: 'manual';
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const DURATION = /^([0-9]+)(s|m|h|d)$/;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Seconds of a `soak` duration, or undefined when it is not one. */
export function durationSeconds(d: string): number | undefined {
  const m = DURATION.exec(d);
  if (!m) return undefined;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/**
 * Resolves stages in order. A selector or canary stage takes only clusters no earlier stage took; an
 * explicit list naming a cluster an earlier stage took, an unknown cluster, an empty stage or a cluster
 * left in no stage is an error (`at` prefixes the paths).
 */
export function resolveStages(
  at: string,
  stages: readonly StageSpec[],
  clusters: readonly RolloutCluster[],
  /** The canaries each stage chose last time (saved state): kept where they still fit. */
  previousCanaries: Readonly<Record<string, readonly string[]>> = {},
): { stages: ResolvedStage[]; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const byName = new Map(clusters.map((c) => [c.name, c] as const));
  const taken = new Map<string, string>();
  const out: ResolvedStage[] = [];
  if (stages.length === 0) issues.push({ path: `${at}: stages`, message: 'no stages; give at least one (for example { name: "all", selector: {} })' });
  const seenNames = new Set<string>();
  stages.forEach((s, i) => {
    const p = `${at}: stages[${i}] (${s.name})`;
    if (!NAME.test(s.name) || s.name.length > 40) issues.push({ path: `${p}.name`, message: `'${s.name}' must be a DNS label of at most 40 characters (it names branches and labels)` });
    if (seenNames.has(s.name)) issues.push({ path: `${p}.name`, message: `stage '${s.name}' is given twice; stage names must be unique` });
    seenNames.add(s.name);
    const ways = [s.clusters !== undefined, s.selector !== undefined, s.canaries !== undefined].filter(Boolean).length;
    if (ways !== 1) issues.push({ path: p, message: `give exactly one of clusters, selector or canaries; got ${ways}` });
    if (s.maxConcurrency !== undefined && (!Number.isInteger(s.maxConcurrency) || s.maxConcurrency < 1)) issues.push({ path: `${p}.maxConcurrency`, message: `must be a whole number of at least 1; got ${s.maxConcurrency}` });
    const soak = s.soak ?? '0s';
    if (durationSeconds(soak) === undefined) issues.push({ path: `${p}.soak`, message: `'${soak}' is not a duration; write it as <number><s|m|h|d>, e.g. 4h` });
    if (s.window) issues.push(...windowIssues(`${p}.window`, s.window));
    if (s.approval !== undefined && s.approval !== 'manual') issues.push({ path: `${p}.approval`, message: `'${String(s.approval)}' is not an approval; the one kind is 'manual' (leave it out for none)` });
    (s.healthGates ?? []).forEach((g, j) => {
      if (!g.apiVersion || !g.kind || !g.name) issues.push({ path: `${p}.healthGates[${j}]`, message: `give apiVersion, kind and name; got ${JSON.stringify(g)}` });
    });
    const free = clusters.filter((c) => !taken.has(c.name));
    let members: string[] = [];
    let how: ResolvedStage['how'] = 'explicit';
    let canaries: CanaryChoice | undefined;
    if (s.clusters !== undefined) {
      for (const n of s.clusters) {
        if (!byName.has(n)) issues.push({ path: `${p}.clusters`, message: `no cluster named '${n}' in the fleet` });
        else if (taken.has(n)) issues.push({ path: `${p}.clusters`, message: `cluster '${n}' is already in stage '${taken.get(n)}'; a cluster belongs to exactly one stage: remove it from one of them` });
        else members.push(n);
      }
    } else if (s.selector !== undefined) {
      how = 'selector';
      members = free.filter((c) => Object.entries(s.selector!).every(([k, v]) => c.labels[k] === v)).map((c) => c.name);
    } else if (s.canaries !== undefined) {
      how = 'canaries';
      if (!Number.isInteger(s.canaries) || s.canaries < 1) issues.push({ path: `${p}.canaries`, message: `must be a whole number of at least 1; got ${s.canaries}` });
      for (const n of s.pinned ?? []) {
        if (!byName.has(n)) issues.push({ path: `${p}.pinned`, message: `no cluster named '${n}' in the fleet` });
        else if (taken.has(n)) issues.push({ path: `${p}.pinned`, message: `cluster '${n}' is already in stage '${taken.get(n)}'` });
      }
      canaries = chooseCanaries(free, s.canaries, { pinned: (s.pinned ?? []).filter((n) => byName.has(n) && !taken.has(n)), previous: previousCanaries[s.name] ?? [] });
      members = [...canaries.chosen];
    }
    members = [...new Set(members)].sort(cmp);
    if (members.length === 0 && ways === 1) issues.push({ path: p, message: 'selects no cluster (every match is in an earlier stage, or nothing matches); remove the stage or change what it selects' });
    for (const m of members) taken.set(m, s.name);
    out.push({
      name: s.name,
      clusters: members,
      how,
      soak,
      ...(s.maxConcurrency !== undefined ? { maxConcurrency: s.maxConcurrency } : {}),
      ...(canaries ? { canaries } : {}),
      healthGates: [...(s.healthGates ?? [])],
      ...(s.window ? { window: s.window } : {}),
      ...(s.approval ? { approval: s.approval } : {}),
    });
  });
  const left = clusters.map((c) => c.name).filter((n) => !taken.has(n)).sort(cmp);
  if (left.length > 0) {
    issues.push({
      path: `${at}: stages`,
      message: `${left.length} cluster(s) are in no stage: ${left.slice(0, 20).join(', ')}${left.length > 20 ? `, and ${left.length - 20} more` : ''}; every cluster belongs to exactly one stage: add them to a stage, or end with { name: 'rest', selector: {} }`,
    });
  }
  return { stages: out, issues };
}

/** The CEL rule a health gate checks (over `resource`): every replica ready, or the Ready condition. */
export function healthGateRule(g: HealthGate): string {
  if (g.kind === 'Deployment' || g.kind === 'StatefulSet') return 'has(resource.status.readyReplicas) && resource.status.readyReplicas == resource.spec.replicas';
  if (g.kind === 'DaemonSet') return 'has(resource.status.numberReady) && resource.status.numberReady == resource.status.desiredNumberScheduled';
  return "has(resource.status.conditions) && resource.status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')";
}
