import type { SectionSubject } from '@hub/policy';
import { requireCaller, type SubgraphContext } from './subgraph.ts';

/**
 * The one loader every adapter uses for its section of `Child`: the access door's readSections
 * over the batch, each child with the record's access grant the gateway sent for it
 * (`accessGrant`, federation `@requires`). `find` reads the sections of the children the caller
 * may see at least part of, given the fields the policy permits (it need not read the others).
 */
export function sectionLoader<T extends object>(
  field: string,
  subject: SectionSubject,
  find: (ctx: SubgraphContext, childIds: string[], fields: readonly string[]) => Promise<Map<string, T>>,
) {
  return async (
    queries: readonly { obj: { id?: unknown; accessGrant?: unknown } }[],
    ctx: SubgraphContext,
  ) => {
    requireCaller(ctx);
    return ctx.door.readSections(
      queries.map(({ obj }) => ({ childId: String(obj.id), grant: obj.accessGrant })),
      { field, subject },
      (childIds, fields) => find(ctx, childIds, fields),
    );
  };
}
