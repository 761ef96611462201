import { isOverCompulsorySchoolAge } from './age.ts';
import { decisionMakers, isActiveRepresentative } from './decision-maker.ts';
import type { BreakGlassEntry, ChildAccessFacts } from './facts.ts';
import { POLICY_TABLE } from './policy-table.ts';
import { type Principal, ROLE_ORG_TYPE } from './principal.ts';
import { HOUR_MS, instant } from './time.ts';
import type { Role } from './vocabulary.ts';
import { refusal } from './writes.ts';

/**
 * The gateway already rejects tokens whose role and org type disagree; checking again here keeps
 * the policy safe to call from anywhere (a senco claiming orgType 'health' gets nothing).
 */
export function roleMatchesOrgType(principal: Principal): boolean {
  return ROLE_ORG_TYPE[principal.role] === principal.orgType;
}

/** May this principal see this child at all (before break-glass)? */
export function hasRelationship(principal: Principal, facts: ChildAccessFacts, now: Date): boolean {
  if (!roleMatchesOrgType(principal)) return false;
  const rule = POLICY_TABLE[principal.role].relationship;
  switch (rule) {
    case 'never':
      return false;
    case 'parental_responsibility': {
      // A capacity representative (who signs in with the family role) acts for the young person.
      if (isActiveRepresentative(facts, principal.sub, now)) return true;
      if (!facts.parentCarerSubs.includes(principal.sub)) return false;
      const { stage } = decisionMakers(facts, now);
      // Until the young person's login is set up, parent carers keep reading (nobody locked out).
      return (
        stage === 'child' || stage === 'awaiting_young_person' || facts.parentAccessConfirmedByYoungPerson
      );
    }
    case 'self':
      // Of compulsory school age the parent carer holds the record; the young person's own
      // access starts the day after the end of compulsory school age.
      return (
        facts.youngPersonSub !== null &&
        principal.sub === facts.youngPersonSub &&
        isOverCompulsorySchoolAge(facts.dateOfBirth, now)
      );
    default:
      return facts.relationships.some(
        (r) => r.active && r.orgId === principal.orgId && rule.includes(r.kind),
      );
  }
}

export const BREAK_GLASS_MAX_HOURS = 24;
/** Visible characters (see `visibleLength`), not code units: padding does not make a reason. */
export const BREAK_GLASS_MIN_REASON_LENGTH = 20;
/**
 * UTF-16 code units of the stored (normalised, trimmed) reason: the same unit and bound as the
 * audit store's `breakGlassReason` (packages/audit/src/event.ts imports this constant), so a
 * reason the record service accepts is always one the audit event can carry.
 */
export const BREAK_GLASS_REASON_MAX_LENGTH = 2000;

/**
 * Characters that show nothing and take no space: format characters (Cf: ZWSP/ZWNJ/ZWJ
 * U+200B-U+200D, word joiner U+2060, BOM U+FEFF, bidi marks, soft hyphen, tags...), controls
 * (Cc, other than whitespace), and letters/symbols that render blank (Hangul fillers U+115F,
 * U+1160, U+3164, U+FFA0; braille blank U+2800).
 */
const INVISIBLE = /(?![\t\n\v\f\r])[\p{Cf}\p{Cc}\u115F\u1160\u3164\uFFA0\u2800]/gu;
/** Any run of whitespace or separators (Z*: NBSP, em space, U+2028/2029...) reads as one space. */
const SPACES = /[\s\p{Z}]+/gu;

/** Free text as stored: Unicode NFC (one spelling per character), trimmed. */
export function normaliseFreeText(text: string): string {
  return text.normalize('NFC').trim();
}

/**
 * How many characters a person would see: after NFC, invisible characters removed, each run of
 * spaces counted once and none at either end. "Disclosure at school" is 20; twenty spaces or
 * zero-width spaces are 0.
 */
export function visibleLength(text: string): number {
  return [...text.normalize('NFC').replace(INVISIBLE, '').replace(SPACES, ' ').trim()].length;
}

export interface BreakGlassRequest {
  role: Role;
  reason: string;
  durationHours: number;
}

/**
 * Every problem with a break-glass request at once, so the form can show them all: the role
 * (the ability's `open` BreakGlass rule is made from the same table entry, and says it in the
 * same words) and breakGlassInputProblems.
 */
export function validateBreakGlassRequest(request: BreakGlassRequest): string[] {
  const role = POLICY_TABLE[request.role].mayBreakGlass
    ? []
    : [refusal('BREAK_GLASS_ROLE', { role: request.role }).reason];
  return [...role, ...breakGlassInputProblems(request)];
}

/** The reason and the duration of a break-glass request: every problem, [] when valid. */
export function breakGlassInputProblems(
  request: Pick<BreakGlassRequest, 'reason' | 'durationHours'>,
): string[] {
  const problems: string[] = [];
  const reason = typeof request.reason === 'string' ? request.reason : '';
  if (visibleLength(reason) < BREAK_GLASS_MIN_REASON_LENGTH) {
    problems.push(
      `Reason must be at least ${BREAK_GLASS_MIN_REASON_LENGTH} characters, not counting spaces or invisible characters.`,
    );
  }
  if (normaliseFreeText(reason).length > BREAK_GLASS_REASON_MAX_LENGTH) {
    problems.push(`Reason must be at most ${BREAK_GLASS_REASON_MAX_LENGTH} characters.`);
  }
  // Written so NaN fails too.
  if (!(request.durationHours > 0 && request.durationHours <= BREAK_GLASS_MAX_HOURS)) {
    problems.push(`Duration must be more than 0 and at most ${BREAK_GLASS_MAX_HOURS} hours.`);
  }
  return problems;
}

/**
 * The break-glass entry in force for this principal at `now`, if any. An entry that would not have
 * passed validateBreakGlassRequest (longer than 24h, short reason, role not allowed) is ignored
 * rather than trusted: the facts come from a database, and a bad row must not widen access.
 */
export function activeBreakGlass(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): BreakGlassEntry | null {
  if (!roleMatchesOrgType(principal)) return null;
  const t = now.getTime();
  return (
    facts.breakGlass.find((entry) => {
      const startsAt = instant(entry.startsAt);
      const expiresAt = instant(entry.expiresAt);
      const durationHours = (expiresAt - startsAt) / HOUR_MS;
      return (
        entry.sub === principal.sub &&
        startsAt <= t &&
        t < expiresAt &&
        validateBreakGlassRequest({ role: principal.role, reason: entry.reason, durationHours }).length === 0
      );
    }) ?? null
  );
}
