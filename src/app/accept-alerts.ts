import type { ReceivedPayload, StoredPayload } from '../ports/alert-store';
import type { AlertDeps } from './alert-deps';

/**
 * Stores a validated webhook payload; once stored it is accepted (the caller answers 202). Its
 * processing is queued without holding the answer: an enqueue that fails is logged and left to
 * the reconciler (a stored payload nobody applied is queued again), so the sender never retries
 * into a duplicate. Duplicates are dropped when the payload is applied.
 */
export async function acceptAlerts(
  deps: Pick<AlertDeps, 'intake' | 'jobs' | 'log'>,
  payload: ReceivedPayload,
): Promise<StoredPayload> {
  const stored = await deps.intake.store(payload);
  deps.jobs
    .process(stored.payloadId)
    .catch((err: unknown) =>
      deps.log.error(
        { err, payloadId: stored.payloadId },
        'alert payload stored but not queued; the reconciler will queue it',
      ),
    );
  return stored;
}
