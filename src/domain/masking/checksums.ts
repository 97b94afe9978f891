/** Check digits of the numbers masking recognises, so look-alike codes stay readable. */

export function luhnValid(digits: string): boolean {
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

export function ibanChecksumValid(country: string, check: string, bban: string): boolean {
  let remainder = 0;
  for (const ch of bban + country + check) {
    const code = ch.charCodeAt(0);
    // Letters count as two digits (A=10 ... Z=35), digits as one.
    remainder = code >= 65 ? (remainder * 100 + code - 55) % 97 : (remainder * 10 + code - 48) % 97;
  }
  return remainder === 1;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI: 8 digits and the letter of their value mod 23. */
export function dniValid(digits: string, letter: string): boolean {
  return DNI_LETTERS.charAt(Number(digits) % 23) === letter;
}

/** Spanish NIE: X, Y, Z stand for 0, 1, 2 before the 7 digits (K, L, M NIFs for 0), then the DNI rule. */
export function nieValid(prefix: string, digits: string, letter: string): boolean {
  return dniValid(`${Math.max(0, 'XYZ'.indexOf(prefix))}${digits}`, letter);
}

// Entities whose CIF ends in a letter, and those whose CIF ends in a digit; others take either.
const CIF_LETTER_CONTROL = 'NPQRSW';
const CIF_DIGIT_CONTROL = 'ABEH';

/** Spanish CIF: entity letter, 7 digits, control digit or letter (J=0, A=1 ... I=9). */
export function cifValid(entity: string, digits: string, control: string): boolean {
  let sum = 0;
  for (let i = 0; i < 7; i++) {
    const d = digits.charCodeAt(i) - 48;
    // Odd positions (1st, 3rd...) are doubled and their digits added.
    sum += i % 2 === 1 ? d : Math.floor((2 * d) / 10) + ((2 * d) % 10);
  }
  const value = (10 - (sum % 10)) % 10;
  const asDigit = control === String(value);
  const asLetter = control === 'JABCDEFGHI'.charAt(value);
  if (CIF_LETTER_CONTROL.includes(entity)) return asLetter;
  if (CIF_DIGIT_CONTROL.includes(entity)) return asDigit;
  return asDigit || asLetter;
}
