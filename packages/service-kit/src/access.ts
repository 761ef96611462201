import {
  type ActionDecision,
  activeBreakGlass,
  type ChildAccessDecision,
  type ChildAccessFacts,
  type DenialReason,
  decideChildAccess,
  SECTIONS,
  SUBJECT_FIELDS,
  type SubjectName,
  sectionOfField,
} from '@hub/policy';
import type { AccessReport } from './access-report.ts';
import { HubError } from './errors.ts';
import { callRecord } from './record-client.ts';
import type { SubgraphContext } from './subgraph.ts';

/**
 * Field-level enforcement inside a subgraph. A repository row is "guarded" as soon as it is
 * loaded: fields the policy denies for this caller and child are removed from the object,
 * and the field resolvers below turn a request for one of them into a FORBIDDEN_FIELD error
 * (the field is null, the error names it and why; no value leaves the service). Every field
 * actually returned or refused is reported for the audit event.
 */
const GUARD = Symbol('hub.guard');

interface GuardInfo {
  childId: string;
  subject: SubjectName;
  denied: Map<string, DenialReason>;
  breakGlass: boolean;
  breakGlassReason: string | undefined;
}

/** The policy's decision for one child, plus the break-glass reason for the audit event. */
export type Decision = ChildAccessDecision & { breakGlassReason?: string };

export type Guarded<T> = T & { [GUARD]: GuardInfo };

const PLAIN_REASON: Record<DenialReason, string> = {
  NO_CONSENT: 'the family has not agreed to share it with your organisation for this purpose',
  NOT_PERMITTED: 'your role does not give access to it',
  NO_RELATIONSHIP: 'you are not involved with this child',
};

/** Consent is per purpose: with no purpose declared, say that rather than blame the family. */
function plainReason(ctx: SubgraphContext, reason: DenialReason): string {
  if (reason === 'NO_CONSENT' && ctx.hub.purpose === null) {
    return 'consent is given for a purpose, and this request did not say what it is for (send X-Hub-Purpose)';
  }
  return PLAIN_REASON[reason];
}

export function decide(ctx: SubgraphContext, facts: ChildAccessFacts): Decision {
  const now = new Date();
  const decision = decideChildAccess(ctx.hub.principal, facts, { now, purpose: ctx.hub.purpose });
  const glass = decision.breakGlass ? activeBreakGlass(ctx.hub.principal, facts, now) : null;
  return glass ? { ...decision, breakGlassReason: glass.reason } : decision;
}

/** Removes denied fields from a row and remembers why, for the field resolvers. */
export function guardRow<T extends object>(
  row: T,
  childId: string,
  subject: SubjectName,
  decision: Decision,
): Guarded<T> {
  const denied = new Map(decision.subjects[subject].denied.map((d) => [d.field, d.reason] as const));
  const copy = { ...row } as Record<string | symbol, unknown>;
  for (const field of denied.keys()) delete copy[field];
  copy[GUARD] = {
    childId,
    subject,
    denied,
    breakGlass: decision.breakGlass,
    breakGlassReason: decision.breakGlassReason,
  } satisfies GuardInfo;
  return copy as Guarded<T>;
}

function report(ctx: SubgraphContext, entry: AccessReport): void {
  ctx.access.push(entry);
}

/**
 * Resolvers for every policy field of `subject`: return the value (and report it) or throw
 * FORBIDDEN_FIELD (and report the denial). Objects that are not guarded are refused: a
 * resolver that forgot to guard fails closed instead of leaking.
 */
export function guardedFieldResolvers(subject: SubjectName): Record<string, unknown> {
  const resolvers: Record<string, unknown> = {};
  for (const field of SUBJECT_FIELDS[subject]) {
    resolvers[field] = (parent: Record<string | symbol, unknown>, _args: unknown, ctx: SubgraphContext) => {
      const guard = parent[GUARD] as GuardInfo | undefined;
      if (!guard) throw new Error(`unguarded ${subject} object reached the ${field} resolver`);
      const base = {
        childId: guard.childId,
        subject,
        breakGlass: guard.breakGlass,
        ...(guard.breakGlassReason ? { breakGlassReason: guard.breakGlassReason } : {}),
      };
      const reason = guard.denied.get(field);
      if (reason) {
        report(ctx, { ...base, fieldsReturned: [], fieldsDenied: [{ field, reason }] });
        throw new HubError(
          'FORBIDDEN_FIELD',
          `You may not see ${subject}.${field}: ${plainReason(ctx, reason)}.`,
          {
            field: `${subject}.${field}`,
            reason,
            childId: guard.childId,
          },
        );
      }
      report(ctx, { ...base, fieldsReturned: [field], fieldsDenied: [] });
      return parent[field];
    };
  }
  return resolvers;
}

