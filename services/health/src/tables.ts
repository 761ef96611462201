import { date, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const healthSchema = pgSchema('health');

export const healthRecord = healthSchema.table('health_record', {
  childId: uuid('child_id').primaryKey(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

export const involvement = healthSchema.table('involvement', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  organisationId: text('organisation_id').notNull(),
  service: text('service').notNull(),
  startDate: date('start_date', { mode: 'string' }).notNull(),
  endDate: date('end_date', { mode: 'string' }),
});

export const pathwayWait = healthSchema.table('pathway_wait', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  pathway: text('pathway', { enum: ['NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE'] }).notNull(),
  referralDate: date('referral_date', { mode: 'string' }).notNull(),
  seenDate: date('seen_date', { mode: 'string' }),
});

export const diagnosis = healthSchema.table('diagnosis', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  description: text('description').notNull(),
  diagnosedOn: date('diagnosed_on', { mode: 'string' }),
});
