/**
 * The fleet file as users write it: the fleet model (lib/model/fleet.ts) plus the sections that expand
 * into it: `profiles` and `inventories` (sites made from a profile, rows inline or from a CSV file the
 * loader read) and `fleetWorkloads` (one service on every matching cluster). Pure.
 */
import { z } from 'zod';
import { fromZodIssues, type ValidationIssue } from './errors';
import { fleetSchema, validateFleet, type FleetSpec, type SiteSpec } from './fleet';
import { fleetWorkloadSchema, type FleetWorkloadSpec } from './fleet-workload';
import { expandInventory, inventorySchema, profileIssues, siteProfileSchema, type InventorySpec, type SiteProfileSpec } from './profile';
import { didYouMean } from './suggest';

export const fleetFileSchema = fleetSchema
  .extend({
    sites: fleetSchema.shape.sites.min(0).optional().describe('Sites written out one by one (inventories add more).'),
    profiles: z.array(siteProfileSchema).optional().describe('What many sites share (node pools, cluster, add-ons, labels); inventories list the sites.'),
    inventories: z.array(inventorySchema).optional().describe('Sites made from a profile: rows inline, or a CSV file.'),
    fleetWorkloads: z.array(fleetWorkloadSchema).optional().describe('Workloads on every cluster that matches a selector.'),
  })
  .describe('A fleet of sites managed from one management cluster.');

export type FleetFileSpec = z.input<typeof fleetFileSchema>;

