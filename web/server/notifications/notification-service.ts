/**
 * Notifications wired into the running product (docs/notifications.md):
 *
 * - The engine (twin-model/notifications) is fed every incident change the node sees (its own as
 *   the twin writer, the writer's as a mirror), every assignment of units, and a tick once a
 *   second. Every node runs it, so every node knows each incident's escalation (the console's
 *   "next escalation in mm:ss", over HTTP and the socket); ONLY the twin writer hands messages to
 *   the dispatcher, so each event is sent once across the nodes (the shared idempotency keys
 *   cover the moments a lease moves). When the writer changes, the new one already follows every
 *   incident: nothing is announced again.
 * - The configuration (channels, contacts, subscriptions, escalation policies, rosters) is edited
 *   document by document: each change is validated alone and with the rest (every reference
 *   resolves), stored, put in force here (engine and dispatcher, no restart), announced to the
 *   other nodes (who put it in force and keep it in their store) and audited, secrets redacted.
 * - What a message says is written for the lowest clearance (docs/security.md): no evidence, and
 *   the place coarsened to about 1 km when any evidence is above `public` (`publicView`).
 */
import type { CaseEvent } from '../../../twin-model/cases/index.ts';
import { caseNoticeOf } from '../../../twin-model/notifications/case-notice.ts';
import {
  NOTIFY_CONFIG_KINDS,
  NOTIFY_CONFIG_LISTS,
  NotificationConfigError,
  applyNotificationInput,
  createNotificationState,
  deliveryKey,
  escalationOverview,
  escalationProgress,
  onCallTiers,
  parseNotificationConfig,
  parseNotifyDoc,
  redactChannel,
  testMessage,
  TestMessageError,
  type EscalationProgress,
  type EscalationStatus,
  type Incident,
  type IncidentChange,
  type NotificationConfig,
  type NotificationInput,
  type NotificationState,
  type NotifyChannel,
  type NotifyCity,
  type NotifyConfigKind,
  type NotifyLanguage,
  type OutgoingMessage,
  type UnitChange,
} from '../../../twin-model/index.ts';
import type { NotificationStore } from '../../../storage/index.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { TwinWriterChannel } from '../cluster/cluster-bus.ts';
import type { ClusterNotice, WriterAnswer, WriterChange, WriterCommand } from '../cluster/cluster-messages.ts';
import { ForwardingWriter } from '../cluster/forwarding-writer.ts';
import type { DispatchService } from '../dispatch/dispatch-service.ts';
import type { TwinService } from '../live/twin-service.ts';
import type { ChannelSender } from './channel-sender.ts';
import { createSender } from './channel-senders.ts';
import { BatchedDeliveryLog } from './delivery-log.ts';
import type { IdempotencyKeys } from './idempotency-keys.ts';
import { NotificationDispatcher, type Redelivery, type TestDelivery } from './notification-dispatcher.ts';

