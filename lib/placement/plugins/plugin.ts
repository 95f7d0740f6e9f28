/**
 * The plugin shapes, after the kube-scheduler framework: a filter says yes or no with a reason,
 * a score term ranks. The core knows no domain rule; each rule is one file listed in `index.ts`.
 */
import type { FleetModel, SiteModel } from '../../model/fleet';
import type { WorkloadModel } from '../../model/workload';
import type { PoolInfo } from '../instance';

/** What filters may consult. */
export interface FilterContext {
  readonly fleet: FleetModel;
  readonly workloads: ReadonlyMap<string, WorkloadModel>;
}

/** A read-only view of a (partial) placement: replicas per workload and site. */
export interface PlacementView {
  countAt(workload: string, site: string): number;
  /** `site/cluster` keys where the workload runs now, sorted. */
  clustersOf?(workload: string): readonly string[];
}

/** Rows a relational filter adds to the MIP. Columns are created on demand by the engine. */
export interface MipRows {
  /** Sites where `w` has at least one eligible pool. */
  eligibleSites(w: string): readonly string[];
  /** Binary column: `w` runs at `site` (linked to its replica columns by the engine). */
  siteUse(w: string, site: string): number;
  /** Binary column: `w` runs anywhere (every site-use column is at most it). */
  anyUse(w: string): number;
  /** Replica-count columns of `w` at `site`. */
  replicaCols(w: string, site: string): readonly number[];
  /** `site/cluster` keys where `w` has at least one eligible pool. */
  eligibleClusters(w: string): readonly string[];
  /** Binary column: `w` runs in cluster `key` (`site/cluster`); at least 1 when any replica does. */
  clusterUse(w: string, key: string): number;
  /** Adds `lower <= Σ coef·col <= upper`. */
  addRow(lower: number, upper: number, cols: readonly number[], coefs: readonly number[]): void;
}

/** A hard constraint. Every hook is optional; a rule implements the ones that apply to it. */
export interface FilterPlugin {
  readonly name: string;
  /**
   * Can this site ever host a replica of `w`? A reason when not. `site` and `pool` may read only a
   * workload's needs (GPU, CPU, memory, residency, latency, pinning), never its name, replicas,
   * priority, spread or relations: their answers are shared by workloads with the same needs.
   */
  site?(w: WorkloadModel, site: SiteModel, ctx: FilterContext): string | undefined;
  /** Can one node of this pool host a replica of `w` when empty? A reason when not. */
  pool?(w: WorkloadModel, pool: PoolInfo, ctx: FilterContext): string | undefined;
  /** Given the replicas placed so far, may one more replica of `w` go to `site`? */
  admit?(w: WorkloadModel, site: string, view: PlacementView, ctx: FilterContext): string | undefined;
  /** Relational rows of the MIP for `w`. */
  rows?(w: WorkloadModel, m: MipRows, ctx: FilterContext): void;
}

/** Per-replica cost terms of placing `w` on `pool`; lower is better. */
export interface ScoreTerm {
  readonly name: string;
  /** Cost of one replica on a node of `pool`. */
  cost(w: WorkloadModel, pool: PoolInfo, ctx: FilterContext): number;
  /** One line for the explanation, e.g. `carbon 30 g/kWh`. */
  describe(w: WorkloadModel, pool: PoolInfo, ctx: FilterContext): string;
}
