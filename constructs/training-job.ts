import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { ValidationIssue } from '../lib/model/errors';
import { deferProblems } from './problems';
import { secretIssues } from '../lib/model/secrets';
import type { K8sObject } from '../lib/synth/objects';
import type { PlacementNeeds } from '../lib/workloads/needs';
import { Connections, Peer, Port } from './connections';
import { Fleet } from './fleet';
import { defaultShmGiB, memoryQuantity } from '../lib/workloads/resources';
import {
  containerResources,
  ensureNamespace,
  placeBySolver,
  podGpuFields,
  resolveWorkload,
  type GpuRequest,
  type PodResources,
  type WorkloadPlacementProps,
  type WorkloadTargetProps,
} from './workload-target';

/** Which controller runs the training. */
export class TrainingOperator {
  /** Kubeflow Training Operator v1 `PyTorchJob` (one Master, the rest Workers). */
  public static pytorchJob(): TrainingOperator {
    return new TrainingOperator('pytorchjob');
  }
  /** A plain indexed `Job` with a headless Service for rendezvous, where no training operator is installed. */
  public static indexedJob(): TrainingOperator {
    return new TrainingOperator('indexed-job');
  }
  private constructor(public readonly kind: 'pytorchjob' | 'indexed-job') {}
}

/** Properties of a {@link TrainingJob}. */
export interface TrainingJobProps {
  /**
   * Where the job runs.
   * @default - the placement solver chooses one cluster at synth (all replicas together, as a gang)
   */
  readonly target?: WorkloadTargetProps;
  /**
   * What the solver needs when there is no target: the GPU vendor the image is built for, CPU, memory, priority.
   * @default - no GPUs unless gpuVendor or gpuModel is given
   */
  readonly placement?: WorkloadPlacementProps;
  /** Training image. */
  readonly image: string;
  /**
   * Container command.
   * @default - the image's entrypoint
   */
  readonly command?: readonly string[];
  /**
   * Container args.
   * @default - none
   */
  readonly args?: readonly string[];
  /**
   * Number of pods (nodes) taking part.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * GPUs per pod.
   * @default 1 at a GPU site, 0 elsewhere
   */
  readonly gpusPerReplica?: number;
  /**
   * Namespace.
   * @default 'training'
   */
  readonly namespace?: string;
  /**
   * Object name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Controller.
   * @default TrainingOperator.pytorchJob()
   */
  readonly operator?: TrainingOperator;
  /**
   * Jurisdictions the training data may be processed in (a placement need; checked against the target).
   * @default - anywhere
   */
  readonly jurisdictions?: readonly string[];
  /**
   * Rendezvous port. For a PyTorchJob it is the container port named `pytorchjob-port`, which the Kubeflow
   * training operator passes to every pod as MASTER_PORT (without it the operator adds port 23456).
   * @default 29500
   */
  readonly port?: number;
  /**
   * Size of the `/dev/shm` tmpfs (emptyDir, medium Memory) of pods with more than one GPU, in GiB; 0 for none.
   * NCCL's shared-memory transport and DataLoader workers use it, and container runtimes give only 64 MiB.
   * Its pages count against the pod's memory.
   * @default - half of placement.memoryGiB; 1 GiB per GPU when no memory is given
   */
  readonly shmSizeGiB?: number;
  /**
   * GPU request seam (MIG profiles, DRA claims).
   * @default extendedResourceGpuRequest
   */
  readonly gpuRequest?: GpuRequest;
}

