import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BundleNotJson,
  BundleTooLarge,
  bundleEntries,
  bundleHead,
  entryIsNotAList,
  spoolBody,
} from './stream.ts';

async function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield Buffer.from(text.slice(i, i + size));
}

async function all(source: AsyncIterable<unknown>) {
  const out: unknown[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function spooled(text: string, size = 7) {
  return spoolBody(chunks(text, size), 1 << 20);
}

describe('a FHIR bundle read as a stream', () => {
  it('gives the bundle’s own fields without its entries, then the entries one by one, in order', async () => {
    const entry = (i: number) => ({ resource: { resourceType: 'Patient', id: `p${i}` } });
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      id: 'b1',
      entry: Array.from({ length: 1200 }, (_, i) => entry(i)),
    };
    const s = await spooled(JSON.stringify(bundle), 333);
    try {
      expect(await bundleHead(s.file)).toEqual({ resourceType: 'Bundle', type: 'batch', id: 'b1' });
      expect(await entryIsNotAList(s.file)).toBe(false);
      const seen: unknown[] = [];
      for await (const e of bundleEntries(s.file)) seen.push(e);
      expect(seen).toEqual(bundle.entry);
      // Read again (the ingest reads twice: index, then ingest).
      let n = 0;
      for await (const _ of bundleEntries(s.file)) n++;
      expect(n).toBe(1200);
    } finally {
      s.remove();
    }
    expect(existsSync(s.file)).toBe(false);
  });

  it('tells an entry that is not a list, a body that is not JSON, and one too large', async () => {
    const notList = await spooled('{"resourceType":"Bundle","type":"batch","entry":{"a":1}}');
    expect(await entryIsNotAList(notList.file)).toBe(true);
    notList.remove();
    const none = await spooled('{"resourceType":"Bundle","type":"batch"}');
    expect(await entryIsNotAList(none.file)).toBe(false);
    expect(await all(bundleEntries(none.file))).toEqual([]);
    none.remove();
    const broken = await spooled('{"resourceType":"Bundle","entry":[{"resource":');
    await expect(all(bundleEntries(broken.file))).rejects.toBeInstanceOf(BundleNotJson);
    broken.remove();
    await expect(spoolBody(chunks('x'.repeat(5000), 100), 4096)).rejects.toBeInstanceOf(BundleTooLarge);
  });
});
