// `pnpm audit:verify [--checkpoints <file|url> ... --public-key <pem> ...] [--anchor <seq>:<hash>] [--batch <n>]`:
// walks the audit hash chain of the configured store (DATABASE_URL, else the embedded PGlite
// store in $DATA_DIR/audit, default .data/audit) and reports OK with the event count and head,
// or the first broken link.
// With --checkpoints (the audit service's signed checkpoint log, a file or its
// GET /audit/checkpoints URL; repeatable) and --public-key (the Ed25519 public key(s) that may
// sign them): every checkpoint's signature must verify, the chain must hold exactly the signed
// hash at each checkpoint's seq (else the history was rewritten), and must not end before the
// newest checkpoint (else its tail was cut). Without them a consistently re-hashed or truncated
// chain still verifies: that is what the checkpoints are for.
// Exit code 0 = intact, 1 = broken (or a checkpoint that does not verify), 2 = nothing to verify / bad usage.
// On PGlite, stop the hub first: an embedded database must not be opened by two processes.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkCheckpoints,
  loadCheckpointPublicKey,
  parseCheckpointLog,
  type TrustedCheckpoint,
  verifyAuditChain,
} from '@hub/audit';
import { openDatabase } from '@hub/db';

const { values } = parseArgs({
  options: {
    anchor: { type: 'string' },
    batch: { type: 'string' },
    checkpoints: { type: 'string', multiple: true },
    'public-key': { type: 'string', multiple: true },
  },
});

let checkpoints: TrustedCheckpoint[] | undefined;
if (values.checkpoints?.length || values['public-key']?.length) {
  if (!values.checkpoints?.length || !values['public-key']?.length) {
    console.error('audit:verify: --checkpoints <file|url> and --public-key <pem file> go together');
    process.exit(2);
  }
  let keys: ReturnType<typeof loadCheckpointPublicKey>[];
  try {
    keys = values['public-key'].map(loadCheckpointPublicKey);
  } catch (error) {
    console.error(`audit:verify: ${(error as Error).message}`);
    process.exit(2);
  }
  const lines = [];
  for (const source of values.checkpoints) {
    try {
      lines.push(...parseCheckpointLog(await readSource(source), source));
    } catch (error) {
      console.error(`audit:verify: cannot read the checkpoints ${source}: ${(error as Error).message}`);
      process.exit(2);
    }
  }
  const checked = checkCheckpoints(lines, keys);
  if (checked.rejected.length > 0) {
    for (const bad of checked.rejected) {
      console.error(
        `audit:verify REJECTED checkpoint at ${bad.source} line ${bad.line}${bad.seq !== null ? ` (seq ${bad.seq})` : ''}: ${bad.problem}.`,
      );
    }
    console.error(
      `audit:verify BROKEN: ${checked.rejected.length} checkpoint(s) do not verify; someone wrote to the checkpoint log without the signing key.`,
    );
    process.exit(1);
  }
  if (checked.trusted.length === 0) {
    console.error('audit:verify: the checkpoint log holds no checkpoints yet');
    process.exit(2);
  }
  checkpoints = checked.trusted;
}

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
// A few connections: verification fetches the next pages while it hashes the current one.
const db = await openDatabase({ url, dataDir, maxConnections: 4 });
try {
  const [table] = await db.query<{ t: string | null }>("select to_regclass('audit.event')::text as t");
  if (!table?.t) {
    console.error(`audit:verify: ${where} has no audit log (audit.event does not exist)`);
    process.exit(2);
  }
  const started = Date.now();
  const result = await verifyAuditChain(db, {
    batchSize,
    ...(anchor ? { anchor } : {}),
    ...(checkpoints ? { checkpoints } : {}),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.ok) {
    const head = result.head ? `head seq ${result.head.seq}, hash ${result.head.hash}` : 'empty chain';
    console.log(`audit:verify OK: ${result.checked} events verified in ${seconds}s (${where}); ${head}`);
    if (result.checkpoints) {
      const { matched, newestSeq, uncovered } = result.checkpoints;
      console.log(
        `  ${matched} signed checkpoint(s) match, newest at seq ${newestSeq}` +
          (uncovered > 0 ? `; ${uncovered} newer event(s) not yet covered by a checkpoint` : ''),
      );
    }
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

/** A checkpoint log from a file, or from a URL such as the audit service's /audit/checkpoints. */
async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.text();
  }
  return readFileSync(source, 'utf8');
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
