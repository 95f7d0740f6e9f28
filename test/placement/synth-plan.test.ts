import { tmpDir } from '../helpers';
import * as fs from 'node:fs';
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

test('cdk8s-k0smos plan prints the placement; exit 3 when a workload not marked optional stays unplaced, 0 when every unplaced one is optional', async () => {
  const plan = async (...argv: string[]): Promise<{ code: number; doc: { engine: string; workloads: { name: string; replicas: number; placed: number; reasons: { site: string }[] }[] } }> => {
    const chunks: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      chunks.push(String(c));
      return true;
    });
    try {
      const code = await main(['plan', ...argv, '--json']);
      return { code, doc: JSON.parse(chunks.join('')) };
    } finally {
      spy.mockRestore();
    }
  };
  const unplaced = (r: { doc: { workloads: { name: string; replicas: number; placed: number }[] } }) => r.doc.workloads.filter((w) => w.placed < w.replicas).map((w) => w.name).sort();
  const fleetYaml = path.join(__dirname, '../../apps/fleet.yaml');
  const variant = (edit: (text: string) => string): string => {
    const file = path.join(tmp(), 'fleet.yaml');
    const text = edit(fs.readFileSync(fleetYaml, 'utf8'));
    fs.writeFileSync(file, text);
    return file;
  };
  // fleet.yaml alone (without the TypeScript layers that partition Atlanta's MI300X) leaves the two optional
  // examples and one mi300x-batch replica (3 x 8 GPUs on 2 nodes) unplaced; mi300x-batch is not optional: exit 3.
  const exact = await plan(fleetYaml);
  expect(unplaced(exact)).toEqual(['chat-inference', 'eu-finetune', 'mi300x-batch']);
  expect(exact.code).toBe(3);
  expect(exact.doc.workloads.find((w) => w.name === 'eu-finetune')!.reasons.map((r) => r.site)).toEqual(['atlanta', 'frankfurt', 'quebec']);
  // Marked optional too: exit 0.
  const allOptional = variant((t) => t.replace('cpu: 32, memoryGiB: 512, priority: 3 }', 'cpu: 32, memoryGiB: 512, priority: 3, optional: true }'));
  expect(fs.readFileSync(allOptional, 'utf8')).toContain('priority: 3, optional: true }');
  expect((await plan(allOptional)).code).toBe(0);
  // The greedy engine says the same through the same exit code.
  const greedy = await plan(allOptional, '--greedy');
  expect(greedy.doc.engine).toBe('greedy');
  expect(greedy.code).toBe(0);
  // eu-finetune without its marker: exit 3 again.
  const notOptional = variant((t) => t.replace('cpu: 32, memoryGiB: 512, priority: 3 }', 'cpu: 32, memoryGiB: 512, priority: 3, optional: true }').replace('priority: 5, optional: true }', 'priority: 5 }'));
  expect((await plan(notOptional)).code).toBe(3);
});
