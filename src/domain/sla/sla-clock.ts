import { DomainError } from '../errors';
import {
  clockState,
  dueAt,
  securityReminderTimes,
  warnAt,
  type ResolvedPolicy,
} from './clock-plan';

export const CLOCK_KINDS = [
  'first_response',
  'update',
  'security_notify',
  'postmortem',
  'restore_rto',
] as const;
/** What a clock measures: customer comms (first response, updates), security notice, post-mortem, restore RTO. */
export type ClockKind = (typeof CLOCK_KINDS)[number];
export type ClockStatus = 'pending' | 'breached' | 'met' | 'stopped';
/** The incident-wide "tenant" of clocks that belong to the whole incident (post-mortem). */
export const WHOLE_INCIDENT = '*';

/** One SLA clock of one affected tenant, as stored. */
export interface SlaClock {
  id: number;
  incident: number;
  tenant: string;
  kind: ClockKind;
  status: ClockStatus;
  startedAt: Date;
  dueAt: Date;
  /** Warnings/reminders before due, ascending; `warningsSent` of them have fired. */
  warnTimes: Date[];
  warningsSent: number;
  warnedAt: Date | null;
  /** Repeat reminders while breached (customer clocks); null for none. */
  repeatEveryMs: number | null;
  breachedAt: Date | null;
  lastReminderN: number;
  metAt: Date | null;
  stoppedAt: Date | null;
  generation: number;
}

/** Where a new clock's due time, warnings and repeats come from. */
export interface ClockSchedule {
  startedAt: Date;
  dueAt: Date;
  warnTimes: Date[];
  repeatEveryMs: number | null;
  /** Warnings already in the past when the clock starts, so never announced. */
  warningsSent: number;
}

/** A firing of a clock: `warn-<k>`, `due` or `repeat-<n>`, at `at`. */
export interface TimerStep {
  step: string;
  at: Date;
}

export type StepClass = 'warning' | 'breach' | 'reminder';

export function isActive(clock: Pick<SlaClock, 'status'>): boolean {
  return clock.status === 'pending' || clock.status === 'breached';
}

export function isCustomerClock(kind: ClockKind): boolean {
  return kind === 'first_response' || kind === 'update';
}

export function stepClass(step: string): StepClass {
  if (step === 'due') return 'breach';
  if (step.startsWith('warn-')) return 'warning';
  if (step.startsWith('repeat-')) return 'reminder';
  throw new DomainError('invalid_step', `Unknown SLA timer step "${step}"`);
}

/** The number in `warn-3` / `repeat-3` (0 for `due`). */
export function stepNumber(step: string): number {
  const n = Number(/-(\d+)$/.exec(step)?.[1] ?? 0);
  return Number.isSafeInteger(n) ? n : 0;
}

/**
 * The clock's next firing. Pending: the latest warning already due (catching up after downtime
 * announces only the most recent one), else the next warning, else the breach at `dueAt`.
 * Breached: the next repeat reminder (the latest one already due when several were missed).
 * Met or stopped clocks never fire.
 */
export function nextTimer(clock: SlaClock, now: Date): TimerStep | undefined {
  const t = now.getTime();
  const due = clock.dueAt.getTime();
  if (clock.status === 'pending') {
    if (t >= due) return { step: 'due', at: clock.dueAt };
    const left = clock.warnTimes
      .map((at, i) => ({ at, k: i + 1 }))
      .slice(clock.warningsSent)
      .filter((w) => w.at.getTime() < due);
    const past = left.filter((w) => w.at.getTime() <= t).at(-1);
    const next = past ?? left[0];
    return next ? { step: `warn-${next.k}`, at: next.at } : { step: 'due', at: clock.dueAt };
  }
  if (clock.status === 'breached' && clock.repeatEveryMs) {
    const every = clock.repeatEveryMs;
    const caughtUp = Math.floor((t - due) / every);
    const n = Math.max(clock.lastReminderN + 1, caughtUp);
    return { step: `repeat-${n}`, at: new Date(due + n * every) };
  }
  return undefined;
}

/** What firing `step` at `now` changes on the clock. */
export function afterFiring(clock: SlaClock, step: string, now: Date): Partial<SlaClock> {
  switch (stepClass(step)) {
    case 'warning':
      return { warningsSent: stepNumber(step), warnedAt: now };
    case 'breach':
      return { status: 'breached', breachedAt: now };
    case 'reminder':
      return { lastReminderN: stepNumber(step) };
  }
}

