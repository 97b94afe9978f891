import type { Clock } from '../../ports/clock';
import {
  SLA_CANARY_JOB,
  SLA_POST_JOB,
  SLA_TIMER_JOB,
  slaPostJobId,
  slaTimerJobId,
  type SlaTimer,
  type SlaTimerData,
  type SlaTimers,
} from '../../ports/sla-timers';
import type { AppQueue } from './queue-backend';

const BULK = 1000;
const CANARY_ID = SLA_CANARY_JOB;
const CANARY_DELAY_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Finished jobs are removed so their ids can be added again: Postgres decides whether a timer
 * still has work, so a timer added twice costs a look, never a second message. Failed jobs go
 * too; the reconciler re-adds what Postgres still needs.
 */
export const SLA_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
} as const;

/**
 * SLA timers as BullMQ delayed jobs with deterministic ids `sla-<incident>-<epoch ms>`, and
 * post jobs `sla-post-<incident>-<epoch ms>` on a queue of their own.
 */
export class BullmqSlaTimers implements SlaTimers {
  constructor(
    private readonly queue: AppQueue<SlaTimerData>,
    private readonly posts: AppQueue<SlaTimerData>,
    private readonly clock: Clock,
  ) {}

  async ensure(timers: readonly SlaTimer[]): Promise<void> {
    const unique = new Map(timers.map((t) => [slaTimerJobId(t), t]));
    const now = this.clock.now().getTime();
    const jobs = [...unique].map(([jobId, t]) => ({
      name: SLA_TIMER_JOB,
      data: { incident: t.incident, at: t.at.getTime() },
      opts: { ...SLA_JOB_OPTIONS, jobId, delay: Math.max(0, t.at.getTime() - now) },
    }));
    for (let i = 0; i < jobs.length; i += BULK) await this.queue.addBulk(jobs.slice(i, i + BULK));
  }

  async deliver(incident: number, at: Date): Promise<void> {
    const jobId = slaPostJobId({ incident, at });
    await this.posts.add(
      SLA_POST_JOB,
      { incident, at: at.getTime() },
      { ...SLA_JOB_OPTIONS, jobId },
    );
  }

  /** The canary is a delayed job a year out: if it is gone, so is everything else that was queued. */
  async lost(): Promise<boolean> {
    if (await this.queue.getJob(CANARY_ID)) return false;
    await this.queue.add(
      SLA_CANARY_JOB,
      { incident: 0, at: 0 },
      { jobId: CANARY_ID, delay: CANARY_DELAY_MS, removeOnComplete: true, removeOnFail: true },
    );
    return true;
  }
}
