import { describe, expect, it } from 'vitest';
import { type AccessReport, ReportLog, reportKey } from './report.ts';

/**
 * The merge the subgraphs ran over a request's per-field reports before the door merged them as
 * they came (packages/service-kit subgraph.ts, until the fifth performance round): the oracle.
 */
function compactAccessBefore(entries: readonly AccessReport[]): AccessReport[] {
  const merged = new Map<string, AccessReport>();
  for (const entry of entries) {
    const key = `${entry.childId}|${entry.subject}|${entry.action ?? ''}`;
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, {
        ...entry,
        fieldsReturned: [...entry.fieldsReturned],
        fieldsDenied: [...entry.fieldsDenied],
      });
      continue;
    }
    for (const f of entry.fieldsReturned) if (!seen.fieldsReturned.includes(f)) seen.fieldsReturned.push(f);
    for (const d of entry.fieldsDenied) {
      if (!seen.fieldsDenied.some((x) => x.field === d.field)) seen.fieldsDenied.push(d);
    }
    seen.breakGlass ||= entry.breakGlass;
    if (entry.breakGlassReason && !seen.breakGlassReason) seen.breakGlassReason = entry.breakGlassReason;
  }
  return [...merged.values()];
}

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const CHILDREN = ['c1', 'c2', 'c3'];
const SUBJECTS = ['Child', 'EducationSection', 'HealthSection'];
const FIELDS = ['a', 'b', 'c', 'd'];
const REASONS = ['NO_CONSENT', 'NOT_PERMITTED', 'NO_RELATIONSHIP'] as const;

describe('ReportLog merges reports as they are made', () => {
  it('gives exactly what merging every per-field report at the end gave (2,000 random requests)', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const r = random(seed);
      const log = new ReportLog();
      const entries: AccessReport[] = [];
      const steps = 1 + Math.floor(r() * 25);
      for (let i = 0; i < steps; i++) {
        const childId = pick(r, CHILDREN);
        const subject = pick(r, SUBJECTS);
        const breakGlass = r() < 0.3;
        const breakGlassReason =
          breakGlass && r() < 0.7 ? pick(r, ['first reason', 'second reason']) : undefined;
        if (r() < 0.7) {
          // A guarded field handed out or refused (the per-field resolvers).
          const field = pick(r, FIELDS);
          const reason = r() < 0.3 ? pick(r, REASONS) : undefined;
          log.field(
            reportKey(childId, subject),
            { childId, subject, breakGlass, breakGlassReason },
            field,
            reason,
          );
          entries.push({
            childId,
            subject,
            breakGlass,
            ...(breakGlassReason ? { breakGlassReason } : {}),
            fieldsReturned: reason ? [] : [field],
            fieldsDenied: reason ? [{ field, reason }] : [],
          });
        } else {
          // A whole report (a section refused, a write, a child not found).
          const entry: AccessReport = {
            childId,
            subject,
            breakGlass,
            ...(breakGlassReason ? { breakGlassReason } : {}),
            ...(r() < 0.3 ? { action: pick(r, ['grantConsent', 'withdrawConsent']) } : {}),
            fieldsReturned: FIELDS.filter(() => r() < 0.3),
            fieldsDenied: FIELDS.filter(() => r() < 0.2).map((field) => ({
              field,
              reason: pick(r, REASONS),
            })),
          };
          log.add(entry);
          entries.push(entry);
        }
      }
      // Compared as the gateway receives them (JSON).
      expect(JSON.parse(JSON.stringify(log.list())), `seed ${seed}`).toEqual(
        JSON.parse(JSON.stringify(compactAccessBefore(entries))),
      );
    }
  });

  it('keeps first-seen order, one entry per field, the first denial reason and the first break-glass reason', () => {
    const log = new ReportLog();
    const from = { childId: 'c1', subject: 'HealthSection', breakGlass: false, breakGlassReason: undefined };
    const key = reportKey('c1', 'HealthSection');
    log.field(key, from, 'b', undefined);
    log.field(key, from, 'a', 'NO_CONSENT');
    log.field(key, from, 'b', undefined);
    log.field(key, from, 'a', 'NOT_PERMITTED');
    log.field(key, { ...from, breakGlass: true, breakGlassReason: 'urgent' }, 'c', undefined);
    log.field(key, { ...from, breakGlass: true, breakGlassReason: 'later' }, 'd', undefined);
    log.add({ childId: 'c2', subject: 'Child', breakGlass: false, fieldsReturned: [], fieldsDenied: [] });
    expect(log.list()).toEqual([
      {
        childId: 'c1',
        subject: 'HealthSection',
        breakGlass: true,
        breakGlassReason: 'urgent',
        fieldsReturned: ['b', 'c', 'd'],
        fieldsDenied: [{ field: 'a', reason: 'NO_CONSENT' }],
      },
      { childId: 'c2', subject: 'Child', breakGlass: false, fieldsReturned: [], fieldsDenied: [] },
    ]);
  });
});
