/**
 * Run by `cdk8s synth` (see cdk8s.yaml) and `npm run synth`. cdk8s empties its own output folder
 * (.cdk8s.out) before the app runs, so that folder is only scratch: the GitOps tree goes to dist/ through
 * the library's atomic writer (a failed synth leaves the previous dist/ as it was; your own files in dist/
 * stay). The exact placement (HiGHS) is loaded by synthAsync.
 */
import * as fs from 'node:fs';
import { App } from 'cdk8s';
import { ValidationError } from 'cdk8s-k0smos';
import { buildFleet } from './fleet';

// `cdk8s synth` expects its scratch folder to exist after the app ran.
if (process.env.CDK8S_OUTDIR) fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });

buildFleet(new App())
  .synthAsync({ outdir: process.env.K0SMOS_OUTDIR ?? 'dist' })
  .then((r) => console.log(`wrote ${r.files} files to ${r.outdir}`))
  .catch((e: unknown) => {
    // Problems are gathered into one ValidationError, listed by construct path; print them, not a stack.
    console.error(e instanceof ValidationError ? e.message : e);
    process.exitCode = 1;
  });
