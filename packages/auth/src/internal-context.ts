import { isPurpose, isRole, type Principal, type Purpose, ROLE_ORG_TYPE } from '@hub/policy';
import { jwtVerify, SignJWT } from 'jose';
import { hmacKey } from './hmac-key.ts';
import { AuthError } from './user-token.ts';

/** Header the gateway sets on every subgraph request. Subgraphs trust nothing else. */
export const INTERNAL_CONTEXT_HEADER = 'x-hub-context';

const ISSUER = 'urn:tell-it-once:gateway';
const AUDIENCE = 'urn:tell-it-once:subgraph';

/** What the gateway vouches for on each subgraph call. */
export interface InternalContext {
  principal: Principal;
  requestId: string;
  /** Declared purpose of the request (consent is per purpose); null when none was given. */
  purpose: Purpose | null;
}

/** Short-lived (60 s) HS256 token: long enough for one federated operation, no longer. */
export async function signInternalContext(secret: string, context: InternalContext): Promise<string> {
  return new SignJWT({ principal: context.principal, purpose: context.purpose })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(context.requestId)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(await hmacKey(secret));
}

export async function verifyInternalContext(secret: string, token: string): Promise<InternalContext> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await hmacKey(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    }));
  } catch {
    throw new AuthError('Internal context is missing, expired or not signed by the gateway.');
  }
  const principal = payload.principal as Partial<Principal> | undefined;
  if (
    !principal ||
    typeof principal.sub !== 'string' ||
    !isRole(principal.role) ||
    typeof principal.orgId !== 'string' ||
    principal.orgType !== ROLE_ORG_TYPE[principal.role]
  ) {
    throw new AuthError('Internal context carries no valid principal.');
  }
  const purpose = payload.purpose === null || payload.purpose === undefined ? null : payload.purpose;
  if (purpose !== null && !isPurpose(purpose))
    throw new AuthError('Internal context carries an unknown purpose.');
  return {
    principal: principal as Principal,
    requestId: typeof payload.jti === 'string' ? payload.jti : 'unknown',
    purpose,
  };
}
