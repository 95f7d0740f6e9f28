/**
 * Golden and end-to-end tests of the reference fleet: layout, determinism, atomicity,
 * schema conformance, kustomize builds, and fleet.yaml == TypeScript literal.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Fleet } from '../../constructs';
import { ValidationError } from '../../lib/model/errors';
import { readFleetFile } from '../../lib/model/load';
import { readTree } from '../../lib/synth/writer';
import { formatFailure, validateDirectory } from '../../lib/validate/validate';
import type { Highs } from 'highs';
import { loadHighs } from '../../lib/placement/highs';
import { addReferenceLayers, buildReferenceBase, buildReferenceFleet, referenceFleetSpec, referenceWorkloads } from '../../apps/reference-fleet';
import { REPO_ROOT, itWithSchemas, schemaRegistry, tmpDir } from '../helpers';

let highs: Highs | undefined;
function synthReference(outdir: string) {
  return buildReferenceFleet(new App()).synth({ outdir, ...(highs ? { highs } : {}) });
}

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('reference fleet', () => {
  const out = path.join(tmpDir(), 'dist');
  beforeAll(async () => {
    highs = await loadHighs();
    synthReference(out);
  });

  it('writes the management folder and a folder per site cluster', () => {
    const files = [...readTree(out).keys()];
    expect(files).toEqual(expect.arrayContaining(['management/kustomization.yaml', 'sites/quebec/quebec/kustomization.yaml', 'sites/atlanta/atlanta/kustomization.yaml']));
    for (const f of files.filter((x) => x.endsWith('/kustomization.yaml'))) {
      const dir = path.dirname(f);
      const listed = (parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8'))[0]!.toJS() as { resources: string[] }).resources;
      const objectsInDir = files.filter((x) => path.dirname(x) === dir && !x.endsWith('kustomization.yaml') && x.endsWith('.yaml')).map((x) => path.basename(x));
      expect([...listed].sort()).toEqual(objectsInDir.filter((n) => n !== 'k0sctl.yaml').sort());
    }
  });

  it('synthesizes byte-identical trees twice in a row', () => {
    const again = path.join(tmpDir(), 'dist');
    synthReference(again);
    expect(readTree(again)).toEqual(readTree(out));
  });

  it('does not depend on the order sites were added in', () => {
    const fleet = new Fleet(new App(), 'geo', { name: 'geo', managementSite: 'frankfurt' });
    for (const { name, ...props } of [...referenceFleetSpec.sites].reverse()) fleet.addSite(name, props);
    for (const { name, ...props } of referenceFleetSpec.management.credentials ?? []) fleet.addCredential(name, props);
    for (const w of [...referenceWorkloads].reverse()) fleet.addWorkload(w);
    addReferenceLayers(fleet);
    expect(fleet.toTree()).toEqual(buildReferenceFleet(new App()).toTree());
  });

  it('matches the committed dist/ (golden; `npm run synth` updates it)', () => {
    expect(readTree(path.join(REPO_ROOT, 'dist'))).toEqual(readTree(out));
  });

  it('synthesizes fleet.yaml into the same tree as the TypeScript literal (the GPU and mesh layers are TypeScript only)', () => {
    const fromYaml = Fleet.fromSpec(new App(), 'geo', readFleetFile(path.join(REPO_ROOT, 'apps/fleet.yaml')));
    expect(fromYaml.toTree()).toEqual(buildReferenceBase(new App()).toTree());
    const withLayers = Fleet.fromSpec(new App(), 'geo', readFleetFile(path.join(REPO_ROOT, 'apps/fleet.yaml')));
    addReferenceLayers(withLayers);
    expect(withLayers.toTree()).toEqual(buildReferenceFleet(new App()).toTree());
  });

  itWithSchemas('validates every synthesized file against the upstream schemas', () => {
    const result = validateDirectory(schemaRegistry()!, out);
    expect(result.failures.map(formatFailure)).toEqual([]);
    expect(result.documents).toBeGreaterThan(5);
  });

  (hasKubectl() ? it : it.skip)('builds every folder with kubectl kustomize', () => {
    const tree = readTree(out);
    for (const k of [...tree.keys()].filter((x) => x.endsWith('/kustomization.yaml'))) {
      const dir = path.join(out, path.dirname(k));
      const built = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      const docs = parseAllDocuments(built).map((d) => d.toJS() as { kind: string });
      const listed = (parseAllDocuments(tree.get(k)!)[0]!.toJS() as { resources: string[] }).resources;
      expect(docs).toHaveLength(listed.length);
    }
  });

  it('leaves the previous output untouched when a fleet with several bad fields fails', () => {
    const before = readTree(out);
    const bad = JSON.parse(JSON.stringify(referenceFleetSpec));
    bad.sites[1].nodePools[0].gpus.count = 0;
    bad.sites[2].jurisdiction = 'USA';
    bad.management.site = 'berlin';
    let err: unknown;
    try {
      Fleet.fromSpec(new App(), 'geo', bad).synth({ outdir: out });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['geo: sites[quebec].nodePools[a100-mig].gpus.count', 'geo: sites[atlanta].jurisdiction', 'geo: management.site']),
    );
    expect(readTree(out)).toEqual(before);
  });

  it('the README command (`cdk8s synth`) writes the same tree', () => {
    const target = path.join(tmpDir(), 'dist');
    execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--check-upgrade=false'], {
      cwd: REPO_ROOT,
      env: { ...process.env, K0SMOS_OUTDIR: target, CDK8S_CHECK_UPGRADE: 'false' },
      stdio: 'pipe',
    });
    expect(readTree(target)).toEqual(readTree(out));
  }, 60000);
});

describe('reference fleet: the AI layer (issue 7)', () => {
  const tree = buildReferenceFleet(new App()).toTree();
  const doc = (f: string) => parseAllDocuments(tree.get(f) ?? '')[0]!.toJS();

  it('aggregates in Frankfurt; each SuperNode stays at its data site with its vendor image, GPU request and TLS', () => {
    expect(tree.has('sites/frankfurt/frankfurt/deployment_fl_fl-superlink.yaml')).toBe(true);
    const sn = (site: string) => doc(`sites/${site}/${site}/deployment_fl_fl-supernode-${site}.yaml`).spec.template.spec;
    // SuperNode objects stay at their site (the ingress policies of their flows are, by design, at the SuperLink's).
    expect([...tree.keys()].filter((k) => k.includes('fl-supernode-') && !k.includes('ciliumnetworkpolicy')).every((k) => /^sites\/(quebec|atlanta)\//.test(k) && k.includes(k.split('/')[1]!))).toBe(true);
    const q = sn('quebec');
    const a = sn('atlanta');
    expect(q.containers.find((c: { name: string }) => c.name === 'superexec').image).toBe('ghcr.io/example/fl-client:1.0-cuda');
    expect(a.containers.find((c: { name: string }) => c.name === 'superexec').image).toBe('ghcr.io/example/fl-client:1.0-rocm');
    expect(q.nodeSelector).toEqual({ 'k0smos.io/gpu-vendor': 'nvidia' });
    expect(a.tolerations).toEqual([{ key: 'amd.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    for (const s of [q, a]) expect(s.containers[0].args).toContain('--root-certificates');
  });

  it('the mesh lets exactly SuperNode -> SuperLink cross clusters, on the Fleet API port', () => {
    const egress = doc('sites/quebec/quebec/ciliumnetworkpolicy.cilium.io_fl_allow-fl-supernode-quebec-to-superlink-egress.yaml');
    expect(egress.spec.egress).toEqual([expect.objectContaining({ toPorts: [{ ports: [{ port: '9092', protocol: 'TCP' }] }] })]);
    expect(egress.spec.egress[0].toEndpoints[0].matchLabels['io.cilium.k8s.policy.cluster']).toBe('frankfurt');
    // In Frankfurt: ingress from each client cluster, and the ServerApp -> SuperLink pair inside the cluster.
    const policies = [...tree.keys()].filter((k) => k.startsWith('sites/frankfurt/') && k.includes('ciliumnetworkpolicy'));
    expect(policies).toEqual([
      'sites/frankfurt/frankfurt/ciliumnetworkpolicy.cilium.io_fl_allow-fl-serverapp-dns-egress.yaml',
      'sites/frankfurt/frankfurt/ciliumnetworkpolicy.cilium.io_fl_allow-fl-serverapp-to-superlink-egress.yaml',
      'sites/frankfurt/frankfurt/ciliumnetworkpolicy.cilium.io_fl_allow-fl-serverapp-to-superlink-ingress.yaml',
      'sites/frankfurt/frankfurt/ciliumnetworkpolicy.cilium.io_fl_allow-fl-supernode-atlanta-to-superlink-ingress.yaml',
      'sites/frankfurt/frankfurt/ciliumnetworkpolicy.cilium.io_fl_allow-fl-supernode-quebec-to-superlink-ingress.yaml',
    ]);
    const crossCluster = policies.map((k) => doc(k)).flatMap((p) => [...(p.spec.ingress ?? []).flatMap((r: any) => r.fromEndpoints ?? [])]).filter((s: any) => s.matchLabels['io.cilium.k8s.policy.cluster'] !== 'frankfurt');
    expect(crossCluster.map((s: any) => s.matchLabels['app.kubernetes.io/component'])).toEqual(['supernode', 'supernode']);
  });

  it('exempts no workload namespace from the default deny: training and inference declare their flows', () => {
    const baseline = doc('sites/quebec/quebec/ciliumclusterwidenetworkpolicy.cilium.io_k0smos-default-deny.yaml');
    const [exists, notIn] = baseline.spec.endpointSelector.matchExpressions;
    expect(exists).toEqual({ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' });
    expect(notIn.values).not.toContain('training');
    expect(notIn.values).not.toContain('inference');
    expect(tree.has('sites/atlanta/atlanta/ciliumnetworkpolicy.cilium.io_training_allow-pretrain-gang-ingress.yaml')).toBe(true);
    expect(tree.has('sites/quebec/quebec/ciliumnetworkpolicy.cilium.io_inference_allow-chat-from-own-namespace-ingress.yaml')).toBe(true);
  });

  it('the energy schedule scales each SuperNode and reports its carbon against always-on', () => {
    expect(doc('sites/quebec/quebec/scaledobject.keda.sh_fl_fl-supernode-quebec.yaml').spec.triggers.length).toBeGreaterThan(0);
    expect(tree.get('sites/frankfurt/frankfurt/flower-fl-participation.md')).toMatch(/always-on/i);
  });

  it('the training job and the inference service go where the solver put them', () => {
    expect(tree.has('sites/atlanta/atlanta/pytorchjob.kubeflow.org_training_pretrain.yaml')).toBe(true);
    expect(tree.has('sites/quebec/quebec/inferenceservice.serving.kserve.io_inference_chat.yaml')).toBe(true);
    expect(tree.get('PLACEMENT.md')).toMatch(/\| pretrain \| 7 \| 2\/2 \| atlanta\/atlanta\/mi300x x2 \|/);
  });
});