/** A fleet file with its inventories expanded: the fleet spec (every site), and what builds the rest. */
export interface ExpandedFleetFile {
  /** The fleet with every inventory's sites in `sites` (after the sites written out). */
  readonly fleet: FleetSpec;
  /** Each inventory with its profile, for the constructs that make their sites. */
  readonly inventories: readonly { readonly profile: SiteProfileSpec; readonly inventory: InventorySpec; readonly path: string }[];
  readonly fleetWorkloads: readonly FleetWorkloadSpec[];
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * Checks the profile, inventory and fleet-workload sections and expands the inventories. Every problem is
 * returned at once, by path (`profiles[store].nodePools[0].count`, `inventories[0].rows[16].jurisdiction`,
 * `stores.csv:17: column 'jurisdiction'`).
 */
export function expandFleetFile(input: unknown): { ok: true; file: ExpandedFleetFile } | { ok: false; issues: ValidationIssue[] } {
  const root = obj(input);
  const issues: ValidationIssue[] = [];
  const { profiles: rawProfiles, inventories: rawInventories, fleetWorkloads: rawWorkloads, ...rest } = root;
  const profiles = new Map<string, SiteProfileSpec>();
  const badProfiles = new Set<string>();
  if (rawProfiles !== undefined && !Array.isArray(rawProfiles)) issues.push({ path: 'profiles', message: 'must be a list of profiles' });
  (Array.isArray(rawProfiles) ? rawProfiles : []).forEach((p, i) => {
    const name = typeof obj(p).name === 'string' ? (obj(p).name as string) : undefined;
    const at = `profiles[${name ?? i}]`;
    const found = profileIssues(p);
    issues.push(...found.map((x) => ({ path: x.path ? `${at}.${x.path.replace(/^variants\.([^:]+): /, 'variants.$1.')}` : at, message: x.message })));
    if (name !== undefined && profiles.has(name)) issues.push({ path: at, message: `profile name '${name}' is used more than once` });
    if (name !== undefined && found.length > 0) badProfiles.add(name);
    else if (name !== undefined) profiles.set(name, p as SiteProfileSpec);
  });
  const expandedSites: SiteSpec[] = [];
  // Where each site name comes from, so a name listed twice (in two inventories, or written out too) names both places.
  const origin = new Map<string, string>();
  (Array.isArray(rest.sites) ? rest.sites : []).forEach((s, i) => {
    const n = obj(s).name;
    if (typeof n === 'string' && !origin.has(n)) origin.set(n, `sites[${i}]`);
  });
  const inventories: { profile: SiteProfileSpec; inventory: InventorySpec; path: string }[] = [];
  if (rawInventories !== undefined && !Array.isArray(rawInventories)) issues.push({ path: 'inventories', message: 'must be a list of inventories' });
  (Array.isArray(rawInventories) ? rawInventories : []).forEach((inv, i) => {
    const at = `inventories[${i}]`;
    // Rows are checked one by one below (their problems name the row); the rest of the entry here.
    const shape = inventorySchema.safeParse({ ...obj(inv), rows: undefined });
    if (!shape.success) {
      issues.push(...fromZodIssues(inv, shape.error.issues, inventorySchema).map((x) => ({ path: `${at}.${x.path}`, message: x.message })));
      return;
    }
    const spec = inv as InventorySpec;
    const profile = profiles.get(spec.profile);
    if (!profile) {
      if (!badProfiles.has(spec.profile)) {
        const names = [...profiles.keys(), ...badProfiles].sort();
        issues.push({ path: `${at}.profile`, message: `no profile named '${spec.profile}'${didYouMean(spec.profile, names)} (profiles: ${names.join(', ') || 'none'})` });
      }
      return;
    }
    if (spec.rows === undefined) {
      issues.push({
        path: at,
        message: spec.csv !== undefined ? `the rows of ${spec.csv} were not read: fleet files with csv inventories are read with readFleetFile (the CLI does), or give rows` : 'give rows (inline) or csv (a file beside the fleet file)',
      });
      return;
    }
    if (!Array.isArray(spec.rows)) {
      issues.push({ path: `${at}.rows`, message: 'must be a list of rows' });
      return;
    }
    const r = expandInventory(profile, { rows: spec.rows, ...(spec.csv !== undefined ? { csv: spec.csv } : {}), ...(spec.lines ? { lines: spec.lines } : {}), ...(spec.header ? { header: spec.header } : {}) }, `${at}.`);
    issues.push(...r.issues);
    for (const site of r.sites) {
      const other = origin.get(site.spec.name);
      if (other !== undefined) {
        issues.push({ path: site.row.includes('.csv:') ? `${site.row}: column 'site'` : `${site.row}.site`, message: `site '${site.spec.name}' is listed already at ${other}; site names must be unique in the fleet` });
        continue;
      }
      origin.set(site.spec.name, site.row);
      expandedSites.push(site.spec);
    }
    inventories.push({ profile, inventory: spec, path: at });
  });
  const fleetWorkloads: FleetWorkloadSpec[] = [];
  if (rawWorkloads !== undefined) {
    const parsed = z.array(fleetWorkloadSchema).safeParse(rawWorkloads);
    if (!parsed.success) issues.push(...fromZodIssues(rawWorkloads, parsed.error.issues, z.array(fleetWorkloadSchema)).map((x) => ({ path: `fleetWorkloads${x.path.startsWith('[') ? '' : '.'}${x.path}`, message: x.message })));
    else {
      const names = new Set<string>();
      for (const w of rawWorkloads as FleetWorkloadSpec[]) {
        if (names.has(w.name)) issues.push({ path: `fleetWorkloads[${w.name}]`, message: `fleet workload name '${w.name}' is used more than once` });
        names.add(w.name);
        if (w.select.profile !== undefined && !profiles.has(w.select.profile) && !badProfiles.has(w.select.profile)) {
          issues.push({ path: `fleetWorkloads[${w.name}].select.profile`, message: `no profile named '${w.select.profile}'${didYouMean(w.select.profile, [...profiles.keys()])} (profiles: ${[...profiles.keys()].sort().join(', ') || 'none'})` });
        }
        fleetWorkloads.push(w);
      }
    }
  }
  const written = Array.isArray(rest.sites) ? rest.sites : rest.sites === undefined ? [] : undefined;
  if (written === undefined) {
    issues.push({ path: 'sites', message: 'must be a list of sites' });
    return { ok: false, issues };
  }
  const fleet = { ...rest, sites: [...written, ...expandedSites] } as FleetSpec;
  if (fleet.sites.length === 0 && issues.length === 0) issues.push({ path: 'sites', message: 'the fleet has no sites: list sites, or inventories of a profile' });
  if (issues.length > 0) {
    // The rest of the fleet is still checked, so one run reports everything.
    const r = validateFleet(fleet);
    return { ok: false, issues: [...issues, ...(r.ok ? [] : r.issues.filter((x) => !(x.path === 'sites' && fleet.sites.length === 0)))] };
  }
  return { ok: true, file: { fleet, inventories, fleetWorkloads } };
}

/** Like {@link expandFleetFile}, and the expanded fleet validated as a whole (names across inventories, CIDRs, workloads). */
export function validateFleetFile(input: unknown): { ok: true; file: ExpandedFleetFile } | { ok: false; issues: ValidationIssue[] } {
  const e = expandFleetFile(input);
  if (!e.ok) return e;
  const r = validateFleet(e.file.fleet);
  return r.ok ? e : { ok: false, issues: r.issues };
}

/** The JSON Schema of `fleet.yaml`, for editors (`npm run schema` writes schema/fleet.schema.json). */
export function fleetFileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(fleetFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://cdk8s-k0smos.dev/schema/fleet.schema.json', title: 'cdk8s-k0smos fleet' };
}
