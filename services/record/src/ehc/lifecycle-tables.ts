import { boolean, date, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { recordSchema } from '../tables.ts';

/** Exceptions to the EHC time limits (migrations/0009_ehc_lifecycle.sql; regs 5(4), 8(2), 10(4), 13(3)). */
export const ehcException = recordSchema.table('ehc_exception', {
  id: uuid('id').primaryKey(),
  assessmentId: uuid('assessment_id').notNull(),
  childId: uuid('child_id').notNull(),
  kind: text('kind', {
    enum: [
      'school_closure',
      'early_years_closure',
      'personal_circumstances',
      'absence_from_area',
      'missed_appointment',
    ],
  }).notNull(),
  fromDate: date('from_date', { mode: 'string' }).notNull(),
  toDate: date('to_date', { mode: 'string' }),
  adviceRequestId: uuid('advice_request_id'),
  evidence: text('evidence').notNull(),
  recordedBySub: text('recorded_by_sub').notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  endedBySub: text('ended_by_sub'),
  endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
});

/** Mediation and tribunal appeals (migrations/0009_ehc_lifecycle.sql; CFA 2014 s.51, regs 32-44). */
export const ehcAppeal = recordSchema.table('ehc_appeal', {
  id: uuid('id').primaryKey(),
  assessmentId: uuid('assessment_id').notNull(),
  childId: uuid('child_id').notNull(),
  route: text('route', { enum: ['mediation', 'tribunal'] }).notNull(),
  subject: text('subject', {
    enum: ['refusal_to_assess', 'refusal_to_issue', 'plan_contents', 'placement', 'cease'],
  }).notNull(),
  lodgedDate: date('lodged_date', { mode: 'string' }).notNull(),
  outcome: text('outcome'),
  outcomeDate: date('outcome_date', { mode: 'string' }),
  notToIssue: boolean('not_to_issue').notNull().default(false),
  firstStepDate: date('first_step_date', { mode: 'string' }),
  finalStepDate: date('final_step_date', { mode: 'string' }),
  recordedBySub: text('recorded_by_sub').notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** Existing advice reused instead of asked for again (migrations/0010_ehc_advice_reuse.sql; reg 6(4)). */
export const ehcAdviceReuse = recordSchema.table('ehc_advice_reuse', {
  id: uuid('id').primaryKey(),
  assessmentId: uuid('assessment_id').notNull(),
  childId: uuid('child_id').notNull(),
  agency: text('agency', {
    enum: ['health', 'social_care', 'educational_psychology', 'education'],
  }).notNull(),
  existingAdvice: text('existing_advice').notNull(),
  existingAdviceDate: date('existing_advice_date', { mode: 'string' }).notNull(),
  providerAgreedDate: date('provider_agreed_date', { mode: 'string' }).notNull(),
  familyAgreedDate: date('family_agreed_date', { mode: 'string' }).notNull(),
  familyAgreedBy: text('family_agreed_by', {
    enum: ['parent_carer', 'young_person', 'representative'],
  }).notNull(),
  recordedBySub: text('recorded_by_sub').notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
