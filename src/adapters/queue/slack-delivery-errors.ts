import { ErrorCode } from '@slack/web-api';

/** What to do about a failed Slack call. */
export type DeliveryFailureKind =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'retry'; reason: string }
  | { kind: 'permanent'; reason: string };

// Slack platform errors worth another try; everything else (channel_not_found, invalid_blocks,
// not_in_channel...) will fail the same way again.
const RETRYABLE_PLATFORM = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

interface SlackishError {
  code?: ErrorCode;
  message?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
}

/** Classifies an error thrown by @slack/web-api (rejectRateLimitedCalls on, no SDK retries). */
export function classifySlackError(err: unknown): DeliveryFailureKind {
  const e = (err ?? {}) as SlackishError;
  if (e.code === ErrorCode.RateLimitedError) {
    return { kind: 'rate_limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  }
  if (e.code === ErrorCode.HTTPError) {
    const status = e.statusCode ?? 500;
    return status >= 500
      ? { kind: 'retry', reason: `HTTP ${status}` }
      : { kind: 'permanent', reason: `HTTP ${status}` };
  }
  if (e.code === ErrorCode.RequestError)
    return { kind: 'retry', reason: e.message ?? 'request failed' };
  if (e.code === ErrorCode.PlatformError) {
    const code = e.data?.error ?? 'unknown_error';
    if (code === 'ratelimited') return { kind: 'rate_limited', retryAfterMs: 1000 };
    return RETRYABLE_PLATFORM.has(code)
      ? { kind: 'retry', reason: code }
      : { kind: 'permanent', reason: code };
  }
  // Not Slack's answer (our database, a render): transient until proven otherwise.
  return { kind: 'retry', reason: err instanceof Error ? err.message : String(err) };
}
