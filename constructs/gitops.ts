import { Construct } from 'constructs';
import { buildDelivery, DEFAULT_FLUX_SHARDS, unitFolder, type DeliveryInput, type DeliveryOutput, type EngineKind } from '../lib/gitops/engines';
import { ValidationError, type ValidationIssue } from '../lib/model/errors';
import { rolloutSupport, type StageCarrier } from '../lib/gitops/support';
import type { RolloutBase } from '../lib/rollout/base';
import { rolloutReport } from '../lib/rollout/report';
import type { ResolvedStage } from '../lib/rollout/stages';
import type { AuxFile, PlacedObject } from '../lib/synth/objects';
import { Fleet } from './fleet';
import { Rollout, type StageSpec } from './rollout';
import type { GitOpsSpec } from '../lib/model/gitops';

/** Flux options. */
export interface FluxDeliveryOptions {
  /**
   * `push`: Kustomizations in the management cluster apply each folder through the cluster's kubeconfig
   * Secret (hub and spoke). `pull`: each cluster runs its own Flux and applies its own folder.
   * @default 'push'
   */
  readonly mode?: 'push' | 'pull';
  /**
   * Namespace of the Kustomizations and sources: in push mode on the management cluster, where kcm's Flux
   * runs in the management namespace; in pull mode in each cluster's own Flux.
   * @default - the fleet's management namespace (kcm-system) in push mode; 'flux-system' in pull mode
   */
  readonly namespace?: string;
  /** Reconcile interval of sources and Kustomizations. @default '10m' */
  readonly interval?: string;
  /**
   * Push mode: how many shard folders (`management/flux/<shard>/`) hold the Kustomizations of the
   * clusters' management folders, one Kustomization per shard in `management/fleet/`. A cluster's shard
   * is FNV-1a of its name modulo this count: adding clusters never moves another; changing the count
   * moves most. Keep a shard at a few hundred objects: about clusters / shards x 2.
   * @default 128
   */
  readonly shards?: number;
}

/** Argo CD options. */
export interface ArgoCdDeliveryOptions {
  /** @default 'argocd' */
  readonly namespace?: string;
  /** @default 'default' */
  readonly project?: string;
}

/** k0rdent options. */
export interface K0rdentDeliveryOptions {
  /**
   * What delivers the folders kcm cannot (the management folders, clusters not deployed by k0rdent).
   * @default Delivery.flux()
   */
  readonly others?: Delivery;
  /**
   * Compile the rollout to one Sveltos `ClusterPromotion` over the folders of the clusters kcm deploys
   * (soak, health gates, windows and manual approval included), reading the Git tag `revision`: tag the
   * commit, then bump `revision` to roll it out stage by stage. Needs Sveltos v1.14 (kcm bundles v1.12).
   * @default - one MultiClusterService per cluster, following its stage's branch
   */
  readonly promotion?: { readonly revision: string };
}

/** Which GitOps engine delivers the fleet's folders. */
export class Delivery {
  /** Flux Kustomizations (`infra` then `apps` per cluster, dependsOn, kubeConfig from the CAPI Secret). */
  public static flux(options: FluxDeliveryOptions = {}): Delivery {
    return new Delivery('flux', options, {}, undefined, undefined);
  }
  /** One Argo CD ApplicationSet over per-folder cluster.json files, ordered by RollingSync steps. */
  public static argoCd(options: ArgoCdDeliveryOptions = {}): Delivery {
    return new Delivery('argocd', {}, options, undefined, undefined);
  }
  /** k0rdent ServiceTemplates (kustomize source per folder) attached by a MultiClusterService per cluster. */
  public static k0rdent(options: K0rdentDeliveryOptions = {}): Delivery {
    return new Delivery('k0rdent', options.others?.flux ?? {}, options.others?.argo ?? {}, options.others ?? Delivery.flux(), options.promotion);
  }
  private constructor(
    public readonly engine: EngineKind,
    public readonly flux: FluxDeliveryOptions,
    public readonly argo: ArgoCdDeliveryOptions,
    public readonly others: Delivery | undefined,
    public readonly promotion: { readonly revision: string } | undefined,
  ) {}
}

