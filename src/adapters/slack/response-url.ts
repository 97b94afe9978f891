import type { RespondArguments, RespondFn } from '@slack/bolt';

/** Slack answered a response_url POST with an error (`expired_url`, `used_url`, a 5xx…). */
export class ResponseUrlError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`Slack response_url answered ${status}${reason ? `: ${reason}` : ''}`);
    this.name = 'ResponseUrlError';
  }
}

/**
 * Bolt's `respond` for a command answered away from its request (a queued command): POSTs the
 * message as JSON to the command's response_url (Slack honours it 5 times in 30 minutes). The
 * URL carries a token: it is never put in an error or a log line.
 */
export function responseUrlRespond(
  url: string,
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): RespondFn {
  const post = opts.fetch ?? fetch;
  return async (message: string | RespondArguments) => {
    const body = typeof message === 'string' ? { text: message } : message;
    const res = await post(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new ResponseUrlError(res.status, reasonOf(await res.text()));
    return res;
  };
}

/** Whether `url` can be a response_url (http(s) only; nothing else is ever fetched). */
export function isResponseUrl(url: unknown): url is string {
  if (typeof url !== 'string') return false;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Slack's reason: a bare word (`expired_url`) or a JSON `error`; nothing else is repeated. */
function reasonOf(text: string): string {
  let reason = text.trim();
  try {
    const parsed = JSON.parse(reason) as { error?: unknown };
    reason = typeof parsed.error === 'string' ? parsed.error : '';
  } catch {
    // a bare word, or an HTML error page
  }
  return /^[\w.-]{1,60}$/.test(reason) ? reason : '';
}
