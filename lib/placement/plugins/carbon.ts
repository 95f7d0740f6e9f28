/**
 * Score terms: carbon (gCO2 per hour) or energy cost (per hour) of one replica on a pool.
 * Power = GPUs × board power of the model (a MIG slice: its share of one GPU) + 10 W per CPU core,
 * times the site's PUE (default 1). Sites without a carbon intensity or price count as zero.
 */
import type { WorkloadModel } from '../../model/workload';
import type { PoolInfo } from '../instance';
import type { ScoreTerm } from './plugin';

/** Board power in kW by GPU model (vendor TDP figures). Unknown models count 0.4 kW. */
const GPU_KW: Readonly<Record<string, number>> = {
  T4: 0.07,
  A10: 0.15,
  L4: 0.072,
  L40S: 0.35,
  A30: 0.165,
  'A100-40GB': 0.4,
  'A100-80GB': 0.4,
  H100: 0.7,
  H200: 0.7,
  MI210: 0.3,
  MI250X: 0.5,
  MI300X: 0.75,
  MI325X: 1.0,
};
const CPU_CORE_KW = 0.01;

/** Facility power in kW of one replica of `w` on a node of `pool`. */
export function replicaPowerKw(w: WorkloadModel, pool: PoolInfo): number {
  let gpuKw = 0;
  if (w.gpu && pool.gpus) {
    const per = GPU_KW[pool.gpus.model] ?? 0.4;
    gpuKw = w.gpu.migProfile ? per / (pool.mig.get(w.gpu.migProfile) ?? 1) : per * w.gpu.count;
  }
  return (gpuKw + w.cpu * CPU_CORE_KW) * (pool.site.power.pue ?? 1);
}

export const carbon: ScoreTerm = {
  name: 'carbon',
  cost: (w, pool) => replicaPowerKw(w, pool) * (pool.site.power.carbonIntensity ?? 0),
  describe: (w, pool) => `carbon ${pool.site.power.carbonIntensity ?? 0} g/kWh (${round(replicaPowerKw(w, pool) * (pool.site.power.carbonIntensity ?? 0))} gCO2/h per replica)`,
};

export const energy: ScoreTerm = {
  name: 'energy',
  cost: (w, pool) => replicaPowerKw(w, pool) * (pool.site.power.energyPrice ?? 0),
  describe: (w, pool) => `energy ${pool.site.power.energyPrice ?? 0}/kWh (${round(replicaPowerKw(w, pool) * (pool.site.power.energyPrice ?? 0))}/h per replica)`,
};

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
