/**
 * Fleet workloads as plain data: one service deployed to every cluster that matches a selector (labels,
 * or the profile its site was made from), with per-cluster variants (a GPU image where the cluster has
 * GPUs), required resources, probes and rollout settings. The construct is constructs/fleet-workload.ts.
 */
import { z } from 'zod';
import { dnsLabel } from './fleet';

const quantity = () => z.union([z.int().min(0), z.string().regex(/^\d+%$/, { message: "must be a whole number or a percentage such as '25%'" })]);

export const fleetWorkloadResourcesSchema = z
  .strictObject({
    cpu: z.number().positive().max(4096).describe('CPU cores each pod requests.'),
    memoryGiB: z.number().positive().max(65536).describe('Memory each pod requests, in GiB (also its limit unless memoryLimitGiB says otherwise).'),
    cpuLimit: z.number().positive().max(4096).optional().describe('CPU limit in cores. Default: none (a CPU limit throttles; requests are enough to schedule).'),
    memoryLimitGiB: z.number().positive().max(65536).optional().describe('Memory limit in GiB. Default: memoryGiB.'),
  })
  .describe('What each pod requests; required.');

export const probeSchema = z
  .strictObject({
    httpGet: z.string().regex(/^\//, { message: "must be a path starting with '/'" }).optional().describe('HTTP path probed on the port. Default: a TCP connection to the port.'),
    port: z.int().min(1).max(65535).optional().describe("Port probed. Default: the workload's port."),
    initialDelaySeconds: z.int().min(0).optional().describe('Default 0 (10 for liveness).'),
    periodSeconds: z.int().min(1).optional().describe('Default 10.'),
    timeoutSeconds: z.int().min(1).optional().describe('Default 1.'),
    failureThreshold: z.int().min(1).optional().describe('Default 3.'),
  })
  .describe('A probe: an HTTP GET of a path, or a TCP connection.');

export const fleetWorkloadVariantSchema = z
  .strictObject({
    name: dnsLabel().describe('Variant name (it is written in a label of the pods).'),
    when: z
      .strictObject({
        gpuVendor: z.enum(['nvidia', 'amd']).optional().describe('The cluster has a pool with GPUs of this vendor.'),
        gpuModel: z.string().min(1).optional().describe('The cluster has a pool with this GPU model.'),
        labels: z.record(z.string(), z.string()).optional().describe("The cluster's site or cluster labels include these."),
      })
      .describe('Which clusters take this variant; the first variant that matches wins, else the base.'),
    image: z.string().min(1).optional().describe('Image in these clusters. Default: the base image.'),
    args: z.array(z.string()).optional(),
    resources: fleetWorkloadResourcesSchema.optional().describe('Resources in these clusters. Default: the base resources.'),
    gpus: z.int().min(0).max(16).optional().describe('Whole GPUs per pod (nvidia.com/gpu or amd.com/gpu, on nodes of that vendor). Default 0.'),
  })
  .describe('What differs in some clusters.');

export const fleetWorkloadSchema = z
  .strictObject({
    name: dnsLabel(53).describe('Workload name: the Deployment, Service and ConfigMap names in every cluster.'),
    select: z
      .strictObject({
        profile: z.string().min(1).optional().describe('Sites made from this profile.'),
        labels: z.record(z.string(), z.string()).optional().describe("Clusters whose site or cluster labels include these (k0smos.io/region, k0smos.io/jurisdiction, a site's labels)."),
      })
      .refine((s) => s.profile !== undefined || (s.labels !== undefined && Object.keys(s.labels).length > 0), { message: 'must name a profile or at least one label; an empty selector would select every cluster, the management cluster too' })
      .describe('Which clusters run the workload.'),
    namespace: dnsLabel().optional().describe('Namespace. Default: the workload name.'),
    image: z.string().min(1).describe('Container image.'),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional().describe('Environment variables (never secrets: reference Secrets instead). Values may hold {{site}}, {{cluster}}, {{region}}.'),
    port: z.int().min(1).max(65535).optional().describe('Port the server listens on; the Service forwards port 80 to it. Default 8080.'),
    replicas: z.int().min(1).max(1000).optional().describe('Replicas per cluster. Default 1.'),
    resources: fleetWorkloadResourcesSchema,
    probes: z
      .strictObject({
        readiness: probeSchema.describe('When a pod gets traffic.'),
        liveness: z.union([probeSchema, z.literal(false)]).describe('When a pod is restarted; false for none (say so explicitly).'),
      })
      .describe('Readiness and liveness probes; required.'),
    rollout: z
      .strictObject({
        maxUnavailable: quantity().optional().describe('Default 0 for pods without GPUs, 1 for pods with GPUs.'),
        maxSurge: quantity().optional().describe('Default 1 for pods without GPUs, 0 for pods with GPUs (a store has no spare GPU for a surge pod).'),
        revisionHistoryLimit: z.int().min(0).max(100).optional().describe('Default 3.'),
      })
      .optional(),
    config: z.record(z.string(), z.string()).optional().describe('Files of a ConfigMap mounted at configMountPath. Values may hold {{site}}, {{cluster}}, {{region}}. Default: none.'),
    configMountPath: z.string().regex(/^\//, { message: "must be an absolute path" }).optional().describe('Default /etc/<name>.'),
    variants: z.array(fleetWorkloadVariantSchema).optional(),
    egress: z
      .array(z.strictObject({ cidrs: z.array(z.string()).optional().describe('Outside addresses. Default: any.'), ports: z.array(z.int().min(1).max(65535)).min(1).describe('TCP ports.') }))
      .optional()
      .describe('Outside addresses the pods connect to (a model registry, a central API). Default: none beyond DNS.'),
  })
  .describe('A workload on every cluster matching a selector, without one entry per cluster.');

export type FleetWorkloadSpec = z.input<typeof fleetWorkloadSchema>;
export type FleetWorkloadVariantSpec = z.input<typeof fleetWorkloadVariantSchema>;
export type FleetWorkloadResources = z.input<typeof fleetWorkloadResourcesSchema>;
export type ProbeSpec = z.input<typeof probeSchema>;
