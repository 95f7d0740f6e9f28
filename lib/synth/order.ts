/**
 * Apply order and file names. Namespaces and CRDs come first, then what others refer to
 * (RBAC, config, templates, credentials), then the objects that use them. Ties break on
 * group, namespace and name, so the order never depends on how objects were added.
 */
import { apiGroup, type K8sObject } from './objects';

/** Kinds in the order a cluster should receive them. Unlisted kinds go after these, before the last tier. */
const KIND_ORDER: readonly string[] = [
  'Namespace',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'RuntimeClass',
  'DeviceClass',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ResourceQuota',
  'LimitRange',
  'NetworkPolicy',
  'Secret',
  'ConfigMap',
  'PersistentVolume',
  'PersistentVolumeClaim',
  // Management-plane objects that others reference must exist before them (k0rdent rejects
  // ClusterDeployments and MultiClusterServices whose templates or credentials are missing).
  'HelmRepository',
  'Credential',
  'ClusterTemplate',
  'ServiceTemplate',
  'ClusterTemplateChain',
  'ServiceTemplateChain',
  'Region',
  // Cluster API / k0smotron: templates and machines before what consumes them (CAPI reconciles
  // in any order, but GitOps diffs read better in this order).
  'K0sWorkerConfigTemplate',
  'RemoteMachineTemplate',
  'PooledRemoteMachine',
  'RemoteCluster',
  'K0smotronControlPlane',
  'K0sWorkerConfig',
  'RemoteMachine',
];
/** Kinds that consume what came before: applied last. */
const LAST: readonly string[] = [
  'Service',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Cluster',
  'Machine',
  'MachineDeployment',
  'ClusterDeployment',
  'MultiClusterService',
];

function rank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  if (i >= 0) return i;
  const j = LAST.indexOf(kind);
  if (j >= 0) return KIND_ORDER.length + 1 + j;
  return KIND_ORDER.length;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order on objects: kind rank, kind, group, namespace, name. */
export function compareObjects(a: K8sObject, b: K8sObject): number {
  return (
    rank(a.kind) - rank(b.kind) ||
    cmp(a.kind, b.kind) ||
    cmp(apiGroup(a.apiVersion), apiGroup(b.apiVersion)) ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

/** API groups of Kubernetes itself: their kinds are unambiguous, so file names omit the group. */
const BUILTIN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'rbac.authorization.k8s.io',
  'networking.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'node.k8s.io',
  'resource.k8s.io',
  'apiextensions.k8s.io',
  'admissionregistration.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'certificates.k8s.io',
]);

/**
 * The file name of an object: `<kind>[.<group>]_[<namespace>_]<name>.yaml`, lower-case.
 * Custom kinds carry their group because several projects reuse kind names (Cluster API,
 * k0smotron and k0sctl all have a `Cluster`). The namespace is part of the name so that
 * same-named objects in two namespaces never overwrite each other.
 */
export function fileName(o: K8sObject): string {
  const group = apiGroup(o.apiVersion);
  const kind = o.kind.toLowerCase() + (BUILTIN_GROUPS.has(group) ? '' : `.${group}`);
  const ns = o.metadata.namespace ? `${o.metadata.namespace}_` : '';
  return `${kind}_${ns}${o.metadata.name}.yaml`;
}
