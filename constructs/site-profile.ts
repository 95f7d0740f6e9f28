/**
 * Site profiles and inventories in TypeScript: `new SiteProfile('store', {...})` says what a kind of site
 * shares, `fleet.addSites(profile, rows)` makes one site per row (a TypeScript array, or
 * `readInventoryCsv('stores.csv')` read at the edge). The same plain data as fleet.yaml's `profiles` and
 * `inventories` (lib/model/profile.ts), expanded by the same function, so both give the same tree.
 */
import { ValidationError, inConstruct } from '../lib/model/errors';
import type { ControlPlaneSpec } from '../lib/model/cluster';
import type { SiteSpec } from '../lib/model/fleet';
import { expandInventory, profileIssues, type InventoryRow, type InventorySource, type ProfileClusterSpec, type SiteOverrides, type SiteProfileSpec } from '../lib/model/profile';
import type { PresentSpec } from '../lib/readiness/capability';
import type { Fleet } from './fleet';
import { Driver, GpuOperatorStack } from './gpu-operator-stack';
import { ControlPlane } from './k0s-cluster';
import type { Site, SiteProps } from './site';

/** The cluster of a profile's sites; `controlPlane` takes a {@link ControlPlane} or its plain data. */
export type SiteProfileClusterProps = Omit<ProfileClusterSpec, 'controlPlane'> & { readonly controlPlane?: ControlPlane | ControlPlaneSpec };

/** Properties of a {@link SiteProfile}: what every site made from it shares. */
export type SiteProfileProps = Omit<SiteProfileSpec, 'name' | 'cluster'> & { readonly cluster?: SiteProfileClusterProps };

/**
 * What many sites share: infrastructure, node pools, the cluster (control plane, add-ons, k0s version),
 * labels, present declarations, and named hardware `variants`. Strings of the cluster may hold
 * `{{site}}`, `{{region}}`, `{{jurisdiction}}`, `{{variant}}` and the profile's `vars`, filled per row
 * (host addresses of a store). Sites made from it carry the label `k0smos.io/profile: <name>`
 * (and `k0smos.io/variant`), which fleet workloads select on.
 */
export class SiteProfile {
  /** From plain data (a fleet.yaml `profiles` entry). */
  public static fromSpec(spec: SiteProfileSpec): SiteProfile {
    const { name, ...props } = spec;
    return new SiteProfile(name, props);
  }

  /** The profile name. */
  public readonly name: string;
  /** The profile as plain data, as fleet.yaml writes it. */
  public readonly spec: SiteProfileSpec;

  /** Checks the profile (every variant expanded once); throws a `ValidationError` listing every problem. */
  constructor(name: string, props: SiteProfileProps) {
    const cluster = props.cluster;
    const cp = cluster?.controlPlane instanceof ControlPlane ? cluster.controlPlane.spec : cluster?.controlPlane;
    this.name = name;
    this.spec = stripUndefined({ name, ...props, cluster: cluster ? stripUndefined({ ...cluster, controlPlane: cp }) : undefined }) as SiteProfileSpec;
    const issues = profileIssues(this.spec);
    if (issues.length > 0) throw new ValidationError(inConstruct(`profile '${name}'`, issues), `invalid profile '${name}'`);
  }
}

/** Options of {@link Fleet.addSites}. */
export interface AddSitesOptions {
  /**
   * What differs for one row, computed from it (added over the row's own `overrides`; lists replace, maps merge).
   * @default - each row's own overrides only
   */
  readonly override?: (row: InventoryRow) => SiteOverrides | undefined;
}

/**
 * Makes one site per row of `inventory` from `profile` (the implementation of `Fleet.addSites`). Every row is
 * checked before any site is made; problems name the row (`stores.csv:17: column 'jurisdiction'`, or
 * `addSites(store).rows[16].jurisdiction`). Linear in the rows.
 */
export function addSitesFromProfile(fleet: Fleet, profile: SiteProfile, inventory: readonly InventoryRow[] | InventorySource, options: AddSitesOptions = {}): Site[] {
  const source: InventorySource = isSource(inventory) ? inventory : { rows: inventory };
  const rows = options.override
    ? source.rows.map((r) => {
        const o = options.override!(r);
        return o ? { ...r, overrides: { ...(r.overrides ?? {}), ...o } } : r;
      })
    : source.rows;
  const { sites, issues } = expandInventory(profile.spec, { ...source, rows }, `addSites(${profile.name}).`);
  for (const s of sites) {
    if (fleet.node.tryFindChild(s.spec.name)) issues.push({ path: s.row, message: `a site named '${s.spec.name}' exists already; site names must be unique` });
  }
  if (issues.length > 0) throw new ValidationError(inConstruct(fleet.node.path, issues), `invalid inventory of profile '${profile.name}'`);
  return sites.map((s) => {
    const site = fleet.addSite(s.spec.name, siteProps(s.spec));
    if (s.gpuOperator) {
      const d = s.gpuOperator.nvidiaDriver;
      new GpuOperatorStack(site.cluster(), 'gpu', d === undefined ? {} : { nvidiaDriver: d === 'preinstalled' ? Driver.preinstalled() : Driver.operatorManaged(d) });
    }
    return site;
  });
}

function isSource(x: readonly InventoryRow[] | InventorySource): x is InventorySource {
  return !Array.isArray(x);
}

/** A site spec as Site props (its name is the construct id). */
function siteProps(spec: SiteSpec): SiteProps {
  const { name: _name, ...rest } = spec;
  return { ...rest, ...(spec.present ? { present: spec.present as PresentSpec } : {}) } as SiteProps;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
