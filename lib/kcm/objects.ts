/**
 * k0rdent (kcm, `k0rdent.mirantis.com/v1beta1`) and Flux objects, as plain data for the fields we set.
 * Checked against the upstream CRDs by the tests.
 */
import type { HelmChartAddon } from '../addons/addon';
import type { KustomizeBundle } from '../readiness/catalog';
import type { ClusterTemplateInfo } from '../model/cluster-templates';
import { mergeValues } from '../validate/template-values';
import { repositoryName } from '../k0s/cluster-config';
import { toYaml } from '../synth/serialize';
import type { K8sObject } from '../synth/objects';

export const KCM_API_VERSION = 'k0rdent.mirantis.com/v1beta1';
export const FLUX_SOURCE_API_VERSION = 'source.toolkit.fluxcd.io/v1';
/** The label kcm's trimmed Flux needs on every source it should reconcile. */
export const KCM_MANAGED_LABEL = 'k0rdent.mirantis.com/managed';

/** The ServiceTemplate name of a chart version (templates are immutable: a new version is a new name). */
export function serviceTemplateName(a: HelmChartAddon): string {
  return `${a.chart.name}-${a.chart.version}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 253);
}

/** The Flux HelmRepository a ServiceTemplate pulls its chart from. */
export function helmRepository(a: HelmChartAddon, namespace: string, labels: Readonly<Record<string, string>>): K8sObject {
  const oci = a.chart.repo.startsWith('oci://');
  return {
    apiVersion: FLUX_SOURCE_API_VERSION,
    kind: 'HelmRepository',
    // kcm's Flux source-controller only watches sources with this label (k0rdent docs, ksm-service-templates).
    metadata: { name: repositoryName(a.chart.repo), namespace, labels: { ...labels, [KCM_MANAGED_LABEL]: 'true' } },
    spec: { url: a.chart.repo, interval: '10m', ...(oci ? { type: 'oci' } : {}) },
  };
}

export function serviceTemplate(a: HelmChartAddon, namespace: string, labels: Readonly<Record<string, string>>): K8sObject {
  return {
    apiVersion: KCM_API_VERSION,
    kind: 'ServiceTemplate',
    metadata: { name: serviceTemplateName(a), namespace, labels: { ...labels } },
    spec: {
      helm: {
        chartSpec: {
          chart: a.chart.name,
          version: a.chart.version,
          interval: '10m',
          sourceRef: { kind: 'HelmRepository', name: repositoryName(a.chart.repo) },
        },
      },
    },
  };
}

/**
 * One entry of a `serviceSpec.services` list. `valuesFrom` names ConfigMaps or Secrets in the
 * ClusterDeployment's namespace whose data kcm passes to the chart as values (for values that must not
 * be written into the output, such as a CA key); `dependsOn` names the services that must be ready first.
 */
export function serviceEntry(a: HelmChartAddon, dependsOn: readonly { readonly name: string; readonly namespace: string }[] = []): Record<string, unknown> {
  const values = Object.keys(a.values).length > 0 ? { values: toYaml(a.values) } : {};
  const valuesFrom = a.valuesFrom && a.valuesFrom.length > 0 ? { valuesFrom: a.valuesFrom.map((v) => ({ kind: v.kind, name: v.name })) } : {};
  return {
    name: a.name,
    namespace: a.namespace,
    template: serviceTemplateName(a),
    ...values,
    ...valuesFrom,
    ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((d) => ({ name: d.name, namespace: d.namespace })) } : {}),
  };
}

export interface DeploymentConfigInput {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly k0sVersion: string;
  readonly k0sNetwork: Record<string, unknown>;
  readonly labels: Readonly<Record<string, string>>;
  readonly identity: { readonly kind: string; readonly name: string; readonly namespace?: string };
  /** k0s worker arguments of the cluster's one node pool (labels, taints); added to the user's. */
  readonly workerArgs?: readonly string[];
}

/**
 * The user's worker args, untouched, then the derived ones the user did not set: for `--labels` and
 * `--taints`, a flag of our own with only the keys the user's flags lack (k0s merges repeated
 * `--labels` and `--taints`); other derived flags only when the user did not give that flag. User
 * flags may be written `--flag=value`, `--flag value` or as two list items.
 */
export function joinArgs(user: unknown, derived: readonly string[]): string[] {
  const mine = Array.isArray(user) ? user.filter((a): a is string => typeof a === 'string') : [];
  // The user's values per flag, whichever way they are written.
  const given = new Map<string, string[]>();
  for (let i = 0; i < mine.length; i++) {
    const a = mine[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    const sp = a.indexOf(' ');
    let flag = a;
    let value: string | undefined;
    if (eq > 0 && (sp < 0 || eq < sp)) [flag, value] = [a.slice(0, eq), a.slice(eq + 1)];
    else if (sp > 0) [flag, value] = [a.slice(0, sp), a.slice(sp + 1).trim()];
    else if (i + 1 < mine.length && !mine[i + 1]!.startsWith('--')) value = mine[i + 1];
    given.set(flag, [...(given.get(flag) ?? []), ...(value !== undefined ? [value] : [])]);
  }
  const key = (item: string) => item.split(/[=:]/)[0]!;
  const out = [...mine];
  for (const d of derived) {
    const eq = d.indexOf('=');
    const flag = eq > 0 ? d.slice(0, eq) : d;
    const values = given.get(flag);
    if (values === undefined) {
      out.push(d);
      continue;
    }
    if (flag !== '--labels' && flag !== '--taints') continue;
    const keys = new Set(values.flatMap((v) => v.split(',')).filter((x) => x.length > 0).map(key));
    const add = d.slice(eq + 1).split(',').filter((x) => x.length > 0 && !keys.has(key(x)));
    if (add.length > 0) out.push(`${flag}=${add.join(',')}`);
  }
  return out;
}

/**
 * The ClusterDeployment config: the user's values (template field names) with what the fleet
 * derives laid over them: addresses from the IP plan, the k0s version and network, labels, and the
 * identity from the Credential (kcm#1115: an empty `clusterIdentity.name` passes dry run, then fails).
 */
export function deploymentConfig(t: ClusterTemplateInfo, user: Readonly<Record<string, unknown>>, d: DeploymentConfigInput): Record<string, unknown> {
  const derived: Record<string, unknown> = { clusterLabels: { ...d.labels } };
  if (t.chart !== 'adopted-cluster') {
    derived.clusterNetwork = { pods: { cidrBlocks: [d.podCIDR] }, services: { cidrBlocks: [d.serviceCIDR] } };
  }
  if (t.chart !== 'docker-hosted-cp') {
    const identity: Record<string, unknown> = { name: d.identity.name };
    if (t.chart.startsWith('aws-')) identity.kind = d.identity.kind;
    if (t.chart.startsWith('azure-') && t.family !== 'managed' && d.identity.namespace !== undefined) identity.namespace = d.identity.namespace;
    derived.clusterIdentity = identity;
  }
  if (t.k0s) {
    derived.k0s = { version: d.k0sVersion, ...(t.chart !== 'docker-hosted-cp' ? { network: d.k0sNetwork } : {}) };
  }
  const out = mergeValues(user, derived) as Record<string, unknown>;
  if (t.k0s && d.workerArgs && d.workerArgs.length > 0) {
    if (t.chart === 'remote-cluster') {
      // Each remote machine takes its own k0s worker args.
      const machines = Array.isArray(out.machines) ? (out.machines as Record<string, unknown>[]) : [];
      out.machines = machines.map((m) => {
        const k0s = (m.k0s ?? {}) as Record<string, unknown>;
        return { ...m, k0s: { ...k0s, args: joinArgs(k0s.args, d.workerArgs!) } };
      });
    } else {
      const k0s = (out.k0s ?? {}) as Record<string, unknown>;
      out.k0s = { ...k0s, workerArgs: joinArgs(k0s.workerArgs, d.workerArgs) };
    }
  }
  return out;
}

/** A kustomize bundle as kcm takes it: a ServiceTemplate whose source kcm fetches from Git itself. */
export function kustomizeServiceTemplate(b: KustomizeBundle, namespace: string, labels: Readonly<Record<string, string>>): K8sObject {
  return {
    apiVersion: KCM_API_VERSION,
    kind: 'ServiceTemplate',
    metadata: { name: bundleTemplateName(b), namespace, labels: { ...labels } },
    spec: {
      kustomize: {
        path: b.path,
        deploymentType: 'Remote',
        remoteSourceSpec: { git: { url: b.repo, ref: { tag: b.ref }, interval: '10m' } },
      },
    },
  };
}

/** The ServiceTemplate name of a kustomize bundle version. */
export function bundleTemplateName(b: KustomizeBundle): string {
  return `${b.name}-${b.ref}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 253);
}
