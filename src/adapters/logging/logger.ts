import pino from 'pino';
import { maskDeep, maskPersonalData, maskUrlCredentials, REDACTED } from '../../domain/masking';

export type Logger = pino.Logger;

export interface CreateLoggerOptions {
  level: string;
  /** Where lines go; stdout when omitted. Tests pass a sink stream. */
  destination?: pino.DestinationStream;
  /** Replaces pino's default `{ pid, hostname }` bindings. */
  base?: object;
}

// Top-level and literal paths only: maskDeep (formatters.log) already redacts secret-named keys
// at every depth, and each pino "*.x" wildcard path costs ~1 us per top-level key per line.
// These paths still act after serializers, e.g. a future pino-http `req` serializer.
const SECRET_FIELDS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'vaultToken',
  'password',
  'secret',
  'clientSecret',
  'apiKey',
  'authorization',
  'cookie',
];
const URL_FIELDS = ['databaseUrl', 'targetDatabaseUrl', 'redisUrl'];
const HEADERS = [
  '.authorization',
  '.cookie',
  '["set-cookie"]',
  '["x-slack-signature"]',
  '["x-vault-token"]',
  '["x-api-key"]',
];

/** pino `redact` paths (censor `[REDACTED]`; URL fields keep everything but the password). */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...URL_FIELDS,
  ...['headers', 'req.headers', 'res.headers', 'request.headers', 'response.headers'].flatMap(
    (prefix) => HEADERS.map((h) => `${prefix}${h}`),
  ),
];

const URL_FIELD_SET = new Set(URL_FIELDS);

// Connection strings stay useful for debugging (host, db) with only the password hidden.
function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1];
  if (key !== undefined && URL_FIELD_SET.has(key) && typeof value === 'string') {
    return maskUrlCredentials(value);
  }
  return REDACTED;
}

function maskRecord(obj: Record<string, unknown>): Record<string, unknown> {
  return maskDeep(obj) as Record<string, unknown>;
}

// pino takes the message from `err.message` when none is given, bypassing formatters.log.
function isErrorBearing(value: unknown): boolean {
  if (value instanceof Error) return true;
  const err = typeof value === 'object' && value !== null ? (value as { err?: unknown }).err : null;
  return typeof err === 'object' && err !== null;
}

/**
 * Masks the message and interpolation arguments. The merge object is masked by
 * `formatters.log`, except when pino derives the message from an error's text.
 */
function logMethod(this: Logger, args: Parameters<pino.LogFn>, method: pino.LogFn): void {
  const masked: unknown[] = args.map((arg, i) => {
    if (typeof arg === 'string') return maskPersonalData(arg);
    if (i === 0) return typeof args[1] !== 'string' && isErrorBearing(arg) ? maskDeep(arg) : arg;
    return typeof arg === 'object' && arg !== null ? maskDeep(arg) : arg;
  });
  method.apply(this, masked as Parameters<pino.LogFn>);
}

type ChildFn = Logger['child'];

// pino applies formatters.bindings to the root's base only, so child bindings are masked here;
// children are prototype-linked to the root, so grandchildren inherit these overrides.
function maskChildBindings(root: Logger): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-invoked with .call(this)
  const child = root.child;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-invoked with .call(this)
  const setBindings = root.setBindings;
  root.child = function (this: Logger, bindings, options) {
    return child.call(this, maskRecord(bindings), options);
  } as ChildFn;
  root.setBindings = function (this: Logger, bindings) {
    setBindings.call(this, maskRecord(bindings));
  };
}

/**
 * The single root logger: secret fields redacted by path, every string (message, fields,
 * bindings, error text) masked for personal data, including the `masking.patterns` set with
 * `configureMasking` (bindings are masked when bound: configure before creating the logger).
 * Use `log.child({ tenantId, incident })`.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    redact: { paths: [...REDACT_PATHS], censor },
    formatters: {
      log: maskRecord,
      bindings: maskRecord,
    },
    hooks: { logMethod },
  };
  if (opts.base !== undefined) options.base = { ...opts.base };
  const root = opts.destination ? pino(options, opts.destination) : pino(options);
  maskChildBindings(root);
  return root;
}
