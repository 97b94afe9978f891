import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { DomainError } from '../src/domain/errors';
import { advanceRun } from '../src/app/runbooks/runbook-engine';
import { checkRto, runWatch } from '../src/app/runbooks/runbook-aftercare';
import type { RunbookDeps } from '../src/app/runbooks/runbook-deps';
import { rpoWatch, startScheduledRun } from '../src/app/runbooks/runbook-schedule';
import type { BackupCatalog } from '../src/ports/backup-catalog';
import {
  RUNBOOK_JOBS,
  type RunbookJobData,
  type ScheduledBackupData,
} from '../src/ports/runbook-store';

/** What the schedule's jobs need: the catalog, the tenants, the RPO and the watch's period. */
export interface RunbookSchedules {
  catalog: BackupCatalog;
  tenants(): Promise<{ id: string; createdAt: Date }[]>;
  rpoMs: number;
  everyMs: number;
  /** One pass of the key rotation watch (its report is the job's result). */
  keyWatch?: () => Promise<unknown>;
}

function runOf(data: unknown): { run: number; check: number | undefined } {
  const d = data as Partial<RunbookJobData> | null;
  if (!d || !Number.isSafeInteger(d.run) || (d.run as number) < 1)
    throw new UnrecoverableError(`bad runbook job data: ${JSON.stringify(data)}`);
  return { run: d.run as number, check: Number.isSafeInteger(d.check) ? d.check : undefined };
}

/**
 * The `runbooks` processor: `advance` moves a run one step, `watch` runs an after-care check,
 * `rto` checks a restore's deadline. A step held by a live worker is looked at again when its
 * lease runs out (the holder may have died).
 */
export function runbookProcessor(deps: RunbookDeps, schedules: RunbookSchedules) {
  return async (job: Job<RunbookJobData>, token?: string): Promise<unknown> => {
    if (job.name === RUNBOOK_JOBS.scheduledBackup) {
      const { tenant, kind } = job.data as unknown as Partial<ScheduledBackupData>;
      if (typeof tenant !== 'string' || (kind !== 'full' && kind !== 'incremental'))
        throw new UnrecoverableError(`bad scheduled backup: ${JSON.stringify(job.data)}`);
      const started = await startScheduledRun(deps, 'tenant-backup', tenant, { kind });
      return { run: started?.number };
    }
    if (job.name === RUNBOOK_JOBS.rpoWatch) {
      const stale = await rpoWatch(
        deps,
        schedules.catalog,
        await schedules.tenants(),
        schedules.rpoMs,
        schedules.everyMs,
      );
      return { stale: stale.map((s) => s.tenant) };
    }
    if (job.name === RUNBOOK_JOBS.keyRotationWatch) {
      if (!schedules.keyWatch) throw new UnrecoverableError('no key rotation watch here');
      return schedules.keyWatch();
    }
    const { run, check } = runOf(job.data);
    try {
      if (job.name === RUNBOOK_JOBS.advance) {
        const outcome = await advanceRun(deps, run);
        if (outcome.kind === 'busy') {
          await job.moveToDelayed(outcome.until.getTime() + 1000, token);
          throw new DelayedError();
        }
        return outcome;
      }
      if (job.name === RUNBOOK_JOBS.watch && check !== undefined)
        return await runWatch(deps, run, check);
      if (job.name === RUNBOOK_JOBS.rto) return { breached: await checkRto(deps, run) };
    } catch (err) {
      if (err instanceof DomainError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
    throw new UnrecoverableError(`malformed runbooks job ${job.name} ${job.id ?? ''}`);
  };
}
