/**
 * Resolves what each cluster needs against what provides it. Pure: plain data in, a plan out.
 *
 * A need is met, in this order, by: Kubernetes or k0s itself; a CRD object in the same cluster's
 * output; an add-on of the cluster (its `provides`, else what the catalog knows of its chart); the
 * cluster's k0rdent cloud template (CCM and CSI); a `present` declaration of the site or cluster. A
 * need nothing meets is installed from the catalog when the cluster can take add-ons (its control
 * plane is the fleet's) and the catalog has an installer, with that installer's own needs resolved the
 * same way; otherwise it is unresolved and the plan says how to fix it. Secrets are never installed:
 * they are listed as what the user creates out of band.
 */
import type { HelmChartAddon } from '../addons/addon';
import type { Capability, LoadBalancerSpec, Requirement, StorageProvider } from './capability';
import { CATALOG, entryProvides, installerOf, knownChart, type CatalogEntry, type KustomizeBundle } from './catalog';
import { cmp } from '../model/compare';
import { BUILTIN_GROUPS, K0S_GROUPS } from './needs';

/** One cluster as the resolver sees it. */
export interface ClusterNeedsInput {
  readonly cluster: string;
  readonly site: string;
  /** How the control plane runs; `external` when the fleet does not bootstrap the cluster. */
  readonly mode: 'standalone' | 'hosted' | 'k0rdent' | 'external';
  /** The management cluster (where management/ is applied). */
  readonly management: boolean;
  readonly addons: readonly HelmChartAddon[];
  /** Kustomize bundles the cluster installs. */
  readonly bundles: readonly KustomizeBundle[];
  readonly present: readonly Capability[];
  /** What the cluster's k0rdent template installs itself. */
  readonly templateBrings: readonly Capability[];
  /** API groups of CRD objects in the cluster's own output. */
  readonly crdGroups: readonly string[];
  readonly requirements: readonly Requirement[];
  readonly storage: StorageProvider;
  readonly loadBalancer?: LoadBalancerSpec;
}

/** Who meets a need. */
export type Provider =
  | { readonly kind: 'kubernetes' }
  | { readonly kind: 'k0s' }
  | { readonly kind: 'crd'; readonly group: string }
  | { readonly kind: 'addon'; readonly name: string; readonly installed: boolean }
  | { readonly kind: 'template' }
  | { readonly kind: 'present' };

/** A catalog entry the fleet installs in a cluster, and the needs that made it. */
export interface Install {
  readonly entry: CatalogEntry;
  readonly because: readonly Requirement[];
}

export interface Resolution {
  readonly requirement: Requirement;
  readonly provider: Provider;
}

export interface Unresolved {
  readonly requirement: Requirement;
  /** Ways to meet it, each a sentence in the user's vocabulary. */
  readonly fixes: readonly string[];
}

export interface ClusterPlan {
  readonly cluster: string;
  readonly site: string;
  readonly management: boolean;
  readonly installs: readonly Install[];
  readonly resolved: readonly Resolution[];
  readonly unresolved: readonly Unresolved[];
  /** Secrets the user creates before the cluster (or its add-ons) start. */
  readonly secrets: readonly Requirement[];
}


/** What an add-on provides: as declared, else what the catalog knows of its chart. */
export function addonProvides(a: HelmChartAddon): readonly Capability[] {
  return a.provides ?? knownChart(a.chart)?.provides ?? [];
}

/** What an add-on needs: as declared, else what the catalog knows of its chart. */
export function addonNeeds(a: HelmChartAddon): readonly Capability[] {
  return a.needs ?? knownChart(a.chart)?.needs ?? [];
}

