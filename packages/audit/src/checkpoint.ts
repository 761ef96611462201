import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson } from './canonical-json.ts';
import type { AuditChainWriter, ChainHead } from './store.ts';
import type { TrustedCheckpoint } from './verify.ts';

/**
 * Signed checkpoints of the chain head (like a Certificate Transparency signed tree head).
 *
 * A hash chain proves that rows were not changed *relative to each other*; someone who can
 * write the table (a database superuser) can still rewrite an event and re-hash everything
 * after it, or cut the last events off, and the chain stays internally valid. A checkpoint is a
 * statement "the chain had head hash H at seq N at time T", signed with an Ed25519 key that the
 * database never holds (the audit service gets it from a file) and published outside the
 * database (an append-only NDJSON file). Whoever rewrites the database cannot forge or
 * retract those statements, so `pnpm audit:verify --checkpoints … --public-key …` detects a
 * rewritten history (the hash at N differs) and a cut tail (the chain ends before N).
 */
export const CHECKPOINT_TYPE = 'tell-it-once/audit-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface AuditCheckpoint {
  type: typeof CHECKPOINT_TYPE;
  version: typeof CHECKPOINT_VERSION;
  /** The chain's last event when signed. */
  seq: number;
  /** That event's hash. */
  headHash: string;
  /** When the checkpoint was signed (ISO, UTC). */
  time: string;
  /** RFC 7638 thumbprint of the signing public key (base64url SHA-256 of its JWK). */
  keyId: string;
  /** base64url Ed25519 signature over checkpointStatement(). */
  signature: string;
}

/** The exact text that is signed: every field but the signature, canonical JSON (RFC 8785 form). */
export function checkpointStatement(checkpoint: Omit<AuditCheckpoint, 'signature'>): string {
  return canonicalJson({
    type: checkpoint.type,
    version: checkpoint.version,
    seq: checkpoint.seq,
    headHash: checkpoint.headHash,
    time: checkpoint.time,
    keyId: checkpoint.keyId,
  });
}

/** Thrown for a key that is missing, unreadable or not Ed25519: the service must not start. */
export class CheckpointKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointKeyError';
  }
}

/** RFC 7638 JWK thumbprint of an Ed25519 public key: a stable id auditors can compare. */
export function checkpointKeyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  return createHash('sha256')
    .update(canonicalJson({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
    .digest('base64url');
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CheckpointKeyError(`${what} must be an Ed25519 key (got ${key.asymmetricKeyType ?? key.type})`);
  }
  return key;
}

/** Reads the signing key (PKCS#8 PEM) the audit service was given. */
export function loadCheckpointSigningKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CheckpointKeyError(
      `cannot read the checkpoint signing key ${file}: ${(error as Error).message}`,
    );
  }
  try {
    return requireEd25519(createPrivateKey(pem), `the checkpoint signing key ${file}`);
  } catch (error) {
    if (error instanceof CheckpointKeyError) throw error;
    throw new CheckpointKeyError(`${file} is not a PEM private key: ${(error as Error).message}`);
  }
}

/** Reads a verifying key (SPKI PEM; a private key file is also accepted and only its public half used). */
export function loadCheckpointPublicKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CheckpointKeyError(`cannot read the public key ${file}: ${(error as Error).message}`);
  }
  try {
    return requireEd25519(createPublicKey(pem), `the public key ${file}`);
  } catch (error) {
    if (error instanceof CheckpointKeyError) throw error;
    throw new CheckpointKeyError(`${file} is not a PEM public key: ${(error as Error).message}`);
  }
}

/**
 * For local runs (`pnpm start`): an Ed25519 key pair in `dir` (private key mode 600), created
 * once and reused. Deployments generate the key outside the hub and mount it (a secret).
 */
export function loadOrCreateCheckpointKeyPair(dir: string): {
  privateKeyFile: string;
  publicKeyFile: string;
} {
  const privateKeyFile = join(dir, 'audit-checkpoint-key.pem');
  const publicKeyFile = join(dir, 'audit-checkpoint-key.pub.pem');
  if (!existsSync(privateKeyFile)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(privateKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    writeFileSync(publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }));
  } else if (!existsSync(publicKeyFile)) {
    const publicKey = createPublicKey(loadCheckpointSigningKey(privateKeyFile));
    writeFileSync(publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }));
  }
  return { privateKeyFile, publicKeyFile };
}

