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
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** Message numbers as sorted ranges ("0-99, 150, 200-210"), at most 20 of them. */
function ranges(numbers: number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.length > 20 ? `${out.slice(0, 20).join(', ')}, … (${out.length} ranges)` : out.join(', ') || 'none';
}

/**
 * Where each data message of the spool in `dir` lies, by `<sensor>|<ts>`: 'before' the
 * checkpoint (counted as stored) or 'after' it (not stored yet). Read raw, after the process
 * has exited (record layout in ingest/spool/spool.ts).
 */
function spooledKeys(dir: string): Map<string, 'before' | 'after'> {
  const out = new Map<string, 'before' | 'after'>();
  const cpFile = join(dir, 'checkpoint');
  const [cpSeg, cpOff] = existsSync(cpFile) ? readFileSync(cpFile, 'utf8').trim().split(' ').map(Number) : [0, 0];
  for (const name of readdirSync(dir).sort()) {
    const seg = /^seg-(\d+)\.log$/.exec(name);
    if (!seg) continue;
    const buf = readFileSync(join(dir, name));
    for (let off = 0; off + 20 <= buf.length; ) {
      const topicLen = buf.readUInt32LE(off + 4);
      const len = 20 + topicLen + buf.readUInt32LE(off + 8);
      if (buf[off] === 1 && off + len <= buf.length) {
        const sensor = buf.toString('utf8', off + 20, off + 20 + topicLen).split('/')[3];
        const { ts } = JSON.parse(buf.toString('utf8', off + 20 + topicLen, off + len)) as { ts: number };
        const after = Number(seg[1]) > cpSeg! || (Number(seg[1]) === cpSeg && off >= cpOff!);
        out.set(`${sensor}|${ts}`, after ? 'after' : 'before');
      }
      off += len;
    }
  }
  return out;
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
      // The store is read right after the final stop, with no next start to replay the spool:
      // that stop may wait for a starved machine's storage as long as it needs (docs/ingest.md).
      CITYTWIN_STOP_STORAGE_WAIT_MS: '600000',
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
    const stopping = Date.now();
    app.child.kill('SIGTERM');
    expect(await new Promise((r) => app!.child.once('exit', (code) => r(code)))).toBe(0);
    console.log(`[kill -9 all] the last start stopped in ${Date.now() - stopping} ms; its log:\n${app.output().slice(-3000)}`);

    const spooled = spooledKeys(join(dir.path, 'spool'));
    const store = createClickHouse({ url: null, dataDir: dir.path });
    const results: Array<{ run: (typeof runs)[number]; lost: number; summary: string }> = [];
    try {
      for (const run of runs) {
        const rows = await queryRows<{ sensor_id: string; t: string }>(
          store,
          'SELECT DISTINCT sensor_id, toUnixTimestamp64Milli(ts) AS t FROM readings WHERE sensor_id LIKE {p:String}',
          { p: `${run.prefix}%` },
        );
        const stored = new Set(rows.map((x) => `${x.sensor_id}|${x.t}`));
        const lostKeys = [...run.acked].filter((k) => !stored.has(k));
        const lost = lostKeys.length;
        const where = (w: 'before' | 'after' | undefined) => lostKeys.filter((k) => spooled.get(k) === w).length;
        const summary = `run ${run.prefix.slice(0, -1)}: killed after ${run.killedAfter} sent; sent ${run.sent}, acknowledged ${run.acked.size}, stored ${stored.size}, acknowledged but not stored ${lost} (message numbers ${ranges(lostKeys.map((k) => Number(k.split('|')[1]) - base))}; in the spool before its checkpoint ${where('before')}, after it ${where('after')}, not in the spool ${where(undefined)}), publish errors ${run.failed}`;
        console.log(`[kill -9 all] ${summary}`);
        results.push({ run, lost, summary });
      }
    } finally {
      await store.close();
    }
    for (const { run, lost, summary } of results) {
      expect(lost, summary).toBe(0);
      expect(run.acked.size, summary).toBeGreaterThan(run.sent * 0.9);
    }
  }, 600_000);
});
