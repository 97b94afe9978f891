import { runRef, type Run, RUN_STATE_TEXT } from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import type { RunTx } from '../../ports/runbook-store';
import type { RunbookDeps } from './runbook-deps';
import { note, refresh } from './runbook-support';

/** A run's last move: unfinished steps skipped, the watch started or skipped, the outcome. */
export async function finish(
  deps: RunbookDeps,
  tx: RunTx,
  run: Run,
  state: Run['state'],
): Promise<void> {
  const now = deps.clock.now();
  for (const s of run.steps)
    if (['pending', 'waiting_approval', 'running'].includes(s.state) && s.kind !== 'watch')
      await tx.updateStep(s.index, { state: 'skipped', lease: null });
  const def = deps.runbooks[run.runbook];
  const watching = state === 'completed' && !run.dryRun && def?.watch;
  const watchStep = run.steps.find((s) => s.kind === 'watch');
  if (watchStep)
    await tx.updateStep(
      watchStep.index,
      watching ? { state: 'running', startedAt: now } : { state: 'skipped' },
    );
  const outcome =
    state === 'failed' && def?.failureOutcome ? def.failureOutcome(run) : outcomeOf(run, state);
  await tx.update({ state, finishedAt: now, outcome });
}

function outcomeOf(run: Run, state: Run['state']): string {
  const failed = typeof run.context.failedStep === 'string' ? run.context.failedStep : 'a step';
  const why = typeof run.context.failure === 'string' ? run.context.failure : 'see the step';
  switch (state) {
    case 'completed':
      return run.dryRun ? 'Dry run: nothing was changed.' : 'All steps done.';
    case 'failed':
      return `"${failed}" failed: ${why}. What had to be undone to leave the tenant writable was undone.`;
    case 'cancelled':
      return 'Cancelled: the completed steps were undone in reverse.';
    case 'rolled_back':
      return 'Rolled back: the completed steps were undone in reverse.';
    case 'running':
    case 'waiting_approval':
    case 'failing':
    case 'cancelling':
    case 'rolling_back':
      return state;
  }
}

/** After a run ends: its after-care is scheduled, the tenant's state is told, and it is shown. */
export async function afterFinish(deps: RunbookDeps, number: number): Promise<void> {
  const run = await deps.store.get(Scope.platform('runbook worker: which tenant'), number);
  if (!run) return;
  const def = deps.runbooks[run.runbook];
  if (run.state === 'completed' && !run.dryRun && def?.watch) {
    const start = (run.finishedAt ?? deps.clock.now()).getTime();
    for (let n = 1; n <= def.watch.checks; n++)
      await deps.jobs.watch(number, new Date(start + n * def.watch.everyMs), n);
  }
  await note(deps, run, `${runRef(number)} ${RUN_STATE_TEXT[run.state]}: ${run.outcome ?? ''}`);
  await refresh(deps, number);
}
