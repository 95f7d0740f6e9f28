/**
 * The GitOps wiring of a rendered fleet for Flux, Argo CD and k0rdent: which engine applies each unit
 * (`applyUnits`), to which cluster, after which units, from which Git revision. Pure: plain data in,
 * objects and files out. Facts: FLEET-OPS.md §1 (Flux hub and spoke, Argo CD git files generator and
 * RollingSync, kcm ServiceTemplate kustomize sources and MultiClusterService).
 */
import type { ApplyUnit } from '../synth/units';
import { targetFolder, type K8sObject, type Target } from '../synth/objects';
import { fnv1a } from '../model/ip-plan';
import { toYaml } from '../synth/serialize';
import { healthGateRule, type HealthGate } from '../rollout/stages';
import { argoSyncWindow, sveltosWindow, type StageWindow } from '../rollout/window';

export type EngineKind = 'flux' | 'argocd' | 'k0rdent';

/** The Git repository the output folder is pushed to. */
export interface GitRepo {
  readonly url: string;
  readonly branch: string;
  /** Folder of the output inside the repository, no leading or trailing '/'; '' for the root. */
  readonly path: string;
}

/** A cluster as delivery sees it. */
export interface DeliveryCluster {
  readonly name: string;
  readonly site: string;
  readonly mode: 'standalone' | 'hosted' | 'k0rdent' | 'external';
  /** The cluster the management folders are applied to. */
  readonly management: boolean;
}

export interface DeliveryInput {
  readonly fleet: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly repo: GitRepo;
  readonly units: readonly ApplyUnit[];
  readonly clusters: readonly DeliveryCluster[];
  /** Namespace of the k0rdent objects and of the CAPI `<cluster>-kubeconfig` Secrets of hosted and k0rdent clusters. */
  readonly managementNamespace: string;
  /** The engine that delivers k0rdent clusters' own folders when the choice is k0rdent, else every folder. */
  readonly engine: EngineKind;
  /** With `engine: 'k0rdent'`: the engine for the management folders and the clusters kcm does not manage. */
  readonly others: 'flux' | 'argocd';
  /**
   * `namespace`: of the Kustomizations on the management cluster; `spokeNamespace`: in each cluster's own
   * Flux (pull mode); `shards`: how many `management/flux/<shard>/` folders the management folders' own
   * Kustomizations are spread over (see {@link fluxShard}).
   */
  readonly flux: { readonly namespace: string; readonly spokeNamespace: string; readonly interval: string; readonly mode: 'push' | 'pull'; readonly shards: number };
  readonly argocd: { readonly namespace: string; readonly project: string };
  /** Rollout stages in order, with their clusters; absent: one stage that follows `repo.branch`. */
  readonly stages?: readonly DeliveryStage[];
  /**
   * With `engine: 'k0rdent'`: compile the rollout to one Sveltos ClusterPromotion over the folders of the
   * clusters kcm deploys, reading the Git tag `revision` (bumping it is what rolls out).
   */
  readonly promotion?: { readonly revision: string };
  /** Branch a stage follows under Flux and k0rdent (promotion moves it). */
  readonly stageBranch: (stage: string) => string;
}

/** A rollout stage as the engines see it. */
export interface DeliveryStage {
  readonly name: string;
  readonly clusters: readonly string[];
  readonly maxConcurrency?: number;
  /** Duration (`4h`) to watch the stage once healthy. */
  readonly soak?: string;
  readonly healthGates?: readonly HealthGate[];
  readonly window?: StageWindow;
  readonly approval?: 'manual';
}

/** The Sveltos version a ClusterPromotion needs: the schema it is checked against (kcm bundles v1.12). */
export const SVELTOS_PROMOTION_VERSION = 'v1.14.0';

/** One unit delivered: by which engine, to which cluster (`in-cluster` for the management cluster). */
export interface Delivered {
  readonly unit: string;
  readonly engine: EngineKind;
  readonly cluster: string;
  readonly via: string;
}

