/** "Look at incident `incident`'s clocks at `at`": what a timer carries, nothing more. */
export interface SlaTimer {
  incident: number;
  at: Date;
}

/**
 * Durable delayed timers (BullMQ). Postgres holds the truth; a timer only wakes a worker up,
 * and a timer for a moment when nothing is due does nothing.
 */
export interface SlaTimers {
  /** Makes sure one timer exists per (incident, at); adding an existing one is a no-op. */
  ensure(timers: readonly SlaTimer[]): Promise<void>;
  /** True when the queue's state was wiped (e.g. Redis FLUSHALL) since the previous call. */
  lost(): Promise<boolean>;
}

/** The BullMQ queue, job names and job data of the timers (shared by producer and processor). */
export const SLA_QUEUE = 'sla-timers';
export const SLA_TIMER_JOB = 'sla-timer';
/** A far-future job whose disappearance tells that the queue's state was wiped. */
export const SLA_CANARY_JOB = 'sla-canary';

export interface SlaTimerData {
  incident: number;
  /** Epoch milliseconds. */
  at: number;
}

/** Deterministic job id: no ':' and never all digits (BullMQ's rules). */
export function slaTimerJobId(timer: SlaTimer): string {
  return `sla-${timer.incident}-${timer.at.getTime()}`;
}
