/**
 * What one insert round writes: typed rows for each table, and how many MQTT messages they
 * account for. The sink turns each row into a positional array in its table's column order
 * (JSONCompactEachRow, the cheapest JSON form for the engine to parse) only when it writes;
 * readings, the hot path, are TabSeparated bytes from the start (storage/reading-rows.ts).
 */
import { capWarningColumns, type CapWarningRow } from './cap-store.ts';
import { deadLetterColumns, type DeadLetterRow } from './dead-letter-store.ts';
import { finiteValue, ReadingRows, tsvField, wholeMs } from './reading-rows.ts';
import { sensorColumns, type SensorRegistryRow } from './registry-store.ts';

export type EntityName = 'sensor' | 'service';

/**
 * A reading as one TabSeparated line (`entity\tsensor\tmetric\tts\tvalue\treceivedAt\n`), the
 * same bytes {@link ReadingRows} writes for it (storage/reading-rows.ts: times as whole epoch
 * ms, values as JavaScript prints them, names escaped as TabSeparated reads them back).
 */
export type ReadingRow = string;

export function readingRow(
  entity: EntityName,
  sensorId: string,
  metric: string,
  ts: number,
  value: number,
  receivedAt: number,
): ReadingRow {
  return `${entity}\t${tsvField(sensorId)}\t${tsvField(metric)}\t${wholeMs(ts)}\t${finiteValue(value)}\t${wholeMs(receivedAt)}\n`;
}

/**
 * Appends the rows of one message's readings to `rows`, the same lines as {@link readingRow}:
 * the parts shared by the message's readings (entity and sensor, receive time) are written
 * once per message instead of once per reading (a packed message carries a hundred). A reading
 * that is refused (a time or value that is not a finite number) leaves no row of its message.
 */
export function pushReadingRows(
  rows: ReadingRows,
  entity: EntityName,
  sensorId: string,
  readings: ReadonlyArray<{ metric: string; ts: number; value: number }>,
  receivedAt: number,
): void {
  rows.pushMessage(entity, sensorId, readings, receivedAt);
}

/** Rows built by {@link readingRow}, as a batch's readings. */
export function readingRowsOf(lines: readonly ReadingRow[]): ReadingRows {
  const rows = new ReadingRows();
  rows.push(...lines);
  return rows;
}

/** A reading whose value is text (`readings_text`). */
export interface ReadingTextRow {
  entity: EntityName;
  sensorId: string;
  metric: string;
  /** Epoch ms. */
  ts: number;
  value: string;
  /** Epoch ms. */
  receivedAt: number;
}

/** A discrete report (`events`): a hotline case, a video detection, a manual report. */
export interface EventRow {
  source: string;
  id: string;
  /** Epoch ms. */
  ts: number;
  type: string;
  /** `''` when the report gave none. */
  category: string;
  lng: number;
  lat: number;
  /** 1–5, or null when the report gave none. */
  severity: number | null;
  text: string;
  /** Epoch ms. */
  receivedAt: number;
}

/** A response unit's position fix (`unit_positions`). */
export interface UnitPositionRow {
  unitId: string;
  /** Epoch ms. */
  ts: number;
  lng: number;
  lat: number;
  speed: number | null;
  heading: number | null;
  /** `''` when the fix gave none. */
  status: string;
  /** Epoch ms. */
  receivedAt: number;
}

export interface StorageBatch {
  /** Unique per batch; with the table name it is the insert deduplication token. */
  id: string;
  /** TabSeparated rows in one buffer (storage/reading-rows.ts). */
  readings: ReadingRows;
  texts: ReadingTextRow[];
  sensors: SensorRegistryRow[];
  deadLetters: DeadLetterRow[];
  events: EventRow[];
  positions: UnitPositionRow[];
  /** Official warnings received over MQTT (CAP 1.2, docs/cap.md). */
  capWarnings: CapWarningRow[];
  /** Messages fully contained in this batch. */
  messages: number;
  /** Of which rejected (their dead letter is in this batch). */
  rejectedMessages: number;
  /** Receive time of the oldest message in the batch (epoch ms), 0 when empty. */
  oldestReceivedAt: number;
  rows: number;
  /** Accepted (not rejected) messages of the batch per source, for the per-source accounting. */
  acceptedBySource: Map<string, number>;
}

export const STORAGE_TABLES = ['readings', 'readings_text', 'sensors', 'dead_letters', 'events', 'unit_positions', 'cap_warnings'] as const;
export type StorageTable = (typeof STORAGE_TABLES)[number];

export function emptyBatch(id: string): StorageBatch {
  return {
    id,
    readings: new ReadingRows(),
    texts: [],
    sensors: [],
    deadLetters: [],
    events: [],
    positions: [],
    capWarnings: [],
    messages: 0,
    rejectedMessages: 0,
    oldestReceivedAt: 0,
    rows: 0,
    acceptedBySource: new Map(),
  };
}

/** The JSON rows of `batch` for each table but `readings`, in table order and column order, skipping empty tables. */
export function batchJsonTables(batch: StorageBatch): Array<[StorageTable, unknown[][]]> {
  const all: Array<[StorageTable, unknown[][]]> = [
    ['readings_text', batch.texts.map((r) => [r.entity, r.sensorId, r.metric, r.ts, r.value, r.receivedAt])],
    ['sensors', batch.sensors.map(sensorColumns)],
    ['dead_letters', batch.deadLetters.map(deadLetterColumns)],
    ['events', batch.events.map((r) => [r.source, r.id, r.ts, r.type, r.category, r.lng, r.lat, r.severity, r.text, r.receivedAt])],
    ['unit_positions', batch.positions.map((r) => [r.unitId, r.ts, r.lng, r.lat, r.speed, r.heading, r.status, r.receivedAt])],
    ['cap_warnings', batch.capWarnings.map(capWarningColumns)],
  ];
  return all.filter(([, rows]) => rows.length > 0);
}

/** The adapter interface to storage: writes a whole batch, idempotently per batch id. */
export interface StorageSink {
  write(batch: StorageBatch): Promise<void>;
}
