import { tzOffset } from '@date-fns/tz';
import { DomainError } from '../errors';

const MINUTE_MS = 60_000;
// Zone offsets change on quarter hours at most, so one lookup serves a quarter hour.
const BUCKET_MS = 15 * MINUTE_MS;

/** Zones found valid (config names a handful; the bound keeps a stream of odd names from growing it). */
const KNOWN_ZONES = new Set<string>();

/** Formats instants as wall time in one IANA zone: `2026-11-27 14:05:09 +01:00`. */
export class ZonedFormatter {
  private readonly offsets = new Map<number, number>();

  constructor(readonly zone: string) {
    // Building an Intl formatter costs ~0.5 ms: a zone is checked once per process.
    if (KNOWN_ZONES.has(zone)) return;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      throw new DomainError('invalid_timezone', `Unknown IANA time zone "${zone}"`);
    }
    if (KNOWN_ZONES.size < 1000) KNOWN_ZONES.add(zone);
  }

  private offsetMs(ms: number): number {
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      offset = tzOffset(this.zone, new Date(bucket * BUCKET_MS)) * MINUTE_MS;
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  /** `2026-11-27 14:05:09 +01:00` */
  dateTime(date: Date): string {
    const offset = this.offsetMs(date.getTime());
    const wall = new Date(date.getTime() + offset).toISOString();
    return `${wall.slice(0, 10)} ${wall.slice(11, 19)} ${offsetText(offset)}`;
  }

  /** `2026-11-27 14:05:09`: wall time without the offset (Mermaid's dateFormat). */
  wallTime(date: Date): string {
    const wall = new Date(date.getTime() + this.offsetMs(date.getTime())).toISOString();
    return `${wall.slice(0, 10)} ${wall.slice(11, 19)}`;
  }

  /** `Friday 2026-12-04 10:00 +01:00`: for due dates people read. */
  day(date: Date): string {
    const offset = this.offsetMs(date.getTime());
    const wall = new Date(date.getTime() + offset);
    const weekday = WEEKDAYS[wall.getUTCDay()] ?? '';
    const iso = wall.toISOString();
    return `${weekday} ${iso.slice(0, 10)} ${iso.slice(11, 16)} ${offsetText(offset)}`;
  }
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function offsetText(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMs) / MINUTE_MS;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}
