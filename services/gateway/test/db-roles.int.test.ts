import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { appendAuditEvent, verifyAuditChain } from '@hub/audit';
import { anAuditEventInput, TEST_CHILD_A } from '@hub/audit/testing';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import { DB_ROLES, type DbHandle, openDatabase } from '@hub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * Least-privilege database roles, attacked the way a compromised service would: each context's
 * role through a LOGIN user that is a member of that role only (as in production, where the
 * role is a real boundary), trying to read other contexts, rewrite the audit log, switch off
 * its triggers or switch role. On PGlite (one embedded user) roles are not enforced, so this
 * file needs PostgreSQL (CI sets DATABASE_URL).
 */
const CONTEXTS = [
  { schema: 'record', role: DB_ROLES.record },
  { schema: 'education', role: DB_ROLES.education },
  { schema: 'health', role: DB_ROLES.health },
  { schema: 'social_care', role: DB_ROLES.social_care },
  { schema: 'audit', role: DB_ROLES.audit_writer },
] as const;
const SCHEMAS = CONTEXTS.map((c) => c.schema);
const HUB_ROLES = Object.values(DB_ROLES);

/**
 * Every privilege the migrations grant, as a reviewable table (`schema.table[.column]:PRIVILEGE`).
 * A grant added or removed anywhere changes this list: review it like a security change.
 */