/** Shown by `/incident status`: the clock's state at `now`. */
export type DisplayState = 'on_time' | 'due_soon' | 'breached' | 'met' | 'stopped';

export function displayState(clock: SlaClock, now: Date): DisplayState {
  if (clock.status === 'met') return 'met';
  if (clock.status === 'stopped') return 'stopped';
  if (clock.status === 'breached') return 'breached';
  // "Due soon" from the last warning before due (5 min / 80 %, 66 h of 72 h, the day before).
  const soon = clock.warnTimes.at(-1) ?? clock.dueAt;
  const state = clockState(now, soon, clock.dueAt, false);
  return state === 'stopped' ? 'on_time' : state;
}

function pastCount(times: Date[], now: Date): number {
  return times.filter((t) => t.getTime() <= now.getTime()).length;
}

/** A customer-communication clock (first response or update) starting at `startedAt`. */
export function customerSchedule(
  kind: 'first_response' | 'update',
  startedAt: Date,
  policy: ResolvedPolicy,
  now: Date,
): ClockSchedule {
  const intervalMs = kind === 'first_response' ? policy.firstResponseMs : policy.updateEveryMs;
  const plan = { startedAt, intervalMs };
  const warnTimes = [warnAt(plan)].filter((w) => w.getTime() < dueAt(plan).getTime());
  return {
    startedAt,
    dueAt: dueAt(plan),
    warnTimes,
    repeatEveryMs: policy.updateEveryMs,
    warningsSent: pastCount(warnTimes, now),
  };
}

/** The security notification clock: due `aware + notifyWithin`, reminders at 24/48/66 h of 72. */
export function securitySchedule(aware: Date, notifyWithinMs: number, now: Date): ClockSchedule {
  const all = securityReminderTimes(aware, notifyWithinMs, aware);
  const due = all.at(-1) as Date;
  const warnTimes = all.slice(0, -1).filter((w) => w.getTime() > aware.getTime());
  return {
    startedAt: aware,
    dueAt: due,
    warnTimes,
    repeatEveryMs: null,
    warningsSent: pastCount(warnTimes, now),
  };
}

/** The restore RTO clock: 2 h per tenant, warned like a customer clock, no repeats. */
export const RESTORE_RTO_MS = 2 * 60 * 60 * 1000;

export function restoreSchedule(startedAt: Date, now: Date): ClockSchedule {
  const plan = { startedAt, intervalMs: RESTORE_RTO_MS };
  const warnTimes = [warnAt(plan)];
  return {
    startedAt,
    dueAt: dueAt(plan),
    warnTimes,
    repeatEveryMs: null,
    warningsSent: pastCount(warnTimes, now),
  };
}

/** The post-mortem clock: due and the reminder the business day before are computed by the caller's calendar. */
export function postmortemSchedule(
  resolvedAt: Date,
  due: Date,
  dayBefore: Date,
  now: Date,
): ClockSchedule {
  const warnTimes = dayBefore.getTime() > resolvedAt.getTime() ? [dayBefore] : [];
  return {
    startedAt: resolvedAt,
    dueAt: due,
    warnTimes,
    repeatEveryMs: null,
    warningsSent: pastCount(warnTimes, now),
  };
}

/**
 * A clock's schedule under a new policy (severity change), keeping its start. Warnings already
 * announced stay announced; a breached clock whose new due is still ahead is pending again.
 */
export function recomputed(clock: SlaClock, policy: ResolvedPolicy, now: Date): Partial<SlaClock> {
  const kind = clock.kind === 'first_response' ? 'first_response' : 'update';
  const s = customerSchedule(kind, clock.startedAt, policy, now);
  const announced = clock.warnedAt
    ? s.warnTimes.filter((w) => w.getTime() <= (clock.warnedAt as Date).getTime()).length
    : 0;
  const stillBreached = clock.status === 'breached' && s.dueAt.getTime() <= now.getTime();
  const caughtUp = Math.max(
    0,
    Math.floor((now.getTime() - s.dueAt.getTime()) / policy.updateEveryMs),
  );
  return {
    dueAt: s.dueAt,
    warnTimes: s.warnTimes,
    repeatEveryMs: s.repeatEveryMs,
    warningsSent: announced,
    status: stillBreached ? 'breached' : 'pending',
    breachedAt: stillBreached ? clock.breachedAt : null,
    lastReminderN: stillBreached ? caughtUp : 0,
  };
}