export interface NotificationServiceOptions {
  store: NotificationStore;
  twin: TwinService;
  dispatch: DispatchService | null;
  /** Time zone, console URL and district names for the texts. */
  city: NotifyCity;
  keys: IdempotencyKeys;
  /** The roles accounts can hold (a subscription or contact naming another is refused). */
  roles: readonly string[];
  /** The incident as the lowest clearance sees it (the messages' content). */
  publicView: (incident: Incident) => Incident;
  audit?: AuditService | null;
  /** The engine's clock (escalation deadlines). @default Date.now */
  now?: () => number;
  /** Jitter of the retries' backoff. @default Math.random */
  random?: () => number;
  /** The sender of a channel. @default createSender */
  senderFor?: (channel: NotifyChannel) => ChannelSender;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** A refused configuration change: the document, or the configuration with it, is not valid. */
export class NotifyConfigRefused extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

/** The path segment of each kind of document (`/api/notifications/{kind}`). */
export const NOTIFY_CONFIG_PATHS = {
  channels: 'channel',
  contacts: 'contact',
  subscriptions: 'subscription',
  policies: 'policy',
  rosters: 'roster',
} as const satisfies Record<string, NotifyConfigKind>;
export type NotifyConfigPath = keyof typeof NOTIFY_CONFIG_PATHS;

/** Where an incident's escalation stands, as the console shows it. */
export interface IncidentEscalation {
  incidentId: string;
  policyId: string;
  /** The highest tier paged so far (0 before the first page). */
  tier: number;
  /** The next page (tier, reminder number, epoch ms), or null when the schedule is done. */
  nextTier: number | null;
  nextRepeat: number | null;
  nextEscalationAt: number | null;
}

type RedeliverCommand = Extract<WriterCommand, { kind: 'notify_redeliver' }>;
/** Notifications publish no changes of their own: the engine follows the incidents' and units'. */
type NoChange = Extract<WriterChange, { kind: 'incident_changes' }>;

const EMPTY_CONFIG: NotificationConfig = { channels: [], contacts: [], subscriptions: [], policies: [], rosters: [] };
const SECRET_MASK = '***';

/** A test message's outcome, as `POST /api/notifications/channels/{channelId}/test` answers it. */
export interface TestOutcome extends TestDelivery {
  channelId: string;
  channelKind: NotifyChannel['kind'];
  eventId: string;
  /** The delivery log's key of the test message. */
  key: string;
  recipient: string;
  language: NotifyLanguage;
  subject: string;
  at: number;
}

export class NotificationService {
  readonly dispatcher: NotificationDispatcher;
  readonly deliveryLog: BatchedDeliveryLog;
  private readonly state: NotificationState;
  private readonly now: () => number;
  private readonly log: NonNullable<NotificationServiceOptions['log']>;
  private readonly senderFor: (channel: NotifyChannel) => ChannelSender;
  private readonly writer: ForwardingWriter<RedeliverCommand, NoChange>;
  private channel: TwinWriterChannel | null = null;
  private config: NotificationConfig = EMPTY_CONFIG;
  /** Stored documents that could not be read, or a stored configuration whose references did not resolve. */
  problems: string[] = [];
  readonly counters = { events: 0, messages: 0, shadowed: 0, configChanges: 0, received: 0 };
  private readonly escalationListeners = new Set<(all: IncidentEscalation[]) => void>();
  private lastOverview = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly stops: Array<() => void> = [];
  private testSequence = 0;

  constructor(private readonly options: NotificationServiceOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.senderFor = options.senderFor ?? createSender;
    this.state = createNotificationState(EMPTY_CONFIG, options.city);
    this.deliveryLog = new BatchedDeliveryLog({
      append: (rows) => options.store.appendDeliveries(rows),
      onError: (e) => this.log('warn', `delivery log: ${(e as Error).message}; rows kept for the next write`),
    });
    this.dispatcher = new NotificationDispatcher({
      channels: [],
      keys: options.keys,
      log: this.deliveryLog,
      random: options.random ?? Math.random,
    });
    this.writer = new ForwardingWriter<RedeliverCommand, NoChange>({
      name: 'notifications',
      handles: (c): c is RedeliverCommand => c.kind === 'notify_redeliver',
      mirrors: (_c): _c is NoChange => false,
      execute: async (c) => this.redeliverHere(c),
      mirror: () => undefined,
    });
  }

  /**
   * Loads the stored configuration, follows the incidents active now (nothing is announced for
   * them; their escalations resume), and starts feeding the engine and ticking it once a second.
   */
  async start(): Promise<void> {
    const loaded = await this.options.store.loadConfig();
    this.problems = [...loaded.problems];
    let config = EMPTY_CONFIG;
    try {
      config = parseNotificationConfig(loaded.input, { roles: this.options.roles });
    } catch (err) {
      this.problems.push((err as Error).message);
    }
    for (const p of this.problems) this.log('error', `notification configuration: ${p}`);
    this.configure(config);
    this.apply({ type: 'restore', incidents: this.options.twin.activeIncidents().map(this.options.publicView) });
    this.stops.push(this.options.twin.onIncidentChanges((changes) => this.onIncidentChanges(changes)));
    const dispatch = this.options.dispatch;
    if (dispatch) this.stops.push(dispatch.onUnitChanges((changes) => this.onUnitChanges(changes)));
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.log(
      'info',
      `notifications: ${config.channels.length} channels, ${config.subscriptions.length} subscriptions, ${config.policies.length} escalation policies, ${config.rosters.length} rosters`,
    );
  }

