import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RegionSpec } from '../lib/model/cluster';
import { KCM_API_VERSION } from '../lib/kcm/objects';
import { Fleet } from './fleet';

/** Properties of a {@link Region}. */
export type RegionProps = Omit<RegionSpec, 'name'> & {
  /**
   * Object name.
   * @default - the construct id
   */
  readonly name?: string;
};

/**
 * A k0rdent `Region`: a regional management cluster that manages some sites' clusters. It is either
 * a k0rdent-managed cluster of this fleet (`cluster`) or a cluster whose kubeconfig is in a Secret
 * (`kubeconfigSecret`). Credentials with `region` set pin deployments to it.
 */
export class Region extends Construct {
  public readonly name: string;
  public readonly spec: RegionSpec;

  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const objectName = props.name ?? id;
    const fleet = Fleet.of(this);
    const { name: _n, ...rest } = props;
    this.name = objectName;
    this.spec = { name: objectName, ...rest };
    const target =
      props.cluster !== undefined
        ? { clusterDeployment: { name: props.cluster, namespace: fleet.managementNamespace } }
        : { kubeConfig: { name: props.kubeconfigSecret?.name ?? '', key: props.kubeconfigSecret?.key ?? 'value' } };
    new ApiObject(fleet.management, `region-${objectName}`, {
      apiVersion: KCM_API_VERSION,
      kind: 'Region',
      metadata: { name: objectName, labels: fleet.commonLabels() },
      spec: target,
    });
  }
}
