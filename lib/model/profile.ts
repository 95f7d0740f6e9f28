/**
 * Site profiles and inventories: what a kind of site (a store, a branch, a cell tower) shares, and the
 * list of sites of that kind with what differs between them (name, region, jurisdiction, location,
 * hardware variant, a few values). `expandInventory` turns a profile and its rows into ordinary site
 * specs, reporting every problem by inventory row and column. Pure: CSV files are read at the edge
 * (lib/model/load.ts `readInventoryCsv`, the fleet.yaml loader).
 */
import { z } from 'zod';
import { presentSchema, type PresentSpec } from '../readiness/capability';
import { clusterFields, clusterNetworkSchema, clusterIssues } from './cluster';
import { fromZodIssues, type ValidationIssue } from './errors';
import { dnsLabel, INFRASTRUCTURES, nodePoolSchema, powerSchema, siteIssues, siteSchema, type NodePoolSpec, type SiteSpec } from './fleet';
import { didYouMean } from './suggest';
import type { CsvTable } from './csv';

/** Label every site made from a profile carries: the profile's name (fleet workloads select on it). */
export const PROFILE_LABEL = 'k0smos.io/profile';
/** Label of the hardware variant a site was made with (absent for the profile's base hardware). */
export const VARIANT_LABEL = 'k0smos.io/variant';

/** Names usable in `{{name}}` placeholders without declaring them: the row's own fields. */
export const BUILTIN_VARS = ['site', 'region', 'jurisdiction', 'variant'] as const;

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{\{\s*([^}\s]*)\s*\}\}/g;

/** The cluster a profile gives each of its sites (named after the site, with every pool). */
export const profileClusterSchema = z
  .strictObject({
    ...clusterFields,
    network: clusterNetworkSchema
      .omit({ podCIDR: true, serviceCIDR: true, slot: true })
      .optional()
      .describe('Network provider and cluster domain. Addresses come from the fleet IP plan, one per site; a row may pin them in its overrides.'),
  })
  .describe("The cluster of each site made from the profile, named after the site, with every pool. Strings may hold {{site}}, {{region}}, {{jurisdiction}}, {{variant}} and the profile's vars.");

/** What the GPU operator stack of a profile's GPU sites looks like. */
export const profileGpuOperatorSchema = z
  .strictObject({
    nvidiaDriver: z
      .string()
      .regex(/^(preinstalled|\d+\.\d+(\.\d+)?)$/, { message: "must be a driver version such as 595.91.07, or 'preinstalled'" })
      .optional()
      .describe("NVIDIA driver version the operator installs, or 'preinstalled' when the OS image has it. Default: the operator's pinned driver."),
  })
  .describe('Install the GPU operator stack (device plugin, driver, node labels) in the cluster of each site with GPUs. Default: none.');

export const profileVariantSchema = z
  .strictObject({
    nodePools: z.array(nodePoolSchema).optional().describe("Pools added to the profile's, or replacing the profile's pool of the same name."),
    cluster: profileClusterSchema.optional().describe("Cluster fields that replace the profile's (each field as a whole, e.g. the whole controlPlane)."),
    labels: z.record(z.string(), z.string()).optional().describe("Labels added to the profile's."),
    present: presentSchema.optional().describe("Added to what the profile declares present."),
    gpuOperator: profileGpuOperatorSchema.optional(),
  })
  .describe('A named hardware alternative of the profile (e.g. gpu: a pool with an NVIDIA L4), chosen per row.');

export const siteProfileSchema = z
  .strictObject({
    name: dnsLabel().describe('Profile name (also the value of the k0smos.io/profile label of its sites).'),
    infrastructure: z.enum(INFRASTRUCTURES).describe('Kind of infrastructure of every site of the profile.'),
    nodePools: z.array(nodePoolSchema).min(1).describe('Node pools of every site.'),
    cluster: profileClusterSchema.optional(),
    power: powerSchema.optional(),
    airgapped: z.boolean().optional().describe('The sites have no internet access. Default false (true when airgap is set).'),
    airgap: siteSchema.shape.airgap.describe("Where the sites' clusters get their images and charts without internet access (a registry mirror, an image bundle, a chart mirror). Default: none."),
    labels: z.record(z.string(), z.string()).optional().describe('Labels of every site.'),
    present: presentSchema.optional().describe('What every cluster of these sites already has (StorageClasses, a LoadBalancer provider, API groups, Secrets).'),
    vars: z
      .array(z.string().regex(VAR_NAME, { message: 'must be a name of letters, digits and _ (not starting with a digit)' }))
      .optional()
      .describe('Values each row gives (a CSV column each), used as {{name}} in the cluster fields, e.g. controller and worker addresses. Default: none.'),
    variants: z.record(dnsLabel(), profileVariantSchema).optional().describe('Hardware alternatives by name, chosen by a row\'s variant. Default: none.'),
    gpuOperator: profileGpuOperatorSchema.optional(),
  })
  .describe('What many sites share: node pools, the cluster and its control plane, add-ons, labels, present declarations.');

