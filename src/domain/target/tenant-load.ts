import { DomainError } from '../errors';
import { isTenantId, TENANT_ID_RULE } from '../tenants/tenant-id';

/** One of the tenant's alerts active in the window (firing now, or resolved within it). */
export interface LoadAlert {
  name: string;
  status: 'firing' | 'acknowledged' | 'resolved';
  severityHint: string | null;
  summary: string;
  startsAt: Date;
  endsAt: Date | null;
}

/** The tenant's request rate from Prometheus (`target.prometheusUrl` + `target.loadQuery`). */
export type MetricReading =
  | { status: 'not_configured' }
  /** `requestsPerMinute` null: the query matched no series (no traffic, or a wrong label). */
  | { status: 'ok'; query: string; requestsPerMinute: number | null; at: Date }
  | {
      status: 'failed';
      query: string;
      reason: 'timeout' | 'unreachable' | 'server_error' | 'refused' | 'bad_query' | 'bad_response';
      message: string;
    };

export interface TenantLoad {
  tenant: string;
  since: Date;
  alerts: LoadAlert[];
  /** Alerts firing (or acknowledged but still firing) now. */
  firing: number;
  metrics: MetricReading;
}

/** `target.loadQuery` with `{tenant}` replaced (tenant ids need no escaping inside "…"). */
export function renderLoadQuery(template: string, tenant: string): string {
  if (!isTenantId(tenant))
    throw new DomainError('invalid_tenant', `"${tenant}" is not a tenant id (${TENANT_ID_RULE})`);
  return template.replace(/\{tenant\}/g, tenant);
}

type Parsed = { ok: true; value: number | null } | { ok: false; message: string };

/**
 * The value of a Prometheus instant query (`/api/v1/query`) answer: a scalar, or the sum of a
 * vector's samples (one series per pod or route, say); null for an empty vector.
 */
export function parseInstantQuery(body: unknown): Parsed {
  const b = body as {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  if (b?.status !== 'success') return { ok: false, message: b?.error ?? 'status is not success' };
  const { resultType, result } = b.data ?? {};
  const num = (pair: unknown): number | undefined => {
    const v = Array.isArray(pair) ? Number(pair[1]) : NaN;
    return Number.isFinite(v) ? v : undefined;
  };
  if (resultType === 'scalar') {
    const v = num(result);
    return v === undefined
      ? { ok: false, message: 'scalar is not a finite number' }
      : { ok: true, value: v };
  }
  if (resultType !== 'vector' || !Array.isArray(result))
    return { ok: false, message: `expected a vector or a scalar, got ${String(resultType)}` };
  if (result.length === 0) return { ok: true, value: null };
  let sum = 0;
  for (const sample of result as { value?: unknown }[]) {
    const v = num(sample.value);
    if (v === undefined) return { ok: false, message: 'a sample is not a finite number' };
    sum += v;
  }
  return { ok: true, value: sum };
}

export function describeReading(m: MetricReading): string {
  switch (m.status) {
    case 'not_configured':
      return 'request rate: no Prometheus configured (target.prometheusUrl)';
    case 'ok':
      return m.requestsPerMinute === null
        ? `request rate: no samples for \`${m.query}\``
        : `request rate: ${Math.round(m.requestsPerMinute).toLocaleString('en')} requests/min`;
    case 'failed':
      return `request rate unknown: Prometheus ${m.reason.replace('_', ' ')} (${m.message})`;
  }
}

/** One paragraph for the throttle step: alerts, request rate, and what `rpm` would cut. */
export function summarizeLoad(load: TenantLoad, rpm?: number): string {
  const names = [...new Set(load.alerts.filter((a) => a.status !== 'resolved').map((a) => a.name))];
  const alerts =
    load.firing === 0
      ? `no alert firing (${load.alerts.length} resolved since ${load.since.toISOString()})`
      : `${load.firing} alert${load.firing === 1 ? '' : 's'} firing (${names.join(', ')})`;
  const parts = [`${load.tenant}: ${alerts}`, describeReading(load.metrics)];
  const rate = load.metrics.status === 'ok' ? load.metrics.requestsPerMinute : null;
  if (rpm !== undefined && rate !== null && rate > rpm)
    parts.push(
      `rpm=${rpm} would refuse about ${Math.round((1 - rpm / rate) * 100)}% of its current requests`,
    );
  return parts.join('; ');
}
