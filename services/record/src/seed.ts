import type { DbHandle } from '@hub/db';
import { isOverCompulsorySchoolAge } from '@hub/policy';
import { englishDateTime } from '@hub/service-kit';
import { buildSendWorkflow, buildSyntheticDataset, type SyntheticDataset } from '@hub/synthetic';
import { eq, sql } from 'drizzle-orm';
import { ehcAdviceReuse, ehcAppeal, ehcException } from './ehc/index.ts';
import type { FamilyInformationContent } from './family-information/index.ts';
import {
  annualReview,
  capacityRepresentative,
  child,
  childRelationship,
  consent,
  ehcAdviceRequest,
  ehcAssessment,
  familyInformationVersion,
  familyMember,
} from './tables.ts';

/** Writes the record context's part of the synthetic data set; returns rows written. */
export async function seedRecord(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  const children = dataset.children.map((c) => ({
    id: c.id,
    givenName: c.givenName,
    familyName: c.familyName,
    dateOfBirth: c.dateOfBirth,
    nhsNumber: c.nhsNumber,
    upn: c.upn,
    laId: c.laId,
  }));
  const relationships = dataset.children.flatMap((c) => [
    { childId: c.id, orgId: c.schoolId, kind: 'on_roll' as const, active: true },
    // The responsible council: tenancy hangs on this relationship (see @hub/policy councilOf).
    { childId: c.id, orgId: c.councilId, kind: 'la_responsible' as const, active: true },
    ...dedupe(
      (c.health?.involvements ?? []).map((inv) => ({
        childId: c.id,
        orgId: inv.organisationId,
        kind: 'involvement' as const,
        active: inv.endDate === null,
      })),
    ),
    ...(c.socialCare?.allocatedWorker
      ? [
          {
            childId: c.id,
            orgId: c.socialCare.allocatedWorker.organisationId,
            kind: 'allocated' as const,
            active: true,
          },
        ]
      : []),
  ]);
  const family = dataset.children.flatMap((c) => [
    ...c.parentCarerSubs.map((sub) => ({ childId: c.id, sub, relationship: 'parent_carer' as const })),
    ...(c.youngPersonSub
      ? [{ childId: c.id, sub: c.youngPersonSub, relationship: 'young_person' as const }]
      : []),
  ]);
  await db.db.transaction(async (tx) => {
    for (const batch of chunks(children, 200)) await tx.insert(child).values(batch);
    for (const batch of chunks(relationships, 500)) await tx.insert(childRelationship).values(batch);
    for (const batch of chunks(family, 500)) await tx.insert(familyMember).values(batch);
  });
  return children.length + relationships.length + family.length + (await seedSendWorkflow(db, dataset));
}

/** The EHC workflow and family information of the synthetic data set (see @hub/synthetic send-workflow). */
export async function seedSendWorkflow(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  const workflow = buildSendWorkflow(dataset);
  // Recorded by the SEND officer of the child's own council.
  const councilOfChild = new Map(dataset.children.map((c) => [c.id, c.councilId]));
  const officerOf = new Map(
    dataset.demoUsers.filter((u) => u.role === 'la_send_officer').map((u) => [u.orgId, u.sub]),
  );
  const assessments = workflow.assessments.map(({ adviceRequests: _advice, ...a }) => ({
    ...a,
    recordedBySub: officerOf.get(councilOfChild.get(a.childId) ?? '') ?? 'demo-la-1',
  }));
  const advice = workflow.assessments.flatMap((a) =>
    a.adviceRequests.map((r) => ({ ...r, assessmentId: a.id, childId: a.childId })),
  );
  const family = workflow.familyInformation.map((f) => {
    const content: FamilyInformationContent = {
      aboutMe: f.aboutMe,
      contactPreferences: f.contactPreferences,
      reportedDiagnoses: f.reportedDiagnoses,
      previousAssessments: f.previousAssessments,
      schoolsAttended: f.schoolsAttended,
      // The synthetic families have told no key history yet.
      keyEvents: [],
    };
    return {
      // Same numbering as the data set's ids: kind, then the child's number, then the version.
      id: `f0000005${f.childId.slice(8, -4)}0001`,
      childId: f.childId,
      version: 1,
      content,
      changedFields: [
        'aboutMe',
        'contactPreferences',
        'reportedDiagnoses',
        'previousAssessments',
        'schoolsAttended',
      ],
      editedBySub: f.editedBySub,
      editedByRole: f.editedByRole,
      createdAt: new Date(f.editedAt),
    };
  });
  await db.db.transaction(async (tx) => {
    for (const batch of chunks(assessments, 200)) await tx.insert(ehcAssessment).values(batch);
    for (const batch of chunks(advice, 500)) await tx.insert(ehcAdviceRequest).values(batch);
    for (const batch of chunks(workflow.annualReviews, 500)) await tx.insert(annualReview).values(batch);
    // The rest of the EHC lifecycle (exceptions, mediation and appeals: migrations/0009).
    const recordedBy = (childId: string) => officerOf.get(councilOfChild.get(childId) ?? '') ?? 'demo-la-1';
    for (const batch of chunks(workflow.exceptions, 500))
      await tx
        .insert(ehcException)
        .values(batch.map((e) => ({ ...e, recordedBySub: recordedBy(e.childId) })));
    for (const batch of chunks(workflow.appeals, 500))
      await tx.insert(ehcAppeal).values(batch.map((e) => ({ ...e, recordedBySub: recordedBy(e.childId) })));
    for (const batch of chunks(family, 200)) await tx.insert(familyInformationVersion).values(batch);
    // Existing advice reused with agreement instead of asked for again (reg 6(4)).
    for (const batch of chunks(workflow.adviceReuses, 500))
      await tx
        .insert(ehcAdviceReuse)
        .values(batch.map((r) => ({ ...r, recordedBySub: recordedBy(r.childId) })));
    // Who acts for young people who lack capacity (Mental Capacity Act 2005; CFA 2014 s.80),
    // recorded by the child's council's SEND officer.
    for (const batch of chunks(workflow.capacityRepresentatives, 200))
      await tx.insert(capacityRepresentative).values(
        batch.map((r) => ({
          ...r,
          recordedAt: new Date(r.recordedAt),
          recordedBySub: recordedBy(r.childId),
          recordedByRole: 'la_send_officer',
          recordedByOrgId: councilOfChild.get(r.childId) ?? 'la-1',
        })),
      );
  });
  return (
    assessments.length +
    advice.length +
    workflow.annualReviews.length +
    family.length +
    workflow.exceptions.length +
    workflow.appeals.length +
    workflow.capacityRepresentatives.length +
    workflow.adviceReuses.length
  );
}

