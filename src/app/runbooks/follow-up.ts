import { Scope } from '../../domain/tenants/scope';
import type { Run } from '../../domain/runbooks/runbook';
import type { Actor } from '../incident-deps';
import type { FollowUpRun } from './incident-ops';
import { startRun } from './runbook-commands';
import type { RunbookDeps } from './runbook-deps';

/**
 * Starts the run a step asks for, as `actor` (their roles checked like `/runbook run`). A run
 * already started for the same `after=RB-n` is returned instead: a retried step starts one.
 */
export async function startFollowUp(
  deps: RunbookDeps,
  actor: Actor,
  req: FollowUpRun,
): Promise<Run> {
  const after = req.params.after;
  if (after) {
    const recent = await deps.store.list(Scope.of([req.tenant]), { tenant: req.tenant, limit: 50 });
    const earlier = recent.find((r) => r.runbook === req.runbook && r.params.after === after);
    if (earlier) return earlier;
  }
  return startRun(deps, actor, { ...req, dryRun: false, sandbox: false });
}
