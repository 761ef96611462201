import type { openDoor } from '@hub/access/plumbing';
import type { GraphQLOutputType, GraphQLResolveInfo } from 'graphql';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import type { SubgraphContext } from './subgraph.ts';

/** What the subgraph plumbing keeps of one request's door, plus what the check found. */
export type DoorPlumbing = ReturnType<typeof openDoor> & { violations: string[] };

type Plumbing = (ctx: SubgraphContext) => DoorPlumbing | undefined;
type Fn = (...args: unknown[]) => unknown;

/**
 * Fail closed: child data that reaches a response without a door decision refuses the answer.
 * Every resolver and loader the service registers is wrapped: a `Child` field (resolver or
 * loader) must be for a child the door decided on in this request, and so must every `childId`
 * on what a Query or Mutation returns (the value, its list items, a page's `nodes`). Anything
 * else is a resolver that skipped the door (@hub/access): the whole answer becomes INTERNAL and
 * is logged (subgraph.ts onResolution). Other types' fields are resolved on parents these
 * already checked.
 */
export function enforceDoor(
  resolvers: IResolvers,
  loaders: MercuriusLoaders | undefined,
  plumbingOf: Plumbing,
): { resolvers: IResolvers; loaders: MercuriusLoaders | undefined } {
  const checked: Record<string, Record<string, unknown>> = {};
  for (const [type, fields] of Object.entries(resolvers as Record<string, unknown>)) {
    if (typeof fields !== 'object' || fields === null || !['Query', 'Mutation', 'Child'].includes(type)) {
      checked[type] = fields as Record<string, unknown>;
      continue;
    }
    checked[type] = Object.fromEntries(
      Object.entries(fields as Record<string, unknown>).map(([field, fn]) => [
        field,
        typeof fn !== 'function' || field === '__resolveReference'
          ? fn
          : type === 'Child'
            ? childField(`Child.${field}`, fn as Fn, plumbingOf)
            : rootField(`${type}.${field}`, fn as Fn, plumbingOf),
      ]),
    );
  }
  const childLoaders = (loaders as Record<string, Record<string, unknown>> | undefined)?.Child;
  const checkedLoaders = childLoaders
    ? {
        ...loaders,
        Child: Object.fromEntries(
          Object.entries(childLoaders).map(([field, loader]) => [
            field,
            typeof loader === 'function'
              ? childLoader(`Child.${field}`, loader as Fn, plumbingOf)
              : {
                  ...(loader as { loader: Fn }),
                  loader: childLoader(`Child.${field}`, (loader as { loader: Fn }).loader, plumbingOf),
                },
          ]),
        ),
      }
    : loaders;
  return { resolvers: checked as IResolvers, loaders: checkedLoaders as MercuriusLoaders | undefined };
}

function check(ctx: SubgraphContext, plumbingOf: Plumbing, where: string, childIds: Iterable<string>) {
  const plumbing = plumbingOf(ctx);
  if (!plumbing) return;
  for (const childId of childIds) {
    if (!plumbing.decidedOn(childId)) plumbing.violations.push(`${where} for child ${childId}`);
  }
}

const isError = (value: unknown) => value instanceof Error;

/** Runs `after` on the value, synchronously when the resolver was (most field resolvers are). */
function then(value: unknown, after: (value: unknown) => void): unknown {
  if (value instanceof Promise)
    return value.then((v) => {
      after(v);
      return v;
    });
  after(value);
  return value;
}

function childField(where: string, fn: Fn, plumbingOf: Plumbing): Fn {
  return (parent, args, ctx, info) =>
    then(fn(parent, args, ctx, info), (value) => {
      const id = (parent as { id?: unknown } | null)?.id;
      if (value !== null && value !== undefined && typeof id === 'string')
        check(ctx as SubgraphContext, plumbingOf, where, [id]);
    });
}

function childLoader(where: string, fn: Fn, plumbingOf: Plumbing): Fn {
  return async (queries, ctx) => {
    const results = (await fn(queries, ctx)) as unknown[];
    const ids = (queries as { obj: { id?: unknown } }[]).flatMap((q, i) =>
      results[i] !== null && results[i] !== undefined && !isError(results[i]) ? [String(q.obj.id)] : [],
    );
    check(ctx as SubgraphContext, plumbingOf, where, ids);
    return results;
  };
}

function rootField(where: string, fn: Fn, plumbingOf: Plumbing): Fn {
  return (root, args, ctx, info) => {
    const child = isChildType((info as GraphQLResolveInfo | undefined)?.returnType);
    return then(fn(root, args, ctx, info), (value) =>
      check(ctx as SubgraphContext, plumbingOf, where, childIdsOf(value, child)),
    );
  };
}

function isChildType(type: GraphQLOutputType | undefined): boolean {
  let named: unknown = type;
  while (named && typeof named === 'object' && 'ofType' in named)
    named = (named as { ofType: unknown }).ofType;
  return (named as { name?: unknown } | undefined)?.name === 'Child';
}

/** `childId`s (and `id`s of a `Child`) on a returned object, its list items, or a page's `nodes`. */
function childIdsOf(value: unknown, child: boolean): string[] {
  const items = Array.isArray(value)
    ? value
    : Array.isArray((value as { nodes?: unknown } | null)?.nodes)
      ? [value, ...(value as { nodes: unknown[] }).nodes]
      : [value];
  return items.flatMap((item) => {
    const row = item as { childId?: unknown; id?: unknown } | null;
    const id = child ? row?.id : row?.childId;
    return typeof id === 'string' ? [id] : [];
  });
}
