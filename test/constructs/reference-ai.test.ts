import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateDirectory, formatFailure } from '../../lib/validate/validate';
import { itWithSchemas, schemaRegistry, tmpDir } from '../helpers';
import { referenceAiFleet } from './fl-fleet';

describe('reference AI fleet (Frankfurt aggregates, Quebec CUDA and Atlanta ROCm clients, training, inference)', () => {
  itWithSchemas('writes folders that validate file by file against the schemas', () => {
    const out = tmpDir();
    referenceAiFleet().synth({ outdir: out });
    const result = validateDirectory(schemaRegistry()!, out);
    expect(result.failures.map(formatFailure)).toEqual([]);
    // What a cluster folder holds: its files, and the objects in its infra/ and apps/.
    const list = (d: string) => ['.', 'infra', 'apps'].flatMap((sub) => fs.readdirSync(path.join(out, d, sub))).sort();
    expect(list('sites/atlanta/atlanta')).toEqual(expect.arrayContaining(['deployment_fl_fl-supernode-atlanta.yaml', 'scaledobject.keda.sh_fl_fl-supernode-atlanta.yaml', 'pytorchjob.kubeflow.org_training_pretrain.yaml']));
    expect(list('sites/frankfurt/frankfurt')).toEqual(expect.arrayContaining(['deployment_fl_fl-superlink.yaml', 'flower-fl-participation.md']));
    expect(list('sites/quebec/quebec')).toContain('inferenceservice.serving.kserve.io_inference_chat.yaml');
  });
});
