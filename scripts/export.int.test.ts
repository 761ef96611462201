import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DbHandle } from '@hub/db';
import {
  buildSen2Return,
  type Sen2Return,
  seedRecord,
  sen2ReferenceDate,
  sen2Xml,
  service,
  validateSen2,
} from '@hub/record';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

/** `pnpm export sen2`: the seeded record's SEN2 return, its validation, and bad records reported by rule. */
describe('SEN2 export', () => {
  let database: TestDatabase;
  let db: DbHandle;
  let council: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    await service.prepareDatabase(db);
    await seedRecord(db, buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE }));
    const [row] = await db.query<{ org_id: string }>(
      `select org_id from record.child_relationship where kind = 'la_responsible' and active
        group by org_id order by count(*) desc limit 1`,
    );
    council = row!.org_id;
  });
  afterAll(async () => {
    await db?.close();
    await database?.destroy();
  });

  const exportScript = (args: string[]) =>
    run('node', ['--import', 'tsx', 'scripts/export.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  it('the census date is the third Thursday of January', () => {
    expect(sen2ReferenceDate(2024)).toBe('2024-01-18');
    expect(sen2ReferenceDate(2025)).toBe('2025-01-16');
    expect(sen2ReferenceDate(2026)).toBe('2026-01-15');
    expect(sen2ReferenceDate(2027)).toBe('2027-01-21');
  });

  for (const year of [2026, 2027]) {
    it(`exports the seeded council for ${year}: every record passes, and it holds what independent SQL says it should`, async () => {
      const ret = await buildSen2Return(db, { year, councilId: council, lea: '999' });
      expect(validateSen2(ret)).toEqual([]);
      const ref = sen2ReferenceDate(year);
      const last = String(year - 1);
      const inCouncil = `a.child_id in (select child_id from record.child_relationship
                        where kind = 'la_responsible' and active and org_id = $2)`;
      // Active plans at the reference date: one NamedPlan + ActivePlans each.
      const [active] = await db.query<{ n: number }>(
        `select count(*)::int as n from record.ehc_assessment a
        where a.decision = 'assess' and a.decision_date <= $1::date and a.final_plan_issued_date <= $1::date
          and (a.plan_ceased_date is null or a.plan_ceased_date > $1::date) and ${inCouncil}`,
        [ref, council],
      );
      const requests = ret.persons.flatMap((p) => p.requests);
      // The rest of the lifecycle: decisions not to issue, plans ceased that year, appeals.
      const [life] = await db.query<{ not_issued: number; ceased: number; tribunal_refusal: number }>(
        `select count(*) filter (where a.decision = 'assess' and a.decision_date <= $1::date and a.plan_decision = 'not_issue'
                                 and a.plan_decision_date <= $1::date and a.final_plan_issued_date is null)::int as not_issued,
              count(*) filter (where a.final_plan_issued_date <= $1::date
                                 and a.plan_ceased_date between '${last}-01-01'::date and '${last}-12-31'::date)::int as ceased,
              count(*) filter (where a.decision_date <= $1::date and exists (
                select 1 from record.ehc_appeal p where p.assessment_id = a.id and p.route = 'tribunal'
                   and p.subject = 'refusal_to_assess' and p.lodged_date <= $1::date))::int as tribunal_refusal
         from record.ehc_assessment a where ${inCouncil}`,
        [ref, council],
      );
      console.info(`SEN2 ${year} for ${council}: ${JSON.stringify(life)}, active plans ${active!.n}`);
      expect(requests.filter((r) => r.assessment?.assessmentOutcome === 'N')).toHaveLength(life!.not_issued);
      expect(requests.filter((r) => r.assessment?.namedPlan?.ceaseDate?.startsWith(`${last}-`))).toHaveLength(
        life!.ceased,
      );
      expect(requests.filter((r) => r.requestTribunal === '1')).toHaveLength(life!.tribunal_refusal);
      expect(requests.filter((r) => r.activePlan !== null)).toHaveLength(active!.n);
      // LastReview (spec v1.2): the decision date of the latest review meeting, when made by the census.
      const [reviewed] = await db.query<{ n: number }>(
        `select count(*)::int as n from record.ehc_assessment a
          cross join lateral (select r.decision_date from record.annual_review r
                               where r.assessment_id = a.id and r.meeting_date <= $1::date
                               order by r.meeting_date desc, r.id desc limit 1) lr
        where a.decision = 'assess' and a.decision_date <= $1::date and a.final_plan_issued_date <= $1::date
          and (a.plan_ceased_date is null or a.plan_ceased_date > $1::date) and lr.decision_date <= $1::date
          and ${inCouncil}`,
        [ref, council],
      );
      expect(requests.filter((r) => r.activePlan?.lastReview)).toHaveLength(reviewed!.n);
      expect(reviewed!.n).toBeGreaterThan(0);
      expect(active!.n).toBeGreaterThan(5);
      // Requests received in the calendar year before: all in the return.
      const [received] = await db.query<{ n: number }>(
        `select count(*)::int as n from record.ehc_assessment a
        where a.request_date <= $1::date and a.request_date between '${last}-01-01'::date and '${last}-12-31'::date and ${inCouncil}`,
        [ref, council],
      );
      expect(requests.filter((r) => r.receivedDate.startsWith(`${last}-`))).toHaveLength(received!.n);
      // Only the council's children, each once.
      const ids = ret.persons.map((p) => p.childId);
      expect(new Set(ids).size).toBe(ids.length);
      const [outside] = await db.query<{ n: number }>(
        `select count(*)::int as n from unnest($1::uuid[]) as x(id)
        where not exists (select 1 from record.child_relationship r
                           where r.child_id = x.id and r.kind = 'la_responsible' and r.active and r.org_id = $2)`,
        [ids, council],
      );
      expect(outside!.n).toBe(0);
      // Nothing dated after the reference date.
      for (const r of requests) {
        for (const d of [r.receivedDate, r.requestOutcomeDate, r.assessment?.assessmentOutcomeDate ?? null])
          if (d !== null) expect(d <= ref).toBe(true);
      }
      // Week20 (item 3.7, exceptions apply): 1 only where an exception was recorded by the
      // reference date; 0 wherever none was.
      const withException = new Set(
        (
          await db.query<{ id: string }>(
            `select distinct a.id from record.ehc_assessment a join record.ehc_exception e on e.assessment_id = a.id
            where e.from_date <= $1::date and (e.recorded_at at time zone 'Europe/London')::date <= $1::date and ${inCouncil}`,
            [ref, council],
          )
        ).map((r) => r.id),
      );
      for (const r of requests.filter((x) => x.assessment))
        if (!withException.has(r.sourceId)) expect(r.assessment!.week20).toBe('0');
      for (const r of requests.filter((x) => x.assessment?.week20 === '1'))
        expect(withException.has(r.sourceId)).toBe(true);
      console.info(
        `SEN2 ${year}: assessments with an exception recorded ${withException.size}, Week20=1 ${requests.filter((x) => x.assessment?.week20 === '1').length}`,
      );
    });
  }

  it('pnpm export sen2 writes the XML message and says every record passes', async () => {
    if (!database.url) return; // the script needs a database URL (PostgreSQL); PGlite is in-process only
    const out = join(mkdtempSync(join(tmpdir(), 'sen2-')), 'sen2.xml');
    const result = await exportScript(['sen2', '--year', '2026', '--council', council, '--out', out]);
    expect(result.stderr).toMatch(/every record passes/);
    expect(result.code).toBe(0);
    console.info(result.stderr.split('\n')[0]);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Message>\n {2}<Header>/);
    expect(xml).toContain('<Collection>SEN2</Collection>');
    expect(xml).toContain('<ReferenceDate>2026-01-15</ReferenceDate>');
    expect(xml).toContain('<LEA>999</LEA>');
    expect(xml).toMatch(/<Requests>\s+<ReceivedDate>\d{4}-\d{2}-\d{2}<\/ReceivedDate>/);
    expect(xml).toMatch(/<NamedPlan>\s+<StartDate>/);
    // The hub's own ids never leave in the file.
    expect(xml).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    const persons = (xml.match(/<Person>/g) ?? []).length;
    const ret = await buildSen2Return(db, { year: 2026, councilId: council, lea: '999' });
    expect(persons).toBe(ret.persons.length);
  });

  it('reports each bad record with its rule number and keeps it in the return', async () => {
    const good = await buildSen2Return(db, { year: 2026, councilId: council, lea: '999' });
    const bad: Sen2Return = structuredClone(good);
    bad.header.lea = 'la-1';
    const withPlan = bad.persons.filter((p) => p.requests.some((r) => r.assessment?.namedPlan));
    const [p0, p1, p2, p3] = withPlan;
    p0!.upn = `${p0!.upn!.slice(0, 12)}${p0!.upn![0] === 'A' ? 'B' : 'A'}`; // wrong check letter
    p1!.ethnicity = 'XXXX';
    p1!.upn = null; // no UPN and no reason
    const r2 = p2!.requests.find((r) => r.assessment?.namedPlan)!;
    r2.requestOutcomeDate = '2000-01-01'; // before the request was received
    r2.assessment!.week20 = 'Y' as never; // not a 1/0 flag
    const r3 = p3!.requests.find((r) => r.assessment?.namedPlan)!;
    r3.assessment!.assessmentOutcome = 'N'; // but a plan is named
    r3.assessment!.namedPlan!.ceaseDate = '1999-01-01'; // ceased before it started, and still active
    bad.persons.push({ ...structuredClone(p3!), childId: 'copy-of-p3' }); // the same UPN twice
    const issues = validateSen2(bad);
    const has = (rule: string, childId: string | null) =>
      issues.some((i) => i.rule === rule && i.childId === childId);
    expect(has('1000', null)).toBe(true);
    expect(has('2050', p0!.childId)).toBe(true);
    expect(has('2040', p1!.childId)).toBe(true);
    expect(has('2060', p1!.childId)).toBe(true);
    expect(has('3020', p2!.childId)).toBe(true);
    expect(has('4030', p2!.childId)).toBe(true);
    expect(has('4020', p3!.childId)).toBe(true);
    expect(has('2080', 'copy-of-p3')).toBe(true);
    // Every issue names its record and says why; nothing else was flagged.
    for (const i of issues) expect(i.message.length).toBeGreaterThan(10);
    expect([...new Set(issues.map((i) => i.rule))].sort()).toEqual([
      '1000',
      '2040',
      '2050',
      '2060',
      '2080',
      '3020',
      '4020',
      '4030',
      '5020',
    ]);
    expect(has('5020', p3!.childId)).toBe(true);
    // The failing records are still in the file: reported, never silently dropped.
    const xml = sen2Xml(bad);
    expect((xml.match(/<Person>/g) ?? []).length).toBe(bad.persons.length);
  });

  it('the script lists a bad record from the database with its rule, exits 1, and still writes it', async () => {
    if (!database.url) return;
    const good = await buildSen2Return(db, { year: 2026, councilId: council, lea: '999' });
    const victim = good.persons.find((p) => p.upn !== null)!;
    // An insider's bad edit: a UPN whose check letter is wrong.
    const wrong = `${victim.upn!.slice(0, 12)}${victim.upn![0] === 'A' ? 'B' : 'A'}`;
    await db.query('update record.child set upn = $1 where id = $2', [wrong, victim.childId]);
    try {
      const result = await exportScript(['sen2', '--year', '2026', '--council', council]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `rule 2050 Person.UPN child ${victim.childId}: UPN must be 13 characters with a valid check letter`,
      );
      expect(result.stdout).toContain(`<UPN>${wrong}</UPN>`);
      const usage = await exportScript(['sen2', '--year', '26']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/--year must be a collection year/);
    } finally {
      await db.query('update record.child set upn = $1 where id = $2', [victim.upn, victim.childId]);
    }
  });
});
