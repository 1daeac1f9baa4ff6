/**
 * The notification store (migration 13, docs/notifications.md): the configuration — channels,
 * contacts, subscriptions, escalation policies, on-call rosters, one table each — and the
 * delivery log. The only module with notification SQL.
 *
 * Configuration tables hold one row per document version (ReplacingMergeTree by `updated_at`,
 * a deletion is a row with `deleted = 1`): the JSON document with its schema version, who
 * changed it and when. Documents are validated before they are written and again, after their
 * upgraders, when read (notification-config-json.ts).
 *
 * The delivery log holds one row per recipient of each message, keyed by the idempotency key
 * (event, recipient, channel); each status is a new row and the newest (`version`) wins.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import {
  NOTIFY_CONFIG_KINDS,
  NOTIFY_CONFIG_LISTS,
  parseNotifyDoc,
  type DeadLetterReason,
  type DeliveryRecord,
  type DeliveryStatus,
  type NotificationConfigInput,
  type NotifyConfigDoc,
  type NotifyConfigKind,
} from '../twin-model/index.ts';
import { queryRows } from './clickhouse-client.ts';
import { NOTIFY_CONFIG_SCHEMA_VERSION, readStoredConfig } from './notification-config-json.ts';

/** The table of each kind of configuration document. */
export const NOTIFY_CONFIG_TABLES: Readonly<Record<NotifyConfigKind, string>> = {
  channel: 'notification_channels',
  contact: 'notification_contacts',
  subscription: 'notification_subscriptions',
  policy: 'escalation_policies',
  roster: 'oncall_rosters',
};

const configTableDdl = (table: string): string => `CREATE TABLE IF NOT EXISTS ${table} (
  id String,
  schema_version UInt16,
  config String,
  deleted UInt8,
  updated_by String,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id`;

/** Migration 13: the configuration tables and the delivery log. */
export const NOTIFICATIONS_DDL: readonly string[] = [
  ...Object.values(NOTIFY_CONFIG_TABLES).map(configTableDdl),
  `CREATE TABLE IF NOT EXISTS notification_deliveries (
  delivery_key String,
  version UInt64,
  message_id String,
  event_id String,
  event_kind LowCardinality(String),
  incident_id String,
  channel_id LowCardinality(String),
  channel_kind LowCardinality(String),
  recipient String,
  language LowCardinality(String),
  status LowCardinality(String),
  attempts UInt16,
  last_error String,
  reason LowCardinality(String),
  queued_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(queued_at)
ORDER BY delivery_key`,
];

/** A row of a configuration table, as stored. */
export interface NotifyConfigRow {
  id: string;
  schema_version: number;
  config: string;
  deleted: number;
  updated_by: string;
  /** Epoch ms. */
  updated_at: number;
}

/** A row of `notification_deliveries`, as stored. */
export interface NotificationDeliveryRow {
  delivery_key: string;
  version: number;
  message_id: string;
  event_id: string;
  event_kind: string;
  incident_id: string;
  channel_id: string;
  channel_kind: string;
  recipient: string;
  language: string;
  status: string;
  attempts: number;
  last_error: string;
  reason: string;
  /** Epoch ms. */
  queued_at: number;
  updated_at: number;
}

export interface DeliveryFilter {
  incidentId?: string;
  eventId?: string;
  channelId?: string;
  status?: DeliveryStatus;
  /** Epoch ms: rows queued at or after. */
  since?: number;
  /** @default 1000 */
  limit?: number;
}

/** What loading the configuration found: the valid documents, and every stored one that is not. */
export interface LoadedNotifyConfig {
  input: NotificationConfigInput;
  /** One line per stored document that could not be read (kind, id, reason). */
  problems: string[];
}

const idOf = (kind: NotifyConfigKind, doc: object): string =>
  kind === 'contact' ? (doc as { user: string }).user : (doc as { id: string }).id;

function toRecord(r: NotificationDeliveryRow): DeliveryRecord {
  return {
    key: r.delivery_key,
    messageId: r.message_id,
    eventId: r.event_id,
    eventKind: r.event_kind as DeliveryRecord['eventKind'],
    incidentId: r.incident_id,
    channelId: r.channel_id,
    channelKind: r.channel_kind as DeliveryRecord['channelKind'],
    recipient: r.recipient,
    language: r.language as DeliveryRecord['language'],
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    reason: r.reason === '' ? null : (r.reason as DeadLetterReason),
    queuedAt: Number(r.queued_at),
    updatedAt: Number(r.updated_at),
  };
}

export class NotificationStore {
  /** Orders the rows this process writes for one key even within one millisecond. */
  private lastVersion = 0;

  constructor(private readonly client: ClickHouseClient) {}

  /** Validates a document and stores it as the current version of its id; returns it with its defaults. */
  async saveConfig<K extends NotifyConfigKind>(kind: K, doc: unknown, actor: string, at: number): Promise<NotifyConfigDoc<K>> {
    const parsed = parseNotifyDoc(kind, doc);
    await this.writeConfig(kind, idOf(kind, parsed), JSON.stringify(parsed), 0, actor, at);
    return parsed;
  }

  /** Marks a document deleted. */
  async deleteConfig(kind: NotifyConfigKind, id: string, actor: string, at: number): Promise<void> {
    await this.writeConfig(kind, id, '{}', 1, actor, at);
  }

