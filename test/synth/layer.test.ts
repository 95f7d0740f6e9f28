import { layerOf, layerOfObject } from '../../lib/synth/layer';

describe('infra/ or apps/: a pure function of group and kind', () => {
  it('puts what others need first and what the cluster serves at bootstrap into infra/', () => {
    const infra: [string, string][] = [
      ['', 'Namespace'],
      ['', 'ResourceQuota'],
      ['', 'LimitRange'],
      ['apiextensions.k8s.io', 'CustomResourceDefinition'],
      ['networking.k8s.io', 'NetworkPolicy'],
      ['storage.k8s.io', 'StorageClass'],
      ['scheduling.k8s.io', 'PriorityClass'],
      ['node.k8s.io', 'RuntimeClass'],
      ['resource.k8s.io', 'DeviceClass'],
      ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy'],
      // Operator installs.
      ['helm.k0sproject.io', 'Chart'],
      // The CNI's policies and load-balancer pools: served before any GitOps engine can run.
      ['cilium.io', 'CiliumNetworkPolicy'],
      ['cilium.io', 'CiliumClusterwideNetworkPolicy'],
      ['cilium.io', 'CiliumLoadBalancerIPPool'],
      ['cilium.io', 'CiliumL2AnnouncementPolicy'],
      // What kcm checks ClusterDeployments and MultiClusterServices against.
      ['k0rdent.mirantis.com', 'ServiceTemplate'],
      ['k0rdent.mirantis.com', 'ClusterTemplate'],
      ['k0rdent.mirantis.com', 'Credential'],
      ['source.toolkit.fluxcd.io', 'HelmRepository'],
    ];
    for (const [group, kind] of infra) expect(`${group}/${kind}: ${layerOf(group, kind)}`).toBe(`${group}/${kind}: infra`);
  });

  it('puts workloads, their configuration and RBAC, and every kind an operator serves into apps/', () => {
    const apps: [string, string][] = [
      ['apps', 'Deployment'],
      ['', 'Service'],
      ['', 'ConfigMap'],
      ['', 'Secret'],
      ['', 'PersistentVolumeClaim'],
      ['rbac.authorization.k8s.io', 'RoleBinding'],
      ['rbac.authorization.k8s.io', 'ClusterRole'],
      ['', 'ServiceAccount'],
      ['resource.k8s.io', 'ResourceClaimTemplate'],
      // A webhook points at its operator's Service: in infra/ it could block everything after it.
      ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'],
      // Served by operators that may themselves be installed from infra/ (a k0s Chart).
      ['nvidia.com', 'ClusterPolicy'],
      ['amd.com', 'DeviceConfig'],
      ['metallb.io', 'IPAddressPool'],
      ['cert-manager.io', 'Issuer'],
      ['keda.sh', 'ScaledObject'],
      ['serving.kserve.io', 'InferenceService'],
      ['kubeflow.org', 'PyTorchJob'],
      // The management plane's consumers of templates and credentials.
      ['k0rdent.mirantis.com', 'ClusterDeployment'],
      ['k0rdent.mirantis.com', 'MultiClusterService'],
      ['cluster.x-k8s.io', 'Cluster'],
      ['controlplane.cluster.x-k8s.io', 'K0smotronControlPlane'],
      // A kind name alone is not enough: the group decides.
      ['example.com', 'Namespace'],
      ['example.com', 'Chart'],
    ];
    for (const [group, kind] of apps) expect(`${group}/${kind}: ${layerOf(group, kind)}`).toBe(`${group}/${kind}: apps`);
  });

  it('reads the group from an object\'s apiVersion', () => {
    expect(layerOfObject({ apiVersion: 'v1', kind: 'Namespace' })).toBe('infra');
    expect(layerOfObject({ apiVersion: 'helm.k0sproject.io/v1beta1', kind: 'Chart' })).toBe('infra');
    expect(layerOfObject({ apiVersion: 'amd.com/v1alpha1', kind: 'DeviceConfig' })).toBe('apps');
  });
});
