/**
 * Issue 13, point 1: no secret is ever written. Detection by value and by field name in every free-form
 * value users give; references, digests and public certificates pass; a per-field opt-out.
 */
import { validateFleet } from '../../lib/model/fleet';
import { looksRandom, pathProblem, secretFormat, secretIssues } from '../../lib/model/secrets';
import { modesFleet } from '../fixtures/fleets';
import { clone } from '../helpers';

type Mutable = { sites: { name: string; labels?: Record<string, string>; nodePools: Record<string, any>[]; clusters: Record<string, any>[] }[] } & Record<string, any>;
function issuesAfter(edit: (f: Mutable) => void): string[] {
  const f = clone(modesFleet()) as unknown as Mutable;
  edit(f);
  const r = validateFleet(f);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}
const cluster = (f: Mutable, site: string) => f.sites.find((s) => s.name === site)!.clusters[0]!;

const OPENSSH = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ3V0ZSBDQSBjZXJ0aWZpY2F0ZQ==\n-----END CERTIFICATE-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('secret values are found by value', () => {
  test.each([
    ['a PEM private key', OPENSSH, 'a private key'],
    ['an RSA key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', 'a private key'],
    ['a base64 PEM key', b64(OPENSSH), 'a private key (base64)'],
    ['a GitHub token', 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5', 'a GitHub token'],
    ['a GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'a GitHub token'],
    ['a GitLab token', 'glpat-' + 'x1Y2z3A4b5C6d7E8f9G0', 'a GitLab token'],
    ['a Slack token', 'xoxb-' + '123456789012-abcdefghijkl', 'a Slack token'],
    ['an AWS access key id', 'AKIA' + 'IOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'a JSON Web Token'],
    ['a URL with a password', 'postgres://app:s3cr3t@db.example.com:5432/app', 'a password in a URL'],
    ['a Hugging Face token', 'hf_' + 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'a Hugging Face token'],
  ])('%s', (_, value, format) => {
    expect(secretFormat(value)).toBe(format);
    expect(secretIssues({ anything: value }, 'x')[0]?.message).toContain(`contains ${format}`);
  });

  test('long random strings are secrets; digests, hex ids, UUIDs, names and certificates are not', () => {
    expect(looksRandom('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(true); // AWS secret access key shape
    expect(looksRandom('Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg9XyZ')).toBe(true);
    for (const ok of [
      'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      'quay.io/cilium/cilium@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
      '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d', // a commit id
      '123e4567-e89b-12d3-a456-426614174000',
      'a-very-long-but-perfectly-ordinary-release-name',
      'https://charts.example.com/stable/index.yaml',
      b64(CERT),
      CERT,
    ]) {
      expect(secretIssues({ value: ok }, 'v')).toEqual([]);
    }
  });
});

describe('secret values are found by field name', () => {
  test.each(['adminPassword', 'apiToken', 'smtp_auth_password', 'clientSecret', 'db.passphrase', 'privateKey', 'aws_secret_access_key', 'apikey', 'credential_value'])('%s', (key) => {
    const issues = secretIssues({ [key]: 'hunter2' }, 'values');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/looks like a secret value given inline/);
    expect(issues[0]!.message).toMatch(/Secret \(or an ExternalSecret\).*valuesFrom/);
  });

  test('references and descriptions of secrets are never flagged', () => {
    const values = {
      existingSecret: 'grafana-admin',
      auth: { secretName: 'tls-cert', secretRef: { name: 'creds', key: 'password' }, tlsSecret: 'ingress-tls' },
      credential: 'aws-cred',
      identityRef: { kind: 'Secret', name: 'ssh-key' },
      valuesFrom: [{ kind: 'Secret', name: 'x' }],
      env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
      passwordFile: '/run/secrets/db',
      tokenTTL: '24h',
      password: '{{ .Values.global.password }}',
      tokenizer: 'meta-llama/Llama-3.1-8B',
      enablePassword: true,
      tokenLength: 32,
    };
    expect(secretIssues(values, 'values')).toEqual([]);
  });

  test('a value under a reference key is still refused when it is key material', () => {
    expect(secretIssues({ existingSecret: OPENSSH }, 'v')[0]?.message).toContain('contains a private key');
  });

  test('notSecret: the per-field opt-out (names and entropy only, never key material)', () => {
    expect(secretIssues({ auth: { token: 'not-a-secret-mode' } }, 'v', { notSecret: ['auth.token'] })).toEqual([]);
    expect(secretIssues({ auth: { token: 'x' } }, 'v', { optOutField: 'addons[a].notSecret' })[0]?.message).toContain("list 'auth.token' in addons[a].notSecret");
    expect(secretIssues({ auth: { token: OPENSSH } }, 'v', { notSecret: ['auth.token'] })).toHaveLength(1);
  });
});

describe('in the fleet', () => {
  test('add-on values with secrets are refused with the field path; notSecret lets a field pass', () => {
    const issues = issuesAfter((f) => {
      cluster(f, 'hub').addons[1].values = { adminPassword: 'x', apiToken: 'y', smtp: { smtp_auth_password: 'z' }, grafana: { existingSecret: 'graf' } };
    });
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual([
      'sites[hub].clusters[hub].addons[metrics].values.adminPassword',
      'sites[hub].clusters[hub].addons[metrics].values.apiToken',
      'sites[hub].clusters[hub].addons[metrics].values.smtp.smtp_auth_password',
    ]);
    expect(
      issuesAfter((f) => {
        cluster(f, 'hub').addons[1].values = { auth: { tokenMode: 'x', token: 'auto' } };
        cluster(f, 'hub').addons[1].notSecret = ['auth.token'];
      }),
    ).toEqual([]);
  });

  test('template config of a k0rdent cluster: secrets refused, notSecret honoured', () => {
    expect(issuesAfter((f) => (cluster(f, 'lab').controlPlane.config.apiToken = 'abc'))[0]).toMatch(/^sites\[lab\]\.clusters\[lab\]\.controlPlane\.config\.apiToken: looks like a secret/);
  });

  test('a private key pasted into keyPath or airgapBundle is refused: they must be paths', () => {
    const issues = issuesAfter((f) => {
      const hub = cluster(f, 'hub');
      hub.controlPlane.keyPath = OPENSSH;
      hub.airgapBundle = 'line one\nline two';
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sites\[hub\]\.clusters\[hub\]\.controlPlane\.keyPath: must be a path, and it contains a private key/),
        expect.stringMatching(/^sites\[hub\]\.clusters\[hub\]\.airgapBundle: must be a path \(one line\)/),
      ]),
    );
    expect(pathProblem('~/.ssh/id_ed25519')).toBeUndefined();
    expect(pathProblem('/etc/k0s/bundle.tar')).toBeUndefined();
  });

  test('labels: secrets refused, Kubernetes rules on keys and values (a 50 MB value is one clear error)', () => {
    const issues = issuesAfter((f) => {
      f.sites[0]!.labels = { token: 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5', 'bad key!': 'v', team: 'x'.repeat(64) };
      f.sites[0]!.nodePools[0]!.labels = { huge: 'y'.repeat(50 * 1024 * 1024) };
    });
    const site = f0Name();
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^sites\\[${site}\\]\\.labels\\.token: contains a GitHub token`)),
        expect.stringMatching(new RegExp(`^sites\\[${site}\\]\\.labels\\["bad key!"\\]: label key 'bad key!' has a name part`)),
        expect.stringMatching(new RegExp(`^sites\\[${site}\\]\\.labels\\.team: label value is 64 characters long; at most 63`)),
        expect.stringMatching(/\.nodePools\[[a-z0-9-]+\]\.labels\.huge: label value is 52428800 characters long/),
      ]),
    );
    expect(issues.every((i) => i.length < 2000)).toBe(true);
  });
});

function f0Name(): string {
  return (modesFleet() as unknown as Mutable).sites[0]!.name;
}

describe('the written tree', () => {
  test('key material in any file is found by file and line, with the field', () => {
    const { secretsInTree } = jest.requireActual('../../lib/model/secrets') as typeof import('../../lib/model/secrets');
    const tree = new Map([
      ['sites/a/a/apps/x.yaml', `kind: ConfigMap\ndata:\n  key: |\n    ${OPENSSH.split('\n')[0]}\n`],
      ['sites/a/a/apps/y.yaml', 'kind: ConfigMap\ndata:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n'],
    ]);
    expect(secretsInTree(tree)).toEqual([{ path: 'sites/a/a/apps/x.yaml:4', message: expect.stringMatching(/^contains a private key, which would be written/) }]);
  });
});

describe('values named by their neighbour: env entries and flag assignments', () => {
  test('an env entry is judged by its name; a reference or a harmless name is not flagged', () => {
    const issues = secretIssues({ env: [{ name: 'DB_PASSWORD', value: 'hunter2-but-longer' }, { name: 'LOG_LEVEL', value: 'debug' }, { name: 'TOKEN_TTL', value: '3600' }] }, 'w');
    expect(issues.map((i) => i.path)).toEqual(['w.env[0].value']);
    expect(issues[0]!.message).toMatch(/named like one that holds a secret/);
    expect(secretIssues({ env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }, 'w')).toEqual([]);
  });

  test('a flag or assignment carrying a secret is flagged; paths, names and template references are not', () => {
    const issues = secretIssues({ args: ['--epochs=3', '--db-password=s3cret-value', 'API_TOKEN=abc123', '--token-file=/var/run/token', '--password=${DB_PASSWORD}', '--secret-name=db'] }, 'job');
    expect(issues.map((i) => i.path)).toEqual(['job.args[1]', 'job.args[2]']);
    expect(issues[0]!.message).toMatch(/'db-password=…'.*valueFrom\.secretKeyRef/);
    expect(issues[0]!.message).not.toMatch(/s3cret/);
  });

  test('a training job with a password on its command line is refused at synth, naming the field; nothing else of the job is written', () => {
    const { App } = jest.requireActual('cdk8s') as typeof import('cdk8s');
    const { buildReferenceBase } = jest.requireActual('../../apps/reference-fleet') as typeof import('../../apps/reference-fleet');
    const { TrainingJob } = jest.requireActual('../../constructs') as typeof import('../../constructs');
    const fleet = buildReferenceBase(new App());
    new TrainingJob(fleet, 'leaky', { target: { site: 'quebec' }, image: 'r/x:1', args: ['--hf-password=correct-horse-battery'] });
    expect(() => fleet.resolve()).toThrow(/geo\/leaky: args\[0\]: looks like a secret value given inline \('hf-password=…'\)/);
  });
});