/**
 * The whole section is closed to this caller: returned (not thrown) from a loader so that
 * only this child's section fails, with one error naming it.
 */
export function sectionDenied(
  ctx: SubgraphContext,
  childId: string,
  sectionField: string,
  subject: SubjectName,
  decision: Decision,
): HubError {
  const denied = decision.subjects[subject].denied;
  const reason: DenialReason = denied.some((d) => d.reason === 'NO_CONSENT')
    ? 'NO_CONSENT'
    : (denied[0]?.reason ?? 'NOT_PERMITTED');
  report(ctx, {
    childId,
    subject: 'Child',
    breakGlass: decision.breakGlass,
    fieldsReturned: [],
    fieldsDenied: [{ field: sectionField, reason }],
  });
  return new HubError(
    'FORBIDDEN_FIELD',
    `You may not see the ${sectionLabel(sectionField)} section: ${plainReason(ctx, reason)}.`,
    {
      field: `Child.${sectionField}`,
      reason,
      childId,
    },
  );
}

function sectionLabel(field: string): string {
  const section = sectionOfField(field);
  return section ? SECTIONS[section].label : field;
}

/** Reports a child the caller asked for but may not see at all (audited as a denial). */
export function reportChildDenied(ctx: SubgraphContext, childId: string): void {
  report(ctx, {
    childId,
    subject: 'Child',
    breakGlass: false,
    fieldsReturned: [],
    fieldsDenied: [{ field: '*', reason: 'NO_RELATIONSHIP' }],
  });
}

/** Merges per-field reports into one per (child, subject), keeping first-seen order. */
export function compactAccess(entries: AccessReport[]): AccessReport[] {
  const merged = new Map<string, AccessReport>();
  for (const entry of entries) {
    const key = `${entry.childId}|${entry.subject}|${entry.action ?? ''}`;
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, {
        ...entry,
        fieldsReturned: [...entry.fieldsReturned],
        fieldsDenied: [...entry.fieldsDenied],
      });
      continue;
    }
    for (const f of entry.fieldsReturned) if (!seen.fieldsReturned.includes(f)) seen.fieldsReturned.push(f);
    for (const d of entry.fieldsDenied) {
      if (!seen.fieldsDenied.some((x) => x.field === d.field)) seen.fieldsDenied.push(d);
    }
    seen.breakGlass ||= entry.breakGlass;
    if (entry.breakGlassReason && !seen.breakGlassReason) seen.breakGlassReason = entry.breakGlassReason;
  }
  return [...merged.values()];
}

/**
 * Adapters ask the core record service for the access facts (relationships, family, consent,
 * break-glass) of a batch of children, forwarding the gateway-signed context they received.
 * No cache: a withdrawal takes effect on the very next request.
 */
export async function fetchAccessFacts(
  recordBaseUrl: string,
  contextToken: string,
  childIds: string[],
): Promise<Map<string, ChildAccessFacts>> {
  if (childIds.length === 0) return new Map();
  const body = await callRecord(
    recordBaseUrl,
    'accessFacts',
    { childIds },
    {
      context: contextToken,
      unavailable: 'The consent and access service is unavailable; no data can be shared right now.',
    },
  );
  return new Map(body.facts.map((f) => [f.childId, f]));
}

/**
 * The access facts of the record service's children, kept on the guarded rows it serves so
 * that `Child.accessGrant` can sign exactly the facts this request decided on.
 */
const FACTS = Symbol('hub.accessFacts');

export function keepAccessFacts<T extends object>(row: T, facts: ChildAccessFacts): T {
  (row as Record<symbol, unknown>)[FACTS] = facts;
  return row;
}

export function keptAccessFacts(row: object): ChildAccessFacts | undefined {
  return (row as Record<symbol, ChildAccessFacts | undefined>)[FACTS];
}

/**
 * The access facts of a batch of children for an adapter. Each entity representation the gateway
 * sends carries the record's access grant for that child (`accessGrant`, federation `@requires`):
 * a valid grant IS the facts, read by the record moments ago for this same request, so no call
 * back to the record is needed. Children without a usable grant (none sent, the context carries
 * no nonce, or the grant expired) are read fresh from the record in one call, as before grants.
 * A grant that is not genuine, or was made for another request, caller or child, is refused:
 * that child gets an UNAUTHENTICATED error and nothing of it is read or returned.
 */
