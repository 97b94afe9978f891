/**
 * PII and secret masking for logs and exports (runbook §6: "logs without PII, masking mandatory").
 * Pure string functions: no I/O, no logger; the logging adapter applies them to every record.
 */

export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 8;
const MIN_MASKABLE_LENGTH = 6; // shortest maskable thing is an email like a@b.co
const MIN_PHONE_DIGITS = 8; // fewest digits in any phone, card or IBAN we mask

// Secrets run first: their digit runs would otherwise be half-masked as cards or phones.
const SECRET_TOKEN = new RegExp(
  [
    String.raw`\bxox[a-z]-[A-Za-z0-9-]+`, // Slack bot/user/... tokens
    String.raw`\bxapp-[A-Za-z0-9-]+`, // Slack app-level tokens
    String.raw`\bhv[sbr]\.[A-Za-z0-9_-]{20,}`, // Vault service/batch/recovery tokens
    String.raw`\bs\.[A-Za-z0-9]{24}\b`, // legacy Vault tokens
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`, // GitHub tokens
    String.raw`\bAKIA[0-9A-Z]{16}\b`, // AWS access key ids
    String.raw`\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`, // JWTs
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
  ].join('|'),
  'g',
);
// Letters-only words after "Bearer" are prose ("a Bearer token"); real tokens have digits or length.
const AUTH_SCHEME =
  /\b(Bearer|Basic)\s+(?:(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})/gi;
const SECRET_ASSIGNMENT =
  /((?:passw(?:or)?d|pwd|secret|token|api[_-]?key)["']?[ \t]*[=:][ \t]*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]*):([^\s/?#]+)@/gi;
const EMAIL = /(?<![\w.%+-])(\w)[\w.%+-]*@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})/g;
const IBAN = /\b([A-Z]{2})(\d{2})((?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b/g;
// Issuer prefixes start 2-6, which also keeps epoch-millisecond timestamps (1...) out.
const CARD = /(?<![\w.-])[2-6]\d{3}(?:[ -]?\d{2,6}){2,5}(?!\w|\.\d)/g;
const PHONE_INTERNATIONAL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?!\w)/g;
const PHONE_NANP =
  /(?<![\w).])(?:\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}\.\d{3}\.\d{4})(?![\w]|\.\d)/g;
// Same separator throughout, 3+ groups, 9-12 digits: 2026-11-27 (8 digits) and IPs stay readable.
const PHONE_GROUPED = /(?<![\w.,:/+-])\d{2,4}([ -])\d{2,4}(?:\1\d{2,4}){1,3}(?!\w|[-.,:/]\d)/g;
const NON_DIGIT = /\D/g;
const SECRET_KEY =
  /(?:passw(?:or)?d|passphrase|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|signature)$/i;

/** Masks emails, phones, payment cards, IBANs, URL credentials and inline secrets in free text. */
export function maskPersonalData(text: string): string {
  if (text.length < MIN_MASKABLE_LENGTH) return text;
  let out = text
    .replace(SECRET_TOKEN, REDACTED)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, maskAssignment);
  if (out.includes('://')) out = maskUrlCredentials(out);
  if (out.includes('@')) out = out.replace(EMAIL, '$1***@$2');
  if (!hasDigits(out, MIN_PHONE_DIGITS)) return out;
  return out
    .replace(IBAN, maskIban)
    .replace(CARD, maskCardCandidate)
    .replace(PHONE_INTERNATIONAL, (m) => maskPhone(m, 8, 15))
    .replace(PHONE_NANP, (m) => maskPhone(m, 10, 10))
    .replace(PHONE_GROUPED, (m) => maskPhone(m, 9, 12));
}

/** `postgres://user:pass@host/db` -> `postgres://user:***@host/db`; anything else unchanged. */
export function maskUrlCredentials(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1$2:***@');
}

/**
 * Returns a copy of `value` with every string passed through {@link maskPersonalData} and the
 * values of secret-named keys (`password`, `*Token`, `*Secret`, `authorization`...) redacted.
 * Unchanged subtrees are returned as-is; cycles become `[Circular]`, deep nesting `[Truncated]`.
 */
export function maskDeep(value: unknown): unknown {
  return walk(value, 0, new Set<object>());
}

function walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (isOpaque(value)) return value;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return walkArray(value, depth, ancestors);
    if (value instanceof Error) return maskError(value, depth, ancestors);
    if (hasToJson(value)) return walk(value.toJSON(), depth + 1, ancestors);
    return walkObject(value as Record<string, unknown>, depth, ancestors);
  } catch {
    return '[Unserializable]';
  } finally {
    ancestors.delete(value);
  }
}

