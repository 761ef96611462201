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
  parentAccessConfirmedByYoungPerson: boolean('parent_access_confirmed_by_young_person').notNull().default(false),
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

export const consent = recordSchema.table('consent', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  domain: text('domain', { enum: ['education', 'health', 'social_care'] }).notNull(),
  recipientOrgType: text('recipient_org_type', {
    enum: ['school', 'health', 'social_care', 'local_authority'],
  }).notNull(),
  purpose: text('purpose', { enum: ['ehc_assessment', 'annual_review', 'early_help'] }).notNull(),
  grantedBySub: text('granted_by_sub').notNull(),
  grantedByRole: text('granted_by_role', { enum: ['parent_carer', 'young_person'] }).notNull(),
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