export async function accessFactsOf(
  ctx: SubgraphContext,
  queries: readonly { obj: { id?: unknown; accessGrant?: unknown } }[],
): Promise<{ facts: Map<string, ChildAccessFacts>; refused: Map<string, HubError> }> {
  const facts = new Map<string, ChildAccessFacts>();
  const refused = new Map<string, HubError>();
  const missing: string[] = [];
  const grants = new Map<string, unknown>();
  for (const { obj } of queries) {
    const id = String(obj.id);
    if (!grants.has(id)) grants.set(id, obj.accessGrant);
  }
  for (const [id, grant] of grants) {
    if (typeof grant !== 'string' || grant.length === 0) {
      missing.push(id);
      continue;
    }
    const check = ctx.accessGrants.check(grant, id);
    if (check.status === 'valid') facts.set(id, check.facts);
    else if (check.status === 'expired' || check.status === 'unbound') missing.push(id);
    else {
      ctx.log.warn({ childId: id, reason: check.reason }, 'access grant refused');
      refused.set(
        id,
        new HubError(
          'UNAUTHENTICATED',
          'The access grant for this child was not issued by the hub for this request.',
          {
            childId: id,
          },
        ),
      );
    }
  }
  if (missing.length > 0) {
    if (!ctx.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for this adapter');
    for (const [id, f] of await fetchAccessFacts(ctx.recordBaseUrl, ctx.hubToken, missing)) facts.set(id, f);
  }
  return { facts, refused };
}

/**
 * The one loader shape every adapter uses for its section of `Child`: the access facts of the
 * batch (from the record's grants, see accessFactsOf), read only the sections the caller may see
 * at least part of, and guard each row field by field. A section the caller may not see at all
 * comes back as an error for that child alone.
 */
export async function loadGuardedSections<T extends object>(
  ctx: SubgraphContext,
  queries: readonly { obj: { id?: unknown; accessGrant?: unknown } }[],
  sectionField: string,
  subject: SubjectName,
  find: (childIds: string[]) => Promise<Map<string, T>>,
): Promise<Array<Guarded<T> | HubError | null>> {
  const ids = [...new Set(queries.map((q) => String(q.obj.id)))];
  const { facts, refused } = await accessFactsOf(ctx, queries);
  const decisions = new Map(ids.map((id) => [id, facts.has(id) ? decide(ctx, facts.get(id)!) : null]));
  const readable = ids.filter((id) => {
    const d = decisions.get(id);
    return d?.canSeeChild && d.subjects[subject].allowed.length > 0;
  });
  const sections = await find(readable);
  return queries.map(({ obj }) => {
    const childId = String(obj.id);
    const refusal = refused.get(childId);
    if (refusal) return refusal;
    const decision = decisions.get(childId);
    if (!decision?.canSeeChild) {
      reportChildDenied(ctx, childId);
      return new HubError('NOT_FOUND', `No child record has id ${childId} that you can see.`, { childId });
    }
    if (decision.subjects[subject].allowed.length === 0)
      return sectionDenied(ctx, childId, sectionField, subject, decision);
    const section = sections.get(childId);
    return section ? guardRow(section, childId, subject, decision) : null;
  });
}

/** A policy function for one action on a whole child record (see @hub/policy send-workflow). */
export type ActionRule = (facts: ChildAccessFacts, now: Date) => ActionDecision;

/**
 * For loaders over a batch of children: may the caller read this part (`Child.<field>`) of each?
 * A child the caller cannot see at all is NOT_FOUND (as everywhere); a visible child with the
 * rule refusing is FORBIDDEN_FIELD with `deniedReason`. Every child is reported for the audit
 * event. Returns, per child id, true or the error to put in that child's field.
 */
export function gateChildren(
  ctx: SubgraphContext,
  facts: Map<string, ChildAccessFacts>,
  childIds: readonly string[],
  rule: ActionRule,
  audit: { subject: string; field: string; deniedReason: DenialReason },
): Map<string, true | HubError> {
  const now = new Date();
  const out = new Map<string, true | HubError>();
  for (const childId of childIds) {
    const f = facts.get(childId);
    const decision = f ? decide(ctx, f) : null;
    if (!f || !decision?.canSeeChild) {
      reportChildDenied(ctx, childId);
      out.set(
        childId,
        new HubError('NOT_FOUND', `No child record has id ${childId} that you can see.`, { childId }),
      );
      continue;
    }
    const allowed = rule(f, now);
    ctx.access.push({
      childId,
      subject: audit.subject,
      fieldsReturned: allowed.allowed ? [audit.field] : [],
      fieldsDenied: allowed.allowed ? [] : [{ field: audit.field, reason: audit.deniedReason }],
      breakGlass: decision.breakGlass,
      ...(decision.breakGlassReason ? { breakGlassReason: decision.breakGlassReason } : {}),
    });
    out.set(
      childId,
      allowed.allowed
        ? true
        : new HubError(
            'FORBIDDEN_FIELD',
            `You may not see Child.${audit.field}: ${allowed.reason ?? 'not permitted'}`,
            {
              field: `Child.${audit.field}`,
              reason: audit.deniedReason,
              childId,
            },
          ),
    );
  }
  return out;
}
