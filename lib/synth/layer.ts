/**
 * Which of a folder's two sub-folders an object goes to: `infra/` (applied first) or `apps/` (applied
 * after `infra/` is in). A pure function of the object's API group and kind; nothing else about the
 * object, its cluster or the fleet is read.
 *
 * The rule: an object goes to `infra/` when (a) its kind is served before any GitOps unit applies
 * (the Kubernetes API itself, the CNI, k0s, and on the management cluster kcm, all installed when the
 * cluster is bootstrapped) and (b) other objects need it first: to be accepted at all (namespaces,
 * CRDs, the templates, credentials and chart sources kcm checks a ClusterDeployment or
 * MultiClusterService against), to be installed (the operators' own install objects, k0s `Chart`s),
 * or to be in force before they run (network and admission policies, quotas and limits, classes).
 * Everything else goes to `apps/`.
 *
 * Custom resources that an operator serves (NVIDIA `ClusterPolicy`, AMD `DeviceConfig`, MetalLB pools,
 * cert-manager issuers, KEDA, KServe, Kubeflow) go to `apps/` on purpose, even where they configure the
 * cluster: the operator may itself be installed from `infra/` (a k0s `Chart` with
 * `addonDelivery: 'charts'`), and Flux and Argo CD dry-run a whole unit before applying any of it, so a
 * custom resource beside the install of its own operator fails "no matches for kind" and holds back the
 * install forever. In `apps/` it waits for `infra/` and then converges. The CNI's kinds (`cilium.io`:
 * network policies, LB IPAM pools, L2 and BGP announcements) are the exception, because no GitOps
 * engine runs before the CNI does.
 */
import { apiGroup } from './objects';

/** The two sub-folders of every folder that holds objects, in apply order. */
export const LAYERS = ['infra', 'apps'] as const;
export type Layer = (typeof LAYERS)[number];

/** Kinds of the Kubernetes API that go to `infra/`, by group ('' is the core group). */
const BUILTIN_INFRA: Readonly<Record<string, readonly string[]>> = {
  '': ['Namespace', 'ResourceQuota', 'LimitRange'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'networking.k8s.io': ['NetworkPolicy', 'IngressClass'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver'],
  'scheduling.k8s.io': ['PriorityClass'],
  'node.k8s.io': ['RuntimeClass'],
  'resource.k8s.io': ['DeviceClass'],
  'admissionregistration.k8s.io': ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'],
};

/** Kinds served at bootstrap by what every cluster (or the management cluster) is created with. */
const BOOTSTRAP_INFRA: Readonly<Record<string, readonly string[]>> = {
  // k0s's Helm controller: the operator installs themselves.
  'helm.k0sproject.io': ['Chart'],
  // kcm (k0rdent) on the management cluster: what its admission webhooks look up (K0rdent/kcm#1137).
  'k0rdent.mirantis.com': ['ClusterTemplate', 'ServiceTemplate', 'ClusterTemplateChain', 'ServiceTemplateChain', 'Credential'],
  'source.toolkit.fluxcd.io': ['HelmRepository', 'OCIRepository', 'GitRepository'],
};

/** Groups whose every kind goes to `infra/`: the CNI's policies, pools and announcements. */
const INFRA_GROUPS: ReadonlySet<string> = new Set(['cilium.io']);

/** The sub-folder for an object of this API group and kind. */
export function layerOf(group: string, kind: string): Layer {
  if (INFRA_GROUPS.has(group)) return 'infra';
  if (BUILTIN_INFRA[group]?.includes(kind)) return 'infra';
  if (BOOTSTRAP_INFRA[group]?.includes(kind)) return 'infra';
  return 'apps';
}

/** {@link layerOf} for an object. */
export function layerOfObject(o: { readonly apiVersion: string; readonly kind: string }): Layer {
  return layerOf(apiGroup(o.apiVersion), o.kind);
}
