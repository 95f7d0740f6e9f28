/**
 * Flower deployment as plain Kubernetes objects (Flower ships no CRDs): a SuperLink in one cluster, a
 * SuperNode per client site, SuperExec processes for process isolation, TLS from named Secrets, the Fleet
 * API exposed through a Cilium global service or a LoadBalancer, and NetworkPolicies. Pure: data in, objects out.
 */
import type { K8sObject } from '../synth/objects';
import { AUTH_DIR, CERT_DIR, COMPONENT_LABEL, FLOWER_PORTS, JOB_LABEL, STATE_DIR } from './constants';

/** Cilium's label naming an endpoint's cluster; Kubernetes NetworkPolicies under Cilium select by it too. */
const CILIUM_CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';

/** Resources and scheduling hints that make a container get its GPUs. The seam for MIG profiles and DRA claims. */
export interface GpuResources {
  /** Container limits (and requests), e.g. `{ 'nvidia.com/gpu': '1' }` or `{ 'nvidia.com/mig-1g.10gb': '2' }`. */
  readonly limits: Readonly<Record<string, string>>;
  /** Pod-level DRA claims (`pod.spec.resourceClaims`); the container refers to them by name. */
  readonly resourceClaims?: readonly { readonly name: string; readonly resourceClaimTemplateName: string }[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Record<string, unknown>[];
}

export type FlowerIsolation = 'subprocess' | 'process';

export type FleetApiExposureSpec =
  | { readonly type: 'cilium-global' }
  | {
      readonly type: 'load-balancer';
      readonly host: string;
      /** Where SuperNode connections come from, as the SuperLink's cluster sees them (their sites' egress addresses). */
      readonly sourceRanges: readonly string[];
      /** The load balancer's addresses, as SuperNodes dial them. */
      readonly addresses: readonly string[];
      readonly annotations?: Readonly<Record<string, string>>;
      readonly loadBalancerClass?: string;
    };

export type FlowerTlsSpec = { readonly type: 'secrets'; readonly serverSecret: string; readonly caSecret: string } | { readonly type: 'insecure' };

export interface ClusterRef {
  readonly site: string;
  readonly cluster: string;
}

export interface SuperNodeSpec extends ClusterRef {
  /** Image of the SuperNode container. */
  readonly supernodeImage: string;
  /** Image of the ClientApp SuperExec (process isolation only). */
  readonly clientAppImage?: string;
  readonly nodeConfig: Readonly<Record<string, string | number | boolean>>;
  readonly gpu?: GpuResources;
  /** Secret holding this node's EC private key under `key` (node authentication). */
  readonly authSecret?: string;
  /** A schedule scales the Deployment; leave `replicas` to the scaler. False: one replica always. */
  readonly scaled: boolean;
}

export interface FlowerSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly isolation: FlowerIsolation;
  readonly tls: FlowerTlsSpec;
  readonly exposure: FleetApiExposureSpec;
  readonly nodeAuth: boolean;
  readonly superlink: ClusterRef & {
    readonly image: string;
    /** ServerApp SuperExec image (process isolation only). */
    readonly serverAppImage?: string;
    /** Persistent state; undefined keeps Flower's in-memory state (lost on restart). */
    readonly database?: { readonly size: string; readonly storageClassName?: string };
    readonly fsGroup: number;
  };
  readonly supernodes: readonly SuperNodeSpec[];
}

/** Pods of one Flower component in one cluster. */
export type FlowerPods = ClusterRef & { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };

/** One end of a Flower flow: pods, or addresses outside the clusters (a load balancer, the sites' egress). */
export type FlowerEnd = FlowerPods | { readonly outside: readonly string[] };

/** A network flow the job needs, as data; the construct declares it on the fleet, the mesh allows it at both ends. */
export interface FlowerFlow {
  /** DNS label, unique per job (prefixed with the job name). */
  readonly name: string;
  readonly from: FlowerEnd;
  readonly to: FlowerEnd;
  readonly port: number;
  readonly protocol: 'TCP';
  readonly description: string;
}

