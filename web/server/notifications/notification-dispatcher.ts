/**
 * Sends composed messages (twin-model/notifications) through their channels.
 *
 * - `enqueue` never blocks or slows the caller (the twin, the ingest): it appends to the
 *   channel's bounded queue and returns; sending starts on a later turn of the event loop. A
 *   full queue sends the message to the channel's dead letters (`queue_full`) and counts it.
 * - Each channel sends at most `queue.concurrency` messages at once; channels are independent
 *   (no global limit), so a deep queue on one holds no slot of another. A webhook channel with
 *   `batch` sends up to `batch.maxEvents` waiting messages in one request (docs/notifications.md
 *   "Batches"), each still claimed, logged and retried on its own.
 * - Before the first attempt the recipients' idempotency keys (event, recipient, channel) are
 *   claimed; a recipient already claimed — by a retry, a replay of the same changes, another
 *   web node sharing the key store — is not sent to again.
 * - A failed attempt that may succeed later (timeout, network error, 5xx, 408, 429, SMTP 4xx)
 *   is retried after an exponential backoff with jitter (backoff.ts) without holding a send
 *   slot; after `retry.attempts` attempts the message is dead (`retries_exhausted`). A refusal
 *   (other 4xx, SMTP 5xx) is not retried (`refused`).
 * - Every step is recorded in the delivery log, one row per recipient.
 */
import {
  deliveryKey,
  type DeadLetterReason,
  type DeliveryRecord,
  type DeliveryStatus,
  type NotifyChannel,
  type OutgoingMessage,
  type Recipient,
} from '../../../twin-model/index.ts';
import { retryDelayMs } from './backoff.ts';
import type { ChannelSender, SendOutcome } from './channel-sender.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { Fifo } from './fifo.ts';
import type { IdempotencyKeys } from './idempotency-keys.ts';

export interface DispatchChannel {
  channel: NotifyChannel;
  sender: ChannelSender;
}

export interface DispatcherOptions {
  channels: readonly DispatchChannel[];
  keys: IdempotencyKeys;
  log: DeliveryLog;
  /** Epoch ms (delivery log times). @default Date.now */
  now?: () => number;
  /** Uniform in [0, 1): the backoff's jitter. */
  random: () => number;
  /** Dead letters kept in memory per channel, newest last (the delivery log keeps them all). @default 1000 */
  deadLetterLimit?: number;
}

/** A message that was not delivered, with why. */
export interface DeadLetter {
  message: OutgoingMessage;
  /** The recipients it failed for. */
  recipients: string[];
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  at: number;
}

/** Counts per channel; sent, failed, dead, dropped and duplicates count recipients. */
export interface ChannelStats {
  /** Messages waiting in the queue. */
  queued: number;
  inFlight: number;
  /** Messages waiting for their next attempt. */
  retrying: number;
  attempts: number;
  sent: number;
  failed: number;
  dead: number;
  /** Dropped because the queue was full (also counted in dead). */
  dropped: number;
  /** Not sent because their key was claimed already. */
  duplicates: number;
  /** Attempts scheduled again after a retryable failure (messages, not recipients). */
  retried: number;
}

interface Pending {
  message: OutgoingMessage;
  recipients: Recipient[];
  claimed: boolean;
  attempts: number;
  queuedAt: number;
  lastError: string;
}

interface Lane {
  channel: NotifyChannel;
  sender: ChannelSender;
  queue: Fifo<Pending>;
  /** Retries whose backoff is over: sent before the queue. */
  ready: Pending[];
  inFlight: number;
  waiting: Map<NodeJS.Timeout, Pending>;
  pumpScheduled: boolean;
  /** A batching channel waiting for more messages to join its oldest (`batch.maxWaitMs`). */
  batchTimer: NodeJS.Timeout | null;
  stats: Omit<ChannelStats, 'queued' | 'inFlight' | 'retrying'>;
  deadLetters: DeadLetter[];
  /** Senders replaced by a new configuration, closed once the sends they started are done. */
  retired: ChannelSender[];
}

