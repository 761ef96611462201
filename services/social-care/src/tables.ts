import { adviceTable } from '@hub/service-kit';
import {
  boolean,
  date,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

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

/** Councils the hub serves, by DfE LA code (migration 0003). */
export const council = socialCareSchema.table('council', {
  id: text('id').primaryKey(),
  laCode: text('la_code').notNull(),
});

/** Child records councils sent in CIN census files (migration 0003): projected into case_record when linked. */
export const cinSource = socialCareSchema.table(
  'cin_source',
  {
    system: text('system').notNull(),
    sourceId: text('source_id').notNull(),
    councilId: text('council_id').notNull(),
    childId: uuid('child_id'),
    linkStatus: text('link_status', { enum: ['linked', 'review', 'conflict', 'rejected'] }).notNull(),
    linkReason: text('link_reason'),
    record: jsonb('record').notNull(),
    contentHash: text('content_hash').notNull(),
    fileAt: timestamp('file_at', { withTimezone: true, mode: 'string' }).notNull(),
    createdProjection: boolean('created_projection').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.system, t.sourceId] })],
);

/** Social care advice for an EHC needs assessment (the shared advice lifecycle, @hub/service-kit advice.ts; migration 0005). */
export const socialCareAdvice = adviceTable(socialCareSchema, 'social_care_advice');
