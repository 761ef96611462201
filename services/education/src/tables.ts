import { date, numeric, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const educationSchema = pgSchema('education');

export const school = educationSchema.table('school', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
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
