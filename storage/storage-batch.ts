/**
 * What one insert round writes: typed rows for each table, and how many MQTT messages they
 * account for. The sink turns each row into a positional array in its table's column order
 * (JSONCompactEachRow, the cheapest JSON form for the engine to parse) only when it writes;
 * readings, the hot path, are text lines from the start.
 */
import { capWarningColumns, type CapWarningRow } from './cap-store.ts';
import { deadLetterColumns, type DeadLetterRow } from './dead-letter-store.ts';
import { sensorColumns, type SensorRegistryRow } from './registry-store.ts';

export type EntityName = 'sensor' | 'service';

/**
 * A reading as one TabSeparated line (`entity\tsensor\tmetric\tts\tvalue\treceivedAt\n`),
 * built directly by the pipeline: readings are the hot path, and text rows streamed as-is
 * insert about twice as fast as JSON rows serialized by the client (docs/benchmarks.md).
 * Ids and metric names are validated to `[A-Za-z0-9._:-]`, so they need no escaping. Times are
 * epoch ms as digits (the engine reads them into its DateTime64(3) columns), values as
 * JavaScript prints them (`-0.25`, `1e+21`: the engine reads both).
 */
export type ReadingRow = string;

/**
 * Epoch ms as the engine reads them, whole ms: a fraction (`…000.5`) makes the engine refuse
 * the whole insert, so it is rounded here (the payload parser already rounds). A time that is
 * not a number is refused. A whole number goes into the row as it is: V8 prints it as fast as
 * any formatting of ours (a cache of the formatted second measured no faster for packs and
 * slower for single readings, docs/benchmarks.md).
 */
function wholeMs(ms: number): number {
  if (Number.isInteger(ms)) return ms;
  if (!Number.isFinite(ms)) throw new Error(`reading time ${ms} is not a finite epoch ms`);
  return Math.round(ms);
}

/** A value as the engine reads it; NaN and ±Infinity are refused (the payload parser refuses them first). */
function valueText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`reading value ${value} is not a finite number`);
  return `${value}`;
}

export function readingRow(
  entity: EntityName,
  sensorId: string,
  metric: string,
  ts: number,
  value: number,
  receivedAt: number,
): ReadingRow {
  return `${entity}\t${sensorId}\t${metric}\t${wholeMs(ts)}\t${valueText(value)}\t${wholeMs(receivedAt)}\n`;
}

/**
 * Appends the rows of one message's readings to `rows`, the same lines as {@link readingRow}:
 * the parts shared by the message's readings (entity and sensor, receive time) are formatted
 * once per message instead of once per reading (a packed message carries a hundred).
 */
export function pushReadingRows(
  rows: ReadingRow[],
  entity: EntityName,
  sensorId: string,
  readings: ReadonlyArray<{ metric: string; ts: number; value: number }>,
  receivedAt: number,
): void {
  if (readings.length === 1) {
    const r = readings[0]!;
    rows.push(readingRow(entity, sensorId, r.metric, r.ts, r.value, receivedAt));
    return;
  }
  const head = `${entity}\t${sensorId}\t`;
  const tail = `\t${wholeMs(receivedAt)}\n`;
  for (const r of readings) rows.push(`${head}${r.metric}\t${wholeMs(r.ts)}\t${valueText(r.value)}${tail}`);
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
  readings: ReadingRow[];
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
    readings: [],
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
