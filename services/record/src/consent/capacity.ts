import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import {
  type CapacityRepresentativeBasis,
  type ChildAccessFacts,
  canWrite,
  englandDate,
  type HandoverNotice,
  handoverNotice,
  hasRelationship,
  isRepresentativeActive,
  type Principal,
} from '@hub/policy';
import { HubError, childNotFound as notFound } from '@hub/service-kit';
import { and, desc, eq, gte, isNull } from 'drizzle-orm';
import { findChildren, loadAccessFacts } from '../repository.ts';
import { capacityRepresentative } from '../tables.ts';
import { toEntry } from './capacity-facts.ts';

/**
 * Capacity representatives: who decides for a young person who lacks capacity (Mental Capacity
 * Act 2005; CFA 2014 s.80). The council's SEND officer records one with the basis, the reason and
 * a review date; it counts (in @hub/policy) only after the end of compulsory school age, until
 * ended, and not after the review date.
 */

const BASES: readonly CapacityRepresentativeBasis[] = ['deputy', 'attorney', 'parent_acting'];
export const MIN_REASON_LENGTH = 20;
export const MAX_REASON_LENGTH = 2000;
/** A record must be reviewed within a year: capacity is decision- and time-specific. */
export const MAX_REVIEW_DAYS = 366;

type Row = typeof capacityRepresentative.$inferSelect;

export interface CapacityRepresentativeView {
  id: string;
  childId: string;
  representativeSub: string;
  representativeKind: 'parent_carer' | 'other_person';
  basis: CapacityRepresentativeBasis;
  reason: string;
  recordedBySub: string;
  recordedByRole: string;
  recordedByOrgId: string;
  recordedAt: string;
  reviewBy: string;
  endedAt: string | null;
  endedBySub: string | null;
  endReason: string | null;
  /** Counts at this moment (recorded, not ended, not past review). */
  active: boolean;
}

function view(row: Row, now: Date): CapacityRepresentativeView {
  return {
    id: row.id,
    childId: row.childId,
    representativeSub: row.representativeSub,
    representativeKind: row.representativeKind,
    basis: row.basis,
    reason: row.reason,
    recordedBySub: row.recordedBySub,
    recordedByRole: row.recordedByRole,
    recordedByOrgId: row.recordedByOrgId,
    recordedAt: row.recordedAt.toISOString(),
    reviewBy: row.reviewBy,
    endedAt: row.endedAt ? row.endedAt.toISOString() : null,
    endedBySub: row.endedBySub,
    endReason: row.endReason,
    active: isRepresentativeActive(toEntry(row), now),
  };
}

/** Children for whom this login is a recorded representative (not ended, not past review). */
export async function childIdsRepresentedBy(db: DbHandle, sub: string): Promise<string[]> {
  const rows = await db.db
    .selectDistinct({ childId: capacityRepresentative.childId })
    .from(capacityRepresentative)
    .where(
      and(
        eq(capacityRepresentative.representativeSub, sub),
        isNull(capacityRepresentative.endedAt),
        gte(capacityRepresentative.reviewBy, englandDate(new Date())),
      ),
    );
  return rows.map((r) => r.childId);
}

/** The council officer who records (and ends) who acts for this young person: the ability's `record`. */
function recordsRepresentatives(principal: Principal, facts: ChildAccessFacts, now: Date): boolean {
  return canWrite(principal, facts, now, ['record', 'CapacityRepresentative']).allowed;
}

async function factsFor(db: DbHandle, childId: string): Promise<ChildAccessFacts | undefined> {
  return (await loadAccessFacts(db, [childId])).get(childId);
}

/** The council officer's check; children outside their council read as not found. */
async function requireCouncilOfficer(db: DbHandle, principal: Principal, childId: string, now: Date) {
  const facts = await factsFor(db, childId);
  if (!facts) throw notFound(childId);
  const decision = canWrite(principal, facts, now, ['record', 'CapacityRepresentative']);
  if (!decision.allowed) {
    if (principal.role === 'la_send_officer' || !hasRelationship(principal, facts, now))
      throw notFound(childId);
    throw new HubError('FORBIDDEN', decision.reason);
  }
  return facts;
}