  /** Joins the web nodes: configuration notices from the others, redelivery forwarded to the writer. */
  attach(channel: TwinWriterChannel): void {
    this.channel = channel;
    this.writer.attach(channel);
    channel.onNotice((notice) => void this.received(notice));
  }

  /** Time passes: escalations that are due are paged (called once a second; tests call it with their clock). */
  tick(): void {
    this.apply({ type: 'tick' });
  }

  /** Calls `listener` with every escalation in progress whenever one changes; returns the unsubscribe. */
  onEscalations(listener: (all: IncidentEscalation[]) => void): () => void {
    this.escalationListeners.add(listener);
    return () => this.escalationListeners.delete(listener);
  }

  /** An incident's escalation as it runs, or null (no policy, acknowledged, ended). */
  escalation(incidentId: string): IncidentEscalation | null {
    return viewOf(escalationProgress(this.state, incidentId));
  }

  /** Every escalation in progress, the soonest next page first. */
  escalations(): IncidentEscalation[] {
    return escalationOverview(this.state)
      .map((s: EscalationStatus) => this.escalation(s.incidentId))
      .filter((e): e is IncidentEscalation => e !== null);
  }

  /** Who is on call now, per team: tier 1's people first. */
  onCall(at = this.now()): Array<{ team: string; name: string | null; tiers: string[][] }> {
    return this.config.rosters.map((r) => ({ team: r.id, name: r.name ?? null, tiers: onCallTiers(r, at, this.options.city.timeZone) }));
  }

  /** The documents of a kind, channels with their secrets replaced by `***`. */
  documents(kind: NotifyConfigKind): unknown[] {
    const list = this.config[NOTIFY_CONFIG_LISTS[kind]] as unknown[];
    return kind === 'channel' ? (list as NotifyChannel[]).map(redactChannel) : list;
  }

  /**
   * Saves one document (new, or replacing the one with its id) after checking it alone and
   * with the rest of the configuration; in force at once here and on every web node. A channel
   * sent back with `***` where a secret was keeps the stored secret. Returns the document as it
   * may be shown (secrets redacted).
   */
  async save(kind: NotifyConfigKind, doc: unknown, actor: string): Promise<unknown> {
    let parsed: unknown;
    try {
      parsed = parseNotifyDoc(kind, kind === 'channel' ? this.keepSecrets(doc) : doc);
    } catch (err) {
      throw new NotifyConfigRefused((err as Error).message, 400);
    }
    const id = idOf(kind, parsed);
    const next = withDocument(this.config, kind, id, parsed);
    const config = this.check(next);
    const at = this.now();
    await this.options.store.saveConfig(kind, parsed, actor, at);
    this.configure(config);
    this.counters.configChanges++;
    this.channel?.announce({ kind: 'notify_config', docKind: kind, id, doc: parsed, actor, at });
    const shown = kind === 'channel' ? redactChannel(parsed as NotifyChannel) : parsed;
    this.options.audit?.record({
      at,
      actor,
      stream: 'config',
      action: 'notify_saved',
      object: `${kind}:${id}`,
      detail: `notification ${kind} ${id} saved`,
      data: { kind, id, document: shown as Record<string, unknown> },
    });
    return shown;
  }

