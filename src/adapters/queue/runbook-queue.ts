import { RUNBOOK_JOBS, type RunbookJobData, type RunbookJobs } from '../../ports/runbook-store';
import type { Clock } from '../../ports/clock';
import type { AppQueue } from './queue-backend';

/**
 * Finished jobs are removed so an id can come again: Postgres says what a run still needs, so
 * a job added twice costs a look. Ids carry the run's version: one advance per state of a run.
 */
const OPTIONS = {
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
} as const;

/** The runbook engine's jobs on BullMQ: `advance` (next step), `watch` (after-care), `rto`. */
export class BullmqRunbookJobs implements RunbookJobs {
  constructor(
    private readonly queue: AppQueue<RunbookJobData>,
    private readonly clock: Clock,
  ) {}

  async advance(run: number, version: number, delayMs = 0): Promise<void> {
    await this.queue.add(
      RUNBOOK_JOBS.advance,
      { run },
      { ...OPTIONS, jobId: `rb-${run}-v${version}`, delay: Math.max(0, delayMs) },
    );
  }

  async watch(run: number, at: Date, check: number): Promise<void> {
    await this.queue.add(
      RUNBOOK_JOBS.watch,
      { run, check },
      { ...OPTIONS, jobId: `rb-${run}-watch-${check}`, delay: this.delayUntil(at) },
    );
  }

  async rto(run: number, at: Date): Promise<void> {
    await this.queue.add(
      RUNBOOK_JOBS.rto,
      { run },
      { ...OPTIONS, jobId: `rb-${run}-rto`, delay: this.delayUntil(at) },
    );
  }

  private delayUntil(at: Date): number {
    return Math.max(0, at.getTime() - this.clock.now().getTime());
  }
}
