import { Construct } from 'constructs';
import { resolveStages, type ResolvedStage, type RolloutCluster, type StageSpec } from '../lib/rollout/stages';
import { ValidationError } from '../lib/model/errors';
import { gpuModel } from '../lib/model/gpu-models';
import { Fleet } from './fleet';
import { autopilotWindow } from '../lib/rollout/window';
import type { PlacedObject } from '../lib/synth/objects';

export type { StageSpec, HealthGate, StageWindow, Weekday } from '../lib/rollout/stages';

/** Kubernetes upgrades by k0s autopilot, in each stage's window. */
export interface KubernetesUpgradesProps {
  /** The update channel autopilot follows. @default 'stable' */
  readonly channel?: string;
  /** The update server. @default 'https://updates.k0sproject.io' */
  readonly updateServer?: string;
}

/** Properties of a {@link Rollout}. */
export interface RolloutProps {
  /** Ordered stages; every cluster of the fleet belongs to exactly one. */
  readonly stages: readonly StageSpec[];
  /**
   * The tree to compare with for the change list of ROLLOUT.md, already read (`readRolloutBase(source,
   * outdir)` or `readTree(dir)`), with the name the report gives it. Usually given to synth instead:
   * `fleet.synth({ rolloutBase: { gitRef: 'main' } })` or `{ folder: '../previous/dist' }` (one or the other).
   * @default - no change list
   */
  readonly base?: { readonly name: string; readonly tree: ReadonlyMap<string, string> };
  /**
   * Upgrade Kubernetes (k0s) with autopilot in each stage's window: an `UpdateConfig` (periodic strategy,
   * the window in UTC) in each standalone k0s cluster's folder. Every stage with standalone clusters then
   * needs a window.
   * @default - no autopilot configuration
   */
  readonly kubernetesUpgrades?: KubernetesUpgradesProps;
}

/**
 * A rollout in ordered stages (explicit clusters, label selectors, or canaries the fleet chooses for
 * coverage of region, hardware and mode), with how many clusters update at once and how long each stage
 * soaks. A {@link GitOps} delivery compiles it to its engine; the report (ROLLOUT.md, rollout.json) is
 * written by the GitOps delivery that uses it.
 */
export class Rollout extends Construct {
  public readonly stageSpecs: readonly StageSpec[];
  public readonly base?: RolloutProps['base'];
  public readonly kubernetesUpgrades?: KubernetesUpgradesProps;
  private readonly fleet: Fleet;

  constructor(scope: Construct, id: string, props: RolloutProps) {
    super(scope, id);
    this.fleet = Fleet.of(scope);
    this.stageSpecs = props.stages.map((s) => ({ ...s }));
    if (props.base) this.base = props.base;
    if (props.kubernetesUpgrades) this.kubernetesUpgrades = props.kubernetesUpgrades;
    this.node.addValidation({
      validate: () => {
        const r = resolveStages(this.node.path, this.stageSpecs, this.rolloutClusters(), this.fleet.savedState.previousCanaries);
        const out = r.issues.map((i) => `${i.path.slice(this.node.path.length + 2)}: ${i.message}`);
        if (out.length === 0 && this.kubernetesUpgrades) out.push(...this.upgradePlan(r.stages).problems);
        return out;
      },
    });
    this.fleet.addOutputRenderer(() => {
      if (!this.kubernetesUpgrades) return { objects: [], files: [] };
      return { objects: this.upgradePlan(this.stages()).objects.map((o) => ({ ...o, source: this.node.path })), files: [] };
    });
  }