  /** Deletes a document; refused (409) while another names it (a subscription its channel, a policy its team …). */
  async remove(kind: NotifyConfigKind, id: string, actor: string): Promise<void> {
    const list = this.config[NOTIFY_CONFIG_LISTS[kind]] as unknown[];
    if (!list.some((d) => idOf(kind, d) === id))
      throw new NotifyConfigRefused(`there is no notification ${kind} ${JSON.stringify(id)}`, 404);
    const config = this.check(withDocument(this.config, kind, id, null), 409);
    const at = this.now();
    await this.options.store.deleteConfig(kind, id, actor, at);
    this.configure(config);
    this.counters.configChanges++;
    this.channel?.announce({ kind: 'notify_config', docKind: kind, id, doc: null, actor, at });
    this.options.audit?.record({
      at,
      actor,
      stream: 'config',
      action: 'notify_deleted',
      object: `${kind}:${id}`,
      detail: `notification ${kind} ${id} deleted`,
      data: { kind, id },
    });
  }

  /**
   * Sends dead letters again (by a recipient's delivery key), on the twin writer — forwarded
   * there from another node. Keys whose dead letter the writer no longer holds (it keeps the
   * newest 1,000 per channel since it started) come back as `missing`. Audited.
   */
  async redeliver(keys: readonly string[], actor: string): Promise<Redelivery> {
    const answer = await this.writer.run({ kind: 'notify_redeliver', keys: [...keys], actor });
    if (answer.kind === 'failed') throw new Error(`the twin writer failed on the redelivery: ${answer.message}`);
    if (answer.kind !== 'notify_redelivered') throw new Error(`the twin writer answered a redelivery with ${answer.kind}`);
    this.options.audit?.record({
      at: this.now(),
      actor,
      stream: 'config',
      action: 'notify_redelivered',
      object: `${answer.redelivered.length} deliveries`,
      detail: `${answer.redelivered.length} dead letters sent again, ${answer.missing.length} no longer held`,
      data: { redelivered: answer.redelivered.slice(0, 100), missing: answer.missing.slice(0, 100) },
    });
    return { redelivered: answer.redelivered, missing: answer.missing };
  }

  /**
   * Sends a test message (kind `test`) through one channel now and answers how it went: the
   * webhook's `user:<actor>`, or the contact `user` (default: the one asking) at their address
   * for the channel, in `language` (default: the contact's, the webhook's). One attempt on this
   * node's sender, in the delivery log; audited. Throws NotifyConfigRefused: 404 for an unknown
   * channel, 400 when there is nobody with an address for it.
   */
  async sendTest(channelId: string, actor: string, options: { user?: string; language?: NotifyLanguage } = {}): Promise<TestOutcome> {
    const channel = this.config.channels.find((c) => c.id === channelId);
    if (!channel)
      throw new NotifyConfigRefused(
        `there is no notification channel ${JSON.stringify(channelId)}; channels: ${this.config.channels.map((c) => c.id).join(', ') || 'none'}`,
        404,
      );
    const user = options.user ?? actor;
    const contact = this.config.contacts.find((c) => c.user === user) ?? null;
    if (options.user && !contact && channel.kind !== 'webhook')
      throw new NotifyConfigRefused(
        `there is no contact ${JSON.stringify(options.user)}; contacts: ${this.config.contacts.map((c) => c.user).join(', ') || 'none'}`,
        400,
      );
    const at = this.now();
    let message: OutgoingMessage;
    try {
      message = testMessage(
        {
          channel,
          actor,
          contact: channel.kind === 'webhook' ? null : contact,
          ...(options.language ? { language: options.language } : {}),
          at,
          sequence: ++this.testSequence,
        },
        this.options.city,
      );
    } catch (err) {
      if (err instanceof TestMessageError) throw new NotifyConfigRefused(err.message, 400);
      throw err;
    }
    const delivery = await this.dispatcher.sendTest(message);
    const recipient = message.recipients[0]!.id;
    const outcome: TestOutcome = {
      ...delivery,
      channelId,
      channelKind: channel.kind,
      eventId: message.event.id,
      key: deliveryKey(message.event.id, recipient, channelId),
      recipient,
      language: message.language,
      subject: message.subject,
      at,
    };
    this.options.audit?.record({
      at,
      actor,
      stream: 'config',
      action: 'notify_tested',
      object: `channel:${channelId}`,
      detail:
        delivery.status === 'sent'
          ? `test message through ${channel.kind} channel ${channelId} to ${recipient}: delivered`
          : `test message through ${channel.kind} channel ${channelId} to ${recipient}: ${delivery.status} (${delivery.error})`,
      data: { channelId, kind: channel.kind, recipient, status: delivery.status, error: delivery.error },
    });
    this.log(
      delivery.status === 'sent' ? 'info' : 'warn',
      `notifications: ${outcome.subject} by ${actor}: ${delivery.status} ${delivery.error}`,
    );
    return outcome;
  }

