import { randomUUID } from 'node:crypto';
import { notFound, type SeenChild } from '@hub/access';
import { and, asc, eq, inArray, integer, type PgSchema, sql, text, timestamp, uuid } from '@hub/db';
import { isUuid } from '@hub/identifiers';
import { ADVICE_SUBJECT, type AdviceDomain, canReadAdvice, canReadAdviceDraft } from '@hub/policy';
import { HubError, isHubError } from './errors.ts';
import type { ActiveAssessment } from './record-api.ts';
import { callRecord } from './record-client.ts';
import { idsOf, requireCaller, type SubgraphContext } from './subgraph.ts';

/**
 * Advice for an EHC needs assessment (SEND Regulations 2014 reg 6(1)), written in the hub by the
 * agency asked for it: health (medical advice), the school's SENCO (educational advice) and the
 * council's social care (social care advice). Each agency keeps its own advice in its own schema
 * (a table made by `adviceTable`, created by that context's migration); the lifecycle is the same
 * for all three and lives here once:
 *
 * draft → submitted. Submitted advice never changes (the database refuses it too: each
 * migration's guard trigger); a correction is a new version that starts as a draft and, once
 * submitted, supersedes the earlier one. One open draft per organisation and assessment and one
 * correction per version are unique indexes, so concurrent requests cannot make two: the loser
 * gets CONFLICT naming the winner's row. Who may write or read is @hub/policy's decision (the
 * ability's `write` on the advice subject; canReadAdvice / canReadAdviceDraft); every write reports its access (or its
 * refusal) to the gateway, which writes the audit events (the write-ahead event before the
 * mutation reaches here).
 */
export const ADVICE_SECTIONS = ['needs', 'outcomesSought', 'provisionRecommended'] as const;
export type AdviceSection = (typeof ADVICE_SECTIONS)[number];
const LABEL: Record<AdviceSection, string> = {
  needs: 'needs',
  outcomesSought: 'outcomes sought',
  provisionRecommended: 'provision recommended',
};
/** Long enough for real advice (several pages), short enough to stop pasting whole case files. */
export const MAX_ADVICE_SECTION_LENGTH = 10_000;
/** A submitted section must say something: a few words at least. */
export const MIN_SUBMITTED_ADVICE_LENGTH = 10;

/** The drizzle table of one agency's advice; the SQL is in that context's migration. */
export function adviceTable(schema: PgSchema<string>, name: string) {
  return schema.table(name, {
    id: uuid('id').primaryKey(),
    childId: uuid('child_id').notNull(),
    assessmentId: uuid('assessment_id').notNull(),
    version: integer('version').notNull(),
    supersedesId: uuid('supersedes_id'),
    status: text('status', { enum: ['draft', 'submitted'] }).notNull(),
    needs: text('needs').notNull().default(''),
    outcomesSought: text('outcomes_sought').notNull().default(''),
    provisionRecommended: text('provision_recommended').notNull().default(''),
    authorSub: text('author_sub').notNull(),
    authorName: text('author_name').notNull(),
    organisationId: text('organisation_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true, mode: 'date' }),
  });
}
export type AdviceTable = ReturnType<typeof adviceTable>;
export type AdviceRow = AdviceTable['$inferSelect'];
export type AdviceInput = Partial<Record<AdviceSection, string | null>>;

export interface AdviceView extends AdviceRow {
  /** Not superseded by a later submitted version. */
  current: boolean;
}

export interface AdviceSpec {
  domain: AdviceDomain;
  table: AdviceTable;
  /** How messages name it: 'health advice', 'educational advice', 'social care advice'. */
  noun: string;
  /** The access report's subject (the ability's, ADVICE_SUBJECT[domain]) and field, e.g. 'HealthAdvice' and 'healthAdvice'. */
  subject: (typeof ADVICE_SUBJECT)[AdviceDomain];
  field: string;
  /** The GraphQL mutation names, reported as the access's action. */
  actions: { create: string; update: string; submit: string; correct: string };
}

export interface AdviceLifecycle {
  createDraft(ctx: SubgraphContext, childId: unknown, input: AdviceInput): Promise<AdviceRow>;
  updateDraft(ctx: SubgraphContext, id: string, input: AdviceInput): Promise<AdviceRow>;
  submit(ctx: SubgraphContext, id: string): Promise<AdviceRow>;
  correct(ctx: SubgraphContext, id: string): Promise<AdviceRow>;
  /** Loader body for Child.<field>: submitted advice for readers, drafts for their own organisation. */
  load(ctx: SubgraphContext, childIds: string[]): Promise<Map<string, AdviceView[] | HubError>>;
  /** The four mutations, by their GraphQL names (spec.actions), answering the advice type. */
  mutations: Record<string, (root: unknown, args: never, ctx: SubgraphContext) => Promise<unknown>>;
  /** The mercurius loader for Child.<field>. */
  loader(queries: readonly { obj: { id?: unknown } }[], ctx: SubgraphContext): Promise<unknown[]>;
}

/** The GraphQL shape of an advice row: ISO timestamps, `current`, and the advice's date. */
export function adviceView<
  T extends { createdAt: Date; updatedAt: Date; submittedAt: Date | null; current?: boolean },
>(row: T) {
  return {
    ...row,
    current: row.current ?? false,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    submittedAt: row.submittedAt?.toISOString() ?? null,
    date: (row.submittedAt ?? row.updatedAt).toISOString(),
  };
}

function validateContent(input: AdviceInput, problems: string[]): Partial<Record<AdviceSection, string>> {
  const out: Partial<Record<AdviceSection, string>> = {};
  for (const section of ADVICE_SECTIONS) {
    const value = input[section];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      problems.push(`${section} must be text`);
      continue;
    }
    const trimmed = value.trim();
    if (trimmed.length > MAX_ADVICE_SECTION_LENGTH)
      problems.push(
        `${section} must be at most ${MAX_ADVICE_SECTION_LENGTH} characters (it has ${trimmed.length})`,
      );
    out[section] = trimmed;
  }
  return out;
}

