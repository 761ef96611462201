import {
  type ActionDecision,
  activeBreakGlass,
  assessChildAccess,
  type ChildAccessAssessment,
  type ChildAccessDecision,
  type ChildAccessFacts,
  type DenialReason,
  decideWrite,
  decisionFor,
  defineAbilityFor,
  type HubAbility,
  type Principal,
  type Purpose,
  SECTIONS,
  type SectionSubject,
  SUBJECT_FIELDS,
  type SubjectName,
  sectionOfField,
  type WriteCheck,
} from '@hub/policy';
import { childNotFound, HubError } from './errors.ts';
import { type AccessReport, ReportLog, reportKey } from './report.ts';

/**
 * The access door: the one way a subgraph reaches a child's data. Bound once per request (the
 * subgraph context's `door`, made by @hub/service-kit over the service's facts loader), each verb
 * loads the child's access facts, decides with @hub/policy, reports the access for the audit event
 * and hands back the value or the error. Resolvers cannot write an access report themselves: the
 * reports live in this module (STATE), read only by the subgraph plumbing (plumbing.ts).
 */

/** A child asked for, with the record's access grant for it when the gateway sent one. */
export interface ChildKey {
  childId: string;
  grant?: unknown;
}

/**
 * The record's assessment of a child for this request, from a valid access grant (@hub/auth
 * access-grant.ts), with the break-glass reason for the audit event.
 */
export type GrantedAssessment = ChildAccessAssessment & { breakGlassReason?: string };

/**
 * Reads access facts: the record service reads its own tables; the adapters check the record's
 * grants and ask the record for the rest. `granted` carries the record's assessment for children
 * whose grant was valid (no facts needed for them), `refused` per-child errors (a forged grant).
 */
export type FactsLoader = (children: readonly ChildKey[]) => Promise<{
  facts: Map<string, ChildAccessFacts>;
  granted?: Map<string, GrantedAssessment>;
  refused?: Map<string, HubError>;
}>;

/** The caller, from the gateway-signed context; null when the request carries none. */
export interface DoorCaller {
  principal: Principal;
  purpose: Purpose | null;
}

/**
 * The policy's decision for one child, plus the break-glass reason for the audit event and the
 * assessment it follows from (what the record hands on in an access grant).
 */
export type Decision = ChildAccessDecision & { breakGlassReason?: string; assessment: GrantedAssessment };

/**
 * A policy function for reading one part of a whole child record (@hub/policy send-workflow.ts:
 * canSeeFamilyInformation, canReadAdvice, ...). Writes are not functions: they are the CASL
 * ability's rules, asked with a WriteCheck (`['record', 'EhcAssessment']`).
 */
export type ActionRule = (
  facts: ChildAccessFacts,
  now: Date,
) => ActionDecision & { code?: 'FORBIDDEN' | 'NO_CONSENT' };

/** How an action is reported: its subject, and the write (`action`) or the part read (`field`). */
export interface ActionAudit {
  subject: string;
  action?: string;
  field?: string;
}

/**
 * How a write is reported: the GraphQL mutation (`action`), and the part named in a refusal
 * (`field`; default the action). The report's subject is the write's CASL subject.
 */
export interface WriteAudit {
  action: string;
  field?: string;
}

/** Builds the caller's CASL ability on one child (@hub/policy defineAbilityFor). */
export type AbilityFor = (caller: DoorCaller, facts: ChildAccessFacts, now: Date) => HubAbility;

export interface RequireOptions {
  /** The error for a refused action (default: FORBIDDEN with the policy's reason). */
  refusal?: (decision: ActionDecision, reason: DenialReason) => HubError;
  /**
   * A child the caller cannot see: 'not-found' (default; reported as a denial of the whole
   * child) or 'refused' (reported and answered as a refused action, for answers that must not
   * differ between an unknown child and a known one).
   */
  hidden?: 'not-found' | 'refused';
  /** The action never rides on break-glass (advice writing needs a relationship): report false. */
  breakGlass?: false;
}

/** A rule's answer, with the reason a refusal is recorded under in the audit event. */
type RuleDecision = ActionDecision & { denied: DenialReason };

const GUARD = Symbol('hub.guard');
const ASSESSMENT = Symbol('hub.accessAssessment');

