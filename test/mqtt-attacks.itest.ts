/**
 * The embedded broker attacked by devices on loopback (docs/security.md, "Devices"): a publisher
 * of QoS 1 messages that never reads its PUBACKs (a client written by hand on a TCP socket, so
 * that it can stop reading), two clients taking one client id from each other in a loop, and
 * 10 MB payloads with the payload limit at its largest (16 MiB) so that they reach the ingest.
 * `citytwin all` in this process: the embedded broker, the in-process ingest and the embedded
 * ClickHouse. Every message the ingest received is stored or dead-lettered with its reason; every
 * acknowledged message was received. Each attack is bounded in count and time.
 */
import { once } from 'node:events';
import net from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { mqttField, mqttPacket } from './support/mqtt-bytes.ts';
import { startTestCity } from './support/test-city.ts';

const MB = 1024 * 1024;
const dir = tempDir('mqtt-attacks');
let app: RunningCityTwin;
let port: number;

const field = mqttField;
const packet = mqttPacket;

const connectPacket = (clientId: string) =>
  packet(0x10, Buffer.concat([field(Buffer.from('MQTT')), Buffer.from([4, 0x02, 0, 60]), field(Buffer.from(clientId))]));

const publishQos1 = (topic: string, id: number, payload: string) =>
  packet(0x32, Buffer.concat([field(Buffer.from(topic)), Buffer.from([id >> 8, id & 0xff]), Buffer.from(payload)]));

const metrics = () => app.ingest!.pipeline.metrics;
const count = async (sql: string) => Number((await queryRows<{ n: string }>(app.clickhouse, sql))[0]?.n);

/** Everything the ingest received is written: stored or dead-lettered. */
async function settled(): Promise<void> {
  await waitFor(
    'every message received stored or dead-lettered',
    () => metrics().received === metrics().stored + metrics().rejected && app.ingest!.writer.pendingMessages === 0,
    60_000,
  );
  await app.ingest!.writer.flush();
}

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_MAX_PAYLOAD_BYTES: String(16 * MB), CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  port = Number(new URL(app.mqttUrl).port);
}, 180_000);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('a QoS 1 publisher that never reads its PUBACKs', () => {
  it('has every acknowledged message stored; an honest publisher is not held up; memory bounded', async () => {
    const tcp = net.connect(port, '127.0.0.1');
    await once(tcp, 'connect');
    tcp.write(connectPacket('deaf-publisher'));
    const [connack] = (await once(tcp, 'data')) as [Buffer];
    expect([...connack.subarray(0, 4)]).toEqual([0x20, 2, 0, 0]);
    tcp.pause();
    let closed = false;
    tcp.on('close', () => (closed = true));
    tcp.on('error', () => (closed = true));
    const received0 = metrics().received;
    const rss0 = process.memoryUsage().rss;
    const N = 30_000;
    const now = Date.now();
    let sent = 0;
    // Packet ids run 1..30,000: the attacker never waits for an acknowledgement to free one.
    for (; sent < N && !closed; sent++) {
      const body = JSON.stringify({ ts: now - (N - sent), values: { water_level_cm: sent % 500 } });
      if (!tcp.write(publishQos1(`citytwin/v1/sensors/deaf-wl-${sent % 50}/data`, sent + 1, body)))
        await Promise.race([once(tcp, 'drain'), once(tcp, 'close')]);
    }
    // An honest publisher meanwhile: its QoS 1 publish is acknowledged.
    const honest = await mqtt.connectAsync(app.mqttUrl, { clientId: 'honest-publisher', reconnectPeriod: 0 });
    await honest.publishAsync('citytwin/v1/sensors/honest-wl-1/data', JSON.stringify({ ts: now, values: { water_level_cm: 7 } }), {
      qos: 1,
    });
    await honest.endAsync();
    await waitFor('the deaf publisher taken in or cut', () => closed || metrics().received - received0 >= sent + 1, 120_000);
    const rssPeak = process.memoryUsage().rss;
    // Now read what the broker acknowledged (what it still holds for this client).
    let acks = 0;
    let tail = Buffer.alloc(0);
    tcp.on('data', (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]);
      while (tail.length >= 4 && tail[0] === 0x40 && tail[1] === 2) {
        acks++;
        tail = tail.subarray(4);
      }
    });
    tcp.resume();
    await waitFor('the acknowledgements read', () => closed || acks === sent, 30_000);
    const received = metrics().received - received0;
    console.log(
      `deaf QoS 1 publisher: ${sent} sent, ${received} received (with the honest one), ${acks} PUBACKs read, cut: ${closed}, ` +
        `RSS ${(rss0 / MB).toFixed(0)} → ${(rssPeak / MB).toFixed(0)} MB`,
    );
    expect(acks).toBeLessThanOrEqual(received);
    await settled();
    const stored = await count("SELECT count() AS n FROM readings WHERE sensor_id LIKE 'deaf-wl-%'");
    const rejected = await count("SELECT count() AS n FROM dead_letters WHERE topic LIKE 'citytwin/v1/sensors/deaf-wl-%'");
    expect(stored + rejected).toBe(received - 1);
    expect(stored).toBeGreaterThanOrEqual(acks);
    expect(await count("SELECT count() AS n FROM readings WHERE sensor_id = 'honest-wl-1'")).toBe(1);
    expect(rssPeak - rss0).toBeLessThan(400 * MB);
    tcp.destroy();
  }, 240_000);
});

