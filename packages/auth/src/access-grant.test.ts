import { randomUUID } from 'node:crypto';
import type { ChildAccessFacts, Principal } from '@hub/policy';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACCESS_GRANT_LIFETIME_MS, checkAccessGrant, signAccessGrant } from './access-grant.ts';
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
const facts: ChildAccessFacts = {
  childId: CHILD,
  dateOfBirth: '2014-03-01',
  relationships: [{ orgId: 'la-1', kind: 'la_responsible', active: true }],
  parentCarerSubs: ['demo-parent-1'],
  youngPersonSub: null,
  parentAccessConfirmedByYoungPerson: false,
  consents: [],
  breakGlass: [],
  capacityRepresentatives: [],
};

describe('access grants', () => {
  const binding = { nonce: randomUUID(), principal, purpose: 'ehc_assessment' as const };

  it('round-trips the facts for the request, caller and child it was issued for', () => {
    const grant = signAccessGrant(SECRET, binding, facts);
    expect(checkAccessGrant(SECRET, grant, binding, CHILD)).toEqual({ status: 'valid', facts });
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
    const grant = signAccessGrant(SECRET, binding, facts);
    expect(checkAccessGrant(SECRET, grant, other as typeof binding, childId).status).toBe('invalid');
  });

  it('is refused when made with another secret, changed, truncated or malformed', () => {
    const grant = signAccessGrant(SECRET, binding, facts);
    const [v, payload, mac] = grant.split('.') as [string, string, string];
    const changed = JSON.parse(Buffer.from(payload, 'base64url').toString());
    changed.f.consents = [{ domain: 'health' }];
    for (const bad of [
      signAccessGrant(`${SECRET}x`, binding, facts),
      `${v}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${mac}`,
      `${v}.${payload}.${mac.slice(0, -2)}`,
      `${v}.${payload}.`,
      `g2.${payload}.${mac}`,
      `${v}.${payload}`,
      '',
      'not a grant',
    ]) {
      expect(checkAccessGrant(SECRET, bad, binding, CHILD).status, bad.slice(-12)).toBe('invalid');
    }
  });

  it('is expired (read the facts fresh) after its lifetime, and refused if it claims a longer one', () => {
    const now = Date.now();
    const old = signAccessGrant(SECRET, binding, facts, now - ACCESS_GRANT_LIFETIME_MS - 11_000);
    expect(checkAccessGrant(SECRET, old, binding, CHILD, now).status).toBe('expired');
    const future = signAccessGrant(SECRET, binding, facts, now + 60_000);
    expect(checkAccessGrant(SECRET, future, binding, CHILD, now).status).toBe('invalid');
  });

  it('never stands in for an internal context, nor a context for a grant', async () => {
    const grant = signAccessGrant(SECRET, binding, facts);
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
