/**
 * What objects need in the cluster they are applied to, read from the objects themselves: the API group
 * of every kind that Kubernetes and k0s do not serve, a StorageClass for every claim, a LoadBalancer
 * provider for every LoadBalancer Service, and what hosted control planes need in the management cluster
 * (k0smotron's etcd always claims a volume; OPERABILITY.md §2). Pure.
 */
import type { K8sObject } from '../synth/objects';
import { apiGroup } from '../synth/objects';
import type { Capability, Requirement } from './capability';

/** API groups every Kubernetes API server serves. */
export const BUILTIN_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** API groups k0s itself serves in every cluster it runs (Helm extensions' Chart objects, autopilot). */
export const K0S_GROUPS: readonly string[] = ['autopilot.k0sproject.io', 'helm.k0sproject.io'];

function describe(o: K8sObject): string {
  const g = apiGroup(o.apiVersion);
  return `${o.kind}${g ? '.' + g : ''} ${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name}`;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function claimNeed(storageClassName: unknown): Capability {
  return typeof storageClassName === 'string' && storageClassName.length > 0 ? `storageclass:${storageClassName}` : 'storage:default';
}

/** The requirements of one object in the cluster it is applied to. */
export function objectNeeds(o: K8sObject, source?: string): Requirement[] {
  const by = describe(o);
  const out: Requirement[] = [];
  const add = (capability: Capability, why: string) => out.push({ capability, by, why, ...(source !== undefined ? { source } : {}) });
  const group = apiGroup(o.apiVersion);
  if (!BUILTIN_GROUPS.has(group)) add(`api:${group}`, `its kind ${o.kind} is served by an operator's CRD`);
  const spec = obj(o.spec);
  if (group === '' && o.kind === 'PersistentVolumeClaim' && spec.volumeName === undefined) {
    add(claimNeed(spec.storageClassName), spec.storageClassName ? `it claims StorageClass ${String(spec.storageClassName)}` : 'it claims a volume without storageClassName');
  }
  if (group === 'apps' && o.kind === 'StatefulSet') {
    for (const t of (spec.volumeClaimTemplates as Json[] | undefined) ?? []) {
      const sc = obj(t.spec).storageClassName;
      add(claimNeed(sc), `volumeClaimTemplate ${String(obj(t.metadata).name ?? '')} ${sc ? `claims StorageClass ${String(sc)}` : 'has no storageClassName'}`);
    }
  }
  if (group === '' && o.kind === 'Service' && spec.type === 'LoadBalancer') add('loadbalancer', 'it is a LoadBalancer Service');
  if (group === 'controlplane.cluster.x-k8s.io' && o.kind === 'K0smotronControlPlane') {
    // k0smotron runs etcd as a StatefulSet with a PVC unless a kine data source replaces it.
    // v1beta2: spec.storage {type etcd|kine|nats, etcd.persistence.storageClass}.
    const storage = obj(spec.storage);
    if ((storage.type ?? 'etcd') === 'etcd' && spec.kineDataSourceURL === undefined && spec.kineDataSourceSecretName === undefined) {
      const sc = obj(obj(storage.etcd).persistence).storageClass ?? obj(obj(obj(spec.etcd).persistence)).storageClass;
      add(claimNeed(sc), `the hosted control plane's etcd StatefulSet claims a volume${sc ? ` of StorageClass ${String(sc)}` : ' from the default StorageClass'}`);
    }
    if (obj(spec.service).type === 'LoadBalancer') add('loadbalancer', 'the hosted control plane is exposed as a LoadBalancer Service');
  }
  if (group === 'k0rdent.mirantis.com' && o.kind === 'ClusterDeployment') {
    // Templates whose control plane k0smotron hosts in the management cluster: same needs as above.
    const template = typeof spec.template === 'string' ? spec.template : '';
    if (/^remote-cluster-|-hosted-cp-/.test(template)) {
      const k0smotron = obj(obj(spec.config).k0smotron);
      const sc = obj(obj(obj(k0smotron.etcd).persistence)).storageClass;
      add(claimNeed(sc), `template ${template} hosts the control plane in the management cluster; its etcd claims a volume`);
      const type = obj(k0smotron.service).type ?? (template.startsWith('remote-cluster-') ? 'ClusterIP' : 'LoadBalancer');
      if (type === 'LoadBalancer') add('loadbalancer', `template ${template} exposes the hosted control plane as a LoadBalancer Service`);
    }
  }
  return out;
}

/** The API group a CustomResourceDefinition object serves, if it is one. */
export function crdGroup(o: K8sObject): string | undefined {
  if (o.kind !== 'CustomResourceDefinition' || apiGroup(o.apiVersion) !== 'apiextensions.k8s.io') return undefined;
  const g = obj(o.spec).group;
  return typeof g === 'string' ? g : undefined;
}
