import { UnrecoverableError, type Job } from 'bullmq';
import type { AlertDeps } from '../src/app/alert-deps';
import { placeAlertGroups } from '../src/app/place-alert-groups';
import { processAlertPayloads } from '../src/app/process-alerts';
import { DomainError } from '../src/domain/errors';
import { PLACE_JOB, PROCESS_JOB, type AlertJobData } from '../src/adapters/queue/alert-queue';

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => Number.isSafeInteger(v));
}

/** `alerts` processor: `process` applies stored payloads, `place` gives a tenant's new groups their place. */
export function alertProcessor(deps: AlertDeps) {
  return async (job: Job<AlertJobData>): Promise<unknown> => {
    const data = job.data as Partial<{ payloadIds: unknown; placeKey: unknown }>;
    try {
      if (job.name === PROCESS_JOB && isIdList(data.payloadIds)) {
        const groups = await processAlertPayloads(deps, data.payloadIds);
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