  private async writeConfig(kind: NotifyConfigKind, id: string, config: string, deleted: number, actor: string, at: number): Promise<void> {
    const row: NotifyConfigRow = { id, schema_version: NOTIFY_CONFIG_SCHEMA_VERSION, config, deleted, updated_by: actor, updated_at: at };
    await this.client.insert({ table: NOTIFY_CONFIG_TABLES[kind], values: [row], format: 'JSONEachRow' });
  }

  /** The current rows of one kind (deleted ones left out), by id. */
  async configRows(kind: NotifyConfigKind): Promise<NotifyConfigRow[]> {
    const rows = await queryRows<NotifyConfigRow>(
      this.client,
      `SELECT id, schema_version, config, deleted, updated_by, toUnixTimestamp64Milli(updated_at) AS updated_at
       FROM ${NOTIFY_CONFIG_TABLES[kind]} FINAL WHERE deleted = 0 ORDER BY id`,
    );
    return rows.map((r) => ({
      ...r,
      schema_version: Number(r.schema_version),
      deleted: Number(r.deleted),
      updated_at: Number(r.updated_at),
    }));
  }

  /**
   * Every stored document, upgraded and validated. A document that cannot be read is left out
   * and named in `problems` — never silently dropped; the caller decides whether to start.
   */
  async loadConfig(): Promise<LoadedNotifyConfig> {
    const input: Record<string, unknown[]> = {};
    const problems: string[] = [];
    for (const kind of NOTIFY_CONFIG_KINDS) {
      const docs: unknown[] = [];
      for (const row of await this.configRows(kind)) {
        try {
          docs.push(readStoredConfig(kind, row.id, row.schema_version, row.config));
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      input[NOTIFY_CONFIG_LISTS[kind]] = docs;
    }
    return { input: input as NotificationConfigInput, problems };
  }

  /** Appends delivery log rows (a newer row of a key replaces the older one). */
  async appendDeliveries(records: readonly DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows: NotificationDeliveryRow[] = records.map((d) => {
      this.lastVersion = Math.max(this.lastVersion + 1, d.updatedAt * 1000);
      return {
        delivery_key: d.key,
        version: this.lastVersion,
        message_id: d.messageId,
        event_id: d.eventId,
        event_kind: d.eventKind,
        incident_id: d.incidentId,
        channel_id: d.channelId,
        channel_kind: d.channelKind,
        recipient: d.recipient,
        language: d.language,
        status: d.status,
        attempts: d.attempts,
        last_error: d.lastError.slice(0, 2000),
        reason: d.reason ?? '',
        queued_at: d.queuedAt,
        updated_at: d.updatedAt,
      };
    });
    await this.client.insert({ table: 'notification_deliveries', values: rows, format: 'JSONEachRow' });
  }

  /** The latest row of each delivery matching the filter, newest first. */
  async deliveries(filter: DeliveryFilter = {}): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    if (filter.incidentId !== undefined) where.push('incident_id = {incidentId:String}');
    if (filter.eventId !== undefined) where.push('event_id = {eventId:String}');
    if (filter.channelId !== undefined) where.push('channel_id = {channelId:String}');
    if (filter.status !== undefined) where.push('status = {status:String}');
    if (filter.since !== undefined) where.push('queued_at >= fromUnixTimestamp64Milli({since:Int64})');
    const rows = await queryRows<NotificationDeliveryRow>(
      this.client,
      `SELECT delivery_key, version, message_id, event_id, event_kind, incident_id, channel_id, channel_kind, recipient, language,
              status, attempts, last_error, reason,
              toUnixTimestamp64Milli(queued_at) AS queued_at, toUnixTimestamp64Milli(updated_at) AS updated_at
       FROM notification_deliveries FINAL
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY queued_at DESC, delivery_key
       LIMIT {limit:UInt32}`,
      { ...filter, limit: Math.max(1, Math.min(filter.limit ?? 1000, 100_000)) },
    );
    return rows.map(toRecord);
  }

  /**
   * The idempotency keys of deliveries queued since `since` (epoch ms), newest first, at most
   * `limit`: claimed before a restart, so they are not sent again after it.
   */
  async recentDeliveryKeys(since: number, limit = 1_000_000): Promise<string[]> {
    const rows = await queryRows<{ delivery_key: string }>(
      this.client,
      `SELECT DISTINCT delivery_key FROM notification_deliveries
       WHERE queued_at >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY delivery_key LIMIT {limit:UInt32}`,
      { since, limit },
    );
    return rows.map((r) => r.delivery_key);
  }

  /** Deliveries by channel and status since `since` (epoch ms): the figures behind a delivery overview. */
  async deliveryCounts(since: number): Promise<Array<{ channelId: string; status: DeliveryStatus; count: number }>> {
    const rows = await queryRows<{ channel_id: string; status: string; n: number | string }>(
      this.client,
      `SELECT channel_id, status, count() AS n FROM notification_deliveries FINAL
       WHERE queued_at >= fromUnixTimestamp64Milli({since:Int64}) GROUP BY channel_id, status ORDER BY channel_id, status`,
      { since },
    );
    return rows.map((r) => ({ channelId: r.channel_id, status: r.status as DeliveryStatus, count: Number(r.n) }));
  }
}
