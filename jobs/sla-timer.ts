import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { DomainError } from '../src/domain/errors';
import type { SlaDeps } from '../src/app/sla-deps';
import { fireSlaTimer, type FireOutcome } from '../src/app/sla-fire';
import { SLA_CANARY_JOB, type SlaTimer, type SlaTimerData } from '../src/ports/sla-timers';

/** Validates a timer job's data; malformed data is not worth retrying. */
export function parseTimerData(data: unknown): SlaTimer {
  const d = data as Partial<SlaTimerData> | null;
  if (
    !d ||
    !Number.isSafeInteger(d.incident) ||
    (d.incident as number) < 1 ||
    !Number.isSafeInteger(d.at)
  ) {
    throw new UnrecoverableError(`bad sla-timer data: ${JSON.stringify(data)}`);
  }
  return { incident: d.incident as number, at: new Date(d.at as number) };
}

/** The `sla-timer` processor: validate, fire the incident's due clocks, reschedule if early. */
export function slaTimerProcessor(deps: SlaDeps) {
  return async (job: Job<SlaTimerData>, token?: string): Promise<FireOutcome | undefined> => {
    // The canary only exists to be missed (see BullmqSlaTimers.lost); it has no work.
    if (job.name === SLA_CANARY_JOB) return undefined;
    const timer = parseTimerData(job.data);
    try {
      const outcome = await fireSlaTimer(deps, timer);
      if (outcome.kind === 'early') {
        await job.moveToDelayed(outcome.until.getTime(), token);
        throw new DelayedError();
      }
      return outcome;
    } catch (err) {
      if (err instanceof DomainError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
}
