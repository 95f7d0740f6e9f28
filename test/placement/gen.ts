/** Seeded random fleets and workloads for the placement tests (mulberry32). */
import { parseFleet, type FleetModel, type FleetSpec } from '../../lib/model/fleet';
import type { WorkloadSpec } from '../../lib/model/workload';
import { mulberry32 } from '../../bench/placement/scenarios';
import type { PoolPartitioning } from '../../lib/gpu/plan';
import { partitionedFleet } from '../../lib/placement/partitioning';

/** The benchmark's seeded PRNG (mulberry32), shared so both draw the same way. */
export const rng = mulberry32;

const SITES = [
  { name: 'alpha', jurisdiction: 'CA', location: { lat: 46.8, lon: -71.2 } },
  { name: 'bravo', jurisdiction: 'US', location: { lat: 33.7, lon: -84.4 } },
  { name: 'charlie', jurisdiction: 'DE', location: { lat: 50.1, lon: 8.7 } },
  { name: 'delta', jurisdiction: 'FR', location: { lat: 48.9, lon: 2.3 } },
];
const GPUS = ['A100-80GB', 'L4', 'MI300X'];

export interface Sizes {
  readonly sites: number;
  readonly workloads: number;
  readonly maxReplicas: number;
  readonly maxNodes: number;
  /** Allow MIG slices, spread, affinity rules. */
  readonly rich: boolean;
}

/** A random small fleet with random workloads, valid by construction. */
export function randomFleet(seed: number, sizes: Sizes): FleetModel {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const sites = SITES.slice(0, sizes.sites).map((s) => {
    const pools = [];
    const nPools = int(1, 2);
    for (let i = 0; i < nPools; i++) {
      const gpu = r() < 0.75;
      pools.push({
        name: `p${i}`,
        count: int(1, sizes.maxNodes),
        cpu: pick([8, 16, 32]),
        memoryGiB: pick([32, 64, 128]),
        ...(gpu ? { gpus: { model: pick(GPUS), count: pick([2, 4, 8]) } } : {}),
      });
    }
    return { ...s, region: 'r', infrastructure: 'bare-metal' as const, nodePools: pools, power: { carbonIntensity: int(10, 500) } };
  });
  const names = Array.from({ length: sizes.workloads }, (_, i) => `w${i}`);
  const workloads: WorkloadSpec[] = names.map((name, i) => {
    const replicas = int(1, sizes.maxReplicas);
    const kind = r();
    const w: Record<string, unknown> = { name, replicas, cpu: pick([1, 2, 4, 8]), memoryGiB: pick([1, 8, 16, 32]), priority: int(1, 4) };
    if (kind < 0.6) w.gpu = { count: pick([1, 2, 3, 4, 8]), ...(r() < 0.3 ? { model: pick(GPUS) } : {}) };
    else if (sizes.rich && kind < 0.75) w.gpu = { migProfile: pick(['1g.10gb', '3g.40gb']) };
    if (r() < 0.3) w.allowedJurisdictions = [pick(['CA', 'US', 'EU', 'USMCA'])];
    if (r() < 0.2) w.latency = { maxRttMs: int(20, 120), to: pick(sites).name };
    if (r() < 0.25) w.gang = true;
    if (sizes.rich && r() < 0.25) w.spread = { maxPerSite: int(1, 3), ...(replicas >= 2 && r() < 0.5 ? { minSites: 2 } : {}) };
    if (sizes.rich && i > 0 && r() < 0.15) w.affinity = [names[int(0, i - 1)]];
    if (sizes.rich && i > 0 && r() < 0.15) w.antiAffinity = [names[int(0, i - 1)]];
    if (r() < 0.1) w.pinnedSite = pick(sites).name;
    if (w.pinnedSite && (w.spread as { minSites?: number } | undefined)?.minSites) delete (w.spread as { minSites?: number }).minSites;
    return w as WorkloadSpec;
  });
  const spec: FleetSpec = { management: { site: sites[0]!.name }, sites, workloads };
  return parseFleet(spec);
}

/**
 * The same fleet with its GPU pools partitioned as GPU stacks would: A100s with a fixed MIG layout
 * (several profiles per GPU) or kept whole, MI300X in compute partitions, L4 time-sliced. Drawn from
 * its own stream, so `randomFleet(seed)` stays as it was.
 */
export function randomPartitionedFleet(seed: number, sizes: Sizes): FleetModel {
  const fleet = randomFleet(seed, sizes);
  const r = rng(seed + 1_000_003);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const parts = new Map<string, PoolPartitioning>();
  for (const s of fleet.sites) {
    for (const p of s.nodePools) {
      if (!p.gpus) continue;
      const model = p.gpus.model;
      const options: PoolPartitioning[] =
        model === 'A100-80GB'
          ? [{ kind: 'none' }, { kind: 'mig', layout: { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 } }, { kind: 'mig', layout: { '1g.10gb': 7 } }, { kind: 'mig', layout: { '3g.40gb': 2 } }]
          : model === 'MI300X'
            ? [{ kind: 'none' }, { kind: 'amd-partition', partition: { compute: 'CPX', memory: 'NPS4' } }, { kind: 'amd-partition', partition: { compute: 'DPX', memory: 'NPS1' } }]
            : [{ kind: 'none' }, { kind: 'time-slicing', replicas: 3 }];
      parts.set(`${s.name}/${p.name}`, pick(options));
    }
  }
  // Some workloads keep to one or two sites (maxSites), the way a training job keeps to one.
  const workloads = fleet.workloads.map((w) => {
    if (r() >= 0.25) return w;
    const maxSites = Math.max(w.spread.minSites ?? 1, r() < 0.6 ? 1 : 2);
    return { ...w, spread: { ...w.spread, maxSites } };
  });
  return partitionedFleet({ ...fleet, workloads }, parts);
}
