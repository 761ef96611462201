import { date, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const socialCareSchema = pgSchema('social_care');

export const caseRecord = socialCareSchema.table('case_record', {
  childId: uuid('child_id').primaryKey(),
  status: text('status', {
    enum: ['NONE', 'EARLY_HELP', 'CHILD_IN_NEED', 'CHILD_PROTECTION', 'LOOKED_AFTER'],
  }).notNull(),
  workerName: text('worker_name'),
  workerTeam: text('worker_team'),
  organisationId: text('organisation_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

export const shortBreak = socialCareSchema.table('short_break', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  description: text('description').notNull(),
  nightsPerYear: integer('nights_per_year'),
  startDate: date('start_date', { mode: 'string' }).notNull(),
});
