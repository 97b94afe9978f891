import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlackArgs, SlackResponse } from './slack-emulator-state';

// @slack/web-api form-encodes every call and JSON-encodes object values into strings.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

export interface ParsedRequest {
  args: SlackArgs;
  /** `token` sent as a form or query parameter (Slack ignores it in JSON bodies). */
  formToken: string | undefined;
  isJson: boolean;
  malformed: boolean;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses query string plus a JSON or form-urlencoded body into one argument object. */
export function parseRequest(
  contentType: string | undefined,
  body: string,
  query: URLSearchParams,
): ParsedRequest {
  const args: SlackArgs = {};
  const form = new URLSearchParams(query);
  const isJson = (contentType ?? '').toLowerCase().startsWith('application/json');
  let malformed = false;
  if (isJson && body.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        Object.assign(args, parsed);
      } else {
        malformed = true;
      }
    } catch {
      malformed = true;
    }
  } else if (!isJson) {
    for (const [key, value] of new URLSearchParams(body)) form.set(key, value);
  }
  for (const [key, value] of form) {
    if (key in args) continue;
    args[key] = JSON_FIELDS.has(key) ? decodeJsonField(value) : value;
  }
  const formToken = form.get('token') ?? undefined;
  delete args.token;
  return { args, formToken, isJson, malformed };
}

function decodeJsonField(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

export interface HttpOutcome {
  status: number;
  headers: Record<string, string>;
  body: SlackResponse | string;
}

export function json(body: SlackResponse, status = 200, headers = {}): HttpOutcome {
  return { status, headers, body };
}

export function send(res: ServerResponse, outcome: HttpOutcome): void {
  const isText = typeof outcome.body === 'string';
  const payload = isText ? (outcome.body as string) : JSON.stringify(outcome.body);
  res.writeHead(outcome.status, {
    'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...outcome.headers,
  });
  res.end(payload);
}

export interface RateLimit {
  /** Sustained rate; Slack allows about one chat.postMessage per second per channel. */
  perSecond: number;
  /** Messages that may be sent back to back before the limit bites. */
  burst: number;
}

/** Token bucket keyed by channel; `take` returns the Retry-After seconds when empty. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  take(key: string): number | undefined {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    const refilled = (now - bucket.at) / 1000;
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + refilled * this.limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** A scripted failure for the next `count` calls of a method (`'*'` matches any). */
export interface FailureSpec {
  /** HTTP status: 5xx answers a plain-text outage page, 429 a rate limit with Retry-After. */
  status?: number;
  /** Slack error code answered as HTTP 200 `{ ok: false, error }`. */
  error?: string;
  count?: number;
  retryAfter?: number;
  /** Only calls to this channel fail (others go through and leave the failure queued). */
  channel?: string;
}

export function failureOutcome(spec: FailureSpec): HttpOutcome {
  if (spec.status === 429) {
    const retryAfter = String(spec.retryAfter ?? 1);
    return json({ ok: false, error: 'ratelimited' }, 429, { 'Retry-After': retryAfter });
  }
  if (spec.status !== undefined && spec.status !== 200) {
    const text = spec.status === 503 ? 'Service Unavailable' : 'Internal Server Error';
    return { status: spec.status, headers: {}, body: `${spec.status} ${text}` };
  }
  return json({ ok: false, error: spec.error ?? 'internal_error' });
}
