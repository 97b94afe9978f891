import { DomainError } from '../errors';
import { parseIsoDuration } from '../sla/duration';

/** One version of a tenant's key and when it was created. */
export interface KeyVersionTime {
  version: number;
  createdAt: Date;
}

export type RotationState = 'ok' | 'warn' | 'due';

export type RotationAssessment =
  | { state: 'missing' }
  | {
      state: RotationState;
      latestVersion: number;
      /** The key's age counts from its newest version, the one new data is encrypted with. */
      latestCreatedAt: Date;
      ageMs: number;
      warnAt: Date;
      dueAt: Date;
    };

/**
 * The warning comes rotateEvery / 12 before due, so it scales with the period: for the default
 * P180D (6 months of 30 days) that is 15 days before, at 5.5 months, as the runbook asks.
 */
export const WARN_FRACTION = 1 / 12;

/** `rotateEvery` (ISO-8601, e.g. `P180D`) in ms, and how long before due the warning comes. */
export function rotationWindow(rotateEvery: string): { everyMs: number; warnBeforeMs: number } {
  const everyMs = parseIsoDuration(rotateEvery);
  return { everyMs, warnBeforeMs: Math.round(everyMs * WARN_FRACTION) };
}

function newest(versions: readonly KeyVersionTime[]): KeyVersionTime {
  let latest: KeyVersionTime | undefined;
  for (const v of versions) {
    if (!Number.isInteger(v.version) || v.version < 1 || Number.isNaN(v.createdAt.getTime())) {
      throw new DomainError(
        'invalid_key_versions',
        `Key version ${String(v.version)} has no valid version number or creation time.`,
      );
    }
    if (!latest || v.version > latest.version) latest = v;
  }
  if (!latest) throw new DomainError('invalid_key_versions', 'No key versions.');
  return latest;
}

/**
 * Whether a tenant's key needs rotating at `now`: `due` once its newest version is
 * `rotateEvery` old, `warn` from rotateEvery − rotateEvery/12 (see WARN_FRACTION), else `ok`;
 * `missing` when there is no version at all.
 *
 * @throws DomainError `invalid_duration` for a bad `rotateEvery`, `invalid_key_versions` for a
 *   version without a valid number or creation time.
 */
export function assessRotation(
  versions: readonly KeyVersionTime[],
  now: Date,
  rotateEvery: string,
): RotationAssessment {
  const { everyMs, warnBeforeMs } = rotationWindow(rotateEvery);
  if (versions.length === 0) return { state: 'missing' };
  const latest = newest(versions);
  const created = latest.createdAt.getTime();
  const dueAt = new Date(created + everyMs);
  const warnAt = new Date(created + everyMs - warnBeforeMs);
  const t = now.getTime();
  const state: RotationState = t >= dueAt.getTime() ? 'due' : t >= warnAt.getTime() ? 'warn' : 'ok';
  return {
    state,
    latestVersion: latest.version,
    latestCreatedAt: latest.createdAt,
    ageMs: t - created,
    warnAt,
    dueAt,
  };
}
