import { runRef } from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import { definitionOf, note, refresh, stepContext } from './runbook-engine';
import type { RunbookDeps } from './runbook-deps';

/**
 * After-care check `n` of a completed run (restore: the tenant's error alerts and row counts,
 * hourly for 24 h). Shown on the run's watch step; a problem goes to the audit log and the
 * incident's timeline at once, and the last check writes the final report.
 */
export async function runWatch(deps: RunbookDeps, number: number, n: number): Promise<void> {
  const scope = Scope.platform('runbook after-care: which tenant');
  const run = await deps.store.get(scope, number);
  const def = run ? deps.runbooks[run.runbook] : undefined;
  const step = run?.steps.find((s) => s.kind === 'watch');
  if (!run || !def?.watch || !step || run.state !== 'completed' || step.state !== 'running') return;
  // The reconciler may queue a check again; each is made once.
  if (n <= Number(run.context.watchDone ?? 0)) return;
  const checkedAt = deps.clock.now();
  const result = await def.watch.check(stepContext(deps, run), n).catch((err: unknown) => ({
    ok: false,
    summary: `check ${n} could not run: ${(err as Error).message}`,
  }));
  const last = n >= def.watch.checks;
  const problems = Number(run.context.watchProblems ?? 0) + (result.ok ? 0 : 1);
  const output = `${n}/${def.watch.checks} checks, ${problems} with a problem — latest: ${result.summary}`;
  await deps.store.withRun(Scope.of([run.tenant]), number, async (tx) => {
    await tx.updateStep(step.index, {
      output,
      ...(last ? { state: 'done' as const, finishedAt: deps.clock.now() } : {}),
    });
    // The next check looks at what happened since this one (alerts fired meanwhile).
    await tx.update({
      context: { watchProblems: problems, watchDone: n, watchCheckedAt: checkedAt.toISOString() },
    });
  });
  if (!result.ok) await note(deps, run, `watch check ${n}: ${result.summary}`);
  if (last)
    await note(
      deps,
      run,
      `final report after ${def.watch.checks} checks: ${problems === 0 ? 'no problem seen' : `${problems} check(s) saw a problem`}; latest: ${result.summary}`,
    );
  await refresh(deps, number);
}

/**
 * The RTO deadline of a restore passed: unless the tenant's writes were re-enabled in time, a
 * breach is posted in the run's thread (like an SLA breach) and recorded.
 */
export async function checkRto(deps: RunbookDeps, number: number): Promise<boolean> {
  const run = await deps.store.get(Scope.platform('runbook RTO check: which tenant'), number);
  if (!run?.rtoDueAt || deps.clock.now() < run.rtoDueAt || run.dryRun) return false;
  const def = definitionOf(deps, run);
  const resumed = run.steps.find((s) => s.id === 'resume-writes');
  const metAt = resumed?.state === 'done' ? resumed.finishedAt : run.finishedAt;
  if (metAt && metAt <= run.rtoDueAt) return false;
  if (run.context.rtoBreached) return false;
  await deps.store.withRun(Scope.of([run.tenant]), number, (tx) =>
    tx.update({ context: { rtoBreached: true } }),
  );
  await note(
    deps,
    run,
    `RTO breach: ${runRef(number)} ${def.name} of ${run.tenant} has not re-enabled writes within the RTO (due ${run.rtoDueAt.toISOString()})`,
  );
  await deps.notices.rtoBreached(run, await deps.incidents.access.holdersOf([run.tenant], 'comms'));
  await refresh(deps, number);
  return true;
}
