/**
 * Demographic matching for the master child index: normalisation and a deterministic, points
 * based score. Pure (no IO), so every rule is unit-tested by hand-worked tables.
 *
 * The score is NEVER a reason to link on its own: it only decides whether a source record is
 * put in front of the council (review) and which children are shown as candidates. Automatic
 * links need an identifier that agrees with the date of birth (see resolve.ts).
 *
 * Points (maximum 100):
 *   given name   exact 25 · nickname/initial/one typo 15 · otherwise 0
 *   family name  exact 25 · one part of a double-barrelled name, or one/two typos 15 · otherwise 0
 *   birth date   exact 30 · day and month transposed 15 · otherwise 0
 *   sex          both known and equal 5 · both known and different −10 · otherwise 0
 *   postcode     equal 15 · same outward code (district) 5 · otherwise 0
 *   identifiers  an unverified NHS number or the LA child id equal +20 ·
 *                NHS numbers (or UPNs) both present and different −30 (−10 for UPNs)
 * The total is clamped to 0..100.
 */

/** At or above: a possible match, shown to the council in the review queue. */
export const REVIEW_THRESHOLD = 60;
/**
 * At or above: demographics alone say "this is that child". Used to refuse an automatic
 * identifier link when another child matches this strongly (name + date of birth at least).
 */
export const STRONG_THRESHOLD = 80;
/** Candidates kept per source record (best first). */
export const MAX_CANDIDATES = 5;

export type Sex = 'male' | 'female' | 'other' | 'unknown';

export interface Person {
  givenName: string;
  familyName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  sex?: Sex | null | undefined;
  postcode?: string | null | undefined;
  nhsNumber?: string | null | undefined;
  /** Whether the NHS number was verified against the NHS Personal Demographics Service. */
  nhsNumberVerified?: boolean | undefined;
  upn?: string | null | undefined;
  laChildId?: string | null | undefined;
}

export type Outcome = 'agree' | 'partial' | 'disagree' | 'unknown';
export type Field = 'givenName' | 'familyName' | 'dateOfBirth' | 'sex' | 'postcode' | 'identifiers';

export interface Comparison {
  field: Field;
  outcome: Outcome;
  points: number;
  /** Plain English: why, e.g. "nickname (bill = william)". */
  detail: string;
}

export interface Score {
  score: number;
  comparisons: Comparison[];
}

/**
 * A name for comparison: accents removed (NFKD, combining marks dropped), lower case,
 * hyphens, apostrophes, dots and other punctuation turned into spaces, whitespace collapsed.
 * "  Zoë  O'Brien-Smith " → "zoe o brien smith".
 */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** UK postcode for comparison: upper case, no spaces. "sw1a 1aa" → "SW1A1AA". */
export function normalisePostcode(postcode: string | null | undefined): string | null {
  if (!postcode) return null;
  const compact = postcode.toUpperCase().replace(/\s+/g, '');
  return compact.length >= 5 && compact.length <= 7 ? compact : null;
}

/** Outward code (the district): everything but the last three characters of the compact form. */
export function outwardCode(normalised: string): string {
  return normalised.slice(0, -3);
}