/** Resolves one cluster. */
export function resolveCluster(input: ClusterNeedsInput, catalog: readonly CatalogEntry[] = CATALOG): ClusterPlan {
  const installs = new Map<string, { entry: CatalogEntry; because: Requirement[] }>();
  const resolved: Resolution[] = [];
  const unresolved: Unresolved[] = [];
  const secrets: Requirement[] = [];
  const present = new Set(input.present);
  const template = new Set(input.templateBrings);
  const canInstall = input.mode !== 'external';

  const requirements: Requirement[] = [...input.requirements];
  for (const a of input.addons) {
    for (const n of addonNeeds(a)) requirements.push({ capability: n, by: `add-on ${a.name}`, why: `chart ${a.chart.name} needs it before it installs` });
  }

  const addonsByName = [...input.addons].sort((a, b) => cmp(a.name, b.name));
  // Catalog look-ups, once per entry and capability: a management cluster hosting thousands of control
  // planes has tens of thousands of needs, mostly the same few capabilities.
  const provides = new Map<CatalogEntry, readonly Capability[]>();
  const providesOf = (e: CatalogEntry): readonly Capability[] => provides.get(e) ?? provides.set(e, entryProvides(e)).get(e)!;
  const installers = new Map<Capability, CatalogEntry | undefined>();
  const installerFor = (cap: Capability): CatalogEntry | undefined => {
    if (!installers.has(cap)) installers.set(cap, installerOf(cap, catalog));
    return installers.get(cap);
  };
  const providerOf = (cap: Capability): Provider | undefined => {
    if (cap.startsWith('api:')) {
      const g = cap.slice(4);
      if (BUILTIN_GROUPS.has(g)) return { kind: 'kubernetes' };
      if (K0S_GROUPS.includes(g) && input.mode !== 'external') return { kind: 'k0s' };
      if (input.crdGroups.includes(g)) return { kind: 'crd', group: g };
    }
    const addon = addonsByName.find((a) => addonProvides(a).includes(cap));
    if (addon) return { kind: 'addon', name: addon.name, installed: false };
    for (const [, i] of [...installs].sort(([a], [b]) => cmp(a, b))) {
      if (providesOf(i.entry).includes(cap)) return { kind: 'addon', name: i.entry.id, installed: true };
    }
    const bundle = input.bundles.find((b) => b.provides.includes(cap));
    if (bundle) return { kind: 'addon', name: bundle.name, installed: false };
    if (template.has(cap)) return { kind: 'template' };
    if (present.has(cap)) return { kind: 'present' };
    // The pools the cluster's loadBalancer setting writes need MetalLB's or Cilium's API, resolved as objects' needs.
    if (cap === 'loadbalancer' && input.loadBalancer) return { kind: 'addon', name: input.loadBalancer.provider === 'metallb' ? 'metallb' : 'cilium', installed: input.loadBalancer.provider === 'metallb' };
    return undefined;
  };

  const install = (entry: CatalogEntry, r: Requirement) => {
    const had = installs.get(entry.id);
    if (had) {
      had.because.push(r);
      return;
    }
    installs.set(entry.id, { entry, because: [r] });
    for (const c of entry.charts) for (const n of c.needs ?? []) queue.push({ capability: n, by: `add-on ${c.name}`, why: `chart ${c.chart.name} needs it before it installs` });
    for (const n of entry.bundle?.needs ?? []) queue.push({ capability: n, by: `add-on ${entry.bundle!.name}`, why: 'it needs it before it installs' });
  };

  // kcm first on the management cluster: it brings cert-manager, so no second one is installed there.
  const kcmFirst = (r: Requirement) => (input.management && installerFor(r.capability)?.managementOnly ? 0 : 1);
  const queue: Requirement[] = [...requirements].sort((a, b) => kcmFirst(a) - kcmFirst(b) || cmp(a.capability, b.capability) || cmp(a.by, b.by));
  // A read index rather than queue.shift(), which moves every later element: quadratic over tens of thousands of needs.
  for (let next = 0; next < queue.length; next++) {
    const r = queue[next]!;
    if (r.capability.startsWith('secret:')) {
      if (!present.has(r.capability)) secrets.push(r);
      else resolved.push({ requirement: r, provider: { kind: 'present' } });
      continue;
    }
    const p = providerOf(r.capability);
    if (p) {
      resolved.push({ requirement: r, provider: p });
      if (p.kind === 'addon' && p.installed) installs.get(p.name)?.because.push(r);
      continue;
    }
    const entry = installerForNeed(r.capability, input, catalog);
    if (entry && canInstall && (!entry.managementOnly || input.management)) {
      install(entry, r);
      resolved.push({ requirement: r, provider: { kind: 'addon', name: entry.id, installed: true } });
      continue;
    }
    unresolved.push({ requirement: r, fixes: fixesFor(r.capability, input, entry) });
  }
  return {
    cluster: input.cluster,
    site: input.site,
    management: input.management,
    installs: [...installs.values()].map((i) => ({ entry: i.entry, because: i.because })),
    resolved,
    unresolved,
    secrets,
  };
}

