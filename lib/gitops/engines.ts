/**
 * The GitOps wiring of a rendered fleet for Flux, Argo CD and k0rdent: which engine applies each unit
 * (`applyUnits`), to which cluster, after which units, from which Git revision. Pure: plain data in,
 * objects and files out. Facts: FLEET-OPS.md §1 (Flux hub and spoke, Argo CD git files generator and
 * RollingSync, kcm ServiceTemplate kustomize sources and MultiClusterService).
 */
import type { ApplyUnit } from '../synth/units';
import type { K8sObject } from '../synth/objects';
import { toYaml } from '../synth/serialize';

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
  readonly flux: { readonly namespace: string; readonly interval: string; readonly mode: 'push' | 'pull' };
  readonly argocd: { readonly namespace: string; readonly project: string };
  /** Rollout stages in order, with their clusters; absent: one stage that follows `repo.branch`. */
  readonly stages?: readonly { readonly name: string; readonly clusters: readonly string[]; readonly maxConcurrency?: number }[];
  /** Branch a stage follows under Flux and k0rdent (promotion moves it). */
  readonly stageBranch: (stage: string) => string;
}

/** One unit delivered: by which engine, to which cluster (`in-cluster` for the management cluster). */
export interface Delivered {
  readonly unit: string;
  readonly engine: EngineKind;
  readonly cluster: string;
  readonly via: string;
}

export interface DeliveryOutput {
  /** Objects for `management/fleet/` (applied to the management cluster). */
  readonly objects: K8sObject[];
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
  for (const u of input.units) byEngine.set(engineOf(input, u), [...(byEngine.get(engineOf(input, u)) ?? []), u]);

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
  const pullFiles = new Map<string, K8sObject[]>();
  for (const u of fluxUnits) {
    const name = unitName(u.path);
    const cluster = unitCluster(u);
    const c = clusterOf.get(cluster);
    if (pull(u)) {
      const ns = input.flux.namespace;
      const src = gitRepository(sourceName(u, input.fleet), ns, branchOf(u));
      const k = kustomization(u, name, ns, src, input, u.dependsOn.map((d) => ({ name: unitName(d), namespace: ns })));
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
    const k = kustomization(u, name, ns, src, input, u.dependsOn.map((d) => ({ name: unitName(d), namespace: fluxNs(input.units.find((x) => x.path === d) ?? u) })));
    if (!onManagement(u)) {
      (k.spec as Record<string, unknown>).kubeConfig = { secretRef: { name: `${cluster}-kubeconfig`, key: 'value' } };
      if (c && c.mode !== 'hosted' && c.mode !== 'k0rdent') {
        manual.add(`Flux: create the Secret <cluster>-kubeconfig (key 'value', a kubeconfig) in namespace ${input.flux.namespace} of the management cluster for each standalone or external cluster: ${input.clusters.filter((x) => !x.management && x.mode !== 'hosted' && x.mode !== 'k0rdent').map((x) => x.name).sort(cmp).join(', ')}`);
      }
    }
    objects.push(k);
    delivered.push({ unit: u.path, engine: 'flux', cluster: onManagement(u) ? 'in-cluster' : cluster, via: `Kustomization ${ns}/${name}` });
  }
  if (fluxUnits.some((u) => !pull(u))) {
    manual.add(`Flux: the management cluster runs Flux's source- and kustomize-controller (kcm installs Flux without kustomize-controller: set the kcm chart value flux2.kustomizeController.create: true, or run your own Flux) and declares api:kustomize.toolkit.fluxcd.io present`);
    manual.add(`Bootstrap once: kubectl apply -k ${repoPath(input.repo, 'management/fleet').slice(2)} on the management cluster; from then on its Kustomization mgmt-fleet-apps keeps the wiring itself`);
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
    for (const u of argoUnits) folders.set(unitFolder(u.path), [...(folders.get(unitFolder(u.path)) ?? []), u]);
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
      return {
        matchExpressions: [{ key: 'k0smos.io/step', operator: 'In', values: [`step-${String(i + 1).padStart(3, '0')}`] }],
        ...(stage?.maxConcurrency !== undefined ? { maxUpdate: stage.maxConcurrency } : {}),
      };
    });
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
            project: input.argocd.project,
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
  for (const [cluster, us] of [...perCluster].sort(([a], [b]) => cmp(a, b))) {
    const services: Record<string, unknown>[] = [];
    for (const u of us) {
      const layer = u.path.slice(u.path.lastIndexOf('/') + 1);
      const src = gitRepository(sourceName(u, `${input.fleet}-k0rdent`), kns, branchOf(u), { 'k0rdent.mirantis.com/managed': 'true' });
      const tname = `gitops-${cluster}-${layer}`;
      objects.push({
        apiVersion: 'k0rdent.mirantis.com/v1beta1',
        kind: 'ServiceTemplate',
        metadata: { name: tname, namespace: kns, labels },
        spec: { kustomize: { deploymentType: 'Remote', path: repoPath(input.repo, u.path), localSourceRef: src } },
      });
      const deps = u.dependsOn.filter((d) => us.some((x) => x.path === d)).map((d) => ({ name: unitName(d) }));
      services.push({ name: unitName(u.path), template: tname, ...(deps.length > 0 ? { dependsOn: deps } : {}) });
      delivered.push({ unit: u.path, engine: 'k0rdent', cluster, via: `MultiClusterService gitops-${cluster}, service ${unitName(u.path)}` });
    }
    objects.push({
      apiVersion: 'k0rdent.mirantis.com/v1beta1',
      kind: 'MultiClusterService',
      metadata: { name: `gitops-${cluster}`, labels },
      spec: { clusterSelector: { matchLabels: { 'k0smos.io/cluster': cluster, 'k0smos.io/fleet': input.fleet } }, serviceSpec: { services } },
    });
  }
  objects.push(...[...gitRepositories.values()]);
  return { objects, files, delivered: delivered.sort((a, b) => cmp(a.unit, b.unit)), manual: [...manual].sort(cmp) };
}

function kustomization(u: ApplyUnit, name: string, namespace: string, src: { kind: string; name: string; namespace: string }, input: DeliveryInput, dependsOn: { name: string; namespace: string }[]): K8sObject {
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
    },
  };
}
