import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError, type ValidationIssue } from '../lib/model/errors';
import type { GpuVendor } from '../lib/model/gpu-models';
import type { Signals } from '../lib/energy/signals';
import { formatPlanReport, planParticipation, type ParticipationPlan, type ParticipationRules } from '../lib/energy/schedule';
import { COMPONENT_LABEL, FLOWER_APP_UID, FLOWER_IMAGES, JOB_LABEL } from '../lib/flower/constants';
import { buildFlowerObjects, clusterKey, superNodeName, type FleetApiExposureSpec, type FlowerEnd, type FlowerFlow, type FlowerIsolation, type FlowerTlsSpec, type FlowerSpec } from '../lib/flower/objects';
import { checkFlowerWiring } from '../lib/flower/wiring';
import { kedaScaledObject, scalingCronJobs } from '../lib/flower/scaling';
import { parseCidr, parseIpv4 } from '../lib/net/cidr';
import type { K8sObject } from '../lib/synth/objects';
import type { PlacementNeeds } from '../lib/workloads/needs';
import { Peer, Port, declareFlow } from './connections';
import { Fleet } from './fleet';
import { deferProblems } from './problems';
import { secretIssues } from '../lib/model/secrets';
import { OutputFile, type ClusterChart } from './folder-chart';
import { extendedResourceGpuRequest, resolveTarget, type GpuRequest, type ResolvedTarget, type WorkloadTargetProps } from './workload-target';

/** TLS between SuperNodes and the SuperLink, from named Secrets. */
export class FlowerTls {
  /**
   * Certificates from Secrets you create (or cert-manager writes): the SuperLink's Secret holds `ca.crt`,
   * `tls.crt` and `tls.key`; the CA Secret, present in every client cluster's job namespace, holds `ca.crt`.
   */
  public static fromSecrets(options: { readonly serverSecret: string; readonly caSecret: string }): FlowerTls {
    return new FlowerTls(options.serverSecret, options.caSecret);
  }
  private constructor(
    public readonly serverSecret: string,
    public readonly caSecret: string,
  ) {}
}

/** How SuperNodes in other clusters reach the SuperLink's Fleet API. */
export class FleetApiExposure {
  /** A Service of the same name in every involved cluster with `service.cilium.io/global: "true"` (needs the Cilium mesh). */
  public static ciliumGlobal(): FleetApiExposure {
    return new FleetApiExposure({ type: 'cilium-global' });
  }
  /**
   * A LoadBalancer Service; `host` is the DNS name or IP SuperNodes dial (it must be in the server certificate).
   * The SuperLink admits only `sourceRanges` (the client sites' egress addresses as the SuperLink's cluster
   * sees them; the Service keeps client addresses with `externalTrafficPolicy: Local`), and SuperNodes may dial
   * only `addresses` (the load balancer's IPs; derived from `host` when it is an IPv4 address). To admit any
   * address, say so: `sourceRanges: ['0.0.0.0/0']`.
   */
  public static loadBalancer(options: {
    readonly host: string;
    readonly sourceRanges: readonly string[];
    readonly addresses?: readonly string[];
    readonly annotations?: Record<string, string>;
    readonly loadBalancerClass?: string;
  }): FleetApiExposure {
    const ip = parseIpv4(options.host) !== undefined;
    return new FleetApiExposure({
      type: 'load-balancer',
      host: options.host,
      sourceRanges: [...(options.sourceRanges ?? [])],
      addresses: [...(options.addresses ?? (ip ? [`${options.host}/32`] : []))],
      ...(options.annotations ? { annotations: options.annotations } : {}),
      ...(options.loadBalancerClass ? { loadBalancerClass: options.loadBalancerClass } : {}),
    });
  }
  private constructor(public readonly spec: FleetApiExposureSpec) {}
}

/** Where the SuperLink keeps its state. */
export class FlowerDatabase {
  /** SQLite on a PersistentVolumeClaim (`--database`), surviving restarts. */
  public static persistent(options: { readonly size?: string; readonly storageClassName?: string } = {}): FlowerDatabase {
    return new FlowerDatabase({ size: options.size ?? '1Gi', ...(options.storageClassName ? { storageClassName: options.storageClassName } : {}) });
  }
  /** Flower's default in-memory state: runs and registered nodes are lost when the pod restarts. */
  public static inMemory(): FlowerDatabase {
    return new FlowerDatabase(undefined);
  }
  private constructor(public readonly volume: { readonly size: string; readonly storageClassName?: string } | undefined) {}
}

