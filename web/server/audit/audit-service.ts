/**
 * The audit record at run time (docs/security.md, "Audit"): every action is appended to this
 * node's hash chain (twin-model/audit) and stored in ClickHouse in batches; the stored head is
 * signed with the node's Ed25519 key every {@link AuditServiceOptions.checkpointEvery} entries,
 * every minute when it moved, and at shutdown — each checkpoint appended to a file beside the
 * database and published (retained) on `citytwin/v1/audit/checkpoints/{chain}`.
 *
 * Verification runs at start, before anything new is appended, and on demand; a failed one
 * degrades health with the reason, and the caller records a security event. The server still
 * starts: the record of what was found is more use than a city without its console.
 *
 * At start it begins where the last successful verification stopped (the verified point,
 * twin-model/audit/verified-point.ts): when the point verifies with the key, its checkpoint is
 * still valid and the fingerprints of the part it confirmed are unchanged, only what was added
 * since is read and verified; otherwise, and whenever that finds a problem, the whole record is
 * verified, as `GET /api/audit/verify` and `citytwin audit verify` always do. Every successful
 * verification records a new point.
 */
import { join } from 'node:path';
import { AuditStore, configAuditData, type StorageClient } from '../../../storage/index.ts';
import { appendAuditEntry, type AuditEntry, type AuditInput } from '../../../twin-model/audit/audit-log.ts';
import {
  dispatchAuditInput,
  incidentAuditInput,
  securityAuditInput,
  AUTOMATIC_ACTORS,
  type SecurityEventRecord,
} from '../../../twin-model/audit/audit-bindings.ts';
import {
  summarize,
  verifyAudit,
  verifyAuditSince,
  type AuditVerification,
  type AuditVerificationInput,
} from '../../../twin-model/audit/audit-verification.ts';
import { checkCheckpoint, rawPublicKey, signCheckpoint, type Checkpoint } from '../../../twin-model/audit/checkpoint.ts';
import { canonicalJson, type ChainHead } from '../../../twin-model/audit/hash-chain.ts';
import { changedTables, checkVerifiedPoint, signVerifiedPoint, type VerifiedPoint } from '../../../twin-model/audit/verified-point.ts';
import type { DispatchLogEntry, IncidentChange } from '../../../twin-model/index.ts';
import { topics } from '../../../twin-model/index.ts';
import { BatchedAppender } from '../../../storage/batched-appender.ts';
import {
  auditDir,
  CHECKPOINT_FILE,
  CheckpointFile,
  loadOrCreateKeys,
  VERIFIED_POINT_FILE,
  VerifiedPointFile,
  type AuditKeys,
} from './audit-keys.ts';
import { confirmedSpan, fingerprintSpan, readAuditRecords, readAuditRecordsSince, type AuditRecords } from './audit-records.ts';

export interface AuditServiceOptions {
  clickhouse: StorageClient;
  /** `CITYTWIN_DATA_DIR`: the key pair and checkpoint file live in `<dataDir>/audit/`. */
  dataDir: string;
  /** This node's name (in checkpoints). */
  node: string;
  /** Chains of other keys may share the table (several web nodes on one ClickHouse server). */
  foreignChainsAllowed: boolean;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Entries are written in batches this often (ms). */
  persistDelayMs?: number;
  /** A checkpoint after this many stored entries… */
  checkpointEvery?: number;
  /** …and this often (ms) when the head moved. */
  checkpointIntervalMs?: number;
}

/** What a checkpoint is published with: a topic and the JSON line. */
export type CheckpointPublisher = (topic: string, payload: string) => boolean;

