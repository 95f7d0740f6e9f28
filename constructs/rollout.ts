import { Construct } from 'constructs';
import { resolveStages, type ResolvedStage, type RolloutCluster, type StageSpec } from '../lib/rollout/stages';
import { ValidationError } from '../lib/model/errors';
import { gpuModel } from '../lib/model/gpu-models';
import { Fleet } from './fleet';

export type { StageSpec } from '../lib/rollout/stages';

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
  private readonly fleet: Fleet;

  constructor(scope: Construct, id: string, props: RolloutProps) {
    super(scope, id);
    this.fleet = Fleet.of(scope);
    this.stageSpecs = props.stages.map((s) => ({ ...s }));
    if (props.base) this.base = props.base;
    this.node.addValidation({ validate: () => resolveStages(this.node.path, this.stageSpecs, this.rolloutClusters()).issues.map((i) => `${i.path.slice(this.node.path.length + 2)}: ${i.message}`) });
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
    const r = resolveStages(this.node.path, this.stageSpecs, this.rolloutClusters());
    if (r.issues.length > 0) throw new ValidationError(r.issues);
    return r.stages;
  }
}
