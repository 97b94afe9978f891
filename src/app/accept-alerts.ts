import type { ReceivedPayload, StoredPayload } from '../ports/alert-store';
import type { AlertDeps } from './alert-deps';

/**
 * Stores a validated webhook payload and queues its processing. Once stored it is accepted: a
 * failed enqueue is logged and left to the reconciler, so the sender never retries into a
 * duplicate. Duplicates are dropped when the payload is applied.
 */
export async function acceptAlerts(
  deps: Pick<AlertDeps, 'intake' | 'jobs' | 'log'>,
  payload: ReceivedPayload,
): Promise<StoredPayload> {
  const stored = await deps.intake.store(payload);
  try {
    await deps.jobs.process(stored.payloadId);
  } catch (err) {
    deps.log.error(
      { err, payloadId: stored.payloadId },
      'alert payload stored but not queued; the reconciler will queue it',
    );
  }
  return stored;
}
