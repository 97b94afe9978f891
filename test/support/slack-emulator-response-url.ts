import type { IncomingMessage } from 'node:http';
import { json, type HttpOutcome } from './slack-emulator-http';

const PREFIX = '/response_url/';
// Slack accepts up to five posts to one response_url (within 30 minutes).
const MAX_USES = 5;

export interface ResponseUrlPost {
  id: string;
  /** Parsed JSON body, e.g. `{ text, blocks, response_type, replace_original }`. */
  body: Record<string, unknown>;
  contentType: string;
  time: number;
}

/** Records POSTs to emulated response_urls, the channel Bolt's `respond()` uses. */
export class ResponseUrlRecorder {
  private readonly posts: ResponseUrlPost[] = [];

  path(id: string): string {
    return `${PREFIX}${encodeURIComponent(id)}`;
  }

  postsTo(id: string): ResponseUrlPost[] {
    return this.posts.filter((p) => p.id === id);
  }

  clear(): void {
    this.posts.length = 0;
  }

  /** Handles the request when it targets a response_url; otherwise returns undefined. */
  accept(
    pathname: string,
    req: IncomingMessage,
    body: string,
    now: number,
  ): HttpOutcome | undefined {
    if (!pathname.startsWith(PREFIX)) return undefined;
    if (req.method !== 'POST') return { status: 405, headers: {}, body: 'Method Not Allowed' };
    const id = decodeURIComponent(pathname.slice(PREFIX.length));
    if (this.postsTo(id).length >= MAX_USES) {
      return json({ ok: false, error: 'used_url' }, 404);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return json({ ok: false, error: 'invalid_payload' }, 400);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return json({ ok: false, error: 'invalid_payload' }, 400);
    }
    const contentType = req.headers['content-type'] ?? '';
    this.posts.push({ id, body: parsed as Record<string, unknown>, contentType, time: now });
    return json({ ok: true });
  }
}