/** Changes for one row; lists replace, maps merge. */
export const siteOverridesSchema = z
  .strictObject({
    nodePools: z.array(nodePoolSchema).optional().describe('Pools added, or replacing the pool of the same name.'),
    cluster: profileClusterSchema
      .extend({ network: clusterNetworkSchema.optional() })
      .optional()
      .describe("Cluster fields that replace the profile's and variant's (network may pin this site's CIDRs)."),
    labels: z.record(z.string(), z.string()).optional(),
    present: presentSchema.optional(),
    power: powerSchema.optional(),
    rttMs: z.record(z.string(), z.number().min(0)).optional(),
    airgapped: z.boolean().optional(),
    airgap: siteSchema.shape.airgap,
  })
  .describe('What differs for this one site.');

export const inventoryRowSchema = z
  .strictObject({
    site: dnsLabel().describe('Site name (a store id), unique in the fleet; also its cluster name.'),
    region: siteSchema.shape.region,
    jurisdiction: z.string().describe('ISO 3166-1 alpha-2 country code, e.g. US.'),
    location: siteSchema.shape.location,
    variant: z.string().optional().describe("One of the profile's variants. Default: the profile's base hardware."),
    vars: z.record(z.string(), z.string()).optional().describe("Values of the profile's vars."),
    overrides: siteOverridesSchema.optional(),
  })
  .describe('One site of an inventory.');

export const inventorySchema = z
  .strictObject({
    profile: z.string().describe('Name of a profile in profiles.'),
    rows: z.array(inventoryRowSchema).optional().describe('The sites, inline.'),
    csv: z
      .string()
      .min(1)
      .optional()
      .describe('Or: a CSV file of the sites, relative to the fleet file, with a header row: site,region,jurisdiction,lat,lon, optional variant, and one column per profile var.'),
    lines: z.array(z.int().min(1)).optional().describe('Set by the loader: the CSV line of each row (for errors). Do not write it.'),
    header: z.array(z.string()).optional().describe('Set by the loader: the CSV header row (checked against the profile once). Do not write it.'),
  })
  .describe('Sites made from one profile.');

export type SiteProfileSpec = z.input<typeof siteProfileSchema>;
export type ProfileVariantSpec = z.input<typeof profileVariantSchema>;
export type ProfileClusterSpec = z.input<typeof profileClusterSchema>;
export type ProfileGpuOperatorSpec = z.input<typeof profileGpuOperatorSchema>;
export type SiteOverrides = z.input<typeof siteOverridesSchema>;
export type InventoryRow = z.input<typeof inventoryRowSchema>;
export type InventorySpec = z.input<typeof inventorySchema>;

/** Rows with where they came from: a CSV file (`csv`) and each row's line, for errors that name `file:line`. */
export interface InventorySource {
  readonly rows: readonly InventoryRow[];
  /** The CSV file the rows were read from, as the user named it. */
  readonly csv?: string;
  /** Line of each row in the CSV file. */
  readonly lines?: readonly number[];
  /** The CSV header row: its columns are checked against the profile once, not per row. */
  readonly header?: readonly string[];
}

/** A site of an inventory, expanded: the site spec, and the profile's GPU operator wish if its cluster has GPUs. */
export interface ExpandedSite {
  readonly spec: SiteSpec;
  readonly gpuOperator?: ProfileGpuOperatorSpec;
  /** The row, as `stores.csv:17` or `rows[16]`. */
  readonly row: string;
}

const CSV_COLUMNS = ['site', 'region', 'jurisdiction', 'lat', 'lon', 'variant'] as const;

/**
 * Rows from a parsed CSV table: columns site, region, jurisdiction, lat, lon, optional variant; every other
 * column is a var (`vars.<column>`; the profile checks the names). Numbers are read for lat and lon; an empty
 * variant is the base hardware. Lines are kept for errors.
 */
