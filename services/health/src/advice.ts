import { randomUUID } from 'node:crypto';
import { isUuid } from '@hub/identifiers';
import {
  type ChildAccessFacts,
  canReadHealthAdvice,
  canReadHealthAdviceDraft,
  canWriteHealthAdvice,
} from '@hub/policy';
import {
  decide,
  fetchAccessFacts,
  gateChildren,
  HubError,
  isHubError,
  postToRecord,
  reportChildDenied,
  type SubgraphContext,
} from '@hub/service-kit';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { healthAdvice } from './tables.ts';

/**
 * Health advice for an EHC needs assessment, written by a health practitioner of an organisation
 * involved with the child: draft → submitted. Submitted advice never changes (the database
 * refuses it too); a correction is a new version that starts as a draft and, once submitted,
 * supersedes the earlier one. Who may write or read is @hub/policy's decision.
 */
export const SECTIONS = ['needs', 'outcomesSought', 'provisionRecommended'] as const;
type Section = (typeof SECTIONS)[number];
const LABEL: Record<Section, string> = {
  needs: 'needs',
  outcomesSought: 'outcomes sought',
  provisionRecommended: 'provision recommended',
};
/** Long enough for real advice (several pages), short enough to stop pasting whole case files. */
export const MAX_SECTION_LENGTH = 10_000;
/** A submitted section must say something: a few words at least. */
export const MIN_SUBMITTED_LENGTH = 10;

type AdviceRow = typeof healthAdvice.$inferSelect;
export type AdviceInput = Partial<Record<Section, string | null>>;

function validateContent(input: AdviceInput, problems: string[]): Partial<Record<Section, string>> {
  const out: Partial<Record<Section, string>> = {};
  for (const section of SECTIONS) {
    const value = input[section];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      problems.push(`${section} must be text`);
      continue;
    }
    const trimmed = value.trim();
    if (trimmed.length > MAX_SECTION_LENGTH)
      problems.push(`${section} must be at most ${MAX_SECTION_LENGTH} characters (it has ${trimmed.length})`);
    out[section] = trimmed;
  }
  return out;
}

function requiredForSubmission(row: Pick<AdviceRow, Section>): string[] {
  return SECTIONS.filter((s) => row[s].trim().length < MIN_SUBMITTED_LENGTH).map(
    (s) =>
      `the ${LABEL[s]} section (${s}) is required before submitting: at least ${MIN_SUBMITTED_LENGTH} characters`,
  );
}

interface ActiveAssessment {
  childId: string;
  assessmentId: string;
  requestDate: string;
}

/** Asks the record service (which owns the EHC workflow) whether the child has an assessment in progress. */
async function activeAssessment(ctx: SubgraphContext, childId: string): Promise<ActiveAssessment | null> {
  const body = await postToRecord<{ active: ActiveAssessment[] }>(
    recordUrl(ctx),
    ctx.hubToken,
    '/internal/ehc-assessments',
    { childIds: [childId] },
    {
      unavailable: 'The EHC assessment record is unavailable; health advice cannot be saved right now.',
      refused: 'The EHC assessment record did not answer; health advice cannot be saved right now.',
    },
  );
  return body.active.find((a) => a.childId === childId) ?? null;
}

