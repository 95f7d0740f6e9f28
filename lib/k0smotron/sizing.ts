/**
 * Sizes of hosted control planes (k0smotron `K0smotronControlPlane`): replicas, the k0s controller pods'
 * requests and limits (`spec.resources`), and etcd's own resources and volume (`spec.storage.etcd`).
 * Defaults come from k0smotron's benchmark (FLEET-OPS.md §3, k0smotron docs/benchmarks.md): at 100
 * control planes per management cluster each used about 0.4–1.3 cores and 210–560 MiB; etcd is the
 * safe default backend. What a control plane asks for (its requests × replicas) is what the capacity
 * check of the cluster that hosts it counts. Pure.
 */

export const HOSTED_SIZES = ['small', 'medium', 'large'] as const;
export type HostedSize = (typeof HOSTED_SIZES)[number];

/** Kubernetes resource quantities of one container. */
export interface ResourceQuantities {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** What a hosted control plane gets: replicas, controller resources, etcd resources and volume. */
export interface ControlPlaneSizing {
  readonly size: HostedSize | 'custom';
  readonly replicas: number;
  /** The k0s controller container of each replica (`spec.resources`). */
  readonly resources: ResourceQuantities;
  /** etcd of each replica (`spec.storage.etcd.resources`), absent when etcd is not the datastore. */
  readonly etcdResources?: ResourceQuantities;
  /** etcd volume per replica (`spec.storage.etcd.persistence.size`). */
  readonly etcdVolume: string;
  /** StorageClass of the etcd volume; absent: the hosting cluster's default StorageClass. */
  readonly etcdStorageClass?: string;
}

interface Preset {
  readonly replicas: number;
  readonly resources: ResourceQuantities;
  readonly etcdResources: ResourceQuantities;
  readonly etcdVolume: string;
  readonly description: string;
}

/**
 * The presets. A replica's requests (controller + etcd) are: small 0.4 core / 256 MiB (the benchmark's
 * low end, a store of a few nodes), medium 0.8 core / 512 MiB (a site of tens of nodes, 3 replicas),
 * large 2 cores / 2 GiB (hundreds of nodes, 3 replicas). Limits cover the benchmark's high end.
 */
export const SIZE_PRESETS: Readonly<Record<HostedSize, Preset>> = {
  small: {
    replicas: 1,
    resources: { requests: { cpu: '300m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    etcdResources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    etcdVolume: '1Gi',
    description: 'a site of a few nodes (a store): 1 replica, 0.4 core and 256 MiB requested',
  },
  medium: {
    replicas: 3,
    resources: { requests: { cpu: '600m', memory: '384Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    etcdResources: { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    etcdVolume: '4Gi',
    description: 'a site of tens of nodes: 3 replicas, 0.8 core and 512 MiB requested each',
  },
  large: {
    replicas: 3,
    resources: { requests: { cpu: '1500m', memory: '1536Mi' }, limits: { cpu: '4', memory: '4Gi' } },
    etcdResources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
    etcdVolume: '10Gi',
    description: 'a site of hundreds of nodes: 3 replicas, 2 cores and 2 GiB requested each',
  },
};

/** A Kubernetes CPU quantity ('500m', '2', '1.5') in millicores, or undefined. */
export function cpuMillis(q: string | number): number | undefined {
  const s = String(q).trim();
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(s);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Math.ceil(m[2] === 'm' ? v : v * 1000);
}

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1 / (1024 * 1024),
  k: 1000 / (1024 * 1024),
  M: 1e6 / (1024 * 1024),
  G: 1e9 / (1024 * 1024),
  T: 1e12 / (1024 * 1024),
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
};

/** A Kubernetes memory or storage quantity ('256Mi', '1Gi', '500M') in MiB, or undefined. */
export function memoryMiB(q: string | number): number | undefined {
  const s = String(q).trim();
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(s);
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!);
}

/** What sizing input a hosted control plane gives (the fleet.yaml fields). */
export interface SizingInput {
  readonly size?: HostedSize | undefined;
  readonly replicas?: number | undefined;
  readonly resources?: { readonly requests?: { readonly cpu?: string | undefined; readonly memory?: string | undefined } | undefined; readonly limits?: { readonly cpu?: string | undefined; readonly memory?: string | undefined } | undefined } | undefined;
  readonly etcd?: { readonly size?: string | undefined; readonly storageClass?: string | undefined } | undefined;
  /** The datastore is not etcd (kine): no etcd pod, no etcd volume. */
  readonly noEtcd?: boolean | undefined;
}

/**
 * The sizing of a hosted control plane: the preset (default small), with explicit `replicas`,
 * `resources` (field by field) and `etcd` volume settings winning over it.
 */
export function resolveSizing(i: SizingInput): ControlPlaneSizing {
  const size = i.size ?? 'small';
  const p = SIZE_PRESETS[size];
  const custom = i.resources !== undefined;
  const limits = { ...(p.resources.limits ?? {}), ...stripUndef(i.resources?.limits ?? {}) };
  return {
    size: custom ? 'custom' : size,
    replicas: i.replicas ?? p.replicas,
    resources: {
      requests: { cpu: i.resources?.requests?.cpu ?? p.resources.requests.cpu, memory: i.resources?.requests?.memory ?? p.resources.requests.memory },
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    },
    ...(i.noEtcd ? {} : { etcdResources: p.etcdResources }),
    etcdVolume: i.etcd?.size ?? p.etcdVolume,
    ...(i.etcd?.storageClass !== undefined ? { etcdStorageClass: i.etcd.storageClass } : {}),
  };
}

/** What one hosted control plane asks of the cluster that hosts it: requests × replicas (controller and etcd). */
export function sizingDemand(s: ControlPlaneSizing): { readonly cpuMillis: number; readonly memoryMiB: number } {
  const one = (r: ResourceQuantities | undefined) => ({ cpu: r ? (cpuMillis(r.requests.cpu) ?? 0) : 0, mem: r ? (memoryMiB(r.requests.memory) ?? 0) : 0 });
  const c = one(s.resources);
  const e = one(s.etcdResources);
  return { cpuMillis: (c.cpu + e.cpu) * s.replicas, memoryMiB: (c.mem + e.mem) * s.replicas };
}

/** The preset's one-line description (docs, reports). */
export function sizeDescription(size: HostedSize): string {
  return SIZE_PRESETS[size].description;
}

function stripUndef<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
