import { cmp } from './compare';
/**
 * The GPU models the fleet model knows, with the facts that placement and the GPU operator stacks need.
 *
 * Memory sizes are the vendors' published figures. MIG profiles are NVIDIA's documented GPU-instance
 * profiles for the model (`<compute slices>g.<memory>gb`) with the most instances one GPU holds.
 * AMD partition modes are the compute/memory partition modes of the AMD GPU Operator's Device Config
 * Manager for MI300-class GPUs.
 */

export type GpuVendor = 'nvidia' | 'amd';

/** One MIG (Multi-Instance GPU) profile of an NVIDIA model. */
export interface MigProfile {
  /** Profile name as NVIDIA and the GPU operator spell it, e.g. `1g.10gb`. */
  readonly name: string;
  /** Compute slices (the `Ng` part). */
  readonly computeSlices: number;
  /** Memory slices the profile takes (out of `GpuModel.mig.memorySlices`). */
  readonly memorySlices: number;
  /** Memory of one instance in GiB (nominal, as in the name). */
  readonly memoryGiB: number;
  /** At most this many instances of this profile fit on one GPU. */
  readonly maxPerGpu: number;
}

export interface GpuModel {
  readonly name: string;
  readonly vendor: GpuVendor;
  readonly memoryGiB: number;
  /** Architecture family, for image and driver choices. */
  readonly architecture: string;
  /** MIG facts; absent when the model has no MIG. */
  readonly mig?: {
    readonly computeSlices: number;
    readonly memorySlices: number;
    readonly profiles: readonly MigProfile[];
  };
  /** AMD compute partition modes supported (SPX = whole GPU). Absent for models without partitioning. */
  readonly computePartitions?: readonly ('SPX' | 'DPX' | 'QPX' | 'CPX')[];
  /** AMD memory partition modes supported (NPS1 = whole memory). */
  readonly memoryPartitions?: readonly ('NPS1' | 'NPS2' | 'NPS4' | 'NPS8')[];
  /**
   * AMD compute/memory mode pairs the model accepts, e.g. `CPX/NPS4`. On MI300-class GPUs NPS4 needs CPX
   * (each of the 8 XCDs then gets its own memory partition); the other compute modes run with NPS1.
   */
  readonly partitionPairs?: readonly `${AmdComputePartition}/${AmdMemoryPartition}`[];
}

export type AmdComputePartition = 'SPX' | 'DPX' | 'QPX' | 'CPX';
export type AmdMemoryPartition = 'NPS1' | 'NPS2' | 'NPS4' | 'NPS8';

/** Logical GPUs one physical GPU shows in each AMD compute partition mode. */
export const AMD_LOGICAL_GPUS: Readonly<Record<AmdComputePartition, number>> = { SPX: 1, DPX: 2, QPX: 4, CPX: 8 };

function mig(name: string, computeSlices: number, memorySlices: number, memoryGiB: number, maxPerGpu: number): MigProfile {
  return { name, computeSlices, memorySlices, memoryGiB, maxPerGpu };
}

const A100_40_PROFILES = [
  mig('1g.5gb', 1, 1, 5, 7),
  mig('1g.10gb', 1, 2, 10, 4),
  mig('2g.10gb', 2, 2, 10, 3),
  mig('3g.20gb', 3, 4, 20, 2),
  mig('4g.20gb', 4, 4, 20, 1),
  mig('7g.40gb', 7, 8, 40, 1),
];
const A100_80_PROFILES = [
  mig('1g.10gb', 1, 1, 10, 7),
  mig('1g.20gb', 1, 2, 20, 4),
  mig('2g.20gb', 2, 2, 20, 3),
  mig('3g.40gb', 3, 4, 40, 2),
  mig('4g.40gb', 4, 4, 40, 1),
  mig('7g.80gb', 7, 8, 80, 1),
];
const H200_PROFILES = [
  mig('1g.18gb', 1, 1, 18, 7),
  mig('1g.35gb', 1, 2, 35, 4),
  mig('2g.35gb', 2, 2, 35, 3),
  mig('3g.71gb', 3, 4, 71, 2),
  mig('4g.71gb', 4, 4, 71, 1),
  mig('7g.141gb', 7, 8, 141, 1),
];

const MODELS: readonly GpuModel[] = [
  { name: 'T4', vendor: 'nvidia', memoryGiB: 16, architecture: 'turing' },
  { name: 'A10', vendor: 'nvidia', memoryGiB: 24, architecture: 'ampere' },
  { name: 'L4', vendor: 'nvidia', memoryGiB: 24, architecture: 'ada' },
  { name: 'L40S', vendor: 'nvidia', memoryGiB: 48, architecture: 'ada' },
  {
    name: 'A30',
    vendor: 'nvidia',
    memoryGiB: 24,
    architecture: 'ampere',
    mig: {
      computeSlices: 4,
      memorySlices: 4,
      profiles: [mig('1g.6gb', 1, 1, 6, 4), mig('2g.12gb', 2, 2, 12, 2), mig('4g.24gb', 4, 4, 24, 1)],
    },
  },
  { name: 'A100-40GB', vendor: 'nvidia', memoryGiB: 40, architecture: 'ampere', mig: { computeSlices: 7, memorySlices: 8, profiles: A100_40_PROFILES } },
  { name: 'A100-80GB', vendor: 'nvidia', memoryGiB: 80, architecture: 'ampere', mig: { computeSlices: 7, memorySlices: 8, profiles: A100_80_PROFILES } },
  { name: 'H100', vendor: 'nvidia', memoryGiB: 80, architecture: 'hopper', mig: { computeSlices: 7, memorySlices: 8, profiles: A100_80_PROFILES } },
  { name: 'H200', vendor: 'nvidia', memoryGiB: 141, architecture: 'hopper', mig: { computeSlices: 7, memorySlices: 8, profiles: H200_PROFILES } },
  { name: 'MI210', vendor: 'amd', memoryGiB: 64, architecture: 'cdna2' },
  { name: 'MI250X', vendor: 'amd', memoryGiB: 128, architecture: 'cdna2' },
  {
    name: 'MI300X',
    vendor: 'amd',
    memoryGiB: 192,
    architecture: 'cdna3',
    computePartitions: ['SPX', 'DPX', 'QPX', 'CPX'],
    memoryPartitions: ['NPS1', 'NPS4'],
    partitionPairs: ['SPX/NPS1', 'DPX/NPS1', 'QPX/NPS1', 'CPX/NPS1', 'CPX/NPS4'],
  },
  {
    name: 'MI325X',
    vendor: 'amd',
    memoryGiB: 256,
    architecture: 'cdna3',
    computePartitions: ['SPX', 'DPX', 'QPX', 'CPX'],
    memoryPartitions: ['NPS1', 'NPS4'],
    partitionPairs: ['SPX/NPS1', 'DPX/NPS1', 'QPX/NPS1', 'CPX/NPS1', 'CPX/NPS4'],
  },
];

const BY_NAME = new Map(MODELS.map((m) => [m.name, m]));

/** All known GPU models, sorted by vendor then name. */
export function gpuModels(): readonly GpuModel[] {
  return [...MODELS].sort((a, b) => cmp(a.vendor, b.vendor) || cmp(a.name, b.name));
}

/** Known model names. */
export function gpuModelNames(): string[] {
  return gpuModels().map((m) => m.name);
}

/** The model with this exact name, or undefined. */
export function gpuModel(name: string): GpuModel | undefined {
  return BY_NAME.get(name);
}
