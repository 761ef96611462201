// `pnpm bench:audit [--events 10000000] [--iterations 200] [--chain-events 20000] [--keep]`
//
// Loads N synthetic audit events into a FRESH database on DATABASE_URL (never an existing
// one), builds the audit indexes exactly as migration 0002 defines them, and times the common
// auditor queries through the real code path (@hub/audit queryAuditEvents / accessHistory),
// printing p50/p99 per query. Then appends a real hash chain (M events, 8 concurrent writers)
// in a second fresh database and times appendAuditEvent and verifyAuditChain.
//
// The bulk data is generated set-based in SQL (generate_series, deterministic hashint4
// pseudo-randomness) so 10M rows load in minutes. Its prev_hash/hash columns are well-formed
// but NOT a valid chain (a chain is inherently sequential); chain costs are measured
// separately on the real chain. The two tables are switched to UNLOGGED before the load:
// that only speeds up writing; reads (what is timed) are unaffected.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  AUDIT_MIGRATIONS_DIR,
  accessHistory,
  appendAuditEvent,
  encodeCursor,
  migrateAudit,
  queryAuditEvents,
  verifyAuditChain,
} from '@hub/audit';
import { anAuditEventInput } from '@hub/audit/testing';
import { type DbHandle, loadMigrations, migrate, openDatabase } from '@hub/db';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    iterations: { type: 'string', default: '200' },
    'chain-events': { type: 'string', default: '20000' },
    keep: { type: 'boolean', default: false },
  },
});
const EVENTS = Number(values.events);
const ITERATIONS = Number(values.iterations);
const CHAIN_EVENTS = Number(values['chain-events']);
const CHILDREN = Math.max(1000, Math.round(EVENTS / 50));
const USERS = Math.max(100, Math.round(EVENTS / 500));
const ORGS = Math.max(10, Math.round(USERS / 10));
const BATCH = 500_000;
const SPAN_SECONDS = 2 * 365 * 24 * 3600; // two years of activity
const START = Date.parse('2024-01-01T00:00:00Z');

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error(
    'bench:audit needs DATABASE_URL (a PostgreSQL server): it creates and drops its own databases there.',
  );
  console.error(
    'Embedded PGlite is not a benchmark target (single process, WASM); the 10M-event figure is for PostgreSQL.',
  );
  process.exit(2);
}
if (!Number.isInteger(EVENTS) || EVENTS < 1000) {
  console.error('--events must be an integer of at least 1000');
  process.exit(2);
}

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

async function withFreshDatabase<T>(
  label: string,
  fn: (db: DbHandle, name: string) => Promise<T>,
): Promise<T> {
  const admin = await openDatabase({ url: serverUrl, maxConnections: 1 });
  const name = `hub_bench_${label}_${randomBytes(4).toString('hex')}`;
  await admin.exec(`create database ${name}`);
  // Bulk-load settings for this throw-away database only (the server's config is left alone).
  await admin.exec(`alter database ${name} set synchronous_commit = off;
    alter database ${name} set maintenance_work_mem = '1GB';
    alter database ${name} set max_parallel_maintenance_workers = 1;
    alter database ${name} set work_mem = '64MB';`);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), maxConnections: 8 });
  try {
    return await fn(db, name);
  } finally {
    await db.close();
    if (values.keep) log(`kept database ${name}`);
    else await admin.exec(`drop database if exists ${name} with (force)`);
    await admin.close();
  }
}

/** Deterministic pseudo-random float8 in [0, 1) from an integer expression and a salt (float8: numeric is slow). */
const rand = (expr: string, salt: number) =>
  `((hashint4((${expr})::int * 31 + ${salt})::float8 + 2147483648) / 4294967296)`;

/** Child k's id: a fixed synthetic UUID pattern (cheaper than hashing, and obviously not real). */
const childUuid = (k: string) =>
  `('00000000-0000-4000-8000-' || lpad(to_hex((${k}) % ${CHILDREN}), 12, '0'))::uuid`;
const benchChildId = (k: number) =>
  `00000000-0000-4000-8000-${(k % CHILDREN).toString(16).padStart(12, '0')}`;

