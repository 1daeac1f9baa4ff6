/**
 * A stop waits for storage at most `CITYTWIN_STOP_STORAGE_WAIT_MS` (docs/ingest.md, "Stopping"),
 * and loses nothing by it. `citytwin all` runs in this process on its embedded broker and the
 * real write-ahead spool; storage that DOES NOT ANSWER is injected at the storage adapter (the
 * runtime's `wrapSink` hook: every insert waits for ever, as behind a hung connection), around
 * the real ClickHouseSink. A QoS 1 publisher's messages are acknowledged (so spooled), the stop
 * gives up on storage at the bound and says how many acknowledged messages stay in the spool;
 * the next start, on the same data directory with working storage, replays them: every
 * acknowledged message is stored, once.
 */
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { type RunningCityTwin, startCityTwin } from '../bin/runtime.ts';
import { queryRows, type StorageSink } from '../storage/index.ts';
import { topics } from '../twin-model/index.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { TEST_CITY_ENV } from './support/test-city.ts';

const dir = tempDir('stop-bound');
const PREFIX = 'sb-';
const MESSAGES = 500;
const WAIT_MS = 2_000;
let app: RunningCityTwin | undefined;

afterAll(async () => {
  await app?.close();
  dir.remove();
});

/** `citytwin all` on the test's data directory, logging into `logged`, storage wrapped by `wrapSink`. */
function start(logged: string[], wrapSink?: (sink: StorageSink) => StorageSink): Promise<RunningCityTwin> {
  const config = loadConfig({
    ...TEST_CITY_ENV,
    CITYTWIN_DATA_DIR: dir.path,
    CITYTWIN_SENSORS: '50',
    CITYTWIN_BATCH_MAX_DELAY_MS: '50',
    CITYTWIN_STOP_STORAGE_WAIT_MS: String(WAIT_MS),
  });
  return startCityTwin(config, 'all', (level, message) => void logged.push(`${level} ${message}`), wrapSink ? { wrapSink } : {});
}

describe('a stop bounded by CITYTWIN_STOP_STORAGE_WAIT_MS', () => {
  it('gives up on storage that does not answer, keeps the acknowledged messages in the spool, and the next start stores them all', async () => {
    const firstLog: string[] = [];
    let inserts = 0;
    const silent = (): StorageSink => ({
      write: () => {
        inserts++;
        return new Promise<void>(() => undefined);
      },
    });
    app = await start(firstLog, silent);
    const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'stop-bound-publisher' });
    const base = Date.now() - 60_000;
    // QoS 1: each publish resolves at its PUBACK, which the embedded broker sends once the message is spooled.
    await Promise.all(
      Array.from({ length: MESSAGES }, (_, i) =>
        publisher.publishAsync(
          topics.sensorData(`${PREFIX}${i % 20}`),
          JSON.stringify({ ts: base + i, values: { water_level_cm: i % 90 } }),
          { qos: 1 },
        ),
      ),
    );
    await publisher.endAsync();
    // A batch is on its way to the storage that does not answer.
    await waitFor('an insert sent to storage', () => inserts > 0);
    expect(app.ingest!.writer.pendingMessages).toBeGreaterThanOrEqual(MESSAGES);

    const stopping = Date.now();
    await app.close();
    app = undefined;
    console.log(`[stop-bound] the stop with storage not answering took ${Date.now() - stopping} ms (bound ${WAIT_MS} ms)`);
    const warning = firstLog.find((l) => l.includes('acknowledged messages not stored'));
    expect(warning, firstLog.join('\n')).toMatch(
      new RegExp(
        `^warn storage did not take them within CITYTWIN_STOP_STORAGE_WAIT_MS=${WAIT_MS} ms: (\\d+) acknowledged messages not stored, kept in the spool for the next start, which replays them$`,
      ),
    );
    expect(Number(/: (\d+) acknowledged/.exec(warning!)![1])).toBeGreaterThanOrEqual(MESSAGES);

    // The next start, storage working: the spool is replayed and every message is stored once.
    const secondLog: string[] = [];
    app = await start(secondLog);
    const counted = async () =>
      (
        await queryRows<{ n: string; distinct: string }>(
          app!.clickhouse,
          'SELECT count() AS n, uniqExact(sensor_id, ts) AS distinct FROM readings WHERE sensor_id LIKE {p:String}',
          { p: `${PREFIX}%` },
        )
      )[0]!;
    await waitFor(
      'every acknowledged message stored after the replay',
      async () => Number((await counted()).distinct) === MESSAGES,
      60_000,
    );
    const { n, distinct } = await counted();
    expect(Number(distinct)).toBe(MESSAGES);
    expect(Number(n)).toBe(MESSAGES);
    expect(secondLog.some((l) => /spool: replayed \d+ messages/.test(l))).toBe(true);
  });
});