function installerForNeed(cap: Capability, input: ClusterNeedsInput, catalog: readonly CatalogEntry[]): CatalogEntry | undefined {
  if (cap === 'storage:default') return input.storage === 'openebs-hostpath' ? catalog.find((e) => e.id === 'openebs-hostpath') : undefined;
  if (cap === 'loadbalancer') return undefined;
  return installerOf(cap, catalog);
}

function fixesFor(cap: Capability, input: ClusterNeedsInput, entry: CatalogEntry | undefined): string[] {
  const where = `sites[${input.site}]${input.mode === 'external' ? '' : `.clusters[${input.cluster}]`}`;
  const external = input.mode === 'external' ? ` (the fleet does not bootstrap cluster '${input.cluster}', so it cannot install add-ons there: give it a controlPlane, or declare what it has)` : '';
  if (cap.startsWith('api:')) {
    const g = cap.slice(4);
    return [
      ...(entry ? [`let the fleet install ${entry.title}${external}`] : [`add an add-on whose chart provides it: addons: [{ ..., provides: ['${cap}'] }]`]),
      ...(entry ? [`declare it installed: ${where}.present.addons: ['${entry.id}']`] : []),
      `declare the API group present: ${where}.present.apiGroups: ['${g}']`,
    ];
  }
  if (cap === 'storage:default') {
    return [
      `declare the default StorageClass: ${where}.present.storageClasses: [{ name: <class>, default: true }]`,
      input.storage === 'none' ? `let the fleet install OpenEBS Local PV hostpath: ${where}.storage: 'openebs-hostpath'${external}` : `give the cluster a controlPlane so the fleet can install OpenEBS Local PV hostpath${external}`,
      'name an existing StorageClass in the claim (storageClassName)',
    ];
  }
  if (cap.startsWith('storageclass:')) {
    const sc = cap.slice('storageclass:'.length);
    return [`declare it present: ${where}.present.storageClasses: [{ name: ${sc} }]`, 'claim another StorageClass, or none to use the default one'];
  }
  if (cap === 'loadbalancer') {
    return [
      `let the fleet install one: ${where}.loadBalancer: { provider: 'metallb', addresses: ['<first>-<last>'] } (or provider 'cilium' on a Cilium mesh member)`,
      `declare one present (a cloud CCM, a hardware balancer): ${where}.present.loadBalancer: true`,
      'expose the Service as NodePort instead',
    ];
  }
  return [`declare it present: ${where}.present`];
}

/**
 * Install order among a cluster's add-ons: each add-on after those that provide the API groups it
 * needs (k0s Helm `order`; kcm `dependsOn`). Returns the order each add-on gets: its own, raised past its
 * providers'. Cycles are reported by `addonCycles`.
 */
export function derivedOrders(addons: readonly HelmChartAddon[]): Map<string, number> {
  const byName = new Map(addons.map((a) => [a.name, a] as const));
  const deps = addonDependencies(addons);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const orderOf = (name: string): number => {
    const m = memo.get(name);
    if (m !== undefined) return m;
    const a = byName.get(name)!;
    if (visiting.has(name)) return a.order ?? 100;
    visiting.add(name);
    let o = a.order ?? 100;
    for (const d of deps.get(name) ?? []) o = Math.max(o, orderOf(d) + 1);
    visiting.delete(name);
    memo.set(name, o);
    return o;
  };
  for (const a of addons) orderOf(a.name);
  return memo;
}

/** For each add-on, the add-ons of the same cluster that provide what it needs (sorted names). */
export function addonDependencies(addons: readonly HelmChartAddon[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of addons) {
    const deps = new Set<string>();
    for (const n of addonNeeds(a)) {
      for (const b of addons) if (b.name !== a.name && addonProvides(b).includes(n)) deps.add(b.name);
    }
    // KServe's controller chart needs its CRD chart first; the catalog lists them as a pair.
    out.set(a.name, [...deps].sort(cmp));
  }
  return out;
}