export function csvInventoryRows(table: CsvTable): { rows: InventoryRow[]; lines: number[] } {
  const rows: InventoryRow[] = [];
  const lines: number[] = [];
  for (const r of table.records) {
    const c = r.cells;
    const num = (s: string | undefined): unknown => (s !== undefined && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : s === '' ? undefined : s);
    const vars: Record<string, string> = {};
    for (const h of table.header) if (!(CSV_COLUMNS as readonly string[]).includes(h)) vars[h] = c[h]!;
    rows.push({
      site: c.site as string,
      region: c.region as string,
      jurisdiction: c.jurisdiction as string,
      location: { lat: num(c.lat) as number, lon: num(c.lon) as number },
      ...(c.variant !== undefined && c.variant !== '' ? { variant: c.variant } : {}),
      ...(Object.keys(vars).length > 0 ? { vars } : {}),
    });
    lines.push(r.line);
  }
  return { rows, lines };
}

/** The columns a CSV inventory of this profile must have and may have. */
export function csvColumns(profile: Pick<SiteProfileSpec, 'vars' | 'variants'>): { required: string[]; optional: string[] } {
  return { required: ['site', 'region', 'jurisdiction', 'lat', 'lon', ...(profile.vars ?? [])], optional: ['variant'] };
}

/** How errors name a row and a field of it: `stores.csv:17: column 'jurisdiction'` or `rows[16].jurisdiction`. */
export function rowRef(source: { readonly csv?: string | undefined; readonly lines?: readonly number[] | undefined }, index: number, prefix: string): { row: string; field: (field: string) => string } {
  if (source.csv !== undefined) {
    const line = source.lines?.[index] ?? index + 2;
    const row = `${source.csv}:${line}`;
    const column = (f: string) => (f.startsWith('location.') ? f.slice('location.'.length) : f.startsWith('vars.') ? f.slice('vars.'.length) : f === 'location' ? 'lat/lon' : f);
    return { row, field: (f) => (f === '' ? row : f.startsWith('overrides') ? `${row}: ${f}` : `${row}: column '${column(f)}'`) };
  }
  const row = `${prefix}rows[${index}]`;
  return { row, field: (f) => (f === '' ? row : `${row}.${f}`) };
}

/** Checks a profile on its own; paths are relative to it (`nodePools[0].count`, `variants.gpu.cluster`). */
export function profileIssues(profile: unknown): ValidationIssue[] {
  const parsed = siteProfileSchema.safeParse(profile);
  if (!parsed.success) return fromZodIssues(profile, parsed.error.issues, siteProfileSchema);
  const p = parsed.data;
  const issues: ValidationIssue[] = [];
  const declared = new Set<string>([...BUILTIN_VARS, ...(p.vars ?? [])]);
  for (const v of p.vars ?? []) {
    if ((BUILTIN_VARS as readonly string[]).includes(v)) issues.push({ path: 'vars', message: `'${v}' is a row field already ({{${v}}} works without declaring it); remove it from vars` });
    else if (v === 'lat' || v === 'lon') issues.push({ path: 'vars', message: `'${v}' is a CSV column of every inventory (the location); name the var otherwise` });
  }
  const checkPlaceholders = (value: unknown, at: string) => {
    for (const name of placeholders(value)) {
      if (declared.has(name)) continue;
      const dym = didYouMean(name, [...declared]);
      issues.push({ path: at, message: `{{${name}}} is not a var of the profile${dym}${dym ? ' Otherwise' : ';'} declare it in vars (known: ${[...declared].join(', ')})` });
    }
  };
  checkPlaceholders(p.cluster, 'cluster');
  for (const [name, v] of Object.entries(p.variants ?? {})) checkPlaceholders(v.cluster, `variants.${name}.cluster`);
  // Each variant must make a valid site: expand it with placeholder values and check the site.
  for (const variant of [undefined, ...Object.keys(p.variants ?? {}).sort()]) {
    const sample: InventoryRow = { site: 'profile-check', region: 'r', jurisdiction: 'US', location: { lat: 0, lon: 0 }, ...(variant ? { variant } : {}), vars: Object.fromEntries((p.vars ?? []).map((v, i) => [v, `192.0.2.${i + 1}`])) };
    const site = expandRow(p, sample);
    const at = variant === undefined ? '' : `variants.${variant}: `;
    for (const i of siteSpecIssues(site.spec)) {
      // Placeholders make addresses the sample cannot check (duplicates of one sample value): rows check them.
      if (/privateAddress|address/.test(i.path) && placeholders(p.cluster).length + placeholders(p.variants?.[variant ?? '']?.cluster).length > 0) continue;
      issues.push({ path: `${at}${i.path.replace(/^clusters\[profile-check\]\./, 'cluster.').replace(/profile-check/g, '{{site}}')}`, message: i.message.replace(/profile-check/g, '{{site}}') });
    }
  }
  return issues;
}