/** The date with day and month swapped, when that is a real date and differs; else null. */
export function transposedDate(date: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [, year, month, day] = match as unknown as [string, string, string, string];
  if (month === day || Number(day) > 12) return null;
  const swapped = `${year}-${day}-${month}`;
  const parsed = new Date(`${swapped}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === swapped ? swapped : null;
}

/**
 * Common English given-name variants (modest on purpose: a wrong equivalence only ever puts a
 * record in front of a person, it never links). Each group is one name.
 */
const NICKNAME_GROUPS: readonly string[][] = [
  ['william', 'will', 'bill', 'billy', 'liam'],
  ['robert', 'rob', 'bob', 'bobby', 'robbie'],
  ['elizabeth', 'liz', 'lizzie', 'beth', 'betty', 'eliza'],
  ['margaret', 'maggie', 'meg', 'peggy'],
  ['katherine', 'catherine', 'kate', 'katie', 'cathy', 'kathy'],
  ['alexander', 'alex', 'sandy', 'xander'],
  ['alexandra', 'alex', 'lexi', 'sasha'],
  ['thomas', 'tom', 'tommy'],
  ['james', 'jim', 'jimmy', 'jamie'],
  ['joseph', 'joe', 'joey'],
  ['jonathan', 'john', 'jon', 'johnny', 'jack'],
  ['michael', 'mike', 'mikey', 'mick'],
  ['daniel', 'dan', 'danny'],
  ['matthew', 'matt'],
  ['christopher', 'chris'],
  ['christina', 'christine', 'chris', 'tina'],
  ['samuel', 'sam', 'sammy'],
  ['samantha', 'sam', 'sammy'],
  ['benjamin', 'ben', 'benny'],
  ['oliver', 'ollie', 'olly'],
  ['charlotte', 'charlie', 'lottie'],
  ['charles', 'charlie', 'chas'],
  ['edward', 'ed', 'eddie', 'ted', 'teddy'],
  ['rebecca', 'becky', 'becca'],
  ['jessica', 'jess', 'jessie'],
  ['abigail', 'abbie', 'abby'],
  ['nicholas', 'nick', 'nicky'],
  ['anthony', 'tony'],
  ['richard', 'rich', 'ricky', 'dick'],
  ['harry', 'henry', 'hal'],
  ['amelia', 'millie', 'amy'],
  ['isabella', 'isabelle', 'bella', 'izzy'],
  ['sophie', 'sophia'],
  ['mohammed', 'muhammad', 'mohammad', 'mohamed'],
];

const NICKNAMES: ReadonlyMap<string, ReadonlySet<number>> = (() => {
  const map = new Map<string, Set<number>>();
  NICKNAME_GROUPS.forEach((group, index) => {
    for (const name of group) map.set(name, (map.get(name) ?? new Set()).add(index));
  });
  return map;
})();

function sameNicknameGroup(a: string, b: string): boolean {
  const groups = NICKNAMES.get(a);
  const other = NICKNAMES.get(b);
  if (!groups || !other) return false;
  for (const g of groups) if (other.has(g)) return true;
  return false;
}

/**
 * Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one
 * substring): insertions, deletions, substitutions and swaps of two adjacent letters cost 1.
 * Stops early past `max` (names are short; this bounds the work anyway).
 */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const previous = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
    rows.push(row);
    if (Math.min(...row) > max) return max + 1;
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** Typos tolerated for a name of this length: none for very short names, one, two from 8 letters. */
function typoAllowance(length: number): number {
  if (length < 4) return 0;
  return length >= 8 ? 2 : 1;
}

export function compareGivenNames(a: string, b: string): Comparison {
  const x = normaliseName(a);
  const y = normaliseName(b);
  const field = 'givenName' as const;
  if (!x || !y) return { field, outcome: 'unknown', points: 0, detail: 'missing' };
  if (x === y) return { field, outcome: 'agree', points: 25, detail: 'same' };
  // Compare first given names (a middle name on one side only is common).
  const fx = x.split(' ')[0] as string;
  const fy = y.split(' ')[0] as string;
  if (fx === fy) return { field, outcome: 'partial', points: 15, detail: 'same first given name' };
  if (sameNicknameGroup(fx, fy))
    return { field, outcome: 'partial', points: 15, detail: `nickname (${fx} / ${fy})` };
  if ((fx.length === 1 && fy.startsWith(fx)) || (fy.length === 1 && fx.startsWith(fy))) {
    return { field, outcome: 'partial', points: 15, detail: 'initial' };
  }
  const allowed = typoAllowance(Math.min(fx.length, fy.length));
  if (allowed > 0 && editDistance(fx, fy, allowed) <= allowed) {
    return { field, outcome: 'partial', points: 15, detail: 'spelling differs slightly' };
  }
  return { field, outcome: 'disagree', points: 0, detail: 'different' };
}

export function compareFamilyNames(a: string, b: string): Comparison {
  const x = normaliseName(a);
  const y = normaliseName(b);
  const field = 'familyName' as const;
  if (!x || !y) return { field, outcome: 'unknown', points: 0, detail: 'missing' };
  if (x === y) return { field, outcome: 'agree', points: 25, detail: 'same' };
  // "Smith-Jones" against "Smith" or "Jones": one side's parts all appear on the other.
  if (x.replace(/ /g, '') === y.replace(/ /g, ''))
    return { field, outcome: 'agree', points: 25, detail: 'same' };
  const px = new Set(x.split(' '));
  const py = new Set(y.split(' '));
  const [small, large] = px.size <= py.size ? [px, py] : [py, px];
  if ([...small].every((part) => large.has(part))) {
    return { field, outcome: 'partial', points: 15, detail: 'part of a double-barrelled name' };
  }
  const allowed = typoAllowance(Math.min(x.length, y.length));
  if (allowed > 0 && editDistance(x, y, allowed) <= allowed) {
    return { field, outcome: 'partial', points: 15, detail: 'spelling differs slightly' };
  }
  return { field, outcome: 'disagree', points: 0, detail: 'different' };
}

export function compareDates(a: string, b: string): Comparison {
  const field = 'dateOfBirth' as const;
  if (a === b) return { field, outcome: 'agree', points: 30, detail: 'same' };
  if (transposedDate(a) === b)
    return { field, outcome: 'partial', points: 15, detail: 'day and month swapped' };
  return { field, outcome: 'disagree', points: 0, detail: 'different' };
}

export function compareSex(a: Sex | null | undefined, b: Sex | null | undefined): Comparison {
  const field = 'sex' as const;
  const known = (s: Sex | null | undefined) => s === 'male' || s === 'female';
  if (!known(a) || !known(b)) return { field, outcome: 'unknown', points: 0, detail: 'not known on both' };
  return a === b
    ? { field, outcome: 'agree', points: 5, detail: 'same' }
    : { field, outcome: 'disagree', points: -10, detail: 'different' };
}

export function comparePostcodes(a: string | null | undefined, b: string | null | undefined): Comparison {
  const field = 'postcode' as const;
  const x = normalisePostcode(a);
  const y = normalisePostcode(b);
  if (!x || !y) return { field, outcome: 'unknown', points: 0, detail: 'not known on both' };
  if (x === y) return { field, outcome: 'agree', points: 15, detail: 'same' };
  if (outwardCode(x) === outwardCode(y))
    return { field, outcome: 'partial', points: 5, detail: 'same district' };
  return { field, outcome: 'disagree', points: 0, detail: 'different' };
}

/**
 * Identifiers as evidence for the score (automatic links are decided elsewhere): an NHS number
 * in common adds 20, an LA child id in common 20 more; two different NHS numbers take 30 away (different people,
 * unless one was superseded: a person must look), two different UPNs 10 (temporary UPNs change).
 */
export function compareIdentifiers(source: Person, child: Person): Comparison {
  const field = 'identifiers' as const;
  let points = 0;
  const details: string[] = [];
  if (source.nhsNumber && child.nhsNumber) {
    if (source.nhsNumber === child.nhsNumber) {
      points += 20;
      details.push('same NHS number');
    } else {
      points -= 30;
      details.push('different NHS numbers');
    }
  }
  if (source.upn && child.upn && source.upn !== child.upn) {
    points -= 10;
    details.push('different UPNs');
  }
  if (source.laChildId && child.laChildId && source.laChildId === child.laChildId) {
    points += 20;
    details.push('same LA child id');
  }
  if (details.length === 0) return { field, outcome: 'unknown', points: 0, detail: 'none in common' };
  return { field, outcome: points > 0 ? 'agree' : 'disagree', points, detail: details.join(', ') };
}

/** The deterministic score of a source record against one child (see the table at the top). */
export function scorePair(source: Person, child: Person): Score {
  const comparisons = [
    compareGivenNames(source.givenName, child.givenName),
    compareFamilyNames(source.familyName, child.familyName),
    compareDates(source.dateOfBirth, child.dateOfBirth),
    compareSex(source.sex, child.sex),
    comparePostcodes(source.postcode, child.postcode),
    compareIdentifiers(source, child),
  ];
  const total = comparisons.reduce((sum, c) => sum + c.points, 0);
  return { score: Math.max(0, Math.min(100, total)), comparisons };
}
