/** Spanish national ids in free text (DNI, NIE, CIF), masked only when their check character is right. */
import { cifValid, dniValid, nieValid } from './checksums';

const SEPARATORS = /[.-]/g;
const DNI = /^(\d{8})([A-Z])$/;
const NIE = /^([XYZKLM])(\d{7})([A-Z])$/;
const CIF = /^([ABCDEFGHJNPQRSUVW])(\d{7})([0-9A-J])$/;

/**
 * Masks a DNI, NIE or CIF token (`.` and `-` separators allowed) when its check character is
 * right, so a code of the same shape stays readable 22 times in 23 (DNI, NIE) or 9 in 10 (CIF).
 * The form is the one the AEPD publishes ids with (LOPDGDD, 7th additional provision):
 * `12345678Z` -> `***4567**`; `X1234567L` (NIE) and `B12345674` (CIF) -> `****4567*`.
 */
export function maskNationalId(match: string): string {
  const id = match.replace(SEPARATORS, '').toUpperCase();
  const [, dniDigits = '', dniLetter = ''] = DNI.exec(id) ?? [];
  if (dniDigits !== '') {
    return dniValid(dniDigits, dniLetter) ? `***${dniDigits.slice(3, 7)}**` : match;
  }
  const [, niePrefix = '', nieDigits = '', nieLetter = ''] = NIE.exec(id) ?? [];
  if (nieDigits !== '' && nieValid(niePrefix, nieDigits, nieLetter)) return hideAround(nieDigits);
  const [, entity = '', cifDigits = '', control = ''] = CIF.exec(id) ?? [];
  if (cifDigits !== '' && cifValid(entity, cifDigits, control)) return hideAround(cifDigits);
  return match;
}

function hideAround(sevenDigits: string): string {
  return `****${sevenDigits.slice(3)}*`;
}