export interface FlowerObjects {
  /** Objects per cluster, keyed `site/cluster`, sorted. */
  readonly byCluster: ReadonlyMap<string, readonly K8sObject[]>;
  /** Every flow between the job's parts (ServerApp -> SuperLink, SuperNodes -> SuperLink), sorted by name. */
  readonly flows: readonly FlowerFlow[];
  /** The job's pods that resolve names with their cluster's DNS, sorted by name. */
  readonly dnsClients: readonly (FlowerPods & { readonly name: string })[];
  /** host:port the SuperNodes dial. */
  readonly fleetAddress: string;
}

export const clusterKey = (c: ClusterRef) => `${c.site}/${c.cluster}`;
export const superLinkName = (job: string) => `${job}-superlink`;
export const fleetServiceName = (job: string) => `${job}-fleet`;
export const superNodeName = (job: string, site: string) => `${job}-supernode-${site}`;

/** The address SuperNodes use for the Fleet API. */
export function fleetAddress(spec: Pick<FlowerSpec, 'name' | 'namespace' | 'exposure'>): string {
  const host = spec.exposure.type === 'load-balancer' ? spec.exposure.host : `${fleetServiceName(spec.name)}.${spec.namespace}.svc.cluster.local`;
  return `${host}:${FLOWER_PORTS.fleet}`;
}

