/**
 * The reference GPU setup as a test fleet: Quebec A100-80GB with a MIG plan and two tenants
 * (one `mig`, one `namespace`), Atlanta MI300X with compute/memory partitions. Quebec's A100 nodes are
 * split into a MIG pool and a whole-GPU pool so the `namespace` tenant has whole GPUs to be granted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Fleet, GpuOperatorStack, Partitioning, TenantIsolation, type GpuOperatorStackProps } from '../../constructs';
import type { SiteSpec } from '../../lib/model/fleet';
import { SchemaRegistry } from '../../lib/validate/schemas';

export const SCHEMAS = path.resolve(__dirname, '../../../shared/schemas');

let registry: SchemaRegistry | undefined;
/** The upstream schemas (CRDs, Kubernetes 1.34 then 1.32 swagger), loaded once per test file. */
export function schemas(): SchemaRegistry {
  registry ??= SchemaRegistry.load(SCHEMAS);
  return registry;
}

export function quebecSite(model = 'A100-80GB'): SiteSpec {
  return {
    name: 'quebec',
    region: 'ca-east',
    jurisdiction: 'CA',
    location: { lat: 46.81, lon: -71.21 },
    infrastructure: 'bare-metal',
    nodePools: [
      { name: 'a100-mig', count: 2, cpu: 64, memoryGiB: 512, gpus: { model, count: 8 } },
      { name: 'a100', count: 2, cpu: 64, memoryGiB: 512, gpus: { model, count: 8 } },
      { name: 'cpu', count: 2, cpu: 32, memoryGiB: 128 },
    ],
  };
}

export function atlantaSite(model = 'MI300X'): SiteSpec {
  return {
    name: 'atlanta',
    region: 'us-southeast',
    jurisdiction: 'US',
    location: { lat: 33.75, lon: -84.39 },
    infrastructure: 'bare-metal',
    nodePools: [{ name: 'mi300x', count: 2, cpu: 96, memoryGiB: 1536, gpus: { model, count: 8 } }],
  };
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
  const fleet = new Fleet(new App(), 'geo', { name: 'geo', managementSite: 'quebec' });
  const sites: SiteSpec[] = [o.quebecSite ?? quebecSite(), o.atlantaSite ?? atlantaSite()];
  for (const { name, ...props } of sites) fleet.addSite(name, props);
  const quebec = new GpuOperatorStack(fleet.site('quebec').cluster(), 'gpu', o.quebec ?? QUEBEC_STACK);
  const atlanta = new GpuOperatorStack(fleet.site('atlanta').cluster(), 'gpu', o.atlanta ?? ATLANTA_STACK);
  return { fleet, quebec, atlanta };
}

/** Synthesizes into a fresh temporary folder and returns it. */
export function synthToTemp(fleet: Fleet): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k0smos-gpu-'));
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
