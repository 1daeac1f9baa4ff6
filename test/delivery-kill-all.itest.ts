/**
 * Delivery guarantees of the all-in-one process (docs/ingest.md, "Delivery"): `citytwin all`
 * with its embedded broker is killed with SIGKILL three times while a QoS 1 publisher sends
 * 1,000 msg/s, and restarted on the same ports and data directory each time. A message the
 * broker acknowledged (PUBACK) must be stored: the embedded broker acknowledges only after the
 * ingest appended the message to its write-ahead spool, and acknowledges nothing while the
 * ingest is not attached yet (start-up). Messages never acknowledged may be lost with the
 * process (the publisher knows it has no PUBACK); they are counted apart.
 * The store is read in this test's process once `citytwin all` has exited (the embedded
 * engine binds one data directory per process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryRows } from '../storage/index.ts';
import { topics } from '../twin-model/index.ts';
import { TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';

interface App {
  child: ChildProcess;
  output(): string;
}

/**
 * Starts `citytwin all` as ONE process (node with tsx as a loader, not the tsx CLI, which runs
 * the program in a child of its own: a SIGKILL would hit the wrapper). Resolves at its console line.
 */
async function startAll(env: Record<string, string>): Promise<App> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/citytwin.ts', 'all'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    'citytwin all to start',
    () => {
      if (child.exitCode !== null) throw new Error(`citytwin all exited with ${child.exitCode}:\n${out}`);
      return /CityTwin console: (\S+)/.test(out);
    },
    120_000,
    100,
  );
  return { child, output: () => out };
}

const exited = (child: ChildProcess) =>
  new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

describe('kill -9 of citytwin all (embedded broker) under 1,000 msg/s QoS 1', () => {
  const dir = tempDir('delivery-kill-all');
  let app: App | undefined;
  afterAll(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGTERM');
      await exited(app.child);
    }
    dir.remove();
  });

  it('stores every acknowledged message, in three kill -9 runs', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const env = {
      CITYTWIN_MQTT_PORT: String(mqttPort),
      CITYTWIN_HTTP_PORT: String(httpPort),
      CITYTWIN_HTTP_HOST: '127.0.0.1',
      CITYTWIN_DATA_DIR: dir.path,
      CITYTWIN_SIMULATE: '0',
      CITYTWIN_SENSORS: '100',
      CITYTWIN_LOG_LEVEL: 'warn',
      CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      CITYTWIN_BATCH_MAX_DELAY_MS: '100',
    };
    app = await startAll(env);
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'kill-all-publisher',
      reconnectPeriod: 200,
      connectTimeout: 5000,
    });
    const RATE = 1000;
    const base = Date.now() - 3_600_000;
    const runs: Array<{ prefix: string; sent: number; acked: Set<string>; failed: number; killedAfter: number }> = [];

    for (let r = 1; r <= 3; r++) {
      const run = { prefix: `ka${r}-`, sent: 0, acked: new Set<string>(), failed: 0, killedAfter: 0 };
      runs.push(run);
      const pending: Array<Promise<void>> = [];
      // Kill somewhere different in each run's stream, restart at once, keep publishing.
      const killAt = 2000 + r * 737;
      const total = killAt + 3000;
      const started = Date.now();
      let restarting: Promise<void> | null = null;
      for (let i = 0; i < total; ) {
        for (let k = 0; k < RATE / 20 && i < total; k++, i++) {
          const sensor = `${run.prefix}${i % 100}`;
          const key = `${sensor}|${base + i}`;
          pending.push(
            publisher
              .publishAsync(topics.sensorData(sensor), JSON.stringify({ ts: base + i, values: { water_level_cm: i % 90 } }), { qos: 1 })
              .then(
                () => void run.acked.add(key),
                () => void run.failed++,
              ),
          );
          run.sent++;
        }
        if (i >= killAt && !restarting) {
          run.killedAfter = i;
          app.child.kill('SIGKILL');
          const killed = app.child;
          restarting = exited(killed).then(async () => {
            app = await startAll(env);
          });
        }
        await new Promise((res) => setTimeout(res, Math.max(0, started + (i / RATE) * 1000 - Date.now())));
      }
      await restarting;
      // Everything the publisher still holds goes out once it is reconnected; wait for the answers.
      await Promise.race([Promise.allSettled(pending), new Promise((res) => setTimeout(res, 60_000))]);
    }
    await publisher.endAsync(true);
    app.child.kill('SIGTERM');
    expect(await new Promise((r) => app!.child.once('exit', (code) => r(code)))).toBe(0);

    const store = createClickHouse({ url: null, dataDir: dir.path });
    try {
      for (const run of runs) {
        const rows = await queryRows<{ sensor_id: string; t: string }>(
          store,
          'SELECT DISTINCT sensor_id, toUnixTimestamp64Milli(ts) AS t FROM readings WHERE sensor_id LIKE {p:String}',
          { p: `${run.prefix}%` },
        );
        const stored = new Set(rows.map((x) => `${x.sensor_id}|${x.t}`));
        const lost = [...run.acked].filter((k) => !stored.has(k)).length;
        console.log(
          `[kill -9 all] run ${run.prefix.slice(0, -1)}: killed after ${run.killedAfter} sent; sent ${run.sent}, acknowledged ${run.acked.size}, stored ${stored.size}, acknowledged but not stored ${lost}, publish errors ${run.failed}`,
        );
        expect(lost).toBe(0);
        expect(run.acked.size).toBeGreaterThan(run.sent * 0.9);
      }
    } finally {
      await store.close();
    }
  }, 600_000);
});
