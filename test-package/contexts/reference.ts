// The context of fragments in the docs: the reference fleet (apps/fleet.yaml in the repository, copied
// beside each snippet as fleet.yaml) and the names the fragments use.
import { App } from 'cdk8s';
import { CiliumMesh, Connections, ControlPlane, Delivery, Driver, Fleet, GitOps, GpuOperatorStack, InferenceRuntime, InferenceService, Partitioning, Peer, Port, readFleetFile, Rollout, TenantIsolation, TrainingJob, type K0sCluster } from 'cdk8s-k0smos';

const fleet = Fleet.fromSpec(new App(), 'geo', readFleetFile('fleet.yaml'));
const frankfurt = fleet.site('frankfurt').cluster() as K0sCluster;
const quebec = fleet.site('quebec').cluster() as K0sCluster;
const atlanta = fleet.site('atlanta').cluster() as K0sCluster;
const cluster = quebec;
void [CiliumMesh, Connections, ControlPlane, Delivery, Driver, GitOps, GpuOperatorStack, Rollout, InferenceRuntime, InferenceService, Partitioning, Peer, Port, TenantIsolation, TrainingJob, frankfurt, quebec, atlanta, cluster];

{
// SNIPPET
}

fleet.synth({ outdir: 'dist' });
