/**
 * Who is calling. Built by the gateway from a verified external JWT and carried to the
 * subgraphs inside the gateway-signed internal context. Never built from raw headers.
 */
import {
  DOMAINS,
  type Domain,
  type OrgType,
  PURPOSES,
  type Purpose,
  ROLES,
  type Role,
} from './vocabulary.ts';

/** The org type each role must belong to; a token whose role and orgType disagree is rejected. */
export const ROLE_ORG_TYPE: Record<Role, OrgType> = {
  senco: 'school',
  health_practitioner: 'health',
  social_worker: 'social_care',
  la_send_officer: 'local_authority',
  parent_carer: 'family',
  young_person: 'family',
  auditor: 'audit',
};

export interface Principal {
  /** Subject id from the identity provider (stable, opaque). */
  sub: string;
  role: Role;
  /** Organisation id, e.g. a school URN-like id `school-1`, `icb-1`, `la-1`. Families: `family`. */
  orgId: string;
  orgType: OrgType;
  /** Display name for audit and the portal; not used for decisions. */
  name?: string;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && (PURPOSES as readonly string[]).includes(value);
}
export function isDomain(value: unknown): value is Domain {
  return typeof value === 'string' && (DOMAINS as readonly string[]).includes(value);
}