/** What turns the participation schedule into scaling. */
export class ScheduleScaler {
  /** KEDA ScaledObjects with cron triggers (KEDA must be installed in client clusters). */
  public static keda(): ScheduleScaler {
    return new ScheduleScaler('keda', '');
  }
  /** CronJobs running `kubectl scale`, for clusters without KEDA. */
  public static cronJobs(options: { readonly kubectlImage?: string } = {}): ScheduleScaler {
    return new ScheduleScaler('cronjobs', options.kubectlImage ?? 'registry.k8s.io/kubectl:v1.34.1');
  }
  private constructor(
    public readonly kind: 'keda' | 'cronjobs',
    public readonly kubectlImage: string,
  ) {}
}

/** A client site: its data stay there, so its SuperNode is pinned to it. */
export interface FlowerClientProps extends WorkloadTargetProps {
  /**
   * `--node-config` entries, e.g. `{ 'partition-id': 0 }`.
   * @default - none
   */
  readonly nodeConfig?: Readonly<Record<string, string | number | boolean>>;
  /**
   * GPUs for the ClientApp.
   * @default 1 (0 at a site without GPUs)
   */
  readonly gpus?: number;
  /**
   * Secret holding this SuperNode's EC private key under `key` (node authentication).
   * @default '<job>-supernode-<site>-auth' when nodeAuth is on
   */
  readonly authKeySecret?: string;
}

/** Images of the job. */
export interface FlowerImages {
  /** The ServerApp image (built on flwr/superexec for process isolation, on flwr/superlink for subprocess). */
  readonly serverApp: string;
  /** ClientApp image for NVIDIA sites (CUDA build). Required when a client site has NVIDIA GPUs. */
  readonly clientCuda?: string;
  /** ClientApp image for AMD sites (ROCm build). Required when a client site has AMD GPUs. */
  readonly clientRocm?: string;
  /** ClientApp image for sites without GPUs. */
  readonly clientCpu?: string;
  /**
   * SuperLink image (process isolation).
   * @default 'flwr/superlink:1.27.0'
   */
  readonly superlink?: string;
  /**
   * SuperNode image (process isolation).
   * @default 'flwr/supernode:1.27.0'
   */
  readonly supernode?: string;
}

/** Energy-aware participation: signals (read at the edge, e.g. with `readSignalsFile`) and rules. */
export interface FlowerEnergyProps {
  readonly signals: Signals;
  /** The rules; `clients` defaults to the job's client sites. */
  readonly rules: Omit<ParticipationRules, 'clients'> & { readonly clients?: readonly string[] };
  /**
   * How the schedule scales SuperNodes.
   * @default ScheduleScaler.keda()
   */
  readonly scaler?: ScheduleScaler;
}

