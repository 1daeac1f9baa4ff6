/**
 * Readings written as TabSeparated bytes (storage/reading-rows.ts) through the ingest's sink into
 * the embedded ClickHouse engine come back as the same names, times and values: names with
 * tabs, newlines, carriage returns, backslashes and non-ASCII characters, values of every shape
 * (negative zero, the largest and smallest doubles, whole numbers up to 2^53, many decimals),
 * times with a fraction of a millisecond.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseSink, createClickHouse, queryRows, runMigrations } from '../storage/index.ts';
import { emptyBatch, pushReadingRows } from '../storage/storage-batch.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('reading-rows');
const client = createClickHouse({ url: null, dataDir: dir.path });
const sink = new ClickHouseSink(client);
const AT = 1_767_225_600_000;

beforeAll(async () => {
  await runMigrations(client);
});

afterAll(async () => {
  await client.close();
  dir.remove();
});

interface Stored {
  sensor_id: string;
  metric: string;
  ms: string | number;
  value: number;
  received: string | number;
}

async function stored(sensorIds: string[]): Promise<Stored[]> {
  return queryRows<Stored>(
    client,
    `SELECT sensor_id, metric, toUnixTimestamp64Milli(ts) AS ms, value, toUnixTimestamp64Milli(received_at) AS received
     FROM readings WHERE sensor_id IN {ids:Array(String)} ORDER BY sensor_id, metric, ts`,
    { ids: sensorIds },
  );
}

describe('reading rows through the engine', () => {
  it('stores names with tabs, newlines, backslashes and non-ASCII characters as given', async () => {
    const names = ['tab\there', 'new\nline', 'carriage\rreturn', 'back\\slash', 'back\\tslash-t', '水位_cm', 'émoji 😀', 'wl-1.x:sum'];
    const batch = emptyBatch('reading-rows-names');
    for (const [i, name] of names.entries())
      pushReadingRows(batch.readings, 'sensor', `rr-${name}`, [{ metric: name, ts: AT + i, value: i }], AT + 9);
    await sink.write(batch);
    const rows = await stored(names.map((n) => `rr-${n}`));
    expect(rows.map((r) => [r.sensor_id, r.metric, Number(r.ms), r.value, Number(r.received)]).sort()).toEqual(
      names.map((name, i) => [`rr-${name}`, name, AT + i, i, AT + 9]).sort(),
    );
  });

  it('stores values and times of every shape as the numbers given', async () => {
    const values = [
      0,
      -0,
      -0.25,
      0.1 + 0.2,
      1e-7,
      0.000_001,
      123456.789,
      2 ** 53,
      -(2 ** 53) + 1,
      1e21,
      -1e21,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      999_999_999.999_999,
      Math.PI,
    ];
    const times = values.map((_, i) => AT + 10_000 * i + (i % 3 === 0 ? 0.4 : i % 3 === 1 ? 999.5 : 0));
    const batch = emptyBatch('reading-rows-values');
    pushReadingRows(
      batch.readings,
      'sensor',
      'rr-values',
      values.map((value, i) => ({ metric: 'm', ts: times[i]!, value })),
      AT + 0.5,
    );
    await sink.write(batch);
    const rows = await stored(['rr-values']);
    const expected = values.map((value, i) => [Math.round(times[i]!), value === 0 ? 0 : value]).sort((a, b) => a[0]! - b[0]!);
    expect(rows.map((r) => [Number(r.ms), r.value])).toEqual(expected);
    expect(new Set(rows.map((r) => Number(r.received)))).toEqual(new Set([AT + 1]));
  });
});