function walkArray(arr: unknown[], depth: number, ancestors: Set<object>): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const v: unknown = arr[i];
    const m = walk(v, depth + 1, ancestors);
    if (m !== v && out === undefined) out = arr.slice(0, i);
    if (out !== undefined) out.push(m);
  }
  return out ?? arr;
}

function walkObject(
  obj: Record<string, unknown>,
  depth: number,
  ancestors: Set<object>,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(obj);
  keys.forEach((key, i) => {
    const v = obj[key];
    const m = maskEntry(key, v, depth, ancestors);
    if (m !== v && out === undefined) {
      out = {};
      for (const prev of keys.slice(0, i)) setOwn(out, prev, obj[prev]);
    }
    if (out !== undefined) setOwn(out, key, m);
  });
  return out ?? obj;
}

function maskEntry(key: string, v: unknown, depth: number, ancestors: Set<object>): unknown {
  if (v !== undefined && v !== null && SECRET_KEY.test(key)) return REDACTED;
  return walk(v, depth + 1, ancestors);
}

// A copy on the same prototype, so `instanceof`, the class name and pino's err serializer still work.
function maskError(err: Error, depth: number, ancestors: Set<object>): Error {
  const out = Object.create(Object.getPrototypeOf(err) as object | null) as Error;
  const hidden = (key: string, v: unknown): void => {
    Object.defineProperty(out, key, { value: v, writable: true, configurable: true });
  };
  hidden('message', maskPersonalData(String(err.message)));
  if (typeof err.stack === 'string') hidden('stack', maskPersonalData(err.stack));
  if (err.cause !== undefined) hidden('cause', walk(err.cause, depth + 1, ancestors));
  const errors: unknown = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) hidden('errors', walk(errors, depth + 1, ancestors));
  for (const key of Object.keys(err)) {
    setOwn(
      out as unknown as Record<string, unknown>,
      key,
      maskEntry(key, readKey(err, key), depth, ancestors),
    );
  }
  return out;
}

function readKey(obj: object, key: string): unknown {
  return (obj as Record<string, unknown>)[key];
}

function setOwn(target: Record<string, unknown>, key: string, v: unknown): void {
  // A plain assignment to "__proto__" would swap the prototype instead of adding a key.
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = v;
  }
}

function isOpaque(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Map ||
    value instanceof Set ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer
  );
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function maskAssignment(_match: string, prefix: string, secret: string): string {
  const quote = secret.startsWith('"') || secret.startsWith("'") ? secret.charAt(0) : '';
  return `${prefix}${quote}${REDACTED}${quote}`;
}

function maskIban(match: string, country: string, check: string, rest: string): string {
  const bban = rest.replace(/ /g, '');
  const length = 4 + bban.length;
  if (length < 15 || length > 34 || !ibanChecksumValid(country, check, bban)) return match;
  return `${country}** **** **** ${bban.slice(-4)}`;
}

function ibanChecksumValid(country: string, check: string, bban: string): boolean {
  let remainder = 0;
  for (const ch of bban + country + check) {
    const code = ch.charCodeAt(0);
    // Letters count as two digits (A=10 ... Z=35), digits as one.
    remainder = code >= 65 ? (remainder * 100 + code - 55) % 97 : (remainder * 10 + code - 48) % 97;
  }
  return remainder === 1;
}

// The candidate may run into a trailing number ("4111 1111 1111 1111 123"), so try shorter prefixes.
function maskCardCandidate(match: string): string {
  const groups = match.split(/[ -]/);
  let digits = '';
  let consumed = 0;
  let best = -1;
  let bestEnd = 0;
  groups.forEach((group, i) => {
    digits += group;
    consumed += group.length + (i > 0 ? 1 : 0);
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
      best = digits.length;
      bestEnd = consumed;
    }
  });
  if (best < 0) return match;
  return `**** **** **** ${match.slice(0, bestEnd).replace(NON_DIGIT, '').slice(-4)}${match.slice(bestEnd)}`;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Cheaper than running five regexes over ids like "INC-42" on every log line.
function hasDigits(text: string, min: number): boolean {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57 && ++count >= min) return true;
  }
  return false;
}

function maskPhone(match: string, minDigits: number, maxDigits: number): string {
  const digits = match.replace(NON_DIGIT, '');
  if (digits.length < minDigits || digits.length > maxDigits) return match;
  return `***-**${digits.slice(-2)}`;
}
