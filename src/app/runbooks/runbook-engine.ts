import { randomUUID } from 'node:crypto';
import { maskPersonalData } from '../../domain/masking';
import { nextMove, runRef, type Run, type RunStep } from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import type { RunTx } from '../../ports/runbook-store';
import type { StepDef, StepResult } from './runbook-def';
import type { RunbookDeps } from './runbook-deps';
import { afterFinish, finish } from './runbook-finish';
import { definitionOf, isRetryable, note, refresh, scopeOf, stepContext } from './runbook-support';

export { definitionOf, isRetryable, note, refresh, stepContext } from './runbook-support';

/** What one advance did, for the job that ran it. */
export type AdvanceOutcome =
  | { kind: 'idle' }
  | { kind: 'busy'; until: Date }
  | { kind: 'stepped'; step: string }
  | { kind: 'retry'; step: string; inMs: number };

function undoInfo(steps: readonly StepDef[]) {
  return steps.map((s) => ({
    undoable: s.undo !== undefined,
    onFailure: Boolean(s.undoOnFailure),
  }));
}

/**
 * Moves run `number` one step, as its recorded state says (so the same after a restart): runs
 * or undoes the next step under a lease that a live worker keeps renewing, records what it
 * did, and queues the next move. Approval gates wait without a job; a step whose worker died is
 * taken up again once its lease runs out.
 */
export async function advanceRun(deps: RunbookDeps, number: number): Promise<AdvanceOutcome> {
  const token = randomUUID();
  const now = deps.clock.now();
  const claim = await deps.store.withRun(
    Scope.platform('runbook worker: which tenant'),
    number,
    async (tx, run) => {
      if (!deps.runbooks[run.runbook]) return { kind: 'none' as const };
      const def = definitionOf(deps, run);
      const steps = def.steps(run.params);
      const next = nextMove(run, undoInfo(steps));
      // A dry run waits for no one: its gate is planned like any other step.
      const move =
        next.kind === 'wait_approval' && run.dryRun ? { ...next, kind: 'run' as const } : next;
      // Undoing starts once no step is in a live worker's hands (a cancel stops *before* the next).
      if (move.kind === 'undo' || move.kind === 'finish') {
        const until = await liveLease(tx, run, now);
        if (until) return { kind: 'busy' as const, until };
      }
      switch (move.kind) {
        case 'none':
          return { kind: 'none' as const };
        case 'finish':
          await finish(deps, tx, run, move.state);
          return { kind: 'finished' as const, run };
        case 'wait_approval':
          if (move.step.state !== 'waiting_approval') {
            await tx.updateStep(move.step.index, { state: 'waiting_approval', startedAt: now });
            await tx.update({ state: 'waiting_approval' });
          }
          return { kind: 'waiting' as const, run, step: move.step };
        case 'run':
        case 'undo': {
          const lease = await tx.lease(move.step.index);
          if (lease.token && lease.until && lease.until > now)
            return { kind: 'busy' as const, until: lease.until };
          const undoing = move.kind === 'undo';
          await tx.updateStep(move.step.index, {
            state: undoing ? 'undoing' : move.step.kind === 'approval' ? 'done' : 'running',
            attempt: true,
            startedAt: move.step.startedAt ?? now,
            lease: { token, until: new Date(now.getTime() + deps.settings.leaseMs) },
          });
          const rtoDueAt =
            def.rto && run.destructive && !run.rtoDueAt && !run.dryRun && !undoing
              ? new Date(now.getTime() + deps.settings.rtoMs)
              : undefined;
          if (rtoDueAt) await tx.update({ rtoDueAt });
          return {
            kind: move.kind,
            run,
            step: move.step,
            def: steps[move.step.index] as StepDef,
            rtoDueAt,
          };
        }
      }
    },
  );
  if (!claim || claim.kind === 'none') return { kind: 'idle' };
  if (claim.kind === 'busy') return claim;
  if (claim.kind === 'finished') {
    await afterFinish(deps, number);
    return { kind: 'stepped', step: 'finish' };
  }
  if (claim.kind === 'waiting') {
    await refresh(deps, number);
    if (claim.step.state !== 'waiting_approval') {
      await note(
        deps,
        claim.run,
        `${claim.step.title}: waiting for approval from a second person (approver on ${claim.run.tenant})`,
      );
      const approvers = await deps.incidents.access.holdersOf([claim.run.tenant], 'approver');
      await deps.notices.approvalNeeded(
        claim.run,
        approvers.filter((u) => u !== claim.run.requestedBy),
      );
    }
    return { kind: 'idle' };
  }
  if (claim.rtoDueAt) await deps.jobs.rto(number, claim.rtoDueAt);
  const fresh = (await deps.store.get(scopeOf(claim.run.tenant), number)) ?? claim.run;
  await refresh(deps, number);
  return execute(deps, fresh, claim.step, claim.def, claim.kind, token);
}

