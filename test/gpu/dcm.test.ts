/**
 * AMD Device Config Manager: every profile a node is labelled with must assign all of the node's GPUs
 * (`numGPUsAssigned` + skipped GPUs = GPUs on the node), or DCM leaves the node in SPX/NPS1 and it advertises
 * fewer, larger GPUs than placement counted. The checker below follows the upstream rules
 * (ROCm/gpu-operator docs/dcm/device-config-manager-configmap.md) and is written apart from the generator.
 */
import { parse as parseYaml } from 'yaml';
import { Partitioning } from '../../constructs';
import type { SiteSpec } from '../../lib/model/fleet';
import { formatFailure, validateDocument } from '../../lib/validate/validate';
import { fileIn, itWithSchemas } from '../helpers';
import { ATLANTA_STACK, atlantaSite, buildTestFleet, readTree, schemas, synthToTemp } from './fixtures';

interface DcmEntry {
  computePartition?: string;
  memoryPartition?: string;
  numGPUsAssigned?: number;
}
interface DcmProfile {
  skippedGPUs?: { ids?: number[] };
  profiles?: DcmEntry[];
}

/** Problems DCM would find applying `profile` to a node of `gpus` GPUs. */
function dcmProblems(config: { 'gpu-config-profiles': Record<string, DcmProfile> }, profile: string, gpus: number): string[] {
  const p = config['gpu-config-profiles'][profile];
  if (!p) return [`no profile '${profile}'`];
  const out: string[] = [];
  const entries = p.profiles ?? [];
  if (entries.length === 0) out.push(`profile '${profile}' has no entries`);
  for (const [i, e] of entries.entries()) {
    if (typeof e.numGPUsAssigned !== 'number') out.push(`profile '${profile}' entry ${i} has no numGPUsAssigned`);
    if (e.memoryPartition === 'NPS4' && e.computePartition !== 'CPX') out.push(`profile '${profile}' entry ${i}: NPS4 needs CPX`);
  }
  if (new Set(entries.map((e) => e.memoryPartition)).size > 1) out.push(`profile '${profile}' mixes NPS1 and NPS4`);
  const skipped = p.skippedGPUs?.ids ?? [];
  if (skipped.some((id) => id < 0 || id >= gpus)) out.push(`profile '${profile}' skips GPU ids outside 0..${gpus - 1}`);
  const assigned = entries.reduce((n, e) => n + (e.numGPUsAssigned ?? 0), 0);
  if (assigned + skipped.length !== gpus) out.push(`profile '${profile}' assigns ${assigned} GPUs and skips ${skipped.length}, the node has ${gpus}`);
  return out;
}

function dcmConfig(tree: Map<string, string>, site: string): { 'gpu-config-profiles': Record<string, DcmProfile> } {
  const cm = parseYaml(fileIn(tree, `sites/${site}/${site}`, 'configmap_kube-amd-gpu_k0smos-dcm-config.yaml'));
  return JSON.parse(cm.data['config.json']);
}