/** Properties of a {@link FederatedLearningJob}. */
export interface FederatedLearningJobProps {
  /** Client sites, one SuperNode each, pinned to the site that holds the data. */
  readonly clients: readonly FlowerClientProps[];
  readonly images: FlowerImages;
  /**
   * Where the SuperLink (aggregation) runs.
   * @default - the fleet's management site
   */
  readonly aggregator?: WorkloadTargetProps;
  /**
   * Object names start with this.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace in every involved cluster.
   * @default - the job name
   */
  readonly namespace?: string;
  /**
   * Flower isolation mode: `process` runs app code in SuperExec containers (the user's images), `subprocess` inside the SuperLink/SuperNode.
   * @default 'process'
   */
  readonly isolation?: FlowerIsolation;
  /**
   * TLS certificates.
   * @default FlowerTls.fromSecrets({ serverSecret: '<job>-superlink-tls', caSecret: '<job>-ca' })
   */
  readonly tls?: FlowerTls;
  /**
   * Turn TLS off between SuperNodes and SuperLink. Model updates then cross sites in clear text.
   * @default false
   */
  readonly insecureWithoutTls?: boolean;
  /**
   * CLI-managed node authentication (`--enable-supernode-auth`): only SuperNodes whose public keys were
   * registered with `flwr supernode register` may connect. Needs TLS.
   * @default false
   */
  readonly nodeAuth?: boolean;
  /**
   * How the Fleet API is reached from other clusters.
   * @default FleetApiExposure.ciliumGlobal()
   */
  readonly exposure?: FleetApiExposure;
  /**
   * SuperLink state.
   * @default FlowerDatabase.persistent({ size: '1Gi' })
   */
  readonly database?: FlowerDatabase;
  /**
   * fsGroup of the SuperLink pod, so Flower's `app` user can write the state volume.
   * @default 49999
   */
  readonly fsGroup?: number;
  /**
   * Energy-aware participation.
   * @default - every SuperNode always on
   */
  readonly energy?: FlowerEnergyProps;
  /**
   * Priority of the job's parts in the placement solver's input. The SuperLink and every SuperNode are
   * pinned to their cluster and written there regardless; with a high priority the solver leaves room for
   * them (their GPUs, CPU and memory) when it places the fleet's other workloads.
   * @default 100
   */
  readonly placementPriority?: number;
  /**
   * Turns a GPU need into container resources (the seam for MIG profiles and DRA claims).
   * @default extendedResourceGpuRequest (`nvidia.com/gpu` / `amd.com/gpu`)
   */
  readonly gpuRequest?: GpuRequest;
}

/**
 * A Flower federated-learning job across sites: a SuperLink at the aggregator site, a SuperNode in each client
 * site's cluster, TLS, network policies and an optional energy-aware participation schedule.
 */
