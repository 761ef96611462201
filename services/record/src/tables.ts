import { DOMAINS, FAMILY_ROLES, PURPOSES } from '@hub/policy';
import {
  boolean,
  char,
  date,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/** The record bounded context's own Postgres schema (see migrations/ for the DDL). */
export const recordSchema = pgSchema('record');

export const child = recordSchema.table('child', {
  id: uuid('id').primaryKey(),
  givenName: text('given_name').notNull(),
  familyName: text('family_name').notNull(),
  dateOfBirth: date('date_of_birth', { mode: 'string' }).notNull(),
  nhsNumber: char('nhs_number', { length: 10 }),
  upn: char('upn', { length: 13 }),
  laId: text('la_id'),
  parentAccessConfirmedByYoungPerson: boolean('parent_access_confirmed_by_young_person')
    .notNull()
    .default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const childRelationship = recordSchema.table(
  'child_relationship',
  {
    childId: uuid('child_id').notNull(),
    orgId: text('org_id').notNull(),
    kind: text('kind', { enum: ['on_roll', 'involvement', 'allocated', 'la_responsible'] }).notNull(),
    active: boolean('active').notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.childId, t.orgId, t.kind] })],
);

export const familyMember = recordSchema.table(
  'family_member',
  {
    childId: uuid('child_id').notNull(),
    sub: text('sub').notNull(),
    relationship: text('relationship', { enum: FAMILY_ROLES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.childId, t.sub] })],
);

export const consent = recordSchema.table('consent', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  domain: text('domain', { enum: DOMAINS }).notNull(),
  recipientOrgType: text('recipient_org_type', {
    enum: ['school', 'health', 'social_care', 'local_authority'],
  }).notNull(),
  purpose: text('purpose', { enum: PURPOSES }).notNull(),
  grantedBySub: text('granted_by_sub').notNull(),
  grantedByRole: text('granted_by_role', { enum: FAMILY_ROLES }).notNull(),
  startsAt: timestamp('starts_at', { withTimezone: true, mode: 'date' }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  withdrawnAt: timestamp('withdrawn_at', { withTimezone: true, mode: 'date' }),
  withdrawnBySub: text('withdrawn_by_sub'),
  confirmedByYoungPersonAt: timestamp('confirmed_by_young_person_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const breakGlass = recordSchema.table('break_glass', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  sub: text('sub').notNull(),
  role: text('role').notNull(),
  orgId: text('org_id').notNull(),
  reason: text('reason').notNull(),
  startsAt: timestamp('starts_at', { withTimezone: true, mode: 'date' }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const familyInformationVersion = recordSchema.table('family_information_version', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  version: integer('version').notNull(),
  content: jsonb('content').notNull(),
  changedFields: jsonb('changed_fields').notNull(),
  editedBySub: text('edited_by_sub').notNull(),
  editedByRole: text('edited_by_role', { enum: FAMILY_ROLES }).notNull(),
  editedByName: text('edited_by_name'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const familyItemConfirmation = recordSchema.table('family_item_confirmation', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  itemId: uuid('item_id').notNull(),
  itemDescription: text('item_description').notNull(),
  organisationId: text('organisation_id').notNull(),
  organisationType: text('organisation_type').notNull(),
  confirmedBySub: text('confirmed_by_sub').notNull(),
  note: text('note'),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const ehcAssessment = recordSchema.table('ehc_assessment', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  requestDate: date('request_date', { mode: 'string' }).notNull(),
  decision: text('decision', { enum: ['assess', 'not_assess'] }),
  decisionDate: date('decision_date', { mode: 'string' }),
  draftPlanSentDate: date('draft_plan_sent_date', { mode: 'string' }),
  finalPlanIssuedDate: date('final_plan_issued_date', { mode: 'string' }),
  // Reg 10 decision not to issue, and ceasing a plan (migrations/0009_ehc_lifecycle.sql).
  planDecision: text('plan_decision', { enum: ['issue', 'not_issue'] }),
  planDecisionDate: date('plan_decision_date', { mode: 'string' }),
  planCeasedDate: date('plan_ceased_date', { mode: 'string' }),
  planCeaseReason: text('plan_cease_reason'),
  recordedBySub: text('recorded_by_sub').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const ehcAdviceRequest = recordSchema.table('ehc_advice_request', {
  id: uuid('id').primaryKey(),
  assessmentId: uuid('assessment_id').notNull(),
  childId: uuid('child_id').notNull(),
  agency: text('agency', {
    enum: ['health', 'social_care', 'educational_psychology', 'education'],
  }).notNull(),
  sentDate: date('sent_date', { mode: 'string' }).notNull(),
  receivedDate: date('received_date', { mode: 'string' }),
});

export const annualReview = recordSchema.table('annual_review', {
  id: uuid('id').primaryKey(),
  assessmentId: uuid('assessment_id').notNull(),
  childId: uuid('child_id').notNull(),
  meetingDate: date('meeting_date', { mode: 'string' }).notNull(),
  decisionDate: date('decision_date', { mode: 'string' }),
  // Regs 20-22 (migrations/0009_ehc_lifecycle.sql).
  reportSentDate: date('report_sent_date', { mode: 'string' }),
  outcome: text('outcome', { enum: ['no_change', 'amend', 'cease'] }),
  amendmentProposedDate: date('amendment_proposed_date', { mode: 'string' }),
  amendedPlanIssuedDate: date('amended_plan_issued_date', { mode: 'string' }),
});

/** Who decides for a young person lacking capacity (see migrations/0005_capacity_representative.sql). */
export const capacityRepresentative = recordSchema.table('capacity_representative', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  representativeSub: text('representative_sub').notNull(),
  representativeKind: text('representative_kind', { enum: ['parent_carer', 'other_person'] }).notNull(),
  basis: text('basis', { enum: ['deputy', 'attorney', 'parent_acting'] }).notNull(),
  reason: text('reason').notNull(),
  recordedBySub: text('recorded_by_sub').notNull(),
  recordedByRole: text('recorded_by_role').notNull(),
  recordedByOrgId: text('recorded_by_org_id').notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull(),
  reviewBy: date('review_by', { mode: 'string' }).notNull(),
  endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
  endedBySub: text('ended_by_sub'),
  endedByRole: text('ended_by_role'),
  endedByOrgId: text('ended_by_org_id'),
  endReason: text('end_reason'),
});
