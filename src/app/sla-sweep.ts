import { Scope } from '../domain/tenants/scope';
import { claimDue, handOver } from './sla-fire';
import type { SlaDeps } from './sla-deps';

// The sweep acts for no person and claims clocks of every tenant that fell due together.
const SWEEP = Scope.platform('SLA sweep of due clocks');

/** Incidents claimed per transaction: big enough for a storm, small enough to hold locks briefly. */
export const SWEEP_BATCH = 100;
/**
 * Batches per sweep at most (a job's run stays short); a sweep that used them all asks for
 * another wake-up at once, which this or another worker takes.
 */
export const SWEEP_ROUNDS = 50;

export interface SweepOutcome {
  /** Incidents with at least one event claimed by this sweep. */
  incidents: number;
  fired: number;
}

/**
 * A sweep wake-up went off: claim every clock that is due, across incidents, batch by batch.
 * Each batch is one transaction that locks up to SWEEP_BATCH incidents with a clock due
 * (skipping those another worker holds, so two sweeps share the work), fires their due clocks
 * as `fireSlaTimer` does, and hands the messages over. Any sweep claims whatever is due, so a
 * wake-up that was lost or whose worker died is made up by the next one.
 */
export async function sweepDueClocks(
  deps: SlaDeps,
  batch = SWEEP_BATCH,
  rounds = SWEEP_ROUNDS,
): Promise<SweepOutcome> {
  const total: SweepOutcome = { incidents: 0, fired: 0 };
  // Batch k is handed over while batch k + 1 is claimed (in order); a failed hand-over ends the
  // sweep with its error once the claims in flight are done.
  let handing: Promise<void> = Promise.resolve();
  let failed: { err: unknown } | undefined;
  let stale = 0;
  let round = 0;
  for (; round < rounds && !failed; round++) {
    const now = deps.clock.now();
    const claim = await deps.store.inScope(SWEEP, async (tx) => {
      const due = await tx.dueIncidents(now, batch);
      if (due.incidents.length === 0) return undefined;
      return {
        locked: due.incidents.length,
        more: due.more,
        ...(await claimDue(deps, tx, due.incidents, now)),
      };
    });
    if (!claim) break;
    handing = handing
      .then(() => handOver(deps, claim, now))
      .catch((err: unknown) => {
        failed ??= { err };
      });
    total.incidents += claim.incidents;
    total.fired += claim.fired;
    // A short batch took all that was due, unless the store's look at the earliest due clocks
    // stopped at its bound (a few incidents with many clocks each filled it). An incident that
    // looked due when picked may have been claimed by another sweep that committed just before
    // the lock: its fresh clocks are not due any more; the next batch is read afresh. Two
    // batches in a row with no due clock: stop.
    if (claim.locked < batch && !claim.more) break;
    stale = claim.due === 0 ? stale + 1 : 0;
    if (stale >= 2) break;
  }
  // Every round took a batch: more may be due. Without a wake-up it would wait for a clock
  // falling due later or the reconciler's full pass (a minute).
  if (round === rounds && !failed) await deps.timers.wake(deps.clock.now());
  await handing;
  if (failed) throw failed.err;
  return total;
}

/**
 * One sweep at a time in this process: a wake-up that comes while a sweep runs waits for it
 * and for one more that starts after the wake-up (which claims whatever fell due meanwhile).
 * Parallel sweeps in one process would only queue for the same connections; other processes'
 * sweeps share the work through the skipped locks.
 */
export function makeSweeper(deps: SlaDeps, batch = SWEEP_BATCH): () => Promise<SweepOutcome> {
  let running: Promise<SweepOutcome> | undefined;
  let next: Promise<SweepOutcome> | undefined;
  const start = (): Promise<SweepOutcome> => {
    const run = sweepDueClocks(deps, batch);
    running = run;
    const clear = () => {
      if (running === run) running = undefined;
    };
    run.then(clear, clear);
    return run;
  };
  return () => {
    if (!running) return start();
    // Waits for the running sweep, then one more (shared by every wake-up meanwhile).
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}
