/**
 * Run 2's references: the readings the ingest stored, inserted raw into the same engine in the
 * same run, so the end-to-end rate can be read as a share of what the engine takes. Two
 * variants, both into the same `readings` table with every view attached (the rollups of
 * storage/rollups-ddl.ts and readings_1m):
 *
 * - **as the ingest inserts**: the very rows the ingest built, in the batches it sealed (same
 *   sizes, same order), each with the product's insert settings (deduplication token, the
 *   views' deduplication, one block per insert: storage/readings-sink.ts) — the honest
 *   ceiling for the product's own inserts;
 * - **100k batches**: rows of the same shape built here in batches of 100,000 with no settings
 *   beyond the client's fresh token, as run 2 measured before (kept to compare with the
 *   figures of earlier rounds).
 *
 * Both prebuild their text (the insert body, one string as the sink hands the client: see
 * storage/readings-sink.ts) outside the timing: the reference is the engine's work alone. They
 * run alternately, `rounds` times each on an emptied `readings`, and the median is the figure:
 * one insert of a few seconds on a shared machine varies by a factor of two.
 */
import {
  insertSettings,
  ReadingRows,
  textBody,
  truncateReadings,
  type StorageBatch,
  type StorageClient,
  type StorageSink,
} from '../../storage/index.ts';
import { loadSensorId } from '../load-generator.ts';

/** Wraps the product's sink and keeps the readings of each batch it writes, in order. */
export class BatchRecorder {
  readonly batches: ReadingRows[] = [];
  readonly sink: StorageSink;
  constructor(inner: StorageSink) {
    this.sink = {
      write: async (batch: StorageBatch) => {
        await inner.write(batch);
        // Kept only once stored: a retried batch is counted once.
        if (batch.readings.length > 0) this.batches.push(batch.readings);
      },
    };
  }
  get rows(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
}

export interface RawRate {
  rowsPerS: number;
  batches: number;
  /** CPU µs of the process (all threads: mostly the engine's) per row inserted. */
  cpuUsPerRow: number;
}

function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** The recorded batches again, as the sink inserts them (fresh batch ids: the tokens must not repeat the ingest's). */
export async function insertAsIngest(client: StorageClient, batches: readonly ReadingRows[]): Promise<RawRate> {
  const texts = batches.map((rows) => ({ text: rows.text(), rows: rows.length }));
  let n = 0;
  const c0 = cpuUs();
  const t0 = performance.now();
  for (const [i, { text, rows }] of texts.entries()) {
    await client.insert({
      table: 'readings',
      values: textBody(text),
      format: 'TabSeparated',
      clickhouse_settings: insertSettings({ id: `bench-raw-${Date.now()}-${i}` }, 'readings', rows, false),
    });
    n += rows;
  }
  return { rowsPerS: n / ((performance.now() - t0) / 1000), batches: texts.length, cpuUsPerRow: (cpuUs() - c0) / n };
}

/** `readings` rows over 2,000 load sensors in 100k batches, no product settings (run 2's earlier reference). */
export async function insertIn100kBatches(client: StorageClient, readings: number): Promise<RawRate> {
  const now = Date.now();
  const chunks: string[] = [];
  for (let i = 0; i < readings; i += 100_000) {
    const rows = new ReadingRows();
    for (let j = i; j < Math.min(readings, i + 100_000); j++)
      rows.pushMessage(
        'sensor',
        loadSensorId(j % 2000),
        [{ metric: 'water_level_cm', ts: now - Math.floor(j / 2000), value: (j % 1000) / 10 }],
        now,
      );
    chunks.push(rows.text());
  }
  const c0 = cpuUs();
  const t0 = performance.now();
  for (const chunk of chunks) await client.insert({ table: 'readings', values: textBody(chunk), format: 'TabSeparated' });
  return { rowsPerS: readings / ((performance.now() - t0) / 1000), batches: chunks.length, cpuUsPerRow: (cpuUs() - c0) / readings };
}

/** Both references, alternately, `rounds` times each; the median rate of each. */
export async function rawReferences(
  client: StorageClient,
  batches: readonly ReadingRows[],
  readings: number,
  rounds = 3,
): Promise<{ asIngest: RawRate; in100k: RawRate }> {
  const a: RawRate[] = [];
  const b: RawRate[] = [];
  for (let i = 0; i < rounds; i++) {
    await truncateReadings(client);
    a.push(await insertAsIngest(client, batches));
    await truncateReadings(client);
    b.push(await insertIn100kBatches(client, readings));
  }
  const median = (rates: RawRate[]) => [...rates].sort((x, y) => x.rowsPerS - y.rowsPerS)[Math.floor(rates.length / 2)]!;
  return { asIngest: median(a), in100k: median(b) };
}
