import type { Capability } from '../readiness/capability';

/**
 * A Helm chart to install into a cluster, as plain data. One abstraction, two deliveries:
 * k0rdent ServiceTemplate + MultiClusterService / ClusterDeployment service spec for k0rdent-managed
 * clusters, and k0s Helm extensions / `Chart` objects for k0sctl-bootstrapped clusters.
 * Producers (GPU operator stacks, Cilium, Flower) return these; the cluster layer delivers them.
 */
export interface HelmChartAddon {
  /** Release name (DNS-1123 label, at most 53 characters). */
  readonly name: string;
  /** Namespace the release is installed into. */
  readonly namespace: string;
  /** The chart. */
  readonly chart: {
    /** Repository URL: `https://…` for a classic Helm repository or `oci://…` for an OCI registry. */
    readonly repo: string;
    /** Chart name in that repository. */
    readonly name: string;
    /** Exact chart version. */
    readonly version: string;
  };
  /** Helm values (plain data). */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * Install order among the add-ons of one cluster, ascending (CNI before operators).
   * @default 100
   */
  readonly order?: number;
  /**
   * What the chart brings to its cluster (`api:keda.sh`, `storage:default`, `loadbalancer`, ...): the
   * resolver counts these when it looks for what objects need.
   * @default - what the add-on catalog knows of this chart, else nothing
   */
  readonly provides?: readonly Capability[];
  /**
   * What the chart needs in its cluster before it installs (`api:cert-manager.io` for KServe and the AMD
   * operator). `api:` needs order the add-on after its provider; others only have to be met.
   * @default - what the add-on catalog knows of this chart, else nothing
   */
  readonly needs?: readonly Capability[];
  /**
   * Helm values read when the chart installs from a ConfigMap or Secret in the management namespace
   * (the k0rdent service's `valuesFrom`): how values that must never be written into the output (keys,
   * CA material) reach a chart. Only k0rdent-managed clusters take it: k0s Helm extensions and `Chart`
   * objects carry inline values only.
   * @default - none
   */
  readonly valuesFrom?: readonly ValuesSource[];
  /**
   * Paths in `values` (`auth.tokenTTL`, `env[0].value`) known not to be secrets: the secret check
   * (lib/model/secrets.ts) does not judge them by field name or by randomness. Private keys and
   * well-known token formats are refused anyway.
   * @default - every value is checked
   */
  readonly notSecret?: readonly string[];
}

/** A ConfigMap or Secret, in the management namespace, holding Helm values (YAML) under any key. */
export interface ValuesSource {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
}
