import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { ValidationIssue } from '../lib/model/errors';
import { deferProblems } from './problems';
import { secretIssues } from '../lib/model/secrets';
import type { K8sObject } from '../lib/synth/objects';
import type { PlacementNeeds } from '../lib/workloads/needs';
import { Connections, Peer, Port } from './connections';
import { Fleet } from './fleet';
import { K0sCluster } from './k0s-cluster';
import {
  containerResources,
  ensureNamespace,
  placeBySolver,
  podGpuFields,
  resolveWorkload,
  type GpuRequest,
  type PodResources,
  type ResolvedTarget,
  type WorkloadPlacementProps,
  type WorkloadTargetProps,
} from './workload-target';

/**
 * How KServe runs a predictor. `Standard` (KServe's name since v0.16 for what was `RawDeployment`): a plain
 * Deployment and Service, needing only KServe and cert-manager. `Knative`: a Knative Service (scale to zero),
 * needing Knative Serving and a networking layer in the cluster.
 */
export type KServeDeploymentMode = 'Standard' | 'Knative';

/** The annotation that sets an InferenceService's deployment mode (KServe's chart default is Knative). */
export const KSERVE_DEPLOYMENT_MODE_ANNOTATION = 'serving.kserve.io/deploymentMode';

/** How the model is served. */
export class InferenceRuntime {
  /**
   * A KServe `InferenceService` (serving.kserve.io/v1beta1) with a model predictor, in deployment mode
   * `Standard` (plain Deployment, no Knative) unless `deploymentMode: 'Knative'`.
   */
  public static kserve(options: { readonly modelFormat: string; readonly storageUri: string; readonly runtime?: string; readonly deploymentMode?: KServeDeploymentMode }): InferenceRuntime {
    return new InferenceRuntime({ kind: 'kserve', ...options });
  }
  /** A Deployment and a ClusterIP Service running your serving image, where KServe is absent. */
  public static deployment(options: { readonly image: string; readonly port?: number; readonly args?: readonly string[] }): InferenceRuntime {
    return new InferenceRuntime({ kind: 'deployment', ...options });
  }
  private constructor(
    public readonly spec:
      | { readonly kind: 'kserve'; readonly modelFormat: string; readonly storageUri: string; readonly runtime?: string; readonly deploymentMode?: KServeDeploymentMode }
      | { readonly kind: 'deployment'; readonly image: string; readonly port?: number; readonly args?: readonly string[] },
  ) {}
}

/** Properties of an {@link InferenceService}. */
export interface InferenceServiceProps {
  /**
   * Where the service runs.
   * @default - the placement solver chooses at synth; replicas may spread over clusters (each gets its share)
   */
  readonly target?: WorkloadTargetProps;
  /**
   * What the solver needs when there is no target: the GPU vendor the image is built for, CPU, memory, priority.
   * @default - no GPUs unless gpuVendor or gpuModel is given
   */
  readonly placement?: WorkloadPlacementProps;
  /**
   * At most this many replicas per site (placed services only).
   * @default - no limit
   */
  readonly maxPerSite?: number;
  readonly runtime: InferenceRuntime;
  /**
   * Replicas.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * GPUs per replica.
   * @default 1 at a GPU site, 0 elsewhere
   */
  readonly gpusPerReplica?: number;
  /**
   * Namespace.
   * @default 'inference'
   */
  readonly namespace?: string;
  /**
   * Object name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Jurisdictions the service may run in (a placement need; checked against the target).
   * @default - anywhere
   */
  readonly jurisdictions?: readonly string[];
  /**
   * Round-trip bound to the users' site, in ms (a placement need, for the solver).
   * @default - none
   */
  readonly maxLatencyMs?: { readonly toSite: string; readonly ms: number };
  /**
   * GPU request seam (MIG profiles, DRA claims).
   * @default extendedResourceGpuRequest
   */
  readonly gpuRequest?: GpuRequest;
  /**
   * Who may call the model server: each peer may open connections to the predictor's port (8080 for KServe,
   * the runtime's port for a Deployment). More can be added with `connections.allowFrom`.
   * @default [Peer.sameNamespace()] - pods of the service's own namespace, in its cluster
   */
  readonly clients?: readonly Peer[];
  /**
   * Where the predictor downloads its model (KServe's storage initializer, or the server itself) and on which
   * ports; `false` for none.
   * @default - for KServe with a remote storageUri (anything but pvc://): any outside address on TCP 443 (`Peer.world()`); none otherwise
   */
  readonly modelDownload?: { readonly from: Peer; readonly ports?: readonly Port[] } | false;
}