  /**
   * The autopilot UpdateConfigs (one per standalone k0s cluster, with its stage's window in UTC), the
   * problems (a stage with standalone clusters and no window, a window with nothing left in UTC) and notes.
   */
  private upgradePlan(stages: readonly ResolvedStage[]): { objects: Omit<PlacedObject, 'source'>[]; problems: string[]; notes: string[] } {
    const objects: Omit<PlacedObject, 'source'>[] = [];
    const problems: string[] = [];
    const notes: string[] = [];
    const up = this.kubernetesUpgrades;
    if (!up) return { objects, problems, notes };
    const byName = new Map(this.rolloutClusters().map((c) => [c.name, c] as const));
    const others = new Map<string, string[]>();
    stages.forEach((s, i) => {
      const standalone = s.clusters.filter((c) => byName.get(c)?.mode === 'standalone');
      for (const c of s.clusters.filter((x) => byName.get(x)?.mode !== 'standalone')) others.set(byName.get(c)!.mode, [...(others.get(byName.get(c)!.mode) ?? []), c]);
      if (standalone.length === 0) return;
      if (!s.window) {
        problems.push(`stages[${i}] (${s.name}).window: kubernetesUpgrades upgrades standalone k0s clusters (${standalone.join(', ')}) only inside a window; give the stage a window (e.g. { timeZone: 'Europe/Paris', days: ['Tue'], start: '02:00', length: '4h' })`);
        return;
      }
      const w = autopilotWindow(s.window);
      if ('problem' in w) {
        problems.push(`stages[${i}] (${s.name}).window: ${w.problem}`);
        return;
      }
      notes.push(`k0s autopilot, stage ${s.name}: ${w.periodic.days.join(', ')} ${w.periodic.startTime} UTC for ${w.periodic.length}${w.notes.length > 0 ? ` (${w.notes.join('; ')})` : ''}.`);
      for (const c of standalone) {
        const rc = byName.get(c)!;
        objects.push({
          target: { kind: 'cluster', site: rc.site, cluster: c },
          object: {
            apiVersion: 'autopilot.k0sproject.io/v1beta2',
            kind: 'UpdateConfig',
            metadata: { name: 'k0smos-rollout', labels: { ...this.fleet.commonLabels(), 'k0smos.io/stage': s.name } },
            spec: {
              channel: up.channel ?? 'stable',
              updateServer: up.updateServer ?? 'https://updates.k0sproject.io',
              upgradeStrategy: { type: 'periodic', periodic: w.periodic },
              planSpec: { commands: [{ k0supdate: { targets: { controllers: { discovery: { selector: {} } }, workers: { discovery: { selector: {} }, limits: { concurrent: 1 } } } } }] },
            },
          },
        });
      }
    });
    if (objects.length > 0) notes.push(`k0s autopilot has no order between clusters: each upgrades in its own stage's window when the channel offers a newer k0s, so give earlier stages earlier windows. Autopilot reads startTime in the controllers' local zone: the UTC above assumes controllers run in UTC.`);
    const why: Record<string, string> = {
      hosted: 'k0smotron-hosted control planes are upgraded by their version in the fleet, not by autopilot',
      k0rdent: 'kcm upgrades the clusters it deploys through their ClusterTemplate',
      external: 'clusters the fleet does not run k0s on',
    };
    for (const [mode, cs] of [...others].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) notes.push(`k0s autopilot skips ${cs.sort().join(', ')} (${mode}: ${why[mode] ?? mode}).`);
    return { objects, problems, notes };
  }

  /** The notes of the Kubernetes upgrades for ROLLOUT.md (empty without `kubernetesUpgrades`). */
  public upgradeNotes(): string[] {
    return this.kubernetesUpgrades ? this.upgradePlan(this.stages()).notes : [];
  }

  /** Every cluster of the fleet as the rollout sees it, sorted by name. */
  public rolloutClusters(): RolloutCluster[] {
    return this.fleet.clusters().map((c) => {
      const site = this.fleet.site(c.siteName);
      const gpus = site.nodePools
        .filter((p) => c.nodePools.includes(p.name) && p.gpus)
        .map((p) => `${gpuModel(p.gpus!.model)?.vendor ?? 'gpu'}/${p.gpus!.model}`);
      return {
        name: c.name,
        site: c.siteName,
        region: site.region,
        hardware: gpus.length > 0 ? [...new Set(gpus)].sort().join('+') : 'none',
        mode: c.controlPlane?.mode ?? 'external',
        labels: c.clusterLabels,
      };
    });
  }

  /** The stages with their clusters. Throws a ValidationError listing every problem. */
  public stages(): ResolvedStage[] {
    const r = resolveStages(this.node.path, this.stageSpecs, this.rolloutClusters(), this.fleet.savedState.previousCanaries);
    if (r.issues.length > 0) throw new ValidationError(r.issues);
    return r.stages;
  }
}