export interface DeliveryOutput {
  /** Objects applied to the management cluster: to `management/fleet/` unless {@link targets} names another folder. */
  readonly objects: K8sObject[];
  /**
   * The folder of each object that does not go to `management/fleet/`: with Flux push, a managed
   * cluster's own Kustomizations go to its `management/clusters/<cluster>/`, and those of its management
   * folder to its shard `management/flux/<shard>/`.
   */
  readonly targets: ReadonlyMap<K8sObject, Target>;
  /** Files beside the folders (Argo CD `cluster.json`, Flux pull-mode `flux-sync.yaml`). */
  readonly files: { readonly path: string; readonly content: string }[];
  readonly delivered: Delivered[];
  /** Steps the user does by hand, sorted. */
  readonly manual: string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The cluster name of a unit (`management` when the fleet cannot tell its management cluster). */
function unitCluster(u: ApplyUnit): string {
  const slash = u.cluster.indexOf('/');
  return slash < 0 ? u.cluster : u.cluster.slice(slash + 1);
}

/** A DNS-label-ish name for a unit: `<cluster>-infra`, `mgmt-fleet-infra`, `mgmt-<cluster>-apps`. */
export function unitName(path: string): string {
  const parts = path.split('/');
  const layer = parts[parts.length - 1]!;
  if (parts[0] === 'sites') return `${parts[2]}-${layer}`;
  if (parts[1] === 'fleet') return `mgmt-fleet-${layer}`;
  return `mgmt-${parts[2]}-${layer}`;
}

/** Default number of Flux shards: 10,000 clusters give about 78 clusters (156 Kustomizations) per shard. */
export const DEFAULT_FLUX_SHARDS = 128;

/**
 * The Flux shard of a managed cluster: FNV-1a of its name modulo the shard count, so it depends on the
 * name and the count only (adding or removing other clusters never moves it). `shard-000` ... with as
 * many digits as the largest shard number needs (at least three).
 */
export function fluxShard(cluster: string, shards: number): string {
  const width = Math.max(3, String(shards - 1).length);
  return `shard-${String(fnv1a(cluster) % shards).padStart(width, '0')}`;
}

/** The name of a shard's Kustomization (`mgmt-flux-shard-042`: no unit name ends in digits). */
export function fluxShardName(shard: string): string {
  return `mgmt-flux-${shard}`;
}

/** The folder of a unit (its path without the layer). */
export function unitFolder(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function repoPath(repo: GitRepo, p: string): string {
  return `./${repo.path ? `${repo.path}/` : ''}${p}`;
}

/** Which engine delivers a unit. */
export function engineOf(input: Pick<DeliveryInput, 'engine' | 'others' | 'clusters'>, u: ApplyUnit): EngineKind {
  if (input.engine !== 'k0rdent') return input.engine;
  if (!u.path.startsWith('sites/')) return input.others;
  const c = input.clusters.find((x) => x.name === unitCluster(u));
  return c && c.mode === 'k0rdent' && !c.management ? 'k0rdent' : input.others;
}

/** Depth of each unit in the dependsOn graph (0 = waits for nothing). */
function levels(units: readonly ApplyUnit[]): Map<string, number> {
  const byPath = new Map(units.map((u) => [u.path, u] as const));
  const memo = new Map<string, number>();
  const depth = (p: string, seen: Set<string>): number => {
    if (memo.has(p)) return memo.get(p)!;
    if (seen.has(p)) return 0;
    seen.add(p);
    const u = byPath.get(p);
    const d = u ? Math.max(-1, ...u.dependsOn.filter((x) => byPath.has(x)).map((x) => depth(x, seen))) + 1 : 0;
    memo.set(p, d);
    return d;
  };
  for (const u of units) depth(u.path, new Set());
  return memo;
}

export function buildDelivery(input: DeliveryInput): DeliveryOutput {
  const objects: K8sObject[] = [];
  const files: { path: string; content: string }[] = [];
  const delivered: Delivered[] = [];
  const manual = new Set<string>();
  const labels = { ...input.labels };
  const clusterOf = new Map(input.clusters.map((c) => [c.name, c] as const));
  const stageIndex = new Map<string, number>();
  const stageName = new Map<string, string>();
  (input.stages ?? []).forEach((s, i) => s.clusters.forEach((c) => (stageIndex.set(c, i), stageName.set(c, s.name))));
  // A unit is applied in the management cluster unless it names another cluster: a site folder, or the
  // management folder of a control plane hosted in a region's cluster.
  const onManagement = (u: ApplyUnit) => u.cluster === 'management' || clusterOf.get(unitCluster(u))?.management === true || (!u.path.startsWith('sites/') && !clusterOf.has(unitCluster(u)));
  const stageOf = (u: ApplyUnit) => (u.path.startsWith('sites/') && stageIndex.has(unitCluster(u)) ? input.stages![stageIndex.get(unitCluster(u))!] : undefined);
  // A stage's health gates hold its clusters' apps/ Kustomization (Flux healthChecks) until they pass.
  const fluxHealthChecks = (u: ApplyUnit) => {
    const gates = u.path.endsWith('/apps') ? (stageOf(u)?.healthGates ?? []) : [];
    return gates.length > 0 ? { healthChecks: gates.map((g) => ({ apiVersion: g.apiVersion, kind: g.kind, name: g.name, ...(g.namespace ? { namespace: g.namespace } : {}) })) } : {};
  };
  // Management folders follow the branch itself; a site folder follows its stage's branch when there is a rollout.
  const branchOf = (u: ApplyUnit) => (input.stages && u.path.startsWith('sites/') && stageName.has(unitCluster(u)) ? input.stageBranch(stageName.get(unitCluster(u))!) : input.repo.branch);
  const sourceName = (u: ApplyUnit, prefix: string) => {
    const b = branchOf(u);
    return b === input.repo.branch ? prefix : `${prefix}-${stageName.get(unitCluster(u))}`;
  };
  const gitRepositories = new Map<string, K8sObject>();
  const gitRepository = (name: string, namespace: string, branch: string, extraLabels: Record<string, string> = {}) => {
    const key = `${namespace}/${name}`;
    if (!gitRepositories.has(key)) {
      gitRepositories.set(key, {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name, namespace, labels: { ...labels, ...extraLabels } },
        spec: { interval: input.flux.interval, url: input.repo.url, ref: { branch } },
      });
    }
    return { kind: 'GitRepository', name, namespace };
  };
  const byEngine = new Map<EngineKind, ApplyUnit[]>();
  // Lists appended in place and units found by path: copying or scanning per unit is quadratic over thousands of folders.
  for (const u of input.units) {
    const e = engineOf(input, u);
    const list = byEngine.get(e);
    if (list) list.push(u);
    else byEngine.set(e, [u]);
  }
  const unitByPath = new Map(input.units.map((u) => [u.path, u] as const));

  // Flux: Kustomizations in the management cluster (push), or in each cluster (pull).
  const fluxUnits = byEngine.get('flux') ?? [];
  const fluxNs = (u: ApplyUnit) => {
    if (onManagement(u)) return input.flux.namespace;
    const c = clusterOf.get(unitCluster(u));
    // The CAPI Secret of a hosted or k0rdent cluster is in the namespace of its Cluster; a Kustomization
    // can only read a Secret of its own namespace.
    return c && (c.mode === 'hosted' || c.mode === 'k0rdent') ? input.managementNamespace : input.flux.namespace;
  };
  const pull = (u: ApplyUnit) => input.flux.mode === 'pull' && !onManagement(u);
  // Where each push-mode Kustomization is written, so that no folder grows with the fleet: the
  // management cluster's own units and management/fleet's stay in management/fleet; a managed cluster's
  // site units go to its management/clusters/<cluster>/ when that folder is applied to the management
  // cluster by Flux too (else to its shard); its management folder's units go to its shard
  // management/flux/<shard>/, which one Kustomization per shard in management/fleet applies whole.
  const targets = new Map<K8sObject, Target>();
  const fluxPushPaths = new Set(fluxUnits.filter((u) => !pull(u)).map((u) => u.path));
  const shards = new Set<string>();
  const fluxTarget = (u: ApplyUnit): Target | undefined => {
    const parts = u.path.split('/');
    if (parts[0] === 'management' && parts[1] === 'clusters') {
      const shard = fluxShard(parts[2]!, input.flux.shards);
      shards.add(shard);
      return { kind: 'flux-shard', shard };
    }
    if (parts[0] !== 'sites' || onManagement(u)) return undefined;
    const own = `management/clusters/${parts[2]}/apps`;
    const ownUnit = unitByPath.get(own);
    if (ownUnit && fluxPushPaths.has(own) && onManagement(ownUnit)) return { kind: 'management-cluster', cluster: parts[2]! };
    const shard = fluxShard(parts[2]!, input.flux.shards);
    shards.add(shard);
    return { kind: 'flux-shard', shard };
  };
  const pullFiles = new Map<string, K8sObject[]>();
  /** The same for every unit: built once. */
  let kubeconfigNote: string | undefined;
  for (const u of fluxUnits) {
    const name = unitName(u.path);
    const cluster = unitCluster(u);
    const c = clusterOf.get(cluster);
    if (pull(u)) {
      const ns = input.flux.spokeNamespace;
      const src = gitRepository(sourceName(u, input.fleet), ns, branchOf(u));
      const k = kustomization(u, name, ns, src, input, u.dependsOn.map((d) => ({ name: unitName(d), namespace: ns })), fluxHealthChecks(u));
      const folder = unitFolder(u.path);
      const repoObj = gitRepositories.get(`${ns}/${src.name}`)!;
      gitRepositories.delete(`${ns}/${src.name}`);
      const list = pullFiles.get(folder) ?? [repoObj];
      list.push(k);
      pullFiles.set(folder, list);
      delivered.push({ unit: u.path, engine: 'flux', cluster, via: `Kustomization ${ns}/${name} in the cluster itself (${folder}/flux-sync.yaml)` });
      manual.add(`Flux pull mode: install Flux in each spoke cluster, then apply its flux-sync.yaml once (kubectl apply -f sites/<site>/<cluster>/flux-sync.yaml)`);
      continue;
    }
    const ns = fluxNs(u);
    const src = gitRepository(sourceName(u, input.fleet), ns, branchOf(u));
    const k = kustomization(u, name, ns, src, input, u.dependsOn.map((d) => ({ name: unitName(d), namespace: fluxNs(unitByPath.get(d) ?? u) })), fluxHealthChecks(u));
    if (!onManagement(u)) {
      (k.spec as Record<string, unknown>).kubeConfig = { secretRef: { name: `${cluster}-kubeconfig`, key: 'value' } };
      if (c && c.mode !== 'hosted' && c.mode !== 'k0rdent') {
        kubeconfigNote ??= `Flux: create the Secret <cluster>-kubeconfig (key 'value', a kubeconfig) in namespace ${input.flux.namespace} of the management cluster for each standalone or external cluster: ${input.clusters.filter((x) => !x.management && x.mode !== 'hosted' && x.mode !== 'k0rdent').map((x) => x.name).sort(cmp).join(', ')}`;
        manual.add(kubeconfigNote);
      }
    }
    objects.push(k);
    const t = fluxTarget(u);
    if (t) targets.set(k, t);
    delivered.push({ unit: u.path, engine: 'flux', cluster: onManagement(u) ? 'in-cluster' : cluster, via: `Kustomization ${ns}/${name}${t ? ` (in ${targetFolder(t)})` : ''}` });
  }
  // One Kustomization per shard in management/fleet, applying the whole shard folder (its infra/ stays empty).
  for (const shard of [...shards].sort(cmp)) {
    const ns = input.flux.namespace;
    const folder = `management/flux/${shard}`;
    const src = gitRepository(input.fleet, ns, input.repo.branch);
    const name = fluxShardName(shard);
    objects.push(kustomization({ path: folder, cluster: 'management', dependsOn: [] }, name, ns, src, input, []));
    for (const layer of ['infra', 'apps']) delivered.push({ unit: `${folder}/${layer}`, engine: 'flux', cluster: 'in-cluster', via: `Kustomization ${ns}/${name} (the whole folder)` });
  }
  if (fluxUnits.some((u) => !pull(u))) {
    manual.add(`Flux: the management cluster runs Flux's source- and kustomize-controller (kcm installs Flux without kustomize-controller: set the kcm chart value flux2.kustomizeController.create: true, or run your own Flux) and declares api:kustomize.toolkit.fluxcd.io present`);
    manual.add(
      `Bootstrap once: kubectl apply -k ${repoPath(input.repo, 'management/fleet').slice(2)} on the management cluster (or point a Flux bootstrap at that folder); from then on its Kustomization mgmt-fleet-apps keeps the wiring itself${shards.size > 0 ? `, and its ${shards.size} shard Kustomization${shards.size === 1 ? '' : 's'} (mgmt-flux-shard-*) apply management/flux/<shard>/, whose Kustomizations apply each cluster's management/clusters/<cluster>/ and, from there, its site folders` : ''}`,
    );
  }
  for (const [folder, docs] of [...pullFiles].sort(([a], [b]) => cmp(a, b))) files.push({ path: `${folder}/flux-sync.yaml`, content: docs.map((d) => toYaml(d)).join('---\n') });

  // Argo CD: one cluster.json per folder, one ApplicationSet, RollingSync steps (stage, then depth).
  const argoUnits = byEngine.get('argocd') ?? [];
  if (argoUnits.length > 0) {
    const lv = levels(input.units);
    const stepKey = (u: ApplyUnit) => {
      const s = onManagement(u) || !stageIndex.has(unitCluster(u)) ? -1 : stageIndex.get(unitCluster(u))!;
      return [s, lv.get(u.path) ?? 0] as const;
    };
    const keys = [...new Set(argoUnits.map((u) => stepKey(u).join(',')))]
      .map((k) => k.split(',').map(Number) as [number, number])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const stepId = (u: ApplyUnit) => {
      const k = stepKey(u);
      return `step-${String(keys.findIndex((x) => x[0] === k[0] && x[1] === k[1]) + 1).padStart(3, '0')}`;
    };
    const folders = new Map<string, ApplyUnit[]>();
    for (const u of argoUnits) {
      const list = folders.get(unitFolder(u.path));
      if (list) list.push(u);
      else folders.set(unitFolder(u.path), [u]);
    }
    for (const [folder, us] of [...folders].sort(([a], [b]) => cmp(a, b))) {
      const u0 = us[0]!;
      const cluster = unitCluster(u0);
      const destination = onManagement(u0) ? 'in-cluster' : cluster;
      const infra = us.find((u) => u.path.endsWith('/infra'));
      const apps = us.find((u) => u.path.endsWith('/apps'));
      const meta = {
        name: unitName(`${folder}/x`).slice(0, -2),
        cluster: u0.path.startsWith('sites/') ? cluster : folder,
        destination,
        stage: u0.path.startsWith('sites/') ? (stageName.get(cluster) ?? 'all') : 'management',
        infraStep: infra ? stepId(infra) : 'none',
        appsStep: apps ? stepId(apps) : 'none',
      };
      files.push({ path: `${folder}/cluster.json`, content: `${JSON.stringify(meta, null, 2)}\n` });
      for (const u of us) delivered.push({ unit: u.path, engine: 'argocd', cluster: destination, via: `Application ${meta.name}-${u.path.slice(u.path.lastIndexOf('/') + 1)}` });
    }
    const prefix = input.repo.path ? `${input.repo.path}/` : '';
    const globs = [...new Set([...folders.keys()].map((f) => (f.startsWith('sites/') ? 'sites/*/*' : f.startsWith('management/clusters/') ? 'management/clusters/*' : f)))].sort(cmp);
    const steps = keys.map((k, i) => {
      const stage = k[0] < 0 ? undefined : input.stages?.[k[0]];
      // A stage approved by hand: its first step updates nothing until someone syncs its Applications (maxUpdate 0).
      const firstOfStage = i === 0 || keys[i - 1]![0] !== k[0];
      const maxUpdate = stage?.approval === 'manual' && firstOfStage ? 0 : stage?.maxConcurrency;
      return {
        matchExpressions: [{ key: 'k0smos.io/step', operator: 'In', values: [`step-${String(i + 1).padStart(3, '0')}`] }],
        ...(maxUpdate !== undefined ? { maxUpdate } : {}),
      };
    });
    const windowed = (input.stages ?? []).filter((st) => st.window && st.clusters.some((c) => argoUnits.some((u) => unitCluster(u) === c && !onManagement(u))));
    const project = windowed.length > 0 ? `${input.fleet}-rollout` : input.argocd.project;
    if (windowed.length > 0) {
      objects.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: project, namespace: input.argocd.namespace, labels },
        spec: {
          description: `The fleet ${input.fleet}'s folders, with a sync window per rollout stage that has one`,
          sourceRepos: [input.repo.url],
          destinations: [{ name: '*', namespace: '*' }],
          clusterResourceWhitelist: [{ group: '*', kind: '*' }],
          syncWindows: windowed.map((st) => argoSyncWindow(st.window!, st.clusters.filter((c) => clusterOf.get(c)?.management !== true))),
        },
      });
    }
    objects.push({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: `${input.fleet}-folders`, namespace: input.argocd.namespace, labels },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            matrix: {
              generators: [
                { git: { repoURL: input.repo.url, revision: input.repo.branch, files: globs.map((g) => ({ path: `${prefix}${g}/cluster.json` })) } },
                { list: { elements: [{ layer: 'infra' }, { layer: 'apps' }] } },
              ],
            },
          },
        ],
        strategy: { type: 'RollingSync', rollingSync: { steps } },
        template: {
          metadata: {
            name: '{{ .name }}-{{ .layer }}',
            labels: { ...labels, 'k0smos.io/step': '{{ if eq .layer "infra" }}{{ .infraStep }}{{ else }}{{ .appsStep }}{{ end }}', 'k0smos.io/stage': '{{ .stage }}', 'k0smos.io/layer': '{{ .layer }}' },
          },
          spec: {
            project,
            source: { repoURL: input.repo.url, targetRevision: input.repo.branch, path: '{{ .path.path }}/{{ .layer }}' },
            destination: { name: '{{ .destination }}' },
            syncPolicy: { syncOptions: ['ServerSideApply=true'] },
          },
        },
      },
    });
    manual.add(`Argo CD: run it with progressive syncs enabled (--enable-progressive-syncs / applicationsetcontroller.enable.progressive.syncs: "true"); RollingSync keeps each cluster's infra before its apps`);
    manual.add(`Argo CD: register every cluster under its name (argocd cluster add <context> --name <cluster>, or a cluster Secret built from the CAPI <cluster>-kubeconfig Secret): ${[...new Set(argoUnits.map((u) => (onManagement(u) ? undefined : unitCluster(u))).filter((x): x is string => !!x))].sort(cmp).join(', ') || 'none besides in-cluster'}`);
    manual.add(`Bootstrap once: kubectl apply -k ${repoPath(input.repo, 'management/fleet').slice(2)} on the management cluster; the ApplicationSet then applies management/fleet itself`);
  }

  // k0rdent: per cluster, ServiceTemplates with a kustomize source and a MultiClusterService.
  const k0rdentUnits = byEngine.get('k0rdent') ?? [];
  const kns = input.managementNamespace;
  const perCluster = new Map<string, ApplyUnit[]>();
  for (const u of k0rdentUnits) perCluster.set(unitCluster(u), [...(perCluster.get(unitCluster(u)) ?? []), u]);
  if (input.promotion && input.stages && perCluster.size > 0) {
    objects.push(...clusterPromotion(input, perCluster, delivered, manual, labels));
    perCluster.clear();
  }
  // A cluster's ServiceTemplates and MultiClusterService go to its management folder when that folder is
  // applied to the management cluster (kcm's own), so that management/fleet does not grow with the fleet.
  const k0rdentTarget = (cluster: string): Target | undefined => {
    const own = unitByPath.get(`management/clusters/${cluster}/apps`);
    return own && onManagement(own) ? { kind: 'management-cluster', cluster } : undefined;
  };
  for (const [cluster, us] of [...perCluster].sort(([a], [b]) => cmp(a, b))) {
    const services: Record<string, unknown>[] = [];
    const where = k0rdentTarget(cluster);
    const place = (o: K8sObject) => {
      objects.push(o);
      if (where) targets.set(o, where);
    };
    for (const u of us) {
      const layer = u.path.slice(u.path.lastIndexOf('/') + 1);
      const src = gitRepository(sourceName(u, `${input.fleet}-k0rdent`), kns, branchOf(u), { 'k0rdent.mirantis.com/managed': 'true' });
      const tname = `gitops-${cluster}-${layer}`;
      place({
        apiVersion: 'k0rdent.mirantis.com/v1beta1',
        kind: 'ServiceTemplate',
        metadata: { name: tname, namespace: kns, labels },
        spec: { kustomize: { deploymentType: 'Remote', path: repoPath(input.repo, u.path), localSourceRef: src } },
      });
      const deps = u.dependsOn.filter((d) => us.some((x) => x.path === d)).map((d) => ({ name: unitName(d) }));
      services.push({ name: unitName(u.path), template: tname, ...(deps.length > 0 ? { dependsOn: deps } : {}) });
      delivered.push({ unit: u.path, engine: 'k0rdent', cluster, via: `MultiClusterService gitops-${cluster}, service ${unitName(u.path)}${where ? ` (in ${targetFolder(where)})` : ''}` });
    }
    place({
      apiVersion: 'k0rdent.mirantis.com/v1beta1',
      kind: 'MultiClusterService',
      metadata: { name: `gitops-${cluster}`, labels },
      spec: { clusterSelector: { matchLabels: { 'k0smos.io/cluster': cluster, 'k0smos.io/fleet': input.fleet } }, serviceSpec: { services } },
    });
  }
  objects.push(...[...gitRepositories.values()]);
  return { objects, targets, files, delivered: delivered.sort((a, b) => cmp(a.unit, b.unit)), manual: [...manual].sort(cmp) };
}

