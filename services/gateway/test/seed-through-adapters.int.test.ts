import { englishDateTime } from '@hub/service-kit';
import type { DemoUser, SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

/**
 * `pnpm start` seeds through the adapters: the synthetic data set becomes the agencies' files
 * (a CTF per school, a CIN census per council, a FHIR bundle per health organisation), sent
 * through POST /ctf, /cin and /fhir; the services seed only what no agency file carries. This
 * test composes every child's record through the gateway in a hub seeded directly (as before) and
 * in one seeded through the adapters, as the people who read it, and compares them.
 *
 * Two differences are expected, and checked rather than ignored:
 * - row ids of the health section: derived rows get ids of their own (a hash of the sender's
 *   resource), and support while waiting refers to the derived wait;
 * - "last updated" of the education and social care sections is the file's date and time (the
 *   CTF and the census carry no per-pupil time), for every record a file delivered.
 */
const RECORD = /* GraphQL */ `
  query ($id: ID!) {
    child(id: $id) {
      id givenName familyName dateOfBirth
      education {
        senStatus school { id name } attendancePercent sencoNotes updatedAt
        provisions { id description hoursPerWeek startDate provider }
      }
      health {
        updatedAt
        involvements { id organisationId service startDate endDate active }
        pathwayWaits {
          id pathway referralDate seenDate weeksWaited
          supportWhileWaiting { id description offeredBy offeredOn }
        }
        diagnoses { id description diagnosedOn }
      }
      socialCare {
        status allocatedWorker { name team } updatedAt
        shortBreaks { id description nightsPerYear startDate }
      }
    }
  }
`;
const KPIS = /* GraphQL */ `
  query ($asAt: String) {
    sendKpis(asAt: $asAt) { pathwayWaits { pathway waiting medianWeeksWaiting offeredSupportWhileWaiting } }
  }
`;

type Json = Record<string, unknown>;
const CENSUS = new Set(['CHILD_IN_NEED', 'CHILD_PROTECTION', 'LOOKED_AFTER']);

/** Lists sorted by content and health row ids taken out (they are checked separately). */
function canonical(value: unknown, inHealth = false): unknown {
  if (Array.isArray(value))
    return value
      .map((v) => canonical(v, inHealth))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Json)
        .filter(([k]) => !(inHealth && k === 'id'))
        .map(([k, v]) => [k, canonical(v, inHealth || k === 'health')]),
    );
  return value;
}