function requiredForSubmission(row: Pick<AdviceRow, AdviceSection>): string[] {
  return ADVICE_SECTIONS.filter((s) => row[s].trim().length < MIN_SUBMITTED_ADVICE_LENGTH).map(
    (s) =>
      `the ${LABEL[s]} section (${s}) is required before submitting: at least ${MIN_SUBMITTED_ADVICE_LENGTH} characters`,
  );
}

function recordUrl(ctx: SubgraphContext): string {
  if (!ctx.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for this adapter');
  return ctx.recordBaseUrl;
}

export function adviceLifecycle(spec: AdviceSpec): AdviceLifecycle {
  const { domain, table, noun, subject, field, actions } = spec;
  if (ADVICE_SUBJECT[domain] !== subject)
    throw new Error(`${domain} advice is the ability's ${ADVICE_SUBJECT[domain]}`);

  /**
   * The child's access facts and its EHC needs assessment in progress (the record owns both), in
   * one round trip: one advice action asks the record one question. A child the caller cannot
   * see is NOT_FOUND, reported as a denial.
   */
  async function childFor(
    ctx: SubgraphContext,
    childId: string,
  ): Promise<{ child: SeenChild; active: ActiveAssessment | null }> {
    const { facts, active } = await callRecord(
      recordUrl(ctx),
      'adviceContext',
      { childId },
      {
        context: ctx.hubToken,
        unavailable: `The EHC assessment record is unavailable; ${noun} cannot be saved right now.`,
      },
    );
    // Through the door, on the facts this one call read.
    return { child: await ctx.door.see(childId, { facts: facts ?? null }), active: active ?? null };
  }

  /**
   * Through the door: the writer's action on the child (create, update, submit or correct: the
   * ability's `write` on the advice subject), checked and reported (refusals too).
   */
  function requireWriter(child: SeenChild, action: string): void {
    child.require(
      ['write', subject],
      { action, field },
      {
        // Writing advice needs a relationship: break-glass never opens it.
        breakGlass: false,
        refusal: (decision, reason) =>
          new HubError('FORBIDDEN', `You cannot write ${noun} for this child: ${decision.reason}`, {
            childId: child.childId,
            reason,
          }),
      },
    );
  }

  function requireActive(
    active: ActiveAssessment | null,
    childId: string,
    assessmentId?: string,
  ): ActiveAssessment {
    if (!active) {
      throw new HubError(
        'CONFLICT',
        `This child has no EHC needs assessment in progress, so there is nothing to give ${noun} for.`,
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
    return notFound(noun, 'adviceId', id);
  }

  async function rowById(ctx: SubgraphContext, id: string): Promise<AdviceRow> {
    if (!isUuid(id))
      throw new HubError('INVALID_INPUT', `id must be a UUID (the ${noun} id).`, { field: 'id' });
    const [row] = await ctx.db.db.select().from(table).where(eq(table.id, id));
    if (!row) throw adviceNotFound(id);
    return row;
  }

  /** Drafts are working documents of one organisation: to anyone else they do not exist. */
  async function ownDraftOrSubmitted(
    ctx: SubgraphContext,
    id: string,
  ): Promise<{ row: AdviceRow; child: SeenChild; active: ActiveAssessment | null }> {
    const row = await rowById(ctx, id);
    // A child the caller cannot see must not answer differently from an unknown advice id (nor
    // name the child, as childFor's NOT_FOUND would).
    const { child, active } = await childFor(ctx, row.childId).catch((error: unknown) => {
      throw isHubError(error) && error.code === 'NOT_FOUND' ? adviceNotFound(id) : error;
    });
    if (row.status === 'draft' && !canReadAdviceDraft(domain, ctx.hub.principal, row.organisationId)) {
      throw adviceNotFound(id);
    }
    if (row.organisationId !== ctx.hub.principal.orgId) {
      throw new HubError(
        'FORBIDDEN',
        'Only the organisation that wrote this advice can change or correct it.',
        { adviceId: id },
      );
    }
    return { row, child, active };
  }

  const alreadySubmitted = (id: string) =>
    new HubError(
      'CONFLICT',
      `Submitted ${noun} cannot be changed; write a correction (a new version) instead.`,
      {
        adviceId: id,
      },
    );

  async function createDraft(ctx: SubgraphContext, childId: unknown, input: AdviceInput): Promise<AdviceRow> {
    const problems: string[] = [];
    if (typeof childId !== 'string' || !isUuid(childId)) problems.push('childId must be a UUID');
    const content = validateContent(input ?? {}, problems);
    if (problems.length > 0)
      throw new HubError('INVALID_INPUT', `Invalid ${noun}: ${problems.join('; ')}.`, { problems });
    const id = (childId as string).toLowerCase();
    const child = await childFor(ctx, id);
    requireWriter(child.child, actions.create);
    const active = requireActive(child.active, id);
    const principal = ctx.hub.principal;
    // Any advice this organisation already has for the assessment: a draft is edited, submitted
    // advice is corrected; neither starts again from version 1.
    const earlier = await ctx.db.db
      .select({ id: table.id, status: table.status })
      .from(table)
      .where(and(eq(table.assessmentId, active.assessmentId), eq(table.organisationId, principal.orgId)));
    const draftConflict = (adviceId: string) =>
      new HubError('CONFLICT', 'Your organisation already has a draft for this assessment; edit that one.', {
        adviceId,
      });
    const draft = earlier.find((r) => r.status === 'draft');
    if (draft) throw draftConflict(draft.id);
    if (earlier.length > 0) {
      throw new HubError(
        'CONFLICT',
        'Your organisation has already submitted advice for this assessment; correct it instead.',
        { adviceId: earlier[0]!.id },
      );
    }
    const [row] = await ctx.db.db
      .insert(table)
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
      // Two first drafts at once (a double click, two colleagues): the one-open-draft index
      // decides, and the loser is told to edit the winner's draft.
      .onConflictDoNothing({
        target: [table.assessmentId, table.organisationId],
        where: sql`status = 'draft'`,
      })
      .returning();
    if (row) return row;
    const [winner] = await ctx.db.db
      .select({ id: table.id })
      .from(table)
      .where(
        and(
          eq(table.assessmentId, active.assessmentId),
          eq(table.organisationId, principal.orgId),
          eq(table.status, 'draft'),
        ),
      );
    throw draftConflict(winner?.id ?? '');
  }

  async function updateDraft(ctx: SubgraphContext, id: string, input: AdviceInput): Promise<AdviceRow> {
    const problems: string[] = [];
    const content = validateContent(input ?? {}, problems);
    if (problems.length > 0)
      throw new HubError('INVALID_INPUT', `Invalid ${noun}: ${problems.join('; ')}.`, { problems });
    const { row, child } = await ownDraftOrSubmitted(ctx, id);
    if (row.status === 'submitted') throw alreadySubmitted(id);
    requireWriter(child, actions.update);
    // Only while still a draft: an edit racing the submission finds no row rather than tripping
    // the immutability trigger.
    const [updated] = await ctx.db.db
      .update(table)
      .set({ ...content, updatedAt: new Date() })
      .where(and(eq(table.id, id), eq(table.status, 'draft')))
      .returning();
    if (!updated) throw alreadySubmitted(id);
    return updated;
  }

  /**
   * The second (and last) round trip of a submission: a write, after every check here passed.
   * The record checks again for itself; its refusal (403, 404) reaches the writer as it is.
   */
  async function tellRecordAdviceReceived(ctx: SubgraphContext, assessmentId: string): Promise<void> {
    await callRecord(
      recordUrl(ctx),
      'adviceReceived',
      { assessmentId, domain },
      {
        context: ctx.hubToken,
        unavailable: 'The EHC assessment record is unavailable; the advice was not sent. Try again.',
      },
    );
  }

  async function submit(ctx: SubgraphContext, id: string): Promise<AdviceRow> {
    const { row, child, active } = await ownDraftOrSubmitted(ctx, id);
    const sent = () => new HubError('CONFLICT', 'This advice was already submitted.', { adviceId: id });
    if (row.status === 'submitted') throw sent();
    const problems = requiredForSubmission(row);
    if (problems.length > 0)
      throw new HubError('INVALID_INPUT', `The advice is not ready to submit: ${problems.join('; ')}.`, {
        problems,
      });
    requireWriter(child, actions.submit);
    requireActive(active, row.childId, row.assessmentId);
    const now = new Date();
    // Submitted through the hub, the advice reaches the council at once, so the record marks the
    // council's request answered. That happens first: if it fails, nothing has changed here and the
    // writer can send again. (Not inside a transaction here: one must not hold a database
    // transaction across a call to another service.) Marking is idempotent, so if this update then
    // failed, sending again would complete it.
    await tellRecordAdviceReceived(ctx, row.assessmentId);
    // Only a draft becomes submitted: of two sends at once, one wins and the other is told so.
    const [updated] = await ctx.db.db
      .update(table)
      .set({ status: 'submitted', submittedAt: now, updatedAt: now })
      .where(and(eq(table.id, id), eq(table.status, 'draft')))
      .returning();
    if (!updated) throw sent();
    return updated;
  }

  async function correct(ctx: SubgraphContext, id: string): Promise<AdviceRow> {
    const { row, child, active } = await ownDraftOrSubmitted(ctx, id);
    if (row.status !== 'submitted')
      throw new HubError('CONFLICT', 'Only submitted advice is corrected; edit the draft instead.', {
        adviceId: id,
      });
    const corrected = (laterId: string) =>
      new HubError('CONFLICT', 'This version already has a correction; correct the latest version.', {
        adviceId: laterId,
      });
    const later = async () =>
      (await ctx.db.db.select({ id: table.id }).from(table).where(eq(table.supersedesId, id)))[0];
    const existing = await later();
    if (existing) throw corrected(existing.id);
    requireWriter(child, actions.correct);
    requireActive(active, row.childId, row.assessmentId);
    const principal = ctx.hub.principal;
    const [created] = await ctx.db.db
      .insert(table)
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
      // Two corrections at once: one correction per version (unique index); the loser is told
      // which is the correction. The one-open-draft index cannot fire here: a correction's version
      // is submitted, so the organisation's draft for the assessment, if any, is this one's.
      .onConflictDoNothing({ target: table.supersedesId, where: sql`supersedes_id is not null` })
      .returning();
    if (created) return created;
    throw corrected((await later())?.id ?? '');
  }

  async function load(
    ctx: SubgraphContext,
    childIds: string[],
  ): Promise<Map<string, AdviceView[] | HubError>> {
    const gate = await ctx.door.gate(
      childIds,
      (f, now) => canReadAdvice(domain, ctx.hub.principal, f, { now, purpose: ctx.hub.purpose }),
      { subject, field, deniedReason: 'NO_CONSENT' },
    );
    const out = new Map<string, AdviceView[] | HubError>();
    const readable: string[] = [];
    for (const [childId, result] of gate) {
      if (isHubError(result)) out.set(childId, result);
      else readable.push(childId);
    }
    const rows =
      readable.length === 0
        ? []
        : await ctx.db.db
            .select()
            .from(table)
            .where(inArray(table.childId, readable))
            .orderBy(asc(table.createdAt), asc(table.version));
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
              (r.status === 'submitted' || canReadAdviceDraft(domain, ctx.hub.principal, r.organisationId)),
          )
          .map((r) => ({ ...r, current: r.status === 'submitted' && !supersededBySubmitted.has(r.id) })),
      );
    }
    return out;
  }

  const mutations = {
    async [actions.create](
      _root: unknown,
      args: { childId: string; input: AdviceInput },
      ctx: SubgraphContext,
    ) {
      requireCaller(ctx);
      return adviceView(await createDraft(ctx, args.childId, args.input));
    },
    async [actions.update](_root: unknown, args: { id: string; input: AdviceInput }, ctx: SubgraphContext) {
      requireCaller(ctx);
      return adviceView(await updateDraft(ctx, args.id, args.input));
    },
    async [actions.submit](_root: unknown, args: { id: string }, ctx: SubgraphContext) {
      requireCaller(ctx);
      return adviceView({ ...(await submit(ctx, args.id)), current: true });
    },
    async [actions.correct](_root: unknown, args: { id: string }, ctx: SubgraphContext) {
      requireCaller(ctx);
      return adviceView(await correct(ctx, args.id));
    },
  } as AdviceLifecycle['mutations'];

  async function loader(queries: readonly { obj: { id?: unknown } }[], ctx: SubgraphContext) {
    requireCaller(ctx);
    const advice = await load(ctx, idsOf(queries));
    return queries.map((q) => {
      const entry = advice.get(String(q.obj.id));
      return entry instanceof Error || entry === undefined
        ? (entry ?? null)
        : entry.map((row) => adviceView(row));
    });
  }

  return { createDraft, updateDraft, submit, correct, load, mutations, loader };
}
