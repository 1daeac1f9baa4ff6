/**
 * What one insert round writes: rows for each table, and how many MQTT messages they
 * account for. Rows are positional arrays in the column order of `STORAGE_COLUMNS`
 * (JSONCompactEachRow), the cheapest JSON form for the engine to parse.
 */

export type EntityName = 'sensor' | 'service';

/**
 * A reading as one TabSeparated line (`entity\tsensor\tmetric\tts\tvalue\treceivedAt\n`),
 * built directly by the pipeline: readings are the hot path, and text rows streamed as-is
 * insert about twice as fast as JSON rows serialized by the client (docs/benchmarks.md).
 * Ids and metric names are validated to `[A-Za-z0-9._:-]`, so they need no escaping.
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
  return `${entity}\t${sensorId}\t${metric}\t${ts}\t${value}\t${receivedAt}\n`;
}
export type TextRow = [entity: EntityName, sensorId: string, metric: string, ts: number, value: string, receivedAt: number];
export type SensorRow = [
  sensorId: string,
  kind: string,
  lng: number,
  lat: number,
  name: string,
  unit: string,
  district: string,
  source: string,
  classification: string,
  deleted: 0 | 1,
  updatedAt: number,
];
export type DeadLetterRow = [
  receivedAt: number,
  topic: string,
  reason: string,
  detail: string,
  source: string,
  payload: string,
  payloadEncoding: 'utf8' | 'base64',
  payloadBytes: number,
];
export type EventRow = [
  source: string,
  id: string,
  ts: number,
  type: string,
  category: string,
  lng: number,
  lat: number,
  severity: number | null,
  text: string,
  receivedAt: number,
];
export type PositionRow = [
  unitId: string,
  ts: number,
  lng: number,
  lat: number,
  speed: number | null,
  heading: number | null,
  status: string,
  receivedAt: number,
];

export interface StorageBatch {
  /** Unique per batch; with the table name it is the insert deduplication token. */
  id: string;
  readings: ReadingRow[];
  texts: TextRow[];
  sensors: SensorRow[];
  deadLetters: DeadLetterRow[];
  events: EventRow[];
  positions: PositionRow[];
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

export const STORAGE_TABLES = ['readings', 'readings_text', 'sensors', 'dead_letters', 'events', 'unit_positions'] as const;
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
    messages: 0,
    rejectedMessages: 0,
    oldestReceivedAt: 0,
    rows: 0,
    acceptedBySource: new Map(),
  };
}

/** The JSON rows of `batch` for each table but `readings`, in table order, skipping empty ones. */
export function batchJsonTables(batch: StorageBatch): Array<[StorageTable, unknown[][]]> {
  const all: Array<[StorageTable, unknown[][]]> = [
    ['readings_text', batch.texts],
    ['sensors', batch.sensors],
    ['dead_letters', batch.deadLetters],
    ['events', batch.events],
    ['unit_positions', batch.positions],
  ];
  return all.filter(([, rows]) => rows.length > 0);
}

/** The adapter interface to storage: writes a whole batch, idempotently per batch id. */
export interface StorageSink {
  write(batch: StorageBatch): Promise<void>;
}
