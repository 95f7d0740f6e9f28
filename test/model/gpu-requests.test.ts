/** Issue 13: GPU requests no GPU can ever meet (a MIG profile its model lacks, MIG on a GPU without MIG) are refused by path. */
import { referenceFleetSpec } from '../../apps/reference-fleet';
import { validateFleet, type FleetSpec } from '../../lib/model/fleet';
import { clone } from '../helpers';

function withWorkload(gpu: Record<string, unknown>): FleetSpec {
  const spec = clone(referenceFleetSpec) as any;
  spec.workloads = [{ name: 'w', replicas: 1, gpu }];
  return spec;
}
const problems = (spec: FleetSpec) => {
  const r = validateFleet(spec);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('GPU requests against the fleet', () => {
  it('a MIG profile the named model lacks', () => {
    expect(problems(withWorkload({ model: 'A100-80GB', migProfile: '1g.5gb' }))).toEqual([expect.stringMatching(/^workloads\[w\]\.gpu\.migProfile: A100-80GB has no MIG profile '1g\.5gb'.*its profiles: 1g\.10gb/)]);
  });
  it('MIG on a GPU without MIG (MI300X, T4)', () => {
    expect(problems(withWorkload({ model: 'MI300X', migProfile: '1g.10gb' })).join('\n')).toMatch(/gpu\.migProfile: MI300X has no MIG/);
  });
  it('a model or profile the fleet lacks today is not refused: placement leaves it unplaced and says why', () => {
    expect(problems(withWorkload({ model: 'T4', count: 1 }))).toEqual([]);
    expect(problems(withWorkload({ migProfile: '1g.18gb' }))).toEqual([]);
  });
  it('requests the fleet can meet pass', () => {
    expect(problems(withWorkload({ model: 'A100-80GB', migProfile: '1g.10gb' }))).toEqual([]);
    expect(problems(withWorkload({ migProfile: '3g.40gb' }))).toEqual([]);
    expect(problems(withWorkload({ model: 'MI300X', count: 8 }))).toEqual([]);
  });
});
