import type { IncomingMessage, ServerResponse } from 'node:http';
import { secretMatches } from './bearer';
import { sendJson } from './http-server';

/**
 * HTTP Basic check (RFC 7617) on the password only, in constant time: any user name is accepted,
 * because the password alone is the credential (ADMIN_TOKEN).
 */
export function basicPasswordMatches(header: string | undefined, password: string): boolean {
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header ?? '');
  const decoded = Buffer.from(match?.[1] ?? '', 'base64').toString('utf8');
  // The user id cannot contain ':', so the password is everything after the first one.
  const colon = decoded.indexOf(':');
  const given = colon < 0 ? '' : decoded.slice(colon + 1);
  return secretMatches(given, password) && match !== null && colon >= 0;
}

/**
 * True when the request carries Basic credentials with `password`; otherwise answers 401 with
 * `WWW-Authenticate: Basic realm="<realm>"` (so browsers prompt) and returns false.
 */
export function requireBasic(
  req: IncomingMessage,
  res: ServerResponse,
  password: string,
  opts: { realm: string; passwordName: string },
): boolean {
  if (basicPasswordMatches(req.headers.authorization, password)) return true;
  res.setHeader('www-authenticate', `Basic realm="${opts.realm}"`);
  sendJson(res, 401, {
    error: 'unauthorized',
    message: `HTTP Basic credentials are required: any user name, password ${opts.passwordName}.`,
  });
  return false;
}
