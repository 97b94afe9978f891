import type { AppWorker, QueueBackendKind } from './queue-backend';

/**
 * BullMQ's Postgres backend blocks an idle worker until its next delayed job is due (up to an
 * hour) and counts on NOTIFY to wake it for new jobs; PGlite can't NOTIFY across connections,
 * so a job added while a far delayed job is queued would wait for it. Cap the block instead.
 */
export function pollOnPostgres<D, R>(
  worker: AppWorker<D, R>,
  kind: QueueBackendKind,
  seconds = 0.2,
): AppWorker<D, R> {
  if (kind === 'postgres')
    Object.defineProperty(worker, 'maximumBlockTimeout', { get: () => seconds });
  return worker;
}