/** Signs a checkpoint of `head` at `time`. */
export function signCheckpoint(
  privateKey: KeyObject,
  head: { seq: number; hash: string },
  time = new Date(),
): AuditCheckpoint {
  const unsigned = {
    type: CHECKPOINT_TYPE,
    version: CHECKPOINT_VERSION,
    seq: head.seq,
    headHash: head.hash,
    time: time.toISOString(),
    keyId: checkpointKeyId(createPublicKey(privateKey)),
  } as const;
  const signature = sign(null, Buffer.from(checkpointStatement(unsigned), 'utf8'), privateKey).toString(
    'base64url',
  );
  return { ...unsigned, signature };
}

/** One line of a checkpoint log, parsed but not yet trusted. */
export interface CheckpointLine {
  /** 1-based line number in its source. */
  line: number;
  source: string;
  checkpoint?: AuditCheckpoint;
  /** Why the line is not a well-formed checkpoint. */
  problem?: string;
}

const HASH = /^[0-9a-f]{64}$/;

/** Splits an NDJSON checkpoint log into lines, each a checkpoint or a problem (blank lines skipped). */
export function parseCheckpointLog(text: string, source: string): CheckpointLine[] {
  const lines: CheckpointLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      lines.push({ line, source, problem: 'not JSON' });
      return;
    }
    const c = value as Partial<AuditCheckpoint>;
    const problems: string[] = [];
    if (c.type !== CHECKPOINT_TYPE) problems.push(`type is not ${CHECKPOINT_TYPE}`);
    if (c.version !== CHECKPOINT_VERSION) problems.push(`version is not ${CHECKPOINT_VERSION}`);
    if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 1) problems.push('seq is not a positive integer');
    if (typeof c.headHash !== 'string' || !HASH.test(c.headHash)) problems.push('headHash is not 64 hex');
    if (typeof c.time !== 'string' || Number.isNaN(Date.parse(c.time))) problems.push('time is not a date');
    if (typeof c.keyId !== 'string' || c.keyId === '') problems.push('keyId is missing');
    if (typeof c.signature !== 'string' || c.signature === '') problems.push('signature is missing');
    if (problems.length > 0) lines.push({ line, source, problem: problems.join('; ') });
    else lines.push({ line, source, checkpoint: c as AuditCheckpoint });
  });
  return lines;
}

/**
 * Checks a checkpoint's signature against the trusted public keys (by key id). Returns null
 * when valid, else why not. A key id nobody trusts is a failure, not a skip: an attacker could
 * otherwise sign checkpoints with a key of their own.
 */
export function checkpointSignatureProblem(
  checkpoint: AuditCheckpoint,
  keys: readonly KeyObject[],
): string | null {
  const key = keys.find((candidate) => checkpointKeyId(candidate) === checkpoint.keyId);
  if (!key) return `signed with key ${checkpoint.keyId}, which is not a trusted public key`;
  const ok = verify(
    null,
    Buffer.from(checkpointStatement(checkpoint), 'utf8'),
    key,
    Buffer.from(checkpoint.signature, 'base64url'),
  );
  return ok ? null : 'the signature does not verify (forged or altered checkpoint)';
}

export interface CheckpointPublisherOptions {
  writer: AuditChainWriter;
  privateKey: KeyObject;
  /** Append-only NDJSON file, outside the database (ideally shipped on to write-once storage). */
  file: string;
  /** Publish after a committed batch once at least this many events are unpublished (default 1000). */
  everyEvents?: number;
  /** ...or once this many seconds have passed since the last checkpoint (default 10). */
  everySeconds?: number;
  /** Where a failed publication is reported (it never fails an append: the events are committed). */
  onError?: (error: unknown) => void;
  now?: () => Date;
}

