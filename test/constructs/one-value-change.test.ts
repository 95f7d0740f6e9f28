/**
 * Changing one value changes only the objects that depend on it: two synths are diffed file by file.
 */
import type { FleetSpec } from '../../lib/model/fleet';
import type { FileTree } from '../../lib/synth/render';
import { parseIpPlanState } from '../../lib/model/ip-plan';
import { referenceFleetSpec } from '../../apps/reference-fleet';
import { clone, describeWithSchemas, fleetFrom, templateSchemas, treeFailures } from '../helpers';

function changedFiles(a: FileTree, b: FileTree): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  // The readiness report describes every cluster's stack, so it follows any change; it is checked in test/readiness.
  return keys.filter((k) => a.get(k) !== b.get(k) && k !== 'READINESS.md' && k !== 'readiness.json');
}

type Edit = (f: any) => void;
function diffAfter(base: FleetSpec, edit: Edit): { changed: string[]; after: FileTree } {
  const before = fleetFrom(base).toTree();
  const spec = clone(base);
  edit(spec);
  // The second synth reads the IP plan the first one wrote, as Fleet.synth does from <outdir>/ip-plan.json.
  const state = parseIpPlanState(before.get('ip-plan.json')!);
  const after = fleetFrom(spec).toTree('state' in state ? { ipAllocations: state.state } : {});
  return { changed: changedFiles(before, after), after };
}
const site = (f: any, name: string) => f.sites.find((s: { name: string }) => s.name === name);

/** A cloud site with one k0rdent cluster whose template follows the site's infrastructure. */
function cloudFleet(): FleetSpec {
  return {
    name: 'cloud',
    management: { site: 'mgmt', credentials: [{ name: 'cloud-cred', identityRef: { apiVersion: 'v1', kind: 'Secret', name: 'cloud-identity', namespace: 'kcm-system' } }] },
    sites: [
      {
        name: 'mgmt',
        region: 'eu-central',
        jurisdiction: 'DE',
        location: { lat: 50, lon: 8 },
        infrastructure: 'bare-metal',
        nodePools: [{ name: 'm', count: 1, cpu: 8, memoryGiB: 32 }],
        // Hosted control planes of cloud templates are LoadBalancer Services in the management cluster.
        present: { loadBalancer: true },
        clusters: [{ name: 'mgmt', controlPlane: { mode: 'standalone', hosts: [{ role: 'single', address: '192.168.1.10' }] } }],
      },
      {
        name: 'dc',
        region: 'eu-west',
        jurisdiction: 'FR',
        location: { lat: 48, lon: 2 },
        infrastructure: 'vsphere',
        nodePools: [{ name: 'gpu', count: 2, cpu: 32, memoryGiB: 256, gpus: { model: 'L40S', count: 4 } }],
        clusters: [{ name: 'dc', controlPlane: { mode: 'k0rdent', credential: 'cloud-cred', config: { controlPlaneNumber: 1, workersNumber: 2 } } }],
      },
    ],
  };
}