describe('DCM profiles are complete', () => {
  test('CPX/NPS4 on 8-GPU MI300X nodes: the profile the nodes are labelled with assigns all 8 GPUs', () => {
    const { fleet, atlanta } = buildTestFleet({ atlanta: ATLANTA_STACK });
    const config = dcmConfig(readTree(synthToTemp(fleet)), 'atlanta');
    const label = atlanta.nodeConfig('mi300x').labels['dcm.amd.com/gpu-config-profile']!;
    expect(config['gpu-config-profiles'][label]!.profiles).toEqual([{ computePartition: 'CPX', memoryPartition: 'NPS4', numGPUsAssigned: 8 }]);
    expect(dcmProblems(config, label, 8)).toEqual([]);
    // Each profile in the file is complete for the GPU count in its name.
    for (const name of Object.keys(config['gpu-config-profiles'])) expect(dcmProblems(config, name, Number(/-(\d+)gpu$/.exec(name)![1]))).toEqual([]);
    // Placement counts 8 logical GPUs per MI300X: 2 nodes x 8 GPUs x 8.
    expect(atlanta.nodeConfig('mi300x').resources).toEqual({ 'amd.com/gpu': 128 });
  });

  test('the checker fails a profile without numGPUsAssigned (the defect this fixes) and one that assigns fewer GPUs than the node has', () => {
    const broken = { 'gpu-config-profiles': { 'cpx-nps4': { profiles: [{ computePartition: 'CPX', memoryPartition: 'NPS4' }] } } };
    expect(dcmProblems(broken, 'cpx-nps4', 8)).toEqual(["profile 'cpx-nps4' entry 0 has no numGPUsAssigned", "profile 'cpx-nps4' assigns 0 GPUs and skips 0, the node has 8"]);
    const short = { 'gpu-config-profiles': { p: { profiles: [{ computePartition: 'CPX', memoryPartition: 'NPS4', numGPUsAssigned: 4 }] } } };
    expect(dcmProblems(short, 'p', 8)).toEqual(["profile 'p' assigns 4 GPUs and skips 0, the node has 8"]);
  });

  test('pools with other GPU counts get their own profile, and the existing pool keeps its profile name', () => {
    const site = atlantaSite();
    const twoPools: SiteSpec = {
      ...site,
      nodePools: [...site.nodePools, { name: 'mi300x-4', count: 1, cpu: 48, memoryGiB: 768, gpus: { model: 'MI300X', count: 4 } }],
      clusters: site.clusters!.map((c) => ({ ...c, controlPlane: { mode: 'hosted', sshKeySecret: { name: 'k' }, workers: [{ address: '10.30.0.11', nodePool: 'mi300x' }, { address: '10.30.0.12', nodePool: 'mi300x' }, { address: '10.30.0.13', nodePool: 'mi300x-4' }] } })),
    } as SiteSpec;
    const { fleet, atlanta } = buildTestFleet({ atlantaSite: twoPools, atlanta: { partitioning: { mi300x: Partitioning.amd('CPX', 'NPS4'), 'mi300x-4': Partitioning.amd('CPX', 'NPS4') } } });
    const config = dcmConfig(readTree(synthToTemp(fleet)), 'atlanta');
    expect(atlanta.nodeConfig('mi300x').labels['dcm.amd.com/gpu-config-profile']).toBe('cpx-nps4-8gpu');
    expect(atlanta.nodeConfig('mi300x-4').labels['dcm.amd.com/gpu-config-profile']).toBe('cpx-nps4-4gpu');
    expect(dcmProblems(config, 'cpx-nps4-8gpu', 8)).toEqual([]);
    expect(dcmProblems(config, 'cpx-nps4-4gpu', 4)).toEqual([]);
    expect(Object.keys(config['gpu-config-profiles'])).toEqual(['cpx-nps4-4gpu', 'cpx-nps4-8gpu', 'spx-nps1-4gpu', 'spx-nps1-8gpu']);
  });
});

describe('DeviceConfig on k0s', () => {
  itWithSchemas('only the config manager tolerates the amd-dcm repartitioning taint; the metrics exporter reads k0s\'s pod-resources socket', () => {
    const { atlanta } = buildTestFleet();
    const dc = atlanta.plan.objects.find((o) => o.kind === 'DeviceConfig') as unknown as { spec: Record<string, any> };
    const dcm = { key: 'amd-dcm', operator: 'Equal', value: 'up', effect: 'NoExecute' };
    expect(dc.spec.configManager.configManagerTolerations).toContainEqual(dcm);
    // Everything holding the GPUs must leave a node DCM repartitions.
    for (const list of [dc.spec.devicePlugin.devicePluginTolerations, dc.spec.devicePlugin.nodeLabellerTolerations, dc.spec.metricsExporter.tolerations]) {
      expect(list).not.toContainEqual(dcm);
      expect(list).toContainEqual({ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    }
    expect(dc.spec.metricsExporter.podResourceAPISocketPath).toBe('/var/lib/k0s/kubelet/pod-resources');
    // The device plugin keeps kubelet's fixed device-plugins folder (not set: the CRD default).
    expect(dc.spec.devicePlugin.kubeletSocketPath).toBeUndefined();
    expect(validateDocument(schemas(), dc, 'dc', 0).map(formatFailure)).toEqual([]);
  });
});
