/**
 * What GPU nodes advertise, from what the cluster installs and applies (not from the library's own
 * GPU plan):
 * - NVIDIA (gpu-operator chart): the device plugin runs where its DaemonSet tolerates the node's
 *   taints (`daemonsets.tolerations`). MIG: the node label `nvidia.com/mig.config` (else
 *   `migManager.config.default`) picks a config in the mig-parted ConfigMap (`migManager.config.name`,
 *   else the operator's built-in one). `mig.strategy` (or the device-plugin config's
 *   `flags.migStrategy`): `mixed` advertises `nvidia.com/mig-<profile>` per MIG device and
 *   `nvidia.com/gpu` only for GPUs with MIG off; `single` advertises every MIG device as
 *   `nvidia.com/gpu` (one profile per node only); `none` whole GPUs. Time slicing: the device-plugin
 *   config (`devicePlugin.config`, key from the node label `nvidia.com/device-plugin.config`) multiplies
 *   a resource by `replicas`, renamed to `<name>.shared` under `renameByDefault`/`rename`.
 * - AMD (gpu-operator-charts): a DeviceConfig (applied, or the chart's default CR) whose selector
 *   matches the node (NFD labels AMD nodes `feature.node.kubernetes.io/amd-gpu=true`) runs the device
 *   plugin if its tolerations allow. Partitions: the node label `dcm.amd.com/gpu-config-profile` picks a
 *   profile in the DCM ConfigMap; the profile applies only when its `numGPUsAssigned` (plus skipped GPUs)
 *   add up to the GPUs on the node, and the config manager tolerates the node; MI300X/MI325X logical GPUs
 *   per GPU: SPX 1, DPX 2, QPX 4, CPX 8. `resource_naming_strategy` `single` gives `amd.com/gpu`,
 *   `mixed` gives `amd.com/<compute>_<memory>` for partitioned GPUs.
 * Not modelled: NFD/GFD pods' own tolerations, driver containers, MIG on GPUs the device filter does
 * not list, DRA (ResourceClaims), vGPU.
 */
import { parseAllDocuments } from 'yaml';
import { asArray, asRecord, asString, at, isRecord, type Obj } from './tree';
import { type SimNode, type Taint, type Toleration, taintText, untolerated } from './scheduling';

export interface NodeGpus {
  readonly vendor: 'nvidia' | 'amd';
  readonly model: string;
  readonly count: number;
}

/** An installed GPU operator: its merged values and namespace, or why it does not run. */
export interface GpuOperator {
  readonly values: Record<string, unknown>;
  readonly namespace: string;
  /** Set when the chart cannot come up (a missing prerequisite). */
  readonly broken?: string;
}

/** PCI device IDs of NVIDIA models, for mig-parted `device-filter` (from the comments of the operator's own config). */
const NVIDIA_PCI_IDS: Readonly<Record<string, readonly string[]>> = {
  'A100-40GB': ['0x20B010DE', '0x20B110DE', '0x20F110DE'],
  'A100-80GB': ['0x20B210DE', '0x20B510DE'],
  A30: ['0x20B710DE'],
  H100: ['0x233010DE', '0x233110DE'],
  H200: ['0x233510DE'],
};

/** Logical GPUs per physical GPU in each AMD compute partition mode (MI300-class). */
const AMD_PARTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  MI300X: { SPX: 1, DPX: 2, QPX: 4, CPX: 8 },
  MI325X: { SPX: 1, DPX: 2, QPX: 4, CPX: 8 },
};

function tolerationsOf(x: unknown): Toleration[] {
  return asArray(x).map((t) => ({ key: asString(at(t, 'key')), operator: asString(at(t, 'operator')), value: asString(at(t, 'value')), effect: asString(at(t, 'effect')) }));
}

function blocked(tols: readonly Toleration[], labels: Readonly<Record<string, string>>, taints: readonly Taint[]): Taint[] {
  return untolerated(tols, { name: '', labels, taints, allocatable: {}, notes: [] } as SimNode);
}

