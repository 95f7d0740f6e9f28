import { tmpDir } from '../helpers';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { main } from '../../bin/cli';
import { Fleet } from '../../constructs';
import { buildReferenceFleet, referenceFleetSpec } from '../../apps/reference-fleet';
import { readTree } from '../../lib/synth/writer';

const tmp = () => tmpDir('k0smos-placement-');

test('synth writes placement.json and PLACEMENT.md, and a re-synth over them changes nothing', () => {
  const out = path.join(tmp(), 'dist');
  buildReferenceFleet(new App()).synth({ outdir: out });
  const first = readTree(out);
  const doc = JSON.parse(first.get('placement.json')!) as { status: string; workloads: { name: string; placed: number }[] };
  expect(doc.status).toBe('heuristic');
  expect(doc.workloads.find((w) => w.name === 'llm-pretrain')!.placed).toBe(2);
  expect(first.get('PLACEMENT.md')).toContain('| eu-finetune | 5 | 0/1 | - |');
  buildReferenceFleet(new App()).synth({ outdir: out });
  expect(readTree(out)).toEqual(first);
});

test('a fleet without workloads writes no placement files', () => {
  const fleet = buildReferenceFleet(new App());
  const spec = fleet.toSpec();
  expect(spec.workloads?.length).toBeGreaterThan(0);
  const out = path.join(tmp(), 'dist');
  const bare = new Fleet(new App(), 'geo', { name: 'geo', managementSite: 'frankfurt', credentials: referenceFleetSpec.management.credentials ?? [] });
  for (const { name, ...props } of spec.sites) bare.addSite(name, props as never);
  bare.synth({ outdir: out });
  expect([...readTree(out).keys()].filter((k) => /placement/i.test(k))).toEqual([]);
});

test('cdk8s-k0smos plan prints the placement and exits 3 when replicas stay unplaced', async () => {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    const code = await main(['plan', path.join(__dirname, '../../apps/fleet.yaml'), '--greedy', '--json']);
    expect(code).toBe(3);
  } finally {
    spy.mockRestore();
  }
  const doc = JSON.parse(chunks.join('')) as { engine: string; workloads: { name: string; reasons: { site: string }[] }[] };
  expect(doc.engine).toBe('greedy');
  expect(doc.workloads.find((w) => w.name === 'eu-finetune')!.reasons.map((r) => r.site)).toEqual(['atlanta', 'frankfurt', 'quebec']);
});
