/**
 * Entry point run by `cdk8s synth` (see cdk8s.yaml) and `npm run synth`.
 * Synthesizes the reference fleet into `dist/` (or K0SMOS_OUTDIR) with the library's atomic writer.
 *
 * "Now" for the time checks comes from K0SMOS_NOW (an ISO 8601 date or instant) and from nowhere else: the
 * reference fleet schedules against fixed sample signals (data/signals/sample.json, June 2026), so passing
 * `new Date()` would make this synth fail from the day those dates passed, and the committed dist/ could no
 * longer be regenerated. Without K0SMOS_NOW, synth prints a warning with the schedule's dates; with it (your
 * own app, your own signals: pass `now: new Date()`), a schedule that has passed stops synth. Neither
 * changes a byte of the output.
 *
 * The rollout's change list (ROLLOUT.md) compares with a base you name, never with what the last synth
 * wrote: K0SMOS_ROLLOUT_BASE_REF (a git ref of the repository dist/ is committed to, e.g. `main`) or
 * K0SMOS_ROLLOUT_BASE (a folder holding a previous output). Without either, ROLLOUT.md lists the stages only.
 */
import * as fs from 'node:fs';
import { App } from 'cdk8s';
import { ValidationError } from '../lib/model/errors';
import { loadHighs } from '../lib/placement/highs';
import { buildReferenceFleet } from './reference-fleet';

const outdir = process.env.K0SMOS_OUTDIR ?? 'dist';
// `cdk8s synth` expects its (scratch) output folder to exist after the app ran; our tree goes to `outdir`.
if (process.env.CDK8S_OUTDIR) fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
// HiGHS loads asynchronously (it reads its WebAssembly file); the synth itself is synchronous.
void loadHighs().then((highs) => {
  try {
    const fleet = buildReferenceFleet(new App());
    const now = process.env.K0SMOS_NOW;
    const baseRef = process.env.K0SMOS_ROLLOUT_BASE_REF;
    const baseDir = process.env.K0SMOS_ROLLOUT_BASE;
    const rolloutBase = baseRef ? { gitRef: baseRef } : baseDir ? { folder: baseDir } : undefined;
    const result = fleet.synth({ outdir, highs, ...(now ? { now } : {}), ...(rolloutBase ? { rolloutBase } : {}) });
    console.log(`cdk8s-k0smos: wrote ${result.files} files to ${result.outdir} (${result.folders.join(', ')})`);
  } catch (e) {
    if (e instanceof ValidationError) {
      console.error(e.message);
      // exitCode, not exit(): stderr is drained before the process ends, even when piped
      process.exitCode = 1;
      return;
    }
    throw e;
  }
});
