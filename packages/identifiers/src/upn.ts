/**
 * Unique Pupil Number (DfE): 13 characters = check letter + 3-digit LA number + 4-digit
 * establishment number + 2-digit year of allocation + 3-digit serial. A temporary UPN ends in a
 * letter instead of the last serial digit.
 *
 * Algorithm source (checked while writing this, not invented): the UK Government Data Standards
 * Catalogue entry "Unique Pupil Number" v2.0 (agreed 18 Nov 2004, owner DfE), which the DfE's
 * school census / CBDS validation rule 1510 ("wrong check letter at character 1") restates:
 *   - multiply the characters at positions 2..13 by their position (weights 2..13) and sum;
 *   - a temporary UPN's final letter counts as its index in the check alphabet (A=0, B=1, ...);
 *   - sum mod 23 indexes A B C D E F G H J K L M N P Q R T U V W X Y Z (I, O and S never used).
 * Cross-checked against python-stdnum's `stdnum.gb.upn`, whose doctest accepts B801200005001 and
 * rejects A801200005001 (both reproduced in upn.test.ts).
 *
 * Permanent (all-numeric) UPNs are the normal case; temporary ones are accepted by validation
 * because schools do hold them while a permanent UPN is traced, and rejecting them would hide a
 * real pupil from matching. Use isTemporaryUpn to tell them apart. We do not check the LA number
 * against the list of real LA codes: synthetic data deliberately uses 999, which is not one.
 */

export const UPN_CHECK_ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';

const ELEVEN_DIGITS_THEN_DIGIT_OR_LETTER = /^\d{11}[0-9A-Z]$/;
const UPN_SHAPE = /^[A-Z]\d{11}[0-9A-Z]$/;

/** Removes whitespace and upper-cases, so "b8012 0000 5001" and "B801200005001" compare equal. */
export function normaliseUpn(input: string): string {
  return input.replace(/\s/g, '').toUpperCase();
}

/**
 * The check letter for the 12 characters after it (positions 2..13). Returns null when they are not
 * 11 digits followed by a digit or an allowed letter (I, O and S are not allowed).
 */
export function upnCheckLetter(last12: string): string | null {
  if (!ELEVEN_DIGITS_THEN_DIGIT_OR_LETTER.test(last12)) return null;
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const ch = last12[i]!;
    let value: number;
    if (ch >= '0' && ch <= '9') {
      value = ch.charCodeAt(0) - 48;
    } else {
      value = UPN_CHECK_ALPHABET.indexOf(ch);
      if (value < 0) return null; // I, O or S
    }
    sum += value * (i + 2);
  }
  return UPN_CHECK_ALPHABET[sum % 23] ?? null;
}

/** True for a well-formed UPN (permanent or temporary; whitespace and case tolerated) with the right check letter. */
export function isValidUpn(input: string): boolean {
  if (typeof input !== 'string') return false; // callers from untyped JSON
  const upn = normaliseUpn(input);
  if (!UPN_SHAPE.test(upn)) return false;
  return upnCheckLetter(upn.slice(1)) === upn[0];
}

/** True when a valid UPN is a temporary one (final character a letter). */
export function isTemporaryUpn(input: string): boolean {
  const upn = normaliseUpn(input);
  return isValidUpn(upn) && /[A-Z]$/.test(upn);
}

/** LA number used for synthetic UPNs: 999 is not allocated to any real local authority. */
export const SYNTHETIC_UPN_LA_CODE = '999';

/** How many distinct synthetic UPNs syntheticUpn can produce (n in 0..SYNTHETIC_UPN_COUNT-1). */
export const SYNTHETIC_UPN_COUNT = 10_000 * 1000;

/**
 * The n-th synthetic permanent UPN, LA number 999: same result for the same n, distinct for
 * distinct n. The establishment number carries n / 1000 and the serial n mod 1000; the year is
 * fixed at 25 because nothing in the hub reads meaning into it (DfE say no information should be
 * derived from the components).
 */
export function syntheticUpn(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= SYNTHETIC_UPN_COUNT) {
    throw new RangeError(`n must be an integer in 0..${SYNTHETIC_UPN_COUNT - 1}`);
  }
  const establishment = String(Math.floor(n / 1000)).padStart(4, '0');
  const serial = String(n % 1000).padStart(3, '0');
  const last12 = `${SYNTHETIC_UPN_LA_CODE}${establishment}25${serial}`;
  const check = upnCheckLetter(last12);
  if (check === null) throw new Error(`unreachable: numeric UPN body ${last12} has no check letter`);
  return `${check}${last12}`;
}
