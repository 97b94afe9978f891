import type { Clock } from '../../ports/clock';
import {
  SLA_CANARY_JOB,
  SLA_POST_JOB,
  SLA_SWEEP_JOB,
  slaPostJobId,
  slaSweepJobId,
  sweepInstant,
  type SlaSweepData,
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
 * SLA timers as BullMQ delayed sweep wake-ups with deterministic ids `sla-sweep-<epoch ms>`
 * (one per SWEEP_BUCKET_MS), and post jobs `sla-post-<incident>-<epoch ms>` on a queue of their
 * own. (`sla-timer` jobs for one incident, `sla-<incident>-<epoch ms>`, are still processed.)
 */
export class BullmqSlaTimers implements SlaTimers {
  constructor(
    private readonly queue: AppQueue<SlaTimerData | SlaSweepData>,
    private readonly posts: AppQueue<SlaTimerData>,
    private readonly clock: Clock,
  ) {}

  async ensure(timers: readonly SlaTimer[]): Promise<void> {
    await this.wakeAt(timers.map((t) => t.at));
  }

  async wake(at: Date): Promise<void> {
    await this.wakeAt([at]);
  }

  private async wakeAt(ats: readonly Date[]): Promise<void> {
    const now = this.clock.now().getTime();
    // Instants already past share the next bucket: one sweep claims all that is overdue.
    const instants = [
      ...new Set(ats.map((at) => sweepInstant(new Date(Math.max(at.getTime(), now))))),
    ];
    const jobs = instants.map((at) => ({
      name: SLA_SWEEP_JOB,
      data: { at },
      opts: { ...SLA_JOB_OPTIONS, jobId: slaSweepJobId(at), delay: Math.max(0, at - now) },
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