/** `k=v k2="text"`: Flower's --node-config syntax, keys sorted; strings quoted. */
export function formatNodeConfig(config: Readonly<Record<string, string | number | boolean>>): string {
  return Object.keys(config)
    .sort()
    .map((k) => {
      const v = config[k]!;
      return `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
    })
    .join(' ');
}

export function buildFlowerObjects(spec: FlowerSpec): FlowerObjects {
  const out = new Map<string, K8sObject[]>();
  const add = (c: ClusterRef, o: K8sObject) => {
    const k = clusterKey(c);
    out.set(k, [...(out.get(k) ?? []), o]);
  };
  const ns = spec.namespace;
  const meta = (name: string, component: string, extra: Record<string, string> = {}) => ({
    name,
    namespace: ns,
    labels: { ...spec.labels, [JOB_LABEL]: spec.name, [COMPONENT_LABEL]: component, ...extra },
  });
  const selector = (component: string, extra: Record<string, string> = {}) => ({ [JOB_LABEL]: spec.name, [COMPONENT_LABEL]: component, ...extra });
  const sl = spec.superlink;
  const slSel = selector('superlink');
  const tls = spec.tls;
  const address = fleetAddress(spec);

  // Namespace in every cluster involved.
  const clusters = new Map<string, ClusterRef>();
  for (const c of [sl, ...spec.supernodes]) clusters.set(clusterKey(c), { site: c.site, cluster: c.cluster });
  for (const c of [...clusters.values()].sort((a, b) => (clusterKey(a) < clusterKey(b) ? -1 : 1))) {
    add(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...spec.labels, [JOB_LABEL]: spec.name } } });
  }

  // SuperLink.
  const slArgs = [
    '--isolation', spec.isolation,
    '--serverappio-api-address', `0.0.0.0:${FLOWER_PORTS.serverAppIo}`,
    '--fleet-api-address', `0.0.0.0:${FLOWER_PORTS.fleet}`,
    '--control-api-address', `0.0.0.0:${FLOWER_PORTS.control}`,
    ...(sl.database ? ['--database', `${STATE_DIR}/state.db`] : []),
    ...(tls.type === 'insecure' ? ['--insecure'] : ['--ssl-ca-certfile', `${CERT_DIR}/ca.crt`, '--ssl-certfile', `${CERT_DIR}/tls.crt`, '--ssl-keyfile', `${CERT_DIR}/tls.key`]),
    ...(spec.nodeAuth ? ['--enable-supernode-auth'] : []),
  ];
  const slVolumes: Record<string, unknown>[] = [];
  const slMounts: Record<string, unknown>[] = [];
  if (tls.type === 'secrets') {
    slVolumes.push({ name: 'certificates', secret: { secretName: tls.serverSecret } });
    slMounts.push({ name: 'certificates', mountPath: CERT_DIR, readOnly: true });
  }
  if (sl.database) {
    slVolumes.push({ name: 'state', persistentVolumeClaim: { claimName: `${superLinkName(spec.name)}-state` } });
    slMounts.push({ name: 'state', mountPath: STATE_DIR });
    add(sl, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(`${superLinkName(spec.name)}-state`, 'superlink'),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: sl.database.size } }, ...(sl.database.storageClassName ? { storageClassName: sl.database.storageClassName } : {}) },
    });
  }
  add(sl, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(superLinkName(spec.name), 'superlink'),
    spec: {
      replicas: 1,
      // One SQLite file on a ReadWriteOnce volume: never two SuperLinks at once.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: slSel },
      template: {
        metadata: { labels: { ...spec.labels, ...slSel } },
        spec: {
          securityContext: { fsGroup: sl.fsGroup },
          containers: [
            {
              name: 'superlink',
              image: sl.image,
              args: slArgs,
              ports: [
                { name: 'serverappio', containerPort: FLOWER_PORTS.serverAppIo },
                { name: 'fleet', containerPort: FLOWER_PORTS.fleet },
                { name: 'control', containerPort: FLOWER_PORTS.control },
              ],
              ...(slMounts.length ? { volumeMounts: slMounts } : {}),
            },
          ],
          ...(slVolumes.length ? { volumes: slVolumes } : {}),
        },
      },
    },
  });
  add(sl, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(superLinkName(spec.name), 'superlink'),
    spec: {
      selector: slSel,
      ports: [
        { name: 'serverappio', port: FLOWER_PORTS.serverAppIo, targetPort: FLOWER_PORTS.serverAppIo, protocol: 'TCP' },
        { name: 'fleet', port: FLOWER_PORTS.fleet, targetPort: FLOWER_PORTS.fleet, protocol: 'TCP' },
        { name: 'control', port: FLOWER_PORTS.control, targetPort: FLOWER_PORTS.control, protocol: 'TCP' },
      ],
    },
  });
  if (spec.isolation === 'process') {
    const sel = selector('superexec-serverapp');
    add(sl, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(`${spec.name}-serverapp`, 'superexec-serverapp'),
      spec: {
        replicas: 1,
        selector: { matchLabels: sel },
        template: {
          metadata: { labels: { ...spec.labels, ...sel } },
          spec: {
            containers: [
              {
                name: 'superexec',
                image: sl.serverAppImage ?? sl.image,
                // The ServerAppIo API is served without TLS in Flower; it stays inside the cluster and its NetworkPolicy.
                args: ['--insecure', '--plugin-type', 'serverapp', '--appio-api-address', `${superLinkName(spec.name)}.${ns}.svc.cluster.local:${FLOWER_PORTS.serverAppIo}`],
              },
            ],
          },
        },
      },
    });
  }

  // Fleet API exposure: a same-named global Service in every cluster, or one LoadBalancer.
  const fleetPort = [{ name: 'fleet', port: FLOWER_PORTS.fleet, targetPort: FLOWER_PORTS.fleet, protocol: 'TCP' }];
  if (spec.exposure.type === 'cilium-global') {
    for (const c of clusters.values()) {
      add(c, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { ...meta(fleetServiceName(spec.name), 'superlink'), annotations: { 'service.cilium.io/global': 'true' } },
        spec: { selector: slSel, ports: fleetPort },
      });
    }
  } else {
    add(sl, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { ...meta(fleetServiceName(spec.name), 'superlink'), ...(spec.exposure.annotations ? { annotations: { ...spec.exposure.annotations } } : {}) },
      spec: {
        type: 'LoadBalancer',
        selector: slSel,
        ports: fleetPort,
        // The SuperLink's NetworkPolicy admits the SuperNodes by address: keep the client address (no SNAT to a node).
        externalTrafficPolicy: 'Local',
        loadBalancerSourceRanges: [...spec.exposure.sourceRanges],
        ...(spec.exposure.loadBalancerClass ? { loadBalancerClass: spec.exposure.loadBalancerClass } : {}),
      },
    });
  }

  // SuperNodes.
  const flows: FlowerFlow[] = [];
  const dnsClients: (FlowerPods & { name: string })[] = [];
  for (const sn of [...spec.supernodes].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0))) {
    const name = superNodeName(spec.name, sn.site);
    const sel = selector('supernode', { 'k0smos.io/site': sn.site });
    const process = spec.isolation === 'process';
    const args = [
      '--superlink', address,
      '--isolation', spec.isolation,
      ...(process ? ['--clientappio-api-address', `127.0.0.1:${FLOWER_PORTS.clientAppIo}`] : []),
      ...(Object.keys(sn.nodeConfig).length ? ['--node-config', formatNodeConfig(sn.nodeConfig)] : []),
      ...(tls.type === 'insecure' ? ['--insecure'] : ['--root-certificates', `${CERT_DIR}/ca.crt`]),
      ...(sn.authSecret ? ['--auth-supernode-private-key', `${AUTH_DIR}/key`] : []),
    ];
    const volumes: Record<string, unknown>[] = [];
    const mounts: Record<string, unknown>[] = [];
    if (tls.type === 'secrets') {
      volumes.push({ name: 'certificates', secret: { secretName: tls.caSecret, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
      mounts.push({ name: 'certificates', mountPath: CERT_DIR, readOnly: true });
    }
    if (sn.authSecret) {
      volumes.push({ name: 'auth', secret: { secretName: sn.authSecret, defaultMode: 0o400 } });
      mounts.push({ name: 'auth', mountPath: AUTH_DIR, readOnly: true });
    }
    const gpuRes = sn.gpu ? { resources: { limits: { ...sn.gpu.limits }, ...(sn.gpu.resourceClaims ? { claims: sn.gpu.resourceClaims.map((c) => ({ name: c.name })) } : {}) } } : {};
    const containers: Record<string, unknown>[] = [
      { name: 'supernode', image: sn.supernodeImage, args, ...(process ? {} : gpuRes), ...(mounts.length ? { volumeMounts: mounts } : {}) },
    ];
    if (process) {
      // The ClientApp runs here, next to its SuperNode in the same pod: scaled together; ClientAppIo binds to loopback only.
      containers.push({ name: 'superexec', image: sn.clientAppImage ?? sn.supernodeImage, args: ['--insecure', '--plugin-type', 'clientapp', '--appio-api-address', `127.0.0.1:${FLOWER_PORTS.clientAppIo}`], ...gpuRes });
    }
    add(sn, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name, 'supernode', { 'k0smos.io/site': sn.site }),
      spec: {
        ...(sn.scaled ? {} : { replicas: 1 }),
        strategy: { type: 'Recreate' },
        selector: { matchLabels: sel },
        template: {
          metadata: { labels: { ...spec.labels, ...sel } },
          spec: {
            containers,
            ...(volumes.length ? { volumes } : {}),
            ...(sn.gpu?.resourceClaims ? { resourceClaims: sn.gpu.resourceClaims.map((c) => ({ name: c.name, resourceClaimTemplateName: c.resourceClaimTemplateName })) } : {}),
            ...(sn.gpu?.nodeSelector ? { nodeSelector: { ...sn.gpu.nodeSelector } } : {}),
            ...(sn.gpu?.tolerations ? { tolerations: sn.gpu.tolerations.map((t) => ({ ...t })) } : {}),
          },
        },
      },
    });
    const snPods: FlowerPods = { site: sn.site, cluster: sn.cluster, namespace: ns, podLabels: sel };
    flows.push({
      name: `${spec.name}-supernode-${sn.site}-to-superlink`,
      from: snPods,
      to: spec.exposure.type === 'cilium-global' ? { site: sl.site, cluster: sl.cluster, namespace: ns, podLabels: slSel } : { outside: [...spec.exposure.addresses] },
      port: FLOWER_PORTS.fleet,
      protocol: 'TCP',
      description: `Flower SuperNode at ${sn.site} to the SuperLink Fleet API`,
    });
    dnsClients.push({ ...snPods, name: `${spec.name}-supernode-${sn.site}-dns` });
  }
  if (spec.exposure.type === 'load-balancer') {
    flows.push({
      name: `${spec.name}-clients-to-superlink`,
      from: { outside: [...spec.exposure.sourceRanges] },
      to: { site: sl.site, cluster: sl.cluster, namespace: ns, podLabels: slSel },
      port: FLOWER_PORTS.fleet,
      protocol: 'TCP',
      description: `SuperNodes through the load balancer ${spec.exposure.host} to the SuperLink Fleet API`,
    });
  }
  if (spec.isolation === 'process') {
    const serverApp: FlowerPods = { site: sl.site, cluster: sl.cluster, namespace: ns, podLabels: selector('superexec-serverapp') };
    flows.push({
      name: `${spec.name}-serverapp-to-superlink`,
      from: serverApp,
      to: { site: sl.site, cluster: sl.cluster, namespace: ns, podLabels: slSel },
      port: FLOWER_PORTS.serverAppIo,
      protocol: 'TCP',
      description: 'Flower ServerApp (SuperExec) to the SuperLink ServerAppIo API',
    });
    dnsClients.push({ ...serverApp, name: `${spec.name}-serverapp-dns` });
  }

  // NetworkPolicies: every rule names its peers. Across clusters a Kubernetes NetworkPolicy names pods by
  // Cilium's cluster label (its selectors match the local cluster only unless they name one); through a load
  // balancer the peers are the addresses given to the exposure.
  const tcp = (port: number) => [{ port, protocol: 'TCP' }];
  const dns = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] };
  const inCluster = (component: string, cluster: string) => ({ podSelector: { matchLabels: { ...selector(component), [CILIUM_CLUSTER_LABEL]: cluster } } });
  const ipBlocks = (cidrs: readonly string[]) => [...cidrs].sort().map((cidr) => ({ ipBlock: { cidr } }));
  const toSuperLink = spec.exposure.type === 'cilium-global' ? [inCluster('superlink', sl.cluster)] : ipBlocks(spec.exposure.addresses);
  for (const c of [...clusters.values()].filter((c) => spec.supernodes.some((s) => clusterKey(s) === clusterKey(c)))) {
    add(c, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(`${spec.name}-supernode`, 'supernode'),
      spec: {
        podSelector: { matchLabels: selector('supernode') },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [{ to: toSuperLink, ports: tcp(FLOWER_PORTS.fleet) }, dns],
      },
    });
  }
  const clientClusters = [...new Set(spec.supernodes.map((s) => s.cluster))].sort();
  const fromSuperNodes = spec.exposure.type === 'cilium-global' ? clientClusters.map((c) => inCluster('supernode', c)) : ipBlocks(spec.exposure.sourceRanges);
  add(sl, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(`${spec.name}-superlink`, 'superlink'),
    spec: {
      podSelector: { matchLabels: slSel },
      policyTypes: ['Ingress'],
      ingress: [
        ...(fromSuperNodes.length > 0 ? [{ from: fromSuperNodes, ports: tcp(FLOWER_PORTS.fleet) }] : []),
        ...(spec.isolation === 'process' ? [{ from: [{ podSelector: { matchLabels: selector('superexec-serverapp') } }], ports: tcp(FLOWER_PORTS.serverAppIo) }] : []),
        // The Control API (flwr CLI): pods of the job's namespace only.
        { from: [{ podSelector: {} }], ports: tcp(FLOWER_PORTS.control) },
      ],
    },
  });

  const byCluster = new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { byCluster, flows: flows.sort(byName), dnsClients: dnsClients.sort(byName), fleetAddress: address };
}
