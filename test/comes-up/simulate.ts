/**
 * A cluster simulator for issue 11's acceptance test: it applies each cluster's folders, in order, to
 * a model of that cluster and reports every object whose kind has no CRD when it is applied, and
 * every pod that no node can take. It reads only the synthesized output tree and the plain fleet spec;
 * it does not use the library's resolver or the constructs' add-on logic, so it can disagree with them.
 *
 * The model of a cluster:
 * - Folders: `sites/<site>/<cluster>/` applies to that cluster; the `management/` folder to the
 *   management site's (first) cluster, after the cluster's own folder. Folders are followed through
 *   their kustomizations (see tree.ts); `infra/` goes before `apps/` when a folder has no top kustomization.
 * - Installed before GitOps applies anything (bootstrap): standalone clusters the charts of the k0s
 *   ClusterConfig in `k0sctl.yaml` and the manifests k0sctl copies into `/var/lib/k0s/manifests`;
 *   hosted clusters the charts of their `K0smotronControlPlane` k0s config and its `spec.manifests`
 *   (ConfigMaps/Secrets in the management folder); k0rdent clusters the k0s charts of their
 *   ClusterDeployment config and the charts or kustomize bundles of the ServiceTemplates its
 *   `serviceSpec.services` (and matching MultiClusterServices) name. k0s itself serves
 *   helm.k0sproject.io, autopilot.k0sproject.io and etcd.k0sproject.io.
 * - During the apply: a CustomResourceDefinition serves its kind from where it stands; a remote
 *   kustomize bundle serves its CRDs from where it is listed; a k0s `Chart` object (kube-system only)
 *   installs its chart for the folders applied after its own.
 * - Declared present: `present.apiGroups` of the site and of the cluster serve every kind of the group.
 * - A chart that needs an API group (KServe and the AMD operator need cert-manager.io) comes up only if
 *   something installs that group before it (k0s `order`, k0rdent `dependsOn`) or it is declared present;
 *   otherwise it is reported and serves nothing.
 * - Nodes: the fleet spec's node pools (cpu, memory, GPUs) for the machines the output creates
 *   (k0sctl hosts with a worker role; CAPI Machines/MachineDeployments of a hosted cluster; the
 *   ClusterDeployment's machines or `workersNumber`), with the labels and taints of their k0s
 *   `--labels`/`--taints` flags, and the extended resources the installed GPU operators advertise on
 *   them (gpus.ts). `controller+worker` hosts without `noTaints` carry the control-plane taint.
 * - Pods: see scheduling.ts. Each workload's pod must fit some node on its own; then the replicas of
 *   all workloads are placed one by one (apply order, least-allocated node first, like the default
 *   scheduler), and a replica that finds no room left is reported.
 * - System pods: CoreDNS and the Cilium operator tolerate only control-plane taints, so every cluster
 *   needs a node without other NoSchedule/NoExecute taints.
 * Not modelled (reported elsewhere or out of scope): storage and LoadBalancer providers, network
 * flows, webhooks becoming ready, image pulls, chart templates beyond the CRDs they install, the pods
 * the add-ons themselves run, k0smotron's control-plane pods in the management cluster.
 */
import type { FleetSpec } from '../../lib/model/fleet';
import { addApi, Catalog, mergeApis, type Apis } from './catalog';
import { amdResources, nvidiaResources, type GpuOperator, type NodeGpus } from './gpus';
import { placementReasons, podGroups, shortfall, taintText, type PodGroup, type SimNode, type Taint } from './scheduling';
import {
  asArray,
  asRecord,
  asString,
  asStrings,
  at,
  cmp,
  describe,
  docsOf,
  folderUnits,
  groupOf,
  isFolder,
  isRecord,
  mergeValues,
  parseObjects,
  parseValues,
  type Obj,
  type Tree,
  type Unit,
} from './tree';

export interface SimOptions {
  /** The upstream schemas folder (`../shared/schemas`). */
  readonly schemasDir: string;
}

/** Something a cluster installs. */
export interface Install {
  /** In the user's words: `k0s extension cilium (chart cilium)`. */
  readonly what: string;
  readonly chart: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
  readonly apis: Apis;
  /** The simulator's tables know which CRDs it brings (an unknown chart counts as bringing none). */
  readonly known: boolean;
  readonly needs: readonly string[];
  /** `bootstrap`, or the index of the unit whose apply installs it (it serves later units). */
  readonly stage: 'bootstrap' | number;
  /** Sort key among bootstrap installs. */
  readonly rank: number;
  /** k0rdent services: the release names it waits for. */
  readonly dependsOn?: readonly string[];
  readonly service?: string;
  /** Why it cannot come up, once checked. */
  broken?: string;
}

export interface ClusterView {
  readonly name: string;
  readonly site: string;
  readonly mode: string;
  readonly management: boolean;
  /** Folders in apply order (one per apply unit). */
  readonly folders: readonly string[];
  readonly installs: readonly string[];
  readonly nodes: readonly SimNode[];
}

export interface Simulation {
  readonly clusters: readonly ClusterView[];
  /** Every problem, one line each, `<cluster>: ...`. */
  readonly failures: readonly string[];
}

const CONTROL_PLANE_TAINT_KEYS = ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'];
const K0S_TEMPLATE = /^(remote-cluster|[a-z]+-(hosted|standalone)-cp)(-|$)/;

