import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler answers: a status and a JSON body (none for 204 and HEAD). */
export interface VaultReply {
  status: number;
  body?: unknown;
}

/** A parsed request as the handlers see it: the path after `/v1/`, without the query. */
export interface VaultRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string | undefined;
  body: Record<string, unknown>;
}

// Vault's envelope for a logical response (the fields every `vault read -format=json` shows).
export function dataReply(
  data: Record<string, unknown>,
  opts: { mountType?: string; warnings?: string[] } = {},
): VaultReply {
  return {
    status: 200,
    body: {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data,
      wrap_info: null,
      warnings: opts.warnings && opts.warnings.length > 0 ? opts.warnings : null,
      auth: null,
      mount_type: opts.mountType ?? '',
    },
  };
}

/** `{"errors":[...]}`, Vault's error shape for every status >= 400. */
export function errorReply(status: number, ...errors: string[]): VaultReply {
  return { status, body: { errors } };
}

// Vault wraps handler errors in go-multierror, so a policy refusal reads like this on the wire.
export function multiError(message: string): string {
  return `1 error occurred:\n\t* ${message}\n\n`;
}

export const noContent: VaultReply = { status: 204 };

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON object body; Vault answers 400 for anything else. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  return undefined;
}

export function send(res: ServerResponse, reply: VaultReply, head: boolean): void {
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, { 'Cache-Control': 'no-store' });
    res.end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'Cache-Control': 'no-store',
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(head ? undefined : payload);
}

/** Vault parses integers from JSON numbers or numeric strings (`"2"`). */
export function intField(body: Record<string, unknown>, name: string): number | undefined | null {
  const v = body[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}