const EXPECTED_GRANTS: Record<string, string[]> = {
  hub_record: [
    'record.annual_review:INSERT',
    'record.annual_review:SELECT',
    'record.annual_review:UPDATE',
    'record.break_glass:INSERT',
    'record.break_glass:SELECT',
    'record.capacity_representative.end_reason:UPDATE',
    'record.capacity_representative.ended_at:UPDATE',
    'record.capacity_representative.ended_by_org_id:UPDATE',
    'record.capacity_representative.ended_by_role:UPDATE',
    'record.capacity_representative.ended_by_sub:UPDATE',
    'record.capacity_representative:INSERT',
    'record.capacity_representative:SELECT',
    'record.child.parent_access_confirmed_by_young_person:UPDATE',
    'record.child:INSERT',
    'record.child:SELECT',
    'record.child_relationship:INSERT',
    'record.child_relationship:SELECT',
    'record.consent.confirmed_by_young_person_at:UPDATE',
    'record.consent.withdrawn_at:UPDATE',
    'record.consent.withdrawn_by_sub:UPDATE',
    'record.consent:INSERT',
    'record.consent:SELECT',
    'record.ehc_advice_request:INSERT',
    'record.ehc_advice_request:SELECT',
    'record.ehc_advice_request:UPDATE',
    'record.ehc_advice_reuse:INSERT',
    'record.ehc_advice_reuse:SELECT',
    'record.ehc_appeal:INSERT',
    'record.ehc_appeal:SELECT',
    'record.ehc_appeal:UPDATE',
    'record.ehc_assessment:INSERT',
    'record.ehc_assessment:SELECT',
    'record.ehc_assessment:UPDATE',
    'record.ehc_exception.ended_at:UPDATE',
    'record.ehc_exception.ended_by_sub:UPDATE',
    'record.ehc_exception.to_date:UPDATE',
    'record.ehc_exception:INSERT',
    'record.ehc_exception:SELECT',
    'record.family_information_version:INSERT',
    'record.family_information_version:SELECT',
    'record.family_item_confirmation:INSERT',
    'record.family_item_confirmation:SELECT',
    'record.family_member:SELECT',
    'record.identity_link_event:INSERT',
    'record.identity_link_event:SELECT',
    'record.identity_source.candidates:UPDATE',
    'record.identity_source.child_id:UPDATE',
    'record.identity_source.council_id:UPDATE',
    'record.identity_source.date_of_birth:UPDATE',
    'record.identity_source.family_name:UPDATE',
    'record.identity_source.given_name:UPDATE',
    'record.identity_source.held:UPDATE',
    'record.identity_source.identifiers:UPDATE',
    'record.identity_source.postcode:UPDATE',
    'record.identity_source.reason:UPDATE',
    'record.identity_source.sex:UPDATE',
    'record.identity_source.status:UPDATE',
    'record.identity_source.updated_at:UPDATE',
    'record.identity_source:INSERT',
    'record.identity_source:SELECT',
  ],
  hub_education: [
    'education.council:SELECT',
    'education.ctf_source:INSERT',
    'education.ctf_source:SELECT',
    'education.ctf_source:UPDATE',
    'education.educational_advice:INSERT',
    'education.educational_advice:SELECT',
    'education.educational_advice:UPDATE',
    'education.provision:SELECT',
    'education.pupil.attendance_percent:UPDATE',
    'education.pupil.school_id:UPDATE',
    'education.pupil.sen_status:UPDATE',
    'education.pupil.updated_at:UPDATE',
    'education.pupil:DELETE',
    'education.pupil:INSERT',
    'education.pupil:SELECT',
    'education.school:SELECT',
  ],
  hub_health: [
    'health.diagnosis:DELETE',
    'health.diagnosis:INSERT',
    'health.diagnosis:SELECT',
    'health.diagnosis:UPDATE',
    'health.fhir_patient_link:DELETE',
    'health.fhir_patient_link:INSERT',
    'health.fhir_patient_link:SELECT',
    'health.fhir_patient_link:UPDATE',
    'health.fhir_resource:DELETE',
    'health.fhir_resource:INSERT',
    'health.fhir_resource:SELECT',
    'health.fhir_resource:UPDATE',
    'health.health_advice:INSERT',
    'health.health_advice:SELECT',
    'health.health_advice:UPDATE',
    'health.health_record:INSERT',
    'health.health_record:SELECT',
    'health.health_record:UPDATE',
    'health.involvement:DELETE',
    'health.involvement:INSERT',
    'health.involvement:SELECT',
    'health.involvement:UPDATE',
    'health.pathway_wait:DELETE',
    'health.pathway_wait:INSERT',
    'health.pathway_wait:SELECT',
    'health.pathway_wait:UPDATE',
    'health.support_while_waiting:DELETE',
    'health.support_while_waiting:INSERT',
    'health.support_while_waiting:SELECT',
    'health.support_while_waiting:UPDATE',
  ],
  hub_social_care: [
    'social_care.case_record.status:UPDATE',
    'social_care.case_record.updated_at:UPDATE',
    'social_care.case_record:DELETE',
    'social_care.case_record:INSERT',
    'social_care.case_record:SELECT',
    'social_care.cin_source:INSERT',
    'social_care.cin_source:SELECT',
    'social_care.cin_source:UPDATE',
    'social_care.council:SELECT',
    'social_care.short_break:SELECT',
    'social_care.social_care_advice:INSERT',
    'social_care.social_care_advice:SELECT',
    'social_care.social_care_advice:UPDATE',
  ],
  hub_audit_writer: [
    'audit.event:INSERT',
    'audit.event:SELECT',
    'audit.event_child:INSERT',
    'audit.event_child:SELECT',
  ],
  hub_audit_reader: ['audit.event:SELECT', 'audit.event_child:SELECT'],
};

/** The SQLSTATE a refused statement fails with (42501 insufficient_privilege, ...). */
/**
 * The only DELETEs a context's role may run, and what happens when it deletes every row: the
 * health FHIR ingest removes what a trust's DELETE entry names (its own tables), and the section
 * rows it derived; a trigger refuses any other row (P0001), such as the seeded ones.
 */
const MAY_DELETE: Record<string, string> = {
  'health.fhir_resource': 'succeeded',
  'health.fhir_patient_link': 'succeeded',
  'health.involvement': 'P0001',
  'health.pathway_wait': 'P0001',
  'health.diagnosis': 'P0001',
  'health.support_while_waiting': 'P0001',
  // Only rows a CTF / CIN file created, when its link is undone (guard triggers, migrations 0004).
  'education.pupil': 'P0001',
  'social_care.case_record': 'P0001',
};

async function sqlState(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'succeeded';
}

