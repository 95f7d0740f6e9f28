/**
 * Writes stores.csv, the inventory of the retail example: 1,200 stores in five regions, every 20th with an
 * NVIDIA L4 (variant gpu, 5 %), each with the addresses of its two machines. Deterministic: run it again and
 * the file is the same (`npx ts-node --transpile-only examples/retail/generate-stores.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const REGIONS: readonly { region: string; jurisdiction: string; lat: number; lon: number }[] = [
  { region: 'us-east', jurisdiction: 'US', lat: 40.7, lon: -74.0 },
  { region: 'us-central', jurisdiction: 'US', lat: 41.9, lon: -87.6 },
  { region: 'us-west', jurisdiction: 'US', lat: 37.8, lon: -122.4 },
  { region: 'ca-east', jurisdiction: 'CA', lat: 45.5, lon: -73.6 },
  { region: 'ca-west', jurisdiction: 'CA', lat: 49.3, lon: -123.1 },
];

/** The CSV text for `count` stores. */
export function storesCsv(count: number): string {
  const lines = ['site,region,jurisdiction,lat,lon,variant,controller,worker'];
  for (let i = 1; i <= count; i++) {
    const r = REGIONS[i % REGIONS.length]!;
    // Spread the stores over about a degree around the region's city, on a fixed pattern.
    const lat = (r.lat + ((i * 37) % 100) / 100 - 0.5).toFixed(3);
    const lon = (r.lon + ((i * 53) % 100) / 100 - 0.5).toFixed(3);
    // Each store has its own /24 in 10.64.0.0/10 for its machines (.11 and .12).
    const net = `10.${64 + Math.floor(i / 256)}.${i % 256}`;
    lines.push([`store-${String(i).padStart(4, '0')}`, r.region, r.jurisdiction, lat, lon, i % 20 === 0 ? 'gpu' : '', `${net}.11`, `${net}.12`].join(','));
  }
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  const out = path.join(__dirname, 'stores.csv');
  fs.writeFileSync(out, storesCsv(1200));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}
