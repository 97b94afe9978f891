import { isFinal } from '../../domain/runbooks/runbook';
import type { RunbookDeps } from './runbook-deps';

export interface RunbookReconcileReport {
  requeued: number;
  rtoChecks: number;
  watchChecks: number;
}

/**
 * Postgres says what every run still needs; this puts the jobs back that say so: the next move
 * of a run no live worker holds (its worker was killed, or Redis lost the job), its RTO check,
 * the after-care checks still to come. Job ids are deterministic, so a job that exists is not
 * added twice, and a run waiting for approval needs no job at all.
 */
export async function reconcileRuns(deps: RunbookDeps): Promise<RunbookReconcileReport> {
  const report: RunbookReconcileReport = { requeued: 0, rtoChecks: 0, watchChecks: 0 };
  for (const run of await deps.store.active()) {
    if (!isFinal(run.state) && run.state !== 'waiting_approval' && !run.leased) {
      await deps.jobs.advance(run.number, run.version);
      report.requeued += 1;
    }
    if (run.rtoDueAt && !isFinal(run.state)) {
      await deps.jobs.rto(run.number, run.rtoDueAt);
      report.rtoChecks += 1;
    }
    const def = deps.runbooks[run.runbook];
    if (run.watchSince && def?.watch) {
      for (let n = run.watchDone + 1; n <= def.watch.checks; n++) {
        await deps.jobs.watch(
          run.number,
          new Date(run.watchSince.getTime() + n * def.watch.everyMs),
          n,
        );
        report.watchChecks += 1;
      }
    }
  }
  return report;
}