/**
 * Publishes signed checkpoints of the head the writer commits: after a committed batch when
 * at least `everyEvents` events or `everySeconds` seconds have passed since the last one (a
 * timer catches a quiet period after a burst), and on close (shutdown). Each line is written
 * and fsynced before the next; the file is opened for append only.
 */
export class CheckpointPublisher {
  readonly #options: Required<Omit<CheckpointPublisherOptions, 'onError'>> &
    Pick<CheckpointPublisherOptions, 'onError'>;
  readonly #unsubscribe: () => void;
  #head: ChainHead | null = null;
  #publishedSeq = 0;
  #publishedAt: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: CheckpointPublisherOptions) {
    this.#options = { everyEvents: 1000, everySeconds: 10, now: () => new Date(), ...options };
    mkdirSync(dirname(options.file), { recursive: true });
    // Resume after a restart: never republish what the log already vouches for.
    this.#publishedSeq = lastPublishedSeq(options.file);
    this.#publishedAt = this.#options.now().getTime();
    this.#unsubscribe = options.writer.onCommit((head) => this.#committed(head));
  }

  /** The newest head this publisher has signed (0 = none yet in this log). */
  get publishedSeq(): number {
    return this.#publishedSeq;
  }

  #committed(head: ChainHead): void {
    if (this.#head && head.seq <= this.#head.seq) return;
    this.#head = head;
    const dueAt = this.#publishedAt + this.#options.everySeconds * 1000;
    if (
      head.seq - this.#publishedSeq >= this.#options.everyEvents ||
      this.#options.now().getTime() >= dueAt
    ) {
      this.publishNow();
    } else if (!this.#timer) {
      this.#timer = setTimeout(
        () => {
          this.#timer = null;
          this.publishNow();
        },
        Math.max(0, dueAt - this.#options.now().getTime()),
      );
      this.#timer.unref();
    }
  }

  /** Signs and appends a checkpoint of the newest committed head, if it is not yet published. */
  publishNow(): AuditCheckpoint | null {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const head = this.#head;
    if (!head || head.seq <= this.#publishedSeq) return null;
    try {
      const checkpoint = signCheckpoint(this.#options.privateKey, head, this.#options.now());
      const fd = openSync(this.#options.file, 'a', 0o644);
      try {
        writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.#publishedSeq = head.seq;
      this.#publishedAt = this.#options.now().getTime();
      return checkpoint;
    } catch (error) {
      this.#options.onError?.(error);
      return null;
    }
  }

  /** Shutdown: waits for in-flight appends to commit, publishes the final head, stops listening. */
  async close(): Promise<void> {
    await this.#options.writer.whenIdle();
    this.publishNow();
    this.#unsubscribe();
  }
}

function lastPublishedSeq(file: string): number {
  if (!existsSync(file)) return 0;
  let max = 0;
  for (const entry of parseCheckpointLog(readFileSync(file, 'utf8'), file)) {
    if (entry.checkpoint && entry.checkpoint.seq > max) max = entry.checkpoint.seq;
  }
  return max;
}

/** Checkpoint log lines sorted into those to trust (signature valid) and those rejected, with why. */
export interface CheckedCheckpoints {
  trusted: TrustedCheckpoint[];
  rejected: Array<{ source: string; line: number; seq: number | null; problem: string }>;
}

/** Verifies every line's form and signature; a checkpoint is trusted only if both hold. */
export function checkCheckpoints(
  lines: readonly CheckpointLine[],
  keys: readonly KeyObject[],
): CheckedCheckpoints {
  const result: CheckedCheckpoints = { trusted: [], rejected: [] };
  for (const entry of lines) {
    const { checkpoint } = entry;
    const problem = checkpoint
      ? checkpointSignatureProblem(checkpoint, keys)
      : (entry.problem ?? 'unreadable');
    if (!checkpoint || problem) {
      result.rejected.push({
        source: entry.source,
        line: entry.line,
        seq: checkpoint?.seq ?? null,
        problem: problem ?? 'unreadable',
      });
    } else {
      result.trusted.push({
        seq: checkpoint.seq,
        hash: checkpoint.headHash,
        label: `the signed checkpoint at ${entry.source} line ${entry.line} (signed ${checkpoint.time})`,
      });
    }
  }
  return result;
}
