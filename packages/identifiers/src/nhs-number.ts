/**
 * NHS number: 10 digits, the 10th a Modulus 11 check digit over the first nine
 * (NHS Data Dictionary, "NHS Number"). Numbers beginning 999 are never issued to patients
 * and are reserved for testing, so synthetic data uses only that range.
 */

const NINE_DIGITS = /^\d{9}$/;
const TEN_DIGITS = /^\d{10}$/;

/** Strips the spaces and hyphens people type or print between the digit groups. Nothing else is changed. */
export function normaliseNhsNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/**
 * The Modulus 11 check digit for the first nine digits: weights 10..2, check = 11 - (sum mod 11),
 * where 11 becomes 0. Returns null when no valid NHS number starts with `first9`: either it is not
 * nine digits, or the remainder gives 10 (such prefixes are never issued).
 */
export function nhsCheckDigit(first9: string): number | null {
  if (!NINE_DIGITS.test(first9)) return null;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (first9.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** True for a 10-digit NHS number (spaces/hyphens allowed) whose check digit is right. */
export function isValidNhsNumber(input: string): boolean {
  if (typeof input !== 'string') return false; // callers from untyped JSON
  const digits = normaliseNhsNumber(input);
  if (!TEN_DIGITS.test(digits)) return false;
  return nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/**
 * Display form "943 476 5919" (3-3-4, as printed on NHS letters). Throws on anything that is not
 * ten digits after normalising, so a mangled value is never dressed up as a real one; it does not
 * check the check digit (use isValidNhsNumber for that).
 */
export function formatNhsNumber(input: string): string {
  const digits = normaliseNhsNumber(input);
  if (!TEN_DIGITS.test(digits)) throw new RangeError('NHS number must be 10 digits');
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

/** How many distinct synthetic NHS numbers syntheticNhsNumber can produce (n in 0..SYNTHETIC_NHS_NUMBER_COUNT-1). */
export const SYNTHETIC_NHS_NUMBER_COUNT = 100_000 * 9;

/**
 * The n-th synthetic NHS number: prefix 999 (the test range), valid check digit, same result for
 * the same n, distinct for distinct n.
 *
 * Why blocks of nine: for a fixed 8-digit prefix the 9th digit carries weight 2, and 2 is
 * invertible mod 11, so the ten choices of 9th digit give ten different remainders — at most one
 * of them yields the forbidden check value 10. Every block of ten candidates therefore holds at
 * least nine usable ones, and taking exactly nine per block gives an O(1) injective mapping
 * without scanning from zero.
 */
export function syntheticNhsNumber(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= SYNTHETIC_NHS_NUMBER_COUNT) {
    throw new RangeError(`n must be an integer in 0..${SYNTHETIC_NHS_NUMBER_COUNT - 1}`);
  }
  const prefix8 = `999${String(Math.floor(n / 9)).padStart(5, '0')}`;
  let wanted = n % 9;
  for (let ninth = 0; ninth <= 9; ninth++) {
    const first9 = `${prefix8}${ninth}`;
    const check = nhsCheckDigit(first9);
    if (check === null) continue;
    if (wanted === 0) return `${first9}${check}`;
    wanted--;
  }
  // Unreachable by the argument above; kept so a future change to the loop fails loudly.
  throw new Error(`no synthetic NHS number for n=${n}`);
}
