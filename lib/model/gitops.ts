/**
 * The `gitops` section of fleet.yaml: the repository, the engine and an optional rollout, the same
 * choices as `new GitOps(...)` and `new Rollout(...)` in TypeScript. Shape only; what a stage means is
 * checked by the constructs (lib/rollout/stages.ts) with paths that name the section.
 */
import { z } from 'zod';
import { WEEKDAYS } from '../rollout/window';

const healthGateSchema = z.strictObject({
  apiVersion: z.string().min(1).describe('e.g. apps/v1'),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional().describe('Default: cluster-scoped.'),
});

const windowSchema = z
  .strictObject({
    timeZone: z.string().describe('IANA time zone of start, e.g. Europe/Paris.'),
    days: z.array(z.enum(WEEKDAYS as unknown as [string, ...string[]])).optional().describe('Days the window opens. Default: every day.'),
    start: z.string().describe('Local opening time HH:MM (24 h).'),
    length: z.string().describe('How long it stays open: 4h, 90m, 1h30m (less than 24h).'),
  })
  .describe('When the stage may start.');

const stageSchema = z
  .strictObject({
    name: z.string().describe('DNS label; names branches and labels.'),
    clusters: z.array(z.string()).optional().describe('Cluster names (one of clusters, selector, canaries).'),
    selector: z.record(z.string(), z.string()).optional().describe('matchLabels over the clusters no earlier stage took; {} takes them all.'),
    canaries: z.number().optional().describe('Number of canaries the fleet chooses for coverage of region x hardware x mode.'),
    pinned: z.array(z.string()).optional().describe('Clusters always kept among the canaries.'),
    maxConcurrency: z.number().optional().describe('Clusters updated at once. Default: all of the stage.'),
    soak: z.string().optional().describe('Time to watch the stage once healthy: 30m, 4h, 2d. Default 0s.'),
    healthGates: z.array(healthGateSchema).optional().describe('Objects that must be healthy in each cluster of the stage before the next starts.'),
    window: windowSchema.optional(),
    approval: z.literal('manual').optional().describe('The stage starts only when someone approves it.'),
  })
  .describe('One rollout stage.');

export const gitopsSchema = z
  .strictObject({
    repository: z.strictObject({
      url: z.string().describe('The Git repository the output folder is pushed to.'),
      branch: z.string().optional().describe('Default main.'),
      path: z.string().optional().describe('Folder of the output inside the repository. Default: the root.'),
    }),
    delivery: z.enum(['flux', 'flux-pull', 'argocd', 'k0rdent']).describe('The engine that delivers the folders.'),
    others: z.enum(['flux', 'argocd']).optional().describe('With delivery k0rdent: what delivers the management folders and clusters kcm does not deploy. Default flux.'),
    fluxShards: z
      .number()
      .optional()
      .describe('Flux push: how many management/flux/<shard>/ folders hold the management folders\' Kustomizations (a cluster\'s shard is a hash of its name). Default 128.'),
    promotion: z
      .strictObject({ revision: z.string().describe('The Git tag the ClusterPromotion reads.') })
      .optional()
      .describe('With delivery k0rdent: compile the rollout to a Sveltos ClusterPromotion (needs Sveltos v1.14).'),
    rollout: z
      .strictObject({
        stages: z.array(stageSchema).min(1),
        kubernetesUpgrades: z
          .strictObject({ channel: z.string().optional(), updateServer: z.string().optional() })
          .optional()
          .describe('k0s autopilot upgrades in each stage window (standalone clusters).'),
      })
      .optional(),
  })
  .describe('GitOps wiring of the fleet: every folder delivered once, to its cluster; an optional rollout in stages.');

export type GitOpsSpec = z.input<typeof gitopsSchema>;