function configMapData(objects: readonly Obj[], namespace: string, name: string): Record<string, unknown> | undefined {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.apiVersion === 'v1' && o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace);
  return cm ? asRecord(cm.data) : undefined;
}

function yamlDoc(text: unknown): unknown {
  return typeof text === 'string' ? parseAllDocuments(text)[0]?.toJS() : undefined;
}

export interface GpuResult {
  readonly resources: Record<string, number>;
  /** Why the resources are what they are. */
  readonly notes: string[];
  /** A partitioning the node's labels ask for that does not happen (the operator runs, the config is wrong). */
  readonly problems: string[];
}

/** Extended resources of one NVIDIA node. */
export function nvidiaResources(
  gpus: NodeGpus,
  labels: Readonly<Record<string, string>>,
  taints: readonly Taint[],
  op: GpuOperator | undefined,
  objects: readonly Obj[],
  defaultMigConfig: string,
): GpuResult {
  const notes: string[] = [];
  const problems: string[] = [];
  const problem = (m: string) => {
    notes.push(m);
    problems.push(m);
  };
  if (!op) return { resources: {}, notes: [`no NVIDIA GPU operator installed: ${gpus.count} x ${gpus.model} advertise nothing`], problems };
  if (op.broken) return { resources: {}, notes: [`the NVIDIA GPU operator cannot come up (${op.broken})`], problems };
  const v = op.values;
  if (at(v, 'devicePlugin', 'enabled') === false) return { resources: {}, notes: ['the NVIDIA device plugin is disabled'], problems };
  const stop = blocked(tolerationsOf(at(v, 'daemonsets', 'tolerations')), labels, taints);
  if (stop.length > 0) return { resources: {}, notes: [`the NVIDIA device plugin does not tolerate ${stop.map(taintText).join(', ')}`], problems };

  // Device-plugin config (time slicing, MIG strategy per node).
  let pluginConfig: unknown;
  const dpName = asString(at(v, 'devicePlugin', 'config', 'name')) ?? '';
  if (dpName !== '') {
    const data = at(v, 'devicePlugin', 'config', 'create') === true ? asRecord(at(v, 'devicePlugin', 'config', 'data')) : configMapData(objects, op.namespace, dpName);
    const key = labels['nvidia.com/device-plugin.config'] ?? asString(at(v, 'devicePlugin', 'config', 'default')) ?? '';
    if (!data) problem(`device-plugin ConfigMap ${op.namespace}/${dpName} is not applied`);
    else if (data[key] === undefined) problem(`device-plugin config ${dpName} has no key '${key}'`);
    else pluginConfig = yamlDoc(data[key]);
  }
  const strategy = asString(at(pluginConfig, 'flags', 'migStrategy')) ?? asString(at(v, 'mig', 'strategy')) ?? 'single';

  // MIG layout per GPU.
  const perGpu: Record<string, number>[] = Array.from({ length: gpus.count }, () => ({}));
  const migOn: boolean[] = Array.from({ length: gpus.count }, () => false);
  if (at(v, 'migManager', 'enabled') !== false) {
    const cfgName = labels['nvidia.com/mig.config'] ?? asString(at(v, 'migManager', 'config', 'default')) ?? 'all-disabled';
    const cmName = asString(at(v, 'migManager', 'config', 'name')) ?? '';
    let text: unknown = defaultMigConfig;
    if (at(v, 'migManager', 'config', 'create') === true) text = at(v, 'migManager', 'config', 'data', 'config.yaml');
    else if (cmName !== '') {
      const data = configMapData(objects, op.namespace, cmName);
      text = data?.['config.yaml'];
      if (text === undefined) problem(`mig-parted ConfigMap ${op.namespace}/${cmName} is not applied (MIG stays as it is)`);
    }
    const entries = asArray(at(yamlDoc(text), 'mig-configs', cfgName));
    if (text !== undefined && entries.length === 0 && cfgName !== 'all-disabled') problem(`MIG config '${cfgName}' (label nvidia.com/mig.config) is not in the mig-parted config${cmName ? ` ${cmName}` : ''}`);
    const ids = NVIDIA_PCI_IDS[gpus.model];
    for (const e of entries) {
      const filter = at(e, 'device-filter');
      if (filter !== undefined) {
        const f = (Array.isArray(filter) ? filter : [filter]).map((x) => String(x).toUpperCase().replace(/^0X/, '0x'));
        if (!ids || !ids.some((id) => f.includes(id))) continue;
      }
      const devices = at(e, 'devices');
      const which = devices === 'all' ? perGpu.map((_, i) => i) : asArray(devices).map(Number).filter((i) => i >= 0 && i < gpus.count);
      for (const i of which) {
        migOn[i] = at(e, 'mig-enabled') === true;
        perGpu[i] = {};
        for (const [p, n] of Object.entries(asRecord(at(e, 'mig-devices')))) perGpu[i]![p] = Number(n);
      }
    }
  }

  const res: Record<string, number> = {};
  const add = (r: string, n: number) => {
    if (n > 0) res[r] = (res[r] ?? 0) + n;
  };
  const migName = (p: string) => `nvidia.com/mig-${p.replace(/\+/g, '.')}`;
  const anyMig = migOn.some((x) => x);
  if (!anyMig || strategy === 'none') add('nvidia.com/gpu', gpus.count);
  else if (strategy === 'mixed') {
    for (let i = 0; i < gpus.count; i++) {
      if (!migOn[i]) add('nvidia.com/gpu', 1);
      else for (const [p, n] of Object.entries(perGpu[i]!)) add(migName(p), n);
    }
  } else {
    const profiles = new Set(perGpu.flatMap((g, i) => (migOn[i] ? Object.keys(g) : [])));
    if (profiles.size !== 1 || migOn.some((x) => !x)) problem(`MIG strategy 'single' needs one profile on every GPU; the device plugin advertises nothing`);
    else add('nvidia.com/gpu', perGpu.reduce((s, g) => s + Object.values(g).reduce((a, b) => a + b, 0), 0));
  }

  // Time slicing.
  const ts = at(pluginConfig, 'sharing', 'timeSlicing');
  if (isRecord(ts)) {
    const renameAll = ts.renameByDefault === true;
    for (const r of asArray(ts.resources)) {
      const name = asString(at(r, 'name')) ?? '';
      const replicas = Number(at(r, 'replicas') ?? 1);
      if (res[name] === undefined || !(replicas > 1)) continue;
      const n = res[name]!;
      delete res[name];
      const rename = asString(at(r, 'rename')) ?? (renameAll ? `${name}.shared` : name);
      add(rename, n * replicas);
    }
  }
  return { resources: res, notes, problems };
}

