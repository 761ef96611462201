import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

describe('a subgraph that is down', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ children: 20 });
  });
  afterAll(() => hub?.close());

  it('leaves the other sections in place and names the missing one, without leaking its address', async () => {
    const child = hub.dataset.children.find((c) => c.health && c.socialCare) ?? hub.dataset.children[0]!;
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment');
    await hub.subgraphs.health.app.close();
    const result = await hub.query<{ child: Record<string, any> }>(
      `query($id: ID!) { child(id: $id) { id givenName education { senStatus } health { diagnoses { description } } socialCare { status } } }`,
      { as: demoUser(hub.dataset, 'demo-la-1'), variables: { id: child.id }, purpose: 'ehc_assessment' },
    );
    expect(result.statusCode).toBe(200);
    expect(result.data?.child.givenName).toBe(child.givenName);
    expect(result.data?.child.education.senStatus).toBe(child.education.senStatus);
    expect(result.data?.child.socialCare?.status ?? null).toBe(child.socialCare?.status ?? null);
    expect(result.data?.child.health).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({
      extensions: { code: 'UNAVAILABLE', section: 'health', service: 'health' },
    });
    expect(result.errors?.[0]?.message).toMatch(/health section is unavailable/);
    expect(JSON.stringify(result.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });
});
