/**
 * Our JSON Schema for the k0sctl `Cluster` file (k0sctl publishes none; STACK.md §1 lists the fields,
 * from k0sproject/k0sctl@v0.32.2 pkg/apis/k0sctl.k0sproject.io/v1beta1). Host connections use rig's
 * own schemas (`k0sctl/rig-connection-*.schema.json` in the schemas folder) and `spec.k0s.config` the
 * k0s ClusterConfig CRD, both read from the schemas folder when the registry loads, not copied here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DocumentSchema } from './schemas';

export const K0SCTL_API_VERSION = 'k0sctl.k0sproject.io/v1beta1';

const RIG = [
  { field: 'ssh', file: 'rig-connection-ssh.schema.json' },
  { field: 'openSSH', file: 'rig-connection-openssh.schema.json' },
  { field: 'winRM', file: 'rig-connection-winrm.schema.json' },
  { field: 'localhost', file: 'rig-connection-localhost.schema.json' },
] as const;

/** Rewrites a rig schema's `$defs` into our `definitions`, prefixed, with its `$ref`s pointed there. */
function importRig(doc: Record<string, unknown>, prefix: string, into: Record<string, unknown>): Record<string, unknown> {
  const rewrite = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(rewrite);
    if (n === null || typeof n !== 'object') return n;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n as Record<string, unknown>)) {
      if (k === '$schema' || k === '$id') continue;
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out[k] = `#/definitions/${prefix}${v.slice('#/$defs/'.length)}`;
      else out[k] = rewrite(v);
    }
    return out;
  };
  for (const [name, def] of Object.entries((doc.$defs ?? {}) as Record<string, unknown>)) into[`${prefix}${name}`] = rewrite(def);
  const top = rewrite({ ...doc, $defs: undefined }) as Record<string, unknown>;
  delete top.$defs;
  return top;
}

const str = { type: 'string' };
const bool = { type: 'boolean' };
const strings = { type: 'array', items: str };

/** The host entry, without its connection (added from rig's schemas). */
function hostSchema(connections: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    required: ['role'],
    properties: {
      role: { enum: ['controller', 'worker', 'controller+worker', 'single'] },
      ...connections,
      privateInterface: str,
      privateAddress: { type: 'string', pattern: '^([0-9]{1,3}\\.){3}[0-9]{1,3}$|:' },
      noTaints: bool,
      installFlags: strings,
      environment: { type: 'object', additionalProperties: str },
      dataDir: str,
      kubeletRootDir: str,
      uploadBinary: bool,
      useExistingK0s: bool,
      k0sBinaryPath: str,
      k0sInstallPath: str,
      k0sDownloadURL: str,
      os: str,
      hostname: str,
      reset: bool,
      files: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: str, src: str, data: str, dstDir: str, dst: str, perm: { anyOf: [str, { type: 'integer' }] }, dirPerm: { anyOf: [str, { type: 'integer' }] }, user: str, group: str },
        },
      },
      hooks: { type: 'object', additionalProperties: { type: 'object', additionalProperties: strings } },
    },
    // Exactly one way to connect.
    oneOf: Object.keys(connections).map((k) => ({ required: [k] })),
    // noTaints only with role controller+worker.
    anyOf: [{ not: { required: ['noTaints'] } }, { properties: { noTaints: { const: false } } }, { properties: { role: { const: 'controller+worker' } } }],
  };
}

/**
 * Builds the k0sctl `Cluster` schema from the schemas folder. Returns undefined when the rig
 * connection schemas are not there (a k0sctl.yaml then fails validation as "no schema").
 */
export function k0sctlDocumentSchema(schemasDir: string): DocumentSchema | undefined {
  const dir = path.join(schemasDir, 'k0sctl');
  if (!RIG.every((r) => fs.existsSync(path.join(dir, r.file)))) return undefined;
  const definitions: Record<string, unknown> = {};
  const connections: Record<string, unknown> = {};
  for (const r of RIG) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, r.file), 'utf8')) as Record<string, unknown>;
    connections[r.field] = importRig(doc, `rig-${r.field}-`, definitions);
  }
  const clusterConfig = k0sClusterConfigSchema(schemasDir);
  const schema = {
    type: 'object',
    required: ['apiVersion', 'kind', 'spec'],
    definitions,
    properties: {
      apiVersion: { const: K0SCTL_API_VERSION },
      kind: { enum: ['Cluster', 'cluster'] },
      metadata: { type: 'object', properties: { name: str, user: str } },
      spec: {
        type: 'object',
        required: ['hosts'],
        properties: {
          hosts: {
            type: 'array',
            minItems: 1,
            items: hostSchema(connections),
            // At least one controller.
            contains: { type: 'object', additionalProperties: true, properties: { role: { enum: ['controller', 'controller+worker', 'single'] } }, required: ['role'] },
          },
          k0s: {
            type: 'object',
            properties: {
              version: { type: 'string', pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+' },
              versionChannel: { enum: ['stable', 'latest'] },
              dynamicConfig: bool,
              config: clusterConfig ?? { type: 'object', additionalProperties: true },
            },
          },
          options: {
            type: 'object',
            properties: {
              wait: { type: 'object', properties: { enabled: bool } },
              drain: {
                type: 'object',
                properties: { enabled: bool, gracePeriod: str, timeout: str, force: bool, ignoreDaemonSets: bool, deleteEmptyDirData: bool, podSelector: str, skipWaitForDeleteTimeout: str },
              },
              concurrency: { type: 'object', properties: { limit: { type: 'integer' }, workerDisruptionPercent: { type: 'integer' }, uploads: { type: 'integer' } } },
              evictTaint: { type: 'object', properties: { enabled: bool, taint: str, effect: str, controllerWorkers: bool } },
            },
          },
        },
      },
    },
  };
  return { apiVersion: K0SCTL_API_VERSION, kind: 'Cluster', schema, source: 'k0sctl.yaml schema (cdk8s-k0smos, with k0sctl/rig-connection-*.schema.json and k0s ClusterConfig CRD)' };
}

/** The k0s ClusterConfig v1beta1 schema from its CRD in the schemas folder, if present. */
function k0sClusterConfigSchema(schemasDir: string): Record<string, unknown> | undefined {
  const file = path.join(schemasDir, 'k0s', 'k0s.k0sproject.io_clusterconfigs.yaml');
  if (!fs.existsSync(file)) return undefined;
  const crd = parseYaml(fs.readFileSync(file, 'utf8'), { maxAliasCount: -1 }) as { spec: { versions: { name: string; schema?: { openAPIV3Schema?: Record<string, unknown> } }[] } };
  return crd.spec.versions.find((v) => v.name === 'v1beta1')?.schema?.openAPIV3Schema;
}

/** The document schemas the registry uses when the caller gives none. */
export function defaultDocumentSchemas(schemasDir: string): DocumentSchema[] {
  const k = k0sctlDocumentSchema(schemasDir);
  return k ? [k] : [];
}