/** A distributed training job in one cluster: Kubeflow PyTorchJob or an indexed Job. */
export class TrainingJob extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly placementNeeds: PlacementNeeds;
  public readonly objects: readonly K8sObject[];
  /**
   * The job's network flows: its pods to each other on every port (rendezvous, the `pytorchjob-port`
   * master port, NCCL/RCCL) and to DNS are declared already; add what else the job reaches
   * (`connections.allowTo(Peer.world(['198.51.100.0/24']), Port.tcp(443))`).
   */
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    super(scope, id);
    const fleet = Fleet.of(this);
    const issues: ValidationIssue[] = [];
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? 'training';
    // Command lines are written into the tree: no secret may ride in them (`--hf-token=...`).
    issues.push(...secretIssues({ ...(props.command ? { command: props.command } : {}), ...(props.args ? { args: props.args } : {}), image: props.image }, ''));
    if (props.shmSizeGiB !== undefined && !(Number.isFinite(props.shmSizeGiB) && props.shmSizeGiB >= 0)) issues.push({ path: 'shmSizeGiB', message: `must be a number of GiB, 0 or more; got ${props.shmSizeGiB}` });
    const podLabels = { 'k0smos.io/workload': this.name };
    const declareFlows = (self: Peer) => {
      const c = new Connections(this, self, this.name);
      c.allowInternally(Port.allTraffic(), { name: `${this.name}-gang`, description: 'the pods of the gang to each other on every port (rendezvous, master port, collectives)' });
      c.allowDns({ description: 'name lookups (the master Service, the rendezvous address)' });
      return c;
    };
    if (!props.target) {
      this.objects = [];
      // Placed at synth: one cluster for the whole gang.
      const needs = deferProblems(this, issues) ? undefined : placeBySolver(this, {
        name: this.name,
        namespace: this.namespace,
        props,
        role: 'training',
        rules: { gang: true, spread: { maxSites: 1, maxClusters: 1 } },
        oneCluster: true,
        what: `training job '${id}'`,
        build: (replicas, pod) => this.build(props, fleet, replicas, pod),
      });
      // With problems (reported at synth with every other problem of the fleet) nothing is placed or written.
      this.placementNeeds = needs ?? { workload: this.node.path, role: 'training', replicas: 0 };
      const self = Peer.placedPods(this.name, this.namespace, podLabels);
      this.connections = needs ? declareFlows(self) : new Connections(this, self, this.name);
      return;
    }
    const { t, replicas, gpus, pod } = resolveWorkload(this, { ...props, target: props.target }, issues);
    if (!t && issues.length === 0) issues.push({ path: 'target', message: 'names no cluster of the fleet; give target: { site, cluster }' });
    if (deferProblems(this, issues) || !t) {
      // Reported at synth with every other problem of the fleet; nothing is written for this job.
      this.objects = [];
      this.placementNeeds = { workload: this.node.path, role: 'training', replicas: 0 };
      this.connections = new Connections(this, Peer.placedPods(this.name, this.namespace, podLabels), this.name);
      return;
    }
    const objects = this.build(props, fleet, replicas, pod);
    this.objects = objects;
    ensureNamespace(t.chart, this.namespace, fleet.commonLabels());
    objects.forEach((o) => new ApiObject(t.chart, `${id}-${o.kind}-${o.metadata.name}`.toLowerCase(), o));
    this.connections = declareFlows(Peer.pods(t.chart, this.namespace, podLabels));
    this.placementNeeds = {
      workload: this.node.path,
      role: 'training',
      replicas,
      ...(gpus > 0 ? { gpu: { vendor: t.gpu!.vendor, model: t.gpu!.model, count: gpus } } : {}),
      ...(props.jurisdictions ? { jurisdictions: [...props.jurisdictions] } : {}),
      target: { site: t.site, cluster: t.cluster },
    };
  }

  private build(props: TrainingJobProps, fleet: Fleet, replicas: number, pod: PodResources): K8sObject[] {
    const labels = { ...fleet.commonLabels(), 'k0smos.io/workload': this.name };
    const port = props.port ?? 29500;
    const pytorchJob = (props.operator ?? TrainingOperator.pytorchJob()).kind === 'pytorchjob';
    // Several GPUs in one pod talk through /dev/shm (NCCL); the runtime's 64 MiB default is far too small.
    const shmGiB = pod.gpus > 1 ? (props.shmSizeGiB ?? defaultShmGiB(pod.memoryGiB, pod.gpus)) : 0;
    const shm = shmGiB > 0 ? { volume: { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: memoryQuantity(shmGiB) } }, mount: { name: 'dshm', mountPath: '/dev/shm' } } : undefined;
    const container = (name: string, env: Record<string, unknown>[] = []) => ({
      name,
      image: props.image,
      ...(props.command ? { command: [...props.command] } : {}),
      ...(props.args ? { args: [...props.args] } : {}),
      ...(env.length ? { env } : {}),
      // The Kubeflow operator reads MASTER_PORT from the Master's port of this name; Workers carry the same.
      ports: [{ name: pytorchJob ? 'pytorchjob-port' : 'rendezvous', containerPort: port }],
      ...containerResources(pod),
      ...(shm ? { volumeMounts: [{ ...shm.mount }] } : {}),
    });
    const podExtras = { ...podGpuFields(pod.gpu), ...(shm ? { volumes: [{ ...shm.volume }] } : {}) };
    const meta = { name: this.name, namespace: this.namespace, labels };
    const objects: K8sObject[] = [];
    if (pytorchJob) {
      // The operator names its container 'pytorch' and sets MASTER_ADDR, WORLD_SIZE and RANK itself.
      const spec = (n: number) => ({ replicas: n, restartPolicy: 'OnFailure', template: { metadata: { labels }, spec: { containers: [container('pytorch')], ...podExtras } } });
      objects.push({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: meta, spec: { pytorchReplicaSpecs: { Master: spec(1), ...(replicas > 1 ? { Worker: spec(replicas - 1) } : {}) } } });
    } else {
      const sel = { 'k0smos.io/workload': this.name };
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { clusterIP: 'None', selector: sel, ports: [{ name: 'rendezvous', port, targetPort: port }] } });
      const env = [
        { name: 'MASTER_ADDR', value: `${this.name}-0.${this.name}` },
        { name: 'MASTER_PORT', value: String(port) },
        { name: 'WORLD_SIZE', value: String(replicas) },
        // The Job controller sets JOB_COMPLETION_INDEX (0..replicas-1); use it as the node rank.
        { name: 'NODE_RANK', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      ];
      objects.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta,
        spec: {
          completionMode: 'Indexed',
          completions: replicas,
          parallelism: replicas,
          backoffLimit: 3,
          template: { metadata: { labels: { ...labels, ...sel } }, spec: { subdomain: this.name, restartPolicy: 'Never', containers: [container('train', env)], ...podExtras } },
        },
      });
    }
    return objects;
  }
}
