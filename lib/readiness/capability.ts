/**
 * What a cluster can have, and what objects and add-ons need from it. A capability is a string so it
 * reads the same in TypeScript, fleet.yaml and the readiness report:
 * - `api:<group>`: the API group is served (its CRDs exist and its controller runs), e.g. `api:keda.sh`;
 * - `storage:default`: a default StorageClass (PVCs without `storageClassName`);
 * - `storageclass:<name>`: a StorageClass of that name;
 * - `loadbalancer`: something gives `type: LoadBalancer` Services an address (cloud CCM, MetalLB, Cilium LB IPAM);
 * - `secret:<namespace>/<name>`: a Secret the fleet does not write (created out of band, e.g. a CA).
 * Pure data; the resolver (`lib/readiness/resolve.ts`) matches needs against what add-ons provide and
 * what the user declared present.
 */
import { z } from 'zod';
import { CATALOG, entryProvides } from './catalog';

export type Capability = `api:${string}` | 'storage:default' | `storageclass:${string}` | 'loadbalancer' | `secret:${string}/${string}`;

const CAPABILITY = /^(api:[a-z0-9]([-a-z0-9.]*[a-z0-9])?|storage:default|storageclass:[a-z0-9]([-a-z0-9.]*[a-z0-9])?|loadbalancer|secret:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

/** True for a well-formed capability string. */
export function isCapability(s: string): s is Capability {
  return CAPABILITY.test(s);
}

export const capabilitySchema = z
  .string()
  .regex(CAPABILITY, { message: "must be 'api:<group>', 'storage:default', 'storageclass:<name>', 'loadbalancer' or 'secret:<namespace>/<name>'" })
  .describe('A capability: api:<group>, storage:default, storageclass:<name>, loadbalancer or secret:<namespace>/<name>.') as unknown as z.ZodType<Capability, Capability>;

/** What a site or cluster already has, installed outside this fleet (a Ceph StorageClass, a cloud load balancer, an operator). */
export const presentSchema = z
  .strictObject({
    storageClasses: z
      .array(z.strictObject({ name: z.string().min(1).max(253), default: z.boolean().optional().describe('It is the default StorageClass. Default false.') }))
      .optional()
      .describe('StorageClasses that exist already.'),
    loadBalancer: z.boolean().optional().describe('LoadBalancer Services get an address from something outside the fleet (a cloud CCM, a hardware balancer). Default false.'),
    apiGroups: z.array(z.string().min(1)).optional().describe('API groups whose operators are installed already, e.g. cert-manager.io.'),
    addons: z
      .array(z.enum(CATALOG.map((e) => e.id) as [string, ...string[]]))
      .optional()
      .describe('Add-ons of the catalog that are installed already (kcm on a management cluster bootstrapped elsewhere): what they provide counts as present.'),
    secrets: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { message: "must be '<namespace>/<name>'" })).optional().describe('Secrets (namespace/name) created out of band, e.g. kube-system/cilium-ca.'),
  })
  .describe('What the cluster already has, installed outside this fleet.');

export type PresentSpec = z.input<typeof presentSchema>;

/** The capabilities a `present` declaration stands for. */
export function presentCapabilities(p: PresentSpec | undefined): Capability[] {
  if (!p) return [];
  const out: Capability[] = [];
  for (const sc of p.storageClasses ?? []) {
    out.push(`storageclass:${sc.name}`);
    if (sc.default) out.push('storage:default');
  }
  if (p.loadBalancer) out.push('loadbalancer');
  for (const g of p.apiGroups ?? []) out.push(`api:${g}`);
  for (const s of p.secrets ?? []) out.push(`secret:${s}` as Capability);
  for (const id of p.addons ?? []) {
    const e = CATALOG.find((x) => x.id === id);
    if (e) out.push(...entryProvides(e));
  }
  return [...new Set(out)].sort();
}

/** A need of one object or add-on in one cluster. */
export interface Requirement {
  readonly capability: Capability;
  /** Who needs it, in the user's words: `Deployment fl/fl-superlink`, `add-on amd-gpu-operator`. */
  readonly by: string;
  /** Why, in one phrase, e.g. `PVC fl-superlink-state has no storageClassName`. */
  readonly why: string;
  /** Construct path, for errors. */
  readonly source?: string;
}

/** How LoadBalancer Services of a cluster get addresses when nothing outside the fleet gives them. */
export const loadBalancerSchema = z
  .strictObject({
    provider: z.enum(['metallb', 'cilium']).describe('metallb: the MetalLB chart with an IPAddressPool and an L2Advertisement; cilium: Cilium LB IPAM with L2 announcements (Cilium must be the CNI, e.g. through a CiliumMesh).'),
    addresses: z
      .array(
        z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|\d{1,3}(\.\d{1,3}){3}-\d{1,3}(\.\d{1,3}){3})$/, {
          message: "must be an IPv4 CIDR ('192.168.10.240/28') or range ('192.168.10.240-192.168.10.250')",
        }),
      )
      .min(1)
      .describe("Address ranges for LoadBalancer Services, as CIDRs or 'first-last' IPv4 ranges, on the nodes' LAN and outside every DHCP range and node address."),
    interfaces: z.array(z.string().min(1)).optional().describe('Node interfaces that announce the addresses (regular expressions for Cilium). Default: all.'),
  })
  .describe('A LoadBalancer provider the fleet installs in this cluster.');

export type LoadBalancerSpec = z.input<typeof loadBalancerSchema>;

/** Which storage the fleet installs when objects of a cluster need a default StorageClass and none is present. */
export const STORAGE_PROVIDERS = ['openebs-hostpath', 'none'] as const;
export type StorageProvider = (typeof STORAGE_PROVIDERS)[number];