/** Every problem of one site spec: the field schema, the rules within the site, the rules within each cluster. */
export function siteSpecIssues(spec: SiteSpec): ValidationIssue[] {
  const parsed = siteSchema.safeParse(spec);
  const issues = parsed.success ? [] : fromZodIssues(spec, parsed.error.issues, siteSchema);
  issues.push(...siteIssues(spec, ''));
  if (parsed.success) {
    for (const c of parsed.data.clusters ?? []) {
      const pools = parsed.data.nodePools.filter((p) => !c.nodePools || c.nodePools.includes(p.name)).map((p) => ({ name: p.name, count: p.count }));
      const siteAirgap = parsed.data.airgap;
      const ctx = { site: spec.name, infrastructure: parsed.data.infrastructure, airgapped: (parsed.data.airgapped ?? false) || siteAirgap !== undefined, ...(siteAirgap !== undefined ? { siteAirgap } : {}), pools };
      issues.push(...clusterIssues(c, ctx, `clusters[${c.name}]`));
    }
  }
  return issues.map((i) => ({ ...i, path: i.path.replace(/^\./, '') }));
}

/**
 * Expands a validated profile's inventory into site specs. Checks each row (fields, variant, vars, the CSV
 * columns), then the site it makes; every problem names its row (and column for CSV rows). Rows with
 * problems make no site. Runs in time linear in the rows.
 */