/** One batch of synthetic events and their child links, set-based. */
function loadSql(lo: number, hi: number): string {
  const spacing = SPAN_SECONDS / EVENTS;
  const sections = `'["Child","EducationSection"]'::jsonb`;
  return `
    with generated as materialized (
      select g,
        ${rand('g', 1)} < 0.01 as anon,
        floor(${rand('g', 2)} * ${USERS})::int as u,
        ${rand('g', 3)} as p_outcome,
        ${rand('g', 4)} < 0.0005 as glass,
        -- skewed: a few children have many events, most have few
        floor(power(${rand('g', 5)}, 2) * ${CHILDREN})::int as k,
        ${rand('g', 6)} < 0.03 as search
      from generate_series(${lo}, ${hi}) as g
    ), shaped as materialized (
      select *,
        case when anon then '{}'::uuid[]
             when search then array[${[0, 1, 2, 3, 4].map((i) => childUuid(`k + ${i}`)).join(', ')}]
             else array[${childUuid('k')}] end as ids,
        case when anon then 'denied' when p_outcome < 0.05 then 'denied' when p_outcome < 0.06 then 'error' else 'ok' end as outcome
      from generated
    ), inserted as (
      insert into audit.event (seq, event_id, format, occurred_at, request_id, actor_sub, actor_role, actor_org, purpose,
        operation_name, operation_type, outcome, error_codes, fields_returned, fields_denied, break_glass, break_glass_reason,
        client_ip, child_ids, child_sections, prev_hash, hash)
      select g, md5('event' || g)::uuid, 1,
        timestamptz '2024-01-01 00:00:00+00' + (g * ${spacing}) * interval '1 second',
        'bench-' || g,
        case when anon then null else 'bench-user-' || u end,
        case when anon then null else (array['senco','health_practitioner','social_worker','la_send_officer','parent_carer','auditor'])[1 + u % 6] end,
        case when anon then null else 'org-' || (u % ${ORGS}) end,
        case when anon then null else 'ehc_assessment' end,
        case when search then 'Search:children' else 'ChildRecord:child' end,
        'query', outcome,
        case outcome when 'denied' then '{FORBIDDEN_FIELD}'::text[] when 'error' then '{INVALID_INPUT}'::text[] else '{}'::text[] end,
        case when anon then '{}'::text[] else '{Child.givenName,Child.familyName,EducationSection.senStatus}'::text[] end,
        case when outcome = 'denied' and not anon then '{Child.health:NO_CONSENT}'::text[] else '{}'::text[] end,
        glass and not anon,
        case when glass and not anon then 'Synthetic benchmark break-glass reason' end,
        '10.0.' || (u % 250) || '.' || (g % 250),
        ids,
        case when anon then '{}'::jsonb
             when search then jsonb_build_object(${[1, 2, 3, 4, 5].map((i) => `ids[${i}]::text, ${sections}`).join(', ')})
             else jsonb_build_object(ids[1]::text, ${sections}) end,
        encode(sha256(((g - 1)::text)::bytea), 'hex'),
        encode(sha256((g::text)::bytea), 'hex')
      from shaped
      returning seq, child_ids
    )
    insert into audit.event_child (child_id, seq) select unnest(child_ids), seq from inserted`;
}

interface Timing {
  name: string;
  p50: number;
  p99: number;
  mean: number;
  rows: number;
}

