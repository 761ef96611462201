import { isDecisionMaker } from './age.ts';
import type { BreakGlassEntry, ChildAccessFacts } from './facts.ts';
import { POLICY_TABLE } from './policy-table.ts';
import { type Principal, ROLE_ORG_TYPE, type Role } from './principal.ts';
import { HOUR_MS, instant } from './time.ts';

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
    case 'parental_responsibility':
      return (
        facts.parentCarerSubs.includes(principal.sub) &&
        (!isDecisionMaker(facts.dateOfBirth, now) || facts.parentAccessConfirmedByYoungPerson)
      );
    case 'self':
      // Under 16 the parent carer holds the record; the young person's own access starts at 16.
      return (
        facts.youngPersonSub !== null &&
        principal.sub === facts.youngPersonSub &&
        isDecisionMaker(facts.dateOfBirth, now)
      );
    default:
      return facts.relationships.some(
        (r) => r.active && r.orgId === principal.orgId && rule.includes(r.kind),
      );
  }
}

export const BREAK_GLASS_MAX_HOURS = 24;
export const BREAK_GLASS_MIN_REASON_LENGTH = 20;

export interface BreakGlassRequest {
  role: Role;
  reason: string;
  durationHours: number;
}

/** Every problem with a break-glass request at once, so the form can show them all. */
export function validateBreakGlassRequest(request: BreakGlassRequest): string[] {
  const problems: string[] = [];
  if (!POLICY_TABLE[request.role].mayBreakGlass) {
    problems.push(`Role ${request.role} may not use break-glass.`);
  }
  if (request.reason.trim().length < BREAK_GLASS_MIN_REASON_LENGTH) {
    problems.push(`Reason must be at least ${BREAK_GLASS_MIN_REASON_LENGTH} characters.`);
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
