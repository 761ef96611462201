import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import {
  activeBreakGlass,
  breakGlassInputProblems,
  type ChildAccessFacts,
  type ConsentRecord,
  canWrite,
  type Domain,
  hasRelationship,
  isConsentActive,
  normaliseFreeText,
  type Principal,
  type Purpose,
  roleMatchesOrgType,
} from '@hub/policy';
import { childNotFound, HubError, notFound } from '@hub/service-kit';
import { and, desc, eq, gt, isNull, lte } from 'drizzle-orm';
import { loadAccessFacts, toConsentRecord } from '../repository.ts';
import { breakGlass, child, consent } from '../tables.ts';

export type ConsentStatus =
  | 'active'
  | 'scheduled'
  | 'withdrawn'
  | 'expired'
  | 'needs_young_person_confirmation';

export interface ConsentView extends ConsentRecord {
  status: ConsentStatus;
  createdAt: string;
}

/** Status as a person would read it, at `now`. */
export function consentStatus(record: ConsentRecord, facts: ChildAccessFacts, now: Date): ConsentStatus {
  const t = now.getTime();
  // A consent closed after it had expired (a new grant for the same choice closes it) expired.
  if (
    record.expiresAt &&
    record.withdrawnAt &&
    Date.parse(record.expiresAt) <= Date.parse(record.withdrawnAt)
  )
    return 'expired';
  if (record.withdrawnAt && Date.parse(record.withdrawnAt) <= t) return 'withdrawn';
  if (record.expiresAt && Date.parse(record.expiresAt) <= t) return 'expired';
  if (Date.parse(record.startsAt) > t) return 'scheduled';
  if (isConsentActive(record, facts, now)) return 'active';
  // Not active although in its period: a parent carer's consent after the handover day.
  return 'needs_young_person_confirmation';
}

/**
 * Whether the caller may learn that this child exists: they can see the record (relationship, or
 * a break-glass in force) or they are listed as its family. Everyone else gets exactly the answer
 * an unknown id gets, so a refusal is never an oracle for "this id is a real child" (or "this id
 * is a real consent"). Callers who know the child get the specific FORBIDDEN reason instead.
 */
function knowsChild(principal: Principal, facts: ChildAccessFacts, now: Date): boolean {
  if (hasRelationship(principal, facts, now) || activeBreakGlass(principal, facts, now) !== null) return true;
  if (!roleMatchesOrgType(principal)) return false;
  return (
    (principal.role === 'parent_carer' && facts.parentCarerSubs.includes(principal.sub)) ||
    (principal.role === 'young_person' && facts.youngPersonSub === principal.sub)
  );
}

function consentNotFound(consentId: string): HubError {
  return notFound('consent', 'consentId', consentId);
}

/** Access facts of a child the caller may know about; otherwise NOT_FOUND, as for an unknown id. */
async function factsFor(
  db: DbHandle,
  principal: Principal,
  childId: string,
  now: Date,
  notFound: HubError = childNotFound(childId),
): Promise<ChildAccessFacts> {
  const facts = (await loadAccessFacts(db, [childId])).get(childId);
  if (!facts || !knowsChild(principal, facts, now)) throw notFound;
  return facts;
}

function view(row: typeof consent.$inferSelect, facts: ChildAccessFacts, now: Date): ConsentView {
  const record = toConsentRecord(row);
  return { ...record, status: consentStatus(record, facts, now), createdAt: row.createdAt.toISOString() };
}

function parseTimestamp(value: unknown, field: string, problems: string[]): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ||
    Number.isNaN(date.getTime())
  ) {
    problems.push(`${field} must be an ISO date or timestamp, e.g. 2026-12-31 or 2026-12-31T17:00:00Z`);
    return undefined;
  }
  return date;
}

export interface GrantInput {
  childId: string;
  domain: Domain;
  recipientOrgType: 'school' | 'health' | 'social_care' | 'local_authority';
  purpose: Purpose;
  startsAt?: string | null;
  expiresAt?: string | null;
}

