import { UnrecoverableError, type Job } from 'bullmq';
import type { AlertDeps } from '../src/app/alert-deps';
import { placeAlertGroups } from '../src/app/place-alert-groups';
import { processAlertPayloads } from '../src/app/process-alerts';
import { DomainError } from '../src/domain/errors';
import { PLACE_JOB, PROCESS_JOB, type AlertJobData } from '../src/adapters/queue/alert-queue';

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => Number.isSafeInteger(v));
}

/** An apply shorter than this is not followed by a pause (see alertProcessor). */
export const QUIET_APPLY_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `alerts` processor: `process` applies stored payloads, `place` gives a tenant's new groups their place. */
export function alertProcessor(deps: AlertDeps) {
  // A process's `process` jobs apply one at a time; each also takes the payloads waiting, so a
  // storm makes a few large transactions (the jobs after them find nothing left) rather than
  // many small ones competing with the intake for the database. A long apply (a storm's batch)
  // is followed by a pause as long as it took: under a storm applying uses at most half the
  // time, and the intake answering senders has the rest; a quiet apply waits for nothing.
  let applying: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    let took = 0;
    const timed = async () => {
      const started = Date.now();
      try {
        return await fn();
      } finally {
        took = Date.now() - started;
      }
    };
    const run = applying.then(timed, timed);
    applying = run
      .catch(() => undefined)
      .then(() => (took > QUIET_APPLY_MS ? sleep(took) : undefined));
    return run;
  };
  return async (job: Job<AlertJobData>): Promise<unknown> => {
    const data = job.data as Partial<{ payloadIds: unknown; placeKey: unknown }>;
    try {
      if (job.name === PROCESS_JOB && isIdList(data.payloadIds)) {
        const ids = data.payloadIds;
        const groups = await oneAtATime(() => processAlertPayloads(deps, ids));
        return { groups: groups.length };
      }
      if (job.name === PLACE_JOB && typeof data.placeKey === 'string') {
        return { placed: await placeAlertGroups(deps, data.placeKey) };
      }
    } catch (err) {
      // A domain rule said no (say, the tenant was removed): retrying won't change that.
      if (err instanceof DomainError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
    throw new UnrecoverableError(`malformed alerts job ${job.name} ${job.id ?? ''}`);
  };
}