/** Properties of {@link GitOps}. */
export interface GitOpsProps {
  /** The repository the output folder is pushed to. */
  readonly repository: {
    readonly url: string;
    /** @default 'main' */
    readonly branch?: string;
    /** Folder of the output inside the repository. @default '' (the root) */
    readonly path?: string;
  };
  readonly delivery: Delivery;
  /**
   * Rollout stages. Flux and k0rdent follow one branch per stage (promotion moves it); Argo CD orders its
   * RollingSync steps by stage.
   * @default - every folder follows the branch at once
   */
  readonly rollout?: Rollout;
  /**
   * The branch a stage follows under Flux and k0rdent.
   * @default - `rollout/<stage>`
   */
  readonly stageBranchPrefix?: string;
}

/**
 * The GitOps wiring of the fleet: every folder the fleet writes delivered exactly once, to its cluster,
 * each cluster's `infra/` before its `apps/`. The wiring objects go to `management/fleet/`; GITOPS.md
 * lists who delivers what and the steps done by hand; with a rollout, ROLLOUT.md and rollout.json.
 */
export class GitOps extends Construct {
  private readonly fleet: Fleet;
  private readonly props: GitOpsProps;

  constructor(scope: Construct, id: string, props: GitOpsProps) {
    super(scope, id);
    this.fleet = Fleet.of(scope);
    this.props = props;
    const existing = this.fleet.node.findAll().filter((c) => c instanceof GitOps && c !== this);
    if (existing.length > 0) throw new Error(`${this.node.path}: the fleet has GitOps wiring already (${existing[0]!.node.path}); a fleet has one, so that each folder is delivered once`);
    this.node.addValidation({ validate: () => this.problems() });
    this.fleet.addOutputRenderer(() => {
      const out = this.delivery();
      const objects: PlacedObject[] = out.objects.map((object) => ({ target: out.targets.get(object) ?? { kind: 'management' }, object, source: this.node.path }));
      const files: AuxFile[] = out.files.map((f) => ({ ...f, source: this.node.path }));
      return { objects, files };
    });
    this.fleet.addTreeReporter((tree, context) => this.reports(tree, context.rolloutBase));
  }

  private problems(): string[] {
    const out: string[] = [];
    const r = this.props.repository;
    if (!/^(https?|ssh):\/\/\S+$|^git@\S+:\S+$/.test(r.url)) out.push(`repository.url: '${r.url}' is not a Git URL; give https://…, ssh://… or git@host:org/repo`);
    if (r.path !== undefined && (r.path.startsWith('/') || r.path.endsWith('/') || r.path.split('/').some((s) => s === '..' || s === '.'))) out.push(`repository.path: '${r.path}' must be relative, without a leading or trailing '/'`);
    const d = this.props.delivery;
    if (d.engine === 'k0rdent' && d.others?.engine === 'k0rdent') out.push(`delivery: Delivery.k0rdent({ others }) needs Flux or Argo CD for the management folders (kcm cannot deliver its own objects); got k0rdent`);
    if (d.engine === 'k0rdent' && d.others?.engine === 'flux' && d.others.flux.mode === 'pull') out.push(`delivery: others: Flux pull mode cannot deliver the management folders; use push mode`);
    const shards = (d.engine === 'k0rdent' ? d.others?.flux : d.flux)?.shards;
    if (shards !== undefined && (!Number.isInteger(shards) || shards < 1 || shards > 4096)) out.push(`delivery: Flux shards: ${shards} is not a whole number from 1 to 4096; give the number of management/flux/<shard>/ folders (default ${DEFAULT_FLUX_SHARDS})`);
    if (d.promotion && !this.props.rollout) out.push(`delivery: promotion (a Sveltos ClusterPromotion) needs a rollout; give rollout: new Rollout(...), or leave promotion out`);
    if (d.promotion && !/^[A-Za-z0-9][A-Za-z0-9._\/-]*$/.test(d.promotion.revision)) out.push(`delivery: promotion.revision: '${d.promotion.revision}' is not a Git tag name; give the tag the rollout reads, e.g. 'release-42'`);
    if (this.props.rollout && out.length === 0) {
      try {
        const stages = this.props.rollout.stages();
        out.push(...this.support(stages).issues.map((i) => `${i.path.slice(this.node.path.length + 2)}: ${i.message}`));
      } catch {
        // The rollout reports its own problems.
      }
    }
    return out;
  }