/**
 * Records a consent. Only the person who decides for the child may grant (the ability's `give`
 * on Consent): the parent carer of a child of compulsory school age, afterwards the young person
 * themself (or their capacity representative). Validation happens before any write.
 */
export async function grantConsent(
  db: DbHandle,
  principal: Principal,
  input: GrantInput,
  now = new Date(),
): Promise<ConsentView> {
  const problems: string[] = [];
  const startsAt = parseTimestamp(input.startsAt, 'startsAt', problems) ?? now;
  const expiresAt = parseTimestamp(input.expiresAt, 'expiresAt', problems);
  if (expiresAt && expiresAt.getTime() <= now.getTime()) problems.push('expiresAt must be in the future');
  if (expiresAt && expiresAt.getTime() <= startsAt.getTime())
    problems.push('expiresAt must be after startsAt');
  if (startsAt.getTime() < now.getTime() - 5 * 60_000) problems.push('startsAt cannot be in the past');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid consent: ${problems.join('; ')}.`, { problems });

  const facts = await factsFor(db, principal, input.childId, now);
  const decision = canWrite(principal, facts, now, ['give', 'Consent']);
  if (!decision.allowed) {
    throw new HubError('FORBIDDEN', `You cannot give consent for this child: ${decision.reason}.`);
  }
  const choice = and(
    eq(consent.childId, input.childId),
    eq(consent.domain, input.domain),
    eq(consent.recipientOrgType, input.recipientOrgType),
    eq(consent.purpose, input.purpose),
  );
  // The database keeps one open (not withdrawn) consent per choice (migration 0011). One that no
  // longer counts (expired, or a parent carer's awaiting the young person) is closed first, so the
  // new one can take its place; one that counts, or is scheduled, is the answer (a second click,
  // tab or retry changes nothing).
  const stale = facts.consents
    .filter(
      (c) =>
        c.childId === input.childId &&
        c.domain === input.domain &&
        c.recipientOrgType === input.recipientOrgType &&
        c.purpose === input.purpose &&
        !c.withdrawnAt,
    )
    .filter((c) => {
      const status = consentStatus(c, facts, now);
      return status === 'expired' || status === 'needs_young_person_confirmation';
    });
  for (const c of stale) {
    await db.db
      .update(consent)
      .set({ withdrawnAt: now, withdrawnBySub: principal.sub })
      .where(and(eq(consent.id, c.id), isNull(consent.withdrawnAt)));
  }
  const [row] = await db.db
    .insert(consent)
    .values({
      id: randomUUID(),
      childId: input.childId,
      domain: input.domain,
      recipientOrgType: input.recipientOrgType,
      purpose: input.purpose,
      grantedBySub: principal.sub,
      grantedByRole: principal.role === 'young_person' ? 'young_person' : 'parent_carer',
      startsAt,
      expiresAt: expiresAt ?? null,
    })
    // Concurrent grants for one choice: the unique index decides, and the loser returns the
    // winner's consent below (neither an error nor a second consent).
    .onConflictDoNothing({
      target: [consent.childId, consent.domain, consent.recipientOrgType, consent.purpose],
      where: isNull(consent.withdrawnAt),
    })
    .returning();
  if (row) return view(row, facts, now);
  const [open] = await db.db
    .select()
    .from(consent)
    .where(and(choice, isNull(consent.withdrawnAt)));
  if (!open) throw new HubError('CONFLICT', 'The consent changed while it was being recorded. Try again.');
  // The winner of a race started its consent at ITS clock, which may be a moment after this
  // request's: read as at that start, or every loser would call the same consent 'scheduled'.
  // Only for a moment's difference: a consent really scheduled for later still reads so.
  const raced = open.startsAt.getTime() > now.getTime() && open.startsAt.getTime() - now.getTime() < 5_000;
  const fresh = (await loadAccessFacts(db, [input.childId])).get(input.childId) ?? facts;
  return view(open, fresh, raced ? open.startsAt : now);
}

/** A consent of a child the caller may know about, with that child's facts; else NOT_FOUND. */
async function consentById(db: DbHandle, principal: Principal, id: string, now: Date) {
  const [row] = await db.db.select().from(consent).where(eq(consent.id, id));
  if (!row) throw consentNotFound(id);
  return { row, facts: await factsFor(db, principal, row.childId, now, consentNotFound(id)) };
}

/** Withdrawal takes effect immediately (the very next request sees it) and is final. */
export async function withdrawConsent(
  db: DbHandle,
  principal: Principal,
  id: string,
  now = new Date(),
): Promise<ConsentView> {
  const { row, facts } = await consentById(db, principal, id, now);
  // Withdrawing only narrows sharing: allowed to parent carers while the young person's login is not set up.
  const decision = canWrite(principal, facts, now, ['withdraw', 'Consent']);
  if (!decision.allowed) {
    throw new HubError('FORBIDDEN', `You cannot withdraw consent for this child: ${decision.reason}.`);
  }
  // Withdrawing twice (a double click, a retry) is not an error: the consent is withdrawn. Its
  // status is read as at the withdrawal or later (a concurrent request may have withdrawn it a
  // moment after this one's clock was read), so every answer is the same.
  const withdrawn = { ...facts, consents: facts.consents.filter((c) => c.id !== id) };
  const asAt = (r: typeof row) => new Date(Math.max(now.getTime(), r.withdrawnAt?.getTime() ?? 0));
  if (row.withdrawnAt) return view(row, withdrawn, asAt(row));
  const [updated] = await db.db
    .update(consent)
    .set({ withdrawnAt: now, withdrawnBySub: principal.sub })
    .where(and(eq(consent.id, id), isNull(consent.withdrawnAt)))
    .returning();
  if (updated) return view(updated, withdrawn, now);
  // Withdrawn by a concurrent request a moment ago: the same answer.
  const [again] = await db.db.select().from(consent).where(eq(consent.id, id));
  if (!again) throw consentNotFound(id);
  return view(again, withdrawn, asAt(again));
}

/** A young person (over compulsory school age) confirms a consent their parent carer gave, so it keeps counting. */
export async function confirmConsent(
  db: DbHandle,
  principal: Principal,
  id: string,
  now = new Date(),
): Promise<ConsentView> {
  const { row, facts } = await consentById(db, principal, id, now);
  const decision = canWrite(principal, facts, now, ['confirm', 'Consent']);
  if (!decision.allowed) throw new HubError('FORBIDDEN', decision.reason);
  if (row.grantedByRole !== 'parent_carer')
    throw new HubError('CONFLICT', 'Only a parent carer’s consent needs confirming.');
  if (row.withdrawnAt || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) {
    throw new HubError('CONFLICT', 'This consent is withdrawn or expired; give a new consent instead.');
  }
  if (row.confirmedByYoungPersonAt) throw new HubError('CONFLICT', 'This consent is already confirmed.');
  const [updated] = await db.db
    .update(consent)
    .set({ confirmedByYoungPersonAt: now })
    .where(eq(consent.id, id))
    .returning();
  if (!updated) throw new Error('update returned no row');
  return view(updated, await factsFor(db, principal, row.childId, now), now);
}

/**
 * The child's facts for someone who may see its sharing choices: the family and partners
 * involved with the child. Family members who may not see the record (a parent carer of a
 * young person who has not agreed) know the child exists, but the choices are still not
 * theirs: the same answer as an unknown id.
 */
export async function sharingFactsFor(
  db: DbHandle,
  principal: Principal,
  childId: string,
  now: Date,
): Promise<ChildAccessFacts> {
  const facts = await factsFor(db, principal, childId, now);
  if (!hasRelationship(principal, facts, now)) throw childNotFound(childId);
  return facts;
}

/**
 * The full consent history of a child, newest first: for the family and for partners involved
 * with the child (so they can see why a section is closed). Never shows who granted it.
 */
export async function listConsents(
  db: DbHandle,
  principal: Principal,
  childId: string,
  now = new Date(),
): Promise<ConsentView[]> {
  const facts = await sharingFactsFor(db, principal, childId, now);
  const rows = await db.db
    .select()
    .from(consent)
    .where(eq(consent.childId, childId))
    .orderBy(desc(consent.createdAt), desc(consent.id));
  return rows.map((row) => view(row, facts, now));
}

export async function openBreakGlass(
  db: DbHandle,
  principal: Principal,
  input: { childId: string; reason: string; durationHours: number },
  now = new Date(),
) {
  // The role is the ability's `open` on BreakGlass (a rule that needs no child); the reason and
  // the duration are the request's. Every problem is told at once, the role's first.
  const allowed = canWrite(principal, null, now, ['open', 'BreakGlass']);
  const problems = [
    ...(allowed.allowed ? [] : [allowed.reason]),
    ...breakGlassInputProblems({ reason: input.reason, durationHours: input.durationHours }),
  ];
  if (problems.length > 0) {
    const forbidden = !allowed.allowed;
    throw new HubError(
      forbidden ? 'FORBIDDEN' : 'INVALID_INPUT',
      `Break-glass refused: ${problems.map((p) => p.replace(/\.$/, '')).join('; ')}.`,
      {
        problems,
      },
    );
  }
  // Break-glass needs no relationship (that is its point), so a permitted role learns whether the
  // id is a child; roles that may not break glass were refused above without looking.
  if (!(await loadAccessFacts(db, [input.childId])).has(input.childId)) throw childNotFound(input.childId);
  const [row] = await db.db
    .insert(breakGlass)
    .values({
      id: randomUUID(),
      childId: input.childId,
      sub: principal.sub,
      role: principal.role,
      orgId: principal.orgId,
      // What was validated is what is stored (and audited): NFC, trimmed.
      reason: normaliseFreeText(input.reason),
      startsAt: now,
      expiresAt: new Date(now.getTime() + input.durationHours * 3_600_000),
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return {
    id: row.id,
    childId: row.childId,
    reason: row.reason,
    startsAt: row.startsAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

/**
 * The caller's own break-glass on a child that is in force now (the latest to expire), or null:
 * the portal shows it (reason, until when) on every page of the record it opens. Only the caller's
 * own: whether someone else broke glass is for auditors. Null reads the same for an unknown child.
 */
export async function myActiveBreakGlass(
  db: DbHandle,
  principal: Principal,
  childId: string,
  now = new Date(),
) {
  const [row] = await db.db
    .select()
    .from(breakGlass)
    .where(
      and(
        eq(breakGlass.childId, childId),
        eq(breakGlass.sub, principal.sub),
        eq(breakGlass.orgId, principal.orgId),
        lte(breakGlass.startsAt, now),
        gt(breakGlass.expiresAt, now),
      ),
    )
    .orderBy(desc(breakGlass.expiresAt))
    .limit(1);
  return row
    ? {
        id: row.id,
        childId: row.childId,
        reason: row.reason,
        startsAt: row.startsAt.toISOString(),
        expiresAt: row.expiresAt.toISOString(),
      }
    : null;
}

/**
 * The young person's own record, after the end of compulsory school age: only they (or, while one
 * is recorded, their capacity representative) decide (and see) whether parent carers may look.
 */
async function youngPersonOwnFacts(db: DbHandle, principal: Principal, childId: string, now: Date) {
  const facts = await factsFor(db, principal, childId, now);
  const decision = canWrite(principal, facts, now, ['decide', 'ParentCarerAccess']);
  if (!decision.allowed) throw new HubError('FORBIDDEN', decision.reason);
  return facts;
}

/** Whether the young person has agreed that their parent carers may keep seeing the record. */
export async function getParentCarerAccess(
  db: DbHandle,
  principal: Principal,
  childId: string,
  now = new Date(),
) {
  return (await youngPersonOwnFacts(db, principal, childId, now)).parentAccessConfirmedByYoungPerson;
}

/** Only the young person (or their representative), after compulsory school age, decides whether parent carers keep seeing the record. */
export async function setParentCarerAccess(
  db: DbHandle,
  principal: Principal,
  childId: string,
  allowed: boolean,
  now = new Date(),
) {
  await youngPersonOwnFacts(db, principal, childId, now);
  await db.db.update(child).set({ parentAccessConfirmedByYoungPerson: allowed }).where(eq(child.id, childId));
  return allowed;
}