describe('one value changed, only its dependents change', () => {
  test('the GPU model of a pool: the inventory of that cluster and its nodes\' model label', () => {
    const { changed, after } = diffAfter(referenceFleetSpec, (f) => (site(f, 'quebec').nodePools[0].gpus.model = 'H100'));
    // The placement report depends on the GPUs too: the reference workloads are placed again.
    expect(changed).toEqual([
      'PLACEMENT.md',
      'management/clusters/quebec/apps/configmap_k0smos-system_cluster-quebec.yaml',
      'management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-a100-mig-0.yaml',
      'management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-a100-mig-1.yaml',
      'placement.json',
      'sites/quebec/quebec/apps/configmap_k0smos-system_cluster-info.yaml',
    ]);
    expect(after.get('management/clusters/quebec/apps/k0sworkerconfig.bootstrap.cluster.x-k8s.io_kcm-system_quebec-a100-mig-0.yaml')).toContain('k0smos.io/gpu-model=H100,k0smos.io/gpu-vendor=nvidia');
  });

  test('the k0s version of the hosted cluster: its control plane, worker configs and machines', () => {
    const { changed, after } = diffAfter(referenceFleetSpec, (f) => (site(f, 'quebec').clusters[0].k0sVersion = 'v1.35.6+k0s.1'));
    expect(changed.every((p) => /^management\/clusters\/quebec\/apps\/(k0smotroncontrolplane|k0sworkerconfig|machine)\.[a-z0-9.-]+_kcm-system_quebec/.test(p))).toBe(true);
    expect(changed).toHaveLength(1 + 6 + 6);
    expect(after.get('management/clusters/quebec/apps/k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_quebec.yaml')).toContain('version: v1.35.6-k0s.1');
  });

  test('the k0s version of the standalone cluster: only its k0sctl.yaml', () => {
    const { changed } = diffAfter(referenceFleetSpec, (f) => (site(f, 'frankfurt').clusters[0].k0sVersion = 'v1.35.6+k0s.1'));
    expect(changed).toEqual(['sites/frankfurt/frankfurt/k0sctl.yaml']);
  });

  test('the template of a k0rdent cluster: only its ClusterDeployment', () => {
    const { changed, after } = diffAfter(cloudFleet(), (f) => (site(f, 'dc').clusters[0].controlPlane.template = 'vsphere-standalone-cp'));
    // A standalone control plane runs on the cloud's machines, so the management cluster no longer hosts its
    // etcd: the volume provisioner it needed for that leaves the management cluster's k0sctl.yaml.
    expect(changed).toEqual(['management/clusters/dc/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_dc.yaml', 'sites/mgmt/mgmt/k0sctl.yaml']);
    expect(after.get(changed[0]!)).toContain('template: vsphere-standalone-cp-1-0-42');
    expect(fleetFrom(cloudFleet()).toTree().get(changed[1]!)).toContain('localpv-provisioner');
    expect(after.get(changed[1]!)).not.toContain('localpv-provisioner');
  });

  test('the provider (site infrastructure): the derived template and the inventory, nothing else', () => {
    const { changed, after } = diffAfter(cloudFleet(), (f) => (site(f, 'dc').infrastructure = 'kubevirt'));
    expect(changed).toEqual([
      'management/clusters/dc/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_dc.yaml',
      'management/clusters/dc/apps/configmap_k0smos-system_cluster-dc.yaml',
      'sites/dc/dc/apps/configmap_k0smos-system_cluster-info.yaml',
    ]);
    expect(after.get(changed[0]!)).toContain('template: kubevirt-hosted-cp-1-0-21');
  });

  test('adding a cluster adds its files and one IP-plan entry; no other cluster is renumbered', () => {
    const { changed, after } = diffAfter(referenceFleetSpec, (f) =>
      f.sites.push({
        name: 'montreal',
        region: 'ca-east',
        jurisdiction: 'CA',
        location: { lat: 45.5, lon: -73.6 },
        infrastructure: 'bare-metal',
        nodePools: [{ name: 'cpu', count: 1, cpu: 16, memoryGiB: 64 }],
      }),
    );
    // A new site is new capacity, so the placement report is redone as well.
    expect(changed).toEqual([
      'PLACEMENT.md',
      'ip-plan.json',
      'management/clusters/montreal/apps/configmap_k0smos-system_cluster-montreal.yaml',
      'management/clusters/montreal/apps/kustomization.yaml',
      'management/clusters/montreal/infra/kustomization.yaml',
      'management/clusters/montreal/kustomization.yaml',
      'management/fleet/apps/configmap_k0smos-system_ip-plan.yaml',
      'management/kustomization.yaml',
      'placement.json',
      'sites/montreal/montreal/apps/configmap_k0smos-system_cluster-info.yaml',
      'sites/montreal/montreal/apps/kustomization.yaml',
      'sites/montreal/montreal/infra/kustomization.yaml',
      'sites/montreal/montreal/infra/namespace_k0smos-system.yaml',
      'sites/montreal/montreal/kustomization.yaml',
    ]);
    // The IP plan's state gains one line, for montreal; every other line stays.
    const lines = (t: string) => t.split('\n').map((l) => l.replace(/,$/, ''));
    const added = lines(after.get('ip-plan.json')!).filter((l) => !lines(fleetFrom(referenceFleetSpec).toTree().get('ip-plan.json')!).includes(l));
    expect(added).toEqual([expect.stringMatching(/^ {4}\{"name": "montreal", "slot": \d+, /)]);
  });
});

describeWithSchemas('the changed fleets still validate', () => {
  test('template and provider variants pass their template schemas', () => {
    for (const edit of [(f: any) => (site(f, 'dc').clusters[0].controlPlane.template = 'vsphere-standalone-cp'), (f: any) => (site(f, 'dc').infrastructure = 'kubevirt')] as Edit[]) {
      const spec = clone(cloudFleet());
      edit(spec);
      expect(treeFailures(fleetFrom(spec).toTree({ templates: templateSchemas() }))).toEqual([]);
    }
  });
});
