import { adviceTable } from '@hub/service-kit';
import { date, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
  /** `fhir:<org>/<Type>/<id>` for rows derived from FHIR (fhir/); null otherwise. */
  source: text('source'),
  sourcePatient: text('source_patient'),
});

export const pathwayWait = healthSchema.table('pathway_wait', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  pathway: text('pathway', { enum: ['NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE'] }).notNull(),
  referralDate: date('referral_date', { mode: 'string' }).notNull(),
  seenDate: date('seen_date', { mode: 'string' }),
  /** `fhir:<org>/<Type>/<id>` for rows derived from FHIR (fhir/); null otherwise. */
  source: text('source'),
  sourcePatient: text('source_patient'),
});

export const diagnosis = healthSchema.table('diagnosis', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  description: text('description').notNull(),
  diagnosedOn: date('diagnosed_on', { mode: 'string' }),
  /** `fhir:<org>/<Type>/<id>` for rows derived from FHIR (fhir/); null otherwise. */
  source: text('source'),
  sourcePatient: text('source_patient'),
});

/** Health advice for an EHC needs assessment (the shared advice lifecycle, @hub/service-kit advice.ts). */
export const healthAdvice = adviceTable(healthSchema, 'health_advice');

export const supportWhileWaiting = healthSchema.table('support_while_waiting', {
  id: uuid('id').primaryKey(),
  childId: uuid('child_id').notNull(),
  pathwayWaitId: uuid('pathway_wait_id').notNull(),
  description: text('description').notNull(),
  offeredBy: text('offered_by').notNull(),
  offeredOn: date('offered_on', { mode: 'string' }).notNull(),
  /** Set on rows derived from a FHIR ServiceRequest (migration 0005); null on the school of old seeds. */
  source: text('source'),
  sourcePatient: text('source_patient'),
});

/** Resources as FHIR senders sent them (migration 0004), keyed by sender and the sender's ids. */
export const fhirResource = healthSchema.table(
  'fhir_resource',
  {
    orgId: text('org_id').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    versionId: text('version_id'),
    lastUpdated: timestamp('last_updated', { withTimezone: true, mode: 'string' }),
    contentHash: text('content_hash').notNull(),
    patientId: text('patient_id'),
    resource: jsonb('resource').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.resourceType, t.resourceId] })],
);

/** The record service's identity answer for each sender's Patient. */
export const fhirPatientLink = healthSchema.table(
  'fhir_patient_link',
  {
    orgId: text('org_id').notNull(),
    patientId: text('patient_id').notNull(),
    childId: uuid('child_id'),
    status: text('status', { enum: ['linked', 'review', 'conflict', 'rejected'] }).notNull(),
    reason: text('reason'),
    checkedAt: timestamp('checked_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.patientId] })],
);