export interface RecordCapacityRepresentativeInput {
  childId: string;
  representativeSub: string;
  basis: string;
  reason: string;
  reviewBy: string;
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export async function recordCapacityRepresentative(
  db: DbHandle,
  principal: Principal,
  input: RecordCapacityRepresentativeInput,
  now = new Date(),
): Promise<CapacityRepresentativeView> {
  const problems: string[] = [];
  const sub = typeof input.representativeSub === 'string' ? input.representativeSub.trim() : '';
  if (sub.length < 1 || sub.length > 200) problems.push('representativeSub must be 1 to 200 characters');
  if (!BASES.includes(input.basis as CapacityRepresentativeBasis))
    problems.push(`basis must be one of ${BASES.join(', ')}`);
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length < MIN_REASON_LENGTH || reason.length > MAX_REASON_LENGTH)
    problems.push(`reason must be ${MIN_REASON_LENGTH} to ${MAX_REASON_LENGTH} characters`);
  const today = englandDate(now);
  const reviewBy = input.reviewBy;
  const validDate =
    typeof reviewBy === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(reviewBy) &&
    new Date(`${reviewBy}T00:00:00Z`).toISOString().slice(0, 10) === reviewBy;
  if (!validDate) problems.push('reviewBy must be a real date written YYYY-MM-DD');
  else if (reviewBy < today || reviewBy > addDays(today, MAX_REVIEW_DAYS))
    problems.push(`reviewBy must be between today and ${MAX_REVIEW_DAYS} days from today`);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid capacity representative: ${problems.join('; ')}.`, {
      problems,
    });

  const facts = await requireCouncilOfficer(db, principal, input.childId, now);
  const basis = input.basis as CapacityRepresentativeBasis;
  const isParent = facts.parentCarerSubs.includes(sub);
  if (basis === 'parent_acting' && !isParent) {
    throw new HubError(
      'INVALID_INPUT',
      'A parent acting for the young person must be one of their parent carers.',
      {
        problems: ['representativeSub is not a parent carer of this child'],
      },
    );
  }
  if (sub === facts.youngPersonSub) {
    throw new HubError('INVALID_INPUT', 'The young person cannot be their own representative.', {
      problems: ['representativeSub is the young person'],
    });
  }
  // Reviewing = recording again: a record past its review date no longer blocks a new one.
  const open = (facts.capacityRepresentatives ?? []).some(
    (r) => r.sub === sub && r.endedAt === null && r.reviewBy >= today,
  );
  if (open) {
    throw new HubError(
      'CONFLICT',
      'This person is already recorded as the representative; end that record first to change it.',
    );
  }
  const [row] = await db.db
    .insert(capacityRepresentative)
    .values({
      id: randomUUID(),
      childId: input.childId,
      representativeSub: sub,
      representativeKind: isParent ? 'parent_carer' : 'other_person',
      basis,
      reason,
      recordedBySub: principal.sub,
      recordedByRole: principal.role,
      recordedByOrgId: principal.orgId,
      recordedAt: now,
      reviewBy,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return view(row, now);
}

export async function endCapacityRepresentative(
  db: DbHandle,
  principal: Principal,
  input: { id: string; reason: string },
  now = new Date(),
): Promise<CapacityRepresentativeView> {
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length < MIN_REASON_LENGTH || reason.length > MAX_REASON_LENGTH) {
    throw new HubError(
      'INVALID_INPUT',
      `reason must be ${MIN_REASON_LENGTH} to ${MAX_REASON_LENGTH} characters.`,
      {
        problems: ['reason'],
      },
    );
  }
  const [existing] = await db.db
    .select()
    .from(capacityRepresentative)
    .where(eq(capacityRepresentative.id, input.id));
  const missing = new HubError(
    'NOT_FOUND',
    `No capacity representative record has id ${input.id} that you can see.`,
  );
  if (!existing) throw missing;
  try {
    await requireCouncilOfficer(db, principal, existing.childId, now);
  } catch (error) {
    // Same answer as an unknown id: a refusal must not confirm that the record exists.
    if (error instanceof HubError && error.code === 'NOT_FOUND') throw missing;
    throw error;
  }
  if (existing.endedAt) throw new HubError('CONFLICT', 'This record was already ended.');
  const [row] = await db.db
    .update(capacityRepresentative)
    .set({
      endedAt: now,
      endedBySub: principal.sub,
      endedByRole: principal.role,
      endedByOrgId: principal.orgId,
      endReason: reason,
    })
    .where(and(eq(capacityRepresentative.id, input.id), isNull(capacityRepresentative.endedAt)))
    .returning();
  if (!row) throw new HubError('CONFLICT', 'This record was already ended.');
  return view(row, now);
}

/**
 * Who may read a child's capacity-representative records: the council officer, and the family
 * members who can open the record (they need to know who decides). Newest first.
 */
export async function listCapacityRepresentatives(
  db: DbHandle,
  principal: Principal,
  childId: string,
  now = new Date(),
): Promise<CapacityRepresentativeView[]> {
  const facts = await factsFor(db, childId);
  const family = principal.role === 'parent_carer' || principal.role === 'young_person';
  const allowed =
    facts &&
    (recordsRepresentatives(principal, facts, now) || (family && hasRelationship(principal, facts, now)));
  if (!allowed) throw notFound(childId);
  const rows = await db.db
    .select()
    .from(capacityRepresentative)
    .where(eq(capacityRepresentative.childId, childId))
    .orderBy(desc(capacityRepresentative.recordedAt), desc(capacityRepresentative.id));
  return rows.map((row) => view(row, now));
}

/**
 * When decisions pass to the young person, with the notices for the family. For the family
 * members listed on the record (even a parent carer who can no longer open it: they need to
 * know why), active representatives, and the council responsible for the child.
 */
export async function decisionHandoverFor(
  db: DbHandle,
  principal: Principal,
  childId: string,
  asAt?: string | null,
  now = new Date(),
): Promise<HandoverNotice & { childId: string }> {
  let at = now;
  if (asAt !== undefined && asAt !== null) {
    const valid =
      typeof asAt === 'string' &&
      /^\d{4}-\d{2}-\d{2}$/.test(asAt) &&
      new Date(`${asAt}T00:00:00Z`).toISOString().slice(0, 10) === asAt;
    if (!valid)
      throw new HubError('INVALID_INPUT', 'asAt must be a real date written YYYY-MM-DD.', { field: 'asAt' });
    // Midday: the same calendar date in England whether on GMT or BST.
    at = new Date(`${asAt}T12:00:00Z`);
  }
  const facts = await factsFor(db, childId);
  if (!facts) throw notFound(childId);
  const listedFamily =
    (principal.role === 'parent_carer' &&
      (facts.parentCarerSubs.includes(principal.sub) || hasRelationship(principal, facts, now))) ||
    (principal.role === 'young_person' && facts.youngPersonSub === principal.sub);
  if (!listedFamily && !recordsRepresentatives(principal, facts, now)) throw notFound(childId);
  const name = (await findChildren(db, [childId])).get(childId)?.givenName ?? 'your child';
  return { childId, ...handoverNotice(facts, at, name) };
}
