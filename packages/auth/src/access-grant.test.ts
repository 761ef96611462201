import { createHmac, randomUUID } from 'node:crypto';
import type { Principal } from '@hub/policy';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_GRANT_LIFETIME_MS,
  checkAccessGrant,
  type GrantedAssessment,
  signAccessGrant,
} from './access-grant.ts';
import { hmacKey } from './hmac-key.ts';
import { signInternalContext, verifyInternalContext } from './internal-context.ts';

const SECRET = 'a-test-secret-of-the-hub-0123456789abcdef';
const CHILD = 'c0000000-0000-4000-8000-000000000001';
const principal: Principal = {
  sub: 'demo-la-1',
  role: 'la_send_officer',
  orgId: 'la-1',
  orgType: 'local_authority',
};
/** What the record's policy concluded about the child for this request (the grant's content). */
const assessment: GrantedAssessment = {
  canSeeChild: true,
  breakGlass: false,
  openSections: ['EducationSection'],
};
const sign = (secret: string, b: Parameters<typeof signAccessGrant>[1], a = assessment, now?: number) =>
  signAccessGrant(secret, b, CHILD, a, now);
/** The MAC the record would put on `payload` (the module's derivation, written out). */
function createHmacFor(b: typeof binding, payload: string): string {
  const key = createHmac('sha256', SECRET).update('tell-it-once access grant v1').digest();
  const p = b.principal;
  return createHmac('sha256', key)
    .update(JSON.stringify(['g2', b.nonce, p.sub, p.role, p.orgId, p.orgType, b.purpose]))
    .update(payload)
    .digest('base64url');
}
const binding = { nonce: randomUUID(), principal, purpose: 'ehc_assessment' as const };
/** `g2.<mac>.<json>` */
const partsOf = (grant: string) => {
  const [v, mac] = grant.split('.') as [string, string];
  return [v, mac, grant.slice(v.length + mac.length + 2)] as const;
};

describe('access grants', () => {
  it('round-trips the assessment for the request, caller and child it was issued for', () => {
    const grant = sign(SECRET, binding);
    expect(checkAccessGrant(SECRET, grant, binding, CHILD)).toEqual({ status: 'valid', assessment });
    // Compact: JSON, no facts, no base64 (the first version carried ~2.5 KB of facts a child).
    expect(grant.length).toBeLessThan(200);
    expect(JSON.parse(partsOf(grant)[2])).toMatchObject({ c: CHILD, v: 1, g: 0, o: ['EducationSection'] });
  });

  it('carries a break-glass reason of any text, and the open sections in the policy’s order', () => {
    const glass: GrantedAssessment = {
      canSeeChild: true,
      breakGlass: true,
      breakGlassReason: 'Police report. Checking "known" needs… before a strategy meeting',
      openSections: ['SocialCareSection', 'EducationSection', 'HealthSection'],
    };
    expect(checkAccessGrant(SECRET, sign(SECRET, binding, glass), binding, CHILD)).toEqual({
      status: 'valid',
      assessment: { ...glass, openSections: ['EducationSection', 'HealthSection', 'SocialCareSection'] },
    });
  });

  it.each([
    ['another request (nonce)', { ...binding, nonce: randomUUID() }, CHILD],
    ['another caller', { ...binding, principal: { ...principal, sub: 'demo-la-2' } }, CHILD],
    ['another role', { ...binding, principal: { ...principal, role: 'senco', orgType: 'school' } }, CHILD],
    ['another organisation', { ...binding, principal: { ...principal, orgId: 'la-2' } }, CHILD],
    ['another purpose', { ...binding, purpose: 'early_help' as const }, CHILD],
    ['no purpose', { ...binding, purpose: null }, CHILD],
    ['another child', binding, 'c0000000-0000-4000-8000-000000000002'],
  ] as const)('is refused for %s', (_what, other, childId) => {
    const grant = sign(SECRET, binding);
    expect(checkAccessGrant(SECRET, grant, other as typeof binding, childId).status).toBe('invalid');
  });

  it('is refused when made with another secret, changed, truncated or malformed', () => {
    const grant = sign(SECRET, binding);
    const [v, mac, payload] = partsOf(grant);
    const changed = JSON.parse(payload);
    changed.o = ['EducationSection', 'HealthSection', 'SocialCareSection'];
    const unknownSection = JSON.stringify({ ...JSON.parse(payload), o: ['AuditLog'] });
    // (the written-out MAC is the module's: the genuine payload passes with it)
    expect(
      checkAccessGrant(SECRET, `${v}.${createHmacFor(binding, payload)}.${payload}`, binding, CHILD).status,
    ).toBe('valid');
    for (const bad of [
      sign(`${SECRET}x`, binding),
      `${v}.${mac}.${JSON.stringify(changed)}`,
      `${v}.${mac.slice(0, -2)}.${payload}`,
      `${v}.${mac}.`,
      `${v}..${payload}`,
      `g1.${mac}.${payload}`,
      `${v}.${mac}`,
      // Genuinely signed, but not a grant the record would make.
      `${v}.${createHmacFor(binding, unknownSection)}.${unknownSection}`,
      '',
      'not a grant',
    ]) {
      expect(checkAccessGrant(SECRET, bad, binding, CHILD).status, bad.slice(-12)).toBe('invalid');
    }
  });

  it('is expired (read the facts fresh) after its lifetime, and refused if it claims a longer one', () => {
    const now = Date.now();
    const old = sign(SECRET, binding, assessment, now - ACCESS_GRANT_LIFETIME_MS - 11_000);
    expect(checkAccessGrant(SECRET, old, binding, CHILD, now).status).toBe('expired');
    const future = sign(SECRET, binding, assessment, now + 60_000);
    expect(checkAccessGrant(SECRET, future, binding, CHILD, now).status).toBe('invalid');
  });

  it('never stands in for an internal context, nor a context for a grant', async () => {
    const grant = sign(SECRET, binding);
    await expect(verifyInternalContext(SECRET, grant)).rejects.toThrow();
    await expect(jwtVerify(grant, await hmacKey(SECRET))).rejects.toThrow();
    const context = await signInternalContext(SECRET, { ...binding, requestId: 'r1' });
    expect(checkAccessGrant(SECRET, context, binding, CHILD).status).toBe('invalid');
  });

  it('the internal context carries the nonce it was signed with', async () => {
    const context = await signInternalContext(SECRET, {
      principal,
      requestId: 'r1',
      purpose: 'ehc_assessment',
      nonce: binding.nonce,
    });
    expect((await verifyInternalContext(SECRET, context)).nonce).toBe(binding.nonce);
    const without = await signInternalContext(SECRET, { principal, requestId: 'r1', purpose: null });
    expect((await verifyInternalContext(SECRET, without)).nonce).toBeUndefined();
  });
});
