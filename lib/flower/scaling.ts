/**
 * A participation schedule as objects that scale a SuperNode Deployment: KEDA ScaledObjects with cron
 * triggers, or, where KEDA is not installed, CronJobs running `kubectl scale` under a narrow Role.
 * Cron expressions carry the date (minute hour day month), so a trigger fires in its window only; like every
 * cron schedule they would repeat a year later: synthesize again with new signals before then.
 */
import type { ParticipationRange } from '../energy/schedule';
import type { K8sObject } from '../synth/objects';

/** `m h D M *` for an ISO instant, in UTC. */
export function cronAt(isoTime: string): string {
  const d = new Date(isoTime);
  return `${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
}

export interface ScaleTarget {
  readonly deployment: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Labels of the scaling pods (CronJobs only), so network policies can select them: they call the API server.
   * @default - the object labels
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** One ScaledObject with a cron trigger per participation range (KEDA keeps the maximum of its triggers). */
export function kedaScaledObject(t: ScaleTarget, ranges: readonly ParticipationRange[]): K8sObject {
  if (ranges.length === 0) throw new Error(`${t.namespace}/${t.deployment}: a ScaledObject needs at least one participation range`);
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: t.deployment, namespace: t.namespace, labels: { ...t.labels } },
    spec: {
      scaleTargetRef: { name: t.deployment },
      minReplicaCount: 0,
      maxReplicaCount: 1,
      triggers: ranges.map((r) => ({ type: 'cron', metadata: { timezone: 'Etc/UTC', start: cronAt(r.start), end: cronAt(r.end), desiredReplicas: '1' } })),
    },
  };
}

/** CronJobs that scale the Deployment to 1 at each range's start and to 0 at its end, with their ServiceAccount and Role. */
export function scalingCronJobs(t: ScaleTarget, ranges: readonly ParticipationRange[], kubectlImage: string): K8sObject[] {
  const sa = `${t.deployment}-scaler`;
  const meta = (name: string) => ({ name, namespace: t.namespace, labels: { ...t.labels } });
  const out: K8sObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(sa) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(sa),
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], resourceNames: [t.deployment], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: [t.deployment], verbs: ['get', 'patch', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(sa),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: t.namespace }],
    },
  ];
  ranges.forEach((r, i) => {
    for (const [edge, replicas, at] of [['up', 1, r.start], ['down', 0, r.end]] as const) {
      out.push({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta(`${t.deployment}-${edge}-${i + 1}`.slice(0, 52).replace(/-+$/, '')),
        spec: {
          schedule: cronAt(at),
          timeZone: 'Etc/UTC',
          concurrencyPolicy: 'Forbid',
          jobTemplate: {
            spec: {
              backoffLimit: 3,
              template: {
                metadata: { labels: { ...(t.podLabels ?? t.labels) } },
                spec: {
                  serviceAccountName: sa,
                  restartPolicy: 'OnFailure',
                  containers: [{ name: 'scale', image: kubectlImage, args: ['scale', `deployment/${t.deployment}`, `--replicas=${replicas}`, '-n', t.namespace] }],
                },
              },
            },
          },
        },
      });
    }
  });
  return out;
}
