import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { ValidationError, inConstruct, type ValidationIssue } from '../lib/model/errors';
import { validateFleet, type FleetModel, type FleetSpec, type SiteSpec } from '../lib/model/fleet';
import { LABELS, MANAGED_BY, SYSTEM_NAMESPACE } from '../lib/model/labels';
import type { AuxFile, K8sObject, PlacedObject, Target } from '../lib/synth/objects';
import { targetFolder } from '../lib/synth/objects';
import { renderTree, type FileTree } from '../lib/synth/render';
import { writeTreeAtomically } from '../lib/synth/writer';
import type { WorkloadSpec } from '../lib/model/workload';
import { place } from '../lib/placement/place';
import { placementFiles, readPreviousPlacement } from '../lib/placement/report';
import type { Placement, PlaceOptions } from '../lib/placement/types';
import { FolderChart, ManagementChart, OutputFile } from './folder-chart';
import { Site, type SiteProps } from './site';

/** Properties of a {@link Fleet}. */
export interface FleetProps {
  /**
   * Name of the site that hosts the management cluster (k0rdent, k0smotron, Cluster API).
   */
  readonly managementSite: string;
  /**
   * Fleet name, used in labels.
   * @default 'fleet'
   */
  readonly name?: string;
  /**
   * Namespace of the k0rdent objects in the management cluster.
   * @default 'kcm-system'
   */
  readonly managementNamespace?: string;
}

/** Options of {@link Fleet.synth}. */
export interface FleetSynthOptions {
  /**
   * Output folder. Only the entries the library owns in it (`management/`, `sites/`, reports) are replaced.
   * @default 'dist'
   */
  readonly outdir?: string;
  /**
   * A loaded HiGHS runtime (`await loadHighs()`) for the exact placement of workloads.
   * @default - the greedy placement (status `heuristic`)
   */
  readonly highs?: PlaceOptions['highs'];
}

/** Options of {@link Fleet.toTree} and {@link Fleet.placement}. */
export interface FleetPlacementOptions {
  /**
   * The previous placement, for churn (synth reads it from `<outdir>/placement.json`).
   * @default - none
   */
  readonly previous?: PlaceOptions['previous'];
  /**
   * A loaded HiGHS runtime for the exact placement.
   * @default - the greedy placement
   */
  readonly highs?: PlaceOptions['highs'];
  /**
   * Time limit of each MIP stage in seconds.
   * @default 10
   */
  readonly timeLimitSec?: number;
}

/** What a synth wrote. */
export interface FleetSynthResult {
  /** Absolute output folder. */
  readonly outdir: string;
  /** Number of files written. */
  readonly files: number;
  /** Folders that received a kustomization.yaml (relative to outdir). */
  readonly folders: readonly string[];
}

const FLEET_SYMBOL = Symbol.for('cdk8s-k0smos.Fleet');

/**
 * The root of a fleet: sites, their clusters, and the management plane. `synth()` validates the whole
 * fleet, then writes one folder per place that objects are applied to, in one pass and atomically.
 */
export class Fleet extends Construct {
  /** Builds a fleet from plain data (a TypeScript literal or a parsed fleet.yaml), reporting every problem at once. */
  public static fromSpec(scope: Construct, id: string, spec: unknown): Fleet {
    const result = validateFleet(spec);
    if (!result.ok) throw new ValidationError(inConstruct(`${scope.node.path ? scope.node.path + '/' : ''}${id}`, result.issues));
    const s = spec as FleetSpec;
    const fleet = new Fleet(scope, id, {
      managementSite: s.management.site,
      ...(s.name !== undefined ? { name: s.name } : {}),
      ...(s.management.namespace !== undefined ? { managementNamespace: s.management.namespace } : {}),
    });
    for (const site of s.sites) {
      const { name, ...props } = site;
      fleet.addSite(name, props as SiteProps);
    }
    for (const w of s.workloads ?? []) fleet.addWorkload(w);
    return fleet;
  }

  /** The fleet a construct belongs to. */
  public static of(c: IConstruct): Fleet {
    for (let s: IConstruct | undefined = c; s; s = s.node.scope) {
      if (Fleet.isFleet(s)) return s;
    }
    throw new Error(`${c.node.path}: must be created inside a Fleet (new Fleet(app, 'fleet', {...}), then add sites to it)`);
  }

  public static isFleet(x: unknown): x is Fleet {
    return typeof x === 'object' && x !== null && FLEET_SYMBOL in x;
  }

