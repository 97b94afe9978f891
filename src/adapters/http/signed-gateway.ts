import { createHmac } from 'node:crypto';
import { gatewayBody, type ControlEvent, type GatewayDelivery } from '../../domain/target/gateway';
import type { ControlGateway } from '../../ports/control-gateway';

export const SIGNATURE_HEADER = 'X-Tenantops-Signature';
export const TIMESTAMP_HEADER = 'X-Tenantops-Timestamp';

/**
 * `sha256=` + hex HMAC-SHA256, keyed with GATEWAY_SIGNING_SECRET, of `<timestamp>.<body>`: the
 * timestamp is signed with the body, so a receiver that refuses old timestamps refuses replays.
 */
export function signGatewayBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface SignedGatewayOptions {
  /** target.gatewayUrl */
  url: string;
  /** GATEWAY_SIGNING_SECRET */
  secret: string;
  /** How long to wait for the gateway's answer (default 5 s). */
  timeoutMs?: number;
  now?: () => Date;
}

/** ControlGateway over HTTP: one signed POST per change; failures are reported, not thrown. */
export class SignedHttpGateway implements ControlGateway {
  constructor(private readonly opts: SignedGatewayOptions) {}

  async publish(event: ControlEvent): Promise<GatewayDelivery> {
    const body = gatewayBody(event);
    const timestamp = String(Math.floor((this.opts.now?.() ?? new Date()).getTime() / 1000));
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    let res: Response;
    try {
      res = await fetch(this.opts.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signGatewayBody(this.opts.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is not used, but reading it lets the connection be reused (and bounds the wait).
      await res.arrayBuffer();
    } catch (err) {
      return failure(err, timeoutMs);
    }
    if (res.ok) return { status: 'delivered', httpStatus: res.status };
    return {
      status: 'failed',
      reason: res.status >= 500 ? 'server_error' : 'refused',
      httpStatus: res.status,
      message: `the gateway answered ${res.status} ${res.statusText}`.trim(),
    };
  }
}

function failure(err: unknown, timeoutMs: number): GatewayDelivery {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return { status: 'failed', reason: 'timeout', message: `no answer within ${timeoutMs} ms` };
  return {
    status: 'failed',
    reason: 'unreachable',
    message: e.cause?.code ?? e.cause?.message ?? e.message ?? String(err),
  };
}
