import { DRAFT_AT_RESOLVE, type DraftJobData, type DraftJobs } from '../../ports/draft-announcer';
import type { AppQueue } from './queue-backend';

/** One draft job per resolved incident (deterministic id: a redelivered resolve adds nothing). */
export class BullmqDraftJobs implements DraftJobs {
  constructor(private readonly queue: AppQueue<DraftJobData>) {}

  async draftAtResolve(incident: number): Promise<void> {
    await this.queue.add(
      DRAFT_AT_RESOLVE,
      { incident },
      {
        jobId: `pm-draft-${incident}`,
        attempts: 8,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }
}
