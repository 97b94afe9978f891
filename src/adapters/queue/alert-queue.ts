import { randomUUID } from 'node:crypto';
import type { AlertJobs } from '../../ports/alert-store';
import { Batcher } from '../batcher';
import type { AppQueue } from './queue-backend';

export const ALERT_QUEUE = 'alerts';
export const PROCESS_JOB = 'process';
export const PLACE_JOB = 'place';

export type AlertJobData = { payloadIds: number[] } | { placeKey: string };

const RETRY = { attempts: 8, backoff: { type: 'exponential' as const, delay: 500 } };
const KEEP = {
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
// BullMQ runs jobs without a priority first: placing a new thread (the first Slack message of a
// tenant's problem) goes ahead of a storm's backlog of payloads to apply.
const PROCESS_PRIORITY = 1;

/** Job id part for a place key: a tenant id, or `*` for the platform (which no tenant id can be). */
export function placeJobKey(placeKey: string): string {
  return placeKey === '*' ? 'platform' : `t-${placeKey}`;
}

/** AlertJobs on BullMQ: `process` jobs for stored payloads, one `place` run per tenant at a time. */
export class BullmqAlertJobs implements AlertJobs {
  // Payloads stored together are processed together: one job, one transaction.
  private readonly processing: Batcher<number, unknown>;

  constructor(private readonly queue: AppQueue<AlertJobData>) {
    this.processing = new Batcher(
      async (ids) => {
        // Deterministic id: the same payloads (a retried request, the reconciler) queue once.
        const jobId =
          ids.length === 1 ? `payload-${ids[0]}` : `payloads-${ids[0]}-${ids.at(-1)}-${ids.length}`;
        await this.queue.add(
          PROCESS_JOB,
          { payloadIds: ids },
          { ...RETRY, ...KEEP, priority: PROCESS_PRIORITY, jobId },
        );
        return ids;
      },
      // Held 20 ms for more (after the 202): a storm queues a few large jobs, not one per request.
      { maxBatch: 100, concurrency: 2, lingerMs: 20 },
    );
  }

  async process(payloadId: number): Promise<void> {
    await this.processing.submit(payloadId);
  }

  settle(): Promise<void> {
    return this.processing.settle();
  }

  async place(placeKey: string): Promise<void> {
    // One placement per tenant at a time; a request while one runs makes one more run after it.
    const id = `place-${placeJobKey(placeKey)}`;
    await this.queue.add(
      PLACE_JOB,
      { placeKey },
      {
        ...RETRY,
        ...KEEP,
        jobId: `${id}-${randomUUID()}`,
        deduplication: { id, keepLastIfActive: true },
      },
    );
  }
}
