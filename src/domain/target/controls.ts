import { DomainError } from '../errors';

/** `tenantops_control.tenant_controls` of one tenant (PRODUCT §8): the switches the SaaS honours. */
export interface TenantControls {
  tenant: string;
  readOnly: boolean;
  rateLimitRpm: number | null;
  pool: string | null;
  blockedEndpoints: string[];
  flags: Record<string, unknown>;
  /** null when the tenant has no controls row yet (every switch at its default). */
  updatedAt: Date | null;
}

/** The controls of a tenant with no row: what the SaaS must assume. */
export function defaultControls(tenant: string): TenantControls {
  return {
    tenant,
    readOnly: false,
    rateLimitRpm: null,
    pool: null,
    blockedEndpoints: [],
    flags: {},
    updatedAt: null,
  };
}

/** One change to a tenant's controls. `null` clears a rate limit or a pool. */
export type ControlSetting =
  | { kind: 'block_endpoint'; path: string }
  | { kind: 'unblock_endpoint'; path: string }
  | { kind: 'rate_limit'; rpm: number | null }
  | { kind: 'pool'; pool: string | null };

/**
 * What a setting changes, as a key and a value: undo puts back the value recorded under the key
 * before the change. An endpoint's key holds whether it is blocked.
 */
export type ControlKey = `endpoint:${string}` | 'rate_limit_rpm' | 'pool';
export type ControlValue = number | string | boolean | null;

export function keyOf(s: ControlSetting): ControlKey {
  switch (s.kind) {
    case 'block_endpoint':
    case 'unblock_endpoint':
      return `endpoint:${s.path}`;
    case 'rate_limit':
      return 'rate_limit_rpm';
    case 'pool':
      return 'pool';
  }
}

export function valueOf(s: ControlSetting): ControlValue {
  switch (s.kind) {
    case 'block_endpoint':
      return true;
    case 'unblock_endpoint':
      return false;
    case 'rate_limit':
      return s.rpm;
    case 'pool':
      return s.pool;
  }
}

/** The value a key has in the controls now. */
export function currentValue(c: TenantControls, key: ControlKey): ControlValue {
  if (key === 'rate_limit_rpm') return c.rateLimitRpm;
  if (key === 'pool') return c.pool;
  return c.blockedEndpoints.includes(key.slice('endpoint:'.length));
}

/** The controls with one key set to a value (endpoint lists keep their order, no duplicates). */
export function withValue(c: TenantControls, key: ControlKey, value: ControlValue): TenantControls {
  if (key === 'rate_limit_rpm') return { ...c, rateLimitRpm: value as number | null };
  if (key === 'pool') return { ...c, pool: value as string | null };
  const path = key.slice('endpoint:'.length);
  const others = c.blockedEndpoints.filter((p) => p !== path);
  return { ...c, blockedEndpoints: value === true ? [...others, path] : others };
}

/** Rate limits tenantops sets: at least 1 request a minute, at most 1,000,000. */
export const RPM_MIN = 1;
export const RPM_MAX = 1_000_000;

export function assertRpm(rpm: number): void {
  if (!Number.isInteger(rpm) || rpm < RPM_MIN || rpm > RPM_MAX)
    throw new DomainError(
      'rpm_out_of_range',
      `rpm=${rpm} is out of range: a whole number of requests per minute from ${RPM_MIN} to ${RPM_MAX.toLocaleString('en')}`,
    );
}

/** `rpm=<n>` as typed: digits only. */
export function parseRpm(text: string): number {
  if (!/^\d{1,9}$/.test(text.trim()))
    throw new DomainError(
      'rpm_out_of_range',
      `rpm=${text} is not a whole number of requests per minute`,
    );
  const rpm = Number(text.trim());
  assertRpm(rpm);
  return rpm;
}

const POOL_RE = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export function assertPoolName(pool: string): void {
  if (!POOL_RE.test(pool))
    throw new DomainError(
      'invalid_pool',
      `pool=${pool} is not a pool name (a-z, 0-9, _ and -, at most 40 characters; e.g. isolated)`,
    );
}

/** The pool a heavy tenant is moved to (PRODUCT §8 `tenant-throttle ... pool=isolated`). */
export const ISOLATED_POOL = 'isolated';

const MAX_PATH = 200;
// RFC 3986 path characters (pchar and /); `*` (a sub-delim) doubles as a trailing wildcard.
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]+$/;

/**
 * An endpoint path as `blocked_endpoints` holds it: absolute (`/api/v1/export`), no query or
 * fragment, no `.`/`..` segments or `//`, valid %-escapes, at most 200 characters; a trailing
 * `/*` blocks everything under a prefix. Returns it without a trailing slash (but `/`).
 */
export function parseEndpointPath(text: string): string {
  const path = text.trim();
  const bad = (why: string) =>
    new DomainError(
      'invalid_endpoint',
      `endpoint=${JSON.stringify(text)} is not an endpoint path: ${why}`,
    );
  if (!path.startsWith('/')) throw bad('it must start with / (e.g. /api/v1/export)');
  if (path.length > MAX_PATH) throw bad(`longer than ${MAX_PATH} characters`);
  if (/[?#]/.test(path)) throw bad('no query string or fragment, only the path');
  if (!PATH_CHARS.test(path))
    throw bad('it holds characters a URL path cannot (spaces, quotes, <>, \\ …)');
  if (/%(?![0-9A-Fa-f]{2})/.test(path)) throw bad('a % must start a %XX escape');
  if (path.includes('//')) throw bad('empty path segment (//)');
  if (path.split('/').some((seg) => seg === '.' || seg === '..'))
    throw bad('. and .. segments are not allowed');
  const star = path.indexOf('*');
  if (star !== -1 && (star !== path.length - 1 || !path.endsWith('/*')))
    throw bad('* is only allowed as a trailing /* (everything under a prefix)');
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** What one setting did, for a step's summary. */
export function describeSetting(s: ControlSetting): string {
  switch (s.kind) {
    case 'block_endpoint':
      return `block ${s.path}`;
    case 'unblock_endpoint':
      return `unblock ${s.path}`;
    case 'rate_limit':
      return s.rpm === null ? 'no rate limit' : `rate limit ${s.rpm} rpm`;
    case 'pool':
      return s.pool === null ? 'default pool' : `pool ${s.pool}`;
  }
}

export function describeValue(key: ControlKey, v: ControlValue): string {
  if (key === 'rate_limit_rpm') return v === null ? 'no rate limit' : `${String(v)} rpm`;
  if (key === 'pool') return v === null ? 'the default pool' : `pool ${String(v)}`;
  return `${key.slice('endpoint:'.length)} ${v === true ? 'blocked' : 'not blocked'}`;
}

/** A setting as tenantops writes it: paths normalized, numbers and names checked. */
export function normalizeSetting(s: ControlSetting): ControlSetting {
  switch (s.kind) {
    case 'block_endpoint':
    case 'unblock_endpoint':
      return { kind: s.kind, path: parseEndpointPath(s.path) };
    case 'rate_limit':
      if (s.rpm !== null) assertRpm(s.rpm);
      return s;
    case 'pool':
      if (s.pool !== null) assertPoolName(s.pool);
      return s;
  }
}

const HOLD_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** A hold id: the caller's name for a change (e.g. `RB-12-block-endpoint`). */
export function assertHoldId(hold: string): void {
  if (!HOLD_RE.test(hold))
    throw new DomainError(
      'invalid_hold',
      `"${hold}" is not a hold id (letters, digits, . _ : -, at most 100 characters, e.g. RB-12-throttle)`,
    );
}