function recordUrl(ctx: SubgraphContext): string {
  if (!ctx.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for this adapter');
  return ctx.recordBaseUrl;
}

async function factsFor(ctx: SubgraphContext, childId: string): Promise<ChildAccessFacts> {
  const facts = (await fetchAccessFacts(recordUrl(ctx), ctx.hubToken, [childId])).get(childId);
  const decision = facts ? decide(ctx, facts) : null;
  if (!facts || !decision?.canSeeChild) {
    reportChildDenied(ctx, childId);
    throw new HubError('NOT_FOUND', `No child record has id ${childId} that you can see.`, { childId });
  }
  return facts;
}

function requireWriter(ctx: SubgraphContext, facts: ChildAccessFacts, action: string): void {
  const decision = canWriteHealthAdvice(ctx.hub.principal, facts, new Date());
  const report = {
    childId: facts.childId,
    subject: 'HealthAdvice',
    action,
    fieldsReturned: [],
    breakGlass: false,
  };
  if (!decision.allowed) {
    const reason = decision.code === 'NO_CONSENT' ? 'NO_CONSENT' : 'NOT_PERMITTED';
    ctx.access.push({ ...report, fieldsDenied: [{ field: 'healthAdvice', reason }] });
    throw new HubError('FORBIDDEN', `You cannot write health advice for this child: ${decision.reason}`, {
      childId: facts.childId,
      reason,
    });
  }
  ctx.access.push({ ...report, fieldsDenied: [] });
}

async function requireActive(
  ctx: SubgraphContext,
  childId: string,
  assessmentId?: string,
): Promise<ActiveAssessment> {
  const active = await activeAssessment(ctx, childId);
  if (!active) {
    throw new HubError(
      'CONFLICT',
      'This child has no EHC needs assessment in progress, so there is nothing to give health advice for.',
      { childId },
    );
  }
  if (assessmentId && active.assessmentId !== assessmentId) {
    throw new HubError(
      'CONFLICT',
      'The EHC needs assessment this advice was written for is no longer in progress.',
      { childId },
    );
  }
  return active;
}

/** One answer for an unknown advice id, another organisation's draft and a child you cannot see. */
function adviceNotFound(id: string): HubError {
  return new HubError('NOT_FOUND', `No health advice has id ${id} that you can see.`, { adviceId: id });
}

async function rowById(ctx: SubgraphContext, id: string): Promise<AdviceRow> {
  if (!isUuid(id))
    throw new HubError('INVALID_INPUT', 'id must be a UUID (the health advice id).', { field: 'id' });
  const [row] = await ctx.db.db.select().from(healthAdvice).where(eq(healthAdvice.id, id));
  if (!row) throw adviceNotFound(id);
  return row;
}

/** Drafts are working documents of one organisation: to anyone else they do not exist. */
async function ownDraftOrSubmitted(
  ctx: SubgraphContext,
  id: string,
): Promise<{ row: AdviceRow; facts: ChildAccessFacts }> {
  const row = await rowById(ctx, id);
  // A child the caller cannot see must not answer differently from an unknown advice id (nor
  // name the child, as factsFor's NOT_FOUND would).
  const facts = await factsFor(ctx, row.childId).catch((error: unknown) => {
    throw isHubError(error) && error.code === 'NOT_FOUND' ? adviceNotFound(id) : error;
  });
  if (row.status === 'draft' && !canReadHealthAdviceDraft(ctx.hub.principal, row.organisationId)) {
    throw adviceNotFound(id);
  }
  if (row.organisationId !== ctx.hub.principal.orgId) {
    throw new HubError(
      'FORBIDDEN',
      'Only the organisation that wrote this advice can change or correct it.',
      { adviceId: id },
    );
  }
  return { row, facts };
}

export async function createDraft(
  ctx: SubgraphContext,
  childId: unknown,
  input: AdviceInput,
): Promise<AdviceRow> {
  const problems: string[] = [];
  if (typeof childId !== 'string' || !isUuid(childId)) problems.push('childId must be a UUID');
  const content = validateContent(input ?? {}, problems);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid health advice: ${problems.join('; ')}.`, { problems });
  const id = (childId as string).toLowerCase();
  const facts = await factsFor(ctx, id);
  requireWriter(ctx, facts, 'createHealthAdviceDraft');
  const active = await requireActive(ctx, id);
  const principal = ctx.hub.principal;
  // Any advice this organisation already has for the assessment: a draft is edited, submitted
  // advice is corrected; neither starts again from version 1.
  const earlier = await ctx.db.db
    .select({ id: healthAdvice.id, status: healthAdvice.status })
    .from(healthAdvice)
    .where(
      and(
        eq(healthAdvice.assessmentId, active.assessmentId),
        eq(healthAdvice.organisationId, principal.orgId),
      ),
    );
  const draft = earlier.find((r) => r.status === 'draft');
  if (draft)
    throw new HubError(
      'CONFLICT',
      'Your organisation already has a draft for this assessment; edit that one.',
      { adviceId: draft.id },
    );
  if (earlier.length > 0) {
    throw new HubError(
      'CONFLICT',
      'Your organisation has already submitted advice for this assessment; correct it instead.',
      { adviceId: earlier[0]!.id },
    );
  }
  const [row] = await ctx.db.db
    .insert(healthAdvice)
    .values({
      id: randomUUID(),
      childId: id,
      assessmentId: active.assessmentId,
      version: 1,
      status: 'draft',
      ...content,
      authorSub: principal.sub,
      authorName: principal.name ?? principal.sub,
      organisationId: principal.orgId,
    })
    .returning();
  return row!;
}

export async function updateDraft(ctx: SubgraphContext, id: string, input: AdviceInput): Promise<AdviceRow> {
  const problems: string[] = [];
  const content = validateContent(input ?? {}, problems);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid health advice: ${problems.join('; ')}.`, { problems });
  const { row, facts } = await ownDraftOrSubmitted(ctx, id);
  if (row.status === 'submitted') {
    throw new HubError(
      'CONFLICT',
      'Submitted health advice cannot be changed; write a correction (a new version) instead.',
      { adviceId: id },
    );
  }
  requireWriter(ctx, facts, 'updateHealthAdviceDraft');
  const [updated] = await ctx.db.db
    .update(healthAdvice)
    .set({ ...content, updatedAt: new Date() })
    .where(eq(healthAdvice.id, id))
    .returning();
  return updated!;
}