/** Label KServe puts on every pod of an InferenceService, with its name. */
const KSERVE_POD_LABEL = 'serving.kserve.io/inferenceservice';
/** The port KServe's model servers listen on in the predictor pod. */
const KSERVE_PREDICTOR_PORT = 8080;

/** A model server in one cluster: KServe InferenceService or Deployment + Service. */
export class InferenceService extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly placementNeeds: PlacementNeeds;
  public readonly objects: readonly K8sObject[];
  /** The service's network flows: DNS, the model download, its clients; add more with `allowFrom`/`allowTo`. */
  public readonly connections: Connections;
  /** The port the model server listens on in its pods (what clients' flows allow). */
  public readonly predictorPort: number;

  constructor(scope: Construct, id: string, props: InferenceServiceProps) {
    super(scope, id);
    const fleet = Fleet.of(this);
    const issues: ValidationIssue[] = [];
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? 'inference';
    const r = props.runtime.spec;
    // What is written into the tree carries no secret (`--api-key=...`, a token in a storage URI).
    issues.push(...secretIssues(r.kind === 'kserve' ? { runtime: { storageUri: r.storageUri } } : { runtime: { image: r.image, ...(r.args ? { args: r.args } : {}) } }, ''));
    this.predictorPort = r.kind === 'kserve' ? KSERVE_PREDICTOR_PORT : (r.port ?? 8080);
    const podLabels: Record<string, string> = r.kind === 'kserve' ? { [KSERVE_POD_LABEL]: this.name } : { 'k0smos.io/workload': this.name };
    const declareFlows = (self: Peer) => {
      const c = new Connections(this, self, this.name);
      c.allowDns();
      const download = props.modelDownload ?? (r.kind === 'kserve' && !r.storageUri.startsWith('pvc://') ? { from: Peer.world(), ports: [Port.tcp(443)] } : false);
      if (download) c.allowTo(download.from, download.ports ?? [Port.tcp(443)], { name: `${this.name}-model-download`, description: `model download${r.kind === 'kserve' ? ` from ${r.storageUri}` : ''}` });
      for (const client of props.clients ?? [Peer.sameNamespace()]) c.allowFrom(client, Port.tcp(this.predictorPort), { description: 'calls to the model server' });
      return c;
    };
    if (!props.target) {
      this.objects = [];
      const needs = placeBySolver(this, {
        name: this.name,
        namespace: this.namespace,
        props,
        role: 'inference',
        rules: {
          ...(props.maxLatencyMs ? { latency: { maxRttMs: props.maxLatencyMs.ms, to: props.maxLatencyMs.toSite } } : {}),
          ...(props.maxPerSite !== undefined ? { spread: { maxPerSite: props.maxPerSite } } : {}),
        },
        needs: props.maxLatencyMs ? { maxLatencyMs: { ...props.maxLatencyMs } } : {},
        what: `inference service '${id}'`,
        build: (replicas, pod, at) => {
          this.requireKnative(props, fleet.site(at.site).clusters.find((c) => c.clusterName === at.cluster));
          return this.build(props, fleet, replicas, pod);
        },
      });
      // With problems (reported at synth with every other problem of the fleet) nothing is placed or written.
      this.placementNeeds = needs ?? { workload: this.node.path, role: 'inference', replicas: 0 };
      const self = Peer.placedPods(this.name, this.namespace, podLabels);
      this.connections = needs ? declareFlows(self) : new Connections(this, self, this.name);
      return;
    }
    const { t, replicas, gpus, pod } = resolveWorkload(this, { ...props, target: props.target }, issues);
    const rtt = props.maxLatencyMs && t ? t.rttMs[props.maxLatencyMs.toSite] : undefined;
    if (props.maxLatencyMs && t && t.site !== props.maxLatencyMs.toSite && rtt !== undefined && rtt > props.maxLatencyMs.ms) {
      issues.push({ path: 'maxLatencyMs', message: `${t.site} is ${rtt} ms from ${props.maxLatencyMs.toSite}, above the bound of ${props.maxLatencyMs.ms} ms` });
    }
    if (!t && issues.length === 0) issues.push({ path: 'target', message: 'names no cluster of the fleet; give target: { site, cluster }' });
    if (deferProblems(this, issues) || !t) {
      // Reported at synth with every other problem of the fleet; nothing is written for this service.
      this.objects = [];
      this.placementNeeds = { workload: this.node.path, role: 'inference', replicas: 0 };
      this.connections = new Connections(this, Peer.placedPods(this.name, this.namespace, podLabels), this.name);
      return;
    }
    const objects = this.build(props, fleet, replicas, pod);
    this.requireKnative(props, t.chart);
    this.objects = objects;
    ensureNamespace(t.chart, this.namespace, fleet.commonLabels());
    objects.forEach((o) => new ApiObject(t.chart, `${id}-${o.kind}-${o.metadata.name}`.toLowerCase(), o));
    this.connections = declareFlows(Peer.pods(t.chart, this.namespace, podLabels));
    this.placementNeeds = {
      workload: this.node.path,
      role: 'inference',
      replicas,
      ...(gpus > 0 ? { gpu: { vendor: t.gpu!.vendor, model: t.gpu!.model, count: gpus } } : {}),
      ...(props.jurisdictions ? { jurisdictions: [...props.jurisdictions] } : {}),
      ...(props.maxLatencyMs ? { maxLatencyMs: { ...props.maxLatencyMs } } : {}),
      target: { site: t.site, cluster: t.cluster },
    };
  }

  /** Knative mode needs Knative Serving in the cluster, which no object shows: say so on the cluster. */
  private requireKnative(props: InferenceServiceProps, chart: ResolvedTarget['chart'] | undefined): void {
    const r = props.runtime.spec;
    if (r.kind !== 'kserve' || r.deploymentMode !== 'Knative' || !chart || !K0sCluster.isK0sCluster(chart)) return;
    chart.require('api:serving.knative.dev', { by: this.node.path, why: `InferenceService '${this.name}' runs in KServe's Knative deployment mode (a Knative Service per predictor)` });
  }

  private build(props: InferenceServiceProps, fleet: Fleet, replicas: number, pod: PodResources): K8sObject[] {
    const labels = { ...fleet.commonLabels(), 'k0smos.io/workload': this.name };
    const resources = containerResources(pod);
    const res = pod.gpu;
    const meta = { name: this.name, namespace: this.namespace, labels };
    const objects: K8sObject[] = [];
    const r = props.runtime.spec;
    if (r.kind === 'kserve') {
      objects.push({
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        // Without the annotation KServe's chart default (Knative) applies, and nothing here installs Knative.
        metadata: { ...meta, annotations: { [KSERVE_DEPLOYMENT_MODE_ANNOTATION]: r.deploymentMode ?? 'Standard' } },
        spec: {
          predictor: {
            // Exactly the replicas the fleet reserved room for: no autoscaling beyond them.
            minReplicas: replicas,
            maxReplicas: replicas,
            ...(res?.nodeSelector ? { nodeSelector: { ...res.nodeSelector } } : {}),
            ...(res?.tolerations ? { tolerations: res.tolerations.map((x) => ({ ...x })) } : {}),
            model: { modelFormat: { name: r.modelFormat }, storageUri: r.storageUri, ...(r.runtime ? { runtime: r.runtime } : {}), ...resources },
          },
        },
      });
    } else {
      const port = r.port ?? 8080;
      const sel = { 'k0smos.io/workload': this.name };
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta,
        spec: {
          replicas,
          selector: { matchLabels: sel },
          template: {
            metadata: { labels: { ...labels, ...sel } },
            spec: {
              containers: [{ name: 'server', image: r.image, ...(r.args ? { args: [...r.args] } : {}), ports: [{ name: 'http', containerPort: port }], ...resources }],
              ...podGpuFields(pod.gpu),
            },
          },
        },
      });
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector: sel, ports: [{ name: 'http', port: 80, targetPort: port }] } });
    }
    return objects;
  }
}
