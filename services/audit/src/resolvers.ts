import {
  type AccessRecord,
  type AuditFilter,
  AuditInputError,
  type AuditOutcome,
  accessHistory,
  queryAuditEvents,
  type StoredAuditEvent,
} from '@hub/audit';
import { councilOf, hasRelationship } from '@hub/policy';
import { HubError, requireCaller, type SubgraphResolvers } from '@hub/service-kit';
import { ORGANISATION_NAMES } from '@hub/synthetic';
import { familyReuseResolvers } from './family-reuse.ts';
import type { Resolvers } from './generated/graphql.ts';

/** GraphQL enum values are upper case; the store keeps the lower-case words. */
const upper = (value: string) => value.toUpperCase();

/** Validation problems reach the caller as INVALID_INPUT, listing every one. */
async function asHubErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AuditInputError) {
      throw new HubError('INVALID_INPUT', `Invalid audit query: ${error.problems.join('; ')}.`, {
        problems: error.problems,
      });
    }
    throw error;
  }
}

/**
 * The access door reports the child whose audit information was read, so that the gateway's
 * audit event names that child. `AuditTrail` / `AccessHistory` are not sections of the record:
 * accessHistory leaves such events out of what families see.
 */
const AUDIT_TRAIL = { subject: 'AuditTrail', field: 'auditEvents' } as const;
const ACCESS_HISTORY = { subject: 'AccessHistory', field: 'accessHistory' } as const;

const isUuid = (value: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

export const resolvers: SubgraphResolvers<Resolvers> = {
  Query: {
    async auditEvents(_root, args, ctx) {
      requireCaller(ctx);
      const childId = args.filter?.childId;
      const auditedChild = typeof childId === 'string' && isUuid(childId) ? childId.toLowerCase() : null;
      if (ctx.hub.principal.role !== 'auditor') {
        const error = new HubError('FORBIDDEN', 'Only auditors may read the audit log.');
        throw auditedChild ? ctx.door.refuse(auditedChild, AUDIT_TRAIL, error) : error;
      }
      // Tenancy: an auditor sees their own council's events (councilOf: their organisation).
      const council = councilOf(ctx.hub.principal);
      if (council === null) throw new HubError('FORBIDDEN', 'Only auditors may read the audit log.');
      const { outcome, ...rest } = args.filter ?? {};
      const filter: AuditFilter = {
        ...rest,
        outcome: outcome ? (outcome.toLowerCase() as AuditOutcome) : null,
        council,
      };
      return ctx.door.audited({ ...AUDIT_TRAIL, children: () => (auditedChild ? [auditedChild] : []) }, () =>
        asHubErrors(() => queryAuditEvents(ctx.db, filter, { first: args.first, after: args.after })),
      );
    },

    async accessHistory(_root, args, ctx) {
      requireCaller(ctx);
      const { principal } = ctx.hub;
      if (!isUuid(args.childId)) {
        throw new HubError('INVALID_INPUT', 'childId must be a UUID.', { field: 'childId' });
      }
      const childId = args.childId.toLowerCase();
      // One message for "not family" and "not your child": it must not reveal whether the child exists.
      const refusal = () =>
        new HubError(
          'FORBIDDEN',
          "Only the child's parent carers, or the young person, may see who accessed this record.",
        );
      if (principal.role !== 'parent_carer' && principal.role !== 'young_person')
        throw ctx.door.refuse(childId, ACCESS_HISTORY, refusal());
      return ctx.door.read(
        childId,
        (facts, now) => ({ allowed: hasRelationship(principal, facts, now) }),
        ACCESS_HISTORY,
        () => asHubErrors(() => accessHistory(ctx.db, args.childId, { first: args.first ?? 100 })),
        { hidden: 'refused', refusal, breakGlass: false },
      );
    },
  },

  ...familyReuseResolvers,

  AuditEvent: {
    seq: (event: StoredAuditEvent) => String(event.seq),
    actor: (event: StoredAuditEvent) => ({ ...event.actor, organisation: event.actor.orgId }),
    operationType: (event: StoredAuditEvent) => upper(event.operationType),
    outcome: (event: StoredAuditEvent) => upper(event.outcome),
  },

  AccessRecord: {
    outcome: (record: AccessRecord) => upper(record.outcome),
    // Families see who looked by name, never by an internal id such as `school-1`. The hub's
    // organisations are the synthetic ones (a real deployment would read its directory here).
    organisationName: (record: AccessRecord) =>
      Object.hasOwn(ORGANISATION_NAMES, record.organisation) ? ORGANISATION_NAMES[record.organisation] : null,
  },
};