/** Extended resources of one AMD node. */
export function amdResources(
  gpus: NodeGpus,
  labels: Readonly<Record<string, string>>,
  taints: readonly Taint[],
  op: GpuOperator | undefined,
  deviceConfigs: readonly Obj[],
  objects: readonly Obj[],
): GpuResult {
  const problems: string[] = [];
  if (!op) return { resources: {}, notes: [`no AMD GPU operator installed: ${gpus.count} x ${gpus.model} advertise nothing`], problems };
  if (op.broken) return { resources: {}, notes: [`the AMD GPU operator cannot come up (${op.broken})`], problems };
  const v = op.values;
  // The chart's NFD rule labels nodes with AMD GPUs.
  const nfd = at(v, 'node-feature-discovery', 'enabled') !== false && at(v, 'installdefaultNFDRule') !== false;
  const seen: Record<string, string> = { ...labels, ...(nfd ? { 'feature.node.kubernetes.io/amd-gpu': 'true' } : {}) };
  const configs: { name: string; namespace: string; spec: unknown }[] = deviceConfigs.map((d) => ({ name: d.metadata.name ?? '', namespace: d.metadata.namespace ?? op.namespace, spec: d.spec }));
  if (at(v, 'crds', 'defaultCR', 'install') !== false) configs.push({ name: 'default', namespace: op.namespace, spec: at(v, 'deviceConfig', 'spec') });
  const selects = (spec: unknown) => Object.entries(asRecord(at(spec, 'selector'))).every(([k, x]) => seen[k] === asString(x));
  const dc = configs.find((c) => selects(c.spec));
  if (!dc) return { resources: {}, notes: [`no AMD DeviceConfig selects this node`], problems };
  if (at(dc.spec, 'devicePlugin', 'enableDevicePlugin') === false) return { resources: {}, notes: [`DeviceConfig ${dc.name} disables the device plugin`], problems };
  const stop = blocked(tolerationsOf(at(dc.spec, 'devicePlugin', 'devicePluginTolerations')), seen, taints);
  if (stop.length > 0) return { resources: {}, notes: [`the AMD device plugin does not tolerate ${stop.map(taintText).join(', ')}`], problems };
  const naming = asString(at(dc.spec, 'devicePlugin', 'devicePluginArguments', 'resource_naming_strategy')) ?? 'single';

  const notes: string[] = [];
  // Partitions through the Device Config Manager.
  let parts: { mode: string; gpus: number; per: number }[] | undefined;
  const profile = labels['dcm.amd.com/gpu-config-profile'];
  if (profile !== undefined) {
    const cmName = asString(at(dc.spec, 'configManager', 'config', 'name'));
    const why = (() => {
      if (at(dc.spec, 'configManager', 'enable') !== true) return `DeviceConfig ${dc.name} does not enable the config manager`;
      const cmStop = blocked(tolerationsOf(at(dc.spec, 'configManager', 'configManagerTolerations')), seen, taints);
      if (cmStop.length > 0) return `the config manager does not tolerate ${cmStop.map(taintText).join(', ')}`;
      const data = cmName ? configMapData(objects, dc.namespace, cmName) : undefined;
      if (!data) return `DCM ConfigMap ${dc.namespace}/${cmName ?? '<unset>'} is not applied`;
      const cfg = typeof data['config.json'] === 'string' ? (JSON.parse(data['config.json']) as unknown) : undefined;
      const p = at(cfg, 'gpu-config-profiles', profile);
      if (!isRecord(p)) return `it is not in ConfigMap ${dc.namespace}/${cmName}`;
      const profiles = asArray(p.profiles);
      const skipped = asArray(at(p, 'skippedGPUs', 'ids')).length;
      if (profiles.some((x) => typeof at(x, 'numGPUsAssigned') !== 'number')) return 'it lacks numGPUsAssigned';
      const assigned = profiles.reduce((s: number, x) => s + Number(at(x, 'numGPUsAssigned')), 0);
      if (assigned + skipped !== gpus.count) return `it assigns ${assigned} GPUs and skips ${skipped}; the node has ${gpus.count}`;
      const table = AMD_PARTS[gpus.model];
      const out: { mode: string; gpus: number; per: number }[] = [];
      for (const x of profiles) {
        const compute = asString(at(x, 'computePartition')) ?? 'SPX';
        const memory = asString(at(x, 'memoryPartition')) ?? 'NPS1';
        const per = table?.[compute];
        if (per === undefined) return `${gpus.model} has no known ${compute} partition count`;
        out.push({ mode: `${compute}_${memory}`.toLowerCase(), gpus: Number(at(x, 'numGPUsAssigned')), per });
      }
      parts = out;
      return undefined;
    })();
    if (why) {
      notes.push(`DCM profile '${profile}' not applied (${why}): whole GPUs`);
      problems.push(`DCM profile '${profile}' (label dcm.amd.com/gpu-config-profile) does not apply: ${why}; the node keeps ${gpus.count} whole GPUs`);
    }
  }
  const res: Record<string, number> = {};
  const add = (r: string, n: number) => {
    if (n > 0) res[r] = (res[r] ?? 0) + n;
  };
  if (!parts) add('amd.com/gpu', gpus.count);
  else {
    const assigned = parts.reduce((s, p) => s + p.gpus, 0);
    for (const p of parts) add(naming === 'mixed' && p.per > 1 ? `amd.com/${p.mode}` : 'amd.com/gpu', p.gpus * p.per);
    // Skipped GPUs keep their mode and show as whole GPUs.
    add('amd.com/gpu', Math.max(0, gpus.count - assigned));
  }
  return { resources: res, notes, problems };
}
