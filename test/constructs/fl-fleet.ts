/**
 * The reference setup for tests: aggregation in Frankfurt (the management site), clients in Quebec
 * (NVIDIA, CUDA image) and Atlanta (AMD, ROCm image), energy schedule from the sample signal file.
 */
import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildReferenceBase } from '../../apps/reference-fleet';
import { FederatedLearningJob, type FederatedLearningJobProps } from '../../constructs/federated-learning-job';
import type { Fleet } from '../../constructs/fleet';
import { InferenceRuntime, InferenceService } from '../../constructs/inference-service';
import { TrainingJob } from '../../constructs/training-job';
import { readSignalsFile } from '../../lib/energy/read';
import { REPO_ROOT } from '../helpers';

export const SAMPLE_SIGNALS = readSignalsFile(path.join(REPO_ROOT, 'data', 'signals', 'sample.json'));

export const FL_PROPS: FederatedLearningJobProps = {
  clients: [
    { site: 'quebec', nodeConfig: { 'partition-id': 0, 'num-partitions': 2 } },
    { site: 'atlanta', nodeConfig: { 'partition-id': 1, 'num-partitions': 2 } },
  ],
  images: { serverApp: 'ghcr.io/example/fl-server:1.0', clientCuda: 'ghcr.io/example/fl-client:1.0-cuda', clientRocm: 'ghcr.io/example/fl-client:1.0-rocm' },
  energy: { signals: SAMPLE_SIGNALS, rules: { minClients: 1, roundMinutes: 15, powerKw: { quebec: 2.8, atlanta: 6.0 }, maxIntensity: 450, minShare: 0.25 } },
};

export function flFleet(overrides: Partial<FederatedLearningJobProps> = {}): { fleet: Fleet; job: FederatedLearningJob } {
  const fleet = buildReferenceBase(new App());
  const job = new FederatedLearningJob(fleet, 'fl', { ...FL_PROPS, ...overrides });
  return { fleet, job };
}

/** The full reference: the Flower job plus one training job and one inference service (explicit targets until placement lands). */
export function referenceAiFleet(): Fleet {
  const { fleet } = flFleet();
  new TrainingJob(fleet, 'pretrain', { target: { site: 'atlanta' }, image: 'ghcr.io/example/train:1.0-rocm', replicas: 2, gpusPerReplica: 8, jurisdictions: ['US'] });
  new InferenceService(fleet, 'chat', {
    target: { site: 'quebec' },
    runtime: InferenceRuntime.kserve({ modelFormat: 'huggingface', storageUri: 'hf://example/chat-model' }),
    jurisdictions: ['CA'],
    maxLatencyMs: { toSite: 'atlanta', ms: 50 },
  });
  return fleet;
}