interface GuardInfo {
  childId: string;
  /** reportKey(childId, subject): where this row's fields are reported. */
  key: string;
  subject: SubjectName;
  denied: ReadonlyMap<string, DenialReason>;
  breakGlass: boolean;
  breakGlassReason: string | undefined;
}

export type Guarded<T> = T & { [GUARD]: GuardInfo };

/** A child the caller may see, with the facts and decision this request made on them. */
export interface SeenChild {
  childId: string;
  facts: ChildAccessFacts;
  decision: Decision;
  /** The row with the fields the policy denies removed (the field resolvers report each read). */
  guard<T extends object>(row: T, subject: SubjectName): Guarded<T>;
  /**
   * Checks a write on this child with the caller's CASL ability and reports it; throws
   * FORBIDDEN (reported, with the refusal's message and audit reason) when refused.
   */
  require(check: WriteCheck, audit: WriteAudit, options?: RequireOptions): void;
}

/** Options of `door.audited`, for accesses a domain function checks with @hub/policy itself. */
export interface AuditedAccess<T> {
  subject: string;
  /** The write, reported with no fields. */
  action?: string;
  /** The part read, reported as returned. */
  field?: string;
  /** The children the value is about (each reported). */
  children: (value: T) => Iterable<string>;
  /** Break-glass opened this access: its reason (reported with breakGlass: true). */
  breakGlass?: (value: T) => string | null;
  /** On refusal: the child the refused request was about, when only the store knows it. */
  refusedChild?: () => Promise<string | null>;
}

export interface AccessDoor {
  /**
   * A child's facts and decision; NOT_FOUND (reported as a denial) when the caller may not see it.
   * `facts` when the caller already read them (an adapter's one call to the record for an action).
   */
  see(childId: string, options?: { facts: ChildAccessFacts | null }): Promise<SeenChild>;
  /**
   * `see` then `require` on the seen child: the ability's check and the report of one write,
   * e.g. `door.require(childId, ['record', 'EhcAssessment'], { action: 'recordAnnualReview' })`.
   */
  require(
    childId: string,
    check: WriteCheck,
    audit: WriteAudit,
    options?: RequireOptions,
  ): Promise<SeenChild>;
  /**
   * A read of something about one child that is reported only once it is read: checks `rule`
   * (refusals reported and thrown as in `require`), runs `read`, reports the field returned.
   */
  read<T>(
    childId: string,
    rule: ActionRule,
    audit: { subject: string; field: string },
    read: (child: SeenChild) => Promise<T>,
    options?: RequireOptions,
  ): Promise<T>;
  /**
   * For loaders over a batch of children: may the caller read this part (`Child.<field>`) of
   * each? Unseen children are NOT_FOUND, refused ones FORBIDDEN_FIELD naming the field; all are
   * reported. Returns, per child id, the seen child or the error to put in that child's field.
   * `rule`: a read rule, or a write the caller must be able to make (a list of what they manage).
   */
  gate(
    childIds: readonly string[],
    rule: ActionRule | WriteCheck,
    audit: { subject: string; field: string; deniedReason: DenialReason },
  ): Promise<Map<string, SeenChild | HubError>>;
  /**
   * Identity rows (the record's `Child`): children the caller may not see are dropped (and
   * reported); the rest are guarded field by field, each with the assessment this request made
   * kept on the row for `Child.accessGrant` (keptAssessment). `facts` when the caller read them
   * with the rows.
   */
  seeChildren<T extends { id: string }>(
    rows: readonly T[],
    options?: { facts?: Map<string, ChildAccessFacts> },
  ): Promise<Guarded<T>[]>;
  /**
   * An adapter's section of `Child` for a batch (a federation loader): read only the sections
   * the caller may see at least part of, guard each row field by field. A section closed to the
   * caller, an unseen child and a refused grant come back as an error for that child alone.
   * `find` is given the fields the policy permits for at least one of the children (CASL's
   * permittedFieldsOf, via the decision): it need not read any other column.
   */
  readSections<T extends object>(
    children: readonly ChildKey[],
    section: { field: string; subject: SectionSubject },
    find: (childIds: string[], fields: readonly string[]) => Promise<Map<string, T>>,
  ): Promise<Array<Guarded<T> | HubError | null>>;
  /**
   * For accesses a domain function checks itself with @hub/policy (consent, capacity, identity
   * review): runs `work` and reports the access it made on success (and, with `refusedChild`,
   * on refusal), so the report cannot be forgotten.
   */
  audited<T>(access: AuditedAccess<T>, work: () => Promise<T>): Promise<T>;
  /** Reports a refused access to one child's information and returns the error to throw. */
  refuse(childId: string, audit: { subject: string; field: string }, error: HubError): HubError;
}

