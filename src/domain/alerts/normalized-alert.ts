import { z } from 'zod';
import { TENANT_ID_PATTERN } from '../tenants/tenant-id';

export type AlertSource = 'alertmanager' | 'grafana' | 'datadog' | 'pagerduty';
export type AlertStatus = 'firing' | 'resolved' | 'acknowledged';

/** One alert from any monitoring source. `source` + `fingerprint` identify it across deliveries. */
export interface NormalizedAlert {
  source: AlertSource;
  /** Alertmanager/Grafana fingerprint, Datadog alert cycle key, PagerDuty dedup_key. */
  fingerprint: string;
  status: AlertStatus;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  summary: string;
  startsAt: Date;
  /** Set only when the alert is resolved. */
  endsAt?: Date;
  /** Absent for platform alerts (no tenant label, or an invalid one: see `problems`). */
  tenantId?: string;
  severityHint?: string;
  /** What was wrong with an otherwise valid alert; the alert is kept, never dropped. */
  problems: string[];
  raw: unknown;
}

export interface ParseOptions {
  /** Labels read for the tenant id, first present wins. */
  tenantLabels?: readonly string[];
  /** When the request arrived; used only where the payload carries no time of its own. */
  receivedAt?: Date;
}

export interface ParseFailure {
  ok: false;
  /** Path of the offending field, e.g. `alerts[0].status`; `body` when the body itself is wrong. */
  field: string;
  message: string;
}

export type ParseResult<M> = { ok: true; alerts: NormalizedAlert[]; meta: M } | ParseFailure;

export const DEFAULT_TENANT_LABELS: readonly string[] = ['tenant_id', 'tenant'];
/** Group-key scope of platform alerts; cannot collide with a tenant id. */
export const PLATFORM_SCOPE = '*';

export interface TenantReading {
  tenantId?: string;
  problem?: string;
}

/** Reads the tenant from the first tenant label present; an invalid value is reported, not used. */
export function readTenant(
  labels: Record<string, string>,
  tenantLabels: readonly string[] = DEFAULT_TENANT_LABELS,
): TenantReading {
  for (const name of tenantLabels) {
    const value = labels[name];
    if (value === undefined || value === '') continue;
    if (TENANT_ID_PATTERN.test(value)) return { tenantId: value };
    return {
      problem: `label ${name}=${JSON.stringify(value)} is not a valid tenant id (${TENANT_ID_PATTERN.source}); handled as a platform alert`,
    };
  }
  return {};
}

export function tenantOf(
  labels: Record<string, string>,
  tenantLabels: readonly string[] = DEFAULT_TENANT_LABELS,
): string | undefined {
  return readTenant(labels, tenantLabels).tenantId;
}

/** Alerts with the same key are the same tenant problem and share one incident thread. */
export function groupKey(alert: Pick<NormalizedAlert, 'tenantId' | 'name'>): string {
  return `${alert.tenantId ?? PLATFORM_SCOPE}/${alert.name}`;
}

/**
 * Keeps string values; stringifies numbers and booleans and drops anything else, noting each
 * in `problems`, so a malformed label set still yields an alert.
 */
export function cleanStringMap(
  raw: Record<string, unknown> | undefined,
  kind: 'label' | 'annotation',
  problems: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (key === '') {
      problems.push(`${kind} with an empty name dropped`);
    } else if (typeof value === 'string') {
      out[key] = value;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value);
      problems.push(`${kind} ${key} has a ${typeof value} value; stored as "${out[key]}"`);
    } else {
      problems.push(
        `${kind} ${key} has a ${value === null ? 'null' : typeof value} value; dropped`,
      );
    }
  }
  return out;
}

const FNV_OFFSET_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;
const LABEL_SEPARATOR = 0xff;
const utf8 = new TextEncoder();

/**
 * Alertmanager's own fingerprint (FNV-1a 64 over sorted name/value pairs, 0xff separated), so a
 * computed fingerprint matches the one a newer Alertmanager would have sent for the same labels.
 */
export function labelFingerprint(labels: Record<string, string>): string {
  let hash = FNV_OFFSET_64;
  const add = (bytes: Iterable<number>): void => {
    for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME_64) & MASK_64;
  };
  for (const name of Object.keys(labels).sort()) {
    add(utf8.encode(name));
    add([LABEL_SEPARATOR]);
    add(utf8.encode(labels[name] ?? ''));
    add([LABEL_SEPARATOR]);
  }
  return hash.toString(16).padStart(16, '0');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** RFC 3339 / ISO 8601 strings, or Unix time in seconds or milliseconds (number or digits). */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const n = Number(value);
    // Values below 1e11 are seconds (1e11 s is the year 5138), larger ones milliseconds.
    const date = new Date(n < 1e11 ? n * 1000 : n);
    return Number.isFinite(n) && !Number.isNaN(date.getTime()) ? date : undefined;
  }
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function toDate(value: string | number, ctx: z.RefinementCtx): Date {
  const date = parseTimestamp(value);
  if (date === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 timestamp or Unix time' });
    return z.NEVER;
  }
  return date;
}

/** A string timestamp field parsed to a Date; the issue names the field when it is not one. */
export const stringTimestampSchema = z.string().transform(toDate);
/** Like `stringTimestampSchema`, also accepting Unix time as a JSON number. */
export const timestampSchema = z.union([z.string(), z.number()]).transform(toDate);

/** Go's zero time.Time, which Alertmanager and Grafana send as endsAt of firing alerts. */
export function isZeroTime(date: Date): boolean {
  return date.getUTCFullYear() <= 1;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'body' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The first zod issue as a 400-ready failure naming the field; `input` tells missing from bad. */
export function failureFrom(error: z.ZodError, input: unknown): ParseFailure {
  const issue = error.issues[0];
  if (issue === undefined) return { ok: false, field: 'body', message: 'invalid payload' };
  const field = formatPath(issue.path);
  const missing = issue.code !== 'custom' && valueAt(input, issue.path) === undefined;
  return { ok: false, field, message: missing ? `${field} is required` : issue.message };
}

export function failure(field: string, message: string): ParseFailure {
  return { ok: false, field, message };
}

/** A string, or undefined when empty: template variables a source could not fill come out blank. */
export function present(value: string | undefined | null): string | undefined {
  return value === undefined || value === null || value.trim() === '' ? undefined : value;
}
