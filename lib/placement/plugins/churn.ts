/**
 * Objective term: churn. A replica that ran at a site in the previous placement and no longer runs
 * there is one move (a GitOps diff and a restart). Churn of a workload at a site is
 * `max(0, previous − now)`.
 */

/** Moves between two replica counts per site. */
export function churnOf(previous: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>): number {
  let moves = 0;
  for (const [site, n] of previous) moves += Math.max(0, n - (now.get(site) ?? 0));
  return moves;
}
