/**
 * The issue's reference GPU setup as a test fleet: Quebec A100-80GB with a MIG plan and two tenants
 * (one `mig`, one `namespace`), Atlanta MI300X with compute/memory partitions. Quebec's A100 nodes are
 * split into a MIG pool and a whole-GPU pool so the `namespace` tenant has whole GPUs to be granted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Fleet, GpuOperatorStack, Partitioning, TenantIsolation, type GpuOperatorStackProps } from '../../constructs';
import { referenceFleetSpec } from '../../apps/reference-fleet';
import { ValidationError } from '../../lib/model/errors';
import type { SiteSpec } from '../../lib/model/fleet';
import { SchemaRegistry } from '../../lib/validate/schemas';
import { findSchemasDir } from '../../lib/validate/validate';
import { tmpDir } from '../helpers';

/** The schemas folder (K0SMOS_SCHEMAS or ../shared/schemas); tests that read it run only when it exists. */
export const SCHEMAS = findSchemasDir(path.resolve(__dirname, '../..')) ?? path.resolve(__dirname, '../../../shared/schemas');

let registry: SchemaRegistry | undefined;
/** The upstream schemas (CRDs, Kubernetes 1.34 then 1.32 swagger), loaded once per test file. */
export function schemas(): SchemaRegistry {
  registry ??= SchemaRegistry.load(SCHEMAS);
  return registry;
}

function referenceSite(name: string): SiteSpec {
  const site = referenceFleetSpec.sites.find((x) => x.name === name);
  if (!site) throw new Error(`the reference fleet has no site ${name}`);
  // RTTs name sites this two-site test fleet does not have.
  const { rttMs: _rtt, ...rest } = site;
  return rest;
}

/** The reference Quebec site (A100 nodes in a MIG pool and a whole-GPU pool); `model` swaps their GPUs. */
export function quebecSite(model = 'A100-80GB'): SiteSpec {
  const site = referenceSite('quebec');
  return { ...site, nodePools: site.nodePools.map((p) => (p.gpus ? { ...p, gpus: { ...p.gpus, model } } : p)) };
}

/** The reference Atlanta site; `model` swaps its GPUs. */
export function atlantaSite(model = 'MI300X'): SiteSpec {
  const site = referenceSite('atlanta');
  return { ...site, nodePools: site.nodePools.map((p) => (p.gpus ? { ...p, gpus: { ...p.gpus, model } } : p)) };
}

/** Quebec's stack: balanced MIG on the A100s of pool a100-mig, whole GPUs in pool a100, a `mig` tenant and a `namespace` tenant. */
export const QUEBEC_STACK: GpuOperatorStackProps = {
  partitioning: { 'a100-mig': Partitioning.mig({ '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 }) },
  tenants: {
    'team-vision': { isolation: TenantIsolation.mig({ '3g.40gb': 16, '2g.20gb': 8 }) },
    'team-nlp': { isolation: TenantIsolation.namespace({ gpus: 8 }) },
  },
};

/** Atlanta's stack: every MI300X in CPX/NPS4 (8 logical GPUs each). */
export const ATLANTA_STACK: GpuOperatorStackProps = {
  partitioning: { mi300x: Partitioning.amd('CPX', 'NPS4') },
};

export interface TestFleet {
  readonly fleet: Fleet;
  readonly quebec: GpuOperatorStack;
  readonly atlanta: GpuOperatorStack;
}

/** Builds the test fleet; `quebec`/`atlanta` override the stacks' props, `sites` the site specs. */
export function buildTestFleet(o: { quebecSite?: SiteSpec; atlantaSite?: SiteSpec; quebec?: GpuOperatorStackProps; atlanta?: GpuOperatorStackProps } = {}): TestFleet {
  // Frankfurt hosts the management plane (and Quebec's hosted control plane), as in the reference fleet.
  const fleet = new Fleet(new App(), 'geo', { name: 'geo', managementSite: 'frankfurt', credentials: referenceFleetSpec.management.credentials ?? [] });
  const sites: SiteSpec[] = [referenceSite('frankfurt'), o.quebecSite ?? quebecSite(), o.atlantaSite ?? atlantaSite()];
  for (const { name, ...props } of sites) fleet.addSite(name, props);
  const quebec = new GpuOperatorStack(fleet.site('quebec').cluster(), 'gpu', o.quebec ?? QUEBEC_STACK);
  const atlanta = new GpuOperatorStack(fleet.site('atlanta').cluster(), 'gpu', o.atlanta ?? ATLANTA_STACK);
  return { fleet, quebec, atlanta };
}

/** Synthesizes into a fresh temporary folder and returns it. */
export function synthToTemp(fleet: Fleet): string {
  const dir = tmpDir('k0smos-gpu-');
  fleet.synth({ outdir: path.join(dir, 'dist') });
  return path.join(dir, 'dist');
}

/** Every file of a folder, relative path → content. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  walk('');
  return out;
}

/**
 * Expects `build`, or the synth checks of the fleet it returns (constructs record the problems of their props and
 * `Fleet.resolve()` reports them all at once), to fail with a ValidationError; returns its problems as
 * `path: message` lines.
 */
export function problems(build: () => unknown): string[] {
  try {
    const r = build();
    const fleet = Fleet.isFleet(r) ? r : r && typeof r === 'object' && 'fleet' in r && Fleet.isFleet((r as { fleet: unknown }).fleet) ? (r as { fleet: Fleet }).fleet : r instanceof Construct ? Fleet.of(r) : undefined;
    fleet?.resolve();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ValidationError');
}

/**
 * A Quebec-like site with other node pools: its hosted control plane gets one SSH worker per node of
 * each pool (documentation addresses), as the cluster layer requires.
 */
export function withNodePools(site: SiteSpec, nodePools: SiteSpec['nodePools']): SiteSpec {
  const workers = nodePools.flatMap((p, pi) => Array.from({ length: p.count }, (_, i) => ({ address: `10.99.${pi}.${i + 1}`, nodePool: p.name, user: 'ubuntu' })));
  const clusters = (site.clusters ?? []).map((c) => {
    const cp = c.controlPlane as { mode?: string } | undefined;
    return cp?.mode === 'hosted' ? { ...c, controlPlane: { ...(c.controlPlane as object), workers } } : c;
  }) as SiteSpec['clusters'];
  return { ...site, nodePools, ...(clusters ? { clusters } : {}) };
}
