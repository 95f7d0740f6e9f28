/**
 * What each engine does with each feature of a rollout stage (order, concurrency, soak, health gates,
 * window, manual approval): compiled, left to whoever promotes (a note in ROLLOUT.md), or refused (an
 * error by path). Pure. The table in docs/gitops.md says the same.
 */
import type { ValidationIssue } from '../model/errors';
import type { ResolvedStage } from '../rollout/stages';
import { describeWindow } from '../rollout/window';
import { SVELTOS_PROMOTION_VERSION } from './engines';

/** How the stages reach the clusters: per-stage branches (Flux, k0rdent MultiClusterServices), Argo CD RollingSync, or a Sveltos ClusterPromotion. */
export type StageCarrier = 'branches' | 'argocd' | 'promotion';

export interface SupportInput {
  /** The carriers in use, each with the clusters it delivers. */
  readonly carriers: ReadonlyMap<StageCarrier, ReadonlySet<string>>;
  readonly stages: readonly ResolvedStage[];
  /** The branch the management folders follow, and how a stage's branch is named. */
  readonly branch: string;
  readonly stageBranch: (stage: string) => string;
  /** Construct path for errors. */
  readonly at: string;
  /** The Argo CD project the user gave, if any (windows need the library's own project). */
  readonly argoProjectGiven?: string;
}

export function rolloutSupport(input: SupportInput): { notes: string[]; issues: ValidationIssue[] } {
  const notes: string[] = [];
  const issues: ValidationIssue[] = [];
  const stages = input.stages;
  const uses = (c: StageCarrier) => (input.carriers.get(c)?.size ?? 0) > 0;
  const stagesOf = (c: StageCarrier) => stages.filter((s) => s.clusters.some((x) => input.carriers.get(c)?.has(x)));
  const windowed = stages.filter((s) => s.window);
  const approved = stages.filter((s) => s.approval === 'manual');
  const gated = stages.filter((s) => s.healthGates.length > 0);
  const soaked = stages.filter((s) => s.soak !== '0s');
  const names = (ss: readonly ResolvedStage[]) => ss.map((s) => s.name).join(', ');

  if (uses('branches')) {
    notes.push(
      `Flux / k0rdent MultiClusterServices: each stage's folders follow the branch ${input.stageBranch('<stage>')}; the management folders follow ${input.branch}. Promote a stage with git push origin ${input.branch}:${input.stageBranch('<stage>')}, in stage order.`,
    );
    notes.push(`Flux / k0rdent: maxConcurrency is not enforced (every cluster of a stage reconciles when its branch moves)${soaked.length > 0 ? `; soak (${soaked.map((s) => `${s.name} ${s.soak}`).join(', ')}) is for whoever promotes` : ''}.`);
    if (windowed.length > 0) notes.push(`Flux / k0rdent have no time windows: promote ${names(windowed)} only inside ${windowed.map((s) => `${s.name}: ${describeWindow(s.window!)}`).join('; ')} (rollout.json has them; lib/rollout/window.ts windowAt(window, now) tells whether one is open).`);
    if (approved.length > 0) notes.push(`Flux / k0rdent: manual approval of ${names(approved)} is the push of its branch by someone who may approve (protect the branches ${approved.map((s) => input.stageBranch(s.name)).join(', ')}).`);
    if (gated.length > 0) notes.push(`Flux: the health gates of ${names(gated)} are healthChecks on each cluster's apps Kustomization (the stage is done when they pass). k0rdent ServiceTemplates have no health checks: check the gates before promoting the next stage.`);
  }
  if (uses('argocd')) {
    notes.push(`Argo CD: RollingSync steps in stage order (each stage's infra, then its apps); maxUpdate is the stage's maxConcurrency. RollingSync is beta (Progressive-Syncs.md).`);
    if (soaked.length > 0) notes.push(`Argo CD RollingSync has no soak: after ${names(soaked)}, hold the next stage with approval: 'manual' (maxUpdate 0 on its first step) and sync it when the soak is over.`);
    if (approved.length > 0) notes.push(`Argo CD: ${names(approved)} ${approved.length > 1 ? 'start' : 'starts'} only when someone syncs ${approved.length > 1 ? 'their' : 'its'} Applications (maxUpdate 0 on the stage's first step).`);
    if (windowed.length > 0) {
      notes.push(`Argo CD: windows are sync windows (allow) of the AppProject the library writes for the fleet, one per stage, matching the stage's clusters: ${windowed.map((s) => `${s.name}: ${describeWindow(s.window!)}`).join('; ')}. Not verified here: whether a RollingSync step waits for the window or reports the sync as failed.`);
      if (input.argoProjectGiven !== undefined) issues.push({ path: `${input.at}: delivery`, message: `Argo CD project '${input.argoProjectGiven}' is given, but stages ${names(windowed)} have windows, which are sync windows of the library's own AppProject; leave project out, or remove the windows and add sync windows to your project` });
    }
    if (gated.length > 0) notes.push(`Argo CD: the health gates of ${names(gated)} are the Applications' health: RollingSync moves on when every Application of a step is Healthy, which includes each gate only if the gate's object is in the stage's folders.`);
  }
  if (uses('promotion')) {
    const ps = stagesOf('promotion');
    notes.push(`Sveltos ClusterPromotion (needs Sveltos ${SVELTOS_PROMOTION_VERSION}; kcm bundles v1.12): stages ${names(ps)} in order; each stage's trigger carries its soak (delay) and health gates (postDelayHealthChecks), and the next stage's window (promotionWindow, CRON_TZ) or approval (manual).`);
    const conc = [...new Set(ps.map((s) => s.maxConcurrency).filter((x) => x !== undefined))];
    if (conc.length > 1) notes.push(`Sveltos: maxUpdate is one value for the whole promotion: the smallest maxConcurrency (${Math.min(...(conc as number[]))}) applies to every stage.`);
    const first = ps[0];
    if (first && (first.window || first.approval)) {
      issues.push({ path: `${input.at}: stages (${first.name})`, message: `the first stage of the Sveltos ClusterPromotion has ${first.window ? 'a window' : 'manual approval'}, but a ClusterPromotion starts its first stage as soon as its revision changes; gate it by when you change the revision, or put a stage before it` });
    }
    for (const s of ps) {
      if (s.window && s.approval === 'manual') issues.push({ path: `${input.at}: stages (${s.name})`, message: `has both a window and manual approval; a Sveltos manual trigger has no window: keep one` });
    }
  }
  return { notes, issues };
}