async function time(name: string, run: (i: number) => Promise<number>): Promise<Timing> {
  for (let i = 0; i < Math.min(20, ITERATIONS); i++) await run(i + 1_000_000); // warm-up, other parameters
  const samples: number[] = [];
  let rows = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    rows += await run(i);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return {
    name,
    p50: at(0.5),
    p99: at(0.99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    rows: rows / ITERATIONS,
  };
}

/** Deterministic parameter i of a kind, spread over the population. */
const pick = (i: number, n: number, salt: number) => Math.abs((i * 2654435761 + salt * 97) % n);
const isoAt = (fraction: number) => new Date(START + fraction * SPAN_SECONDS * 1000).toISOString();

await withFreshDatabase('audit', async (db, name) => {
  log(
    `database ${name}: ${EVENTS.toLocaleString()} events, ${CHILDREN.toLocaleString()} children, ${USERS.toLocaleString()} users in ${ORGS.toLocaleString()} organisations`,
  );
  const migrations = loadMigrations(AUDIT_MIGRATIONS_DIR);
  await migrate(
    db,
    'audit',
    migrations.filter((m) => m.id.startsWith('0001')),
  );
  // As pg_restore does: load first, then build the unique indexes of 0001 (same definitions) and 0002.
  await db.exec(`alter table audit.event set unlogged; alter table audit.event_child set unlogged;
    alter table audit.event drop constraint event_event_id_key;
    alter table audit.event_child drop constraint event_child_pkey;`);

  const loadStarted = performance.now();
  for (let lo = 1; lo <= EVENTS; lo += BATCH) {
    const hi = Math.min(EVENTS, lo + BATCH - 1);
    await db.exec(loadSql(lo, hi));
    log(`loaded ${hi.toLocaleString()} events (${seconds(performance.now() - loadStarted)})`);
  }
  const loadMs = performance.now() - loadStarted;

  const indexStarted = performance.now();
  await db.exec(`alter table audit.event add constraint event_event_id_key unique (event_id);
    alter table audit.event_child add constraint event_child_pkey primary key (child_id, seq);`);
  await migrate(db, 'audit', migrations);
  const indexMs = performance.now() - indexStarted;
  log(`indexes (0001 unique keys + migration 0002) built in ${seconds(indexMs)}`);
  const vacuumStarted = performance.now();
  await db.exec('vacuum analyze audit.event');
  await db.exec('vacuum analyze audit.event_child');
  const vacuumMs = performance.now() - vacuumStarted;
  log(`vacuum analyze in ${seconds(vacuumMs)}`);

  const [counts] = await db.query<{
    events: string;
    links: string;
    event_size: string;
    child_size: string;
    total: string;
  }>(`
    select (select count(*) from audit.event)::text as events, (select count(*) from audit.event_child)::text as links,
      pg_size_pretty(pg_total_relation_size('audit.event')) as event_size,
      pg_size_pretty(pg_total_relation_size('audit.event_child')) as child_size,
      pg_size_pretty(pg_database_size(current_database())) as total`);

  // Parameters: the busiest children (skewed data: worst case) and ordinary ones, random users and orgs.
  const busy = await db.query<{ id: string; n: number }>(
    'select child_id::text as id, count(*)::int as n from audit.event_child group by child_id order by n desc limit 20',
  );
  const children = Array.from({ length: 64 }, (_, i) => benchChildId(pick(i, CHILDREN, 1)));
  const deepOrg = `org-${pick(7, ORGS, 3)}`;
  const [deepSeq] = await db.query<{ seq: string; n: number }>(
    `select seq::text, (select count(*) from audit.event where actor_org = $1)::int as n
       from audit.event where actor_org = $1 order by seq limit 1 offset (select count(*) / 2 from audit.event where actor_org = $1)`,
    [deepOrg],
  );
  const deepCursor = encodeCursor(Number(deepSeq!.seq));
  const window = (i: number, days: number) => {
    const from = (pick(i, 600, 9) / 730) * 0.98;
    return { from: isoAt(from), to: isoAt(from + days / 730) };
  };

  const count = (page: { edges: unknown[] }) => page.edges.length;
  const timings = [
    await time('child, newest page (50)', async (i) =>
      count(await queryAuditEvents(db, { childId: children[i % 64] }, { first: 50 })),
    ),
    await time('busiest child, newest page (50)', async (i) =>
      count(await queryAuditEvents(db, { childId: busy[i % busy.length]!.id }, { first: 50 })),
    ),
    await time('child + 90-day range (50)', async (i) =>
      count(
        await queryAuditEvents(db, { childId: busy[i % busy.length]!.id, ...window(i, 90) }, { first: 50 }),
      ),
    ),
    await time('actor + 30-day range (50)', async (i) =>
      count(
        await queryAuditEvents(
          db,
          { actorSub: `bench-user-${pick(i, USERS, 4)}`, ...window(i, 30) },
          { first: 50 },
        ),
      ),
    ),
    await time('organisation, newest page (50)', async (i) =>
      count(await queryAuditEvents(db, { organisation: `org-${pick(i, ORGS, 5)}` }, { first: 50 })),
    ),
    await time('organisation + 7-day range (50)', async (i) =>
      count(
        await queryAuditEvents(
          db,
          { organisation: `org-${pick(i, ORGS, 6)}`, ...window(i, 7) },
          { first: 50 },
        ),
      ),
    ),
    await time('organisation, deep page (cursor halfway)', async () =>
      count(await queryAuditEvents(db, { organisation: deepOrg }, { first: 50, after: deepCursor })),
    ),
    await time('break-glass only, newest page (50)', async () =>
      count(await queryAuditEvents(db, { breakGlass: true }, { first: 50 })),
    ),
    await time('break-glass only, 30-day range (50)', async (i) =>
      count(await queryAuditEvents(db, { breakGlass: true, ...window(i, 30) }, { first: 50 })),
    ),
    await time('denied, newest page (200)', async () =>
      count(await queryAuditEvents(db, { outcome: 'denied' }, { first: 200 })),
    ),
    await time('everything, deep page (cursor at seq N/2)', async () =>
      count(await queryAuditEvents(db, {}, { first: 50, after: encodeCursor(Math.floor(EVENTS / 2)) })),
    ),
    await time(
      'family accessHistory (busiest child, 100)',
      async (i) => (await accessHistory(db, busy[i % busy.length]!.id)).length,
    ),
  ];

  console.log(
    `\nAudit log benchmark: ${Number(counts!.events).toLocaleString()} events, ${Number(counts!.links).toLocaleString()} child links`,
  );
  console.log(
    `  load ${seconds(loadMs)} (${Math.round(EVENTS / (loadMs / 1000)).toLocaleString()} events/s), indexes ${seconds(indexMs)}, vacuum analyze ${seconds(vacuumMs)}`,
  );
  console.log(
    `  sizes: audit.event ${counts!.event_size}, audit.event_child ${counts!.child_size}, database ${counts!.total}`,
  );
  console.log(
    `  busiest child: ${busy[0]!.n.toLocaleString()} events; deep-page organisation ${deepOrg}: ${deepSeq!.n.toLocaleString()} events`,
  );
  console.log(
    `  ${ITERATIONS} timed iterations per query (after warm-up), wall time per call incl. the seq-range probes:\n`,
  );
  console.log(
    `  ${'query'.padEnd(44)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'mean ms'.padStart(8)} ${'rows'.padStart(6)}`,
  );
  for (const t of timings) {
    console.log(
      `  ${t.name.padEnd(44)} ${t.p50.toFixed(2).padStart(8)} ${t.p99.toFixed(2).padStart(8)} ${t.mean.toFixed(2).padStart(8)} ${t.rows.toFixed(0).padStart(6)}`,
    );
  }
});

if (CHAIN_EVENTS > 0) {
  await withFreshDatabase('chain', async (db) => {
    await migrateAudit(db);
    const started = performance.now();
    let next = 0;
    const writer = async () => {
      while (next < CHAIN_EVENTS) {
        const i = next++;
        await appendAuditEvent(db, anAuditEventInput({ requestId: `chain-${i}` }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    const appendMs = performance.now() - started;
    const verifyStarted = performance.now();
    const result = await verifyAuditChain(db);
    const verifyMs = performance.now() - verifyStarted;
    if (!result.ok) throw new Error(`chain broken: ${JSON.stringify(result.firstBroken)}`);
    const perSecond = result.checked / (verifyMs / 1000);
    console.log(
      `\nReal hash chain: ${CHAIN_EVENTS.toLocaleString()} events appended by 8 concurrent writers in ${seconds(appendMs)} (${Math.round(CHAIN_EVENTS / (appendMs / 1000)).toLocaleString()} appends/s);`,
    );
    console.log(
      `  verifyAuditChain: ${result.checked.toLocaleString()} events in ${seconds(verifyMs)} (${Math.round(perSecond).toLocaleString()} events/s, ≈${(10_000_000 / perSecond / 60).toFixed(0)} min for 10M)`,
    );
  });
}
