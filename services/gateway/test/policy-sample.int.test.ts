import { signInternalContext } from '@hub/auth';
import {
  ageOn,
  type ChildAccessFacts,
  decideChildAccess,
  type Principal,
  SUBJECT_FIELDS,
  type SubjectName,
} from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * The whole role × field × consent matrix is checked against the literal grid in
 * packages/policy (policy-matrix.test.ts). This samples it through the real gateway: for each
 * role and consent state, every field of the record is requested, and each one must be
 * returned exactly when the policy allows it and refused (FORBIDDEN_FIELD, no value) when not.
 */
const SUBSELECTION: Record<string, string> = {
  school: '{ id }',
  provisions: '{ id }',
  involvements: '{ id }',
  pathwayWaits: '{ id }',
  diagnoses: '{ id }',
  allocatedWorker: '{ name }',
  shortBreaks: '{ id }',
};
const select = (subject: SubjectName) =>
  SUBJECT_FIELDS[subject].map((f) => `${f} ${SUBSELECTION[f] ?? ''}`).join(' ');
const FULL_RECORD = `query ($id: ID!) { child(id: $id) { ${select('Child')}
  education { ${select('EducationSection')} } health { ${select('HealthSection')} } socialCare { ${select('SocialCareSection')} } } }`;
const SECTION_FIELD: Record<Exclude<SubjectName, 'Child'>, string> = {
  EducationSection: 'education',
  HealthSection: 'health',
  SocialCareSection: 'socialCare',
};
const ALL_RECIPIENTS = ['school', 'health', 'social_care', 'local_authority'];

type Err = { extensions?: Record<string, unknown> };

describe('policy sample through the gateway', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ children: 80 });
  });
  afterAll(() => hub?.close());

  async function factsOf(child: SyntheticChild, principal: Principal): Promise<ChildAccessFacts> {
    const token = await signInternalContext(hub.secret, { principal, requestId: 'test', purpose: null });
    const response = await fetch(hub.subgraphs.record.url.replace('/graphql', '/internal/access-facts'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-context': token },
      body: JSON.stringify({ childIds: [child.id] }),
    });
    return ((await response.json()) as { facts: ChildAccessFacts[] }).facts[0]!;
  }

  /** Queries every field and compares field by field with the policy's decision. */
  async function expectResponseToMatchPolicy(
    principal: Principal,
    child: SyntheticChild,
    state: string,
  ): Promise<number> {
    const purpose = 'ehc_assessment' as const;
    const decision = decideChildAccess(principal, await factsOf(child, principal), {
      now: new Date(),
      purpose,
    });
    const result = await hub.query<{ child: Record<string, any> | null }>(FULL_RECORD, {
      as: principal,
      variables: { id: child.id },
      purpose,
    });
    const record = result.data?.child;
    const refused = new Set((result.errors as Err[] | undefined)?.map((e) => e.extensions?.field));
    let checked = 0;
    const where = `${principal.role} / ${state}`;
    expect(record, `${where}: child visible`).toBeTruthy();
    for (const subject of Object.keys(SUBJECT_FIELDS) as SubjectName[]) {
      const { allowed } = decision.subjects[subject];
      const container = subject === 'Child' ? record : record?.[SECTION_FIELD[subject]];
      if (subject !== 'Child' && allowed.length === 0) {
        // The whole section is closed: null, and one refusal naming it.
        expect(container, `${where}: ${subject} closed`).toBeNull();
        expect(refused.has(`Child.${SECTION_FIELD[subject]}`), `${where}: ${subject} refusal`).toBe(true);
        checked += SUBJECT_FIELDS[subject].length;
        continue;
      }
      for (const field of SUBJECT_FIELDS[subject] as readonly string[]) {
        const name = `${subject}.${field}`;
        if (allowed.includes(field)) {
          expect(refused.has(name), `${where}: ${name} should be returned`).toBe(false);
          expect(container, `${where}: ${name}`).toHaveProperty(field);
        } else {
          expect(refused.has(name), `${where}: ${name} should be refused`).toBe(true);
          expect(container?.[field] ?? null, `${where}: ${name} leaks no value`).toBeNull();
        }
        checked++;
      }
    }
    return checked;
  }

  it('every role sees exactly what the policy allows, with consent absent, granted and withdrawn', async () => {
    const now = new Date();
    const child = hub.dataset.children.find(
      (c) =>
        ageOn(c.dateOfBirth, now) < 15 &&
        c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate) &&
        c.socialCare?.allocatedWorker,
    )!;
    const youngPersonChild = hub.dataset.children.find(
      (c) => c.youngPersonSub && ageOn(c.dateOfBirth, now) >= 17 && c.health && c.socialCare,
    )!;
    expect(youngPersonChild).toBeDefined();
    expect(child).toBeDefined();
    const partners: Principal[] = [
      demoUser(hub.dataset, `demo-senco-${child.schoolId.split('-')[1]}`),
      demoUser(hub.dataset, 'demo-health-1'),
      demoUser(hub.dataset, 'demo-social-1'),
      demoUser(hub.dataset, 'demo-la-1'),
      demoUser(hub.dataset, child.parentCarerSubs[0]!),
    ];
    let cases = 0;
    for (const p of partners) cases += await expectResponseToMatchPolicy(p, child, 'consent absent');
    cases += await expectResponseToMatchPolicy(
      decisionMaker(hub.dataset, youngPersonChild),
      youngPersonChild,
      'own record',
    );

    const granted: string[] = [];
    for (const recipient of ALL_RECIPIENTS)
      granted.push(...(await grantConsents(hub, child, recipient, 'ehc_assessment')));
    for (const p of partners) cases += await expectResponseToMatchPolicy(p, child, 'consent granted');

    for (const id of granted) {
      const result = await hub.query(`mutation ($id: ID!) { withdrawConsent(id: $id) { id } }`, {
        as: decisionMaker(hub.dataset, child),
        variables: { id },
      });
      expect(result.errors).toBeUndefined();
    }
    for (const p of partners) cases += await expectResponseToMatchPolicy(p, child, 'consent withdrawn');
    // 5 principals × 3 states + 1 young person, × 21 fields.
    expect(cases).toBe(16 * 21);
  });
});