  private stagesOrUndefined(): ResolvedStage[] | undefined {
    return this.props.rollout?.stages();
  }

  /** The delivery objects, files and table (plain data). */
  public delivery(): DeliveryOutput {
    const d = this.props.delivery;
    const fleet = this.fleet;
    const mgmt = fleet.managementClusters;
    const stages = this.stagesOrUndefined();
    const prefix = this.props.stageBranchPrefix ?? 'rollout/';
    const fluxOpts = d.engine === 'k0rdent' ? (d.others?.flux ?? {}) : d.flux;
    const argoOpts = d.engine === 'k0rdent' ? (d.others?.argo ?? {}) : d.argo;
    const input: DeliveryInput = {
      fleet: fleet.name,
      labels: fleet.commonLabels(),
      repo: { url: this.props.repository.url, branch: this.props.repository.branch ?? 'main', path: this.props.repository.path ?? '' },
      units: fleet.applyUnits(),
      clusters: fleet.clusters().map((c) => ({ name: c.name, site: c.siteName, mode: c.controlPlane?.mode ?? 'external', management: mgmt.length === 1 && mgmt[0] === c })),
      managementNamespace: fleet.managementNamespace,
      engine: d.engine,
      others: d.others?.engine === 'argocd' ? 'argocd' : 'flux',
      flux: {
        namespace: fluxOpts.namespace ?? fleet.managementNamespace,
        spokeNamespace: fluxOpts.namespace ?? 'flux-system',
        interval: fluxOpts.interval ?? '10m',
        mode: fluxOpts.mode ?? 'push',
        shards: fluxOpts.shards ?? DEFAULT_FLUX_SHARDS,
      },
      argocd: { namespace: argoOpts.namespace ?? 'argocd', project: argoOpts.project ?? 'default' },
      ...(stages
        ? {
            stages: stages.map((s) => ({
              name: s.name,
              clusters: s.clusters,
              soak: s.soak,
              healthGates: s.healthGates,
              ...(s.maxConcurrency !== undefined ? { maxConcurrency: s.maxConcurrency } : {}),
              ...(s.window ? { window: s.window } : {}),
              ...(s.approval ? { approval: s.approval } : {}),
            })),
          }
        : {}),
      ...(d.promotion ? { promotion: d.promotion } : {}),
      stageBranch: (s) => `${prefix}${s}`,
    };
    return buildDelivery(input);
  }

  private reports(tree: ReadonlyMap<string, string>, given: RolloutBase | undefined): AuxFile[] {
    const out = this.delivery();
    const engines = [...new Set(out.delivered.map((x) => x.engine))].sort();
    const md = [
      '# GitOps delivery',
      '',
      `Engines: ${engines.join(', ')}. Each folder below is applied once, to the cluster named, after the units it waits for (the objects named in the last column are in management/fleet unless it names another folder).`,
      '',
      '## Steps done by hand',
      '',
      ...out.manual.map((m) => `- ${m}`),
      '',
      '## Who delivers what',
      '',
      '| folder | engine | cluster | by |',
      '|---|---|---|---|',
      ...out.delivered.map((x) => `| ${x.unit} | ${x.engine} | ${x.cluster} | ${x.via} |`),
      '',
    ].join('\n');
    const files: AuxFile[] = [{ path: 'GITOPS.md', content: md, source: this.node.path }];
    const rollout = this.props.rollout;
    if (rollout) {
      const stages = rollout.stages();
      const folders = new Map<string, string[]>();
      for (const c of this.fleet.clusters()) folders.set(c.name, [`sites/${c.siteName}/${c.name}`, `management/clusters/${c.name}`]);
      const engineNotes = this.engineNotes(stages);
      if (given && rollout.base) throw new ValidationError([{ path: rollout.node.path, message: `base: given both as a prop ('${rollout.base.name}') and to synth ('${given.name}'); name one base` }]);
      const base = given ?? rollout.base;
      const r = rolloutReport({ stages, folders, tree, ...(base ? { base } : {}), engineNotes });
      files.push({ path: 'ROLLOUT.md', content: r.markdown, source: rollout.node.path }, { path: 'rollout.json', content: r.json, source: rollout.node.path });
    }
    return files;
  }

