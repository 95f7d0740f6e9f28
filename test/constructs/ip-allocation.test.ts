/**
 * Issue 14: the IP plan's saved state through the fleet. Each synth reads `ip-plan.json` (plain data into
 * `toTree`), allocates clusters it does not record, keeps those it does, and writes the file back; the
 * rendered objects (hosted control planes, k0sctl.yaml, the ip-plan ConfigMap) follow the plan.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { CiliumMesh, Fleet } from '../../constructs';
import { main } from '../../bin/cli';
import { parseIpPlanState, type IpPlanState } from '../../lib/model/ip-plan';
import type { FleetSpec, SiteSpec } from '../../lib/model/fleet';
import { fileIn, rejections, tmpDir } from '../helpers';

/** A hub that hosts the stores' control planes, and stores of two nodes each. 32 slots, so names clash and probe. */
function storesFleet(stores: readonly string[], extra: { pins?: Record<string, number>; reuseRemoved?: boolean | string[] } = {}): FleetSpec {
  const hub: SiteSpec = {
    name: 'hub',
    region: 'eu-central',
    jurisdiction: 'DE',
    location: { lat: 50.1, lon: 8.7 },
    infrastructure: 'bare-metal',
    present: { loadBalancer: true },
    nodePools: [{ name: 'ctrl', count: 1, cpu: 16, memoryGiB: 64 }],
    clusters: [{ name: 'hub', controlPlane: { mode: 'standalone', hosts: [{ role: 'single', address: '192.168.0.1' }] } }],
  };
  const site = (name: string, i: number): SiteSpec => ({
    name,
    region: 'eu-west',
    jurisdiction: 'FR',
    location: { lat: 48.8, lon: 2.3 },
    infrastructure: 'edge',
    nodePools: [{ name: 'box', count: 2, cpu: 4, memoryGiB: 16 }],
    clusters: [
      {
        name,
        ...(extra.pins?.[name] !== undefined ? { network: { slot: extra.pins[name] } } : {}),
        controlPlane: {
          mode: 'hosted',
          ingress: { apiHost: `${name}.api.example`, konnectivityHost: `${name}.konnectivity.example` },
          sshKeySecret: { name: 'store-ssh-key' },
          workers: [
            { address: `192.168.${10 + i}.1`, user: 'edge' },
            { address: `192.168.${10 + i}.2`, user: 'edge' },
          ],
        },
      },
    ],
  });
  return {
    name: 'retail',
    management: { site: 'hub' },
    network: { podPrefixLength: 14, servicePrefixLength: 17, ...(extra.reuseRemoved !== undefined ? { reuseRemoved: extra.reuseRemoved } : {}) },
    sites: [hub, ...stores.map(site)],
  };
}

const stores = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `store-${String(from + i).padStart(2, '0')}`);

/** Renders a fleet with a saved state; the tree and the state it writes. */
function synthTree(spec: FleetSpec, state?: IpPlanState) {
  const fleet = Fleet.fromSpec(new App(), 'fleet', spec);
  const tree = fleet.toTree(state ? { ipAllocations: state } : {});
  const read = parseIpPlanState(tree.get('ip-plan.json')!);
  if (!('state' in read)) throw new Error(read.problem);
  return { fleet, tree, state: read.state };
}

