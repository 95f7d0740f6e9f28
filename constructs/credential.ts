import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError, fromZodIssues, inConstruct } from '../lib/model/errors';
import { credentialSchema, inlineSecretIssues, type CredentialSpec } from '../lib/model/cluster';
import { KCM_API_VERSION } from '../lib/kcm/objects';
import { Fleet } from './fleet';

/** Properties of a {@link Credential}. */
export type CredentialProps = Omit<CredentialSpec, 'name'> & {
  /**
   * Object name.
   * @default - the construct id
   */
  readonly name?: string;
};

/**
 * A k0rdent `Credential` in the management namespace: a *reference* to an identity object that
 * already exists in the management cluster (a CAPI identity such as `AWSClusterStaticIdentity`, or a
 * `Secret` holding an SSH key under `value`). The secret material is never written by this library;
 * supply it as an existing Secret or an ExternalSecret (see docs/clusters.md).
 */
export class Credential extends Construct {
  public readonly name: string;
  public readonly identityRef: { readonly apiVersion?: string; readonly kind: string; readonly name: string; readonly namespace?: string };
  public readonly spec: CredentialSpec;

  /**
   * Names kcm derives from the identity when it propagates credentials (k0rdent/kcm#1994): the
   * ConfigMap `<identity>-resource-template` (annotated `projectsveltos.io/template: "true"`) and,
   * for identities that are not Secrets, the Secret `<identity>-secret`, both in the identity's
   * namespace. Create them under exactly these names.
   */
  public get sideObjectNames(): { readonly resourceTemplate: string; readonly secret?: string } {
    return {
      resourceTemplate: `${this.identityRef.name}-resource-template`,
      ...(this.identityRef.kind !== 'Secret' ? { secret: `${this.identityRef.name}-secret` } : {}),
    };
  }

  constructor(scope: Construct, id: string, props: CredentialProps) {
    super(scope, id);
    const objectName = props.name ?? id;
    const fleet = Fleet.of(this);
    const { name: _n, ...rest } = props;
    const spec = { name: objectName, ...rest } as CredentialSpec;
    const parsed = credentialSchema.safeParse(spec);
    const issues = parsed.success ? [] : fromZodIssues(spec, parsed.error.issues, credentialSchema);
    issues.push(...inlineSecretIssues(spec, ''));
    if (issues.length > 0) throw new ValidationError(inConstruct(this.node.path, issues), `invalid credential '${objectName}'`);
    this.name = objectName;
    this.spec = spec;
    this.identityRef = { ...props.identityRef };
    new ApiObject(fleet.management, `credential-${objectName}`, {
      apiVersion: KCM_API_VERSION,
      kind: 'Credential',
      metadata: { name: objectName, namespace: fleet.managementNamespace, labels: fleet.commonLabels() },
      spec: {
        identityRef: { ...props.identityRef, namespace: props.identityRef.namespace ?? fleet.managementNamespace },
        ...(props.description !== undefined ? { description: props.description } : {}),
        ...(props.region !== undefined ? { region: props.region } : {}),
      },
    });
  }
}
