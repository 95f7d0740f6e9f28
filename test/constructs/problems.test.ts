/**
 * Construct-level problems are gathered: each construct records the problems of its props and stays inert,
 * and the fleet's synth checks report all of them at once, by construct and field path, with the spec
 * problems, and without a stack trace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildReferenceBase } from '../../apps/reference-fleet';
import { FederatedLearningJob, GpuOperatorStack, InferenceRuntime, InferenceService, TrainingJob } from '../../constructs';
import { ValidationError } from '../../lib/model/errors';
import { tmpDir } from '../helpers';

function brokenFleet() {
  const fleet = buildReferenceBase(new App());
  new TrainingJob(fleet, 'train', { target: { site: 'quebek' }, image: 'i', shmSizeGiB: -1 });
  new InferenceService(fleet, 'chat', { target: { site: 'atlanta' }, runtime: InferenceRuntime.deployment({ image: 'i' }), jurisdictions: ['EU'] });
  new InferenceService(fleet, 'placed', { runtime: InferenceRuntime.deployment({ image: 'i' }), gpusPerReplica: 2, placement: { migProfile: '1g.10gb' } });
  new FederatedLearningJob(fleet, 'fl', { clients: [], images: { serverApp: 's' } });
  new GpuOperatorStack(fleet.site('quebec').cluster(), 'gpu', { migStrategy: 'bogus' as never });
  return fleet;
}

function problemsOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('construct problems are gathered at synth', () => {
  it('building a fleet with five broken constructs does not throw; its synth checks list every problem by construct and field', () => {
    const fleet = brokenFleet();
    const err = problemsOf(() => fleet.resolve());
    const paths = err.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^geo\/train: target\.site$/),
        'geo/train: shmSizeGiB',
        expect.stringMatching(/^geo\/chat: /),
        'geo/placed: gpusPerReplica',
        'geo/fl: clients',
        expect.stringMatching(/^geo\/quebec\/quebec\/gpu: migStrategy/),
      ]),
    );
    expect(err.issues.find((i) => i.path === 'geo/train: target.site')!.message).toMatch(/quebec/);
    // No stack trace: the error prints as its list of problems.
    expect(err.stack).toBe(`ValidationError: ${err.message}`);
    expect(err.message).not.toMatch(/\n\s+at /);
  });

  it('an inert construct writes nothing and its flows add no follow-on problem', () => {
    const fleet = brokenFleet();
    const err = problemsOf(() => fleet.toTree());
    expect(err.issues.some((i) => /flows\[/.test(i.path))).toBe(false);
  });

  it('synth reports them before writing: the output folder is left as it was', () => {
    const dir = tmpDir('k0smos-problems-');
    const out = path.join(dir, 'dist');
    const err = problemsOf(() => brokenFleet().synth({ outdir: out }));
    expect(err.issues.length).toBeGreaterThanOrEqual(6);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('the same constructs with good props synthesize (the problems were the props, not the constructs)', () => {
    const fleet = buildReferenceBase(new App());
    new TrainingJob(fleet, 'train', { target: { site: 'quebec' }, image: 'i' });
    expect(() => fleet.resolve()).not.toThrow();
  });
});