export class FederatedLearningJob extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The participation plan, when energy props were given. */
  public readonly plan?: ParticipationPlan;
  /**
   * The flows between the job's parts (ServerApp -> SuperLink ServerAppIo, SuperNodes -> SuperLink Fleet API),
   * sorted by name. The job declares them on the fleet itself, with DNS for the parts that resolve names and
   * the API server for CronJob scalers, so a mesh allows them at both ends.
   */
  public readonly flows: readonly FlowerFlow[];
  /** What each part needs from placement (the SuperLink, and every SuperNode pinned to its site). */
  public readonly placementNeeds: readonly PlacementNeeds[];
  /** host:port SuperNodes dial. */
  public readonly fleetAddress: string;
  private readonly emitted = new Map<string, ApiObject[]>();

  constructor(scope: Construct, id: string, props: FederatedLearningJobProps) {
    super(scope, id);
    const fleet = Fleet.of(this);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? this.name;
    const issues: ValidationIssue[] = [];
    const isolation = props.isolation ?? 'process';
    if (props.insecureWithoutTls && props.tls) issues.push({ path: 'tls', message: 'give tls or insecureWithoutTls: true, not both' });
    if (props.insecureWithoutTls && props.nodeAuth) issues.push({ path: 'nodeAuth', message: 'Flower node authentication needs TLS; drop insecureWithoutTls' });
    if (props.clients.length === 0) issues.push({ path: 'clients', message: 'list at least one client site' });
    // Run config and exposure annotations are written into the tree: no secret may ride in them.
    issues.push(...secretIssues({ clients: props.clients.map((c) => ({ nodeConfig: c.nodeConfig ?? {} })), ...(props.exposure?.spec.type === 'load-balancer' ? { exposure: { annotations: props.exposure.spec.annotations ?? {} } } : {}) }, ''));
    const exposureSpec = (props.exposure ?? FleetApiExposure.ciliumGlobal()).spec;
    if (exposureSpec.type === 'load-balancer') {
      if (exposureSpec.sourceRanges.length === 0) {
        issues.push({ path: 'exposure.sourceRanges', message: `the SuperLink admits only the addresses listed here; got none. Give the client sites' egress CIDRs (or ['0.0.0.0/0'] to admit any address on purpose)` });
      }
      if (exposureSpec.addresses.length === 0) {
        issues.push({ path: 'exposure.addresses', message: `host '${exposureSpec.host}' is a name, so SuperNode NetworkPolicies cannot name it; give the load balancer's addresses as CIDRs (e.g. ['203.0.113.10/32'])` });
      }
      for (const c of [...exposureSpec.sourceRanges, ...exposureSpec.addresses]) {
        const parsed = parseCidr(c);
        if (typeof parsed === 'string') issues.push({ path: 'exposure', message: parsed });
      }
    }
    const seen = new Set<string>();
    for (const c of props.clients) {
      if (seen.has(c.site)) issues.push({ path: `clients[${c.site}]`, message: `site '${c.site}' is listed twice; one SuperNode per site` });
      seen.add(c.site);
    }
    const aggregator = resolveTarget(this, props.aggregator ?? { site: fleet.managementSite }, 'aggregator', issues);
    const clients: { props: FlowerClientProps; t: ResolvedTarget }[] = [];
    for (const c of props.clients) {
      const t = resolveTarget(this, c, `clients[${c.site}]`, issues);
      if (t) clients.push({ props: c, t });
    }
    const imageFor = (vendor: GpuVendor | undefined, site: string): string | undefined => {
      const img = vendor === 'nvidia' ? props.images.clientCuda : vendor === 'amd' ? props.images.clientRocm : props.images.clientCpu;
      if (!img) {
        const field = vendor === 'nvidia' ? 'clientCuda' : vendor === 'amd' ? 'clientRocm' : 'clientCpu';
        issues.push({ path: `images.${field}`, message: `client site '${site}' has ${vendor ? `${vendor === 'nvidia' ? 'NVIDIA' : 'AMD'} GPUs` : 'no GPUs'}; give images.${field}` });
      }
      return img;
    };
    const gpuRequest = props.gpuRequest ?? extendedResourceGpuRequest;
    const supernodes: FlowerSpec['supernodes'][number][] = [];
    let plan: ParticipationPlan | undefined;
    if (props.energy) {
      try {
        plan = planParticipation(props.energy.signals, { ...props.energy.rules, clients: [...(props.energy.rules.clients ?? clients.map((c) => c.t.site))] });
      } catch (e) {
        if (e instanceof ValidationError) issues.push(...e.issues.map((i) => ({ path: `energy.rules${i.path ? '.' + i.path : ''}`, message: i.message })));
        else throw e;
      }
    }
    for (const { props: c, t } of clients) {
      const gpus = c.gpus ?? (t.gpu ? 1 : 0);
      if (gpus > 0 && !t.gpu) issues.push({ path: `clients[${c.site}].gpus`, message: `site '${t.site}' (cluster ${t.cluster}) has no GPUs; set gpus: 0 or pick a GPU site` });
      if (t.gpu && gpus > t.gpu.perNode) issues.push({ path: `clients[${c.site}].gpus`, message: `${gpus} GPUs per SuperNode but ${t.site}'s nodes have ${t.gpu.perNode} ${t.gpu.model}` });
      const clientImage = imageFor(gpus > 0 ? t.gpu?.vendor : undefined, t.site) ?? '';
      supernodes.push({
        site: t.site,
        cluster: t.cluster,
        supernodeImage: isolation === 'process' ? (props.images.supernode ?? FLOWER_IMAGES.supernode) : clientImage,
        ...(isolation === 'process' ? { clientAppImage: clientImage } : {}),
        nodeConfig: c.nodeConfig ?? {},
        ...(gpus > 0 && t.gpu ? { gpu: gpuRequest({ site: t.site, cluster: t.cluster, vendor: t.gpu.vendor, model: t.gpu.model, count: gpus }) } : {}),
        ...(props.nodeAuth ? { authSecret: c.authKeySecret ?? `${superNodeName(this.name, t.site)}-auth` } : {}),
        scaled: plan !== undefined && (plan.ranges[t.site]?.length ?? 0) > 0,
      });
    }
    if (!aggregator && issues.length === 0) issues.push({ path: 'aggregator', message: 'names no cluster of the fleet; give aggregator: { site, cluster }' });
    if (deferProblems(this, issues) || !aggregator) {
      // Reported at synth with every other problem of the fleet; nothing is written for this job.
      this.flows = [];
      this.placementNeeds = [];
      this.fleetAddress = '';
      return;
    }

    const tls: FlowerTlsSpec = props.insecureWithoutTls
      ? { type: 'insecure' }
      : { type: 'secrets', serverSecret: props.tls?.serverSecret ?? `${this.name}-superlink-tls`, caSecret: props.tls?.caSecret ?? `${this.name}-ca` };
    const database = (props.database ?? FlowerDatabase.persistent()).volume;
    const spec: FlowerSpec = {
      name: this.name,
      namespace: this.namespace,
      labels: fleet.commonLabels(),
      isolation,
      tls,
      exposure: exposureSpec,
      nodeAuth: props.nodeAuth ?? false,
      superlink: {
        site: aggregator.site,
        cluster: aggregator.cluster,
        image: isolation === 'process' ? (props.images.superlink ?? FLOWER_IMAGES.superlink) : props.images.serverApp,
        ...(isolation === 'process' ? { serverAppImage: props.images.serverApp } : {}),
        ...(database ? { database } : {}),
        fsGroup: props.fsGroup ?? FLOWER_APP_UID,
      },
      supernodes,
    };
    const built = buildFlowerObjects(spec);
    this.flows = built.flows;
    this.fleetAddress = built.fleetAddress;
    const charts = new Map([aggregator, ...clients.map((c) => c.t)].map((t) => [clusterKey(t), t.chart]));
    const extra = new Map<string, K8sObject[]>();
    if (plan) {
      this.plan = plan;
      const scaler = props.energy!.scaler ?? ScheduleScaler.keda();
      for (const sn of supernodes) {
        const ranges = plan.ranges[sn.site] ?? [];
        const target = { deployment: superNodeName(this.name, sn.site), namespace: this.namespace, labels: fleet.commonLabels(), podLabels: scalerLabels(this.name, sn.site) };
        // A site that never takes part gets no scaler; its Deployment keeps replicas: 1 unless scaled, so pin it to 0.
        const objs = ranges.length === 0 ? [] : scaler.kind === 'keda' ? [kedaScaledObject(target, ranges)] : scalingCronJobs(target, ranges, scaler.kubectlImage);
        extra.set(clusterKey(sn), [...(extra.get(clusterKey(sn)) ?? []), ...objs]);
      }
      new OutputFile(aggregator.chart, `${this.node.id}-participation`, { fileName: `flower-${this.name}-participation.md`, content: formatPlanReport(plan, `Flower job ${this.name}`) });
      // Cron triggers carry no year: the fleet checks the horizon against the "now" given at the edge.
      if (supernodes.some((sn) => (plan!.ranges[sn.site]?.length ?? 0) > 0) && plan.windows.length > 0) {
        fleet.addDatedSchedule(
          this,
          {
            what: `the participation schedule of Flower job '${this.name}'`,
            start: plan.windows[0]!.start,
            end: plan.windows[plan.windows.length - 1]!.end,
            fix: 'give energy.signals (forecasts) for the days ahead and synthesize again',
          },
          'energy.signals',
        );
      }
    }
    for (const [key, objs] of built.byCluster) {
      for (const o of [...objs, ...(extra.get(key) ?? [])]) {
        const obj = plan && o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'supernode' && (plan.ranges[(o.metadata.labels['k0smos.io/site'] ?? '')]?.length ?? 0) === 0 ? withReplicas(o, 0) : o;
        const api = new ApiObject(charts.get(key)!, `${this.node.id}-${key.replace('/', '-')}-${o.kind}-${o.metadata.name}`.toLowerCase(), obj);
        this.emitted.set(key, [...(this.emitted.get(key) ?? []), api]);
      }
    }
    this.declareFlows(built, charts, plan, props.energy?.scaler ?? ScheduleScaler.keda());

    this.placementNeeds = [
      {
        workload: `${this.node.path}/superlink`,
        role: 'flower-superlink',
        replicas: 1,
        ...(props.aggregator ? { pinnedSite: aggregator.site } : {}),
        target: { site: aggregator.site, cluster: aggregator.cluster },
      },
      ...[...supernodes].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0)).map((sn) => ({
        workload: `${this.node.path}/supernode-${sn.site}`,
        role: 'flower-supernode' as const,
        replicas: 1,
        ...(sn.gpu ? { gpu: gpuNeed(clients.find((c) => c.t.site === sn.site)!) } : {}),
        jurisdictions: [clients.find((c) => c.t.site === sn.site)!.t.jurisdiction],
        pinnedSite: sn.site,
        target: { site: sn.site, cluster: sn.cluster },
      })),
    ];

    // The parts go into the solver's input, pinned where they are written, so placed work leaves them room.
    const priority = props.placementPriority ?? 100;
    fleet.addWorkload({ name: `${this.name}-superlink`, replicas: 1, cpu: 1, memoryGiB: 2, pinnedSite: aggregator.site, pinnedCluster: aggregator.cluster, priority });
    for (const sn of supernodes) {
      const c = clients.find((x) => x.t.site === sn.site)!;
      fleet.addWorkload({
        name: superNodeName(this.name, sn.site),
        replicas: 1,
        cpu: 1,
        memoryGiB: 4,
        pinnedSite: sn.site,
        pinnedCluster: sn.cluster,
        priority,
        ...(sn.gpu ? { gpu: { vendor: c.t.gpu!.vendor, count: c.props.gpus ?? 1 } } : {}),
      });
    }

    this.node.addValidation({
      validate: () => {
        const current = new Map([...this.emitted].map(([k, list]) => [k, list.map((a) => a.toJson() as K8sObject)]));
        const out = checkFlowerWiring(this.name, current).map((i) => `${i.path}: ${i.message}`);
        for (const u of this.plan?.unschedulable ?? []) out.push(`energy schedule: window ${u.window} is unschedulable: ${u.reason}; lower minClients, raise maxIntensity, or move the deadline`);
        return out;
      },
    });
  }

  /**
   * Declares the job's flows on the fleet: its parts to each other, DNS for the parts that resolve names,
   * the API server for CronJob scalers (they run `kubectl scale`).
   */
  private declareFlows(built: ReturnType<typeof buildFlowerObjects>, charts: ReadonlyMap<string, ClusterChart>, plan: ParticipationPlan | undefined, scaler: ScheduleScaler): void {
    const peer = (e: FlowerEnd): Peer => ('outside' in e ? Peer.world(e.outside) : Peer.pods(charts.get(clusterKey(e))!, e.namespace, e.podLabels));
    for (const f of built.flows) declareFlow(this, f.name, peer(f.from), peer(f.to), [Port.tcp(f.port)], f.description);
    for (const c of built.dnsClients) declareFlow(this, c.name, peer(c), Peer.dns(charts.get(clusterKey(c))!), [Port.dns()], 'name lookups');
    if (plan && scaler.kind === 'cronjobs') {
      for (const [key, chart] of [...charts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if ((plan.ranges[chart.siteName]?.length ?? 0) === 0 || !built.dnsClients.some((c) => clusterKey(c) === key && c.podLabels[COMPONENT_LABEL] === 'supernode')) continue;
        declareFlow(this, `${this.name}-scaler-${chart.siteName}-to-api-server`, Peer.pods(chart, this.namespace, scalerLabels(this.name, chart.siteName)), Peer.apiServer(chart), [Port.allTraffic()], 'kubectl scale of the SuperNode');
      }
    }
  }

  /** The objects this job emitted into a cluster (`site/cluster`), as plain JSON. */
  public objectsIn(site: string, cluster?: string): K8sObject[] {
    const key = [...this.emitted.keys()].find((k) => k === `${site}/${cluster ?? site}` || (cluster === undefined && k.startsWith(`${site}/`)));
    return key ? this.emitted.get(key)!.map((a) => a.toJson() as K8sObject) : [];
  }
}

/** Labels of the pods that scale a SuperNode on schedule (CronJob scaler). */
function scalerLabels(job: string, site: string): Record<string, string> {
  return { [JOB_LABEL]: job, [COMPONENT_LABEL]: 'scaler', 'k0smos.io/site': site };
}

function gpuNeed(c: { props: FlowerClientProps; t: ResolvedTarget }): { vendor: GpuVendor; model: string; count: number } {
  return { vendor: c.t.gpu!.vendor, model: c.t.gpu!.model, count: c.props.gpus ?? 1 };
}

function withReplicas(o: K8sObject, replicas: number): K8sObject {
  return { ...o, spec: { ...(o.spec as Record<string, unknown>), replicas } };
}
