/**
 * The placement view of a fleet whose GPUs are partitioned by their clusters' GPU stacks: what each
 * node advertises to Kubernetes is what the solver and the checker count. A fixed MIG layout offers
 * its slices and no whole GPUs; a MIG-capable GPU the stack keeps whole offers no slices; AMD compute
 * partitions and time-sliced GPUs are that many logical GPUs per physical one.
 */
import { logicalGpus } from '../gpu/amd';
import type { PoolPartitioning } from '../gpu/plan';
import type { FleetModel, NodeGpus, NodePoolModel } from '../model/fleet';
import { gpuModel } from '../model/gpu-models';

/** Partitioning per pool, keyed `<site>/<pool>`. Pools without an entry are left as the fleet describes them. */
export type FleetPartitioning = ReadonlyMap<string, PoolPartitioning>;

/** The GPUs of one node under a partitioning. */
export function partitionedGpus(g: NodeGpus, p: PoolPartitioning): NodeGpus {
  const model = gpuModel(g.model);
  switch (p.kind) {
    case 'mig':
      return { ...g, migLayout: { ...p.layout } };
    case 'amd-partition': {
      const n = logicalGpus(p.partition);
      // Each compute partition gets an equal share of the GPU's memory.
      return { ...g, count: g.count * n, memoryGiB: g.memoryGiB / n, partitionedFrom: `${g.count} x ${g.model} in ${p.partition.compute}/${p.partition.memory}` };
    }
    case 'time-slicing':
      // Replicas share one GPU's memory without isolation; the memory figure stays the GPU's.
      return { ...g, count: g.count * p.replicas, migDisabled: true, timeSliced: p.replicas, partitionedFrom: `${g.count} x ${g.model} time-sliced x${p.replicas}` };
    case 'none':
      return model?.mig ? { ...g, migDisabled: true } : g;
  }
}

/** The fleet as placement sees it under the GPU stacks' partitioning. Pure; the input is not changed. */
export function partitionedFleet(fleet: FleetModel, parts: FleetPartitioning): FleetModel {
  if (parts.size === 0) return fleet;
  return {
    ...fleet,
    sites: fleet.sites.map((s) => ({
      ...s,
      nodePools: s.nodePools.map((p): NodePoolModel => {
        const part = parts.get(`${s.name}/${p.name}`);
        return part && p.gpus ? { ...p, gpus: partitionedGpus(p.gpus, part) } : p;
      }),
    })),
  };
}
