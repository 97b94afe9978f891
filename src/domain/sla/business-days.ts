import { TZDate, tzOffset } from '@date-fns/tz';
import { addDays, format, isWeekend } from 'date-fns';
import { DomainError } from '../errors';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MAX_BUSINESS_DAYS = 3660;
const HOLIDAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The business calendar from config (`postmortem.timezone`, `postmortem.holidays`). */
export interface BusinessCalendarOptions {
  /** IANA time zone, e.g. `Europe/Madrid`. */
  timezone: string;
  /** Local dates (`YYYY-MM-DD`) that are not business days. */
  holidays: string[];
}

interface Calendar {
  zone: string;
  holidays: ReadonlySet<string>;
}

function canonicalZone(timezone: string): string {
  if (typeof timezone !== 'string' || timezone.trim() === '') {
    throw new DomainError('invalid_timezone', 'A time zone is required');
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new DomainError('invalid_timezone', `Unknown IANA time zone "${timezone}"`);
  }
}

function checkHoliday(text: string): string {
  const match = HOLIDAY_RE.exec(text);
  const [y, m, d] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const probe = new Date(Date.UTC(y, m - 1, d));
  // Date.UTC rolls 2026-02-30 over to March, so a round trip rejects impossible dates.
  if (!match || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) {
    throw new DomainError('invalid_holiday', `Holiday "${text}" is not a YYYY-MM-DD date`);
  }
  return text;
}

function toCalendar(opts: BusinessCalendarOptions): Calendar {
  const zone = canonicalZone(opts.timezone);
  return { zone, holidays: new Set(opts.holidays.map(checkHoliday)) };
}

function assertDate(value: Date, name: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new DomainError('invalid_date', `${name} is not a valid date`);
  }
}

function isBusinessDay(day: TZDate, cal: Calendar): boolean {
  return !isWeekend(day) && !cal.holidays.has(format(day, 'yyyy-MM-dd'));
}

function offsetMs(zone: string, instant: number): number {
  return tzOffset(zone, new Date(instant)) * MINUTE_MS;
}

/**
 * Resolves a local wall time (as a UTC-based ms count) to an instant. An ambiguous time
 * (clocks going back) takes its first occurrence; a skipped one (clocks going forward) takes
 * the first valid instant after the gap, i.e. the transition itself.
 */
function wallToInstant(zone: string, wall: number): number {
  const before = offsetMs(zone, wall - DAY_MS);
  const after = offsetMs(zone, wall + DAY_MS);
  const fits = [wall - before, wall - after].filter((t) => offsetMs(zone, t) === wall - t);
  if (fits.length > 0) return Math.min(...fits);
  // In the gap: `lo` still has the old offset, `hi` the new one; search for the transition.
  let lo = wall - after;
  let hi = wall - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Moves `start` by `count` business days (negative = backwards) in the calendar's zone and
 * keeps its local time of day. The start day itself never counts, so from a weekend or
 * holiday the next business day is day 1.
 */
function shiftBusinessDays(start: Date, count: number, cal: Calendar): Date {
  const local = new TZDate(start.getTime(), cal.zone);
  // Step dates at local noon so no DST gap or overlap can move the cursor off its day.
  let cursor = new TZDate(local.getFullYear(), local.getMonth(), local.getDate(), 12, cal.zone);
  const step = Math.sign(count);
  let left = Math.abs(count);
  while (left > 0) {
    cursor = addDays(cursor, step);
    if (isBusinessDay(cursor, cal)) left -= 1;
  }
  const wall = Date.UTC(
    cursor.getFullYear(),
    cursor.getMonth(),
    cursor.getDate(),
    local.getHours(),
    local.getMinutes(),
    local.getSeconds(),
    local.getMilliseconds(),
  );
  return new Date(wallToInstant(cal.zone, wall));
}

/**
 * The post-mortem due date: `start` plus `days` business days in `opts.timezone`, skipping
 * Saturdays, Sundays and `opts.holidays`, at the same local time of day. The start day never
 * counts, so a resolve on Saturday 10:00 + 5 is the next Friday 10:00 (Monday is day 1) and
 * Wednesday 10:00 + 5 is the next Wednesday 10:00. If that wall time falls in a DST gap, the
 * result is the first instant after the gap; if it occurs twice, the first occurrence.
 * `days = 0` returns `start` unchanged.
 *
 * @throws DomainError `invalid_timezone`, `invalid_holiday`, `invalid_date` or
 *   `invalid_business_days` (not an integer in 0..3660).
 */
export function addBusinessDaysInZone(
  start: Date,
  days: number,
  opts: BusinessCalendarOptions,
): Date {
  assertDate(start, 'start');
  if (!Number.isInteger(days) || days < 0 || days > MAX_BUSINESS_DAYS) {
    throw new DomainError(
      'invalid_business_days',
      `Business days must be an integer from 0 to ${MAX_BUSINESS_DAYS}, got ${days}`,
    );
  }
  const cal = toCalendar(opts);
  return days === 0 ? new Date(start.getTime()) : shiftBusinessDays(start, days, cal);
}

/**
 * The business day before `date`'s local day, at the same local time of day (for the
 * "post-mortem due tomorrow" reminder): Friday for a Monday, skipping holidays. DST gaps and
 * overlaps resolve as in {@link addBusinessDaysInZone}.
 *
 * @throws DomainError `invalid_timezone`, `invalid_holiday` or `invalid_date`.
 */
export function previousBusinessDay(date: Date, opts: BusinessCalendarOptions): Date {
  assertDate(date, 'date');
  return shiftBusinessDays(date, -1, toCalendar(opts));
}

/**
 * Whether `date` falls on a business day (not a weekend or listed holiday) in the zone.
 *
 * @throws DomainError `invalid_timezone`, `invalid_holiday` or `invalid_date`.
 */
export function isBusinessDayInZone(date: Date, opts: BusinessCalendarOptions): boolean {
  assertDate(date, 'date');
  const cal = toCalendar(opts);
  return isBusinessDay(new TZDate(date.getTime(), cal.zone), cal);
}
