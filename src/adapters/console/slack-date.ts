/**
 * Slack's `<!date^seconds^format|fallback>` tokens, formatted as a Slack client shows them
 * (tokens as documented in @slack/types' RichTextDate), in the console's time zone.
 */

export interface DateContext {
  now: Date;
  /** IANA zone; the process's local zone when omitted. */
  timeZone?: string;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  weekday: string;
  monthLong: string;
  monthShort: string;
  time: string;
  timeSecs: string;
}

function parts(date: Date, timeZone: string | undefined): Parts {
  const fmt = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-US', { timeZone, ...options }).format(date);
  const [month = 0, day = 0, year = 0] = fmt({ year: 'numeric', month: 'numeric', day: 'numeric' })
    .split('/')
    .map(Number);
  return {
    year,
    month,
    day,
    weekday: fmt({ weekday: 'long' }),
    monthLong: fmt({ month: 'long' }),
    monthShort: fmt({ month: 'short' }),
    time: fmt({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    timeSecs: fmt({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }),
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
const dayNumber = (p: Parts) => Date.UTC(p.year, p.month - 1, p.day) / 86_400_000;

/** `today` / `yesterday` / `tomorrow`, or undefined for any other day. */
function relativeDay(p: Parts, today: Parts): string | undefined {
  const diff = dayNumber(p) - dayNumber(today);
  return diff === 0 ? 'today' : diff === -1 ? 'yesterday' : diff === 1 ? 'tomorrow' : undefined;
}

function ago(date: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const units: Array<[string, number]> = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  const abs = Math.abs(seconds);
  const [unit, size] = units.find(([, s]) => abs >= s) ?? ['second', 1];
  const n = Math.floor(abs / size);
  const span = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return seconds >= 0 ? `${span} ago` : `in ${span}`;
}

/** The text of one date format string, or undefined when it names a token Slack doesn't know. */
export function formatSlackDate(
  seconds: number,
  format: string,
  ctx: DateContext,
): string | undefined {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  const p = parts(date, ctx.timeZone);
  const today = parts(ctx.now, ctx.timeZone);
  const long = `${p.weekday}, ${p.monthLong} ${ordinal(p.day)}, ${p.year}`;
  const longFull = `${p.monthLong} ${p.day}, ${p.year}`;
  const noYear = `${p.monthLong} ${ordinal(p.day)}`;
  const short = `${p.monthShort} ${p.day}, ${p.year}`;
  const rel = relativeDay(p, today);
  const tokens: Record<string, string> = {
    date_num: `${p.year}-${pad(p.month)}-${pad(p.day)}`,
    date_slash: `${pad(p.day)}/${pad(p.month)}/${p.year}`,
    date_long: long,
    date_long_full: longFull,
    date_long_pretty: rel ?? long,
    date: `${p.monthLong} ${p.day}`,
    date_pretty: rel ?? `${p.monthLong} ${p.day}`,
    date_short: short,
    date_short_pretty: rel ?? short,
    day_divider_pretty: rel ?? (p.year === today.year ? `${p.weekday}, ${noYear}` : long),
    time: p.time,
    time_secs: p.timeSecs,
    ago: ago(date, ctx.now),
  };
  let unknown = false;
  const text = format.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    const value = tokens[name];
    if (value === undefined) unknown = true;
    return value ?? whole;
  });
  return unknown ? undefined : text;
}
