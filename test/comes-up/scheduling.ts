/**
 * A small model of kube-scheduler's filters: node selector, required node affinity, taints and
 * tolerations, and resource fit (requests against allocatable, extended resources included).
 * What it leaves out: preferred affinity and scoring, pod (anti-)affinity, topology spread, ports,
 * volumes and their zones, runtime classes, priority and preemption, pod overhead, kubelet
 * reservations (allocatable is taken to be the node pool's cpu and memory).
 */
import { asArray, asRecord, asString, at, cmp, describe, isRecord, type Obj } from './tree';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface SimNode {
  readonly name: string;
  /** The fleet node pool it belongs to, when known. */
  readonly pool?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** cpu in millicores, memory in bytes, pods, and extended resources by name. */
  readonly allocatable: Readonly<Record<string, number>>;
  /** Why extended resources are what they are (for messages). */
  readonly notes: readonly string[];
}

export interface PodSpecView {
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Required node affinity: OR of terms, each an AND of expressions. Empty: no affinity. */
  readonly affinityTerms: readonly (readonly MatchExpression[])[];
  readonly tolerations: readonly Toleration[];
  /** Requests per resource name (cpu millicores, memory bytes, extended counts). */
  readonly requests: Readonly<Record<string, number>>;
}

export interface MatchExpression {
  readonly key: string;
  readonly operator: string;
  readonly values: readonly string[];
  /** matchFields (metadata.name) instead of labels. */
  readonly field?: boolean;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

/** A workload's pods: how many, and one pod's spec. */
export interface PodGroup {
  /** `Deployment fl/fl-superlink`, `PyTorchJob training/pretrain (Worker)`. */
  readonly owner: string;
  readonly replicas: number;
  readonly spec: PodSpecView;
  /** DaemonSet: one pod per eligible node. */
  readonly daemon?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Quantities

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity as a plain number (cpu in cores, memory in bytes). */
export function parseQuantity(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return NaN;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const suffix = m[2]!;
  if (suffix === '') return n;
  if (BINARY[suffix] !== undefined) return n * BINARY[suffix]!;
  if (DECIMAL[suffix] !== undefined) return n * DECIMAL[suffix]!;
  return NaN;
}

/** A request in the unit the model keeps: millicores for cpu, bytes for memory, counts otherwise. */
export function resourceAmount(name: string, q: unknown): number {
  const v = parseQuantity(q);
  return name === 'cpu' ? Math.round(v * 1000) : v;
}

export function formatAmount(name: string, v: number): string {
  if (name === 'cpu') return v % 1000 === 0 ? String(v / 1000) : `${v}m`;
  if (name === 'memory') return v % 2 ** 30 === 0 ? `${v / 2 ** 30}Gi` : v % 2 ** 20 === 0 ? `${v / 2 ** 20}Mi` : String(v);
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Reading pod specs

function containerRequests(c: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const requests = asRecord(at(c, 'resources', 'requests'));
  const limits = asRecord(at(c, 'resources', 'limits'));
  // A request defaults to the limit; extended resources are given as limits (and must equal requests).
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    const q = requests[name] ?? limits[name];
    const v = resourceAmount(name, q);
    if (Number.isFinite(v)) out[name] = v;
  }
  return out;
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Reads the scheduling fields of a pod spec (or of anything shaped like one: a KServe predictor). */
export function podSpecView(spec: unknown, extraContainers: readonly unknown[] = []): PodSpecView {
  const requests: Record<string, number> = {};
  for (const c of [...asArray(at(spec, 'containers')), ...extraContainers]) addInto(requests, containerRequests(c));
  // Init containers run one at a time before the others: the pod needs the larger of the two.
  for (const c of asArray(at(spec, 'initContainers'))) {
    for (const [k, v] of Object.entries(containerRequests(c))) requests[k] = Math.max(requests[k] ?? 0, v);
  }
  const nodeSelector: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(at(spec, 'nodeSelector')))) nodeSelector[k] = asString(v) ?? '';
  const affinityTerms = asArray(at(spec, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms')).map((t) => [
    ...asArray(at(t, 'matchExpressions')).map((e) => expression(e, false)),
    ...asArray(at(t, 'matchFields')).map((e) => expression(e, true)),
  ]);
  const tolerations = asArray(at(spec, 'tolerations')).map((t): Toleration => {
    const r = asRecord(t);
    return { key: asString(r.key), operator: asString(r.operator), value: asString(r.value), effect: asString(r.effect) };
  });
  return { nodeSelector, affinityTerms, tolerations, requests };
}

function expression(e: unknown, field: boolean): MatchExpression {
  return { key: asString(at(e, 'key')) ?? '', operator: asString(at(e, 'operator')) ?? 'In', values: asArray(at(e, 'values')).map((v) => asString(v) ?? ''), field };
}

function replicasOf(x: unknown, dflt = 1): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : dflt;
}