async function execute(
  deps: RunbookDeps,
  run: Run,
  step: RunStep,
  def: StepDef,
  kind: 'run' | 'undo',
  token: string,
): Promise<AdvanceOutcome> {
  const ctx = stepContext(deps, run);
  const beat = setInterval(
    () => {
      const until = new Date(deps.clock.now().getTime() + deps.settings.leaseMs);
      deps.store
        .renewLease(run.number, step.index, token, until)
        .catch((err: unknown) =>
          deps.log.warn({ err, run: runRef(run.number) }, 'runbook step lease not renewed'),
        );
    },
    Math.max(1000, Math.floor(deps.settings.leaseMs / 3)),
  );
  beat.unref();
  let result: StepResult | undefined;
  let failure: unknown;
  try {
    if (step.kind === 'approval')
      result = {
        summary: run.dryRun
          ? `would: wait for approval from an approver on ${run.tenant} other than @${run.requestedBy}`
          : `approved by @${step.approvedBy ?? '?'}`,
      };
    else if (kind === 'undo')
      result = { summary: def.undo ? await def.undo(ctx) : 'nothing to undo' };
    else if (run.dryRun) result = { summary: `would: ${await def.plan(ctx)}` };
    else result = await def.run(ctx);
  } catch (err) {
    failure = err;
  } finally {
    clearInterval(beat);
  }
  const now = deps.clock.now();
  const scope = scopeOf(run.tenant);
  if (failure === undefined && result) {
    const summary = maskPersonalData(result.summary);
    const held = await whileHeld(deps, run, step, token, async (tx) => {
      await tx.updateStep(step.index, {
        state: kind === 'undo' ? 'rolled_back' : 'done',
        finishedAt: now,
        output: summary,
        // An undone step keeps the error that made it be undone.
        ...(kind === 'run' ? { error: null } : {}),
        lease: null,
      });
      if (result?.data) await tx.update({ context: result.data });
      if (result?.incident !== undefined && run.incident === null)
        await tx.update({ incident: result.incident });
    });
    if (!held) return { kind: 'idle' };
    await note(
      deps,
      // Linked just now: this step's note already goes to the incident.
      run.incident === null && result.incident !== undefined
        ? { ...run, incident: result.incident }
        : run,
      `${step.title}: ${kind === 'undo' ? 'undone' : run.dryRun ? 'planned' : 'done'} — ${summary}`,
    );
    await queueNext(deps, run.number);
    return { kind: 'stepped', step: step.id };
  }
  const message = maskPersonalData(failure instanceof Error ? failure.message : String(failure));
  const retry = isRetryable(failure) && step.attempts + 1 < deps.settings.maxAttempts;
  if (retry) {
    const inMs = backoff(step.attempts + 1);
    const held = await whileHeld(deps, run, step, token, (tx) =>
      tx.updateStep(step.index, {
        error: `attempt ${step.attempts + 1} failed: ${message}; retrying in ${Math.round(inMs / 1000)} s`,
        lease: null,
      }),
    );
    if (!held) return { kind: 'idle' };
    deps.log.warn(
      { err: failure, run: runRef(run.number), step: step.id },
      'runbook step failed; retrying',
    );
    await refresh(deps, run.number);
    const current = await deps.store.get(scope, run.number);
    if (current) await deps.jobs.advance(run.number, current.version, inMs);
    return { kind: 'retry', step: step.id, inMs };
  }
  deps.log.error({ err: failure, run: runRef(run.number), step: step.id }, 'runbook step failed');
  const held = await whileHeld(deps, run, step, token, async (tx, current) => {
    await tx.updateStep(step.index, {
      state: 'failed',
      finishedAt: now,
      error: message,
      lease: null,
    });
    // An undo that fails ends the run: nothing more is undone blindly; the outcome says where it stopped.
    if (kind === 'undo' || current.state === 'failing')
      await tx.update({
        state: 'failed',
        finishedAt: now,
        outcome: `Undoing "${step.title}" failed: ${message}. Nothing further was undone; check the tenant's state before acting.`,
      });
    else if (current.state === 'running')
      await tx.update({ state: 'failing', context: { failedStep: step.title, failure: message } });
  });
  if (!held) return { kind: 'idle' };
  await note(deps, run, `${step.title}: failed — ${message}`);
  await queueNext(deps, run.number);
  return { kind: 'stepped', step: step.id };
}

/** Until when a live worker holds one of the run's running or undoing steps, if one does. */
async function liveLease(tx: RunTx, run: Run, now: Date): Promise<Date | undefined> {
  for (const s of run.steps.filter((x) => x.state === 'running' || x.state === 'undoing')) {
    const lease = await tx.lease(s.index);
    if (lease.token && lease.until && lease.until > now) return lease.until;
  }
  return undefined;
}

/**
 * Records a step's result under the run's lock if this worker still holds the step's lease:
 * once it ran out and another worker took the step over, that one's result is the run's.
 */
async function whileHeld(
  deps: RunbookDeps,
  run: Run,
  step: RunStep,
  token: string,
  fn: (tx: RunTx, current: Run) => Promise<void>,
): Promise<boolean> {
  const held = await deps.store.withRun(scopeOf(run.tenant), run.number, async (tx, current) => {
    if ((await tx.lease(step.index)).token !== token) return false;
    await fn(tx, current);
    return true;
  });
  if (!held)
    deps.log.warn(
      { run: runRef(run.number), step: step.id },
      'runbook step was taken over by another worker; this result is not recorded',
    );
  return held === true;
}

/** 10 s, 30 s, 1 min, 2 min, 5 min… between tries of a step that may pass. */
function backoff(attempt: number): number {
  const s = [10, 30, 60, 120, 300, 600][Math.min(attempt - 1, 5)] ?? 600;
  return s * 1000;
}

async function queueNext(deps: RunbookDeps, number: number): Promise<void> {
  const run = await deps.store.get(Scope.platform('runbook worker: which tenant'), number);
  await refresh(deps, number);
  if (run) await deps.jobs.advance(number, run.version);
}
