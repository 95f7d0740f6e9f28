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
import { layerOfObject } from '../../lib/synth/layer';
import { readTree } from '../../lib/synth/writer';
import { formatFailure, validateDirectory } from '../../lib/validate/validate';
import type { Highs } from 'highs';
import { loadHighs } from '../../lib/placement/highs';
import { DEFAULT_FLUX_SHARDS, fluxShard } from '../../lib/gitops/engines';
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

  it('writes the management folders and a folder per site cluster, each with infra/ and apps/ listing exactly their objects', () => {
    const files = [...readTree(out).keys()];
    // The Flux wiring of the management folders sits in one shard folder per shard in use (see docs/gitops.md).
    const shards = ['atlanta', 'frankfurt', 'quebec'].map((c) => `flux/${fluxShard(c, DEFAULT_FLUX_SHARDS)}`).sort();
    const folders = ['management/fleet', 'management/clusters/atlanta', 'management/clusters/frankfurt', 'management/clusters/quebec', ...shards.map((f) => `management/${f}`), 'sites/atlanta/atlanta', 'sites/frankfurt/frankfurt', 'sites/quebec/quebec'];
    const listedIn = (f: string) => (parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8'))[0]!.toJS() as { resources: string[] }).resources;
    expect(listedIn('management/kustomization.yaml')).toEqual(['fleet', 'clusters/atlanta', 'clusters/frankfurt', 'clusters/quebec', ...shards]);
    for (const folder of folders) {
      expect(listedIn(`${folder}/kustomization.yaml`)).toEqual(['infra', 'apps']);
      // Only files that are not objects sit at the top of a folder (k0sctl.yaml, reports).
      expect(files.filter((x) => path.dirname(x) === folder && x.endsWith('.yaml') && !x.endsWith('/kustomization.yaml')).map((x) => path.basename(x))).toEqual(folder === 'sites/frankfurt/frankfurt' ? ['k0sctl.yaml'] : []);
      for (const layer of ['infra', 'apps']) {
        const dir = `${folder}/${layer}`;
        const objectsInDir = files.filter((x) => path.dirname(x) === dir && !x.endsWith('/kustomization.yaml')).map((x) => path.basename(x));
        expect([...listedIn(`${dir}/kustomization.yaml`)].sort()).toEqual(objectsInDir.sort());
        // Every object is in the part its group and kind call for.
        for (const f of objectsInDir) expect(`${dir}/${f}: ${layerOfObject(parseAllDocuments(fs.readFileSync(path.join(out, dir, f), 'utf8'))[0]!.toJS())}`).toBe(`${dir}/${f}: ${layer}`);
      }
    }
    // Nothing else holds objects: no stray folders.
    expect(files.filter((x) => x.endsWith('/kustomization.yaml')).map((x) => path.dirname(x)).filter((d) => !/\/(infra|apps)$/.test(d)).sort()).toEqual(['management', ...folders].sort());
  });

  it('gives the k0smos-system Namespace of the management cluster one owner: that cluster\'s own folder', () => {
    const files = [...readTree(out).keys()];
    expect(files.filter((x) => x.endsWith('namespace_k0smos-system.yaml'))).toEqual([
      'sites/atlanta/atlanta/infra/namespace_k0smos-system.yaml',
      'sites/frankfurt/frankfurt/infra/namespace_k0smos-system.yaml',
      'sites/quebec/quebec/infra/namespace_k0smos-system.yaml',
    ]);
    expect(buildReferenceFleet(new App()).managementClusters.map((c) => c.node.path)).toEqual(['geo/frankfurt/frankfurt']);
  });

  it('a synth into the committed dist/ as a fresh clone has it (its saved state, no ownership marker) changes nothing', () => {
    const copy = path.join(tmpDir(), 'dist');
    fs.cpSync(path.join(REPO_ROOT, 'dist'), copy, { recursive: true });
    fs.rmSync(path.join(copy, '.k0smos-owned.json'), { force: true });
    synthReference(copy);
    fs.rmSync(path.join(copy, '.k0smos-owned.json'));
    expect(readTree(copy)).toEqual(readTree(path.join(REPO_ROOT, 'dist')));
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

  (hasKubectl() ? it : it.skip)('builds every folder with kubectl kustomize; in what GitOps applies, infra comes before apps and every namespace before what is in it', () => {
    type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
    const build = (folder: string): Obj[] => parseAllDocuments(execFileSync('kubectl', ['kustomize', path.join(out, folder)], { encoding: 'utf8' })).map((d) => d.toJS() as Obj);
    const id = (o: Obj) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const tree = readTree(out);
    const listed = (folder: string) => (parseAllDocuments(tree.get(`${folder}/kustomization.yaml`)!)[0]!.toJS() as { resources: string[] }).resources;
    const units = buildReferenceFleet(new App()).applyUnits();
    const built = new Map(units.map((u) => [u.path, build(u.path)]));
    for (const u of units) expect(built.get(u.path)).toHaveLength(listed(u.path).length);
    // The top-level kustomization of each folder (for `kubectl kustomize`) holds exactly its infra and apps objects.
    for (const folder of [...new Set(units.map((u) => path.dirname(u.path)))]) {
      const whole = build(folder).map(id).sort();
      expect(whole).toEqual([...built.get(`${folder}/infra`)!, ...built.get(`${folder}/apps`)!].map(id).sort());
      expect(new Set(whole).size).toBe(whole.length);
    }
    // Plus the Flux shard folders: wiring only, each applied whole by one Kustomization, not units of their own.
    const shardObjects = [...new Set([...tree.keys()].filter((k) => k.startsWith('management/flux/')).map((k) => k.split('/').slice(0, 3).join('/')))].reduce((n, f) => n + build(f).length, 0);
    expect(shardObjects).toBe(6);
    expect(build('management').length).toBe(units.filter((u) => u.path.startsWith('management/')).reduce((n, u) => n + built.get(u.path)!.length, 0) + shardObjects);
    // What a GitOps engine applies to each cluster: its units in dependency order, each built on its own.
    // (One `kubectl kustomize` of the top-level folder re-sorts by kind, so engines apply the units.)
    const bootstrap = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
    for (const cluster of [...new Set(units.map((u) => u.cluster))]) {
      const seq = units.filter((u) => u.cluster === cluster).flatMap((u) => built.get(u.path)!.map((o) => ({ o, unit: u.path })));
      const isManagement = units.some((u) => u.cluster === cluster && u.path.startsWith('management/'));
      const namespaces = new Set([...bootstrap, ...(isManagement ? ['kcm-system'] : [])]);
      let seenApps = false;
      for (const { o, unit } of seq) {
        if (unit.endsWith('/apps')) seenApps = true;
        // Within a cluster folder, nothing of infra/ comes after apps/ has started.
        if (unit.startsWith('sites/') && unit.endsWith('/infra')) expect(`${unit}: ${seenApps}`).toBe(`${unit}: false`);
        if (o.metadata.namespace !== undefined) expect(`${unit}: ${id(o)} after Namespace ${o.metadata.namespace}: ${namespaces.has(o.metadata.namespace)}`).toMatch(/: true$/);
        if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
      }
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
    expect(tree.has('sites/frankfurt/frankfurt/apps/deployment_fl_fl-superlink.yaml')).toBe(true);
    const sn = (site: string) => doc(`sites/${site}/${site}/apps/deployment_fl_fl-supernode-${site}.yaml`).spec.template.spec;
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
    const egress = doc('sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_fl_allow-fl-supernode-quebec-to-superlink-egress.yaml');
    expect(egress.spec.egress).toEqual([expect.objectContaining({ toPorts: [{ ports: [{ port: '9092', protocol: 'TCP' }] }] })]);
    expect(egress.spec.egress[0].toEndpoints[0].matchLabels['io.cilium.k8s.policy.cluster']).toBe('frankfurt');
    // In Frankfurt: ingress from each client cluster, and the ServerApp -> SuperLink pair inside the cluster.
    const policies = [...tree.keys()].filter((k) => k.startsWith('sites/frankfurt/') && k.includes('ciliumnetworkpolicy'));
    expect(policies).toEqual([
      'sites/frankfurt/frankfurt/infra/ciliumnetworkpolicy.cilium.io_fl_allow-fl-serverapp-dns-egress.yaml',
      'sites/frankfurt/frankfurt/infra/ciliumnetworkpolicy.cilium.io_fl_allow-fl-serverapp-to-superlink-egress.yaml',
      'sites/frankfurt/frankfurt/infra/ciliumnetworkpolicy.cilium.io_fl_allow-fl-serverapp-to-superlink-ingress.yaml',
      'sites/frankfurt/frankfurt/infra/ciliumnetworkpolicy.cilium.io_fl_allow-fl-supernode-atlanta-to-superlink-ingress.yaml',
      'sites/frankfurt/frankfurt/infra/ciliumnetworkpolicy.cilium.io_fl_allow-fl-supernode-quebec-to-superlink-ingress.yaml',
    ]);
    const crossCluster = policies.map((k) => doc(k)).flatMap((p) => [...(p.spec.ingress ?? []).flatMap((r: any) => r.fromEndpoints ?? [])]).filter((s: any) => s.matchLabels['io.cilium.k8s.policy.cluster'] !== 'frankfurt');
    expect(crossCluster.map((s: any) => s.matchLabels['app.kubernetes.io/component'])).toEqual(['supernode', 'supernode']);
  });

  it('exempts no workload namespace from the default deny: training and inference declare their flows', () => {
    const baseline = doc('sites/quebec/quebec/infra/ciliumclusterwidenetworkpolicy.cilium.io_k0smos-default-deny.yaml');
    const [exists, notIn] = baseline.spec.endpointSelector.matchExpressions;
    expect(exists).toEqual({ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' });
    expect(notIn.values).not.toContain('training');
    expect(notIn.values).not.toContain('inference');
    expect(tree.has('sites/atlanta/atlanta/infra/ciliumnetworkpolicy.cilium.io_training_allow-pretrain-gang-ingress.yaml')).toBe(true);
    expect(tree.has('sites/quebec/quebec/infra/ciliumnetworkpolicy.cilium.io_inference_allow-chat-from-own-namespace-ingress.yaml')).toBe(true);
  });

  it('the energy schedule scales each SuperNode and reports its carbon against always-on', () => {
    expect(doc('sites/quebec/quebec/apps/scaledobject.keda.sh_fl_fl-supernode-quebec.yaml').spec.triggers.length).toBeGreaterThan(0);
    expect(tree.get('sites/frankfurt/frankfurt/flower-fl-participation.md')).toMatch(/always-on/i);
  });

  it('the training job and the inference service go where the solver put them', () => {
    expect(tree.has('sites/atlanta/atlanta/apps/pytorchjob.kubeflow.org_training_pretrain.yaml')).toBe(true);
    expect(tree.has('sites/quebec/quebec/apps/inferenceservice.serving.kserve.io_inference_chat.yaml')).toBe(true);
    expect(tree.get('PLACEMENT.md')).toMatch(/\| pretrain \| 7 \| 2\/2 \| atlanta\/atlanta\/mi300x x2 \|/);
  });
});
