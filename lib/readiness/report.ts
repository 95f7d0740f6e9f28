/**
 * The readiness report written with the tree: READINESS.md for people, readiness.json for tools. Per
 * cluster: what it installs and in which order, what it assumes from its site (present declarations,
 * the template's CCM/CSI, Secrets to create), which needs each provider meets, and what is unresolved.
 * Pure: plain data in, file contents out.
 */
import type { Capability, Requirement } from './capability';
import type { ClusterPlan, Provider } from './resolve';

/** One add-on in a cluster's install order. */
export interface ReportAddon {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly order: number;
  readonly dependsOn: readonly string[];
  /** Why it is there: `installed by the fleet: <needs>` or `declared`. */
  readonly reason: string;
}

/** What the report says of one cluster besides the plan. */
export interface ReportCluster {
  readonly plan: ClusterPlan;
  readonly mode: string;
  /** How add-ons reach the cluster, in words. */
  readonly delivery: string;
  readonly addons: readonly ReportAddon[];
  readonly bundles: readonly { readonly name: string; readonly source: string; readonly reason: string }[];
  readonly present: readonly Capability[];
  readonly templateBrings: readonly Capability[];
  /** Extra lines (flows, reachability) other layers add, already sorted. */
  readonly notes?: readonly { readonly title: string; readonly lines: readonly string[] }[];
}

export interface ReadinessReport {
  readonly clusters: readonly ReportCluster[];
  /** Needs of management/ objects when no fleet cluster is the management cluster. */
  readonly orphanManagement: readonly Requirement[];
  /** Where hosted control planes run and what their hosting clusters have and use (a section of its own). */
  readonly hosting?: { readonly markdown: readonly string[]; readonly json: unknown };
}

function providerText(p: Provider): string {
  switch (p.kind) {
    case 'kubernetes':
      return 'Kubernetes';
    case 'k0s':
      return 'k0s';
    case 'crd':
      return `a CRD in the folder (${p.group})`;
    case 'addon':
      return p.installed ? `add-on ${p.name} (installed by the fleet)` : `add-on ${p.name}`;
    case 'template':
      return "the cluster template's cloud controller manager / CSI driver";
    case 'present':
      return 'declared present';
  }
}

/** readiness.json: stable keys and order. */
export function readinessJson(r: ReadinessReport): string {
  const data = {
    version: 1,
    ready: r.clusters.every((c) => c.plan.unresolved.length === 0) && r.orphanManagement.length === 0,
    clusters: r.clusters.map((c) => ({
      cluster: c.plan.cluster,
      site: c.plan.site,
      management: c.plan.management,
      controlPlane: c.mode,
      delivery: c.delivery,
      installs: c.addons.map((a) => ({ ...a, dependsOn: [...a.dependsOn] })),
      bundles: c.bundles.map((b) => ({ ...b })),
      assumes: {
        present: [...c.present],
        template: [...c.templateBrings],
        secrets: uniq(c.plan.secrets.map((s) => s.capability.slice('secret:'.length))),
      },
      needs: c.plan.resolved
        .filter((x) => x.provider.kind !== 'kubernetes')
        .map((x) => ({ capability: x.requirement.capability, by: x.requirement.by, why: x.requirement.why, metBy: providerText(x.provider) })),
      unresolved: c.plan.unresolved.map((u) => ({ capability: u.requirement.capability, by: u.requirement.by, why: u.requirement.why, fixes: [...u.fixes] })),
      notes: (c.notes ?? []).map((n) => ({ title: n.title, lines: [...n.lines] })),
    })),
    managementElsewhere: r.orphanManagement.map((x) => ({ capability: x.capability, by: x.by, why: x.why })),
    ...(r.hosting ? { hostedControlPlanes: r.hosting.json } : {}),
  };
  return JSON.stringify(data, null, 2) + '\n';
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}

/** READINESS.md. */
export function readinessMarkdown(r: ReadinessReport): string {
  const out: string[] = ['# Readiness', ''];
  const bad = r.clusters.filter((c) => c.plan.unresolved.length > 0);
  out.push(
    bad.length === 0 && r.orphanManagement.length === 0
      ? 'Every need of every object is met: by Kubernetes or k0s, by an add-on the cluster installs before GitOps applies its folder, or by what the site declares present. Create the Secrets listed under "Assumes" before bootstrapping.'
      : `Unresolved needs in ${bad.map((c) => c.plan.cluster).join(', ')}: see below.`,
    '',
  );
  for (const c of r.clusters) {
    const p = c.plan;
    out.push(`## ${p.cluster} (site ${p.site}${p.management ? ', management cluster' : ''})`, '');
    out.push(`Control plane: ${c.mode}. Add-ons are delivered ${c.delivery}.`, '');
    if (c.addons.length > 0 || c.bundles.length > 0) {
      out.push('### Installs, in order', '', '| order | release | chart | namespace | after | why |', '| --- | --- | --- | --- | --- | --- |');
      for (const a of c.addons) out.push(`| ${a.order} | ${a.name} | ${a.chart} ${a.version} | ${a.namespace} | ${a.dependsOn.join(', ') || '-'} | ${a.reason} |`);
      for (const b of c.bundles) out.push(`| - | ${b.name} | kustomize ${b.source} | - | - | ${b.reason} |`);
      out.push('');
    }
    const secrets = uniq(p.secrets.map((s) => s.capability.slice('secret:'.length)));
    if (c.present.length > 0 || c.templateBrings.length > 0 || secrets.length > 0) {
      out.push('### Assumes', '');
      for (const x of c.present) out.push(`- present (declared): \`${x}\``);
      for (const x of c.templateBrings) out.push(`- from the cluster template: \`${x}\``);
      for (const s of secrets) {
        const who = p.secrets.filter((x) => x.capability === `secret:${s}`).map((x) => `${x.by}: ${x.why}`);
        out.push(`- you create Secret \`${s}\` before bootstrap (${uniq(who).join('; ')})`);
      }
      out.push('');
    }
    const needs = p.resolved.filter((x) => x.provider.kind !== 'kubernetes');
    if (needs.length > 0) {
      out.push('### Needs and what meets them', '');
      const grouped = new Map<string, string[]>();
      for (const x of needs) {
        const k = `\`${x.requirement.capability}\` by ${providerText(x.provider)}`;
        // Appended in place: copying the list per need is quadratic on a management cluster with thousands of needs.
        const list = grouped.get(k);
        if (list) list.push(x.requirement.by);
        else grouped.set(k, [x.requirement.by]);
      }
      for (const [k, bys] of [...grouped].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out.push(`- ${k}: ${uniq(bys).join(', ')}`);
      out.push('');
    }
    for (const n of c.notes ?? []) {
      out.push(`### ${n.title}`, '', ...n.lines.map((l) => `- ${l}`), '');
    }
    if (p.unresolved.length > 0) {
      out.push('### Unresolved', '');
      for (const u of p.unresolved) out.push(`- \`${u.requirement.capability}\` for ${u.requirement.by} (${u.requirement.why}). Fix: ${u.fixes.join('; or ')}`);
      out.push('');
    }
  }
  if (r.hosting) out.push(...r.hosting.markdown);
  if (r.orphanManagement.length > 0) {
    out.push('## Management cluster (bootstrapped outside the fleet)', '');
    for (const x of uniqReq(r.orphanManagement)) out.push(`- \`${x.capability}\` for ${x.by}`);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

function uniqReq(xs: readonly Requirement[]): Requirement[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = `${x.capability}|${x.by}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
