/**
 * Flower's wiring rules (STACK.md section 14, rule 7), checked on the emitted objects themselves rather than on
 * props, so hand edits and future emitters are held to the same rules:
 *  - every SuperNode's `--superlink` points at the SuperLink's Fleet API port, through a Service that exists;
 *  - TLS agrees on both ends (`--insecure` on both, or a CA on SuperNodes and all three files on the SuperLink);
 *  - `--isolation process` brings its SuperExec processes with a matching `--appio-api-address`;
 *  - `--enable-supernode-auth` needs TLS and a private key on every SuperNode.
 */
import type { ValidationIssue } from '../model/errors';
import type { K8sObject } from '../synth/objects';
import { COMPONENT_LABEL, FLOWER_PORTS, JOB_LABEL } from './constants';

interface Container {
  name: string;
  args?: string[];
}

/** Value of `--flag` in args (undefined when absent; '' for a bare flag). */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const next = args[i + 1];
  return next === undefined || next.startsWith('--') ? '' : next;
}

const containersOf = (o: K8sObject): Container[] => ((o.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec?.containers ?? []) as Container[];
const portOf = (addr: string | undefined, dflt: number) => {
  if (addr === undefined) return dflt;
  const m = /:(\d+)$/.exec(addr);
  return m ? Number(m[1]) : NaN;
};
const hostOf = (addr: string) => addr.replace(/:\d+$/, '');

/**
 * Checks one Flower job's objects. `objects` maps `site/cluster` to that cluster's objects; only objects
 * labelled with the job name take part. Returns every problem, named by cluster and object.
 */
export function checkFlowerWiring(job: string, objects: ReadonlyMap<string, readonly K8sObject[]>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const mine = [...objects.entries()].flatMap(([cluster, list]) => list.filter((o) => o.metadata.labels?.[JOB_LABEL] === job).map((o) => ({ cluster, o })));
  const deployments = (component: string) => mine.filter(({ o }) => o.kind === 'Deployment' && o.metadata.labels?.[COMPONENT_LABEL] === component);
  const where = (cluster: string, o: K8sObject) => `${cluster}: ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;

  const links = deployments('superlink');
  if (links.length !== 1) {
    issues.push({ path: `flower job ${job}`, message: `needs exactly one SuperLink Deployment; found ${links.length}` });
    return issues;
  }
  const { cluster: slCluster, o: slDep } = links[0]!;
  const sl = containersOf(slDep).find((c) => c.name === 'superlink');
  const slArgs = sl?.args ?? [];
  const fleetPort = portOf(flagValue(slArgs, '--fleet-api-address'), FLOWER_PORTS.fleet);
  const appIoPort = portOf(flagValue(slArgs, '--serverappio-api-address'), FLOWER_PORTS.serverAppIo);
  const slInsecure = flagValue(slArgs, '--insecure') !== undefined;
  const sslFlags = ['--ssl-ca-certfile', '--ssl-certfile', '--ssl-keyfile'].filter((f) => flagValue(slArgs, f));
  const slWhere = where(slCluster, slDep);
  if (slInsecure && sslFlags.length > 0) issues.push({ path: slWhere, message: `SuperLink has --insecure and ${sslFlags.join(', ')}; choose one` });
  if (!slInsecure && sslFlags.length !== 3) issues.push({ path: slWhere, message: `SuperLink TLS needs all of --ssl-ca-certfile, --ssl-certfile, --ssl-keyfile (got ${sslFlags.join(', ') || 'none'}); Flower refuses to start otherwise` });
  const nodeAuth = flagValue(slArgs, '--enable-supernode-auth') !== undefined;
  if (nodeAuth && slInsecure) issues.push({ path: slWhere, message: 'node authentication (--enable-supernode-auth) requires TLS; remove --insecure' });

  // Services that reach the SuperLink's Fleet port, by cluster and name.
  const slLabels = (slDep.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  const fleetServices = mine.filter(({ o }) => {
    if (o.kind !== 'Service') return false;
    const spec = o.spec as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] };
    const selects = spec.selector !== undefined && Object.entries(spec.selector).every(([k, v]) => slLabels[k] === v);
    return selects && (spec.ports ?? []).some((p) => p.targetPort === fleetPort || (p.targetPort === undefined && p.port === fleetPort));
  });

  const slIsolation = flagValue(slArgs, '--isolation') ?? 'subprocess';
  if (slIsolation === 'process') {
    const execs = deployments('superexec-serverapp');
    const ok = execs.some(({ cluster, o }) =>
      containersOf(o).some((c) => {
        const a = c.args ?? [];
        const addr = flagValue(a, '--appio-api-address') ?? '';
        const host = hostOf(addr).split('.')[0];
        return cluster === slCluster && flagValue(a, '--plugin-type') === 'serverapp' && portOf(addr, NaN) === appIoPort && mine.some(({ cluster: c2, o: s }) => c2 === slCluster && s.kind === 'Service' && s.metadata.name === host);
      }),
    );
    if (!ok) issues.push({ path: slWhere, message: `--isolation process needs a SuperExec (--plugin-type serverapp) in ${slCluster} with --appio-api-address <SuperLink Service>:${appIoPort}` });
  }

  for (const { cluster, o } of deployments('supernode')) {
    const cs = containersOf(o);
    const sn = cs.find((c) => c.name === 'supernode');
    const a = sn?.args ?? [];
    const w = where(cluster, o);
    const target = flagValue(a, '--superlink');
    if (!target) {
      issues.push({ path: w, message: '--superlink is missing; SuperNodes must dial the SuperLink Fleet API' });
    } else {
      const port = portOf(target, NaN);
      if (port !== fleetPort) {
        const which = port === FLOWER_PORTS.control ? ' (that is the Control API)' : port === appIoPort ? ' (that is the ServerAppIo API)' : '';
        issues.push({ path: w, message: `--superlink ${target} uses port ${port}${which}; the SuperLink's Fleet API listens on ${fleetPort}` });
      }
      const host = hostOf(target);
      const svc = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host);
      if (svc) {
        // An in-cluster name: a Service of that name must exist in the SuperNode's own cluster and, unless the
        // SuperLink is right there, be a Cilium global service reaching the SuperLink.
        const local = fleetServices.find(({ cluster: c, o: s }) => c === cluster && s.metadata.name === svc[1] && s.metadata.namespace === svc[2]);
        const global = (s: K8sObject) => s.metadata.annotations?.['service.cilium.io/global'] === 'true';
        if (!local) issues.push({ path: w, message: `--superlink names Service ${svc[2]}/${svc[1]}, but ${cluster} has no such Service selecting the SuperLink on port ${fleetPort}` });
        else if (cluster !== slCluster && (!global(local.o) || !fleetServices.some(({ cluster: c, o: s }) => c === slCluster && s.metadata.name === svc[1] && global(s)))) {
          issues.push({ path: w, message: `Service ${svc[2]}/${svc[1]} must carry service.cilium.io/global: "true" in both ${cluster} and ${slCluster} to reach the SuperLink across clusters` });
        }
      } else if (!fleetServices.some(({ cluster: c, o: s }) => c === slCluster && (s.spec as { type?: string }).type === 'LoadBalancer')) {
        issues.push({ path: w, message: `--superlink ${target} is an external address, but no LoadBalancer Service exposes the SuperLink's Fleet port in ${slCluster}` });
      }
    }
    const insecure = flagValue(a, '--insecure') !== undefined;
    const ca = flagValue(a, '--root-certificates');
    if (insecure !== slInsecure) issues.push({ path: w, message: slInsecure ? 'the SuperLink runs without TLS (--insecure) but this SuperNode expects TLS; TLS must agree on both ends' : 'this SuperNode uses --insecure but the SuperLink serves TLS; TLS must agree on both ends' });
    if (!insecure && !ca) issues.push({ path: w, message: 'TLS needs --root-certificates <ca.pem> on the SuperNode' });
    if (nodeAuth && !flagValue(a, '--auth-supernode-private-key')) issues.push({ path: w, message: 'the SuperLink requires node authentication; give this SuperNode --auth-supernode-private-key' });
    if ((flagValue(a, '--isolation') ?? 'subprocess') === 'process') {
      const appio = portOf(flagValue(a, '--clientappio-api-address'), FLOWER_PORTS.clientAppIo);
      const ok = cs.some((c) => c !== sn && flagValue(c.args ?? [], '--plugin-type') === 'clientapp' && flagValue(c.args ?? [], '--appio-api-address') === `127.0.0.1:${appio}`);
      if (!ok) issues.push({ path: w, message: `--isolation process needs a SuperExec container (--plugin-type clientapp) in the pod with --appio-api-address 127.0.0.1:${appio}` });
    }
  }
  return issues;
}
