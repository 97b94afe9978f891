import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { DomainError } from '../src/domain/errors';
import type { SlaDeps } from '../src/app/sla-deps';
import { fireSlaTimer, type FireOutcome } from '../src/app/sla-fire';
import { postSlaEvents } from '../src/app/sla-post';
import { SLA_CANARY_JOB, type SlaTimer, type SlaTimerData } from '../src/ports/sla-timers';

/** Validates a timer or post job's data; malformed data is not worth retrying. */
export function parseTimerData(data: unknown): SlaTimer {
  const d = data as Partial<SlaTimerData> | null;
  if (
    !d ||
    !Number.isSafeInteger(d.incident) ||
    (d.incident as number) < 1 ||
    !Number.isSafeInteger(d.at)
  ) {
    throw new UnrecoverableError(`bad SLA job data: ${JSON.stringify(data)}`);
  }
  return { incident: d.incident as number, at: new Date(d.at as number) };
}

async function domainErrorsFinal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  }
}

/** The `sla-timer` processor: validate, fire the incident's due clocks, reschedule if early. */
export function slaTimerProcessor(deps: SlaDeps) {
  return async (job: Job<SlaTimerData>, token?: string): Promise<FireOutcome | undefined> => {
    // The canary only exists to be missed (see BullmqSlaTimers.lost); it has no work.
    if (job.name === SLA_CANARY_JOB) return undefined;
    const timer = parseTimerData(job.data);
    const outcome = await domainErrorsFinal(() => fireSlaTimer(deps, timer));
    if (outcome.kind === 'early') {
      await job.moveToDelayed(outcome.until.getTime(), token);
      throw new DelayedError();
    }
    return outcome;
  };
}

/** The `sla-post` processor: validate, post the incident's fired events to Slack. */
export function slaPostProcessor(deps: SlaDeps) {
  return async (job: Job<SlaTimerData>): Promise<{ posted: number }> => {
    const { incident } = parseTimerData(job.data);
    return { posted: await domainErrorsFinal(() => postSlaEvents(deps, incident)) };
  };
}
