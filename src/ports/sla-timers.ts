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
  /**
   * Makes sure a worker posts the incident's fired, unposted events (one job per (incident,
   * at)). Posting is a queue of its own so a slow Slack never delays a timer.
   */
  deliver(incident: number, at: Date): Promise<void>;
  /** True when the queue's state was wiped (e.g. Redis FLUSHALL) since the previous call. */
  lost(): Promise<boolean>;
}

/** The BullMQ queue, job names and job data of the timers (shared by producer and processor). */
export const SLA_QUEUE = 'sla-timers';
export const SLA_TIMER_JOB = 'sla-timer';
export const SLA_POST_QUEUE = 'sla-posts';
export const SLA_POST_JOB = 'sla-post';
/** A far-future job whose disappearance tells that the queue's state was wiped. */
export const SLA_CANARY_JOB = 'sla-canary';

/** Data of both `sla-timer` and `sla-post` jobs. */
export interface SlaTimerData {
  incident: number;
  /** Epoch milliseconds. */
  at: number;
}

/** Deterministic job id: no ':' and never all digits (BullMQ's rules). */
export function slaTimerJobId(timer: SlaTimer): string {
  return `sla-${timer.incident}-${timer.at.getTime()}`;
}

export function slaPostJobId(timer: SlaTimer): string {
  return `sla-post-${timer.incident}-${timer.at.getTime()}`;
}
