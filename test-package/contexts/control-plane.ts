// The context of a `ControlPlane.*(...)` expression in the docs: the control plane of Quebec's cluster,
// in a fleet managed from Frankfurt.
import { App } from 'cdk8s';
import { ControlPlane, Fleet } from 'cdk8s-k0smos';

const controlPlane =
// SNIPPET
;

const fleet = new Fleet(new App(), 'geo', { managementSite: 'frankfurt' });
fleet.addSite('frankfurt', {
  region: 'eu-central', jurisdiction: 'DE', location: { lat: 50.11, lon: 8.68 }, infrastructure: 'openstack',
  nodePools: [{ name: 'mgmt', count: 1, cpu: 16, memoryGiB: 64 }],
  // the management cluster, bootstrapped by the fleet, so that it can install kcm and k0smotron there
  clusters: [{ name: 'frankfurt', controlPlane: ControlPlane.standalone({ keyPath: '~/.ssh/k0smos-frankfurt', externalAddress: '192.168.10.10',
    hosts: [{ role: 'controller+worker', address: '192.168.10.11' }] }) }],
});
fleet.addSite('quebec', {
  region: 'ca-east', jurisdiction: 'CA', location: { lat: 46.81, lon: -71.21 }, infrastructure: 'bare-metal',
  nodePools: [
    { name: 'a100', count: 1, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } },
    { name: 'cpu', count: 1, cpu: 32, memoryGiB: 128 },
  ],
  clusters: [{ name: 'quebec', controlPlane }],
});
fleet.synth({ outdir: 'dist' });
