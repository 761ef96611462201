import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevIssuer } from './dev-issuer.ts';
import { AuthError } from './errors.ts';
import { createSystemTokenVerifier } from './system-token.ts';

describe('createSystemTokenVerifier', async () => {
  const issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'system-token-')));
  const verifier = createSystemTokenVerifier({
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    jwksFile: issuer.jwksFile,
  });
  const trust = {
    clientId: 'trust-1-epr',
    orgId: 'trust-1',
    orgType: 'health' as const,
    scopes: ['ingest:fhir' as const],
  };

  it('reads the organisation and scopes of a client-credentials token', async () => {
    await expect(verifier.verify(await issuer.signSystem(trust), 'ingest:fhir')).resolves.toEqual({
      kind: 'system',
      clientId: 'trust-1-epr',
      orgId: 'trust-1',
      orgType: 'health',
      scopes: ['ingest:fhir'],
    });
  });

  it('refuses a token without the scope the route needs', async () => {
    await expect(verifier.verify(await issuer.signSystem(trust), 'ingest:ctf')).rejects.toThrow(
      /scope ingest:ctf/,
    );
  });

  it('refuses a person’s token (it carries a role), and a system token the user verifier would see', async () => {
    const user = await issuer.sign({
      sub: 'demo-health-1',
      role: 'health_practitioner',
      orgId: 'trust-1',
      orgType: 'health',
    });
    await expect(verifier.verify(user, 'ingest:fhir')).rejects.toBeInstanceOf(AuthError);
  });

  it('refuses a token lasting longer than an hour and one signed by another key', async () => {
    await expect(
      verifier.verify(await issuer.signSystem(trust, { expiresIn: '2h' }), 'ingest:fhir'),
    ).rejects.toThrow(AuthError);
    const other = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'system-token-other-')));
    await expect(verifier.verify(await other.signSystem(trust), 'ingest:fhir')).rejects.toThrow(
      /trusted key/,
    );
  });
});
