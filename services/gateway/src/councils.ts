import { signServiceToken } from '@hub/auth';
import { callRecord } from '@hub/service-kit';
import { Pool } from 'undici';

/**
 * Tenancy for the audit log: which council (local authority) each child named in an audit event
 * belongs to, asked of the record service (RECORD_API.childCouncils, service token audience
 * `child-councils`) and kept for a short while.
 *
 * The cache is per gateway instance and only an optimisation: a child's council changes rarely
 * (a move between councils), and a stale entry can only mis-tag audit events for at most
 * `ttlMs` after such a move (the event still names the child; the new council's auditors find it
 * by child id once tagged). Nothing is shared between instances, so any number of gateways can
 * run behind a load balancer.
 */
export class CouncilDirectory {
  readonly #pool: Pool;
  readonly #cache = new Map<string, { council: string | null; at: number }>();

  constructor(
    private readonly recordBaseUrl: string,
    private readonly secret: string,
    private readonly options: { ttlMs?: number; maxEntries?: number; timeoutMs?: number } = {},
  ) {
    this.#pool = new Pool(new URL(recordBaseUrl).origin, { connections: 4, keepAliveMaxTimeout: 5_000 });
  }

  /**
   * The council of each child (null: the record knows no council for it, e.g. no such child).
   * Throws when the record cannot answer: the caller decides what an unresolved event carries.
   */
  async councilsOf(childIds: readonly string[], requestId: string): Promise<Map<string, string | null>> {
    const ttl = this.options.ttlMs ?? 60_000;
    const now = Date.now();
    const result = new Map<string, string | null>();
    const missing: string[] = [];
    for (const id of new Set(childIds.map((c) => c.toLowerCase()))) {
      const hit = this.#cache.get(id);
      if (hit && now - hit.at < ttl) result.set(id, hit.council);
      else missing.push(id);
    }
    if (missing.length === 0) return result;
    const { councils } = await callRecord(
      this.recordBaseUrl,
      'childCouncils',
      { childIds: missing },
      {
        serviceToken: await signServiceToken(this.secret, 'child-councils', requestId),
        unavailable: 'The record service could not say which council each child belongs to.',
        dispatcher: this.#pool,
        timeoutMs: this.options.timeoutMs ?? 5_000,
      },
    );
    const max = this.options.maxEntries ?? 50_000;
    if (this.#cache.size + missing.length > max) this.#cache.clear();
    for (const id of missing) {
      const council = councils[id] ?? null;
      result.set(id, council);
      this.#cache.set(id, { council, at: now });
    }
    return result;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