/** The pods a workload object makes, or [] for objects that make none. */
export function podGroups(o: Obj): PodGroup[] {
  const name = describe(o);
  const spec = o.spec;
  switch (o.kind) {
    case 'Pod':
      return [{ owner: name, replicas: 1, spec: podSpecView(spec) }];
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return [{ owner: name, replicas: replicasOf(at(spec, 'replicas')), spec: podSpecView(at(spec, 'template', 'spec')) }];
    case 'DaemonSet':
      return [{ owner: name, replicas: 0, daemon: true, spec: podSpecView(at(spec, 'template', 'spec')) }];
    case 'Job':
      return [{ owner: name, replicas: replicasOf(at(spec, 'parallelism')), spec: podSpecView(at(spec, 'template', 'spec')) }];
    case 'CronJob':
      return [{ owner: name, replicas: replicasOf(at(spec, 'jobTemplate', 'spec', 'parallelism')), spec: podSpecView(at(spec, 'jobTemplate', 'spec', 'template', 'spec')) }];
    case 'PyTorchJob':
    case 'TFJob':
    case 'MPIJob':
    case 'XGBoostJob':
    case 'PaddleJob':
    case 'JAXJob': {
      const specs = asRecord(at(spec, `${o.kind === 'PyTorchJob' ? 'pytorch' : o.kind === 'TFJob' ? 'tf' : o.kind === 'MPIJob' ? 'mpi' : o.kind === 'XGBoostJob' ? 'xgb' : o.kind === 'PaddleJob' ? 'paddle' : 'jax'}ReplicaSpecs`));
      return Object.keys(specs)
        .sort(cmp)
        .map((role) => ({ owner: `${name} (${role})`, replicas: replicasOf(at(specs[role], 'replicas')), spec: podSpecView(at(specs[role], 'template', 'spec')) }));
    }
    case 'InferenceService': {
      // Best effort: the predictor's own pod fields, its containers and its `model` container.
      const p = at(spec, 'predictor');
      if (!isRecord(p)) return [];
      const model = at(p, 'model');
      return [{ owner: `${name} (predictor)`, replicas: replicasOf(at(p, 'minReplicas')), spec: podSpecView(p, model !== undefined ? [model] : []) }];
    }
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Filters

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  const op = t.operator ?? 'Equal';
  if (!t.key) return op === 'Exists';
  if (t.key !== taint.key) return false;
  return op === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** The node's NoSchedule/NoExecute taints that none of the tolerations tolerate. */
export function untolerated(tolerations: readonly Toleration[], node: SimNode): Taint[] {
  return node.taints.filter((x) => (x.effect === 'NoSchedule' || x.effect === 'NoExecute') && !tolerations.some((t) => tolerates(t, x)));
}

function matchExpression(e: MatchExpression, node: SimNode): boolean {
  const v = e.field ? (e.key === 'metadata.name' ? node.name : undefined) : node.labels[e.key];
  switch (e.operator) {
    case 'In':
      return v !== undefined && e.values.includes(v);
    case 'NotIn':
      return v === undefined || !e.values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
      return v !== undefined && Number(v) > Number(e.values[0]);
    case 'Lt':
      return v !== undefined && Number(v) < Number(e.values[0]);
    default:
      return false;
  }
}

export function taintText(t: Taint): string {
  return `${t.key}${t.value !== undefined && t.value !== '' ? `=${t.value}` : ''}:${t.effect}`;
}

/**
 * Why the pod cannot go on the node (label and taint filters only), or [] when it can.
 */
export function placementReasons(spec: PodSpecView, node: SimNode): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(spec.nodeSelector)) {
    if (node.labels[k] !== v) out.push(`nodeSelector ${k}=${v} (node has ${node.labels[k] === undefined ? 'no such label' : `${k}=${node.labels[k]}`})`);
  }
  if (spec.affinityTerms.length > 0 && !spec.affinityTerms.some((term) => term.every((e) => matchExpression(e, node)))) {
    out.push(`required node affinity (${spec.affinityTerms.map((t) => t.map((e) => `${e.key} ${e.operator} [${e.values.join(',')}]`).join(' and ')).join(' or ')})`);
  }
  for (const t of untolerated(spec.tolerations, node)) out.push(`taint ${taintText(t)} not tolerated`);
  return out;
}

/** Resources the pod asks for beyond what `free` holds. */
export function shortfall(spec: PodSpecView, free: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const [r, want] of Object.entries(spec.requests).sort(([a], [b]) => cmp(a, b))) {
    if (want <= 0) continue;
    const have = free[r] ?? 0;
    if (want > have) out.push(`${r}: needs ${formatAmount(r, want)}, has ${formatAmount(r, have)}`);
  }
  return out;
}