describe('two clients taking one client id from each other', () => {
  it('leaves one session, no pile of state, and an honest client served (300 takeovers)', async () => {
    const received0 = metrics().received;
    const rss0 = process.memoryUsage().rss;
    let kicked = 0;
    // One time per reading: two readings of one sensor metric at the same ms are one reading (the
    // table's key), and 300 rounds can run within fewer milliseconds than that on a fast machine.
    const t0 = Date.now();
    for (let k = 0; k < 300; k++) {
      const c = await mqtt.connectAsync(app.mqttUrl, { clientId: 'stolen-id', clean: false, reconnectPeriod: 0 });
      c.on('close', () => kicked++);
      await c.subscribeAsync(`citytwin/v1/sensors/thief-${k % 2}/data`, { qos: 1 });
      await c.publishAsync(`citytwin/v1/sensors/thief-wl/data`, JSON.stringify({ ts: t0 + k, values: { water_level_cm: k } }), {
        qos: 1,
      });
      // The next round's connect takes the id from this one.
      if (k === 299) await c.endAsync();
    }
    await waitFor('every taken-over client closed', () => kicked >= 300, 30_000);
    expect(app.broker!.connectedClients()).toBeLessThan(10);
    const honest = await mqtt.connectAsync(app.mqttUrl, { clientId: 'honest-after-theft', reconnectPeriod: 0 });
    await honest.publishAsync('citytwin/v1/sensors/honest-wl-2/data', JSON.stringify({ ts: Date.now(), values: { water_level_cm: 3 } }), {
      qos: 1,
    });
    await honest.endAsync();
    await settled();
    console.log(`300 takeovers of one client id: RSS ${(rss0 / MB).toFixed(0)} → ${(process.memoryUsage().rss / MB).toFixed(0)} MB`);
    expect(metrics().received - received0).toBe(301);
    expect(await count("SELECT count() AS n FROM readings WHERE sensor_id = 'thief-wl'")).toBe(300);
  }, 120_000);
});

describe('10 MB payloads within a 16 MiB limit', () => {
  it('dead-letters each with the reason it fails; the dead letter keeps its size and 4 KiB of it', async () => {
    const rejected0 = metrics().rejected;
    const client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'big-payloads', reconnectPeriod: 0 });
    const ten = 10 * MB;
    const now = Date.now();
    const pad = (head: string, tail: string) => head + 'x'.repeat(ten - head.length - tail.length) + tail;
    // Not JSON; JSON whose values are one huge string; JSON with 500,000 metrics.
    const metricsObject = `{"ts":${now},"values":{${Array.from({ length: 500_000 }, (_, k) => `"m${k}":${k}`).join(',')}}}`;
    const sent: [string, string][] = [
      ['big-1', 'x'.repeat(ten)],
      ['big-2', pad(`{"ts":${now},"values":{"water_level_cm":"`, '"}}')],
      ['big-3', metricsObject],
    ];
    for (const [id, body] of sent) await client.publishAsync(`citytwin/v1/sensors/${id}/data`, body, { qos: 1 });
    await client.endAsync();
    await settled();
    const letters = await queryRows<{ topic: string; reason: string; detail: string; payload_bytes: number; plen: number }>(
      app.clickhouse,
      "SELECT topic, reason, detail, payload_bytes, length(payload) AS plen FROM dead_letters WHERE topic LIKE 'citytwin/v1/sensors/big-%' ORDER BY topic",
    );
    const stored = await count("SELECT count() AS n FROM readings WHERE sensor_id LIKE 'big-%'");
    console.log(
      `10 MB payloads: ${JSON.stringify(letters.map((l) => [l.topic, l.reason, l.detail.slice(0, 120)]))}; readings stored: ${stored}`,
    );
    // None is a reading: each is dead-lettered with the reason it fails, its size and 4 KiB of it.
    expect(stored).toBe(0);
    expect(metrics().rejected - rejected0).toBe(3);
    expect(letters.map((l) => [l.topic.split('/')[3], l.reason, l.payload_bytes, l.plen])).toEqual([
      ['big-1', 'invalid_json', ten, 4096],
      ['big-2', 'bad_schema', ten, 4096],
      ['big-3', 'unknown_metric', metricsObject.length, 4096],
    ]);
    expect(letters[0]!.detail).toMatch(/^payload is not JSON/);
    expect(letters[1]!.detail).toMatch(/^values\.water_level_cm is "x+…"; expected a finite number$/);
    expect(letters[2]!.detail).toMatch(/^unknown metric "m0"/);
  }, 180_000);
});
