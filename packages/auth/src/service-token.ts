import { jwtVerify, SignJWT } from 'jose';
import { AuthError } from './user-token.ts';

/**
 * Header carrying a service-to-service token: one hub service calling another *as itself*,
 * not on behalf of a user. The gateway uses it to write audit events, including events for
 * callers it could not authenticate (who have no principal an internal context could carry).
 */
export const SERVICE_TOKEN_HEADER = 'x-hub-service';

const ISSUER = 'urn:tell-it-once:gateway';

/** What a service token may be used for. Each is its own audience, so a token for one use is refused for any other. */
export type ServiceAudience = 'audit-writer';

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Short-lived (60 s) HS256 token signed with the shared internal secret. Its audience
 * (`urn:tell-it-once:service:<use>`) differs from the internal context's, so neither can be
 * replayed as the other.
 */
export function signServiceToken(
  secret: string,
  audience: ServiceAudience,
  requestId: string,
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(`urn:tell-it-once:service:${audience}`)
    .setSubject('gateway')
    .setJti(requestId)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(keyOf(secret));
}

export async function verifyServiceToken(
  secret: string,
  audience: ServiceAudience,
  token: string | undefined,
): Promise<{ service: string; requestId: string }> {
  try {
    const { payload } = await jwtVerify(token ?? '', keyOf(secret), {
      issuer: ISSUER,
      audience: `urn:tell-it-once:service:${audience}`,
      algorithms: ['HS256'],
    });
    return {
      service: String(payload.sub),
      requestId: typeof payload.jti === 'string' ? payload.jti : 'unknown',
    };
  } catch {
    throw new AuthError('Service token is missing, expired or not signed by the gateway.');
  }
}
