import { SERVICE_TOKEN_HEADER, type SystemPrincipal, signServiceToken } from '@hub/auth';
import type { FastifyBaseLogger } from 'fastify';

export interface IngestCounts {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  deleted: number;
}

/**
 * One ingest, as the audit store records it (the gateway is not in this path): the system as the
 * actor (no role: a machine), `FhirIngest:<type>` with the bundle id and counts as the operation,
 * the linked children whose health section it changed. `attempted` is written before anything
 * is, the outcome after, both under the same request id.
 */
export function ingestEvent(input: {
  requestId: string;
  system: SystemPrincipal;
  bundleType: string;
  bundleId: string | undefined;
  outcome: 'attempted' | 'ok' | 'error';
  counts?: IngestCounts;
  errorCodes?: string[];
  childIds?: string[];
}) {
  const c = input.counts;
  const name = [
    `FhirIngest:${input.bundleType}`,
    `bundle=${(input.bundleId ?? 'none').slice(0, 64)}`,
    ...(c
      ? [
          `created=${c.created}`,
          `updated=${c.updated}`,
          `unchanged=${c.unchanged}`,
          `rejected=${c.rejected}`,
          `deleted=${c.deleted}`,
        ]
      : []),
  ].join(' ');
  return {
    requestId: input.requestId,
    actor: { sub: `system:${input.system.clientId}`.slice(0, 300), role: null, orgId: input.system.orgId },
    purpose: null,
    operationName: name,
    operationType: 'mutation' as const,
    outcome: input.outcome,
    errorCodes: input.errorCodes ?? [],
    children: (input.childIds ?? [])
      .slice(0, 10_000)
      .map((childId) => ({ childId, sections: ['HealthSection'] })),
  };
}

/** POST /internal/audit-events on the audit service; true only when it answered 201 (recorded). */
export async function writeAudit(
  options: { auditUrl: string; secret: string; log: FastifyBaseLogger },
  event: ReturnType<typeof ingestEvent>,
): Promise<boolean> {
  try {
    const response = await fetch(`${options.auditUrl.replace(/\/+$/, '')}/internal/audit-events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SERVICE_TOKEN_HEADER]: await signServiceToken(options.secret, 'audit-writer', event.requestId),
      },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status === 201) {
      await response.body?.cancel();
      return true;
    }
    options.log.error({ status: response.status, body: await response.text() }, 'audit write refused');
  } catch (error) {
    options.log.error({ err: error }, 'audit write failed');
  }
  return false;
}