type SiteSpec = FleetSpec['sites'][number];
type ClusterSpec = NonNullable<SiteSpec['clusters']>[number];
type PoolSpec = SiteSpec['nodePools'][number];

const catalogs = new Map<string, Catalog>();
function catalogFor(dir: string): Catalog {
  let c = catalogs.get(dir);
  if (!c) catalogs.set(dir, (c = new Catalog(dir)));
  return c;
}

export function simulate(tree: Tree, fleet: FleetSpec, opts: SimOptions): Simulation {
  const catalog = catalogFor(opts.schemasDir);
  const failures: string[] = [];
  const clusters: ClusterView[] = [];

  const mgmtProblems: string[] = [];
  const mgmtUnits = isFolder(tree, 'management') ? folderUnits(tree, 'management', ['fleet', 'clusters'], mgmtProblems) : [];
  const mgmtObjs = docsOf(mgmtUnits).map((d) => d.obj);
  const fleetName = fleet.name ?? 'fleet';

  // Cluster folders the output has, to find those no fleet cluster owns.
  const folders = new Set<string>();
  for (const k of tree.keys()) {
    const m = /^sites\/([^/]+)\/([^/]+)\//.exec(k);
    if (m) folders.add(`sites/${m[1]}/${m[2]}`);
  }
  const owned = new Set<string>();

  for (const site of fleet.sites) {
    const siteClusters: ClusterSpec[] = site.clusters ?? [{ name: site.name } as ClusterSpec];
    siteClusters.forEach((cluster, ci) => {
      const folder = `sites/${site.name}/${cluster.name}`;
      owned.add(folder);
      const management = site.name === fleet.management.site && ci === 0;
      const r = simulateCluster({ tree, fleetName, site, cluster, folder, management, mgmtUnits, mgmtObjs, mgmtProblems, catalog, fleet });
      clusters.push(r.view);
      failures.push(...r.failures);
    });
  }
  for (const f of [...folders].sort(cmp)) if (!owned.has(f)) failures.push(`${f}: no cluster of the fleet spec owns this folder, so nothing applies it`);
  return { clusters, failures };
}

interface ClusterInput {
  readonly tree: Tree;
  readonly fleet: FleetSpec;
  readonly fleetName: string;
  readonly site: SiteSpec;
  readonly cluster: ClusterSpec;
  readonly folder: string;
  readonly management: boolean;
  readonly mgmtUnits: readonly Unit[];
  readonly mgmtObjs: readonly Obj[];
  readonly mgmtProblems: readonly string[];
  readonly catalog: Catalog;
}

