import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { parser } from 'stream-json';
import ignore from 'stream-json/filters/ignore.js';
import pick from 'stream-json/filters/pick.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import streamValues from 'stream-json/streamers/stream-values.js';

/**
 * A FHIR bundle read as a stream (stream-json): the request body is spooled to a temporary file
 * as it arrives (never held in memory), then read token by token, one `Bundle.entry[i]` at a
 * time. Two reads: the first collects what every entry may need to know about the others (the
 * bundle's own fields, each entry's fullUrl, the Organizations), keeping no resource; the second
 * hands the entries out one by one, so the ingest holds a chunk of entries at a time whatever the
 * bundle's size. (stream-json materialises values like JSON.parse: a `__proto__` key becomes an own
 * property, never a prototype.)
 */
export class BundleTooLarge extends Error {}
export class BundleNotJson extends Error {}

export interface SpooledBundle {
  file: string;
  bytes: number;
  remove(): void;
}

/** Writes the body to a private temporary file; refuses past `maxBytes`. */
export async function spoolBody(
  body: AsyncIterable<Buffer | string>,
  maxBytes: number,
): Promise<SpooledBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-fhir-'));
  const file = join(dir, 'bundle.json');
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  try {
    await pipelineAsync(
      body,
      async function* (source: AsyncIterable<Buffer | string>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          if (bytes > maxBytes) throw new BundleTooLarge(`The bundle is larger than ${maxBytes} bytes.`);
          yield chunk;
        }
      },
      createWriteStream(file, { mode: 0o600 }),
    );
  } catch (error) {
    remove();
    throw error;
  }
  return { file, bytes, remove };
}

/** Tokens of `file` through `stages`; the last stage's objects, errors as BundleNotJson. */
async function* read<T>(file: string, ...stages: NodeJS.ReadWriteStream[]): AsyncGenerator<T> {
  const out = pipeline(
    [createReadStream(file), parser.asStream(), ...stages] as unknown as [Readable, NodeJS.ReadWriteStream],
    () => {},
  ) as unknown as AsyncIterable<T> & { destroy(): void };
  try {
    for await (const item of out) yield item;
  } catch (error) {
    throw new BundleNotJson(`The body is not valid JSON: ${(error as Error).message}`);
  } finally {
    out.destroy();
  }
}

/** The bundle's own fields (everything but `entry`), and whether `entry` is there and a list. */
export async function bundleHead(file: string): Promise<Record<string, unknown> | null> {
  for await (const { value } of read<{ value: unknown }>(
    file,
    ignore.asStream({ filter: 'entry' }),
    streamValues.asStream(),
  ))
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  return null;
}

/** `Bundle.entry` one at a time, in order (nothing when the bundle has none). */
export async function* bundleEntries(file: string): AsyncGenerator<unknown> {
  for await (const { value } of read<{ value: unknown }>(
    file,
    pick.asStream({ filter: 'entry' }),
    streamArray.asStream(),
  ))
    yield value;
}

/** Whether `entry` is present and not a list (a refusal: Bundle.entry must be a list). Reads one token. */
export async function entryIsNotAList(file: string): Promise<boolean> {
  for await (const token of read<{ name: string }>(file, pick.asStream({ filter: 'entry' })))
    return token.name !== 'startArray';
  return false;
}
