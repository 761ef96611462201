import { isUuid, isValidNhsNumber, isValidUpn, normaliseNhsNumber } from '@hub/identifiers';
import { HubError, requireCaller, type SubgraphContext } from '@hub/service-kit';
import type { IResolvers } from 'mercurius';
import { type ChildSearchCriteria, findChildren, searchChildren } from './repository.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function validateChildId(id: unknown): string {
  if (typeof id !== 'string' || !isUuid(id)) {
    throw new HubError('INVALID_INPUT', 'Child id must be a UUID, for example 3f0c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60.', {
      field: 'id',
    });
  }
  return id.toLowerCase();
}

/** Validates search input; every problem is reported at once. */
export function validateSearch(input: Record<string, unknown>, first: unknown): { criteria: ChildSearchCriteria; limit: number } {
  const problems: string[] = [];
  const criteria: ChildSearchCriteria = {};
  const name = typeof input.name === 'string' ? input.name.trim() : undefined;
  if (name !== undefined) {
    if (name.length < 2 || name.length > 100) problems.push('name must be 2 to 100 characters');
    else criteria.name = name;
  }
  if (typeof input.nhsNumber === 'string') {
    const nhs = normaliseNhsNumber(input.nhsNumber);
    if (!isValidNhsNumber(nhs)) problems.push('nhsNumber is not a valid NHS number (10 digits with a correct check digit)');
    else criteria.nhsNumber = nhs;
  }
  if (typeof input.upn === 'string') {
    const upn = input.upn.trim().toUpperCase();
    if (!isValidUpn(upn)) problems.push('upn is not a valid Unique Pupil Number (13 characters with a correct check letter)');
    else criteria.upn = upn;
  }
  if (typeof input.dateOfBirth === 'string') {
    if (!ISO_DATE.test(input.dateOfBirth) || Number.isNaN(Date.parse(`${input.dateOfBirth}T00:00:00Z`))) {
      problems.push('dateOfBirth must be a date written YYYY-MM-DD');
    } else criteria.dateOfBirth = input.dateOfBirth;
  }
  const limit = first === undefined || first === null ? 20 : Number(first);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) problems.push('first must be between 1 and 50');
  if (problems.length === 0 && Object.keys(criteria).length === 0) {
    problems.push('give at least one of name, nhsNumber, upn or dateOfBirth');
  }
  if (problems.length > 0) throw new HubError('INVALID_INPUT', `Invalid search: ${problems.join('; ')}.`, { problems });
  return { criteria, limit };
}

export const resolvers: IResolvers = {
  Query: {
    async child(_root, args: { id: string }, ctx) {
      requireCaller(ctx);
      const id = validateChildId(args.id);
      const found = (await findChildren(ctx.db, [id])).get(id);
      if (!found) throw new HubError('NOT_FOUND', `No child record has id ${id}.`, { childId: id });
      return found;
    },
    async children(_root, args: { search: Record<string, unknown>; first?: number }, ctx) {
      requireCaller(ctx);
      const { criteria, limit } = validateSearch(args.search ?? {}, args.first);
      return searchChildren(ctx.db, criteria, limit);
    },
  },
  Child: {
    async __resolveReference(reference: { id: string }, _args: unknown, ctx: SubgraphContext) {
      requireCaller(ctx);
      return (await findChildren(ctx.db, [reference.id])).get(reference.id) ?? null;
    },
  },
} as IResolvers;
