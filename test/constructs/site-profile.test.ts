/**
 * Site profiles and inventories (issue 14 item 1): one profile, many rows, in TypeScript, fleet.yaml rows and
 * CSV; per-row variants and overrides; every problem at once, by row and column.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ControlPlane, Fleet, GpuOperatorStack, SiteProfile } from '../../constructs';
import type { InventoryRow } from '../../lib/model/profile';
import { ValidationError } from '../../lib/model/errors';
import { readFleetFile, readInventoryCsv } from '../../lib/model/load';
import { tmpDir } from '../helpers';

const host = (address: string, role: 'controller+worker' | 'worker', nodePool: string) => ({ address, role, nodePool });

function storeProfile(): SiteProfile {
  return new SiteProfile('store', {
    infrastructure: 'edge',
    nodePools: [{ name: 'store', count: 2, cpu: 8, memoryGiB: 32 }],
    cluster: { controlPlane: ControlPlane.standalone({ hosts: [host('{{controller}}', 'controller+worker', 'store'), host('{{worker}}', 'worker', 'store')] }) },
    labels: { tier: 'store' },
    present: { storageClasses: [{ name: 'local', default: true }] },
    vars: ['controller', 'worker'],
    variants: {
      gpu: {
        nodePools: [{ name: 'store', count: 1, cpu: 8, memoryGiB: 32 }, { name: 'gpu', count: 1, cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: 1 } }],
        cluster: { controlPlane: { mode: 'standalone', hosts: [host('{{controller}}', 'controller+worker', 'store'), host('{{worker}}', 'worker', 'gpu')] } },
        labels: { accelerator: 'l4' },
        gpuOperator: { nvidiaDriver: 'preinstalled' },
      },
    },
  });
}

const row = (n: number, extra: Partial<InventoryRow> = {}): InventoryRow => ({
  site: `store-${n}`,
  region: 'us-east',
  jurisdiction: 'US',
  location: { lat: 40 + n / 100, lon: -74 },
  vars: { controller: `10.0.${n}.11`, worker: `10.0.${n}.12` },
  ...extra,
});

function fleet(): Fleet {
  const f = new Fleet(new App(), 'retail', { managementSite: 'hq', network: { podPrefixLength: 22, servicePrefixLength: 24 } });
  f.addSite('hq', { region: 'us-east', jurisdiction: 'US', location: { lat: 40.7, lon: -74 }, infrastructure: 'aws', nodePools: [{ name: 'm', count: 3, cpu: 8, memoryGiB: 32 }] });
  return f;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('a profile applied to an inventory of TypeScript rows', () => {
  const f = fleet();
  const sites = f.addSites(storeProfile(), [row(1), row(2, { variant: 'gpu' }), row(3, { overrides: { labels: { pilot: 'true' }, nodePools: [{ name: 'store', count: 2, cpu: 16, memoryGiB: 64 }] } })], {
    override: (r) => (r.site === 'store-1' ? { power: { carbonIntensity: 120 } } : undefined),
  });
  const tree = f.toTree();

  it('makes one site per row, with the profile label, the variant label and the row fields', () => {
    expect(sites.map((s) => s.name)).toEqual(['store-1', 'store-2', 'store-3']);
    expect(sites[0]!.labels).toEqual({ tier: 'store', 'k0smos.io/profile': 'store' });
    expect(sites[1]!.labels).toEqual({ tier: 'store', accelerator: 'l4', 'k0smos.io/profile': 'store', 'k0smos.io/variant': 'gpu' });
    expect(sites[2]!.labels).toEqual({ tier: 'store', pilot: 'true', 'k0smos.io/profile': 'store' });
    expect(sites[0]!.present).toEqual({ storageClasses: [{ name: 'local', default: true }] });
    expect(f.toSpec().sites.find((s) => s.name === 'store-1')!.power).toEqual({ carbonIntensity: 120 });
  });

  it("fills the row's vars into the control plane, and the variant swaps pools and hosts", () => {
    const hosts = (site: string) => parse(tree.get(`sites/${site}/${site}/k0sctl.yaml`)!).spec.hosts.map((h: { role: string; ssh: { address: string } }) => `${h.role} ${h.ssh.address}`);
    expect(hosts('store-1')).toEqual(['controller+worker 10.0.1.11', 'worker 10.0.1.12']);
    expect(hosts('store-2')).toEqual(['controller+worker 10.0.2.11', 'worker 10.0.2.12']);
    expect(sites[1]!.nodePools.map((p) => `${p.name}:${p.count}${p.gpus ? `:${p.gpus.model}` : ''}`)).toEqual(['store:1', 'gpu:1:L4']);
    expect(sites[2]!.nodePools.map((p) => `${p.name}:${p.count}:${p.cpu}`)).toEqual(['store:2:16']);
  });

  it('installs the GPU operator stack only where the variant brings GPUs', () => {
    expect(sites.map((s) => s.cluster().node.children.some((c) => c instanceof GpuOperatorStack))).toEqual([false, true, false]);
  });
});

test('a profile with a control plane hosted by k0smotron: workers from the row, the control plane in the management cluster', () => {
  const hosted = new SiteProfile('kiosk', {
    infrastructure: 'edge',
    nodePools: [{ name: 'kiosk', count: 2, cpu: 4, memoryGiB: 16 }],
    cluster: {
      controlPlane: ControlPlane.hosted({
        sshKeySecret: { name: 'kiosk-ssh' },
        service: { type: 'NodePort' },
        externalAddress: '203.0.113.10',
        workers: [{ address: '{{a}}' }, { address: '{{b}}' }],
      }),
    },
    vars: ['a', 'b'],
  });
  // The management cluster runs k0smotron (kcm) and gives its etcd volumes.
  const f = new Fleet(new App(), 'retail', { managementSite: 'hq' });
  f.addSite('hq', { region: 'us-east', jurisdiction: 'US', location: { lat: 40.7, lon: -74 }, infrastructure: 'aws', nodePools: [{ name: 'm', count: 3, cpu: 8, memoryGiB: 32 }], present: { addons: ['kcm'], storageClasses: [{ name: 'local', default: true }] } });
  f.addSites(hosted, [{ site: 'kiosk-1', region: 'us-east', jurisdiction: 'US', location: { lat: 40, lon: -74 }, vars: { a: '10.9.1.11', b: '10.9.1.12' } }]);
  const tree = f.toTree();
  const machines = [...tree.keys()].filter((k) => k.startsWith('management/clusters/kiosk-1/') && k.includes('/remotemachine.'));
  expect(machines.map((k) => parse(tree.get(k)!).spec.address).sort()).toEqual(['10.9.1.11', '10.9.1.12']);
});

test('an air-gapped profile: every store gets its image list and pulls k0s from the mirror', () => {
  const kiosk = new SiteProfile('kiosk', {
    infrastructure: 'edge',
    nodePools: [{ name: 'kiosk', count: 1, cpu: 4, memoryGiB: 16 }],
    cluster: { controlPlane: ControlPlane.standalone({ hosts: [{ address: '{{a}}', role: 'single' }] }) },
    airgap: { registry: 'registry.stores.example:5000' },
    vars: ['a'],
  });
  const f = fleet();
  const [site] = f.addSites(kiosk, [{ site: 'kiosk-1', region: 'us-east', jurisdiction: 'US', location: { lat: 40, lon: -74 }, vars: { a: '10.9.1.11' } }]);
  expect(site!.airgapped).toBe(true);
  const tree = f.toTree();
  expect(tree.get('sites/kiosk-1/kiosk-1/images.txt')).toBeDefined();
  expect(tree.get('sites/kiosk-1/kiosk-1/k0sctl.yaml')).toContain('registry.stores.example:5000');
});

describe('inventory problems, all at once, by row and column', () => {
  it('names TypeScript rows by index and field', () => {
    const rows = [row(1), row(2, { jurisdiction: 'us', variant: 'gpus' }), row(3, { vars: { controller: '10.0.3.11' } }), row(1), row(4, { location: { lat: 95, lon: 0 } })];
    expect(problems(() => fleet().addSites(storeProfile(), rows))).toEqual([
      "retail: addSites(store).rows[1].variant: 'gpus' is not a variant of profile 'store'; did you mean 'gpu'? (variants: gpu); leave it empty for the base hardware",
      "retail: addSites(store).rows[2].vars.worker: is required: profile 'store' uses {{worker}}",
      "retail: addSites(store).rows[3].site: site 'store-1' is listed already at addSites(store).rows[0]; list each site once",
      'retail: addSites(store).rows[4].location.lat: must be at most 90 (got 95)',
    ]);
  });

  it("checks the rows' fields like a site's once the row is well-formed (a lower-case country code)", () => {
    expect(problems(() => fleet().addSites(storeProfile(), [row(2, { jurisdiction: 'us' })]))).toEqual([
      "retail: addSites(store).rows[0].jurisdiction: 'us' is not an ISO 3166-1 alpha-2 country code; did you mean 'US'? (codes are upper-case)",
    ]);
  });

  it('names CSV rows by file, line and column; a bad header is reported once, not per row', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'stores.csv'), 'site,region,jurisdiction,lat,lon,variant,controller,worker\nstore-1,us-east,US,40.1,-74,,10.0.1.11,10.0.1.12\nstore-2,us-east,USA,40.2,-74,,10.0.2.11,10.0.2.12\nstore-3,us-east,US,north,-74,gpu,10.0.3.11,10.0.3.12\n');
    const inv = readInventoryCsv(path.join(dir, 'stores.csv'), 'stores.csv');
    expect(problems(() => fleet().addSites(storeProfile(), inv))).toEqual([
      expect.stringMatching(/^retail: stores\.csv:3: column 'jurisdiction': 'USA' is not an ISO 3166-1 alpha-2 country code/),
      "retail: stores.csv:4: column 'lat': must be a number (got string 'north')",
    ]);
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'site,region,jurisdiction,lat,lon,controler,worker\nstore-1,us-east,US,40.1,-74,10.0.1.11,10.0.1.12\nstore-2,us-east,US,40.2,-74,10.0.2.11,10.0.2.12\n');
    expect(problems(() => fleet().addSites(storeProfile(), readInventoryCsv(path.join(dir, 'bad.csv'), 'bad.csv')))).toEqual([
      'retail: bad.csv:1: column \'controller\' is missing from the header row (columns: site,region,jurisdiction,lat,lon,controller,worker,variant)',
      "retail: bad.csv:1: column 'controler': is not a column of profile 'store'; did you mean 'controller'? (columns: site, region, jurisdiction, lat, lon, controller, worker, variant); remove it or declare it in the profile's vars",
    ]);
  });

  it('refuses a profile with a placeholder it does not declare, or a pool that breaks the site rules', () => {
    expect(
      problems(
        () =>
          new SiteProfile('store', {
            infrastructure: 'edge',
            nodePools: [{ name: 'store', count: 2, cpu: 8, memoryGiB: 32 }],
            cluster: { controlPlane: ControlPlane.standalone({ hosts: [host('{{controler}}', 'controller+worker', 'store'), host('{{worker}}', 'worker', 'store')] }) },
            vars: ['controller', 'worker'],
            variants: { gpu: { nodePools: [{ name: 'gpu', count: 1, cpu: 8, memoryGiB: 32, gpus: { model: 'L5', count: 1 } }] } },
          }),
      ),
    ).toEqual([
      "profile 'store': cluster: {{controler}} is not a var of the profile; did you mean 'controller'? Otherwise declare it in vars (known: site, region, jurisdiction, variant, controller, worker)",
      expect.stringMatching(/^profile 'store': variants\.gpu: nodePools\[gpu\]\.gpus\.model: unknown GPU model 'L5'/),
      "profile 'store': variants.gpu: cluster.controlPlane.hosts: node pool 'gpu' has count 1 but 0 hosts join it; list one host per node",
    ]);
  });
});

describe('fleet.yaml profiles and inventories', () => {
  const base = {
    management: { site: 'hq' },
    network: { podPrefixLength: 22, servicePrefixLength: 24 },
    sites: [{ name: 'hq', region: 'us-east', jurisdiction: 'US', location: { lat: 40.7, lon: -74 }, infrastructure: 'aws', nodePools: [{ name: 'm', count: 3, cpu: 8, memoryGiB: 32 }] }],
    profiles: [{ ...storeProfile().spec }],
  };

  it('gives the same sites as the TypeScript rows', () => {
    const rows = [row(1), row(2, { variant: 'gpu' })];
    const fromYaml = Fleet.fromSpec(new App(), 'retail', { ...base, inventories: [{ profile: 'store', rows }] }).toTree();
    const f = fleet();
    f.addSites(storeProfile(), rows);
    expect(fromYaml).toEqual(f.toTree());
  });

  it('names inline rows by inventory and row; an unknown profile and an unread csv are reported too', () => {
    expect(
      problems(() =>
        Fleet.fromSpec(new App(), 'retail', {
          ...base,
          inventories: [{ profile: 'store', rows: [row(1), row(2, { region: 'us east' })] }, { profile: 'stores', rows: [] }, { profile: 'store', csv: 'stores.csv' }],
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^retail: inventories\[0\]\.rows\[1\]\.region: must be usable as a label value/),
      "retail: inventories[1].profile: no profile named 'stores'; did you mean 'store'? (profiles: store)",
      'retail: inventories[2]: the rows of stores.csv were not read: fleet files with csv inventories are read with readFleetFile (the CLI does), or give rows',
    ]);
  });

  it('names both places of a site listed twice: written out and in an inventory, or in two inventories', () => {
    expect(
      problems(() =>
        Fleet.fromSpec(new App(), 'retail', { ...base, inventories: [{ profile: 'store', rows: [row(1), { ...row(2), site: 'hq' }] }, { profile: 'store', rows: [row(1)] }] }),
      ),
    ).toEqual([
      "retail: inventories[0].rows[1].site: site 'hq' is listed already at sites[0]; site names must be unique in the fleet",
      "retail: inventories[1].rows[0].site: site 'store-1' is listed already at inventories[0].rows[0]; site names must be unique in the fleet",
    ]);
  });

  it('reads csv inventories beside the fleet file, and names their rows by line and column', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'fleet.json'), JSON.stringify({ ...base, inventories: [{ profile: 'store', csv: 'stores.csv' }] }));
    fs.writeFileSync(path.join(dir, 'stores.csv'), 'site,region,jurisdiction,lat,lon,variant,controller,worker\r\nstore-1,us-east,US,40.1,-74,,10.0.1.11,10.0.1.12\r\nstore-2,us-east,XX,40.2,-74,gpu,10.0.2.11,10.0.2.12\r\n');
    expect(problems(() => Fleet.fromSpec(new App(), 'retail', readFleetFile(path.join(dir, 'fleet.json'))))).toEqual([expect.stringMatching(/^retail: stores\.csv:3: column 'jurisdiction': 'XX' is not an ISO 3166-1 alpha-2 country code/)]);
    fs.writeFileSync(path.join(dir, 'stores.csv'), 'site,region,jurisdiction,lat,lon,variant,controller,worker\nstore-1,us-east,US,40.1,-74,,10.0.1.11,10.0.1.12\n');
    expect(Fleet.fromSpec(new App(), 'retail', readFleetFile(path.join(dir, 'fleet.json'))).sites.map((s) => s.name)).toEqual(['hq', 'store-1']);
    fs.rmSync(path.join(dir, 'stores.csv'));
    expect(problems(() => readFleetFile(path.join(dir, 'fleet.json')))).toEqual([expect.stringMatching(/^stores\.csv: cannot be read \(ENOENT\); check the path/)]);
  });
});