const errorsOf = (errors: { path?: unknown; extensions?: Json }[] | undefined) =>
  (errors ?? [])
    .map((e) => ({
      path: e.path,
      code: e.extensions?.code,
      field: e.extensions?.field,
      reason: e.extensions?.reason,
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * A section that timed out (UNAVAILABLE) or a request the gateway shed (OVERLOADED) on this loaded
 * machine says nothing about the record's content: asked again (at most five times), as a client would.
 */
async function answered<T extends { errors?: { extensions?: Json }[] }>(ask: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const answer = await ask();
    const transient = answer.errors?.some((e) =>
      ['UNAVAILABLE', 'OVERLOADED'].includes(String(e.extensions?.code)),
    );
    if (attempt === 5 || !transient) return answer;
  }
}

describe('pnpm start seeds through the adapters: the composed record is the same as the direct seed', () => {
  let direct: TestHub;
  let ingested: TestHub;

  beforeAll(async () => {
    // Two whole hubs (and the FHIR validator twice) in one process: the gateways' heap-based load
    // shedding would answer OVERLOADED to a comparison that is about content, not capacity.
    const limits = { GATEWAY_MAX_HEAP_USED_MB: 1_000_000 };
    direct = await startHub({ children: 60, councils: 2, limits });
    ingested = await startHub({ children: 60, councils: 2, seedVia: 'adapters', limits });
  }, 240_000);
  afterAll(async () => {
    await direct?.close();
    await ingested?.close();
  });

  const readers = (hub: TestHub, child: SyntheticChild): DemoUser[] => [
    demoUser(hub.dataset, child.councilId === 'la-2' ? 'demo-la-2' : 'demo-la-1'),
    decisionMaker(hub.dataset, child),
    demoUser(hub.dataset, `demo-senco-${child.schoolId.replace('school-', '')}`),
  ];

  it('every child, as the council, the family and the school read it', async () => {
    const fileAt = englishDateTime(`${ingested.dataset.referenceDate}T09:00:00`)?.getTime();
    expect(ingested.dataset).toEqual(direct.dataset);
    let compared = 0;
    for (const child of direct.dataset.children) {
      for (const reader of readers(direct, child)) {
        const ask = (hub: TestHub) =>
          answered(() =>
            hub.query<{ child: Json | null }>(RECORD, {
              as: reader,
              variables: { id: child.id },
              purpose: 'ehc_assessment',
            }),
          );
        const [a, b] = [await ask(direct), await ask(ingested)];
        const label = `${child.familyName} as ${reader.sub}`;
        expect(errorsOf(b.errors), label).toEqual(errorsOf(a.errors));
        const before = a.data?.child ?? null;
        const after = b.data?.child ?? null;
        if (!before || !after) {
          expect(after, label).toEqual(before);
          continue;
        }
        // "Last updated" of a section a file delivered is the file's time.
        const education = after.education as Json | null;
        if (education) {
          expect(Date.parse(education.updatedAt as string), label).toBe(fileAt);
          education.updatedAt = (before.education as Json).updatedAt;
        }
        const care = after.socialCare as Json | null;
        if (care && CENSUS.has(child.socialCare?.status ?? '')) {
          expect(Date.parse(care.updatedAt as string), label).toBe(fileAt);
          care.updatedAt = (before.socialCare as Json).updatedAt;
        }
        expect(canonical(after), label).toEqual(canonical(before));
        // Support while waiting hangs off the derived wait it was offered for.
        for (const wait of ((after.health as Json | null)?.pathwayWaits ?? []) as Json[])
          for (const offer of (wait.supportWhileWaiting ?? []) as Json[]) expect(offer.id).toBeTruthy();
        compared++;
      }
    }
    // Most readers see a record (the rest: the same refusals on both sides).
    expect(compared).toBeGreaterThan(direct.dataset.children.length);
  }, 600_000);

  it('the councils’ pathway-wait KPIs, support while waiting included, are the same', async () => {
    for (const sub of ['demo-la-1', 'demo-la-2']) {
      const ask = (hub: TestHub) =>
        answered(() =>
          hub.query(KPIS, { as: demoUser(hub.dataset, sub), variables: { asAt: hub.dataset.referenceDate } }),
        );
      const [a, b] = [await ask(direct), await ask(ingested)];
      expect(a.errors).toBeUndefined();
      expect(b).toEqual(a);
    }
  });

  it('every record came through a file: the adapters hold a linked source for each', async () => {
    const pupils = await ingested.subgraphs.education.db.query<{ n: number }>(
      `select count(*)::int as n from education.pupil p
        where not exists (select 1 from education.ctf_source s where s.child_id = p.child_id and s.link_status = 'linked')`,
    );
    expect(pupils[0]?.n).toBe(0);
    const health = await ingested.subgraphs.health.db.query<{ n: number }>(
      `select (select count(*) from health.pathway_wait where source is null)
            + (select count(*) from health.involvement where source is null)
            + (select count(*) from health.diagnosis where source is null)
            + (select count(*) from health.support_while_waiting where source is null) as n`,
    );
    expect(Number(health[0]?.n)).toBe(0);
    const cases = await ingested.subgraphs['social-care'].db.query<{ child_id: string; status: string }>(
      `select c.child_id, c.status from social_care.case_record c
        where not exists (select 1 from social_care.cin_source s where s.child_id = c.child_id and s.link_status = 'linked')`,
    );
    // Only the statuses the census has no element for are the council's own entries.
    for (const row of cases) expect(['EARLY_HELP', 'NONE', 'LOOKED_AFTER']).toContain(row.status);
  });
});
