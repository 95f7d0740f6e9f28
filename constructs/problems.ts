import type { IConstruct } from 'constructs';
import { formatIssue, type ValidationIssue } from '../lib/model/errors';

const PROBLEMS = Symbol.for('cdk8s-k0smos.problems');

/**
 * Records problems found in a construct's props instead of throwing, so that one run reports every
 * problem of the fleet: `Fleet.resolve()` (run by `toTree`, `synth`, `plan` and `check`) gathers them with
 * the spec problems, cross-cluster rules and unresolved requirements, each under the construct's path and
 * the field's path. `app.synth()` sees them too (as construct validations). The construct that records
 * problems writes nothing (it stays inert), so a later problem is never a consequence of an earlier one.
 * Returns true when there were problems.
 */
export function deferProblems(scope: IConstruct, issues: readonly ValidationIssue[]): boolean {
  if (issues.length === 0) return false;
  const holder = scope as unknown as { [PROBLEMS]?: ValidationIssue[] };
  if (!holder[PROBLEMS]) {
    const list: ValidationIssue[] = [];
    Object.defineProperty(holder, PROBLEMS, { value: list, enumerable: false });
    scope.node.addValidation({ validate: () => list.map((i) => formatIssue(i)) });
  }
  holder[PROBLEMS]!.push(...issues);
  return true;
}

/** The problems a construct recorded with {@link deferProblems}, with their field paths. */
export function recordedProblems(scope: IConstruct): readonly ValidationIssue[] {
  return (scope as unknown as { [PROBLEMS]?: ValidationIssue[] })[PROBLEMS] ?? [];
}