export function expandInventory(profile: SiteProfileSpec, source: InventorySource, prefix = ''): { sites: ExpandedSite[]; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const sites: ExpandedSite[] = [];
  const variants = Object.keys(profile.variants ?? {}).sort();
  const vars = profile.vars ?? [];
  const seen = new Map<string, string>();
  if (source.header && source.csv !== undefined) {
    const headerIssues = csvHeaderIssues(source.header, profile, source.csv, 1);
    if (headerIssues.length > 0) return { sites, issues: headerIssues };
  }
  source.rows.forEach((raw, index) => {
    const ref = rowRef(source, index, prefix);
    const before = issues.length;
    const parsed = inventoryRowSchema.safeParse(raw);
    if (!parsed.success) {
      for (const i of fromZodIssues(raw, parsed.error.issues, inventoryRowSchema)) issues.push({ path: ref.field(i.path), message: i.message });
    }
    const row = raw as InventoryRow;
    if (row && typeof row === 'object') {
      if (row.variant !== undefined && !variants.includes(row.variant)) {
        issues.push({ path: ref.field('variant'), message: `'${row.variant}' is not a variant of profile '${profile.name}'${didYouMean(row.variant, variants)} (variants: ${variants.join(', ') || 'none'}); leave it empty for the base hardware` });
      }
      const given = row.vars ?? {};
      for (const v of vars) {
        if (given[v] === undefined || given[v] === '') issues.push({ path: ref.field(`vars.${v}`), message: `is required: profile '${profile.name}' uses {{${v}}}` });
      }
      for (const k of Object.keys(given).sort()) {
        if (!vars.includes(k)) issues.push({ path: ref.field(`vars.${k}`), message: `is not a var of profile '${profile.name}'${didYouMean(k, vars)} (vars: ${vars.join(', ') || 'none'}); remove it or declare it in the profile's vars` });
      }
      if (typeof row.site === 'string') {
        const other = seen.get(row.site);
        if (other !== undefined) issues.push({ path: ref.field('site'), message: `site '${row.site}' is listed already at ${other}; list each site once` });
        else seen.set(row.site, ref.row);
      }
    }
    if (issues.length > before) return;
    const site = expandRow(profile, row);
    const siteProblems = siteSpecIssues(site.spec);
    for (const i of siteProblems) {
      // A row field that the site checks (jurisdiction code, region) is named by its column.
      const top = i.path.split(/[.[]/)[0]!;
      const rowField = top === 'name' ? 'site' : ['region', 'jurisdiction', 'location'].includes(top) ? i.path : undefined;
      issues.push({ path: rowField !== undefined ? ref.field(rowField) : `${ref.row}: ${i.path}`, message: i.message });
    }
    if (siteProblems.length === 0) sites.push({ ...site, row: ref.row });
  });
  return { sites, issues };
}

/** The issues of CSV columns against a profile: missing required columns, unknown columns. */
export function csvHeaderIssues(header: readonly string[], profile: Pick<SiteProfileSpec, 'name' | 'vars' | 'variants'>, file: string, headerLine = 1): ValidationIssue[] {
  const { required, optional } = csvColumns(profile);
  const issues: ValidationIssue[] = [];
  for (const c of required) if (!header.includes(c)) issues.push({ path: `${file}:${headerLine}`, message: `column '${c}' is missing from the header row (columns: ${[...required, ...optional].join(',')})` });
  for (const h of header) {
    if (![...required, ...optional].includes(h)) issues.push({ path: `${file}:${headerLine}: column '${h}'`, message: `is not a column of profile '${profile.name}'${didYouMean(h, [...required, ...optional])} (columns: ${[...required, ...optional].join(', ')}); remove it or declare it in the profile's vars` });
  }
  return issues;
}

/** One row of a profile as a site spec (no checks). */
export function expandRow(profile: SiteProfileSpec, row: InventoryRow): Omit<ExpandedSite, 'row'> {
  const v = row.variant !== undefined ? profile.variants?.[row.variant] : undefined;
  const o = row.overrides ?? {};
  const values: Record<string, string> = { site: row.site, region: row.region, jurisdiction: row.jurisdiction, variant: row.variant ?? '', ...(row.vars ?? {}) };
  const cluster = { ...(profile.cluster ?? {}), ...(v?.cluster ?? {}), ...(o.cluster ?? {}) };
  const labels = { ...(profile.labels ?? {}), ...(v?.labels ?? {}), ...(o.labels ?? {}), [PROFILE_LABEL]: profile.name, ...(row.variant !== undefined ? { [VARIANT_LABEL]: row.variant } : {}) };
  const present = mergePresent(mergePresent(profile.present, v?.present), o.present);
  const power = o.power ?? profile.power;
  const airgapped = o.airgapped ?? profile.airgapped;
  const airgap = o.airgap ?? profile.airgap;
  const nodePools = mergePools(mergePools(profile.nodePools, v?.nodePools), o.nodePools);
  const spec: SiteSpec = {
    name: row.site,
    region: row.region,
    jurisdiction: row.jurisdiction,
    location: { lat: row.location.lat, lon: row.location.lon },
    infrastructure: profile.infrastructure,
    nodePools,
    ...(Object.keys(cluster).length > 0 ? { clusters: [{ name: row.site, ...(substitute(cluster, values) as object) }] } : {}),
    ...(power !== undefined ? { power } : {}),
    ...(o.rttMs !== undefined ? { rttMs: o.rttMs } : {}),
    ...(airgapped !== undefined ? { airgapped } : {}),
    ...(airgap !== undefined ? { airgap } : {}),
    labels,
    ...(present !== undefined ? { present } : {}),
  };
  const gpuOperator = v?.gpuOperator ?? profile.gpuOperator;
  const hasGpus = nodePools.some((p) => p.gpus !== undefined);
  return { spec, ...(gpuOperator !== undefined && hasGpus ? { gpuOperator } : {}) };
}

function mergePools(base: readonly NodePoolSpec[], more: readonly NodePoolSpec[] | undefined): NodePoolSpec[] {
  if (!more || more.length === 0) return [...base];
  const out = base.map((p) => more.find((m) => m.name === p.name) ?? p);
  for (const m of more) if (!base.some((p) => p.name === m.name)) out.push(m);
  return out;
}

function mergePresent(a: PresentSpec | undefined, b: PresentSpec | undefined): PresentSpec | undefined {
  if (!a) return b;
  if (!b) return a;
  const union = <T>(x: readonly T[] | undefined, y: readonly T[] | undefined, key: (t: T) => string): T[] | undefined => {
    if (!x && !y) return undefined;
    const m = new Map<string, T>();
    for (const t of [...(x ?? []), ...(y ?? [])]) m.set(key(t), t);
    return [...m.values()];
  };
  const storageClasses = union(a.storageClasses, b.storageClasses, (s) => s.name);
  const apiGroups = union(a.apiGroups, b.apiGroups, (s) => s);
  const addons = union(a.addons, b.addons, (s) => s);
  const secrets = union(a.secrets, b.secrets, (s) => s);
  const loadBalancer = b.loadBalancer ?? a.loadBalancer;
  return {
    ...(storageClasses ? { storageClasses } : {}),
    ...(loadBalancer !== undefined ? { loadBalancer } : {}),
    ...(apiGroups ? { apiGroups } : {}),
    ...(addons ? { addons } : {}),
    ...(secrets ? { secrets } : {}),
  };
}

/** The `{{name}}` placeholders in a value's strings. */
export function placeholders(value: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER)) out.add(m[1]!);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return [...out].sort();
}

/** Replaces `{{name}}` in every string of a value (a copy). */
export function substitute(value: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return value.includes('{{') ? value.replace(PLACEHOLDER, (m, name: string) => values[name] ?? m) : value;
  if (Array.isArray(value)) return value.map((x) => substitute(x, values));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) out[k] = substitute(x, values);
    return out;
  }
  return value;
}
