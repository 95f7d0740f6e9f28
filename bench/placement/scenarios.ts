/**
 * Seeded scenario generators for the placement benchmark (docs/placement.md, PLACEMENT.md section 6).
 * PRNG: mulberry32 from a 32-bit seed; every draw happens in a fixed order, so a seed pins the instance.
 * Numbers are generator defaults, not measured facts.
 */
import { parseFleet, type FleetModel, type FleetSpec, type NodePoolSpec, type SiteSpec } from '../../lib/model/fleet';
import type { WorkloadSpec } from '../../lib/model/workload';
import { mulberry32 } from '../../lib/energy/synthetic';

/** The same seeded PRNG the sample energy signals use. */
export { mulberry32 };

/** A scenario: a fleet with its workloads in arrival order (sequential baselines use that order). */
export interface Scenario {
  readonly id: string;
  readonly description: string;
  readonly fleet: FleetModel;
  /** For mck8s semantics: replicas per location and number of locations of each workload (by name). */
  readonly mck8s?: ReadonlyMap<string, { perLocation: number; locations: number }>;
}

function draw(seed: number) {
  const r = mulberry32(seed);
  return {
    r,
    int: (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!,
  };
}

function site(name: string, jurisdiction: string, lat: number, lon: number, nodePools: NodePoolSpec[], carbon: number): SiteSpec {
  return { name, region: 'r', jurisdiction, location: { lat, lon }, infrastructure: 'bare-metal', nodePools, power: { carbonIntensity: carbon } };
}

/**
 * (a) mck8s-like: 5 clusters of 4 vCPU / 4 GiB workers, {2, 3, 5, 5, 8} workers in seeded order;
 * applications with R ~ U{1..10} replicas, CPU 0.1..1.0 in steps of 0.1, memory 128..1024 MiB in
 * steps of 128 MiB, k ~ U{1..3} locations (k·R pods in total), until the offered CPU reaches `load`
 * times the allocatable CPU.
 */
export function mck8sScenario(seed: number, load: number, trim = false): Scenario {
  const { r, int, pick } = draw(seed);
  const workers = [2, 3, 5, 5, 8];
  for (let i = workers.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [workers[i], workers[j]] = [workers[j]!, workers[i]!];
  }
  const cities: [string, number, number][] = [
    ['rennes', 48.1, -1.7],
    ['lyon', 45.8, 4.8],
    ['nancy', 48.7, 6.2],
    ['lille', 50.6, 3.1],
    ['grenoble', 45.2, 5.7],
  ];
  const sites = cities.map(([n, lat, lon], i) => site(`cluster${i + 1}-${n}`, 'FR', lat, lon, [{ name: 'workers', count: workers[i]!, cpu: 4, memoryGiB: 4 }], 60));
  const capacity = workers.reduce((s, w) => s + w * 4, 0);
  const workloads: WorkloadSpec[] = [];
  const mck8s = new Map<string, { perLocation: number; locations: number }>();
  let offered = 0;
  for (let i = 0; offered < load * capacity; i++) {
    let R = int(1, 10);
    const cpu = int(1, 10) / 10;
    const mem = (int(1, 8) * 128) / 1024;
    let k = pick([1, 2, 3]);
    // With `trim`, the last application is cut to the target load (an application can be a third of
    // the fleet, so without it neighbouring load points can draw the same instance).
    if (trim && offered + k * R * cpu > load * capacity + 1e-9) {
      const room = load * capacity - offered;
      if (Math.floor(room / (k * cpu) + 1e-9) >= 1) R = Math.floor(room / (k * cpu) + 1e-9);
      else if (Math.floor(room / cpu + 1e-9) >= 1) [k, R] = [1, Math.floor(room / cpu + 1e-9)];
      else break;
    }
    const name = `app-${String(i).padStart(3, '0')}`;
    workloads.push({ name, replicas: k * R, cpu, memoryGiB: mem });
    mck8s.set(name, { perLocation: R, locations: k });
    offered += k * R * cpu;
  }
  const spec: FleetSpec = { management: { site: sites[0]!.name }, sites, workloads };
  const pct = Math.round((offered / capacity) * 100);
  return { id: `a-mck8s-${Math.round(load * 100)}${trim ? '-trim' : ''}`, description: `mck8s-like, 5 clusters, offered CPU ${pct} % of allocatable (target ${Math.round(load * 100)} %)`, fleet: parseFleet(spec), mck8s };
}

const EDGE_COUNTRIES: [string, number, number, number, number][] = [
  // code, lat min, lat max, lon min, lon max (rough country boxes)
  ['DE', 48, 54, 7, 14],
  ['FR', 43, 50, -1, 7],
  ['US', 30, 45, -120, -75],
  ['CA', 44, 50, -80, -65],
  ['GB', 51, 55, -3, 0],
];

/**
 * (b) The AI fleet: Quebec A100 (MIG), Atlanta MI300X, Frankfurt L4, plus `edges` edge sites with
 * 1–4 L4s; training gangs, latency-bound inference, federated-learning clients pinned to their site,
 * CPU agents; about 1.3x oversubscribed on GPUs.
 */
export function aiFleetScenario(seed: number, edges = 12): Scenario {
  const { r, int, pick } = draw(seed);
  const sites: SiteSpec[] = [
    site('qc-montreal', 'CA', 45.5, -73.6, [{ name: 'a100', count: 6, cpu: 64, memoryGiB: 512, gpus: { model: 'A100-80GB', count: 8 } }, { name: 'cpu', count: 2, cpu: 32, memoryGiB: 128 }], 30),
    site('us-atlanta', 'US', 33.75, -84.39, [{ name: 'mi300x', count: 4, cpu: 96, memoryGiB: 1536, gpus: { model: 'MI300X', count: 8 } }], 400),
    site('de-frankfurt', 'DE', 50.11, 8.68, [{ name: 'l4', count: 2, cpu: 32, memoryGiB: 128, gpus: { model: 'L4', count: 4 } }, { name: 'mgmt', count: 3, cpu: 16, memoryGiB: 64 }], 350),
  ];
  for (let i = 0; i < edges; i++) {
    const [c, la0, la1, lo0, lo1] = pick(EDGE_COUNTRIES);
    const lat = la0 + r() * (la1 - la0);
    const lon = lo0 + r() * (lo1 - lo0);
    sites.push(site(`edge-${String(i).padStart(2, '0')}-${c.toLowerCase()}`, c, Math.round(lat * 100) / 100, Math.round(lon * 100) / 100, [{ name: 'n', count: int(1, 2), cpu: 16, memoryGiB: 64, gpus: { model: 'L4', count: pick([1, 2, 4]) } }], int(50, 600)));
  }
  const users: [number, number][] = [
    [40.7, -74.0],
    [45.5, -73.6],
    [33.75, -84.39],
    [50.1, 8.7],
    [48.9, 2.35],
  ];
  const workloads: WorkloadSpec[] = [];
  let i = 0;
  const add = (w: Omit<WorkloadSpec, 'name'>, kind: string) => workloads.push({ name: `${kind}-${String(i++).padStart(3, '0')}`, ...w } as WorkloadSpec);
  const gpus = sites.reduce((s, x) => s + x.nodePools.reduce((t, p) => t + p.count * (p.gpus?.count ?? 0), 0), 0);
  let demand = 0;
  while (demand < 1.3 * gpus) {
    const k = r();
    if (k < 0.25) {
      const g = pick([2, 4, 8]);
      const rep = pick([1, 2, 3]);
      const needA100 = r() < 0.5;
      add({ replicas: rep, gpu: needA100 ? { model: 'A100-80GB', count: g } : { count: g, memoryGiB: 80 }, cpu: 16, memoryGiB: 128, gang: true, priority: pick([4, 8]), ...(r() < 0.4 ? { allowedJurisdictions: [pick(['CA', 'US', 'USMCA'])] } : {}) }, 'train');
      demand += g * rep;
    } else if (k < 0.6) {
      const rep = int(2, 6);
      const u = pick(users);
      const mig = r() < 0.3;
      add({ replicas: rep, gpu: mig ? { migProfile: '3g.40gb' } : { count: 1, memoryGiB: pick([16, 24, 80]) }, cpu: 4, memoryGiB: 32, latency: { maxRttMs: pick([25, 40, 80]), to: { lat: u[0], lon: u[1] } }, spread: { maxPerSite: int(2, 4) }, priority: pick([2, 4, 8]) }, 'infer');
      demand += mig ? rep / 2 : rep;
    } else if (k < 0.85) {
      const target = sites[int(3, sites.length - 1)]!;
      add({ replicas: 1, gpu: { count: 1 }, cpu: 2, memoryGiB: 8, pinnedSite: target.name, priority: 4 }, 'fl');
      demand += 1;
    } else {
      const u = pick(users);
      add({ replicas: int(1, 4), cpu: pick([1, 2, 4]), memoryGiB: 4, latency: { maxRttMs: 40, to: { lat: u[0], lon: u[1] } }, priority: 1 }, 'agent');
    }
  }
  const spec: FleetSpec = { management: { site: 'de-frankfurt' }, sites, workloads };
  return { id: 'b-ai-fleet', description: `AI fleet: 3 core sites + ${edges} edge sites, ${workloads.length} workloads, ~1.3x GPU oversubscription`, fleet: parseFleet(spec) };
}

/**
 * (c) Scale: `W` workloads on `S` sites. Sites have each of A100 / MI300X / L4 with probability 0.6 as
 * pools of 8-GPU nodes sized so demand is ~1.25x capacity; workloads need 1/2/4/8 GPUs of one model,
 * priority 1/2/4/8, 30 % residency-restricted, 20 % latency-bound. (d) With `hard`, the same with
 * packing difficulty: 1/2/3/5/6 GPUs, 30 % memory-bound, 15 % gangs, 15 % at most one replica per site.
 */
export function scaleScenario(seed: number, W: number, S: number, hard = false): Scenario {
  const { r, int, pick } = draw(seed);
  const models = ['A100-80GB', 'MI300X', 'L4'];
  const countries: [string, number, number][] = [
    ['US', 38, -97],
    ['CA', 50, -90],
    ['DE', 51, 10],
    ['FR', 47, 2],
  ];
  const workloads: WorkloadSpec[] = [];
  const demand = new Map<string, number>(models.map((m) => [m, 0]));
  for (let i = 0; i < W; i++) {
    const n = hard ? pick([1, 2, 3, 3, 5, 6]) : pick([1, 1, 2, 2, 4, 8]);
    const model = pick([models[0]!, models[0]!, models[1]!, models[2]!, models[2]!]);
    const rep = int(1, 3);
    const w: Record<string, unknown> = { name: `w${String(i).padStart(5, '0')}`, replicas: rep, gpu: { model, count: n }, cpu: 2 * n, memoryGiB: 16 * n, priority: pick([1, 2, 4, 8]) };
    if (hard) {
      // Packing difficulty: sizes that do not divide an 8-GPU node, memory that binds before GPUs
      // (96 GiB per GPU against 512 GiB per node), gangs, and at most one replica per site.
      if (r() < 0.3) w.memoryGiB = Math.min(96 * n, 448);
      const k = r();
      if (rep >= 2 && k < 0.15) w.gang = true;
      else if (rep >= 2 && k < 0.3) w.spread = { maxPerSite: 1 };
    }
    if (r() < 0.3) w.allowedJurisdictions = [pick(countries)[0]];
    if (r() < 0.2) {
      const c = pick(countries);
      w.latency = { maxRttMs: 40, to: { lat: c[1], lon: c[2] } };
    }
    workloads.push(w as WorkloadSpec);
    demand.set(model, demand.get(model)! + n * rep);
  }
  const owners = new Map<string, number[]>(models.map((m) => [m, [] as number[]]));
  const places = Array.from({ length: S }, (_, i) => {
    const c = pick(countries);
    const has = models.filter(() => r() < 0.6);
    if (has.length === 0) has.push(pick(models));
    for (const m of has) owners.get(m)!.push(i);
    return { name: `s${String(i).padStart(3, '0')}-${c[0].toLowerCase()}`, c: c[0], lat: c[1] + (r() - 0.5) * 8, lon: c[2] + (r() - 0.5) * 16, has, carbon: int(20, 700) };
  });
  const sites = places.map((p, i) =>
    site(
      p.name,
      p.c,
      Math.round(p.lat * 100) / 100,
      Math.round(p.lon * 100) / 100,
      p.has.map((m) => ({ name: m.toLowerCase().replace(/[^a-z0-9]/g, ''), count: Math.max(1, Math.round(demand.get(m)! / 1.25 / owners.get(m)!.length / 8)), cpu: 64, memoryGiB: 512, gpus: { model: m, count: 8 } })),
      places[i]!.carbon,
    ),
  );
  // Up to 200 sites would collide on the IP plan's name-derived slots (256 of them): number them in order.
  const numbered = sites.map((s, i) => ({ ...s, clusters: [{ name: s.name, network: { slot: i } }] }));
  const spec: FleetSpec = { management: { site: sites[0]!.name }, sites: numbered, workloads };
  return hard
    ? { id: `d-hard-${W}x${S}`, description: `scale with packing difficulty: ${W} workloads x ${S} sites, GPU sizes 1/2/3/5/6 on 8-GPU nodes, memory-bound replicas, gangs, one replica per site`, fleet: parseFleet(spec) }
    : { id: `c-scale-${W}x${S}`, description: `scale: ${W} workloads x ${S} sites`, fleet: parseFleet(spec) };
}
