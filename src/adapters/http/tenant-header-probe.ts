import {
  judgeNoHeader,
  judgeOtherHeader,
  judgeOwnHeader,
  verdictOf,
  type ProbeAnswer,
  type ProbeReport,
} from '../../domain/target/api-probe';
import { DomainError } from '../../domain/errors';
import { isTenantId, TENANT_ID_RULE } from '../../domain/tenants/tenant-id';
import type { ProbeOptions, TenantApiProbe } from '../../ports/tenant-api-probe';

export interface TenantHeaderProbeOptions {
  /** target.apiUrl */
  apiUrl: string;
  /** target.probePath (default `/`) */
  probePath?: string;
  /** Per request (default 5 s). */
  timeoutMs?: number;
}

/** Only this much of a body is read: enough to find markers, bounded for a misbehaving API. */
const MAX_BODY = 1024 * 1024;

/** TenantApiProbe over HTTP (Node's fetch); see the port for the contract. */
export class TenantHeaderProbe implements TenantApiProbe {
  readonly url: string;

  constructor(private readonly opts: TenantHeaderProbeOptions) {
    this.url = new URL(opts.probePath ?? '/', opts.apiUrl).toString();
  }

  async probeTenantHeader(
    tenant: string,
    otherTenant: string,
    opts: ProbeOptions = {},
  ): Promise<ProbeReport> {
    for (const t of [tenant, otherTenant])
      if (!isTenantId(t))
        throw new DomainError('invalid_tenant', `"${t}" is not a tenant id (${TENANT_ID_RULE})`);
    if (tenant === otherTenant)
      throw new DomainError(
        'same_tenant',
        'the cross-tenant probe needs another tenant than the one probed',
      );
    const markers = opts.markers?.length ? opts.markers : [tenant];
    // One after another: a SaaS under test may rate-limit, and the order makes logs readable.
    const results = [
      judgeNoHeader(await this.get(null)),
      judgeOwnHeader(await this.get(tenant), tenant, markers),
      judgeOtherHeader(await this.get(otherTenant), tenant, otherTenant, markers),
    ];
    return { tenant, otherTenant, url: this.url, results, verdict: verdictOf(results) };
  }

  private async get(tenantHeader: string | null): Promise<ProbeAnswer> {
    const ms = this.opts.timeoutMs ?? 5000;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'tenantops-preflight',
    };
    if (tenantHeader) headers['X-Tenant-ID'] = tenantHeader;
    try {
      const res = await fetch(this.url, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(ms),
      });
      return { kind: 'response', status: res.status, body: await readCapped(res) };
    } catch (err) {
      const e = err as {
        name?: string;
        message?: string;
        cause?: { code?: string; message?: string };
      };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { kind: 'timeout', ms };
      const message = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
      return { kind: 'unreachable', message };
    }
  }
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  while (size < MAX_BODY) {
    const next = await reader.read();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8');
}
