/**
 * Delivery guarantees of the ingest (docs/ingest.md, "Delivery"), part 1: kill -9 of a
 * `citytwin ingest` process (real Mosquitto started here, embedded ClickHouse in the worker's
 * data dir) while ~20,000 msg/s flow, and again while the restarted worker works through the
 * backlog the broker kept. After a restart with the same worker id (persistent MQTT
 * session) and data dir (spool, store), what is stored equals what was sent, with no
 * duplicate row: at-least-once from the broker, exactly-once in effect in storage.
 * The store is read in this test's process once the worker has exited (the embedded engine
 * binds one data directory per process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryRows } from '../storage/index.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { pacedFlow } from './support/paced-flow.ts';

/** One Prometheus sample, by name and labels as printed. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

interface Worker {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts `citytwin ingest` as ONE process (node with tsx as a loader, not the tsx CLI, which
 * runs the program in a child of its own: a SIGKILL would hit the wrapper and leave the worker
 * running). Resolves at its start-up line.
 */
async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/citytwin.ts', 'ingest'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await waitFor(
    'citytwin ingest to start',
    () => {
      if (child.exitCode !== null) throw new Error(`citytwin ingest exited with ${child.exitCode}:\n${out}`);
      return /health and metrics on (\S+)/.exec(out)?.[1] ?? null;
    },
    90_000,
    100,
  );
  return {
    child,
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return new Promise((r) => child.once('exit', (code) => r(code)));
    },
  };
}

describe('kill -9 of a citytwin ingest worker under load', () => {
  const dir = tempDir('delivery-kill');
  const PREFIX = 'dk-';
  const TOTAL = 100_000;
  let mosquitto: Mosquitto | undefined;
  let worker: Worker | undefined;

  afterAll(async () => {
    await worker?.stop();
    await mosquitto?.stop();
    dir.remove();
  });

  it('stores every message exactly once after two kill -9s (under load, then mid-catch-up) and restarts', async () => {
    mosquitto = await startMosquitto();
    const port = await freePort();
    const env = {
      CITYTWIN_MQTT_URL: mosquitto.url,
      CITYTWIN_WORKER_ID: 'delivery-ingest',
      CITYTWIN_HTTP_PORT: String(port),
      CITYTWIN_HTTP_HOST: '127.0.0.1',
      CITYTWIN_DATA_DIR: dir.path,
      CITYTWIN_LOG_LEVEL: 'info',
      CITYTWIN_BATCH_MAX_DELAY_MS: '100',
    };
    worker = await startWorker(env);
    const publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'delivery-publisher' });
    let killedAt = -1;
    const started = Date.now();
    await pacedFlow(publisher, PREFIX, TOTAL, 20_000, (sent) => {
      if (killedAt < 0 && sent >= TOTAL * 0.4) {
        killedAt = sent;
        worker!.child.kill('SIGKILL');
      }
    });
    const sendMs = Date.now() - started;
    await publisher.endAsync();
    expect(killedAt).toBeGreaterThan(0);
    await new Promise((r) =>
      worker!.child.exitCode !== null || worker!.child.signalCode !== null ? r(null) : worker!.child.once('exit', r),
    );

    // Restart: same worker id (persistent session) and data dir (spool and store) ...
    worker = await startWorker(env);
    // ... and kill it again while it works through the backlog the broker kept (mid-catch-up:
    // replayed batches, new batches, inserts and checkpoints are all in flight).
    await waitFor(
      'the restarted worker to receive part of the backlog',
      async () => {
        const t = await (await fetch(new URL('/metrics', worker!.url))).text();
        return (sample(t, 'citytwin_ingest_messages_total{outcome="received"}') ?? 0) > 15_000;
      },
      30_000,
      20,
    );
    worker.child.kill('SIGKILL');
    await new Promise((r) =>
      worker!.child.exitCode !== null || worker!.child.signalCode !== null ? r(null) : worker!.child.once('exit', r),
    );
    worker = await startWorker(env);
    const restartedMs = Date.now() - started;
    const out = worker.output();
    // Everything the broker queued arrives and is stored: the worker goes quiet with nothing pending.
    let last = -1;
    let quietSince = Date.now();
    await waitFor(
      'the restarted worker to store what the broker kept',
      async () => {
        const t = await (await fetch(new URL('/metrics', worker!.url))).text();
        const received = sample(t, 'citytwin_ingest_messages_total{outcome="received"}') ?? 0;
        const pending = sample(t, 'citytwin_ingest_pending_messages') ?? 1;
        if (received !== last) {
          last = received;
          quietSince = Date.now();
        }
        return received > 0 && pending === 0 && Date.now() - quietSince > 2000;
      },
      90_000,
      250,
    );
    const metricsText = await (await fetch(new URL('/metrics', worker.url))).text();
    expect(await worker.stop()).toBe(0);
    // The worker has exited: its store can be opened here.
    const store = createClickHouse({ url: null, dataDir: dir.path });
    const [row] = await queryRows<{ raw: string; keys: string; letters: string }>(
      store,
      'SELECT count() AS raw, uniqExact(sensor_id, ts) AS keys, (SELECT count() FROM dead_letters) AS letters FROM readings WHERE sensor_id LIKE {p:String}',
      { p: `${PREFIX}%` },
    );
    await store.close();
    const c = { keys: Number(row?.keys), rawRows: Number(row?.raw), deadLetters: Number(row?.letters) };
    console.log(
      `[delivery] sent in ${sendMs} ms, restarted at ${restartedMs} ms, done at ${Date.now() - started} ms; kill -9 after ${killedAt} of ${TOTAL} sent (${Math.round(TOTAL / (sendMs / 1000))} msg/s offered); after restart: replayed ${sample(metricsText, 'citytwin_ingest_spool_replayed_messages_total')}, redeliveries dropped ${sample(metricsText, 'citytwin_ingest_redeliveries_dropped_total')}, received ${last}; stored ${c.keys} keys, ${c.rawRows} rows`,
    );
    expect(out).toMatch(/subscribed to/);
    expect(c.keys).toBe(TOTAL);
    expect(c.rawRows).toBe(TOTAL);
    expect(c.deadLetters).toBe(0);
  }, 240_000);
});
