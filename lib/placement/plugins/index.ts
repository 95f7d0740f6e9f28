/**
 * The registry: every hard constraint (filter) and every score term the solver knows, in the order
 * their reasons are reported. Adding a rule touches its own file and this list.
 */
import { affinity, antiAffinity } from './affinity';
import { capacity } from './capacity';
import { gpuFit } from './gpu-fit';
import { latency } from './latency';
import { pinning } from './pinning';
import type { FilterPlugin } from './plugin';
import { residency } from './residency';
import { spread } from './spread';

export const FILTERS: readonly FilterPlugin[] = [pinning, residency, latency, gpuFit, capacity, spread, affinity, antiAffinity];

export { balanceTerm } from './balance';
export { carbon, energy, replicaPowerKw } from './carbon';
export { churnOf } from './churn';
