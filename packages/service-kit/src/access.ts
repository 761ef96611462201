import type { ChildKey, FactsLoader, GrantedAssessment } from '@hub/access';
import type { ChildAccessFacts } from '@hub/policy';
import { HubError } from './errors.ts';
import { callRecord } from './record-client.ts';
import type { AccessGrants } from './subgraph.ts';

/**
 * Where a subgraph's access door (@hub/access) gets its facts. The record service reads its own
 * tables (its `accessFacts` option); every other subgraph asks the record, or reads the record's
 * access grant when the gateway sent one (`recordFactsLoader` below).
 */

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
 * The access facts of a batch of children for an adapter. Each entity representation the gateway
 * sends carries the record's access grant for that child (`accessGrant`, federation `@requires`):
 * a valid grant IS the policy's assessment, made by the record moments ago for this same request
 * from the facts it read for it, so no call back to the record is needed, whatever the page size. Children without a usable grant (none sent, the context carries
 * no nonce, or the grant expired) are read fresh from the record in one call, as before grants.
 * A grant that is not genuine, or was made for another request, caller or child, is refused:
 * that child gets an UNAUTHENTICATED error and nothing of it is read or returned.
 */
export function recordFactsLoader(request: {
  accessGrants: AccessGrants;
  hubToken: string;
  recordBaseUrl: string | undefined;
  log: { warn(obj: object, msg: string): void };
}): FactsLoader {
  return async (children: readonly ChildKey[]) => {
    const facts = new Map<string, ChildAccessFacts>();
    const granted = new Map<string, GrantedAssessment>();
    const refused = new Map<string, HubError>();
    const missing: string[] = [];
    const grants = new Map<string, unknown>();
    for (const { childId, grant } of children) if (!grants.has(childId)) grants.set(childId, grant);
    for (const [id, grant] of grants) {
      if (typeof grant !== 'string' || grant.length === 0) {
        missing.push(id);
        continue;
      }
      const check = request.accessGrants.check(grant, id);
      if (check.status === 'valid') granted.set(id, check.assessment);
      else if (check.status === 'expired' || check.status === 'unbound') missing.push(id);
      else {
        request.log.warn({ childId: id, reason: check.reason }, 'access grant refused');
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
      if (!request.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for this service');
      for (const [id, f] of await fetchAccessFacts(request.recordBaseUrl, request.hubToken, missing))
        facts.set(id, f);
    }
    return { facts, granted, refused };
  };
}
