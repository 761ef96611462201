import { boolean, char, date, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
    relationship: text('relationship', { enum: ['parent_carer', 'young_person'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.childId, t.sub] })],
);
