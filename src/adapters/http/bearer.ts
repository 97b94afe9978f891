import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-server';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Secret comparison in constant time: both sides are hashed to equal length first. */
export function secretMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Bearer check in constant time (see secretMatches). */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token) return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return secretMatches(match?.[1] ?? '', token) && match !== null;
}

/**
 * True when the request carries `Authorization: Bearer <token>`; otherwise answers 401 (JSON,
 * naming the variable that holds the token) and returns false.
 */
export function requireBearer(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
  tokenName: string,
): boolean {
  if (bearerMatches(req.headers.authorization, token)) return true;
  res.setHeader('www-authenticate', 'Bearer');
  sendJson(res, 401, {
    error: 'unauthorized',
    message: `A valid Authorization: Bearer <${tokenName}> header is required.`,
  });
  return false;
}