describe.skipIf(!process.env.DATABASE_URL)('least-privilege database roles (PostgreSQL)', () => {
  let hub: TestHub;
  let admin: DbHandle;
  const suffix = randomBytes(4).toString('hex');
  const logins: string[] = [];
  /** One connection per role, logged in as a fresh LOGIN user that is a member of that role only. */
  const as: Record<string, DbHandle> = {};
  /** That LOGIN user's URL, per role. */
  const loginUrl: Record<string, string> = {};

  beforeAll(async () => {
    hub = await startHub({ children: 20 });
    // Roles are cluster-wide: LOGIN users are made on the server, outside the test database.
    admin = await openDatabase({ url: process.env.DATABASE_URL!, maxConnections: 1 });
    for (const role of HUB_ROLES) {
      // Production: `create role record_app login password '…' in role hub_record`.
      const login = `${role}_t${suffix}`;
      const password = randomBytes(12).toString('hex');
      await admin.exec(`create role ${login} login password '${password}' in role ${role}`);
      logins.push(login);
      const url = new URL(hub.database.url!);
      url.username = login;
      url.password = password;
      loginUrl[role] = url.toString();
      // As the server runner does: the login user, assuming its context role at connect.
      as[role] = await openDatabase({ url: url.toString(), role, maxConnections: 1 });
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(as).map((handle) => handle.close()));
    await hub?.close();
    for (const login of logins) await admin.exec(`drop role if exists ${login}`);
    await admin?.close();
  });

  it('the migrations grant exactly the documented privileges, none to PUBLIC', async () => {
    const rows = await hub.audit.db.query<{ grantee: string; privilege: string }>(
      `select coalesce(r.rolname, 'PUBLIC') as grantee,
              n.nspname || '.' || c.relname || ':' || a.privilege_type as privilege
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         cross join lateral aclexplode(c.relacl) a left join pg_roles r on r.oid = a.grantee
        where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'S')
          and (a.grantee = 0 or r.rolname like 'hub\\_%') and a.grantee <> c.relowner
       union all
       select coalesce(r.rolname, 'PUBLIC'),
              n.nspname || '.' || c.relname || '.' || att.attname || ':' || a.privilege_type
         from pg_attribute att join pg_class c on c.oid = att.attrelid
         join pg_namespace n on n.oid = c.relnamespace
         cross join lateral aclexplode(att.attacl) a left join pg_roles r on r.oid = a.grantee
        where n.nspname = any($1) and (a.grantee = 0 or r.rolname like 'hub\\_%')`,
      [SCHEMAS],
    );
    const granted: Record<string, string[]> = {};
    for (const row of rows) granted[row.grantee] = [...(granted[row.grantee] ?? []), row.privilege].sort();
    expect(granted).toEqual(EXPECTED_GRANTS);
  });

  it("every table in a context's schema is granted to its role (a new table needs its grants)", async () => {
    const missing = await hub.audit.db.query<{ table: string }>(
      `select n.nspname || '.' || c.relname as table, ctx.role
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         join unnest($1::text[], $2::text[]) as ctx(schema, role) on ctx.schema = n.nspname
        where c.relkind in ('r', 'p') and c.relname <> 'schema_migrations'
          and not has_table_privilege(ctx.role, c.oid, 'select, insert')
        order by 1`,
      [CONTEXTS.map((c) => c.schema), CONTEXTS.map((c) => c.role)],
    );
    expect(missing).toEqual([]);
  });

  it('each service in the hub runs as its own role, and serves real requests through the gateway', async () => {
    const roleOf = async (db: DbHandle) =>
      (await db.query<{ current_user: string }>('select current_user'))[0]?.current_user;
    expect(await roleOf(hub.subgraphs.record.appDb)).toBe('hub_record');
    expect(await roleOf(hub.subgraphs.education.appDb)).toBe('hub_education');
    expect(await roleOf(hub.subgraphs.health.appDb)).toBe('hub_health');
    expect(await roleOf(hub.subgraphs['social-care'].appDb)).toBe('hub_social_care');
    expect(await roleOf(hub.audit.appDb)).toBe('hub_audit_writer');
    // Consent through the gateway (record INSERT), then the whole record from all four contexts.
    const child = hub.dataset.children.find((c) => c.health && c.socialCare)!;
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment');
    const result = await hub.query<{ child: Record<string, unknown> }>(
      `query ($id: ID!) { child(id: $id) { id familyName education { senStatus } health { diagnoses { description } }
         socialCare { status } } }`,
      { as: demoUser(hub.dataset, 'demo-la-1'), variables: { id: child.id }, purpose: 'ehc_assessment' },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.child).toMatchObject({
      id: child.id,
      familyName: child.familyName,
      education: { senStatus: child.education.senStatus },
      socialCare: { status: child.socialCare!.status },
    });
  });

  describe.each(CONTEXTS)("$role cannot touch another context's data", ({ schema, role }) => {
    it('reads its own tables', async () => {
      for (const { table } of await tablesOf(schema)) {
        await expect(as[role]!.query(`select count(*) from ${schema}.${table}`)).resolves.toHaveLength(1);
      }
    });

    it('cannot read or write any other context’s tables (permission denied for schema)', async () => {
      for (const other of SCHEMAS.filter((s) => s !== schema)) {
        for (const { table } of await tablesOf(other)) {
          expect(await sqlState(as[role]!.query(`select * from ${other}.${table} limit 1`))).toBe('42501');
          expect(await sqlState(as[role]!.query(`delete from ${other}.${table}`))).toBe('42501');
        }
      }
    });

    it('cannot change its schema, delete, truncate, or rewrite its migration history', async () => {
      const db = as[role]!;
      expect(await sqlState(db.query(`create table ${schema}.smuggled (x int)`))).toBe('42501');
      expect(await sqlState(db.query(`select * from ${schema}.schema_migrations`))).toBe('42501');
      for (const { table } of await tablesOf(schema)) {
        expect(await sqlState(db.query(`delete from ${schema}.${table}`))).toBe(
          MAY_DELETE[`${schema}.${table}`] ?? '42501',
        );
        expect(await sqlState(db.query(`truncate ${schema}.${table}`))).toBe('42501');
        expect(await sqlState(db.query(`alter table ${schema}.${table} disable trigger all`))).toBe('42501');
      }
    });

    it('cannot switch to another context’s role, the owner, or a superuser', async () => {
      const db = as[role]!;
      for (const other of HUB_ROLES.filter((r) => r !== role)) {
        expect(await sqlState(db.exec(`set role ${other}`))).toBe('42501');
      }
      expect(await sqlState(db.exec('set role postgres'))).toBe('42501');
      expect(await sqlState(db.exec('set session authorization postgres'))).toBe('42501');
      // RESET ROLE returns to the role assumed at connect, not to more.
      await db.exec('reset role');
      expect((await db.query<{ r: string }>('select current_user as r'))[0]?.r).toBe(role);
    });
  });

  it('the record role cannot rewrite a child’s identity, only the young person’s access decision', async () => {
    const child = hub.dataset.children[0]!;
    const db = as[DB_ROLES.record]!;
    expect(
      await sqlState(db.query(`update record.child set nhs_number = '9434765919' where id = $1`, [child.id])),
    ).toBe('42501');
    expect(
      await sqlState(
        db.query(`update record.consent set granted_by_sub = 'forged' where child_id = $1`, [child.id]),
      ),
    ).toBe('42501');
    await db.query('update record.child set parent_access_confirmed_by_young_person = false where id = $1', [
      child.id,
    ]);
  });

  describe('the audit log', () => {
    const writer = () => as[DB_ROLES.audit_writer]!;
    const reader = () => as[DB_ROLES.audit_reader]!;

    it('the writer appends (chain intact) and the reader verifies', async () => {
      const before = await verifyAuditChain(reader());
      const stored = await appendAuditEvent(writer(), anAuditEventInput({ requestId: 'db-roles-append' }));
      expect(stored.childIds).toContain(TEST_CHILD_A);
      const after = await verifyAuditChain(reader());
      expect(after).toMatchObject({ ok: true, checked: before.checked + 1 });
    });

    it('the writer cannot UPDATE, DELETE or TRUNCATE events: refused by privilege, before any trigger', async () => {
      for (const table of ['audit.event', 'audit.event_child']) {
        const update =
          table === 'audit.event'
            ? `update ${table} set actor_sub = 'someone-else'`
            : `update ${table} set seq = seq`;
        for (const statement of [update, `delete from ${table}`, `truncate ${table}`]) {
          await expect(writer().query(statement), statement).rejects.toThrow(/permission denied for table/);
        }
      }
    });

    it('the writer cannot switch off, drop or replace the append-only triggers', async () => {
      const db = writer();
      expect(await sqlState(db.exec('alter table audit.event disable trigger event_append_only'))).toBe(
        '42501',
      );
      expect(await sqlState(db.exec('alter table audit.event disable trigger all'))).toBe('42501');
      expect(await sqlState(db.exec('drop trigger event_append_only on audit.event'))).toBe('42501');
      expect(
        await sqlState(
          db.exec(
            `create or replace function audit.refuse_change() returns trigger language plpgsql as $$ begin return new; end $$`,
          ),
        ),
      ).toBe('42501');
      // Replication mode skips ordinary triggers; only a superuser may set it.
      expect(await sqlState(db.exec('set session_replication_role = replica'))).toBe('42501');
      const [trigger] = await hub.audit.db.query<{ tgenabled: string }>(
        `select tgenabled from pg_trigger where tgname = 'event_append_only'`,
      );
      expect(trigger?.tgenabled).toBe('O');
    });

    it('the reader only reads', async () => {
      await expect(
        reader().query(`insert into audit.event_child (child_id, seq) values ($1, 999999)`, [TEST_CHILD_A]),
      ).rejects.toThrow(/permission denied for table event_child/);
      expect(await sqlState(reader().query('delete from audit.event'))).toBe('42501');
    });
  });

  describe('a service started as in production (server.ts, its own LOGIN user)', () => {
    const root = resolve(import.meta.dirname, '../../..');
    const secret = randomBytes(32).toString('hex');

    /** Starts services/audit/src/server.ts; resolves once /health answers, rejects if it exits first. */
    async function startAuditServer(env: Record<string, string>) {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', 'services/audit/src/server.ts'], {
        cwd: root,
        env: {
          ...process.env,
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'error',
          INTERNAL_CONTEXT_SECRET: secret,
          DATABASE_URL: '',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      const healthy = (async () => {
        for (;;) {
          if (child.exitCode !== null) return false;
          const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) return true;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const up = await Promise.race([healthy, exited.then(() => false)]);
      return { up, port, child, exited, output: () => output };
    }

    it('migrates as the owner (DATABASE_MIGRATION_URL), then appends as its LOGIN user and role', async () => {
      const server = await startAuditServer({
        DATABASE_URL: loginUrl[DB_ROLES.audit_writer]!,
        DATABASE_MIGRATION_URL: hub.database.url!,
      });
      try {
        expect(server.up, server.output()).toBe(true);
        const response = await fetch(`http://127.0.0.1:${server.port}/internal/audit-events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'audit-writer', 'db-roles-server'),
          },
          body: JSON.stringify(anAuditEventInput({ requestId: 'db-roles-server' })),
        });
        expect(response.status, await response.clone().text()).toBe(201);
        const sessions = await hub.audit.db.query<{ usename: string }>(
          'select distinct usename from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        );
        // The service's pool logged in as its own user (the owner's migration connection is closed).
        expect(sessions.map((s) => s.usename)).toContain(`${DB_ROLES.audit_writer}_t${suffix}`);
        expect((await verifyAuditChain(hub.audit.db)).ok).toBe(true);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    });

    it('refuses to start when its LOGIN user would have to migrate (no DDL rights at run time)', async () => {
      const server = await startAuditServer({ DATABASE_URL: loginUrl[DB_ROLES.audit_writer]! });
      const code = await server.exited;
      expect(server.up).toBe(false);
      expect(code).not.toBe(0);
      expect(server.output()).toMatch(/permission denied.*set DATABASE_MIGRATION_URL/);
    });
  });

  async function tablesOf(schema: string) {
    return hub.audit.db.query<{ table: string }>(
      `select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'p') and c.relname <> 'schema_migrations' order by 1`,
      [schema],
    );
  }
});

/** A port nothing listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}