/** A DNS-label-ish form of a Git tag for object names. */
function tagName(tag: string): string {
  return tag.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'revision';
}

/**
 * One Sveltos ClusterPromotion over the folders of the clusters kcm deploys: the profile (two
 * kustomizationRefs, `infra` then `apps`, whose paths are templates over the cluster's site label and
 * name) is shared; each stage selects its clusters by name. A stage's trigger is what must happen before
 * the next starts: its soak (`delay`) and health gates (`postDelayHealthChecks`), and the next stage's
 * window (`promotionWindow`) or approval (`manual`). Sveltos stages a change of the profile, not of the
 * Git content behind it: the source is the tag `revision`, so bumping the tag is what rolls out.
 */
function clusterPromotion(input: DeliveryInput, perCluster: ReadonlyMap<string, ApplyUnit[]>, delivered: Delivered[], manual: Set<string>, labels: Record<string, string>): K8sObject[] {
  const kns = input.managementNamespace;
  const revision = input.promotion!.revision;
  const src = `${input.fleet}-${tagName(revision)}`;
  const name = `${input.fleet}-folders`;
  const stages = input.stages!.map((st) => ({ ...st, clusters: st.clusters.filter((c) => perCluster.has(c)) })).filter((st) => st.clusters.length > 0);
  const template = (layer: string) => repoPath(input.repo, `sites/{{ index .Cluster.metadata.labels "k0smos.io/site" }}/{{ .Cluster.metadata.name }}/${layer}`);
  const concurrency = stages.map((st) => st.maxConcurrency).filter((x): x is number => x !== undefined);
  const healthChecks = (st: DeliveryStage) =>
    (st.healthGates ?? []).map((g, j) => {
      const slash = g.apiVersion.indexOf('/');
      return {
        name: `${st.name}-gate-${j + 1}`,
        featureID: 'Kustomize',
        group: slash < 0 ? '' : g.apiVersion.slice(0, slash),
        version: slash < 0 ? g.apiVersion : g.apiVersion.slice(slash + 1),
        kind: g.kind,
        ...(g.namespace ? { namespace: g.namespace } : {}),
        evaluateCEL: [{ name: 'ready', rule: `resource.metadata.name != '${g.name}' || (${healthGateRule(g)})` }],
      };
    });
  const triggers = stages.map((st, i) => {
    const next = stages[i + 1];
    const checks = healthChecks(st);
    const common = { ...(st.soak && st.soak !== '0s' ? { delay: st.soak } : {}), ...(checks.length > 0 ? { postDelayHealthChecks: checks } : {}) };
    if (next?.approval === 'manual') return { manual: { automaticReset: true, ...common } };
    return { auto: { ...common, ...(next?.window ? { promotionWindow: sveltosWindow(next.window) } : {}) } };
  });
  for (const [cluster, us] of [...perCluster].sort(([a], [b]) => cmp(a, b))) {
    for (const u of us) delivered.push({ unit: u.path, engine: 'k0rdent', cluster, via: `ClusterPromotion ${name} (Sveltos), stage ${stages.find((st) => st.clusters.includes(cluster))!.name}` });
  }
  manual.add(`Sveltos ClusterPromotion: needs Sveltos ${SVELTOS_PROMOTION_VERSION} (the schema it is checked against; the CRD first shipped in v1.2.0, and kcm bundles v1.12: upgrade kcm's Sveltos or run Sveltos ${SVELTOS_PROMOTION_VERSION}); roll out by tagging the commit '${revision}' and then changing the revision to the next tag`);
  if (stages.some((st) => st.approval === 'manual')) {
    manual.add(`Sveltos ClusterPromotion: approve a stage by hand with kubectl patch clusterpromotion ${name} --type json -p '[{"op":"add","path":"/spec/stages/<index of the stage before it>/trigger/manual/approved","value":true}]' (the wiring leaves 'approved' unset so GitOps does not undo it)`);
  }
  // The source, kept apart from the branch-following ones: a tag, so the content is fixed per revision.
  const gitRepo: K8sObject = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: src, namespace: kns, labels: { ...labels, 'k0rdent.mirantis.com/managed': 'true' } },
    spec: { interval: input.flux.interval, url: input.repo.url, ref: { tag: revision } },
  };
  const promotion: K8sObject = {
    apiVersion: 'config.projectsveltos.io/v1beta1',
    kind: 'ClusterPromotion',
    metadata: { name, labels },
    spec: {
      profileSpec: {
        syncMode: 'Continuous',
        ...(concurrency.length > 0 ? { maxUpdate: Math.min(...concurrency) } : {}),
        kustomizationRefs: ['infra', 'apps'].map((layer) => ({ kind: 'GitRepository', name: src, namespace: kns, path: template(layer), deploymentType: 'Remote' })),
      },
      stages: stages.map((st, i) => ({
        name: st.name,
        clusterSelector: { matchExpressions: [{ key: 'k0smos.io/cluster', operator: 'In', values: [...st.clusters].sort(cmp) }] },
        trigger: triggers[i],
      })),
    },
  };
  return [gitRepo, promotion];
}

function kustomization(u: ApplyUnit, name: string, namespace: string, src: { kind: string; name: string; namespace: string }, input: DeliveryInput, dependsOn: { name: string; namespace: string }[], extra: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace, labels: { ...input.labels } },
    spec: {
      interval: input.flux.interval,
      path: repoPath(input.repo, u.path),
      prune: true,
      wait: true,
      timeout: '10m',
      sourceRef: src,
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
      ...extra,
    },
  };
}