export class AuditService {
  readonly keys: AuditKeys;
  readonly store: AuditStore;
  readonly checkpointFile: CheckpointFile;
  readonly pointFile: VerifiedPointFile;
  /** Entries made and stored, failed writes, checkpoints signed and published. */
  readonly counters = { made: 0, checkpoints: 0, published: 0 };
  private readonly now: () => number;
  private readonly log: NonNullable<AuditServiceOptions['log']>;
  private readonly writer: BatchedAppender<AuditEntry>;
  private head: ChainHead | null = null;
  private stored: ChainHead | null = null;
  private storedSinceCheckpoint = 0;
  private lastCheckpoint: Checkpoint | null = null;
  /** Checkpoints are signed one at a time. */
  private signing: Promise<Checkpoint | null> = Promise.resolve(null);
  private timer: NodeJS.Timeout | null = null;
  private publisher: CheckpointPublisher | null = null;
  private dispatchHead: () => ChainHead | null = () => null;
  private beforeVerify: () => Promise<void> = async () => undefined;
  private latest: AuditVerification | null = null;
  private readonly problemListeners = new Set<(v: AuditVerification) => void>();

  private constructor(private readonly options: AuditServiceOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.keys = loadOrCreateKeys(auditDir(options.dataDir), (level, msg) => this.log(level, msg));
    this.store = new AuditStore(options.clickhouse);
    this.checkpointFile = new CheckpointFile(join(auditDir(options.dataDir), CHECKPOINT_FILE));
    this.pointFile = new VerifiedPointFile(join(auditDir(options.dataDir), VERIFIED_POINT_FILE));
    this.writer = new BatchedAppender<AuditEntry>({
      write: (batch) => this.write(batch),
      delayMs: options.persistDelayMs ?? 200,
      // Kept for the next write: an entry once chained must be stored, or the chain has a gap.
      onFailure: (err, kept) => this.log('warn', `audit log: ${err.message}; ${kept} entries kept for the next write`),
    });
  }

  /**
   * Opens the record: the key pair (generated on first start), the stored head, then the
   * verification at start against the signed checkpoints. Returns the service and the dispatch
   * head of the last valid checkpoint (the dispatch log continues after it if its tail was cut).
   */
  static async open(
    options: AuditServiceOptions,
  ): Promise<{ audit: AuditService; verification: AuditVerification; signedDispatchHead: ChainHead | null }> {
    const audit = new AuditService(options);
    const { chain, created } = audit.keys;
    audit.log(
      'info',
      `audit: chain ${chain}, Ed25519 public key ${rawPublicKey(audit.keys.publicKey).toString('base64')} (${created ? 'generated now' : 'from'} ${auditDir(options.dataDir)})`,
    );
    const head = await audit.store.head(chain);
    audit.head = head ? { seq: head.seq, hash: head.hash } : null;
    audit.stored = audit.head;
    const verification = await audit.verifyAtStart();
    const signed = audit.lastValidCheckpoint();
    if (signed && (!audit.head || audit.head.seq < signed.seq)) {
      // The table ends before the signed head: continue after it, so the gap stays visible.
      audit.log(
        'warn',
        `audit: the stored chain ends at entry ${audit.head?.seq ?? 0} but a signed checkpoint records entry ${signed.seq}; continuing after ${signed.seq}`,
      );
      audit.head = { seq: signed.seq, hash: signed.hash };
      audit.stored = audit.head;
    }
    audit.lastCheckpoint = signed;
    if (!audit.head)
      audit.record({
        at: audit.now(),
        actor: 'system',
        stream: 'audit',
        action: 'started',
        object: chain,
        detail: `audit chain ${chain} begins`,
        data: { chain, node: options.node, publicKey: rawPublicKey(audit.keys.publicKey).toString('base64') },
      });
    audit.timer = setInterval(
      () => void audit.checkpoint().catch((err: Error) => audit.log('warn', `audit checkpoint: ${err.message}`)),
      options.checkpointIntervalMs ?? 60_000,
    );
    audit.timer.unref();
    return { audit, verification, signedDispatchHead: signed?.dispatch ?? null };
  }

  get chain(): string {
    return this.keys.chain;
  }

