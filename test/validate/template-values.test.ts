import { App } from 'cdk8s';
import { Fleet } from '../../constructs';
import { parse, stringify } from 'yaml';
import { writeTreeAtomically } from '../../lib/synth/writer';
import { checkTemplateConfig, mergeValues, validateDeploymentConfigs } from '../../lib/validate/template-values';
import { ValidationError } from '../../lib/model/errors';
import { modesFleet } from '../fixtures/fleets';
import { clone, describeWithSchemas, fleetFrom, templateSchemas, tmpDir } from '../helpers';

describe('Helm value merge', () => {
  test('maps merge, lists and scalars replace', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [3] }, d: 'y' })).toEqual({ a: { b: 1, c: [3] }, d: 'y' });
  });
});

describeWithSchemas('ClusterDeployment config against the template values schema', () => {
  const at = 'sites[x].clusters[x].controlPlane.config';

  test('config keys the template does not have, with its own field names and a suggestion', () => {
    const issues = checkTemplateConfig(templateSchemas(), 'aws-hosted-cp', { region: 'us-east-1', instanceTyp: 't3.large' }, at);
    const typo = issues.find((i) => i.path === `${at}.instanceTyp`)!;
    expect(typo.message).toMatch(/^template aws-hosted-cp has no field 'instanceTyp'; did you mean 'instanceType'\? \(fields here: .*iamInstanceProfile.*\)/);
  });

  test('types the template rejects, at the template path', () => {
    const issues = checkTemplateConfig(templateSchemas(), 'remote-cluster', { machines: [{ address: '10.0.0.1', port: 'twenty-two' }], k0smotron: { service: { type: 'Ingress' } } }, at);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: `${at}.machines[0].port`, message: 'template remote-cluster: must be number' },
        { path: `${at}.k0smotron.service.type`, message: 'template remote-cluster: must be one of "ClusterIP", "NodePort", "LoadBalancer"' },
      ]),
    );
    expect(issues).toHaveLength(2);
  });

  test('required values left empty by the template defaults (kcm#1115)', () => {
    const issues = checkTemplateConfig(templateSchemas(), 'gcp-hosted-cp', { project: 'p' }, at);
    expect(issues.map((i) => i.path).sort()).toEqual([`${at}.region`, `${at}.worker.instanceType`]);
    expect(issues[0]!.message).toContain("requires 'region' and it is empty (the template default is \"\"); a dry run passes but the deployment fails");
  });

  test('the fleet reports config problems with the fleet path, together with other problems', () => {
    const spec = clone(modesFleet());
    const lab = spec.sites[2]!.clusters![0]! as { controlPlane: { config: Record<string, unknown> } };
    lab.controlPlane.config.controlPlaneNumber = 'three';
    lab.controlPlane.config.machine = [];
    let err: unknown;
    try {
      fleetFrom(spec).toTree({ templates: templateSchemas() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const lines = (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toEqual([
      'fleet: sites[lab].clusters[lab].controlPlane.config.controlPlaneNumber: template remote-cluster: must be number',
      "fleet: sites[lab].clusters[lab].controlPlane.config.machine: template remote-cluster has no field 'machine'; did you mean 'machines'? (fields here: audit, auth, clusterAnnotations, clusterIdentity, clusterLabels, clusterNetwork, controlPlaneNumber, dataSource, encryption, k0s, k0smotron, machines, storage)",
    ]);
  });

  test('synth without a schemas folder fails, in CI and elsewhere, naming the folder it looked for', () => {
    const old = { schemas: process.env.K0SMOS_SCHEMAS, ci: process.env.CI };
    process.env.K0SMOS_SCHEMAS = '/nonexistent/schemas';
    try {
      for (const ci of ['true', 'false']) {
        process.env.CI = ci;
        expect(() => Fleet.fromSpec(new App(), 'f', modesFleet()).synth({ outdir: '/tmp/k0smos-never-written' })).toThrow(
          /cannot check ClusterDeployment configs against their templates: no schemas folder found \(K0SMOS_SCHEMAS is '\/nonexistent\/schemas', which does not exist/,
        );
      }
    } finally {
      for (const [k, v] of [['K0SMOS_SCHEMAS', old.schemas], ['CI', old.ci]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describeWithSchemas('validateDeploymentConfigs: ClusterDeployments as written', () => {
  test('a written tree is checked file by file, with JSON pointers into the file', () => {
    const dir = tmpDir();
    const tree = new Map(fleetFrom(modesFleet()).toTree());
    const file = 'management/clusters/lab/apps/clusterdeployment.k0rdent.mirantis.com_kcm-system_lab.yaml';
    expect(validateDeploymentConfigs(templateSchemas(), (writeTreeAtomically(dir, tree), dir))).toEqual({ deployments: 1, failures: [] });
    const cd = parse(tree.get(file)!);
    cd.spec.config.machines[0].port = 'ssh';
    tree.set(file, stringify(cd));
    writeTreeAtomically(dir, tree);
    expect(validateDeploymentConfigs(templateSchemas(), dir).failures).toEqual([{ file, document: 0, pointer: '/spec/config/machines/0/port', message: 'template remote-cluster: must be number' }]);
  });
});
