import { adviceTable } from '@hub/service-kit';
import {
  boolean,
  date,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const educationSchema = pgSchema('education');

export const school = educationSchema.table('school', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** DfE number: LA code (3 digits) and establishment number (4 digits), as in a CTF header. */
  laCode: text('la_code'),
  estab: text('estab'),
});

export const pupil = educationSchema.table('pupil', {
  childId: uuid('child_id').primaryKey(),
  schoolId: text('school_id').notNull(),
  senStatus: text('sen_status', { enum: ['NO_SEN', 'SEN_SUPPORT', 'EHC_PLAN'] }).notNull(),
  attendancePercent: numeric('attendance_percent', { precision: 5, scale: 2, mode: 'number' }),
  sencoNotes: text('senco_notes'),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

export const provision = educationSchema.table('provision', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  description: text('description').notNull(),
  hoursPerWeek: numeric('hours_per_week', { precision: 5, scale: 2, mode: 'number' }),
  startDate: date('start_date', { mode: 'string' }).notNull(),
  provider: text('provider'),
});

/** Councils the hub serves, by DfE LA code (migration 0003). */
export const council = educationSchema.table('council', {
  id: text('id').primaryKey(),
  laCode: text('la_code').notNull(),
});

/** Pupil records schools sent in CTFs (migration 0003): held here, projected into `pupil` when linked. */
export const ctfSource = educationSchema.table(
  'ctf_source',
  {
    system: text('system').notNull(),
    sourceId: text('source_id').notNull(),
    schoolId: text('school_id').notNull(),
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

/** Educational advice for an EHC needs assessment (the shared advice lifecycle, @hub/service-kit advice.ts; migration 0005). */
export const educationalAdvice = adviceTable(educationSchema, 'educational_advice');
