import type { Principal } from './principal.ts';
import { roleMatchesOrgType } from './relationship.ts';

/**
 * Tenancy: one deployment serves several councils (local authorities). Every child belongs to
 * one council, the responsible local authority (its active `la_responsible` relationship), and
 * so do the child's consents, assessments, KPIs and audit events.
 *
 * The council a principal acts for, or null for those who act for no single council:
 * - an LA SEND officer's organisation IS the council (orgId `la-1`);
 * - an auditor's organisation is the council whose audit trail they oversee (orgId `la-1`,
 *   orgType `audit`): each council audits its own;
 * - schools, NHS bodies and social care may work for several councils (they see what each
 *   council's families consented to, through their own relationships), and families belong to
 *   none: null.
 * A role whose org type does not match gets null (nothing), like everywhere in the policy.
 */
export function councilOf(principal: Principal): string | null {
  if (!roleMatchesOrgType(principal)) return null;
  if (principal.role === 'la_send_officer' || principal.role === 'auditor') return principal.orgId;
  return null;
}
