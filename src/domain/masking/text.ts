import { applyCustomPatterns, hasCustomPatterns } from './custom-patterns';
import { maskNumbers } from './numbers';

export const REDACTED = '[REDACTED]';

const MIN_MASKABLE_LENGTH = 6; // shortest built-in maskable thing is an email like a@b.co

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
// Any script's letters (josé@, maría.garcía@) and internationalised domains, Unicode or xn--.
const EMAIL =
  /(?<![\p{L}\p{M}\p{N}_.%+-])([\p{L}\p{N}_])[\p{L}\p{M}\p{N}_.%+-]*@((?:[\p{L}\p{M}\p{N}-]+\.)+(?:\p{L}[\p{L}\p{M}]+|xn--[a-z0-9-]+))/gu;

/**
 * Masks emails, phones, payment cards, IBANs, Spanish national ids (DNI, NIE, CIF), URL
 * credentials, inline secrets and the deployment's `masking.patterns` in free text.
 * Idempotent: masking masked text changes nothing.
 */
export function maskPersonalData(text: string): string {
  if (text.length < MIN_MASKABLE_LENGTH) {
    return hasCustomPatterns() ? applyCustomPatterns(text) : text;
  }
  let out = text
    .replace(SECRET_TOKEN, REDACTED)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, maskAssignment);
  if (out.includes('://')) out = maskUrlCredentials(out);
  // After secrets, so a pattern cannot break a token apart; before the rest, so built-in rules
  // cannot half-mask what a deployment's pattern describes.
  if (hasCustomPatterns()) out = applyCustomPatterns(out);
  if (out.includes('@')) out = out.replace(EMAIL, '$1***@$2');
  return maskNumbers(out);
}

/** `postgres://user:pass@host/db` -> `postgres://user:***@host/db`; anything else unchanged. */
export function maskUrlCredentials(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1$2:***@');
}

function maskAssignment(_match: string, prefix: string, secret: string): string {
  const quote = secret.startsWith('"') || secret.startsWith("'") ? secret.charAt(0) : '';
  return `${prefix}${quote}${REDACTED}${quote}`;
}
