import { describe, expect, it } from 'vitest';
import { englishDateTime, xmlRecords } from './ingest.ts';

async function collect(chunks: string[], tag: string) {
  async function* source() {
    for (const c of chunks) yield Buffer.from(c);
  }
  const out: Array<{ kind: string; xml: string }> = [];
  for await (const part of xmlRecords(source(), tag)) out.push({ kind: part.kind, xml: part.xml });
  return out;
}

const doc =
  '<?xml version="1.0"?><CTfile><Header><DocumentName>Common Transfer File</DocumentName></Header><CTFpupilData>' +
  '<Pupil><UPN>A1</UPN></Pupil>\n<Pupil><UPN>B2</UPN><PupilNote>x</PupilNote></Pupil></CTFpupilData></CTfile>';

describe('xmlRecords', () => {
  it('yields the header then each record, whatever the chunk boundaries (one byte at a time too)', async () => {
    const whole = await collect([doc], 'Pupil');
    expect(whole.map((p) => p.kind)).toEqual(['header', 'record', 'record', 'tail']);
    expect(whole[0]!.xml).toContain('<Header>');
    expect(whole[0]!.xml).not.toContain('<Pupil>');
    expect(whole[2]!.xml).toBe('<Pupil><UPN>B2</UPN><PupilNote>x</PupilNote></Pupil>');
    expect(await collect([...doc], 'Pupil')).toEqual(whole);
    expect(await collect([doc.slice(0, 150), doc.slice(150)], 'Pupil')).toEqual(whole);
  });

  it('does not take <CTFpupilData> or <PupilNote> for a <Pupil>, nor <ChildIdentifiers> for a <Child>', async () => {
    const cin =
      '<Message><Header/><Children><Child><ChildIdentifiers><LAchildID>1</LAchildID></ChildIdentifiers></Child></Children></Message>';
    const parts = await collect([cin], 'Child');
    expect(parts.filter((p) => p.kind === 'record').map((p) => p.xml)).toEqual([
      '<Child><ChildIdentifiers><LAchildID>1</LAchildID></ChildIdentifiers></Child>',
    ]);
  });

  it('refuses comments or CDATA in a record (a </Pupil> inside one would cut it in two)', async () => {
    await expect(collect(['<CTfile><Header/><Pupil><!-- </Pupil> --></Pupil>'], 'Pupil')).rejects.toThrow(
      /Comments and CDATA/,
    );
  });
});

describe('englishDateTime', () => {
  it('reads a header time without offset as London time (BST in summer, GMT in winter)', () => {
    expect(englishDateTime('2026-09-01T09:00:00')?.toISOString()).toBe('2026-09-01T08:00:00.000Z');
    expect(englishDateTime('2026-01-15T09:00:00')?.toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(englishDateTime('2026-01-15 09:00:00')?.toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(englishDateTime('2026-09-01T09:00:00Z')?.toISOString()).toBe('2026-09-01T09:00:00.000Z');
    expect(englishDateTime('yesterday')).toBeNull();
    expect(englishDateTime(null)).toBeNull();
  });
});
