/** `14:05Z`: a time of day in UTC, for lines that already say which day. */
export function hhmm(date: Date): string {
  return `${date.toISOString().slice(11, 16)}Z`;
}

/** `2026-12-01 14:05Z`: a UTC minute with its date. */
export function utcMinute(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 16)}Z`;
}
