import { DomainError } from '../errors';

// A date, a time to the minute at least, and an explicit zone: a bare local time is ambiguous.
const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

function badTime(text: string): DomainError {
  return new DomainError(
    'bad_time',
    `"${text}" is not an ISO-8601 time with a zone, e.g. 2026-03-10T09:30Z or 2026-03-10T10:30+01:00.`,
  );
}

/**
 * Parses an ISO-8601 instant as typed in Slack (`2026-03-10T09:30Z`, `2026-03-10T10:30:00+01:00`).
 *
 * @throws DomainError `bad_time` for anything else, impossible dates and times included.
 */
export function parseIsoInstant(text: string): Date {
  const m = INSTANT_RE.exec(text.trim());
  if (!m) throw badTime(text);
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const zone = (m[8] as string).toUpperCase();
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const fraction = m[7] ? `.${m[7].slice(0, 3).padEnd(3, '0')}` : '';
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = new Date(
    `${m[1]}-${m[2]}-${m[3]}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${offset}`,
  );
  // Date.UTC rolls 2026-02-30 over to March; the round trip of the calendar day catches it.
  const dayExists = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
  const fieldsOk = month >= 1 && month <= 12 && hour <= 23 && minute <= 59 && second <= 59;
  if (Number.isNaN(date.getTime()) || !dayExists || !fieldsOk) throw badTime(text);
  return date;
}
