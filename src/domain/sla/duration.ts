import { DomainError } from '../errors';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const NUM = String.raw`(\d{1,15}(?:[.,]\d{1,9})?)`;
const DURATION_RE = new RegExp(
  `^P(?:${NUM}W)?(?:${NUM}D)?(?:T(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`,
);
// Years and months have no fixed length, so an SLA window written with them is ambiguous.
const CALENDAR_UNIT_RE = /^P[^T]*[YM]/;
/** Unit lengths in the order of the regex capture groups (W, D, H, M, S). */
const GROUP_UNITS = [WEEK, DAY, HOUR, MINUTE, SECOND] as const;

function invalid(text: string, why: string): DomainError {
  return new DomainError('invalid_duration', `Invalid ISO-8601 duration "${text}": ${why}`);
}

/**
 * Parses an ISO-8601 duration as written in the config (`PT30M`, `PT1H30M`, `P1DT2H`, `P1W`,
 * `PT0.5S`) into milliseconds. A day is exactly 24 h and a week 7 days: these are elapsed-time
 * SLA windows, not calendar arithmetic. Only the last component may carry a fraction.
 *
 * @throws DomainError `invalid_duration` for empty, `P`, `PT`, negative, zero, malformed
 *   input, or years/months (whose length is ambiguous).
 */
export function parseIsoDuration(text: string): number {
  if (CALENDAR_UNIT_RE.test(text)) {
    throw invalid(text, 'years and months have no fixed length; use weeks, days or hours');
  }
  const match = DURATION_RE.exec(text);
  if (!match) throw invalid(text, 'expected a form like PT30M, PT1H30M, P1D or P1W');
  if (text.endsWith('T')) {
    throw invalid(text, 'a "T" must be followed by hours, minutes or seconds');
  }

  const parts = GROUP_UNITS.map((unit, i) => ({ raw: match[i + 1], unit }));
  const present = parts.filter((p): p is { raw: string; unit: number } => p.raw !== undefined);
  if (present.length === 0) throw invalid(text, 'no components');

  let total = 0;
  present.forEach(({ raw, unit }, i) => {
    const fractional = /[.,]/.test(raw);
    if (fractional && i !== present.length - 1) {
      throw invalid(text, 'only the smallest component may have a fraction');
    }
    total += Number(raw.replace(',', '.')) * unit;
  });

  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw invalid(text, 'too large');
  if (ms <= 0) throw invalid(text, 'must be longer than zero');
  return ms;
}

/** Display units, largest first. */
const DISPLAY_UNITS = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
] as const;

/**
 * Formats a duration for Slack messages: `1h 30m`, `45s`, `2d 3h`. Shows at most `maxUnits`
 * adjacent units starting at the largest non-zero one, truncating the rest (so a countdown
 * never overstates the time left) and omitting zero parts (`2d 0h 5m` → `2d`). Durations under
 * one second read `0s`; negative durations get a leading `-`.
 *
 * @throws DomainError `invalid_duration` when `ms` is not finite or `maxUnits` < 1.
 */
export function formatDuration(ms: number, maxUnits = 2): string {
  if (!Number.isFinite(ms) || !Number.isInteger(maxUnits) || maxUnits < 1) {
    throw new DomainError('invalid_duration', `Cannot format duration ${ms}`);
  }
  if (ms < 0) return `-${formatDuration(-ms, maxUnits)}`;

  let rest = Math.floor(ms / SECOND) * SECOND;
  const amounts = DISPLAY_UNITS.map(([label, size]) => {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    return { label, amount };
  });
  const first = amounts.findIndex((a) => a.amount > 0);
  if (first === -1) return '0s';
  return amounts
    .slice(first, first + maxUnits)
    .filter((a) => a.amount > 0)
    .map((a) => `${a.amount}${a.label}`)
    .join(' ');
}