  /** Fleet name. */
  public readonly name: string;
  /** Name of the site hosting the management cluster. */
  public readonly managementSite: string;
  /** Namespace of k0rdent objects in the management cluster. */
  public readonly managementNamespace: string;
  /** Objects applied to the management cluster; written to `management/`. */
  public readonly management: ManagementChart;
  private readonly workloadSpecs: WorkloadSpec[] = [];

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    Object.defineProperty(this, FLEET_SYMBOL, { value: true });
    this.name = props.name ?? 'fleet';
    this.managementSite = props.managementSite;
    this.managementNamespace = props.managementNamespace ?? 'kcm-system';
    this.management = new ManagementChart(this, 'management');
    new ApiObject(this.management, 'namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: SYSTEM_NAMESPACE, labels: this.commonLabels() },
    });
  }

  /** Labels every object of this fleet carries. */
  public commonLabels(): Record<string, string> {
    return { [LABELS.managedBy]: MANAGED_BY, [LABELS.fleet]: this.name };
  }

  /** Adds a site. Refuses a second site of the same name. */
  public addSite(name: string, props: SiteProps): Site {
    if (this.node.tryFindChild(name)) throw new Error(`${this.node.path}: a site named '${name}' exists already; site names must be unique`);
    return new Site(this, name, props);
  }

  /** Adds a workload for the placement solver (placed at synth). Refuses a second workload of the same name. */
  public addWorkload(spec: WorkloadSpec): void {
    if (this.workloadSpecs.some((w) => w.name === spec.name)) throw new Error(`${this.node.path}: a workload named '${spec.name}' exists already; workload names must be unique`);
    this.workloadSpecs.push(spec);
  }

  /** The site of that name. */
  public site(name: string): Site {
    const s = this.sites.find((x) => x.name === name);
    if (!s) throw new Error(`${this.node.path}: no site named '${name}' (sites: ${this.sites.map((x) => x.name).join(', ')})`);
    return s;
  }

  /** Every site, sorted by name. */
  public get sites(): Site[] {
    return this.node.children.filter((c): c is Site => c instanceof Site).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The fleet as plain data, assembled from its sites. */
  public toSpec(): FleetSpec {
    return {
      name: this.name,
      management: { site: this.managementSite, namespace: this.managementNamespace },
      sites: this.sites.map((s) => s.spec as SiteSpec),
      ...(this.workloadSpecs.length > 0 ? { workloads: [...this.workloadSpecs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) } : {}),
    };
  }

  /**
   * Validates the whole fleet (the model's rules across sites and every construct's own validations)
   * and returns the resolved model. Throws a `ValidationError` listing every problem.
   */
  public resolve(): FleetModel {
    const issues: ValidationIssue[] = [];
    const result = validateFleet(this.toSpec());
    if (!result.ok) issues.push(...inConstruct(this.node.path, result.issues));
    for (const c of this.node.findAll()) {
      for (const message of c.node.validate()) issues.push({ path: c.node.path, message });
    }
    if (issues.length > 0 || !result.ok) throw new ValidationError(issues);
    return result.fleet;
  }

  /** Places the fleet's workloads (validating the fleet first). */
  public placement(options: FleetPlacementOptions = {}): Placement {
    const model = this.resolve();
    return place(model, model.workloads, options);
  }

  /** Renders the fleet into file contents without writing anything. Workloads, if any, add `placement.json` and `PLACEMENT.md`. */
  public toTree(options: FleetPlacementOptions = {}): FileTree {
    const model = this.resolve();
    const objects: PlacedObject[] = [];
    const files: AuxFile[] = [];
    const targets: Target[] = [];
    for (const c of this.node.findAll()) {
      if (FolderChart.isFolderChart(c)) {
        const chart: FolderChart = c;
        if (FolderChart.find(chart.node.scope!) === undefined) targets.push(chart.target);
        continue;
      }
      if (c instanceof ApiObject) {
        const chart = FolderChart.find(c);
        if (!chart) throw new ValidationError([{ path: c.node.path, message: 'object is not in a site cluster or the management plane; create it in site.cluster() or fleet.management' }]);
        objects.push({ target: chart.target, object: c.toJson() as K8sObject, source: c.node.path });
      } else if (c instanceof OutputFile) {
        const chart = FolderChart.find(c);
        if (!chart) throw new ValidationError([{ path: c.node.path, message: 'file is not in a site cluster or the management plane' }]);
        files.push({ path: `${targetFolder(chart.target)}/${c.fileName}`, content: c.content, source: c.node.path });
      }
    }
    if (model.workloads.length > 0) files.push(...placementFiles(place(model, model.workloads, options), this.node.path));
    return renderTree({ targets, objects, files });
  }

  /** Validates, renders and writes the fleet atomically to `outdir`. */
  public synth(options: FleetSynthOptions = {}): FleetSynthResult {
    const outdir = options.outdir ?? 'dist';
    const previousFile = path.join(outdir, 'placement.json');
    const previous = fs.existsSync(previousFile) ? readPreviousPlacement(fs.readFileSync(previousFile, 'utf8')).previous : undefined;
    const tree = this.toTree({ ...(previous ? { previous } : {}), ...(options.highs ? { highs: options.highs } : {}) });
    writeTreeAtomically(outdir, tree);
    const folders = [...tree.keys()].filter((p) => p.endsWith('/kustomization.yaml')).map((p) => p.slice(0, -'/kustomization.yaml'.length));
    return { outdir: path.resolve(outdir), files: tree.size, folders };
  }
}