  /** Writes the delivery log rows recorded so far (the log routes read the store). */
  async flushLog(): Promise<void> {
    await this.deliveryLog.flush().catch((err: Error) => this.log('warn', `delivery log: ${err.message}`));
  }

  /** Stops the tick and the feeds; sends under way finish, waiting messages become dead letters (`shutdown`); the log is written. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const stop of this.stops.splice(0)) stop();
    await this.dispatcher.close();
    await this.flushLog();
  }

  private async redeliverHere(c: RedeliverCommand): Promise<WriterAnswer> {
    const r = this.dispatcher.redeliver(c.keys);
    return { kind: 'notify_redelivered', redelivered: r.redelivered, missing: r.missing };
  }

  private onIncidentChanges(changes: readonly IncidentChange[]): void {
    for (const change of changes)
      this.apply({ type: 'incident_change', change: { ...change, incident: this.options.publicView(change.incident) } });
  }

  /**
   * A hotline case missed a time limit (the case desk, on the twin writer): told to the
   * subscriptions naming `case_overdue`, with the case's record only (case-notice.ts).
   */
  caseOverdue(event: CaseEvent): void {
    const notice = caseNoticeOf(event);
    if (notice) this.apply({ type: 'case_overdue', notice, at: event.at });
  }

  private onUnitChanges(changes: readonly UnitChange[]): void {
    // One `dispatched` event per incident, time and dispatcher: the units assigned together.
    const groups = new Map<string, { incidentId: string; unitIds: string[]; actor: string; at: number }>();
    for (const c of changes) {
      if (c.what !== 'assigned' || !c.incidentId) continue;
      const key = `${c.incidentId}|${c.at}|${c.actor}`;
      const g = groups.get(key) ?? { incidentId: c.incidentId, unitIds: [], actor: c.actor, at: c.at };
      g.unitIds.push(c.unitId);
      groups.set(key, g);
    }
    for (const g of groups.values()) this.apply({ type: 'dispatched', ...g });
  }

  private apply(input: NotificationInput): void {
    let messages: OutgoingMessage[];
    try {
      const { emitted } = applyNotificationInput(this.state, input, { now: this.now });
      this.counters.events += emitted.events.length;
      messages = emitted.messages;
    } catch (err) {
      this.log('error', `notification engine on ${input.type}: ${(err as Error).message}`);
      return;
    }
    if (messages.length > 0) {
      // Every node follows the incidents; only the writer sends (docs/notifications.md).
      if (this.options.twin.isWriter()) {
        this.counters.messages += messages.length;
        this.dispatcher.enqueue(messages);
      } else this.counters.shadowed += messages.length;
    }
    this.noteEscalations();
  }

  private noteEscalations(): void {
    if (this.escalationListeners.size === 0) return;
    const all = this.escalations();
    const text = JSON.stringify(all);
    if (text === this.lastOverview) return;
    this.lastOverview = text;
    for (const l of this.escalationListeners) {
      try {
        l(all);
      } catch (err) {
        this.log('warn', `escalation listener: ${(err as Error).message}`);
      }
    }
  }

  /** The whole configuration with a change, validated: 400 (or `status`) naming every problem. */
  private check(input: Record<keyof NotificationConfig, unknown[]>, status: 400 | 409 = 400): NotificationConfig {
    try {
      return parseNotificationConfig(input, { roles: this.options.roles });
    } catch (err) {
      if (err instanceof NotificationConfigError) throw new NotifyConfigRefused(err.message, status);
      throw err;
    }
  }

