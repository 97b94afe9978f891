/** Numbers that identify a person: IBANs, payment cards, national ids and phone numbers. */
import { ibanChecksumValid, luhnValid } from './checksums';
import { maskNationalId } from './national-ids';

const IBAN = /\b([A-Z]{2})(\d{2})((?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b/g;
// Issuer prefixes start 2-6, which also keeps epoch-millisecond timestamps (1...) out.
const CARD = /(?<![\w.-])[2-6]\d{3}(?:[ -]?\d{2,6}){2,5}(?!\w|\.\d)/g;
const PHONE_INTERNATIONAL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?!\w)/g;
const PHONE_NANP =
  /(?<![\w).])(?:\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}\.\d{3}\.\d{4})(?![\w]|\.\d)/g;
// Same separator throughout, 3+ groups, 9-12 digits (15 after a 00 prefix): 2026-11-27 (8 digits)
// and IPs stay readable.
const PHONE_GROUPED = /(?<![\w.,:/+-])\d{2,4}([ -])\d{2,4}(?:\1\d{2,4}){1,3}(?!\w|[-.,:/]\d)/g;
// A whole token, not part of a version, decimal, time, path, id (INC-..., #...) or hex string,
// with a long digit run: a national id (12345678Z, 12.345.678-Z, X1234567L, B12345674) or a
// phone written without separators (612345678). One pass for both; the callback tells them apart.
const DIGIT_TOKEN =
  /(?<![\w.+#*/\\-]|\d:)(?:\d{2}\.\d{3}\.\d{3}-?[A-Za-z]|[A-Za-z]-?\d{7}-?[A-Za-z0-9]|\d{8}-?[A-Za-z]|\d{9,15})(?!\w|[-./:]\w)/g;
const BARE_PHONE_SHAPES = [
  /^00[1-9]\d{8,12}$/, // international with the 00 prefix: 0034612345678
  /^[6-9]\d{8}$/, // Spain: mobiles 6 and 7, landlines 8 and 9
  /^0[1237]\d{9}$/, // UK national: 07911 123456, 020 7946 0958
  /^[2-9]\d{2}[2-9]\d{6}$/, // NANP: area and exchange never start with 0 or 1, so epoch seconds stay
];
// A number labelled as an order, invoice, ticket or id, or followed by a unit, is not a phone.
const NUMBER_LABEL = /\b(?:order|pedido|factura|invoice|ticket|ref|id|n[º°])\.?\s*[:=]?\s*$/i;
const NUMBER_UNIT = /^ ?(?:bytes?|[kmgt]i?b|ms|ns|us|rows|filas|registros)\b/i;
const ALL_DIGITS = /^\d+$/;
const NON_DIGIT = /\D/g;
const DOTTED_DNI = /\d\.\d{3}\.\d{3}/;

/**
 * Runs the number rules in order (checksummed forms first, so phones never half-mask a card),
 * each only when the text holds enough digits for it: most log lines skip them all.
 */
export function maskNumbers(text: string): string {
  const { total, longestRun } = digitProfile(text);
  if (total < 7) return text; // the shortest id we mask, a NIE, has 7 digits
  let out = text;
  if (total >= 9) out = out.replace(IBAN, maskIban).replace(CARD, maskCardCandidate);
  if (total >= 8 && out.includes('+')) {
    out = out.replace(PHONE_INTERNATIONAL, (m) => maskPhone(m, 8, 15));
  }
  if (total >= 9) {
    out = out
      .replace(PHONE_NANP, (m) => maskPhone(m, 10, 10))
      .replace(PHONE_GROUPED, (m) => maskPhone(m, 9, m.startsWith('00') ? 15 : 12));
  }
  const tokens = longestRun >= 7 || (total >= 8 && DOTTED_DNI.test(out));
  return tokens ? out.replace(DIGIT_TOKEN, maskDigitToken) : out;
}

// Masking only removes digits, so a profile of the input over-approximates every later step.
function digitProfile(text: string): { total: number; longestRun: number } {
  let total = 0;
  let run = 0;
  let longestRun = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      total++;
      if (++run > longestRun) longestRun = run;
    } else {
      run = 0;
    }
  }
  return { total, longestRun };
}

// The candidate may run into a following number ("ES91... 1332 612345678"), so try each cut at
// a space, longest first.
function maskIban(match: string, country: string, check: string, rest: string): string {
  const cuts = [rest.length];
  for (let i = rest.lastIndexOf(' '); i > 0; i = rest.lastIndexOf(' ', i - 1)) cuts.push(i);
  for (const end of cuts) {
    const bban = rest.slice(0, end).replace(/ /g, '');
    const length = 4 + bban.length;
    if (length >= 15 && length <= 34 && ibanChecksumValid(country, check, bban)) {
      return `${country}** **** **** ${bban.slice(-4)}${rest.slice(end)}`;
    }
  }
  return match;
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

function maskPhone(match: string, minDigits: number, maxDigits: number): string {
  const digits = match.replace(NON_DIGIT, '');
  if (digits.length < minDigits || digits.length > maxDigits) return match;
  return `***-**${digits.slice(-2)}`;
}

function maskDigitToken(match: string, offset: number, text: string): string {
  return ALL_DIGITS.test(match) ? maskBarePhone(match, offset, text) : maskNationalId(match);
}

function maskBarePhone(match: string, offset: number, text: string): string {
  if (!BARE_PHONE_SHAPES.some((shape) => shape.test(match))) return match;
  if (NUMBER_LABEL.test(text.slice(Math.max(0, offset - 20), offset))) return match;
  if (NUMBER_UNIT.test(text.slice(offset + match.length, offset + match.length + 10))) return match;
  return `***-**${match.slice(-2)}`;
}
