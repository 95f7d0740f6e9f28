/**
 * The k0rdent (kcm v1.12.0-rc2) cluster templates this library knows: chart versions, what kind of
 * control plane each one builds, and which infrastructure it targets. kcm names a ClusterTemplate
 * `<chart>-<version with dots as dashes>`; users name templates by chart (`aws-hosted-cp`) and the
 * library writes the versioned name. The values schemas themselves are files, read at the edge
 * (lib/validate/template-values.ts).
 */
import type { Infrastructure } from './fleet';

export type TemplateFamily = 'hosted-cp' | 'standalone-cp' | 'remote' | 'managed' | 'adopted';

export interface ClusterTemplateInfo {
  /** Chart name, e.g. `aws-hosted-cp`. */
  readonly chart: string;
  readonly version: string;
  readonly family: TemplateFamily;
  /** Infrastructure this template provisions on; undefined for templates that do not provision machines by provider. */
  readonly infrastructure?: Infrastructure;
  /** True when the template runs k0s (has `k0s.*` and `clusterNetwork` values). */
  readonly k0s: boolean;
}

const T = (chart: string, version: string, family: TemplateFamily, infrastructure: Infrastructure | undefined, k0s: boolean): ClusterTemplateInfo => ({
  chart,
  version,
  family,
  ...(infrastructure ? { infrastructure } : {}),
  k0s,
});

/** Every cluster template of the kcm release, by chart name. */
export const CLUSTER_TEMPLATES: readonly ClusterTemplateInfo[] = [
  T('adopted-cluster', '1.0.2', 'adopted', undefined, false),
  T('aws-eks', '1.0.13', 'managed', 'aws', false),
  T('aws-hosted-cp', '1.0.45', 'hosted-cp', 'aws', true),
  T('aws-standalone-cp', '1.0.43', 'standalone-cp', 'aws', true),
  T('azure-aks', '1.0.10', 'managed', 'azure', false),
  T('azure-hosted-cp', '1.0.48', 'hosted-cp', 'azure', true),
  T('azure-standalone-cp', '1.0.45', 'standalone-cp', 'azure', true),
  T('docker-hosted-cp', '1.0.15', 'hosted-cp', undefined, true),
  T('gcp-gke', '1.0.15', 'managed', 'gcp', false),
  T('gcp-hosted-cp', '1.0.45', 'hosted-cp', 'gcp', true),
  T('gcp-standalone-cp', '1.0.43', 'standalone-cp', 'gcp', true),
  T('kubevirt-hosted-cp', '1.0.21', 'hosted-cp', 'kubevirt', true),
  T('kubevirt-standalone-cp', '1.0.23', 'standalone-cp', 'kubevirt', true),
  T('openstack-hosted-cp', '1.0.40', 'hosted-cp', 'openstack', true),
  T('openstack-standalone-cp', '1.0.46', 'standalone-cp', 'openstack', true),
  T('remote-cluster', '1.0.38', 'remote', undefined, true),
  T('vsphere-hosted-cp', '1.0.44', 'hosted-cp', 'vsphere', true),
  T('vsphere-standalone-cp', '1.0.42', 'standalone-cp', 'vsphere', true),
];

export function clusterTemplate(chart: string): ClusterTemplateInfo | undefined {
  return CLUSTER_TEMPLATES.find((t) => t.chart === chart);
}

export function clusterTemplateNames(): string[] {
  return CLUSTER_TEMPLATES.map((t) => t.chart);
}

/** The ClusterTemplate object name kcm installs for a chart: `remote-cluster-1-0-38`. */
export function clusterTemplateObjectName(t: ClusterTemplateInfo): string {
  return `${t.chart}-${t.version.replace(/\./g, '-')}`;
}

/**
 * The template a k0rdent-managed cluster gets when it names none: machines reached over SSH use
 * `remote-cluster`; cloud and virtualisation sites use their provider's hosted control plane.
 */
export function defaultTemplateFor(infrastructure: Infrastructure): string {
  return infrastructure === 'bare-metal' || infrastructure === 'edge' ? 'remote-cluster' : `${infrastructure}-hosted-cp`;
}
