import type { BreakGlassEntry, ChildAccessFacts, ConsentRecord } from './facts.ts';
import { type Principal, ROLE_ORG_TYPE } from './principal.ts';
import type { Role } from './vocabulary.ts';

/**
 * Synthetic builders for tests and demo data. The ids line up: a principal from aPrincipal() has a
 * relationship with the child from someFacts() (one of everything, all active), so a test only
 * states what it changes.
 */

export const DEMO_CHILD_ID = 'child-1';

const DEFAULT_SUB: Record<Role, string> = {
  senco: 'demo-senco-1',
  health_practitioner: 'demo-health-1',
  social_worker: 'demo-social-worker-1',
  la_send_officer: 'demo-la-officer-1',
  parent_carer: 'demo-parent-1',
  young_person: 'demo-young-person-1',
  auditor: 'demo-auditor-1',
};

const DEFAULT_ORG_ID: Record<Role, string> = {
  senco: 'school-1',
  health_practitioner: 'icb-1',
  social_worker: 'sc-1',
  la_send_officer: 'la-1',
  parent_carer: 'family',
  young_person: 'family',
  auditor: 'audit-1',
};

export function aPrincipal(overrides: Partial<Principal> & { role: Role }): Principal {
  const { role } = overrides;
  return { sub: DEFAULT_SUB[role], orgId: DEFAULT_ORG_ID[role], orgType: ROLE_ORG_TYPE[role], ...overrides };
}

/** A child born 1 June 2015 (the parent carer decides until Friday 27 June 2031), known to every demo organisation. */
export function someFacts(overrides: Partial<ChildAccessFacts> = {}): ChildAccessFacts {
  return {
    childId: DEMO_CHILD_ID,
    dateOfBirth: '2015-06-01',
    relationships: [
      { orgId: 'school-1', kind: 'on_roll', active: true },
      { orgId: 'icb-1', kind: 'involvement', active: true },
      { orgId: 'sc-1', kind: 'allocated', active: true },
      { orgId: 'la-1', kind: 'la_responsible', active: true },
    ],
    parentCarerSubs: [DEFAULT_SUB.parent_carer],
    youngPersonSub: DEFAULT_SUB.young_person,
    parentAccessConfirmedByYoungPerson: false,
    consents: [],
    breakGlass: [],
    ...overrides,
  };
}

/** An open-ended consent by the demo parent carer: health → school, for an EHC assessment. */
export function aConsent(overrides: Partial<ConsentRecord> = {}): ConsentRecord {
  return {
    id: 'consent-1',
    childId: DEMO_CHILD_ID,
    domain: 'health',
    recipientOrgType: 'school',
    purpose: 'ehc_assessment',
    grantedBySub: DEFAULT_SUB.parent_carer,
    grantedByRole: 'parent_carer',
    startsAt: '2025-01-01T00:00:00.000Z',
    expiresAt: null,
    withdrawnAt: null,
    confirmedByYoungPersonAt: null,
    ...overrides,
  };
}

/** A 4-hour override by the demo social worker, from 1 March 2026 09:00 UTC. */
export function aBreakGlass(overrides: Partial<BreakGlassEntry> = {}): BreakGlassEntry {
  return {
    sub: DEFAULT_SUB.social_worker,
    reason: 'Police report of injury; checking known needs before a strategy meeting',
    startsAt: '2026-03-01T09:00:00.000Z',
    expiresAt: '2026-03-01T13:00:00.000Z',
    ...overrides,
  };
}