/** Every cluster's CIDRs as the rendered objects say: the hosted Cluster's clusterNetwork, and the plan's ConfigMap. */
function renderedCidrs(tree: ReadonlyMap<string, string>, names: readonly string[]): Record<string, { pod: string; svc: string; k0sPod: string }> {
  const plan = parse(fileIn(tree, 'management/fleet', 'configmap_k0smos-system_ip-plan.yaml')).data as Record<string, string>;
  const out: Record<string, { pod: string; svc: string; k0sPod: string }> = {};
  for (const n of names) {
    const cluster = parse(fileIn(tree, `management/clusters/${n}`, `cluster.cluster.x-k8s.io_kcm-system_${n}.yaml`));
    const cp = parse(fileIn(tree, `management/clusters/${n}`, `k0smotroncontrolplane.controlplane.cluster.x-k8s.io_kcm-system_${n}.yaml`));
    const row = parse(plan[n]!) as { podCIDR: string; serviceCIDR: string };
    expect([row.podCIDR, row.serviceCIDR]).toEqual([cluster.spec.clusterNetwork.pods.cidrBlocks[0], cluster.spec.clusterNetwork.services.cidrBlocks[0]]);
    out[n] = { pod: row.podCIDR, svc: row.serviceCIDR, k0sPod: cp.spec.k0sConfig.spec.network.podCIDR };
  }
  return out;
}

