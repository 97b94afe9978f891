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
  /**
   * Makes sure a sweep wakes up at (or just after) each timer's instant: clocks falling due
   * together share one wake-up (one per SWEEP_BUCKET_MS), which claims all that is due.
   */
  ensure(timers: readonly SlaTimer[]): Promise<void>;
  /** Makes sure a sweep wakes up at (or just after) `at`: a sweep that stopped with work left. */
  wake(at: Date): Promise<void>;
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
/** A timer for one incident (jobs of earlier versions, and stray copies). */
export const SLA_TIMER_JOB = 'sla-timer';
/** A sweep wake-up: claims every clock due by its instant, whatever the incident. */
export const SLA_SWEEP_JOB = 'sla-sweep';
/** Instants this close share one sweep wake-up (rounded up: a sweep never wakes early). */
export const SWEEP_BUCKET_MS = 100;
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

/** Data of `sla-sweep` jobs. */
export interface SlaSweepData {
  /** Epoch milliseconds. */
  at: number;
}

/** The sweep wake-up instant for a timer at `at`: the end of its bucket. */
export function sweepInstant(at: Date): number {
  return Math.ceil(at.getTime() / SWEEP_BUCKET_MS) * SWEEP_BUCKET_MS;
}

export function slaSweepJobId(at: number): string {
  return `sla-sweep-${at}`;
}

/** Deterministic job id: no ':' and never all digits (BullMQ's rules). */
export function slaTimerJobId(timer: SlaTimer): string {
  return `sla-${timer.incident}-${timer.at.getTime()}`;
}

export function slaPostJobId(timer: SlaTimer): string {
  return `sla-post-${timer.incident}-${timer.at.getTime()}`;
}
