import { UnrecoverableError, type Job } from 'bullmq';
import type { DeliveryExecutor } from '../src/adapters/queue/slack-delivery-executor';
import type { DeliveryJob } from '../src/adapters/queue/slack-delivery-jobs';

function isDeliveryJob(data: unknown): data is DeliveryJob {
  const d = data as Partial<DeliveryJob> | null;
  if (!d || typeof d !== 'object') return false;
  if (d.op === 'call')
    return typeof (d as { call?: { method?: unknown } }).call?.method === 'string';
  return d.op === 'live' && typeof d.kind === 'string' && typeof d.ref === 'string';
}

/** `slack-delivery` processor: validates the job, lets the executor make the call. */
export function slackDeliverProcessor(executor: DeliveryExecutor) {
  return async (job: Job<DeliveryJob>, token?: string): Promise<unknown> => {
    if (!isDeliveryJob(job.data))
      throw new UnrecoverableError(`malformed slack delivery job ${job.id ?? ''}`);
    return executor.run(job, token);
  };
}