interface DoorState {
  caller: () => DoorCaller;
  log: ReportLog;
  decided: Set<string>;
}

const STATE = new WeakMap<AccessDoor, DoorState>();

function state(door: AccessDoor): DoorState {
  const s = STATE.get(door);
  if (!s) throw new Error('not an access door');
  return s;
}

const PLAIN_REASON: Record<DenialReason, string> = {
  NO_CONSENT: 'the family has not agreed to share it with your organisation for this purpose',
  NOT_PERMITTED: 'your role does not give access to it',
  NO_RELATIONSHIP: 'you are not involved with this child',
};

/** Consent is per purpose: with no purpose declared, say that rather than blame the family. */
function plainReason(purpose: Purpose | null, reason: DenialReason): string {
  if (reason === 'NO_CONSENT' && purpose === null) {
    return 'consent is given for a purpose, and this request did not say what it is for (send X-Hub-Purpose)';
  }
  return PLAIN_REASON[reason];
}

/** The policy's decision on one child's facts (@hub/policy: assessment, then its field-level verdict). */
function decide(caller: DoorCaller, facts: ChildAccessFacts, now: Date): Decision {
  const assessment = assessChildAccess(caller.principal, facts, { now, purpose: caller.purpose });
  const glass = assessment.breakGlass ? activeBreakGlass(caller.principal, facts, now) : null;
  return decisionOf(caller, glass ? { ...assessment, breakGlassReason: glass.reason } : assessment);
}

/** The field-level decision for an assessment (this door's own, or the record's in a grant). */
function decisionOf(caller: DoorCaller, assessment: GrantedAssessment): Decision {
  const decision = decisionFor(caller.principal, assessment);
  return assessment.breakGlassReason !== undefined
    ? { ...decision, breakGlassReason: assessment.breakGlassReason, assessment }
    : { ...decision, assessment };
}

/**
 * A subject's denied fields as a map, once per decision list: decisionFor hands out the same
 * frozen lists for the same (role, assessment), so a page of rows shares one map (read only).
 */
const deniedMaps = new WeakMap<
  Decision['subjects'][SubjectName]['denied'],
  ReadonlyMap<string, DenialReason>
>();
function deniedMap(list: Decision['subjects'][SubjectName]['denied']): ReadonlyMap<string, DenialReason> {
  let map = deniedMaps.get(list);
  if (!map) {
    map = new Map(list.map((d) => [d.field, d.reason] as const));
    deniedMaps.set(list, map);
  }
  return map;
}

function guardRow<T extends object>(
  row: T,
  childId: string,
  subject: SubjectName,
  decision: Decision,
): Guarded<T> {
  const denied = deniedMap(decision.subjects[subject].denied);
  // A copy without the denied fields: the value is not even present on what resolvers see.
  let copy: Record<string | symbol, unknown>;
  if (denied.size === 0) copy = { ...row } as Record<string | symbol, unknown>;
  else {
    copy = {};
    for (const [field, value] of Object.entries(row)) if (!denied.has(field)) copy[field] = value;
  }
  copy[GUARD] = {
    childId,
    key: reportKey(childId, subject),
    subject,
    denied,
    breakGlass: decision.breakGlass,
    breakGlassReason: decision.breakGlassReason,
  } satisfies GuardInfo;
  return copy as Guarded<T>;
}

function sectionLabel(field: string): string {
  const section = sectionOfField(field);
  return section ? SECTIONS[section].label : field;
}

const glassOf = (decision: Decision) =>
  decision.breakGlassReason ? { breakGlassReason: decision.breakGlassReason } : {};

/**
 * Opens the door for one request. Returns the door (for the context) and what only the subgraph
 * plumbing may read: the reports, and which children this request's door decided on.
 */
