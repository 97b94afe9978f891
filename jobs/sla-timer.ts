import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { DomainError } from '../src/domain/errors';
import type { SlaDeps } from '../src/app/sla-deps';
import { fireSlaTimer, type FireOutcome } from '../src/app/sla-fire';
import { postSlaEvents } from '../src/app/sla-post';
import { makeSweeper, type SweepOutcome } from '../src/app/sla-sweep';
import {
  SLA_CANARY_JOB,
  SLA_SWEEP_JOB,
  type SlaSweepData,
  type SlaTimer,
  type SlaTimerData,
} from '../src/ports/sla-timers';

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

/** Validates a sweep job's data. */
export function parseSweepData(data: unknown): Date {
  const d = data as Partial<SlaSweepData> | null;
  if (!d || !Number.isSafeInteger(d.at) || (d.at as number) < 0)
    throw new UnrecoverableError(`bad SLA sweep data: ${JSON.stringify(data)}`);
  return new Date(d.at as number);
}

/**
 * The `sla-timers` processor: a sweep wakes up and claims every due clock (rescheduled if this
 * host's clock is behind); an `sla-timer` job fires its own incident's due clocks.
 */
export function slaTimerProcessor(deps: SlaDeps) {
  const sweep = makeSweeper(deps);
  return async (
    job: Job<SlaTimerData | SlaSweepData>,
    token?: string,
  ): Promise<FireOutcome | SweepOutcome | undefined> => {
    // The canary only exists to be missed (see BullmqSlaTimers.lost); it has no work.
    if (job.name === SLA_CANARY_JOB) return undefined;
    if (job.name === SLA_SWEEP_JOB) {
      const at = parseSweepData(job.data);
      // Another host's clock may run ahead: never decide a breach before its time here.
      if (deps.clock.now().getTime() < at.getTime()) {
        await job.moveToDelayed(at.getTime(), token);
        throw new DelayedError();
      }
      return domainErrorsFinal(sweep);
    }
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
