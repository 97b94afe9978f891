import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/** Kept-alive connections to Slack's hooks host: a command storm reuses a few sockets. */
const AGENTS = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 16 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
};

/**
 * Bolt's `respond` for a command answered away from its request (a queued command): POSTs the
 * message as JSON to the command's response_url (Slack honours it 5 times in 30 minutes). The
 * URL carries a token: it is never put in an error or a log line. Node's http client, not
 * `fetch`: a fetch costs the worker about a millisecond of CPU, several times this.
 */
export function responseUrlRespond(url: string, opts: { timeoutMs?: number } = {}): RespondFn {
  return async (message: string | RespondArguments) => {
    const body = JSON.stringify(typeof message === 'string' ? { text: message } : message);
    const { status, text } = await postJson(url, body, opts.timeoutMs ?? 10_000);
    if (status < 200 || status >= 300) throw new ResponseUrlError(status, reasonOf(text));
    // Bolt's type wants a fetch Response; the body was read already, so none is kept.
    return new Response(null, { status });
  };
}

/** One POST; the answer's status and (first 4 KB of) text. Errors never name the URL. */
function postJson(
  url: string,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent = u.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'];
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 4096) text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', () => reject(new Error('Slack response_url: the answer was cut off')));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.name === 'AbortError'
            ? `Slack response_url did not answer within ${timeoutMs} ms`
            : `Slack response_url unreachable (${err.code ?? err.name})`,
        ),
      ),
    );
    req.end(body);
  });
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