export function openDoor(options: {
  caller: () => DoorCaller;
  load: FactsLoader;
  /** Tests only: how the caller's ability is built (default @hub/policy defineAbilityFor). */
  abilityFor?: AbilityFor;
}): {
  door: AccessDoor;
  reports: () => readonly AccessReport[];
  decidedOn: (childId: string) => boolean;
} {
  const log = new ReportLog();
  /** Every child this request's door decided on (seen, refused or reported). */
  const decided = new Set<string>();
  const report = (entry: AccessReport) => {
    decided.add(entry.childId);
    log.add(entry);
  };

  const reportChildDenied = (childId: string) =>
    report({
      childId,
      subject: 'Child',
      breakGlass: false,
      fieldsReturned: [],
      fieldsDenied: [{ field: '*', reason: 'NO_RELATIONSHIP' }],
    });

  const abilityFor: AbilityFor =
    options.abilityFor ??
    ((caller, facts, now) => defineAbilityFor(caller.principal, facts, { now, purpose: caller.purpose }));

  /** The caller's ability on this child, asked about one write: as a rule's decision. */
  function decideWriteOn(check: WriteCheck, facts: ChildAccessFacts, now: Date): RuleDecision {
    const caller = options.caller();
    const ability = abilityFor(caller, facts, now);
    const decision = decideWrite(ability, caller.principal, check, facts.childId);
    return decision.allowed
      ? { allowed: true, denied: 'NOT_PERMITTED' }
      : { allowed: false, reason: decision.reason, denied: decision.audit };
  }

  function decideRule(rule: ActionRule, facts: ChildAccessFacts, now: Date): RuleDecision {
    const allowed = rule(facts, now);
    return { ...allowed, denied: allowed.code === 'NO_CONSENT' ? 'NO_CONSENT' : 'NOT_PERMITTED' };
  }

  async function factsOf(children: readonly ChildKey[]) {
    if (children.length === 0)
      return { facts: new Map<string, ChildAccessFacts>(), granted: undefined, refused: undefined };
    return options.load(children);
  }

  function seen(childId: string, facts: ChildAccessFacts, decision: Decision): SeenChild {
    decided.add(childId);
    return {
      childId,
      facts,
      decision,
      guard: (row, subject) => guardRow(row, childId, subject, decision),
      require(check, audit, opts = {}) {
        const allowed = decideWriteOn(check, facts, new Date());
        enforce(childId, decision, allowed, { subject: check[1], ...audit }, opts);
      },
    };
  }

  /** Reports the decided action on a seen child; throws FORBIDDEN (reported) when refused. */
  function enforce(
    childId: string,
    decision: Decision,
    allowed: RuleDecision,
    audit: ActionAudit,
    opts: RequireOptions,
  ): void {
    const field = audit.field ?? audit.action ?? audit.subject;
    const breakGlass = opts.breakGlass ?? decision.breakGlass;
    const base = { childId, subject: audit.subject, ...(audit.action ? { action: audit.action } : {}) };
    if (!allowed.allowed) {
      const reason = allowed.denied;
      report({ ...base, fieldsReturned: [], fieldsDenied: [{ field, reason }], breakGlass });
      throw opts.refusal
        ? opts.refusal(allowed, reason)
        : new HubError('FORBIDDEN', allowed.reason ?? 'You may not do this.', { childId });
    }
    report({
      ...base,
      fieldsReturned: audit.action ? [] : [field],
      fieldsDenied: [],
      breakGlass,
      ...(breakGlass ? glassOf(decision) : {}),
    });
  }

  async function see(
    childId: string,
    opts: RequireOptions = {},
    audit?: ActionAudit,
    given?: { facts: ChildAccessFacts | null },
  ): Promise<SeenChild> {
    const caller = options.caller();
    const facts = given ? (given.facts ?? undefined) : (await factsOf([{ childId }])).facts.get(childId);
    const decision = facts ? decide(caller, facts, new Date()) : null;
    if (!facts || !decision?.canSeeChild) {
      if (opts.hidden === 'refused' && audit) {
        const field = audit.field ?? audit.action ?? audit.subject;
        report({
          childId,
          subject: audit.subject,
          ...(audit.action ? { action: audit.action } : {}),
          fieldsReturned: [],
          fieldsDenied: [{ field, reason: 'NOT_PERMITTED' }],
          breakGlass: false,
        });
        throw opts.refusal
          ? opts.refusal({ allowed: false }, 'NOT_PERMITTED')
          : new HubError('FORBIDDEN', 'You may not do this.', { childId });
      }
      reportChildDenied(childId);
      throw childNotFound(childId);
    }
    return seen(childId, facts, decision);
  }

  const door: AccessDoor = {
    see: (childId, given) => see(childId, {}, undefined, given),

    async require(childId, check, audit, opts) {
      const child = await see(childId, opts, { subject: check[1], ...audit });
      child.require(check, audit, opts);
      return child;
    },

    async read(childId, rule, audit, read, opts = {}) {
      const child = await see(childId, opts, audit);
      // Refusals are reported by enforce; the return is reported once the value is read.
      const allowed = decideRule(rule, child.facts, new Date());
      if (!allowed.allowed) enforce(childId, child.decision, allowed, audit, opts);
      const value = await read(child);
      const breakGlass = opts.breakGlass ?? child.decision.breakGlass;
      report({
        childId,
        subject: audit.subject,
        fieldsReturned: [audit.field],
        fieldsDenied: [],
        breakGlass,
        ...(breakGlass ? glassOf(child.decision) : {}),
      });
      return value;
    },

    async gate(childIds, rule, audit) {
      const caller = options.caller();
      const { facts } = await factsOf(childIds.map((childId) => ({ childId })));
      const now = new Date();
      const out = new Map<string, SeenChild | HubError>();
      for (const childId of childIds) {
        const f = facts.get(childId);
        const decision = f ? decide(caller, f, now) : null;
        if (!f || !decision?.canSeeChild) {
          reportChildDenied(childId);
          out.set(childId, childNotFound(childId));
          continue;
        }
        const allowed = typeof rule === 'function' ? decideRule(rule, f, now) : decideWriteOn(rule, f, now);
        report({
          childId,
          subject: audit.subject,
          fieldsReturned: allowed.allowed ? [audit.field] : [],
          fieldsDenied: allowed.allowed ? [] : [{ field: audit.field, reason: audit.deniedReason }],
          breakGlass: decision.breakGlass,
          ...glassOf(decision),
        });
        out.set(
          childId,
          allowed.allowed
            ? seen(childId, f, decision)
            : new HubError(
                'FORBIDDEN_FIELD',
                `You may not see Child.${audit.field}: ${allowed.reason ?? 'not permitted'}`,
                { field: `Child.${audit.field}`, reason: audit.deniedReason, childId },
              ),
        );
      }
      return out;
    },

    async seeChildren(rows, opts = {}) {
      const caller = options.caller();
      const facts = opts.facts ?? (await factsOf(rows.map((r) => ({ childId: r.id })))).facts;
      const now = new Date();
      return rows.flatMap((row) => {
        const f = facts.get(row.id);
        const decision = f ? decide(caller, f, now) : null;
        if (!f || !decision?.canSeeChild) {
          reportChildDenied(row.id);
          return [];
        }
        decided.add(row.id);
        const guarded = guardRow(row, row.id, 'Child', decision);
        // Kept for Child.accessGrant: the adapters use the assessment this request made.
        (guarded as Record<symbol, unknown>)[ASSESSMENT] = decision.assessment;
        return [guarded];
      });
    },

    async readSections(children, section, find) {
      const caller = options.caller();
      const { subject, field: sectionField } = section;
      const unique = [...new Map(children.map((c) => [c.childId, c])).values()];
      const { facts, granted, refused } = await factsOf(unique);
      const now = new Date();
      const decisions = new Map(
        unique.map(({ childId }) => {
          // The record's assessment for this request (a valid grant), else a decision on the facts.
          const g = granted?.get(childId);
          if (g) return [childId, decisionOf(caller, g)] as const;
          const f = facts.get(childId);
          return [childId, f ? decide(caller, f, now) : null] as const;
        }),
      );
      const readable = unique
        .map((c) => c.childId)
        .filter((id) => {
          const d = decisions.get(id);
          return d?.canSeeChild && d.subjects[subject].allowed.length > 0;
        });
      const fields = [...new Set(readable.flatMap((id) => decisions.get(id)!.subjects[subject].allowed))];
      const sections = readable.length > 0 ? await find(readable, fields) : new Map<string, never>();
      return children.map(({ childId }) => {
        const refusal = refused?.get(childId);
        if (refusal) return refusal;
        const decision = decisions.get(childId);
        if (!decision?.canSeeChild) {
          reportChildDenied(childId);
          return childNotFound(childId);
        }
        if (decision.subjects[subject].allowed.length === 0) {
          return sectionDenied(caller.purpose, childId, sectionField, subject, decision);
        }
        const row = sections.get(childId);
        decided.add(childId);
        return row ? guardRow(row, childId, subject, decision) : null;
      });
    },

    async audited(access, work) {
      const entry = (childId: string, breakGlassReason: string | null): AccessReport => ({
        childId,
        subject: access.subject,
        ...(access.action ? { action: access.action } : {}),
        fieldsReturned: access.action || !access.field ? [] : [access.field],
        fieldsDenied: [],
        breakGlass: breakGlassReason !== null,
        ...(breakGlassReason !== null ? { breakGlassReason } : {}),
      });
      let value: Awaited<ReturnType<typeof work>>;
      try {
        value = await work();
      } catch (error) {
        const childId = access.refusedChild ? await access.refusedChild().catch(() => null) : null;
        if (childId) report(entry(childId, null));
        throw error;
      }
      const glass = access.breakGlass?.(value) ?? null;
      for (const childId of new Set(access.children(value))) report(entry(childId, glass));
      return value;
    },

    refuse(childId, audit, error) {
      report({
        childId,
        subject: audit.subject,
        breakGlass: false,
        fieldsReturned: [],
        fieldsDenied: [{ field: audit.field, reason: 'NOT_PERMITTED' }],
      });
      return error;
    },
  };

  /** A whole section closed to this caller: returned (not thrown) so only this child's section fails. */
  function sectionDenied(
    purpose: Purpose | null,
    childId: string,
    sectionField: string,
    subject: SubjectName,
    decision: Decision,
  ): HubError {
    const denied = decision.subjects[subject].denied;
    const reason: DenialReason = denied.some((d) => d.reason === 'NO_CONSENT')
      ? 'NO_CONSENT'
      : (denied[0]?.reason ?? 'NOT_PERMITTED');
    report({
      childId,
      subject: 'Child',
      breakGlass: decision.breakGlass,
      fieldsReturned: [],
      fieldsDenied: [{ field: sectionField, reason }],
    });
    return new HubError(
      'FORBIDDEN_FIELD',
      `You may not see the ${sectionLabel(sectionField)} section: ${plainReason(purpose, reason)}.`,
      { field: `Child.${sectionField}`, reason, childId },
    );
  }

  STATE.set(door, { caller: options.caller, log, decided });
  return { door, reports: () => log.list(), decidedOn: (childId) => decided.has(childId) };
}

