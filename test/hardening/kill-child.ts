/** Child of the fault-injection test: writes a large tree (argv: out, version) with the real filesystem, to be killed with SIGKILL. */
import { writeTreeAtomically } from '../../lib/synth/writer';

const [out, version] = process.argv.slice(2) as [string, string];
const tree = new Map<string, string>();
for (let s = 0; s < 40; s++) for (let f = 0; f < 50; f++) tree.set(`sites/s${s}/c/apps/f${f}.yaml`, `version: ${version}\n${'x'.repeat(2000)}\n`);
tree.set('management/kustomization.yaml', `version: ${version}\n`);
tree.set('READINESS.md', `version ${version}\n`);
process.stdout.write('start\n');
writeTreeAtomically(out, tree);
process.stdout.write('done\n');
