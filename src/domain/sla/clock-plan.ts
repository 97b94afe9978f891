import { DomainError } from '../errors';
import { parseIsoDuration } from './duration';

const MINUTE = 60_000;
/** The warning comes at most this long before due (later still if 80 % of the interval is). */
const WARN_LEAD_MS = 5 * MINUTE;
const WARN_FRACTION = 0.8;
/** Security reminders at 24 h, 48 h and 66 h of a 72 h window, scaled to other windows. */
const SECURITY_REMINDER_FRACTIONS = [24 / 72, 48 / 72, 66 / 72, 1] as const;

/** Incident severity, P1 most severe. */
export type Severity = 'P1' | 'P2' | 'P3' | 'P4';

/** Where a clock stands at a given instant. */
export type ClockState = 'on_time' | 'due_soon' | 'breached' | 'stopped';

/** An SLA clock's start and length, the input of every schedule function. */
export interface ClockPlan {
  startedAt: Date;
  intervalMs: number;
}

/** One severity's clocks as written in config (ISO-8601 durations). */
export interface SlaPolicyEntry {
  firstResponse: string;
  updateEvery: string;
}

/** `slaPolicies` from config: plan (or `default`) -> severity -> clocks. */
export type SlaPolicies = Record<string, Partial<Record<Severity, SlaPolicyEntry>>>;

/** A resolved policy, durations in milliseconds. */
export interface ResolvedPolicy {
  firstResponseMs: number;
  updateEveryMs: number;
}

function assertDate(value: Date, name: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new DomainError('invalid_date', `${name} is not a valid date`);
  }
}

function assertPositiveMs(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new DomainError('invalid_interval', `${name} must be a positive whole number of ms`);
  }
}

function validatePlan(plan: ClockPlan): void {
  assertDate(plan.startedAt, 'startedAt');
  assertPositiveMs(plan.intervalMs, 'intervalMs');
}

/** When the clock falls due: `startedAt + intervalMs`. */
export function dueAt(plan: ClockPlan): Date {
  validatePlan(plan);
  return new Date(plan.startedAt.getTime() + plan.intervalMs);
}

/**
 * When to post the "due soon" warning: the later of `start + 80 %` of the interval and
 * `due − 5 min`, never before `start`. So windows of 25 min or more warn 5 min before due,
 * and shorter ones warn at 80 %.
 */
export function warnAt(plan: ClockPlan): Date {
  const start = plan.startedAt.getTime();
  const due = dueAt(plan).getTime();
  const atFraction = start + Math.floor(plan.intervalMs * WARN_FRACTION);
  return new Date(Math.max(atFraction, due - WARN_LEAD_MS, start));
}

/**
 * The `n`-th repeat reminder while a clock stays breached: `due + n × updateEvery` (n ≥ 1;
 * the breach at `due` itself is reminder 0).
 */
export function repeatAt(due: Date, updateEveryMs: number, n: number): Date {
  assertDate(due, 'due');
  assertPositiveMs(updateEveryMs, 'updateEveryMs');
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new DomainError('invalid_repeat', `repeat number must be an integer ≥ 1, got ${n}`);
  }
  return new Date(due.getTime() + n * updateEveryMs);
}

/**
 * The first repeat reminder strictly after `now`, for rebuilding timers after a restart
 * (reminders missed while down are not replayed; the next one is scheduled).
 */
export function nextRepeatAfter(
  due: Date,
  updateEveryMs: number,
  now: Date,
): { n: number; at: Date } {
  assertDate(now, 'now');
  const elapsed = now.getTime() - due.getTime();
  const n = Math.max(1, Math.floor(elapsed / updateEveryMs) + 1);
  return { n, at: repeatAt(due, updateEveryMs, n) };
}

/**
 * Classifies a clock at `now`. A stopped clock is `stopped` whatever the time; the due
 * instant itself already counts as `breached`, the warn instant as `due_soon`.
 */
export function clockState(now: Date, warn: Date, due: Date, stopped: boolean): ClockState {
  if (stopped) return 'stopped';
  const t = now.getTime();
  if (t >= due.getTime()) return 'breached';
  if (t >= warn.getTime()) return 'due_soon';
  return 'on_time';
}

/** Security notification deadline: `aware + notifyWithin` (72 h by default config). */
export function securityDue(aware: Date, notifyWithinMs: number): Date {
  return dueAt({ startedAt: aware, intervalMs: notifyWithinMs });
}

/**
 * Security reminder instants: `aware` + 24 h, 48 h, 66 h and the due time for a 72 h window,
 * scaled to the same fractions of other windows. Reminders before `now` are skipped (one at
 * exactly `now` is kept), so the result can rebuild timers after a restart. Ascending, unique.
 */
export function securityReminderTimes(aware: Date, notifyWithinMs: number, now: Date): Date[] {
  assertDate(now, 'now');
  const due = securityDue(aware, notifyWithinMs).getTime();
  const start = aware.getTime();
  const times = SECURITY_REMINDER_FRACTIONS.map((f) =>
    f === 1 ? due : start + Math.floor(notifyWithinMs * f),
  );
  return [...new Set(times)].filter((t) => t >= now.getTime()).map((t) => new Date(t));
}

function ownEntry(
  policies: SlaPolicies,
  plan: string,
  severity: Severity,
): SlaPolicyEntry | undefined {
  // Own properties only: a plan named "constructor" must not reach Object.prototype.
  if (!Object.hasOwn(policies, plan)) return undefined;
  const byPlan = policies[plan];
  if (!byPlan || !Object.hasOwn(byPlan, severity)) return undefined;
  return byPlan[severity];
}

/**
 * The SLA clocks for a tenant's plan and an incident's severity: the plan's entry for that
 * severity, else the `default` plan's, else `undefined` (no customer clock for this severity).
 *
 * @throws DomainError `invalid_duration` when the chosen entry has a malformed duration.
 */
export function resolvePolicy(
  policies: SlaPolicies,
  plan: string,
  severity: Severity,
): ResolvedPolicy | undefined {
  const entry = ownEntry(policies, plan, severity) ?? ownEntry(policies, 'default', severity);
  if (!entry) return undefined;
  return {
    firstResponseMs: parseIsoDuration(entry.firstResponse),
    updateEveryMs: parseIsoDuration(entry.updateEvery),
  };
}