  /** Puts a validated configuration in force: the engine's subscriptions and policies, the dispatcher's channels. */
  private configure(config: NotificationConfig): void {
    this.config = config;
    this.dispatcher.configure(
      config.channels.map((channel) => ({ channel, sender: this.senderFor(channel) })),
      (a, b) => JSON.stringify(a) === JSON.stringify(b),
    );
    this.apply({ type: 'configure', config });
  }

  /** `***` where a stored channel's secret was: the stored secret stays. */
  private keepSecrets(doc: unknown): unknown {
    if (!doc || typeof doc !== 'object') return doc;
    const d = { ...(doc as Record<string, unknown>) };
    const held = this.config.channels.find((c) => c.id === d.id);
    if (!held || held.kind !== d.kind) return d;
    if (held.kind === 'webhook' && d.secret === SECRET_MASK) d.secret = held.secret;
    if (held.kind === 'email' && d.auth && typeof d.auth === 'object' && (d.auth as { pass?: unknown }).pass === SECRET_MASK && held.auth)
      d.auth = { ...(d.auth as object), pass: held.auth.pass };
    if ((held.kind === 'webhook' || held.kind === 'sms') && d.headers && typeof d.headers === 'object') {
      const headers = { ...(d.headers as Record<string, unknown>) };
      for (const [k, v] of Object.entries(headers)) if (v === SECRET_MASK && held.headers[k] !== undefined) headers[k] = held.headers[k];
      d.headers = headers;
    }
    return d;
  }

  /** A document another node saved or deleted: put in force here, kept in this node's store. */
  private async received(notice: ClusterNotice): Promise<void> {
    if (notice.kind !== 'notify_config') return;
    let config: NotificationConfig;
    let parsed: unknown = null;
    try {
      if (notice.doc !== null && notice.doc !== undefined) parsed = parseNotifyDoc(notice.docKind, notice.doc);
      config = parseNotificationConfig(withDocument(this.config, notice.docKind, notice.id, parsed), { roles: this.options.roles });
    } catch (err) {
      this.log('error', `notification ${notice.docKind} ${notice.id} from another web node refused: ${(err as Error).message}`);
      return;
    }
    this.configure(config);
    this.counters.received++;
    try {
      if (parsed === null) await this.options.store.deleteConfig(notice.docKind, notice.id, notice.actor, notice.at);
      else await this.options.store.saveConfig(notice.docKind, parsed, notice.actor, notice.at);
    } catch (err) {
      this.log('warn', `notification ${notice.docKind} ${notice.id}: not kept in this node's store (${(err as Error).message})`);
    }
  }
}

function idOf(kind: NotifyConfigKind, doc: unknown): string {
  const d = doc as { id?: string; user?: string };
  return (kind === 'contact' ? d.user : d.id) ?? '';
}

/** The configuration's documents with one replaced, added, or (doc null) removed. */
function withDocument(
  config: NotificationConfig,
  kind: NotifyConfigKind,
  id: string,
  doc: unknown,
): Record<keyof NotificationConfig, unknown[]> {
  const out = {} as Record<keyof NotificationConfig, unknown[]>;
  for (const k of NOTIFY_CONFIG_KINDS) out[NOTIFY_CONFIG_LISTS[k]] = [...(config[NOTIFY_CONFIG_LISTS[k]] as unknown[])];
  const list = out[NOTIFY_CONFIG_LISTS[kind]];
  const at = list.findIndex((d) => idOf(kind, d) === id);
  if (doc === null) {
    if (at >= 0) list.splice(at, 1);
  } else if (at >= 0) list[at] = doc;
  else list.push(doc);
  return out;
}

function viewOf(p: EscalationProgress | null): IncidentEscalation | null {
  if (!p) return null;
  return {
    incidentId: p.incidentId,
    policyId: p.policyId,
    tier: p.tier,
    nextTier: p.next?.tier ?? null,
    nextRepeat: p.next?.repeat ?? null,
    nextEscalationAt: p.next?.dueAt ?? null,
  };
}
