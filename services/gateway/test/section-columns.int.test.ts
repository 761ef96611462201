import { ageOn, type Principal } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { statementTexts } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * Issue 11: the adapters read only the columns the caller's ability permits (CASL
 * permittedFieldsOf over the section's subject, handed to the loader by the access door), not
 * every column with the denied keys deleted afterwards. Through the real gateway, the SQL each
 * adapter sends (postgres.js debug hook on the adapter's own connection) is inspected: a role
 * whose policy has no SENCO notes, or no social care status, does not have that column read.
 * The answers are what they were: the field refused with FORBIDDEN_FIELD, no value.
 */
const QUERY = /* GraphQL */ `
  query ($id: ID!) {
    child(id: $id) {
      education { senStatus sencoNotes }
      socialCare { status allocatedWorker { name } }
    }
  }
`;

type Answer = {
  child: {
    education: { senStatus: string | null; sencoNotes: string | null } | null;
    socialCare: { status: string | null; allocatedWorker: { name: string } | null } | null;
  } | null;
};

describe('adapters read only the permitted columns', () => {
  let hub: TestHub;
  let child: SyntheticChild;

  beforeAll(async () => {
    hub = await startHub({ children: 80 });
    const now = new Date();
    child = hub.dataset.children.find(
      (c) =>
        ageOn(c.dateOfBirth, now) < 15 &&
        c.education.sencoNotes !== null &&
        c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate) &&
        c.socialCare?.allocatedWorker,
    )!;
    expect(child).toBeDefined();
    for (const recipient of ['health', 'local_authority'])
      await grantConsents(hub, child, recipient, 'ehc_assessment', ['education', 'social_care']);
  });
  afterAll(() => hub?.close());

  /** The answer, and the section statements each adapter sent for it. */
  async function read(as: Principal) {
    let education: string[] | null = null;
    let socialCare: string[] | null = null;
    let result: Awaited<ReturnType<typeof hub.query<Answer>>> | undefined;
    education = await statementTexts(hub.subgraphs.education.appDb, async () => {
      socialCare = await statementTexts(hub.subgraphs['social-care'].appDb, async () => {
        result = await hub.query<Answer>(QUERY, {
          as,
          variables: { id: child.id },
          purpose: 'ehc_assessment',
        });
      });
    });
    // The statements reading the section's own table (quoted as drizzle writes it, or not).
    const sectionTexts = (texts: string[] | null, table: RegExp) =>
      texts === null ? null : texts.filter((text) => table.test(text));
    return {
      result: result!,
      refused: new Set(result!.errors?.map((e) => e.extensions?.field)),
      education: sectionTexts(education, /from "?education"?\."?pupil/),
      socialCare: sectionTexts(socialCare, /from "?social_care"?\."?case_record/),
    };
  }

  it('the health practitioner: no SENCO notes and no case status read; both refused as before', async () => {
    const { result, refused, education, socialCare } = await read(demoUser(hub.dataset, 'demo-health-1'));
    expect(result.data?.child?.education?.senStatus).toBe(child.education.senStatus);
    expect(result.data?.child?.education?.sencoNotes ?? null).toBeNull();
    expect(refused.has('EducationSection.sencoNotes')).toBe(true);
    expect(result.data?.child?.socialCare?.allocatedWorker?.name).toBe(
      child.socialCare!.allocatedWorker!.name,
    );
    expect(result.data?.child?.socialCare?.status ?? null).toBeNull();
    expect(refused.has('SocialCareSection.status')).toBe(true);
    if (education === null || socialCare === null) return; // PGlite: no statement hook
    expect(education).toHaveLength(1);
    expect(education[0]).toContain('sen_status');
    expect(education[0]).not.toContain('senco_notes');
    expect(socialCare).toHaveLength(1);
    expect(socialCare[0]).toContain('worker_name');
    expect(socialCare[0]).not.toContain('status');
  });

  it('the parent carer: SENCO notes read and returned, case status neither', async () => {
    const { result, refused, education, socialCare } = await read(decisionMaker(hub.dataset, child));
    expect(result.data?.child?.education?.sencoNotes).toBe(child.education.sencoNotes);
    expect(refused.has('SocialCareSection.status')).toBe(true);
    expect(result.data?.child?.socialCare?.status ?? null).toBeNull();
    if (education === null || socialCare === null) return;
    expect(education[0]).toContain('senco_notes');
    expect(socialCare[0]).not.toContain('status');
  });

  it('the LA SEND officer with consent: both columns read and returned', async () => {
    const { result, refused, education, socialCare } = await read(demoUser(hub.dataset, 'demo-la-1'));
    expect(refused.size).toBe(0);
    expect(result.data?.child?.education?.sencoNotes).toBe(child.education.sencoNotes);
    expect(result.data?.child?.socialCare?.status).toBe(child.socialCare!.status);
    if (education === null || socialCare === null) return;
    expect(education[0]).toContain('senco_notes');
    expect(socialCare[0]).toContain('status');
  });
});
