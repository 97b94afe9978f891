import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiReader } from '../../app/postmortem-api';
import { DomainError } from '../../domain/errors';
import { readBody, sendJson, TooLarge, type Route } from './http-server';

/** Uploaded drafts larger than this are refused (413), unread. */
export const MAX_DRAFT_BODY = 1024 * 1024;
const PATH = /^\/incidents\/INC-(?<n>\d{1,9})\/postmortem\.md$/;
const MARKDOWN_TYPES = new Set(['text/markdown', 'text/x-markdown', 'text/plain']);

export interface ApiToken {
  id: string;
  tenant: string;
  /** Hex SHA-256 of the token (the config never holds the token itself). */
  sha256: string;
}

export interface PostmortemRouteOptions {
  tokens: readonly ApiToken[];
  read(reader: ApiReader, incident: number): Promise<string>;
  upload(reader: ApiReader, incident: number, markdown: string): Promise<{ version: number }>;
}

/**
 * The reader of a bearer token: its SHA-256 compared with every configured digest in constant
 * time (all of them, so the time says nothing about which matched).
 */
export function readerOf(
  header: string | undefined,
  tokens: readonly ApiToken[],
): ApiReader | undefined {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
  const presented = createHash('sha256')
    .update(bearer ?? '')
    .digest();
  let found: ApiToken | undefined;
  for (const t of tokens) {
    const expected = Buffer.from(t.sha256, 'hex');
    if (expected.length === presented.length && timingSafeEqual(expected, presented) && bearer)
      found ??= t;
  }
  return found && { id: found.id, tenant: found.tenant };
}

const STATUS: Record<string, number> = {
  incident_not_found: 404,
  forbidden: 403,
  invalid_draft: 400,
  edit_conflict: 409,
};

function refuseDomain(res: ServerResponse, err: unknown): void {
  if (!(err instanceof DomainError)) throw err;
  const status = STATUS[err.code] ?? 400;
  // A hidden incident and a missing one get the same answer: nothing is disclosed.
  if (status === 404)
    return sendJson(res, 404, { error: 'not_found', message: 'No such incident.' });
  sendJson(res, status, { error: err.code, message: err.message });
}

function authorized(req: IncomingMessage, res: ServerResponse, tokens: readonly ApiToken[]) {
  const reader = readerOf(req.headers.authorization, tokens);
  if (!reader) {
    res.setHeader('www-authenticate', 'Bearer');
    sendJson(res, 401, {
      error: 'unauthorized',
      message: 'A valid Authorization: Bearer <token> from apiTokens is required.',
    });
  }
  return reader;
}

/** Markdown text of the body, or the refusal (type, size, encoding); nothing is stored on refusal. */
async function readMarkdown(
  req: IncomingMessage,
): Promise<string | { status: number; error: string; message: string }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!MARKDOWN_TYPES.has(type))
    return {
      status: 400,
      error: 'not_markdown',
      message: `content-type must be text/markdown, got ${JSON.stringify(type)}`,
    };
  let body: Buffer;
  try {
    body = await readBody(req, MAX_DRAFT_BODY);
  } catch (err) {
    if (!(err instanceof TooLarge)) throw err;
    return {
      status: 413,
      error: 'payload_too_large',
      message: `a draft is at most ${MAX_DRAFT_BODY} bytes`,
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { status: 400, error: 'not_markdown', message: 'the body is not UTF-8 text' };
  }
  if (text.includes('\u0000') || text.trim() === '')
    return {
      status: 400,
      error: 'not_markdown',
      message: 'the body is not Markdown text (empty or binary)',
    };
  return text;
}

/** `GET` and `POST /incidents/INC-<n>/postmortem.md` (PRODUCT.md §5). */
export function postmortemRoutes(opts: PostmortemRouteOptions): Route[] {
  return [
    {
      method: 'GET',
      path: PATH,
      name: 'postmortem_get',
      handler: async (req, res, params) => {
        const reader = authorized(req, res, opts.tokens);
        if (!reader) return;
        try {
          const markdown = await opts.read(reader, Number(params.n));
          res.writeHead(200, {
            'content-type': 'text/markdown; charset=utf-8',
            'cache-control': 'no-store',
          });
          res.end(markdown);
        } catch (err) {
          refuseDomain(res, err);
        }
      },
    },
    {
      method: 'POST',
      path: PATH,
      name: 'postmortem_post',
      handler: async (req, res, params) => {
        const reader = authorized(req, res, opts.tokens);
        if (!reader) return;
        const text = await readMarkdown(req);
        if (typeof text !== 'string') {
          if (text.status === 413) res.setHeader('connection', 'close');
          return sendJson(res, text.status, { error: text.error, message: text.message });
        }
        try {
          const { version } = await opts.upload(reader, Number(params.n), text);
          sendJson(res, 201, { version, message: `Stored as version ${version}.` });
        } catch (err) {
          refuseDomain(res, err);
        }
      },
    },
  ];
}
