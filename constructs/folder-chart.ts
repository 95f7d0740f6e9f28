import { Chart, type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Target } from '../lib/synth/objects';

/**
 * A cdk8s chart whose objects are applied to one place: the management cluster or one cluster at a site.
 * Anything added under it (cdk8s `ApiObject`s, cdk8s-plus constructs) is written to that place's folder.
 */
const FOLDER_CHART = Symbol.for('cdk8s-k0smos.FolderChart');

export abstract class FolderChart extends Chart {
  /**
   * True for charts whose objects the fleet writer collects. (`instanceof` cannot tell: cdk8s's Chart
   * answers `instanceof` for every chart, subclasses included.)
   */
  public static isFolderChart(x: unknown): x is FolderChart {
    return typeof x === 'object' && x !== null && FOLDER_CHART in x;
  }

  /** Where the objects of this chart are applied. */
  public abstract readonly target: Target;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, FOLDER_CHART, { value: true });
  }

  /**
   * Names objects that come without one (cdk8s-plus constructs, plain ApiObjects) from the user's construct
   * ids below this chart, joined with '-' ('web', 'web-service'), never from a hash of the construct path.
   * Two objects that end up with one name are reported by the writer with both sources.
   */
  public override generateObjectName(apiObject: ApiObject): string {
    const ids: string[] = [];
    for (let s: Construct | undefined = apiObject; s && s !== this; s = s.node.scope) ids.unshift(s.node.id);
    const kept = ids.filter((id) => id !== 'Resource' && id !== 'Default');
    const name = kept
      .join('-')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '');
    return /^[a-z]/.test(name) ? name : `o-${name || 'object'}`.slice(0, 63).replace(/-+$/, '');
  }

  /** The nearest folder chart above `c` (or `c` itself), or undefined. */
  public static find(c: Construct): FolderChart | undefined {
    for (let s: Construct | undefined = c; s; s = s.node.scope) {
      if (FolderChart.isFolderChart(s)) return s;
    }
    return undefined;
  }
}

/**
 * The fleet-wide objects applied to the management cluster (templates, credentials, chart sources,
 * multi-cluster services, regions, the IP plan). Written to `management/fleet/`.
 */
export class ManagementChart extends FolderChart {
  public readonly target: Target = { kind: 'management' };
}

/** Properties of a {@link ManagementClusterChart}. */
export interface ManagementClusterChartProps {
  /** Name of the managed cluster (unique in the fleet). */
  readonly cluster: string;
}

/**
 * The objects the management cluster holds for one managed cluster (its Cluster API and k0smotron
 * objects or its ClusterDeployment, its inventory entry). Written to `management/clusters/<cluster>/`.
 */
export class ManagementClusterChart extends FolderChart {
  public readonly target: Target;
  /** Name of the managed cluster. */
  public readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ManagementClusterChartProps) {
    super(scope, id);
    this.clusterName = props.cluster;
    this.target = { kind: 'management-cluster', cluster: props.cluster };
  }
}

/** Properties of a {@link ClusterChart}. */
export interface ClusterChartProps {
  /** Name of the site the cluster runs at. */
  readonly site: string;
  /** Name of the cluster (unique in the fleet). */
  readonly cluster: string;
}

/** The objects GitOps applies inside one cluster. Written to `sites/<site>/<cluster>/` (`infra/` and `apps/`). */
export class ClusterChart extends FolderChart {
  public readonly target: Target;
  /** Name of the site. */
  public readonly siteName: string;
  /** Name of the cluster. */
  public readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ClusterChartProps) {
    super(scope, id);
    this.siteName = props.site;
    this.clusterName = props.cluster;
    this.target = { kind: 'cluster', site: props.site, cluster: props.cluster };
  }
}

/** Properties of an {@link OutputFile}. */
export interface OutputFileProps {
  /** File name relative to the folder of the chart it is in, e.g. `k0sctl.yaml`. */
  readonly fileName: string;
  /** File content, or a function producing it when the tree is rendered (for content that later additions change). */
  readonly content: string | (() => string);
}

/**
 * A file that is not a Kubernetes object (a k0sctl config, a report), written at the top of the chart's
 * folder (beside its `infra/` and `apps/`) and listed in no `kustomization.yaml`.
 */
export class OutputFile extends Construct {
  public readonly fileName: string;
  private readonly produce: () => string;
  constructor(scope: Construct, id: string, props: OutputFileProps) {
    super(scope, id);
    this.fileName = props.fileName;
    const content = props.content;
    this.produce = typeof content === 'string' ? () => content : content;
  }

  /** The file content. */
  public get content(): string {
    return this.produce();
  }
}
