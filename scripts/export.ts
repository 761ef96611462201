// `pnpm export sen2 --year <YYYY> [--council <la id>] [--lea <3 digits>] [--out <file>]`:
// writes the DfE's person-level SEN2 return (XML) for one council from the record store
// (DATABASE_URL, else the embedded PGlite store in $DATA_DIR/record, default .data/record), and
// lists every record that fails a validation rule, with the rule number and message, on stderr.
// Nothing is left out silently: a failing record is still written, and reported.
// Exit code 0 = written and valid, 1 = written with validation failures, 2 = bad usage / no data.
// On PGlite, stop the hub first: an embedded database must not be opened by two processes.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@hub/db';
import {
  buildSen2Return,
  SEN2_LAYOUT,
  SEN2_NOT_HELD,
  SEN2_NOT_VERIFIED,
  sen2Councils,
  sen2Xml,
  validateSen2,
} from '@hub/record';

const usage = 'usage: pnpm export sen2 --year <YYYY> [--council <la id>] [--lea <3 digits>] [--out <file>]';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    year: { type: 'string' },
    council: { type: 'string' },
    lea: { type: 'string', default: '999' },
    out: { type: 'string' },
  },
});
const fail = (message: string): never => {
  console.error(`export: ${message}\n${usage}`);
  process.exit(2);
};
if (positionals[0] !== 'sen2' || positionals.length !== 1) fail('the only export is sen2');
const year = Number(values.year);
if (!/^\d{4}$/.test(values.year ?? '') || year < 2015 || year > 2100)
  fail('--year must be a collection year, e.g. 2026');

const url = process.env.DATABASE_URL;
const dataDir = resolve(process.env.DATA_DIR ?? '.data', 'record');
if (!url && !existsSync(dataDir)) fail(`no record store at ${dataDir} (set DATABASE_URL or DATA_DIR)`);
const db = await openDatabase({ url, dataDir, maxConnections: 2 });
try {
  const councils = await sen2Councils(db);
  const council = values.council ?? (councils.length === 1 ? councils[0] : undefined);
  if (!council) fail(`choose the council with --council (one of: ${councils.join(', ') || 'none found'})`);
  if (!councils.includes(council!)) fail(`no children have ${council} as their responsible local authority`);
  const ret = await buildSen2Return(db, { year, councilId: council!, lea: values.lea! });
  const issues = validateSen2(ret);
  const xml = sen2Xml(ret);
  if (values.out) writeFileSync(values.out, xml);
  else process.stdout.write(xml);
  const requests = ret.persons.reduce((n, p) => n + p.requests.length, 0);
  console.error(
    `export sen2 ${year} for ${council} (LEA ${values.lea}, reference date ${ret.header.referenceDate}): ` +
      `${ret.persons.length} persons, ${requests} requests. Layout: ${SEN2_LAYOUT}.`,
  );
  console.error(`Not held by the hub (complete before submitting): ${SEN2_NOT_HELD.join('; ')}.`);
  console.error(`Not verified against the published code lists: ${SEN2_NOT_VERIFIED.join('; ')}.`);
  if (issues.length === 0) console.error('Validation: every record passes.');
  else {
    console.error(`Validation: ${issues.length} failure(s):`);
    for (const i of issues)
      console.error(
        `  rule ${i.rule} ${i.field}${i.childId ? ` child ${i.childId}` : ''}${i.sourceId ? ` request ${i.sourceId}` : ''}: ${i.message}`,
      );
  }
  process.exitCode = issues.length === 0 ? 0 : 1;
} finally {
  await db.close();
}
