import {
  parseInstantQuery,
  renderLoadQuery,
  type MetricReading,
} from '../../domain/target/tenant-load';
import type { TenantMetrics } from '../../ports/tenant-load';

export interface PrometheusMetricsOptions {
  /** target.prometheusUrl: the server's base URL (a path prefix such as /prometheus is kept). */
  url: string;
  /** target.loadQuery, with {tenant}. */
  query: string;
  /** Per query (default 5 s); Prometheus is asked to give up a little earlier. */
  timeoutMs?: number;
  now?: () => Date;
}

type Failed = Extract<MetricReading, { status: 'failed' }>;

/** TenantMetrics on Prometheus' HTTP API: one instant query (`GET /api/v1/query`). */
export class PrometheusMetrics implements TenantMetrics {
  constructor(private readonly opts: PrometheusMetricsOptions) {}

  async requestsPerMinute(tenant: string): Promise<MetricReading> {
    const query = renderLoadQuery(this.opts.query, tenant);
    const ms = this.opts.timeoutMs ?? 5000;
    const base = this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`;
    const url = new URL('api/v1/query', base);
    url.searchParams.set('query', query);
    url.searchParams.set('timeout', `${Math.max(1, ms - 500)}ms`);
    const fail = (reason: Failed['reason'], message: string): Failed => ({
      status: 'failed',
      query,
      reason,
      message,
    });
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(ms),
      });
      text = await res.text();
    } catch (err) {
      const e = err as {
        name?: string;
        message?: string;
        cause?: { code?: string; message?: string };
      };
      if (e.name === 'TimeoutError' || e.name === 'AbortError')
        return fail('timeout', `no answer within ${ms} ms`);
      return fail('unreachable', e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
    }
    let body: { errorType?: string; error?: string } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    const said = body?.error ? `: ${body.error}` : '';
    if (res.status === 400 || res.status === 422)
      return fail('bad_query', `Prometheus refused the query (${res.status}${said})`);
    if (res.status === 503 && body?.errorType === 'timeout')
      return fail('timeout', `the query timed out in Prometheus${said}`);
    if (res.status >= 500) return fail('server_error', `answered ${res.status}${said}`);
    if (!res.ok) return fail('refused', `answered ${res.status}${said}`);
    const parsed = parseInstantQuery(body);
    if (!parsed.ok) return fail('bad_response', parsed.message);
    return {
      status: 'ok',
      query,
      requestsPerMinute: parsed.value,
      at: this.opts.now?.() ?? new Date(),
    };
  }
}
