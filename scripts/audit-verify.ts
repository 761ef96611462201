// `pnpm audit:verify [--anchor <seq>:<hash>] [--batch <n>]`: walks the audit hash chain of the
// configured store (DATABASE_URL, else the embedded PGlite store in $DATA_DIR/audit, default
// .data/audit) and reports OK with the event count and head, or the first broken link.
// Exit code 0 = intact, 1 = broken, 2 = nothing to verify / bad usage.
// On PGlite, stop the hub first: an embedded database must not be opened by two processes.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '@hub/audit';
import { openDatabase } from '@hub/db';

const { values } = parseArgs({
  options: { anchor: { type: 'string' }, batch: { type: 'string' } },
});

let anchor: { seq: number; hash: string } | undefined;
if (values.anchor) {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(values.anchor);
  if (!match) {
    console.error('--anchor must be <seq>:<64 hex hash>, as printed by a previous run');
    process.exit(2);
  }
  anchor = { seq: Number(match[1]), hash: match[2]! };
}
const batchSize = values.batch ? Number(values.batch) : 5000;

const url = process.env.DATABASE_URL;
const dataDir = resolve(process.env.DATA_DIR ?? '.data', 'audit');
if (!url && (await auditServiceAnswers())) {
  console.error(
    'audit:verify: the hub is running on this embedded store (the audit service answers on its port). Stop it first: an embedded database must not be opened by two processes.',
  );
  process.exit(2);
}
if (!url && !existsSync(dataDir)) {
  console.error(`audit:verify: no audit store at ${dataDir} (set DATABASE_URL or DATA_DIR)`);
  process.exit(2);
}
const where = url ? new URL(url).host + new URL(url).pathname : dataDir;
const db = await openDatabase({ url, dataDir, maxConnections: 1 });
try {
  const [table] = await db.query<{ t: string | null }>("select to_regclass('audit.event')::text as t");
  if (!table?.t) {
    console.error(`audit:verify: ${where} has no audit log (audit.event does not exist)`);
    process.exit(2);
  }
  const started = Date.now();
  const result = await verifyAuditChain(db, { batchSize, ...(anchor ? { anchor } : {}) });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.ok) {
    const head = result.head ? `head seq ${result.head.seq}, hash ${result.head.hash}` : 'empty chain';
    console.log(`audit:verify OK: ${result.checked} events verified in ${seconds}s (${where}); ${head}`);
    if (result.head)
      console.log(
        `  record this anchor to detect a later truncation: --anchor ${result.head.seq}:${result.head.hash}`,
      );
  } else {
    const broken = result.firstBroken!;
    console.error(
      `audit:verify BROKEN at seq ${broken.seq}${broken.eventId ? ` (event ${broken.eventId})` : ''}: ${broken.reason}.` +
        ` ${result.checked} events before it verified (${where}).`,
    );
    process.exitCode = 1;
  }
} finally {
  await db.close();
}

/** Whether `pnpm start`'s audit service is up (it holds the embedded store open). */
async function auditServiceAnswers(): Promise<boolean> {
  const port = process.env.AUDIT_PORT ?? '4005';
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}