describe('the IP plan through synth', () => {
  test('10 stores added, then 3 removed: no existing cluster changes its CIDRs in any rendered object', () => {
    const first = synthTree(storesFleet(stores(0, 6)));
    const before = renderedCidrs(first.tree, ['hub', ...stores(0, 6)].filter((n) => n !== 'hub'));
    const added = synthTree(storesFleet(stores(0, 16)), first.state);
    const afterAdd = renderedCidrs(added.tree, stores(0, 16));
    for (const n of stores(0, 6)) expect(afterAdd[n]).toEqual(before[n]);
    // Every cluster's k0s config agrees with its Cluster object.
    for (const n of stores(0, 16)) expect(afterAdd[n]!.k0sPod).toBe(afterAdd[n]!.pod);
    const gone = ['store-01', 'store-07', 'store-12'];
    const kept = stores(0, 16).filter((n) => !gone.includes(n));
    const removed = synthTree(storesFleet(kept), added.state);
    const afterRemove = renderedCidrs(removed.tree, kept);
    for (const n of kept) expect(afterRemove[n]).toEqual(afterAdd[n]);
    expect(removed.state.clusters.filter((e) => e.removed).map((e) => e.name)).toEqual(gone);
    // The hub, a standalone cluster, keeps its k0sctl.yaml network too.
    const k0sctl = (t: ReadonlyMap<string, string>) => parse(fileIn(t, 'sites/hub/hub', 'k0sctl.yaml')).spec.k0s.config.spec.network;
    expect(k0sctl(removed.tree)).toEqual(k0sctl(first.tree));
  });

  test('the same input and state give the same bytes, and the state a synth writes changes nothing when read back', () => {
    const one = synthTree(storesFleet(stores(0, 8)));
    const two = synthTree(storesFleet(stores(0, 8)), one.state);
    const three = synthTree(storesFleet(stores(0, 8)), one.state);
    expect([...two.tree]).toEqual([...one.tree]);
    expect([...three.tree]).toEqual([...two.tree]);
  });

  test("a cluster's CIDRs follow the state given to toTree (read when rendered, not when the cluster was made)", () => {
    const fleet = Fleet.fromSpec(new App(), 'fleet', storesFleet(['store-00']));
    const fresh = fleet.site('store-00').cluster().podCIDR;
    const state: IpPlanState = { ...synthTree(storesFleet(['store-00'])).state };
    const moved: IpPlanState = { pools: state.pools, clusters: state.clusters.map((e) => (e.name === 'store-00' ? { name: e.name, slot: 31, podCIDR: '10.252.0.0/14', serviceCIDR: '172.31.128.0/17' } : e)) };
    const tree = fleet.toTree({ ipAllocations: moved });
    expect(renderedCidrs(tree, ['store-00'])['store-00']).toEqual({ pod: '10.252.0.0/14', svc: '172.31.128.0/17', k0sPod: '10.252.0.0/14' });
    expect(fleet.site('store-00').cluster().podCIDR).toBe('10.252.0.0/14');
    expect(fresh).not.toBe('10.252.0.0/14');
  });

  test('a pin onto a recorded cluster is refused by fleet.yaml path, naming both', () => {
    const first = synthTree(storesFleet(stores(0, 4)));
    const taken = first.state.clusters.find((e) => e.name === 'store-00')!.slot!;
    const lines = rejections(() => Fleet.fromSpec(new App(), 'fleet', storesFleet(stores(0, 5), { pins: { 'store-04': taken } })).toTree({ ipAllocations: first.state }));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^fleet: sites\\[store-04\\]\\.clusters\\[store-04\\]\\.network\\.slot: pod CIDR \\S+ of cluster 'store-04' \\(network\\.slot ${taken}\\) collides with pod CIDR \\S+ of cluster 'store-00' \\(recorded in ip-plan\\.json, slot ${taken}\\)`))]);
  });
});

describe('the IP plan through the CLI', () => {
  test('synth, plan and check of a fleet.yaml read <out>/ip-plan.json; a second synth changes nothing', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const file = path.join(dir, 'fleet.json');
    const quiet = [jest.spyOn(console, 'log').mockImplementation(() => undefined), jest.spyOn(console, 'error').mockImplementation(() => undefined), jest.spyOn(console, 'warn').mockImplementation(() => undefined)];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      fs.writeFileSync(file, JSON.stringify(storesFleet(stores(0, 6))));
      expect(await main(['synth', file, '--out', out])).toBe(0);
      const first = fs.readFileSync(path.join(out, 'ip-plan.json'), 'utf8');
      expect(await main(['synth', file, '--out', out])).toBe(0);
      expect(fs.readFileSync(path.join(out, 'ip-plan.json'), 'utf8')).toBe(first);
      // Ten more stores: the first six keep their entries, line for line.
      fs.writeFileSync(file, JSON.stringify(storesFleet(stores(0, 16))));
      expect(await main(['synth', file, '--out', out])).toBe(0);
      const lines = (t: string) => t.split('\n').filter((l) => l.includes('"name"')).map((l) => l.replace(/,$/, ''));
      const after = lines(fs.readFileSync(path.join(out, 'ip-plan.json'), 'utf8'));
      for (const l of lines(first)) expect(after).toContain(l);
      // A pin onto a recorded slot: plan and check read the same file, so both refuse it; without the file they would not.
      const taken = (JSON.parse(first) as { clusters: { name: string; slot: number }[] }).clusters.find((e) => e.name === 'store-00')!.slot;
      fs.writeFileSync(file, JSON.stringify(storesFleet(stores(0, 17), { pins: { 'store-16': taken } })));
      expect(await main(['check', file, '--out', out])).toBe(1);
      expect(await main(['plan', file, '--out', out])).toBe(1);
      expect(await main(['check', file, '--out', path.join(dir, 'nothing-here')])).toBe(0);
    } finally {
      for (const s of [...quiet, stdout]) s.mockRestore();
    }
  });
});

describe('capacity through the fleet', () => {
  test('a fleet larger than the plan is one error, even with its clusters in a mesh', () => {
    const fleet = new Fleet(new App(), 'big', { managementSite: 's000' });
    const mesh = new CiliumMesh(fleet, 'mesh');
    for (let i = 0; i < 300; i++) {
      const name = `s${String(i).padStart(3, '0')}`;
      const site = fleet.addSite(name, {
        region: 'eu',
        jurisdiction: 'DE',
        location: { lat: 50, lon: 8 },
        infrastructure: 'edge',
        nodePools: [{ name: 'n', count: 2, cpu: 4, memoryGiB: 16 }],
      });
      if (i < 40) mesh.addCluster({ cluster: site.cluster(), meshEndpoint: `${name}.example.net`, kubeProxyReplacement: false, install: false });
    }
    const lines = rejections(() => fleet.resolve());
    expect(lines).toEqual([
      expect.stringMatching(/^big: network: the IP plan has 256 slots \(.*\), and the fleet needs 300 \(300 clusters to allocate\)\. Prefix lengths that fit 300 clusters: network\.podPrefixLength 18 to 23 .*; network\.servicePrefixLength 21 to 28/),
    ]);
  });
});
