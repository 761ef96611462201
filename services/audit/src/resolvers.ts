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
import {
  fetchAccessFacts,
  HubError,
  requireCaller,
  type SubgraphContext,
  type SubgraphResolvers,
} from '@hub/service-kit';
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
 * What this subgraph reports about the child whose audit information was read, so that the
 * gateway's audit event names that child. `AuditTrail` / `AccessHistory` are not sections of
 * the record: accessHistory leaves such events out of what families see.
 */
function report(
  ctx: SubgraphContext,
  childId: string,
  subject: 'AuditTrail' | 'AccessHistory',
  field: string,
  denied: boolean,
) {
  ctx.access.push({
    childId: childId.toLowerCase(),
    subject,
    breakGlass: false,
    fieldsReturned: denied ? [] : [field],
    fieldsDenied: denied ? [{ field, reason: 'NOT_PERMITTED' }] : [],
  });
}

const isUuid = (value: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

export const resolvers: SubgraphResolvers<Resolvers> = {
  Query: {
    async auditEvents(_root, args, ctx) {
      requireCaller(ctx);
      const childId = args.filter?.childId;
      const auditedChild = typeof childId === 'string' && isUuid(childId) ? childId : null;
      if (ctx.hub.principal.role !== 'auditor') {
        if (auditedChild) report(ctx, auditedChild, 'AuditTrail', 'auditEvents', true);
        throw new HubError('FORBIDDEN', 'Only auditors may read the audit log.');
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
      const page = await asHubErrors(() =>
        queryAuditEvents(ctx.db, filter, { first: args.first, after: args.after }),
      );
      if (auditedChild) report(ctx, auditedChild, 'AuditTrail', 'auditEvents', false);
      return page;
    },

    async accessHistory(_root, args, ctx) {
      requireCaller(ctx);
      const { principal } = ctx.hub;
      if (!isUuid(args.childId)) {
        throw new HubError('INVALID_INPUT', 'childId must be a UUID.', { field: 'childId' });
      }
      // One message for "not family" and "not your child": it must not reveal whether the child exists.
      const refuse = () => {
        report(ctx, args.childId, 'AccessHistory', 'accessHistory', true);
        return new HubError(
          'FORBIDDEN',
          "Only the child's parent carers, or the young person, may see who accessed this record.",
        );
      };
      if (principal.role !== 'parent_carer' && principal.role !== 'young_person') throw refuse();
      if (!ctx.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for the audit service');
      const facts = (
        await fetchAccessFacts(ctx.recordBaseUrl, ctx.hubToken, [args.childId.toLowerCase()])
      ).get(args.childId.toLowerCase());
      if (!facts || !hasRelationship(principal, facts, new Date())) throw refuse();
      const history = await asHubErrors(() =>
        accessHistory(ctx.db, args.childId, { first: args.first ?? 100 }),
      );
      report(ctx, args.childId, 'AccessHistory', 'accessHistory', false);
      return history;
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
