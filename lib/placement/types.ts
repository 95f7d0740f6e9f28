/**
 * The placement solver's public types: options in, a `Placement` out.
 */
import type { Highs } from 'highs';
import './wasm-global';

/** Which cost the third objective minimises. */
export type CostKind = 'carbon' | 'energy';

/** Options of `place()`. */
export interface PlaceOptions {
  /**
   * A loaded HiGHS runtime (`await loadHighs()`). Without it the solver returns the greedy placement
   * with status `heuristic`. Loading is asynchronous and reads a file, so it happens at the edge.
   * @default - greedy only
   */
  readonly highs?: Highs;
  /**
   * The placement of the previous run; replicas that stay where they were cost no churn.
   * @default - none (no churn term)
   */
  readonly previous?: PreviousPlacement;
  /**
   * Wall-clock safety limit of each solve in seconds. A solve it stops is discarded (the placement
   * falls back to the warm start for that stage, with a note), so results never depend on machine
   * speed unless this limit is reached; the limit that normally binds is `workLimit`. 300 s leaves room for
   * a loaded machine (a solve of ~20 s CPU took 160 s wall at load 15), so the same input gives the same placement.
   * @default 300
   */
  readonly timeLimitSec?: number;
  /**
   * Deterministic work limit of each MIP stage: simplex iterations summed over the branch-and-bound
   * tree. The same input stops at the same point on every machine.
   * @default 50000
   */
  readonly workLimit?: number;
  /**
   * Relative MIP gap at which a stage stops.
   * @default 0.0001
   */
  readonly mipRelGap?: number;
  /**
   * Cost minimised by the third objective.
   * @default 'carbon'
   */
  readonly cost?: CostKind;
  /**
   * Run the second MIP stage in full (churn, then carbon, then balance, under the optimal placed
   * work). Off, the second stage minimises churn only (when a previous placement is given) and
   * carbon and balance come from the warm start's choices among equal-work placements.
   * @default true
   */
  readonly secondStage?: boolean;
  /**
   * Also solve the LP relaxation of stage 1 and report its value as `lpBound`.
   * @default false
   */
  readonly lpBound?: boolean;
  /**
   * Largest node-level model (replica columns per node) solved exactly. Larger fleets aggregate
   * identical nodes into GPU patterns, with CPU and memory summed per pool and packed per node afterwards.
   * @default 20000
   */
  readonly nodeLevelMaxCols?: number;
}

/** A previous placement: replicas per workload per site, with their nodes when known. */
export interface PreviousPlacement {
  readonly workloads: readonly {
    readonly name: string;
    readonly assignments: readonly { readonly site: string; readonly cluster?: string; readonly pool?: string; readonly node?: number; readonly gpus?: readonly number[] }[];
  }[];
}

/** Solution quality. */
export type PlacementStatus = 'optimal' | 'feasible' | 'heuristic';

/** One placed replica. */
export interface ReplicaAssignment {
  /** Replica index, 0-based, ordered by site, cluster, pool, node. */
  readonly replica: number;
  readonly site: string;
  readonly cluster: string;
  readonly pool: string;
  /** Node index within the pool, 0-based. */
  readonly node: number;
  /** GPU indices on the node (for a MIG slice: the GPU that holds it). */
  readonly gpus: readonly number[];
}

/** Why a site could not take (more of) a workload. */
export interface SiteReason {
  readonly site: string;
  /** The plugin that said no, e.g. `residency`, `gpu-fit`. */
  readonly plugin: string;
  readonly reason: string;
}

/** Where one workload went and why. */
export interface WorkloadPlacement {
  readonly name: string;
  readonly replicas: number;
  readonly placed: number;
  readonly priority: number;
  readonly assignments: readonly ReplicaAssignment[];
  /** Why the chosen sites: one line per site used (score terms). */
  readonly why: readonly string[];
  /** For unplaced replicas: a reason per site of the fleet. Empty when all replicas are placed. */
  readonly reasons: readonly SiteReason[];
  /** What would make the unplaced replicas fit (which pool, how many GPUs or nodes). */
  readonly suggestions: readonly string[];
}

/** Objective values of a placement, in their lexicographic order. */
export interface PlacementObjective {
  /** Priority-weighted placed work (maximised): Σ priority × work, work = GPUs per replica (1 for a CPU replica or MIG slice). */
  readonly placedValue: number;
  /** Replicas that left a site they ran on in the previous placement (minimised). */
  readonly churn: number;
  /** gCO2 per hour (carbon) or energy cost per hour (energy) of the placed replicas (minimised). */
  readonly cost: number;
  /** Σ over placed GPU work of work / GPUs installed at the site: lower means load follows capacity (minimised). */
  readonly balance: number;
}

/** The result of `place()`. */
export interface Placement {
  readonly status: PlacementStatus;
  /** `mip` when HiGHS ran, `greedy` otherwise. */
  readonly engine: 'mip' | 'greedy';
  readonly objective: PlacementObjective;
  /** Proven upper bound on `placedValue` (MIP dual bound; or a capacity bound for the greedy). */
  readonly bound: number;
  /** (bound − placedValue) / bound; 0 when proven optimal. */
  readonly gap: number;
  /** LP relaxation value of stage 1, when `lpBound` was asked for. */
  readonly lpBound?: number;
  /** Notes about the solve (time limits, repairs). */
  readonly notes: readonly string[];
  readonly workloads: readonly WorkloadPlacement[];
}