function simulateCluster(i: ClusterInput): { view: ClusterView; failures: string[] } {
  const { tree, site, cluster, catalog } = i;
  const name = cluster.name;
  const fail: string[] = [];
  const f = (msg: string) => fail.push(`${name}: ${msg}`);
  const mode = cluster.controlPlane?.mode ?? 'none';

  // 1. What applies, in order.
  const problems: string[] = [];
  const own = isFolder(tree, i.folder) ? folderUnits(tree, i.folder, ['infra', 'apps'], problems) : [];
  if (!isFolder(tree, i.folder)) f(`no folder ${i.folder} in the output`);
  const units: Unit[] = [...own, ...(i.management ? i.mgmtUnits : [])];
  for (const p of [...problems, ...(i.management ? i.mgmtProblems : [])]) f(p);

  // 2. What is installed before GitOps, and the machines.
  const installs: Install[] = [];
  const bootstrapObjs: Obj[] = [];
  const machines: Machine[] = [];
  let k0sBased = mode !== 'none';
  const addCharts = (charts: unknown, via: string) => {
    asArray(charts).forEach((c, idx) => {
      const chartname = asString(at(c, 'chartname')) ?? asString(at(c, 'chartName')) ?? '';
      const release = asString(at(c, 'name')) ?? asString(at(c, 'releaseName')) ?? chartname;
      const order = Number(at(c, 'order') ?? 0);
      installs.push(chartInstall(catalog, { what: `${via} ${release}`, chartname, namespace: asString(at(c, 'namespace')) ?? 'default', values: at(c, 'values'), stage: 'bootstrap', rank: order * 1000 + idx }));
    });
  };
  const addManifests = (text: string, file: string) => bootstrapObjs.push(...parseObjects(text, file).map((d) => d.obj));

  if (mode === 'standalone') {
    const file = [...tree.keys()].find((k) => k.startsWith(`${i.folder}/`) && k.endsWith('/k0sctl.yaml'));
    const doc = file ? parseObjects(tree.get(file)!, file)[0]?.obj : undefined;
    if (!doc) f(`standalone cluster without a k0sctl.yaml under ${i.folder}: nothing bootstraps it`);
    else {
      addCharts(at(doc, 'spec', 'k0s', 'config', 'spec', 'extensions', 'helm', 'charts'), 'k0s extension');
      const seenDst = new Set<string>();
      for (const h of asArray(at(doc, 'spec', 'hosts'))) {
        for (const fl of asArray(at(h, 'files'))) {
          const dst = asString(at(fl, 'dst')) ?? `${asString(at(fl, 'dstDir')) ?? ''}/${asString(at(fl, 'name')) ?? ''}`;
          if (!dst.startsWith('/var/lib/k0s/manifests/') || seenDst.has(dst)) continue;
          seenDst.add(dst);
          const data = asString(at(fl, 'data'));
          const src = asString(at(fl, 'src'));
          const dir = file!.slice(0, file!.lastIndexOf('/'));
          const local = src ? [`${dir}/${src}`, src].map((p) => p.replace(/^\.\//, '')).find((p) => tree.has(p)) : undefined;
          if (data !== undefined) addManifests(data, `${file} (${dst})`);
          else if (local) addManifests(tree.get(local)!, local);
          // An absolute path is a file the operator makes outside the GitOps tree (a CA manifest): k0sctl stops
          // when it is missing, so the bootstrap cannot proceed without it; its objects are not modelled.
          else if (!src || !src.startsWith('/')) f(`k0sctl file ${src ?? '<no src>'} -> ${dst} is not in the output; its manifests are not counted`);
        }
        const role = asString(at(h, 'role')) ?? 'worker';
        if (role === 'controller') continue;
        const flags = asStrings(at(h, 'installFlags'));
        const taints = flagTaints(flags);
        if (role === 'controller+worker' && at(h, 'noTaints') !== true) taints.push({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
        const labels = flagLabels(flags);
        if (role === 'controller+worker') labels['node-role.kubernetes.io/control-plane'] = 'true';
        const address = asString(at(h, 'ssh', 'address')) ?? asString(at(h, 'openSSH', 'address')) ?? asString(at(h, 'privateAddress')) ?? '';
        machines.push({ name: address, address, labels, taints });
      }
    }
  } else if (mode === 'hosted') {
    const capi = i.mgmtObjs.find((o) => o.kind === 'Cluster' && groupOf(o.apiVersion) === 'cluster.x-k8s.io' && o.metadata.name === name);
    const cpName = asString(at(capi, 'spec', 'controlPlaneRef', 'name')) ?? name;
    const kcp = i.mgmtObjs.find((o) => (o.kind === 'K0smotronControlPlane' || o.kind === 'K0sControlPlane') && o.metadata.name === cpName);
    if (!kcp) f(`hosted cluster without a K0smotronControlPlane '${cpName}' in the management folder: nothing runs its control plane`);
    else {
      const spec = kcp.kind === 'K0smotronControlPlane' ? at(kcp, 'spec', 'k0sConfig', 'spec') : at(kcp, 'spec', 'k0sConfigSpec', 'k0s', 'spec');
      addCharts(at(spec, 'extensions', 'helm', 'charts'), 'k0s extension');
      for (const vol of asArray(at(kcp, 'spec', 'manifests'))) {
        const ns = kcp.metadata.namespace ?? 'default';
        const cmName = asString(at(vol, 'configMap', 'name'));
        const secName = asString(at(vol, 'secret', 'secretName'));
        const src = i.mgmtObjs.find((o) => o.apiVersion === 'v1' && ((cmName && o.kind === 'ConfigMap' && o.metadata.name === cmName) || (secName && o.kind === 'Secret' && o.metadata.name === secName)) && (o.metadata.namespace ?? 'default') === ns);
        const declared = (i.fleet.sites ?? []).some((x: SiteSpec) => [...(x.present?.secrets ?? []), ...(x.clusters ?? []).flatMap((c: ClusterSpec) => c.present?.secrets ?? [])].includes(`${ns}/${secName}`));
        if (!src && secName && declared) continue; // made by the operator out of band, declared present
        if (!src) {
          f(`K0smotronControlPlane manifests volume '${asString(at(vol, 'name'))}' names ${cmName ? `ConfigMap ${cmName}` : `Secret ${secName}`}, which the management folder does not hold`);
          continue;
        }
        const data = { ...asRecord(src.data), ...asRecord(src.stringData) };
        for (const [k, v] of Object.entries(data).sort(([a], [b]) => cmp(a, b))) {
          if (!/\.ya?ml$/.test(k)) continue;
          const text = src.kind === 'Secret' && src.data !== undefined && asRecord(src.data)[k] === v ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
          addManifests(text, `${src.kind} ${ns}/${src.metadata.name} ${k}`);
        }
      }
    }
    for (const o of i.mgmtObjs) {
      if (o.kind === 'Machine' && at(o, 'spec', 'clusterName') === name) {
        const cfg = i.mgmtObjs.find((x) => x.kind === asString(at(o, 'spec', 'bootstrap', 'configRef', 'kind')) && x.metadata.name === asString(at(o, 'spec', 'bootstrap', 'configRef', 'name')));
        const infra = i.mgmtObjs.find((x) => x.kind === asString(at(o, 'spec', 'infrastructureRef', 'kind')) && x.metadata.name === asString(at(o, 'spec', 'infrastructureRef', 'name')));
        const args = asStrings(at(cfg, 'spec', 'args'));
        machines.push({ name: o.metadata.name ?? '', address: asString(at(infra, 'spec', 'address')), labels: flagLabels(args), taints: flagTaints(args) });
      }
      if (o.kind === 'MachineDeployment' && at(o, 'spec', 'clusterName') === name) {
        const t = at(o, 'spec', 'template', 'spec');
        const cfg = i.mgmtObjs.find((x) => x.kind === asString(at(t, 'bootstrap', 'configRef', 'kind')) && x.metadata.name === asString(at(t, 'bootstrap', 'configRef', 'name')));
        const infraT = i.mgmtObjs.find((x) => x.kind === asString(at(t, 'infrastructureRef', 'kind')) && x.metadata.name === asString(at(t, 'infrastructureRef', 'name')));
        const pool = asString(at(infraT, 'spec', 'template', 'spec', 'pool'));
        const pooled = i.mgmtObjs.filter((x) => x.kind === 'PooledRemoteMachine' && pool !== undefined && at(x, 'spec', 'pool') === pool);
        const args = asStrings(at(cfg, 'spec', 'template', 'spec', 'args'));
        const replicas = Number(at(o, 'spec', 'replicas') ?? 1);
        for (let n = 0; n < replicas; n++) {
          const pm = pooled[n];
          machines.push({ name: `${o.metadata.name}-${n}`, address: asString(at(pm, 'spec', 'machine', 'address')), labels: flagLabels(args), taints: flagTaints(args) });
        }
        if (pooled.length < replicas) f(`MachineDeployment ${o.metadata.name} wants ${replicas} machines; pool '${pool}' has ${pooled.length} PooledRemoteMachines`);
      }
    }
  } else if (mode === 'k0rdent') {
    const cd = i.mgmtObjs.find((o) => o.kind === 'ClusterDeployment' && o.metadata.name === name);
    if (!cd) f(`k0rdent cluster without a ClusterDeployment '${name}' in the management folder: nothing creates it`);
    else {
      const template = asString(at(cd, 'spec', 'template')) ?? '';
      k0sBased = K0S_TEMPLATE.test(template);
      const config = at(cd, 'spec', 'config');
      addCharts(at(config, 'k0s', 'extensions', 'helm', 'charts'), 'k0s extension');
      const ns = cd.metadata.namespace ?? 'default';
      asArray(at(cd, 'spec', 'serviceSpec', 'services')).forEach((s, idx) => installs.push(...serviceInstalls(catalog, i.mgmtObjs, s, ns, idx, 'service', f)));
      const labels = { ...asRecord(cd.metadata.labels), ...asRecord(at(config, 'clusterLabels')) };
      for (const m of i.mgmtObjs.filter((o) => o.kind === 'MultiClusterService')) {
        const sel = asRecord(at(m, 'spec', 'clusterSelector', 'matchLabels'));
        if (Object.keys(sel).length === 0 || !Object.entries(sel).every(([k, v]) => labels[k] === v)) continue;
        asArray(at(m, 'spec', 'serviceSpec', 'services')).forEach((s, idx) =>
          installs.push(...serviceInstalls(catalog, i.mgmtObjs, s, 'kcm-system', 500 + idx, `MultiClusterService ${m.metadata.name} service`, f)),
        );
      }
      const machineList = asArray(at(config, 'machines'));
      if (machineList.length > 0) {
        machineList.forEach((m, idx) => {
          const args = asStrings(at(m, 'k0s', 'args'));
          const address = asString(at(m, 'address'));
          machines.push({ name: asString(at(m, 'name')) || address || `machine-${idx}`, address, labels: flagLabels(args), taints: flagTaints(args) });
        });
      } else {
        const n = Number(at(config, 'workersNumber') ?? 0);
        const args = asStrings(at(config, 'k0s', 'workerArgs'));
        for (let w = 0; w < n; w++) machines.push({ name: `${name}-worker-${w}`, labels: flagLabels(args), taints: flagTaints(args) });
      }
    }
  }
  if (i.management) {
    for (const m of i.mgmtObjs.filter((o) => o.kind === 'MultiClusterService' && at(o, 'spec', 'serviceSpec', 'provider', 'selfManagement') === true)) {
      asArray(at(m, 'spec', 'serviceSpec', 'services')).forEach((s, idx) =>
        installs.push(...serviceInstalls(catalog, i.mgmtObjs, s, 'kcm-system', 800 + idx, `MultiClusterService ${m.metadata.name} service`, f)),
      );
    }
  }
  // Bootstrap manifests: Chart objects install charts; CRDs serve their kinds.
  const manifestApis: Apis = new Map();
  bootstrapObjs.forEach((o, idx) => {
    if (o.kind === 'CustomResourceDefinition') {
      const g = asString(at(o, 'spec', 'group'));
      const k = asString(at(o, 'spec', 'names', 'kind'));
      if (g && k) addApi(manifestApis, g, k);
    }
    if (o.kind === 'Chart' && groupOf(o.apiVersion) === 'helm.k0sproject.io') {
      installs.push(chartInstall(catalog, { what: `bootstrap Chart ${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, chartname: asString(at(o, 'spec', 'chartName')) ?? '', namespace: asString(at(o, 'spec', 'namespace')) ?? 'default', values: at(o, 'spec', 'values'), stage: 'bootstrap', rank: Number(at(o, 'spec', 'order') ?? 0) * 1000 + 100 + idx }));
    }
  });

  // 3. What is served before the apply: built-ins, k0s, present groups, bootstrap installs that come up.
  const present = new Set<string>([...(site.present?.apiGroups ?? []), ...(cluster.present?.apiGroups ?? [])]);
  const served: Apis = new Map();
  mergeApis(served, catalog.builtin);
  if (k0sBased) mergeApis(served, catalog.k0s);
  mergeApis(served, manifestApis);
  const boot = installs.filter((x) => x.stage === 'bootstrap').sort((a, b) => a.rank - b.rank);
  checkNeeds(boot, served, present, f);
  for (const x of boot) if (!x.broken) mergeApis(served, x.apis);
  // Bootstrap manifests' objects must be served too (the manifest deployer retries until they are).
  for (const o of bootstrapObjs) {
    const g = groupOf(o.apiVersion);
    if (!present.has(g) && !served.get(g)?.has(o.kind)) f(`${describe(o)} (bootstrap manifest): no CRD (nothing installs ${g})`);
  }

  // 4. The apply, unit by unit.
  const applied: Obj[] = [...bootstrapObjs];
  const allDocs: Obj[] = [];
  // Every later provider, for messages: position -> what serves which group.
  interface Provider {
    readonly pos: number;
    readonly group: string;
    readonly kind?: string;
    readonly what: string;
  }
  const providers: Provider[] = [];
  let pos = 0;
  units.forEach((u, ui) => {
    for (const e of u.entries) {
      pos++;
      if ('remote' in e) {
        const b = catalog.bundle(e.remote);
        for (const [g, ks] of b?.apis ?? []) for (const k of ks) providers.push({ pos, group: g, kind: k, what: `${b!.name} (${e.listedIn})` });
        continue;
      }
      const o = e.doc.obj;
      if (o.kind === 'CustomResourceDefinition') {
        const g = asString(at(o, 'spec', 'group'));
        if (g) providers.push({ pos, group: g, kind: asString(at(o, 'spec', 'names', 'kind')), what: `CRD ${o.metadata.name} (${e.doc.file})` });
      }
      if (o.kind === 'Chart' && groupOf(o.apiVersion) === 'helm.k0sproject.io') {
        const chartname = asString(at(o, 'spec', 'chartName')) ?? '';
        const apis = catalog.chart(chartBase(chartname));
        // A Chart's CRDs exist once the chart is installed: for the folders after this one.
        for (const [g, ks] of apis ?? []) for (const k of ks) providers.push({ pos: unitEnd(units, ui), group: g, kind: k, what: `Chart ${o.metadata.namespace ?? 'default'}/${o.metadata.name} (${e.doc.file})` });
      }
    }
  });
  pos = 0;
  const pendingCharts: Install[] = [];
  units.forEach((u, ui) => {
    // Charts applied by earlier folders are installed now.
    const ready = pendingCharts.filter((x) => (x.stage as number) < ui && !installs.includes(x));
    if (ready.length > 0) {
      checkNeeds(ready, served, present, f);
      for (const x of ready) {
        installs.push(x);
        if (!x.broken) mergeApis(served, x.apis);
      }
    }
    for (const e of u.entries) {
      pos++;
      if ('remote' in e) {
        const b = catalog.bundle(e.remote);
        if (!b) f(`${e.listedIn} lists '${e.remote}', a remote bundle this simulator does not know; its CRDs are not counted`);
        else {
          mergeApis(served, b.apis);
          installs.push({ what: `kustomize bundle ${b.name} (${e.remote})`, chart: b.name, namespace: '', values: {}, apis: b.apis, known: true, needs: [], stage: ui, rank: 0 });
        }
        continue;
      }
      const o = e.doc.obj;
      allDocs.push(o);
      const g = groupOf(o.apiVersion);
      const ok = present.has(g) || served.get(g)?.has(o.kind) === true;
      if (!ok) {
        const later = providers.find((p) => p.pos > pos && p.group === g && (p.kind === undefined || p.kind === o.kind));
        if (later) f(`${describe(o)}: no CRD yet (${later.what} installs ${g} after it)`);
        else if (served.has(g)) f(`${describe(o)}: no CRD for kind ${o.kind} (what is installed serves ${g} kinds ${[...served.get(g)!].sort(cmp).join(', ')})`);
        else {
          const unknown = [...new Set(installs.filter((x) => !x.known).map((x) => x.chart))].sort(cmp);
          f(`${describe(o)}: no CRD (nothing installs ${g})${unknown.length > 0 ? ` (the simulator knows no CRDs of installed charts ${unknown.join(', ')})` : ''}`);
        }
        continue;
      }
      applied.push(o);
      if (o.kind === 'CustomResourceDefinition') {
        const cg = asString(at(o, 'spec', 'group'));
        const ck = asString(at(o, 'spec', 'names', 'kind'));
        if (cg && ck) addApi(served, cg, ck);
      }
      if (o.kind === 'Chart' && g === 'helm.k0sproject.io') {
        if ((o.metadata.namespace ?? 'default') !== 'kube-system') {
          f(`${describe(o)}: k0s reconciles Chart objects only in kube-system; this one is never installed`);
          continue;
        }
        pendingCharts.push(
          chartInstall(catalog, { what: `Chart ${o.metadata.namespace}/${o.metadata.name}`, chartname: asString(at(o, 'spec', 'chartName')) ?? '', namespace: asString(at(o, 'spec', 'namespace')) ?? 'default', values: at(o, 'spec', 'values'), stage: ui, rank: Number(at(o, 'spec', 'order') ?? 0) }),
        );
      }
    }
  });
  const late = pendingCharts.filter((x) => !installs.includes(x));
  checkNeeds(late, served, present, f);
  installs.push(...late);

  // 5. Nodes.
  const pools = (cluster.nodePools ?? site.nodePools.map((p) => p.name)).map((n) => site.nodePools.find((p) => p.name === n)).filter((p): p is PoolSpec => p !== undefined);
  if (mode === 'none') {
    for (const p of pools) for (let n = 0; n < p.count; n++) machines.push({ name: `${p.name}-${n}`, labels: { ...(p.labels ?? {}) }, taints: [] });
  }
  const op = (chart: string): GpuOperator | undefined => {
    const x = installs.find((y) => y.chart === chart);
    return x ? { values: mergeValues(catalog.defaultValues(chart), x.values) as Record<string, unknown>, namespace: x.namespace, ...(x.broken ? { broken: x.broken } : {}) } : undefined;
  };
  const nvidia = op('gpu-operator');
  const amd = op('gpu-operator-charts');
  const deviceConfigs = applied.filter((o) => o.kind === 'DeviceConfig' && groupOf(o.apiVersion) === 'amd.com');
  const fleetHosts = hostsOf(cluster);
  const gpuProblems: { node: string; pool: string; text: string }[] = [];
  const nodes: SimNode[] = machines.map((m) => {
    const pool = resolvePool(m, pools, fleetHosts);
    const labels: Record<string, string> = { 'kubernetes.io/hostname': m.name, 'kubernetes.io/os': 'linux', ...m.labels };
    const allocatable: Record<string, number> = pool ? { cpu: pool.cpu * 1000, memory: pool.memoryGiB * 2 ** 30, pods: 110 } : { pods: 110 };
    const notes: string[] = pool ? [] : [`cannot tell which node pool machine ${m.name} is in (no nodePool for ${m.address ?? 'it'} in the fleet spec and the cluster has ${pools.length} pools): no capacity counted`];
    if (pool?.gpus) {
      const gpus: NodeGpus = { vendor: (pool.gpus.vendor ?? (/^MI/i.test(pool.gpus.model) ? 'amd' : 'nvidia')) as 'nvidia' | 'amd', model: pool.gpus.model, count: pool.gpus.count };
      const r = gpus.vendor === 'nvidia' ? nvidiaResources(gpus, labels, m.taints, nvidia, applied, catalog.defaultMigConfig()) : amdResources(gpus, labels, m.taints, amd, deviceConfigs, applied);
      Object.assign(allocatable, r.resources);
      notes.push(...r.notes);
      for (const pr of r.problems) gpuProblems.push({ node: m.name, pool: pool.name, text: pr });
    }
    return { name: m.name, ...(pool ? { pool: pool.name } : {}), labels, taints: m.taints, allocatable, notes };
  });
  if (mode !== 'none' && machines.length === 0) f(`no nodes: the output creates no worker machines for this cluster`);
  // A partitioning the output asks for that does not happen, once per pool and problem.
  const byProblem = new Map<string, string[]>();
  for (const p of gpuProblems) {
    const key = `${p.pool}\u0000${p.text}`;
    byProblem.set(key, [...(byProblem.get(key) ?? []), p.node]);
  }
  for (const [key, names] of byProblem) {
    const [pool, text] = key.split('\u0000') as [string, string];
    f(`node pool ${pool} (${names.join(', ')}): ${text}`);
  }

  // 6. System pods.
  if (nodes.length > 0 && !nodes.some((n) => n.taints.every((t) => (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') || CONTROL_PLANE_TAINT_KEYS.includes(t.key)))) {
    f(`no node for system pods: CoreDNS and the Cilium operator tolerate only control-plane taints, and every node is tainted (${summarize(nodes, (n) => n.taints.map(taintText).join(', '))})`);
  }

  // 7. Pods.
  const groups: PodGroup[] = allDocs.flatMap((o) => podGroups(o));
  const free = new Map(nodes.map((n) => [n.name, { ...n.allocatable }]));
  for (const g of groups) {
    const fits = nodes.filter((n) => placementReasons(g.spec, n).length === 0 && shortfall(g.spec, n.allocatable).length === 0);
    if (g.daemon) {
      const targeted = nodes.filter((n) => placementReasons(g.spec, n).length === 0);
      for (const n of targeted.filter((x) => !fits.includes(x))) f(`${g.owner}: its pod does not fit node ${n.name} it runs on (${shortfall(g.spec, n.allocatable).join('; ')})`);
      for (const n of fits) take(free.get(n.name)!, g.spec.requests);
      continue;
    }
    if (g.replicas <= 0) continue;
    if (fits.length === 0) {
      f(`${g.owner}: no node can take its pods (${nodes.length === 0 ? 'the cluster has no nodes' : summarize(nodes, (n) => [...placementReasons(g.spec, n), ...shortfall(g.spec, n.allocatable).map((s) => `${s}${gpuNote(s, n)}`)].join('; '))})`);
      continue;
    }
    for (let r = 1; r <= g.replicas; r++) {
      const room = fits.filter((n) => shortfall(g.spec, free.get(n.name)!).length === 0);
      if (room.length === 0) {
        f(`${g.owner}: replica ${r} of ${g.replicas} finds no node with room left once the pods before it are placed (nodes it fits: ${fits.map((n) => n.name).join(', ')})`);
        break;
      }
      // Least allocated first (the default scheduler's score), ties by node order.
      const best = room.reduce((a, b) => (leastAllocated(b, free.get(b.name)!) > leastAllocated(a, free.get(a.name)!) ? b : a));
      take(free.get(best.name)!, g.spec.requests);
    }
  }

  const view: ClusterView = {
    name,
    site: site.name,
    mode,
    management: i.management,
    folders: units.map((u) => u.folder),
    installs: [...installs].sort((a, b) => stageKey(a) - stageKey(b) || a.rank - b.rank).map((x) => `${x.what}${x.broken ? ` [cannot come up: ${x.broken}]` : ''}`),
    nodes,
  };
  return { view, failures: fail };
}

interface Machine {
  readonly name: string;
  readonly address?: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
}

function stageKey(x: Install): number {
  return x.stage === 'bootstrap' ? -1 : x.stage;
}

function unitEnd(units: readonly Unit[], ui: number): number {
  let n = 0;
  for (let k = 0; k <= ui; k++) n += units[k]!.entries.length;
  return n + 0.5;
}

/** The chart name of a k0s `chartname` (`repo/name`, `oci://host/path/name`, a tgz path). */
export function chartBase(chartname: string): string {
  const last = chartname.split('/').pop() ?? chartname;
  return last.replace(/\.tgz$/, '').replace(/-\d+\.\d+\.\d+.*$/, '').replace(/:.*$/, '');
}

function chartInstall(catalog: Catalog, c: { what: string; chartname: string; namespace: string; values: unknown; stage: 'bootstrap' | number; rank: number }): Install {
  const chart = chartBase(c.chartname);
  return {
    what: `${c.what} (chart ${chart})`,
    chart,
    namespace: c.namespace,
    values: parseValues(c.values),
    apis: catalog.chart(chart) ?? new Map(),
    known: catalog.chart(chart) !== undefined,
    needs: catalog.needs(chart),
    stage: c.stage,
    rank: c.rank,
  };
}

/** One `serviceSpec.services` entry: its ServiceTemplate's chart or kustomize bundle. */
function serviceInstalls(catalog: Catalog, mgmt: readonly Obj[], s: unknown, ns: string, idx: number, via: string, f: (m: string) => void): Install[] {
  const release = asString(at(s, 'name')) ?? '';
  const tplName = asString(at(s, 'template')) ?? '';
  const tpl = mgmt.find((o) => o.kind === 'ServiceTemplate' && o.metadata.name === tplName && (o.metadata.namespace ?? 'default') === ns);
  const base = { namespace: asString(at(s, 'namespace')) ?? 'default', values: parseValues(at(s, 'values')), stage: 'bootstrap' as const, rank: 100000 + idx, service: release, dependsOn: asArray(at(s, 'dependsOn')).map((d) => asString(at(d, 'name')) ?? '') };
  if (!tpl) {
    f(`${via} ${release}: ServiceTemplate ${ns}/${tplName} is not in the management folder, so the service never installs`);
    return [];
  }
  const chart = asString(at(tpl, 'spec', 'helm', 'chartSpec', 'chart')) ?? asString(at(tpl, 'spec', 'helm', 'chartRef', 'name'));
  if (chart) return [{ ...base, what: `${via} ${release} (chart ${chart})`, chart, apis: catalog.chart(chart) ?? new Map(), known: catalog.chart(chart) !== undefined, needs: catalog.needs(chart) }];
  for (const key of ['kustomize', 'resources']) {
    const k = at(tpl, 'spec', key);
    if (!isRecord(k)) continue;
    const src = at(k, 'localSourceRef');
    const repo = src ? mgmt.find((o) => o.kind === asString(at(src, 'kind')) && o.metadata.name === asString(at(src, 'name'))) : undefined;
    const url = asString(at(k, 'remoteSourceSpec', 'git', 'url')) ?? asString(at(k, 'remoteSourceSpec', 'oci', 'url')) ?? asString(at(repo, 'spec', 'url')) ?? '';
    const ref = `${url.replace(/\/$/, '')}/${(asString(at(k, 'path')) ?? '').replace(/^\.?\//, '')}`;
    // The fleet's own cluster folder delivered by its GitOps wiring (GitOps construct, k0rdent engine): the
    // simulator applies that folder to the cluster itself, so the service brings nothing more.
    if (/(^|\/)sites\/[^/]+\/[^/]+\/(infra|apps)$/.test(ref) && asString(at(tpl, 'metadata', 'name'))?.startsWith('gitops-')) return [];
    const b = catalog.bundle(ref);
    if (!b) f(`${via} ${release}: ServiceTemplate ${tplName} applies ${key} from '${ref}', which this simulator does not know; its CRDs are not counted`);
    return [{ ...base, what: `${via} ${release} (${key} ${b?.name ?? ref})`, chart: b?.name ?? ref, apis: b?.apis ?? new Map(), known: b !== undefined, needs: [] }];
  }
  f(`${via} ${release}: ServiceTemplate ${tplName} names no chart, kustomize or resources source`);
  return [];
}

/**
 * Marks installs whose needed API groups nothing provides before them. Bootstrap installs are in
 * order; k0rdent services wait only for what their `dependsOn` names (transitively) and for k0s extensions.
 */
function checkNeeds(list: readonly Install[], served: Apis, present: ReadonlySet<string>, f: (m: string) => void): void {
  const before = (x: Install, y: Install): boolean => {
    if (x.service !== undefined) {
      if (y.service === undefined) return true;
      const seen = new Set<string>();
      const stack = [...(x.dependsOn ?? [])];
      while (stack.length > 0) {
        const n = stack.pop()!;
        if (seen.has(n)) continue;
        seen.add(n);
        const dep = list.find((z) => z.service === n);
        if (dep) stack.push(...(dep.dependsOn ?? []));
      }
      return seen.has(y.service);
    }
    return y.rank < x.rank && y.service === undefined;
  };
  for (const x of list) {
    for (const g of x.needs) {
      if (present.has(g) || served.has(g)) continue;
      const providers = list.filter((y) => y !== x && y.apis.has(g));
      const earlier = providers.find((y) => before(x, y) && !y.broken);
      if (earlier) continue;
      const why = providers.length > 0 ? `${providers[0]!.what} installs ${g} but not before it${x.service !== undefined ? ' (no dependsOn)' : ''}` : `nothing installs ${g}`;
      x.broken = `needs ${g}: ${why}`;
      f(`${x.what}: needs ${g} installed first; ${why}`);
    }
  }
}

/** Fleet-spec machines of the cluster, by address, with their node pool. */
function hostsOf(cluster: ClusterSpec): Map<string, string | undefined> {
  const cp = cluster.controlPlane as Record<string, unknown> | undefined;
  const out = new Map<string, string | undefined>();
  const list = [...asArray(cp?.hosts), ...asArray(cp?.workers), ...asArray(at(cp, 'config', 'machines'))];
  for (const h of list) {
    const a = asString(at(h, 'address'));
    if (a) out.set(a, asString(at(h, 'nodePool')));
  }
  return out;
}

function resolvePool(m: Machine, pools: readonly PoolSpec[], hosts: Map<string, string | undefined>): PoolSpec | undefined {
  const byAddress = m.address !== undefined ? hosts.get(m.address) : undefined;
  if (byAddress) return pools.find((p) => p.name === byAddress);
  if (pools.length === 1) return pools[0];
  // Fallback: the library's own pool label on the node.
  const label = m.labels['k0smos.io/node-pool'];
  return pools.find((p) => p.name === label);
}

/** k0s `--labels=a=b,c=d` flags (k0s merges repeated flags). */
export function flagLabels(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of flagValues(args, '--labels')) {
    for (const item of v.split(',').filter((x) => x.length > 0)) {
      const eq = item.indexOf('=');
      if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    }
  }
  return out;
}

/** k0s `--taints=key=value:Effect,key:Effect` flags. */
export function flagTaints(args: readonly string[]): Taint[] {
  const out: Taint[] = [];
  for (const v of flagValues(args, '--taints')) {
    for (const item of v.split(',').filter((x) => x.length > 0)) {
      const colon = item.lastIndexOf(':');
      const kv = colon > 0 ? item.slice(0, colon) : item;
      const effect = colon > 0 ? item.slice(colon + 1) : 'NoSchedule';
      const eq = kv.indexOf('=');
      out.push(eq > 0 ? { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect } : { key: kv, effect });
    }
  }
  return out;
}

function flagValues(args: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!.trim();
    if (a.startsWith(`${flag}=`)) out.push(unquote(a.slice(flag.length + 1)));
    else if (a.startsWith(`${flag} `)) out.push(unquote(a.slice(flag.length + 1).trim()));
    else if (a === flag && k + 1 < args.length) out.push(unquote(args[++k]!));
  }
  return out;
}

function unquote(s: string): string {
  return s.replace(/^["']|["']$/g, '');
}

function take(free: Record<string, number>, req: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(req)) free[k] = (free[k] ?? 0) - v;
}

function leastAllocated(n: SimNode, free: Readonly<Record<string, number>>): number {
  const share = (r: string) => ((n.allocatable[r] ?? 0) > 0 ? (free[r] ?? 0) / n.allocatable[r]! : 0);
  return share('cpu') + share('memory');
}

/** Nodes grouped by the text `f` gives them: `pool (n nodes): text | ...`. */
function summarize(nodes: readonly SimNode[], f: (n: SimNode) => string): string {
  const groups = new Map<string, string[]>();
  for (const n of nodes) {
    const key = `${n.pool ?? n.name}\u0000${f(n)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(n.name);
  }
  return [...groups.entries()]
    .map(([k, names]) => {
      const [who, text] = k.split('\u0000') as [string, string];
      return `${who}${names.length > 1 ? ` (${names.length} nodes)` : names[0] !== who ? ` (${names[0]})` : ''}: ${text || 'fits'}`;
    })
    .join(' | ');
}

/** For a GPU shortfall, what the node advertises instead and why. */
function gpuNote(s: string, n: SimNode): string {
  if (!/^(nvidia\.com|amd\.com)\//.test(s)) return '';
  const ext = Object.entries(n.allocatable)
    .filter(([r]) => r.includes('/'))
    .sort(([a], [b]) => cmp(a, b))
    .map(([r, v]) => `${r}=${v}`);
  // A node without GPUs needs no explanation.
  if (ext.length === 0 && n.notes.length === 0) return '';
  const parts = [ext.length > 0 ? `advertises ${ext.join(', ')}` : 'advertises no GPUs', ...n.notes];
  return ` [${parts.join('; ')}]`;
}