export async function submit(ctx: SubgraphContext, id: string): Promise<AdviceRow> {
  const { row, facts } = await ownDraftOrSubmitted(ctx, id);
  if (row.status === 'submitted')
    throw new HubError('CONFLICT', 'This advice was already submitted.', { adviceId: id });
  const problems = requiredForSubmission(row);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `The advice is not ready to submit: ${problems.join('; ')}.`, {
      problems,
    });
  requireWriter(ctx, facts, 'submitHealthAdvice');
  await requireActive(ctx, row.childId, row.assessmentId);
  const now = new Date();
  // Submitted through the hub, the advice reaches the council at once, so the record marks the
  // council's request answered. That happens first: if it fails, nothing has changed here and the
  // practitioner can send again. (Not inside a transaction here: one must not hold a database
  // transaction across a call to another service.) Marking is idempotent, so if this update then
  // failed, sending again would complete it.
  await tellRecordAdviceReceived(ctx, row.assessmentId);
  const [updated] = await ctx.db.db
    .update(healthAdvice)
    .set({ status: 'submitted', submittedAt: now, updatedAt: now })
    .where(eq(healthAdvice.id, id))
    .returning();
  return updated!;
}

async function tellRecordAdviceReceived(ctx: SubgraphContext, assessmentId: string): Promise<void> {
  await postToRecord(
    recordUrl(ctx),
    ctx.hubToken,
    '/internal/ehc-advice-received',
    { assessmentId },
    {
      unavailable: 'The EHC assessment record is unavailable; the advice was not sent. Try again.',
      refused: 'The EHC assessment record did not accept the advice; it was not sent. Try again.',
    },
  );
}

export async function correct(ctx: SubgraphContext, id: string): Promise<AdviceRow> {
  const { row, facts } = await ownDraftOrSubmitted(ctx, id);
  if (row.status !== 'submitted')
    throw new HubError('CONFLICT', 'Only submitted advice is corrected; edit the draft instead.', {
      adviceId: id,
    });
  const [later] = await ctx.db.db
    .select({ id: healthAdvice.id })
    .from(healthAdvice)
    .where(eq(healthAdvice.supersedesId, id));
  if (later)
    throw new HubError('CONFLICT', 'This version already has a correction; correct the latest version.', {
      adviceId: later.id,
    });
  requireWriter(ctx, facts, 'correctHealthAdvice');
  await requireActive(ctx, row.childId, row.assessmentId);
  const principal = ctx.hub.principal;
  const [created] = await ctx.db.db
    .insert(healthAdvice)
    .values({
      id: randomUUID(),
      childId: row.childId,
      assessmentId: row.assessmentId,
      version: row.version + 1,
      supersedesId: row.id,
      status: 'draft',
      needs: row.needs,
      outcomesSought: row.outcomesSought,
      provisionRecommended: row.provisionRecommended,
      authorSub: principal.sub,
      authorName: principal.name ?? principal.sub,
      organisationId: row.organisationId,
    })
    .returning();
  return created!;
}

export interface AdviceView extends AdviceRow {
  /** Not superseded by a later submitted version. */
  current: boolean;
}

/** Loader body for Child.healthAdvice: submitted advice for readers, drafts for their own organisation. */
export async function loadAdvice(
  ctx: SubgraphContext,
  childIds: string[],
): Promise<Map<string, AdviceView[] | HubError>> {
  const facts = await fetchAccessFacts(recordUrl(ctx), ctx.hubToken, childIds);
  const gate = gateChildren(
    ctx,
    facts,
    childIds,
    (f, now) => canReadHealthAdvice(ctx.hub.principal, f, { now, purpose: ctx.hub.purpose }),
    { subject: 'HealthAdvice', field: 'healthAdvice', deniedReason: 'NO_CONSENT' },
  );
  const out = new Map<string, AdviceView[] | HubError>();
  const readable: string[] = [];
  for (const [childId, result] of gate) {
    if (result === true) readable.push(childId);
    else out.set(childId, result);
  }
  const rows =
    readable.length === 0
      ? []
      : await ctx.db.db
          .select()
          .from(healthAdvice)
          .where(inArray(healthAdvice.childId, readable))
          .orderBy(asc(healthAdvice.createdAt), asc(healthAdvice.version));
  const supersededBySubmitted = new Set(
    rows.filter((r) => r.status === 'submitted' && r.supersedesId).map((r) => r.supersedesId!),
  );
  for (const childId of readable) {
    out.set(
      childId,
      rows
        .filter(
          (r) =>
            r.childId === childId &&
            (r.status === 'submitted' || canReadHealthAdviceDraft(ctx.hub.principal, r.organisationId)),
        )
        .map((r) => ({ ...r, current: r.status === 'submitted' && !supersededBySubmitted.has(r.id) })),
    );
  }
  return out;
}