  /** Appends an action to the chain (stored within a moment); returns the entry. */
  record(input: AuditInput): AuditEntry {
    const entry = appendAuditEntry(this.keys.chain, this.head, input);
    this.head = { seq: entry.seq, hash: entry.hash };
    this.counters.made++;
    this.writer.push([entry]);
    return entry;
  }

  /** Incident changes made here as the writer: those by people are audited. */
  incidentChanges(changes: readonly IncidentChange[]): void {
    for (const c of changes) {
      if (AUTOMATIC_ACTORS.has(c.actor)) continue;
      this.record(
        incidentAuditInput({
          incidentId: c.incidentId,
          at: c.at,
          actor: c.actor,
          what: c.what,
          detail: c.detail,
          status: c.incident.status,
          severity: c.incident.severity,
        }),
      );
    }
  }

  dispatchEntry(entry: DispatchLogEntry): void {
    this.record(dispatchAuditInput(entry));
  }

  securityEvent(event: SecurityEventRecord): void {
    this.record(securityAuditInput(event));
  }

  /**
   * Records the effective configuration when it differs from the last one recorded in this
   * chain (the first start records it too). Values must hold no secrets.
   */
  async recordConfig(config: Readonly<Record<string, string | number | boolean | null>>): Promise<void> {
    await this.flush();
    const last = await this.store.latest(this.keys.chain, 'config');
    const recorded = last ? configAuditData.safeParse(last.data) : null;
    const before: Record<string, unknown> = recorded?.success ? recorded.data.config : {};
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of new Set([...Object.keys(before), ...Object.keys(config)])) {
      const from = before[key] ?? null;
      const to = config[key] ?? null;
      if (canonicalJson(from) !== canonicalJson(to)) changed[key] = { from, to };
    }
    if (last && Object.keys(changed).length === 0) return;
    this.record({
      at: this.now(),
      actor: 'system',
      stream: 'config',
      action: 'changed',
      object: this.options.node,
      detail: last ? Object.keys(changed).sort().join(', ') : 'first start',
      data: { config: { ...config }, changed },
    });
  }

  /**
   * Records that the city package was loaded and changed the registers (bin/parts/
   * registry-sync.ts): the package, the city and what was added, changed and retired per
   * register. An unchanged package records nothing, as an unchanged configuration.
   */
  cityLoaded(input: { cityId: string; packagePath: string; detail: string; counts: Record<string, Record<string, number>> }): AuditEntry {
    return this.record({
      at: this.now(),
      actor: 'system',
      stream: 'city',
      action: 'loaded',
      object: input.cityId,
      detail: input.detail,
      data: { package: input.packagePath, counts: input.counts },
    });
  }

  /** Where checkpoints are published (the MQTT connection), or null. */
  setPublisher(publisher: CheckpointPublisher | null): void {
    this.publisher = publisher;
  }

  /** The dispatch log's stored head, signed into each checkpoint. */
  signDispatchHead(head: () => ChainHead | null): void {
    this.dispatchHead = head;
  }

  /** Stores what the sources (incident history, dispatch log, security events) hold in memory; run before a verification. */
  flushSourcesWith(flush: () => Promise<void>): void {
    this.beforeVerify = flush;
  }

  /** Told of every failed verification whose findings differ from the previous one. */
  onProblems(listener: (v: AuditVerification) => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  /** Resolves once every entry made so far is stored (or its write failed and is kept). */
  async flush(): Promise<void> {
    await this.writer.flush();
  }

  /** Verifies now, after storing what is pending everywhere. */
  async verify(): Promise<AuditVerification> {
    await this.beforeVerify();
    await this.flush();
    // Actions keep coming while it reads: entries after this head may be stored before their
    // domain rows (security events are written once a second), so they wait for the next one.
    return this.verifyFull(this.stored);
  }

  /** The last verification (at start or on demand). */
  get lastVerification(): AuditVerification | null {
    return this.latest;
  }

  /** The health part: degraded, with the reason, while the last verification failed. */
  health(): { status: 'ok' | 'degraded'; detail?: string } {
    const v = this.latest;
    if (!v || v.ok) return { status: 'ok' };
    return { status: 'degraded', detail: `audit verification at ${new Date(v.at).toISOString()} found ${summarize(v)}` };
  }

  /** The checkpoints of the file that verify with this node's key. */
  validCheckpoints(): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (const { value } of this.checkpointFile.read()) {
      const c = checkCheckpoint(value, this.keys.publicKey);
      if (c.ok) out.push(c.checkpoint);
    }
    return out;
  }

  /**
   * Signs the stored head (and the dispatch log's) when it moved since the last checkpoint,
   * appends it to the file and publishes it. Returns it, or null when nothing moved.
   */
  checkpoint(): Promise<Checkpoint | null> {
    this.signing = this.signing.catch(() => null).then(() => this.signStoredHead());
    return this.signing;
  }

  private async signStoredHead(): Promise<Checkpoint | null> {
    await this.flush();
    const head = this.stored;
    if (!head) return null;
    const dispatch = this.dispatchHead();
    const last = this.lastCheckpoint;
    if (last && last.seq === head.seq && last.hash === head.hash && canonicalJson(last.dispatch) === canonicalJson(dispatch)) return null;
    const cp = signCheckpoint(
      { v: 1, chain: this.keys.chain, seq: head.seq, hash: head.hash, dispatch, at: this.now(), node: this.options.node },
      this.keys.privateKey,
    );
    this.checkpointFile.append(cp);
    this.lastCheckpoint = cp;
    this.storedSinceCheckpoint = 0;
    this.counters.checkpoints++;
    if (this.publisher?.(topics.auditCheckpoints(this.keys.chain), JSON.stringify(cp))) this.counters.published++;
    return cp;
  }

  /** Entries stored, and failed writes. */
  get storeCounters(): { stored: number; failures: number } {
    return { ...this.writer.counters };
  }

  /** Stores what is left and signs the final head (published while a publisher is set). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checkpoint();
  }

  private lastValidCheckpoint(): Checkpoint | null {
    const valid = this.validCheckpoints();
    return valid.reduce<Checkpoint | null>(
      (best, c) => (!best || c.seq > best.seq || (c.seq === best.seq && c.at > best.at) ? c : best),
      null,
    );
  }

  private async write(batch: readonly AuditEntry[]): Promise<void> {
    await this.store.insert(batch);
    const last = batch.at(-1)!;
    this.stored = { seq: last.seq, hash: last.hash };
    this.storedSinceCheckpoint += batch.length;
    // The first entries of a new chain are signed at once: a chain is never without a checkpoint.
    if (this.storedSinceCheckpoint >= (this.options.checkpointEvery ?? 100) || !this.lastCheckpoint) {
      void this.checkpoint().catch((err: Error) => this.log('warn', `audit checkpoint: ${err.message}`));
    }
  }

  /**
   * The verification at start: from the verified point when it holds (see the file's comment),
   * else — or when that finds a problem, which the full verification then words — everything.
   */
  private async verifyAtStart(): Promise<AuditVerification> {
    const point = this.readPoint();
    if (typeof point === 'string') {
      this.log('info', `audit: verifying the whole record at start (${point})`);
      return this.verifyFull();
    }
    const checkpoints = this.checkpointFile.read();
    const valid = checkpoints.map(({ value }) => checkCheckpoint(value, this.keys.publicKey)).flatMap((c) => (c.ok ? [c.checkpoint] : []));
    const why = await this.pointStillHolds(point, valid);
    if (why) {
      this.log('warn', `audit: verifying the whole record at start: ${why}`);
      return this.verifyFull();
    }
    const records = await readAuditRecordsSince(this.options.clickhouse, point);
    const v = verifyAuditSince(this.verificationInput(records, checkpoints), records.from);
    if (!v.ok) {
      this.log('warn', `audit: the entries added since the verified point show problems; verifying the whole record`);
      return this.verifyFull();
    }
    this.log(
      'info',
      `audit: verified at start from the verified point of ${new Date(point.at).toISOString()}: ${records.entries.length} new entries, ${records.from.bindingEntries.length} entries bound to their rows`,
    );
    await this.recordPoint(confirmedSpan(records.entries, records.dispatch, valid, point));
    return this.settle(v);
  }

  /** The verified point of this chain, or why there is none to start from. */
  private readPoint(): VerifiedPoint | string {
    const read = this.pointFile.read();
    if (read === null) return 'no verified point yet';
    if ('error' in read) return read.error;
    const check = checkVerifiedPoint(read.value, this.keys.publicKey, this.keys.chain);
    return check.ok ? check.point : `the verified point is refused: ${check.reason}`;
  }

  /** Why the record up to the point can no longer be taken as verified, or null when it can. */
  private async pointStillHolds(point: VerifiedPoint, valid: readonly Checkpoint[]): Promise<string | null> {
    const cp = point.checkpoint;
    if (cp && !valid.some((c) => c.seq === cp.seq && c.hash === cp.hash))
      return `the checkpoint of entry ${cp.seq} the last verification relied on is no longer among the valid checkpoints`;
    const now = await this.store.fingerprints(fingerprintSpan(point));
    const changed = changedTables(point.fingerprints, now);
    return changed.length
      ? `the stored records verified on ${new Date(point.at).toISOString()} changed since (${changed.join(', ')})`
      : null;
  }

  /** Signs and keeps the point a successful verification reached. */
  private async recordPoint(span: ReturnType<typeof confirmedSpan>): Promise<void> {
    try {
      const fingerprints = await this.store.fingerprints(fingerprintSpan(span));
      this.pointFile.write(
        signVerifiedPoint({ v: 1, chain: this.keys.chain, at: this.now(), ...span, fingerprints }, this.keys.privateKey),
      );
    } catch (err) {
      // The next start then verifies the whole record: slower, never weaker.
      this.log('warn', `audit: the verified point was not recorded: ${(err as Error).message}`);
    }
  }

  private verificationInput(records: AuditRecords, checkpoints: AuditVerificationInput['checkpoints']): AuditVerificationInput {
    return {
      ...records,
      checkpoints,
      publicKey: this.keys.publicKey,
      foreignChainsAllowed: this.options.foreignChainsAllowed,
      now: this.now(),
    };
  }

  /** Keeps a verification as the latest and tells the listeners of new problems. */
  private settle(v: AuditVerification): AuditVerification {
    const previous = this.latest;
    this.latest = v;
    if (!v.ok) {
      this.log('error', `audit verification: ${summarize(v, 10)}`);
      if (!previous || summarize(previous, 1000) !== summarize(v, 1000)) for (const l of this.problemListeners) l(v);
    }
    return v;
  }

  /** Reads everything back and verifies it, this chain up to `upTo` (nothing is flushed first); a success records the point. */
  private async verifyFull(upTo: ChainHead | null = null): Promise<AuditVerification> {
    // Checkpoints first: one signed while the tables are read covers entries already stored.
    const checkpoints = this.checkpointFile.read();
    const records = await readAuditRecords(this.options.clickhouse);
    const chain = this.keys.chain;
    let limit = upTo?.seq ?? Number.MAX_SAFE_INTEGER;
    const valid: Checkpoint[] = [];
    for (const { value } of checkpoints) {
      const c = checkCheckpoint(value, this.keys.publicKey);
      if (!c.ok) continue;
      valid.push(c.checkpoint);
      if (c.checkpoint.seq > limit) limit = c.checkpoint.seq;
    }
    const entries = records.entries.filter((e) => e.chain !== chain || e.seq <= limit);
    const v = verifyAudit(this.verificationInput({ ...records, entries }, checkpoints));
    if (v.ok) await this.recordPoint(confirmedSpan(entries, records.dispatch, valid));
    return this.settle(v);
  }
}