/**
 * Resolvers for every policy field of `subject`: return the value (and report it) or throw
 * FORBIDDEN_FIELD (and report the denial). Objects that are not guarded are refused: a
 * resolver that forgot to guard fails closed instead of leaking.
 */
export function guardedFieldResolvers(subject: SubjectName): Record<string, unknown> {
  const resolvers: Record<string, unknown> = {};
  for (const field of SUBJECT_FIELDS[subject]) {
    resolvers[field] = (
      parent: Record<string | symbol, unknown>,
      _args: unknown,
      ctx: { door: AccessDoor },
    ) => {
      const guard = parent[GUARD] as GuardInfo | undefined;
      if (!guard) throw new Error(`unguarded ${subject} object reached the ${field} resolver`);
      const { log, caller, decided } = state(ctx.door);
      decided.add(guard.childId);
      const reason = guard.denied.get(field);
      log.field(guard.key, guard, field, reason);
      if (reason) {
        throw new HubError(
          'FORBIDDEN_FIELD',
          `You may not see ${subject}.${field}: ${plainReason(caller().purpose, reason)}.`,
          { field: `${subject}.${field}`, reason, childId: guard.childId },
        );
      }
      return parent[field];
    };
  }
  return resolvers;
}

/** The assessment kept on a row by `seeChildren`, for `Child.accessGrant`. */
export function keptAssessment(row: object): GrantedAssessment | undefined {
  return (row as Record<symbol, GrantedAssessment | undefined>)[ASSESSMENT];
}
