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

  it('a comment or CDATA section never ends a record early; both read as a parser reads them', async () => {
    const parts = await collect(
      [
        '<CTfile><Header/><CTFpupilData><Pupil><!-- </Pupil> --><UPN>A1</UPN>',
        '<Surname><![CDATA[O</Pupil>Brien & Co]]></Surname></Pupil><Pupil><UPN>B2</UPN></Pupil></CTFpupilData></CTfile>',
      ],
      'Pupil',
    );
    expect(parts.filter((p) => p.kind === 'record').map((p) => p.xml)).toEqual([
      '<Pupil><UPN>A1</UPN><Surname>O&lt;/Pupil&gt;Brien &amp; Co</Surname></Pupil>',
      '<Pupil><UPN>B2</UPN></Pupil>',
    ]);
  });

  it('keeps entities and attributes escaped; self-closing elements close', async () => {
    const parts = await collect(
      [
        '<Message><Header/><Children><Child id="a&quot;b"><UPN>&lt;x&gt; &#65;</UPN><Empty/></Child></Children></Message>',
      ],
      'Child',
    );
    expect(parts.find((p) => p.kind === 'record')?.xml).toBe(
      '<Child id="a&quot;b"><UPN>&lt;x&gt; A</UPN><Empty></Empty></Child>',
    );
  });

  it('refuses a DOCTYPE (no entity declarations) and malformed XML, with the parser’s position', async () => {
    await expect(
      collect(['<!DOCTYPE CTfile [<!ENTITY x "y">]><CTfile><Header/><Pupil>&x;</Pupil></CTfile>'], 'Pupil'),
    ).rejects.toThrow(/DOCTYPE/);
    await expect(collect(['<CTfile><Header/><Pupil><UPN>A1</Pupil></CTfile>'], 'Pupil')).rejects.toThrow(
      /Not well-formed XML: 1:\d+/,
    );
  });

  it('holds one record at a time: a 50,000-record stream yields as it goes', async () => {
    async function* big() {
      yield '<CTfile><Header/><CTFpupilData>';
      for (let i = 0; i < 50_000; i++) yield `<Pupil><UPN>A${i}</UPN></Pupil>`;
      yield '</CTFpupilData></CTfile>';
    }
    let records = 0;
    let pendingAtMost = 0;
    let produced = 0;
    for await (const part of xmlRecords(
      (async function* () {
        for await (const c of big()) {
          produced++;
          yield c;
        }
      })(),
      'Pupil',
    )) {
      if (part.kind !== 'record') continue;
      records++;
      // The splitter never runs far ahead of the records it has handed out.
      pendingAtMost = Math.max(pendingAtMost, produced - records);
    }
    expect(records).toBe(50_000);
    expect(pendingAtMost).toBeLessThanOrEqual(2);
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

  it('reads midnight as the start of that day in England, on both days the clocks change too', () => {
    expect(englishDateTime('2027-01-25T00:00:00')?.toISOString()).toBe('2027-01-25T00:00:00.000Z');
    expect(englishDateTime('2027-06-26T00:00:00')?.toISOString()).toBe('2027-06-25T23:00:00.000Z');
    // The clocks change at 01:00 UTC: both days of a change still start at local midnight.
    expect(englishDateTime('2027-03-28T00:00:00')?.toISOString()).toBe('2027-03-28T00:00:00.000Z');
    expect(englishDateTime('2027-10-31T00:00:00')?.toISOString()).toBe('2027-10-30T23:00:00.000Z');
  });
});