export async function seedRecordIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(child);
  if ((row?.n ?? 0) > 0) {
    // A database seeded before the EHC workflow existed (an older .data/): add just that part,
    // provided it holds the same synthetic children (ids are deterministic).
    const dataset = buildSyntheticDataset();
    const [ehc] = await db.db.select({ n: sql<number>`count(*)::int` }).from(ehcAssessment);
    const [first] = await db.db
      .select({ id: child.id })
      .from(child)
      .where(eq(child.id, dataset.children[0]!.id));
    return (ehc?.n ?? 0) === 0 && first ? seedSendWorkflow(db, dataset) : 0;
  }
  const dataset = buildSyntheticDataset();
  return (await seedRecord(db, dataset)) + (await seedDemoConsents(db, dataset));
}

const RECIPIENTS = ['school', 'health', 'social_care', 'local_authority'] as const;
const DOMAINS = ['education', 'health', 'social_care'] as const;

/**
 * Demo consents so `pnpm start` shows shared records: 7 in 10 families have consented to
 * sharing everything for an EHC needs assessment; 1 in 10 withdrew; 2 in 10 never consented.
 * Given by whoever decides for the child at the reference date. Tests do not use these: they
 * grant consent through the API.
 */
export async function seedDemoConsents(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  // Given four weeks before the reference day and, for those who withdrew, withdrawn two weeks
  // later: both in the past whatever the time of day. (Given at 09:00 on the reference day, as
  // once, the demo had no shared record before 09:00, and "withdrew" was two weeks ahead.)
  // Midnight in England starting the reference day (GMT or BST).
  const referenceDay = englishDateTime(`${dataset.referenceDate}T00:00:00`)!;
  const granted = new Date(referenceDay.getTime() - 28 * 86_400_000);
  const withdrawn = new Date(referenceDay.getTime() - 14 * 86_400_000);
  const rows = dataset.children.flatMap((c, i) => {
    const band = i % 10;
    if (band >= 8) return [];
    // The young person decides only after the end of compulsory school age (not merely having a login).
    const byYoungPerson = c.youngPersonSub !== null && isOverCompulsorySchoolAge(c.dateOfBirth, granted);
    const grantedBySub = byYoungPerson ? c.youngPersonSub! : c.parentCarerSubs[0]!;
    return DOMAINS.flatMap((domain) =>
      RECIPIENTS.map((recipientOrgType, j) => ({
        id: `a${String(i).padStart(7, '0')}-0000-4000-8000-${String(domain.length * 10 + j).padStart(12, '0')}`,
        childId: c.id,
        domain,
        recipientOrgType,
        purpose: 'ehc_assessment' as const,
        grantedBySub,
        grantedByRole: byYoungPerson ? ('young_person' as const) : ('parent_carer' as const),
        startsAt: granted,
        withdrawnAt: band === 7 ? withdrawn : null,
        withdrawnBySub: band === 7 ? grantedBySub : null,
      })),
    );
  });
  for (const batch of chunks(rows, 500)) await db.db.insert(consent).values(batch);
  return rows.length;
}

/** A child may have two involvements with the same organisation: one relationship row, active if any is. */
function dedupe<T extends { orgId: string; active: boolean }>(rows: T[]): T[] {
  const byOrg = new Map<string, T>();
  for (const row of rows) {
    const seen = byOrg.get(row.orgId);
    byOrg.set(row.orgId, seen ? { ...seen, active: seen.active || row.active } : row);
  }
  return [...byOrg.values()];
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
