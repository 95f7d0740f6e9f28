import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { GpuVendor } from '../lib/model/gpu-models';
import type { K8sObject } from '../lib/synth/objects';
import type { MigLayout } from '../lib/gpu/mig';
import type { TenantIsolationSpec } from '../lib/gpu/tenancy';
import { Connections, Peer, Port } from './connections';
import { FolderChart, type ClusterChart } from './folder-chart';

/**
 * How a tenant's GPU work is kept apart from other tenants'. One choice per tenant; see docs/gpu.md
 * for what each one isolates and what it does not.
 */
export class TenantIsolation {
  /**
   * Own namespace, RBAC, and a ResourceQuota of `gpus` whole GPUs (every other GPU resource at 0).
   * Isolates who can run GPU work and how many GPUs; a GPU is not shared while a pod holds it.
   * @param options.vendor which vendor's GPUs; needed only when the cluster has both.
   */
  public static namespace(options: { readonly gpus: number; readonly vendor?: GpuVendor }): TenantIsolation {
    return new TenantIsolation({ kind: 'namespace', gpus: options.gpus, ...(options.vendor ? { vendor: options.vendor } : {}) });
  }

  /**
   * Own namespace with a quota of `replicas` time-slices (`nvidia.com/gpu.shared`) of the cluster's
   * time-sliced pools. No memory or fault isolation between the tenants that share a GPU.
   */
  public static timeSlicing(options: { readonly replicas: number }): TenantIsolation {
    return new TenantIsolation({ kind: 'time-slicing', replicas: options.replicas });
  }

  /**
   * Dedicated MIG instances: a quota on `nvidia.com/mig-<profile>` (MIG strategy `mixed`), e.g.
   * `{ '3g.40gb': 4 }`. Compute, memory and cache are isolated in hardware.
   */
  public static mig(instances: MigLayout): TenantIsolation {
    return new TenantIsolation({ kind: 'mig', instances: { ...instances } });
  }

  /**
   * Its own k0s cluster with a hosted control plane: give the tenant a cluster of its own at the site
   * (its node pools, `ControlPlane.hosted(...)` or a k0rdent hosted-cp/remote-cluster template) and
   * make it the only tenant of that cluster's GPU stack. The tenant gets every GPU of the cluster and
   * `admin` in its namespace. `workerPools`, when given, must be pools of that cluster.
   */
  public static clusterPerTenant(options: { readonly workerPools?: readonly string[] } = {}): TenantIsolation {
    return new TenantIsolation({ kind: 'cluster-per-tenant', ...(options.workerPools ? { workerPools: [...options.workerPools] } : {}) });
  }

  private constructor(public readonly spec: TenantIsolationSpec) {}
}

/** A tenant of a {@link GpuOperatorStack}, as given in its `tenants` prop. */
export interface GpuTenantOptions {
  /** The isolation this tenant gets. */
  readonly isolation: TenantIsolation;
  /**
   * Groups (as the API server authenticates them) bound to the `edit` ClusterRole in the tenant's namespace.
   * @default - one group named after the tenant
   */
  readonly groups?: readonly string[];
}

/** Properties of a {@link GpuTenant}. */
export interface GpuTenantProps {
  /** Tenant name; also its namespace. */
  readonly name: string;
  readonly isolation: TenantIsolation;
  /** The tenant's objects, already planned by the stack. */
  readonly objects: readonly K8sObject[];
}

/**
 * One tenant's objects in a cluster (Namespace, RoleBinding, ResourceQuota, DRA claim templates).
 * Created by {@link GpuOperatorStack} from its `tenants` prop, which checks every tenant against the
 * cluster's GPUs first. The tenant's pods may talk to each other and to DNS (declared flows, so a
 * default-deny mesh keeps them working); traffic to or from other namespaces is the tenant's to declare
 * (`tenant.connections.allowTo(...)`).
 */
export class GpuTenant extends Construct {
  public readonly name: string;
  public readonly isolation: TenantIsolation;
  /** Every pod of the tenant's namespace, as one end of flows. */
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: GpuTenantProps) {
    super(scope, id);
    this.name = props.name;
    this.isolation = props.isolation;
    for (const o of props.objects) new ApiObject(this, objectId(o), o);
    const chart = FolderChart.find(this);
    if (!chart || chart.target.kind !== 'cluster') throw new Error(`${this.node.path}: a GPU tenant lives in a cluster's chart`);
    const cluster = chart as ClusterChart;
    // Tenants of different clusters may share a name: the cluster goes into the flow names.
    this.connections = new Connections(this, Peer.namespace(cluster, this.name), `${cluster.clusterName}-${this.name}`);
    this.connections.allowInternally(Port.allTraffic(), { description: `pods of tenant ${this.name} to each other` });
    this.connections.allowDns();
  }
}

/** A construct id from an object's kind, namespace and name (user names, never hashes). */
export function objectId(o: K8sObject): string {
  return [o.kind, o.metadata.namespace, o.metadata.name].filter((x) => x !== undefined).join('-').toLowerCase();
}