  /** What each engine in use does with the stages' features (notes), and what it cannot do (issues). */
  private support(stages: readonly ResolvedStage[]): { notes: string[]; issues: ValidationIssue[] } {
    const carriers = new Map<StageCarrier, Set<string>>();
    for (const x of this.delivery().delivered) {
      if (!x.unit.startsWith('sites/')) continue;
      const cluster = x.unit.split('/')[2]!;
      const carrier: StageCarrier = x.engine === 'argocd' ? 'argocd' : x.via.startsWith('ClusterPromotion') ? 'promotion' : 'branches';
      carriers.set(carrier, (carriers.get(carrier) ?? new Set()).add(cluster));
    }
    const prefix = this.props.stageBranchPrefix ?? 'rollout/';
    const d = this.props.delivery;
    const argo = d.engine === 'argocd' ? d.argo : d.others?.engine === 'argocd' ? d.others.argo : undefined;
    return rolloutSupport({
      carriers,
      stages,
      branch: this.props.repository.branch ?? 'main',
      stageBranch: (s) => `${prefix}${s}`,
      at: this.node.path,
      ...(argo?.project !== undefined ? { argoProjectGiven: argo.project } : {}),
    });
  }

  private engineNotes(stages: readonly ResolvedStage[]): string[] {
    const rollout = this.props.rollout!;
    return [...this.support(stages).notes, ...rollout.upgradeNotes(), `Stages: ${stages.map((s) => `${s.name} (${s.clusters.length})`).join(', ')}.`];
  }
}

/** The folder of a delivered unit (re-exported for tests and tools). */
export { unitFolder };

/** Builds the `gitops` section of fleet.yaml: the same GitOps and Rollout as in TypeScript. */
export function gitOpsFromSpec(fleet: Fleet, spec: GitOpsSpec): GitOps {
  const wrong = (['others', 'promotion'] as const).filter((k) => spec[k] !== undefined && spec.delivery !== 'k0rdent');
  if (wrong.length > 0) throw new ValidationError(wrong.map((k) => ({ path: `${fleet.node.path}: gitops.${k}`, message: `applies to delivery: k0rdent only; got delivery: ${spec.delivery}. Remove ${k}, or use delivery: k0rdent` })));
  const shards = spec.fluxShards !== undefined ? { shards: spec.fluxShards } : {};
  const others = spec.others === 'argocd' ? Delivery.argoCd() : Delivery.flux(shards);
  const delivery =
    spec.delivery === 'flux'
      ? Delivery.flux(shards)
      : spec.delivery === 'flux-pull'
        ? Delivery.flux({ mode: 'pull', ...shards })
        : spec.delivery === 'argocd'
          ? Delivery.argoCd()
          : Delivery.k0rdent({ others, ...(spec.promotion ? { promotion: spec.promotion } : {}) });
  const r = spec.rollout;
  const rollout = r
    ? new Rollout(fleet, 'rollout', { stages: r.stages as StageSpec[], ...(r.kubernetesUpgrades ? { kubernetesUpgrades: r.kubernetesUpgrades } : {}) })
    : undefined;
  return new GitOps(fleet, 'gitops', { repository: spec.repository, delivery, ...(rollout ? { rollout } : {}) });
}

Fleet.addSpecSection('gitops', (fleet, section) => gitOpsFromSpec(fleet, section as GitOpsSpec));
