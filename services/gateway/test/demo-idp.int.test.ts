import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ageOn } from '@hub/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from './hub.ts';

// The portal's demo sign-in and static serving, through the gateway's public routes. The
// portal itself is tested in a browser (services/portal/test); here a stand-in index.html.
describe('demo identity provider and portal routes', () => {
  let hub: TestHub;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-portal-stub-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>portal stub</title>');
    hub = await startHub({ children: 40, portal: { dir } });
  });
  afterAll(() => hub?.close());

  const token = (body: unknown) =>
    hub.gateway.inject({ method: 'POST', url: '/demo-idp/token', payload: body as Record<string, unknown> });

  it('lists the demo users with who they are and nothing else', async () => {
    const res = await hub.gateway.inject({ method: 'GET', url: '/demo-idp/users' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { demo: boolean; users: Record<string, unknown>[] };
    expect(body.demo).toBe(true);
    expect(body.users.map((u) => u.sub)).toEqual(hub.dataset.demoUsers.map((u) => u.sub));
    for (const u of body.users) expect(Object.keys(u).sort()).toEqual(['name', 'orgId', 'role', 'sub']);
  });

  it('refuses an unknown or missing user with a clear error', async () => {
    for (const body of [{ sub: 'demo-nobody' }, {}, { sub: 42 }]) {
      const res = await token(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'unknown_user', message: 'No demo user has that id.' });
    }
  });

  it('signs a token the gateway accepts; the family finds its records through myRecords', async () => {
    const child = hub.dataset.children.find((c) => ageOn(c.dateOfBirth, new Date()) < 15)!;
    const sub = child.parentCarerSubs[0]!;
    const res = await token({ sub });
    expect(res.statusCode).toBe(200);
    const { token: jwt, user } = res.json() as { token: string; user: Record<string, unknown> };
    expect(user).toEqual({ sub, name: expect.any(String), role: 'parent_carer', orgId: expect.any(String) });
    const gql = await hub.gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      payload: { query: '{ myRecords { id } }' },
    });
    expect(gql.json().errors).toBeUndefined();
    expect(gql.json().data.myRecords.map((c: { id: string }) => c.id)).toContain(child.id);
  });

  it('serves the portal at / and for page reloads, and keeps API 404s as JSON', async () => {
    const home = await hub.gateway.inject({ method: 'GET', url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('portal stub');
    const deepLink = await hub.gateway.inject({
      method: 'GET',
      url: '/family/some-page',
      headers: { accept: 'text/html' },
    });
    expect(deepLink.statusCode).toBe(200);
    expect(deepLink.body).toContain('portal stub');
    const api = await hub.gateway.inject({
      method: 'GET',
      url: '/demo-idp/nope',
      headers: { accept: 'text/html' },
    });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ statusCode: 404 });
  });

  it('does not exist on a gateway started without the demo identity provider', async () => {
    const plain = await startHub({ children: 5 });
    try {
      const res = await plain.gateway.inject({
        method: 'POST',
        url: '/demo-idp/token',
        payload: { sub: 'demo-la-1' },
      });
      expect(res.statusCode).toBe(404);
      expect((await plain.gateway.inject({ method: 'GET', url: '/demo-idp/users' })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
