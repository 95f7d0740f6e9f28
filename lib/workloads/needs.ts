/**
 * What a workload needs from placement, as plain data, published by the workload constructs. Training jobs and
 * inference services without a target are placed by the solver at synth; the rest render where their target
 * says (see docs/federated-learning.md, "Seams for integration").
 */
import type { GpuVendor } from '../model/gpu-models';

export interface WorkloadTarget {
  readonly site: string;
  readonly cluster: string;
}

export interface PlacementNeeds {
  /** Construct path plus role, unique in the app, e.g. `geo/fl/superlink`. */
  readonly workload: string;
  readonly role: 'flower-superlink' | 'flower-supernode' | 'training' | 'inference';
  /** GPUs per replica and how many replicas. */
  readonly gpu?: { readonly vendor?: GpuVendor; readonly model?: string; readonly count: number };
  readonly replicas: number;
  /** Jurisdictions (country codes or blocs such as EU) the workload may run in; undefined: anywhere. */
  readonly jurisdictions?: readonly string[];
  /** Round-trip bound to another site, in ms. */
  readonly maxLatencyMs?: { readonly toSite: string; readonly ms: number };
  /** Set when the solver may not move the workload (a SuperNode stays with its data). */
  readonly pinnedSite?: string;
  /** Where it is rendered: the explicit target, or the default (the management site for a SuperLink); undefined when the solver chooses at synth. */
  readonly target?: WorkloadTarget;
}

/** Resources that give a container its GPUs; the seam for MIG profiles and DRA claims from the GPU layer. */
export type { GpuResources } from '../flower/objects';