/** How a test message went: one attempt, its recipient's status and the receiver's error. */
export interface TestDelivery {
  /** As in the delivery log: `sent`; `failed` (refused); `dead` (unreachable: a test makes one attempt, so its retries are used up). */
  status: 'sent' | 'failed' | 'dead';
  /** The receiver's refusal or the connection's trouble ('' when sent). */
  error: string;
  /** Whether the failure is one a retry could mend (a timeout, a 5xx); null when sent. */
  retryable: boolean | null;
  attempts: number;
}

/** What a redelivery found: the keys handed to their channel again, and those no dead letter holds. */
export interface Redelivery {
  redelivered: string[];
  missing: string[];
}

export class NotificationDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;
  private readonly deadLetterLimit: number;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** Messages for a channel that does not exist (a configuration changed under them). */
  readonly unrouted: DeadLetter[] = [];

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
    this.deadLetterLimit = options.deadLetterLimit ?? 1000;
    for (const c of options.channels) this.lanes.set(c.channel.id, this.lane(c));
  }

  private lane({ channel, sender }: DispatchChannel): Lane {
    return {
      channel,
      sender,
      queue: new Fifo(),
      ready: [],
      inFlight: 0,
      waiting: new Map(),
      pumpScheduled: false,
      batchTimer: null,
      stats: { attempts: 0, sent: 0, failed: 0, dead: 0, dropped: 0, duplicates: 0, retried: 0 },
      deadLetters: [],
      retired: [],
    };
  }

  /** The channels configured now. */
  channels(): NotifyChannel[] {
    return [...this.lanes.values()].map((l) => l.channel);
  }

  /**
   * Follows a new channel configuration without a restart: a new channel gets its queue; a
   * changed one sends with its new settings from the next attempt on (the old sender closes once
   * the sends it started are done; what waits keeps its place); a removed one stops, and what
   * waited in it becomes a dead letter (`unknown_channel`). `unchanged` says whether a channel's
   * settings are the same (its sender is then kept).
   */
  configure(channels: readonly DispatchChannel[], unchanged: (a: NotifyChannel, b: NotifyChannel) => boolean): void {
    const next = new Set(channels.map((c) => c.channel.id));
    for (const [id, lane] of this.lanes) {
      if (next.has(id)) continue;
      this.lanes.delete(id);
      if (lane.batchTimer) clearTimeout(lane.batchTimer);
      for (const [timer, p] of lane.waiting) {
        clearTimeout(timer);
        this.bury(lane, p, 'dead', 'unknown_channel', `channel ${JSON.stringify(id)} was removed`);
      }
      lane.waiting.clear();
      for (let p = lane.ready.shift() ?? lane.queue.take(); p; p = lane.ready.shift() ?? lane.queue.take())
        this.bury(lane, p, 'dead', 'unknown_channel', `channel ${JSON.stringify(id)} was removed`);
      lane.retired.push(lane.sender);
      this.closeRetired(lane);
    }
    for (const c of channels) {
      const lane = this.lanes.get(c.channel.id);
      if (!lane) {
        this.lanes.set(c.channel.id, this.lane(c));
        continue;
      }
      if (unchanged(lane.channel, c.channel)) {
        // The new sender is not needed: the old one keeps its connections.
        void c.sender.close();
        continue;
      }
      lane.retired.push(lane.sender);
      lane.channel = c.channel;
      lane.sender = c.sender;
      this.closeRetired(lane);
      this.pump(lane);
    }
    this.checkIdle();
  }

  private closeRetired(lane: Lane): void {
    if (lane.inFlight > 0 || lane.retired.length === 0) return;
    const senders = lane.retired.splice(0);
    for (const s of senders) void s.close();
  }

  /**
   * Hands dead letters (failed or dead messages still held in memory, by a recipient's delivery
   * key) to their channel again, as new attempts: the keys were claimed when they were first sent,
   * so they are not claimed again. Keys no dead letter holds any longer are `missing`.
   */
  redeliver(keys: readonly string[]): Redelivery {
    const wanted = new Set(keys);
    const redelivered: string[] = [];
    const now = this.now();
    for (const lane of this.lanes.values()) {
      if (this.closed) break;
      const kept: DeadLetter[] = [];
      for (const letter of lane.deadLetters) {
        const keyOf = (r: string) => deliveryKey(letter.message.event.id, r, lane.channel.id);
        const again = letter.recipients.filter((r) => wanted.has(keyOf(r)));
        if (again.length === 0) {
          kept.push(letter);
          continue;
        }
        const rest = letter.recipients.filter((r) => !wanted.has(keyOf(r)));
        if (rest.length > 0) kept.push({ ...letter, recipients: rest });
        for (const r of again) {
          wanted.delete(keyOf(r));
          redelivered.push(keyOf(r));
        }
        const recipients = letter.message.recipients.filter((r) => again.includes(r.id));
        const p: Pending = { message: letter.message, recipients, claimed: true, attempts: 0, queuedAt: now, lastError: '' };
        this.log(lane.channel.id, p, 'queued', null);
        lane.ready.push(p);
      }
      lane.deadLetters = kept;
      this.pump(lane);
    }
    return { redelivered, missing: [...wanted] };
  }

  /**
   * Sends one test message through its channel's sender now — the same sender (and so the same
   * signing, SMTP connection, gateway template) as every message — in one attempt, outside the
   * queue and without retries, so the answer is the channel's own outcome. Recorded in the
   * delivery log (queued, then sent or failed); not kept as a dead letter.
   */
  async sendTest(message: OutgoingMessage): Promise<TestDelivery> {
    const lane = this.lanes.get(message.channelId);
    if (!lane) throw new RangeError(`channel ${JSON.stringify(message.channelId)} is not configured`);
    const p: Pending = { message, recipients: message.recipients, claimed: true, attempts: 1, queuedAt: this.now(), lastError: '' };
    this.log(lane.channel.id, { ...p, attempts: 0 }, 'queued', null);
    lane.stats.attempts++;
    let outcome: SendOutcome;
    try {
      outcome = await lane.sender.send(message);
    } catch (e) {
      outcome = { ok: false, retryable: true, error: (e as Error).message };
    }
    const refused = outcome.ok ? (outcome.rejected ?? []).map((r) => r.error) : [];
    if (outcome.ok && refused.length === 0) {
      lane.stats.sent += p.recipients.length;
      this.log(lane.channel.id, p, 'sent', null);
      return { status: 'sent', error: '', retryable: null, attempts: 1 };
    }
    p.lastError = outcome.ok ? refused.join('; ') : outcome.error;
    const retryable = outcome.ok ? false : outcome.retryable;
    const status = retryable ? 'dead' : 'failed';
    lane.stats[status] += p.recipients.length;
    this.log(lane.channel.id, p, status, retryable ? 'retries_exhausted' : 'refused');
    return { status, error: p.lastError, retryable, attempts: 1 };
  }

  /** Hands messages over for sending; returns at once. */
  enqueue(messages: readonly OutgoingMessage[]): void {
    const now = this.now();
    for (const message of messages) {
      const p: Pending = { message, recipients: message.recipients, claimed: false, attempts: 0, queuedAt: now, lastError: '' };
      const lane = this.lanes.get(message.channelId);
      if (!lane) {
        this.bury(null, p, 'dead', 'unknown_channel', `channel ${JSON.stringify(message.channelId)} is not configured`);
        continue;
      }
      if (this.closed) {
        this.bury(lane, p, 'dead', 'shutdown', 'the dispatcher is closed');
        continue;
      }
      if (lane.queue.length >= lane.channel.queue.capacity) {
        lane.stats.dropped += p.recipients.length;
        this.bury(
          lane,
          p,
          'dead',
          'queue_full',
          `the queue of channel ${lane.channel.id} is full (${lane.channel.queue.capacity} messages)`,
        );
        continue;
      }
      lane.queue.push(p);
      if (!lane.pumpScheduled) {
        lane.pumpScheduled = true;
        setImmediate(() => {
          lane.pumpScheduled = false;
          this.pump(lane);
        });
      }
    }
  }

  stats(): Record<string, ChannelStats> {
    const out: Record<string, ChannelStats> = {};
    for (const [id, lane] of this.lanes)
      out[id] = { ...lane.stats, queued: lane.queue.length + lane.ready.length, inFlight: lane.inFlight, retrying: lane.waiting.size };
    return out;
  }

  /** The channel's most recent dead letters (failed and dead messages), oldest first. */
  deadLetters(channelId: string): readonly DeadLetter[] {
    return this.lanes.get(channelId)?.deadLetters ?? [];
  }

  /** Resolves once nothing is queued, being sent or waiting for a retry. */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops: later messages and retries still waiting become dead letters (`shutdown`, in the
   * delivery log with their last error), sends under way finish, then the channels close.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      if (lane.batchTimer) clearTimeout(lane.batchTimer);
      lane.batchTimer = null;
      for (const [timer, p] of lane.waiting) {
        clearTimeout(timer);
        this.bury(lane, p, 'dead', 'shutdown', p.lastError || 'the dispatcher closed');
      }
      lane.waiting.clear();
      for (let p = lane.ready.shift() ?? lane.queue.take(); p; p = lane.ready.shift() ?? lane.queue.take())
        this.bury(lane, p, 'dead', 'shutdown', 'the dispatcher closed before it was sent');
    }
    await this.drain();
    await Promise.all([...this.lanes.values()].flatMap((l) => [l.sender, ...l.retired.splice(0)]).map((s) => s.close()));
  }

  private idle(): boolean {
    for (const lane of this.lanes.values())
      if (lane.queue.length > 0 || lane.ready.length > 0 || lane.inFlight > 0 || lane.waiting.size > 0) return false;
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.idle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(lane: Lane): void {
    const batch = lane.channel.kind === 'webhook' && lane.sender.sendBatch ? lane.channel.batch : undefined;
    while (lane.inFlight < lane.channel.queue.concurrency) {
      if (batch && this.waitForBatch(lane, batch)) break;
      const group: Pending[] = [];
      for (let n = batch?.maxEvents ?? 1; n > 0; n--) {
        const p = lane.ready.shift() ?? lane.queue.take();
        if (!p) break;
        group.push(p);
      }
      if (group.length === 0) break;
      lane.inFlight++;
      void (batch ? this.attemptBatch(lane, group) : this.attempt(lane, group[0]!)).finally(() => {
        lane.inFlight--;
        this.closeRetired(lane);
        this.pump(lane);
        this.checkIdle();
      });
    }
  }

  /**
   * Whether a batching channel holds its messages back a little: fewer than `maxEvents` wait and
   * the oldest has waited less than `maxWaitMs` (a timer then pumps once it has). Retries never wait.
   */
  private waitForBatch(lane: Lane, batch: { maxEvents: number; maxWaitMs: number }): boolean {
    if (batch.maxWaitMs === 0 || lane.ready.length > 0 || lane.queue.length >= batch.maxEvents) return false;
    const oldest = lane.queue.peek();
    if (!oldest || this.closed) return false;
    const wait = oldest.queuedAt + batch.maxWaitMs - this.now();
    if (wait <= 0) return false;
    if (!lane.batchTimer)
      lane.batchTimer = setTimeout(() => {
        lane.batchTimer = null;
        this.pump(lane);
      }, wait);
    return true;
  }

  /** Claims the recipients' keys before the first attempt; false when there is nothing (left) to send. */
  private async claim(lane: Lane, p: Pending): Promise<boolean> {
    if (p.claimed) return true;
    const keys = p.recipients.map((r) => deliveryKey(p.message.event.id, r.id, lane.channel.id));
    let claimed: boolean[];
    try {
      claimed = await this.options.keys.claim(keys);
    } catch (e) {
      p.attempts++;
      lane.stats.attempts++;
      this.failed(lane, p, { ok: false, retryable: true, error: `idempotency keys unavailable: ${(e as Error).message}` });
      return false;
    }
    const fresh = p.recipients.filter((_, i) => claimed[i]);
    lane.stats.duplicates += p.recipients.length - fresh.length;
    if (fresh.length === 0) return false;
    p.recipients = fresh;
    p.claimed = true;
    this.log(lane.channel.id, p, 'queued', null);
    return true;
  }

  private messageOf(p: Pending): OutgoingMessage {
    return p.recipients === p.message.recipients ? p.message : { ...p.message, recipients: p.recipients };
  }

  /**
   * One request for several messages (a batching webhook): each keeps its own keys, attempts,
   * delivery log rows and retries; a failed batch's messages are retried each on its own backoff
   * (and may travel in another batch: a receiver drops a repeat by the message's `id`).
   */
  private async attemptBatch(lane: Lane, group: Pending[]): Promise<void> {
    const claimed = await Promise.all(group.map((p) => this.claim(lane, p)));
    const sending = group.filter((_, i) => claimed[i]);
    if (sending.length === 0) return;
    for (const p of sending) p.attempts++;
    lane.stats.attempts += sending.length;
    let outcome: SendOutcome;
    try {
      outcome = await lane.sender.sendBatch!(sending.map((p) => this.messageOf(p)));
    } catch (e) {
      outcome = { ok: false, retryable: true, error: (e as Error).message };
    }
    for (const p of sending) this.settle(lane, p, outcome);
  }

  private async attempt(lane: Lane, p: Pending): Promise<void> {
    if (!(await this.claim(lane, p))) return;
    p.attempts++;
    lane.stats.attempts++;
    let outcome: SendOutcome;
    try {
      outcome = await lane.sender.send(this.messageOf(p));
    } catch (e) {
      outcome = { ok: false, retryable: true, error: (e as Error).message };
    }
    this.settle(lane, p, outcome);
  }

  /** What an attempt's outcome makes of the message: sent, refused for some recipients, retried or dead. */
  private settle(lane: Lane, p: Pending, outcome: SendOutcome): void {
    if (!outcome.ok) {
      this.failed(lane, p, outcome);
      return;
    }
    const refused = new Map((outcome.rejected ?? []).map((r) => [r.recipientId, r.error]));
    const sent = p.recipients.filter((r) => !refused.has(r.id));
    if (sent.length > 0) {
      lane.stats.sent += sent.length;
      this.log(lane.channel.id, { ...p, recipients: sent }, 'sent', null);
    }
    if (refused.size > 0) {
      const rejected = p.recipients.filter((r) => refused.has(r.id));
      this.bury(lane, { ...p, recipients: rejected }, 'failed', 'refused', [...new Set(refused.values())].join('; '));
    }
  }

  private failed(lane: Lane, p: Pending, outcome: Extract<SendOutcome, { ok: false }>): void {
    p.lastError = outcome.error;
    if (outcome.retryable && p.attempts < lane.channel.retry.attempts && !this.closed) {
      if (p.claimed) this.log(lane.channel.id, p, 'retrying', null);
      lane.stats.retried++;
      const timer = setTimeout(
        () => {
          lane.waiting.delete(timer);
          lane.ready.push(p);
          this.pump(lane);
        },
        retryDelayMs(p.attempts, lane.channel.retry, this.options.random),
      );
      lane.waiting.set(timer, p);
      return;
    }
    if (outcome.retryable) this.bury(lane, p, 'dead', this.closed ? 'shutdown' : 'retries_exhausted', outcome.error);
    else this.bury(lane, p, 'failed', 'refused', outcome.error);
  }

  private bury(lane: Lane | null, p: Pending, status: 'failed' | 'dead', reason: DeadLetterReason, error: string): void {
    p.lastError = error;
    this.log(p.message.channelId, p, status, reason);
    const letter: DeadLetter = {
      message: p.message,
      recipients: p.recipients.map((r) => r.id),
      reason,
      error,
      attempts: p.attempts,
      at: this.now(),
    };
    const list = lane ? lane.deadLetters : this.unrouted;
    list.push(letter);
    if (list.length > this.deadLetterLimit) list.splice(0, list.length - this.deadLetterLimit);
    if (lane) lane.stats[status] += p.recipients.length;
  }

  private log(channelId: string, p: Pending, status: DeliveryStatus, reason: DeadLetterReason | null): void {
    const m = p.message;
    const at = this.now();
    const rows: DeliveryRecord[] = p.recipients.map((r) => ({
      key: deliveryKey(m.event.id, r.id, channelId),
      messageId: m.id,
      eventId: m.event.id,
      eventKind: m.event.kind,
      // The incident, or for `case_overdue` the case, the message is about ('' for a test message).
      incidentId: m.event.incident?.id ?? m.event.case?.caseId ?? '',
      channelId,
      channelKind: m.channelKind,
      recipient: r.id,
      language: m.language,
      status,
      attempts: p.attempts,
      lastError: p.lastError,
      reason,
      queuedAt: p.queuedAt,
      updatedAt: at,
    }));
    this.options.log.record(rows);
  }
}
