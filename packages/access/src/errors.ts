/**
 * The hub's small error catalogue. Every error a caller can see carries one of these codes
 * in `extensions.code`; anything else is an internal error: logged in full, masked in the
 * response (it could name internal addresses or SQL). The formatter that maps them onto GraphQL
 * responses is @hub/service-kit's errors.ts.
 */
export type HubErrorCode =
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'FORBIDDEN_FIELD'
  | 'INVALID_INPUT'
  | 'CONFLICT'
  | 'UNAVAILABLE';

const HUB_ERROR = Symbol.for('tell-it-once.hub-error');

export class HubError extends Error {
  readonly [HUB_ERROR] = true;
  constructor(
    readonly code: HubErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** Brand check rather than instanceof: the check must hold across duplicated module copies. */
export function isHubError(error: unknown): error is HubError {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[HUB_ERROR] === true
  );
}

/**
 * The one answer for "no such record" and "not one you can know about": a caller learns nothing
 * about records outside their remit. `field` names the id in the error's details.
 */
export function notFound(what: string, field: string, id: string): HubError {
  return new HubError('NOT_FOUND', `No ${what} has id ${id} that you can see.`, { [field]: id });
}

/** notFound for a child record. */
export function childNotFound(childId: string): HubError {
  return notFound('child record', 'childId', childId);
}
