/**
 * The all-in-one product (embedded aedes, in-process ingest, embedded ClickHouse) under what a
 * loopback client can do to the ingest through the broker: a subscriber that never reads its
 * socket, an ingest that stops taking messages while publishers publish (injected at the
 * intake adapter, the runtime's `wrapIntake` seam), packets far over the size limit, and the
 * per-source accounting after a mixed good/bad publish.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { BrokerIntake } from '../ingest/index.ts';
import { topics } from '../twin-model/index.ts';
import type { SourceListing } from '../web/shared/protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('broker-ingest');
let app: RunningCityTwin;
let base: string;
let admin: string;
/** While set, the ingest takes nothing: each message waits here until released. */
let held: Array<() => void> | null = null;

beforeAll(async () => {
  app = await startTestCity(
    dir.path,
    {},
    {
      wrapIntake: (intake: BrokerIntake): BrokerIntake => ({
        prefix: intake.prefix,
        handle: (...args) => {
          if (!held) return intake.handle(...args);
          const queue = held;
          return new Promise<void>((resolve, reject) => queue.push(() => Promise.resolve(intake.handle(...args)).then(resolve, reject)));
        },
      }),
    },
  );
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
});

afterAll(async () => {
  await app?.close();
  dir.remove();
});

const str = (s: string) => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
function mqttPacket(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, ...remainingLength(body.length)]), body]);
}
const connectPacket = (clientId: string) => mqttPacket(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 60]), str(clientId)]));

/** A subscriber to `#` that never reads its socket: a raw TCP client that sends CONNECT and SUBSCRIBE and no 'data' handler. */
async function slowSubscriber(url: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(connectPacket('never-reads'));
  socket.write(mqttPacket(0x82, Buffer.concat([Buffer.from([0, 1]), str('#'), Buffer.from([1])])));
  return { socket, closed };
}

async function health(): Promise<{ status: string; parts: Record<string, { status: string; detail?: string }> }> {
  return (await fetch(new URL('/api/health', base))).json() as Promise<{
    status: string;
    parts: Record<string, { status: string; detail?: string }>;
  }>;
}

function metricSample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}

describe('a subscriber that never reads its socket', () => {
  it('is disconnected at its outgoing limit while the ingest keeps receiving 1,000 msg/s, and health stays ok', async () => {
    const slow = await slowSubscriber(app.mqttUrl);
    let slowClosedAt = 0;
    const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'slow-sub-publisher' });
    const metrics = app.ingest!.pipeline.metrics;
    const before = metrics.received;
    // ≈1 KiB per message (extra fields are ignored): the slow subscriber's socket buffers fill in seconds.
    const pad = 'x'.repeat(1000);
    const TOTAL = 15_000;
    const RATE = 1000;
    const perSecond: number[] = [];
    const healthStates = new Set<string>();
    let last = before;
    const sampler = setInterval(() => {
      if (!slowClosedAt && app.broker!.counters().slowSubscribersDisconnected > 0) slowClosedAt = metrics.received;
      perSecond.push(metrics.received - last);
      last = metrics.received;
      void health().then((h) => healthStates.add(h.status));
    }, 1000);
    const acks: Array<Promise<unknown>> = [];
    const base0 = Date.now() - 3_600_000;
    const started = Date.now();
    for (let sent = 0; sent < TOTAL; ) {
      for (let k = 0; k < RATE / 20 && sent < TOTAL; k++, sent++) {
        acks.push(
          publisher.publishAsync(
            topics.sensorData(`slow-${sent % 200}`),
            JSON.stringify({ ts: base0 + sent, values: { water_level_cm: sent % 50 }, pad }),
            { qos: 1 },
          ),
        );
      }
      await new Promise((r) => setTimeout(r, Math.max(0, started + (sent / RATE) * 1000 - Date.now())));
    }
    await Promise.all(acks);
    clearInterval(sampler);
    const elapsedS = (Date.now() - started) / 1000;
    await waitFor('every message received by the ingest', () => metrics.received - before >= TOTAL, 30_000);
    await publisher.endAsync();
    const steady = perSecond.slice(1, -1);
    console.log(
      `[slow subscriber] ${TOTAL} msgs offered at ${RATE} msg/s took ${elapsedS.toFixed(1)} s; ingest rate per second: min ${Math.min(...steady)}, mean ${Math.round(steady.reduce((a, b) => a + b, 0) / steady.length)}, max ${Math.max(...steady)} msg/s; ` +
        `slow subscriber disconnected after ${slowClosedAt - before} msgs (${app.broker!.counters().slowSubscribersDisconnected} disconnected); health seen: ${[...healthStates].join(',')}`,
    );
    // The broker closed it at its outgoing limit (the test never closes it); reading now shows the close.
    slow.socket.resume();
    await slow.closed;
    expect(app.broker!.counters().slowSubscribersDisconnected).toBe(1);
    // … while the ingest kept taking messages: it had them all long before the subscriber went.
    expect(slowClosedAt - before).toBeGreaterThan(TOTAL / 3);
    expect(metrics.received - before).toBe(TOTAL);
    expect([...healthStates]).toEqual(['ok']);
    await app.ingest!.writer.flush();
  }, 90_000);
});

describe('health when the ingest stops receiving while publishers publish', () => {
  it('turns degraded, names the stall, and is ok again once messages flow', async () => {
    expect((await health()).status).toBe('ok');
    held = [];
    const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'stall-publisher' });
    const before = app.ingest!.pipeline.metrics.received;
    const acks: Array<Promise<unknown>> = [];
    for (let i = 0; i < 50; i++)
      acks.push(
        publisher.publishAsync(
          topics.sensorData('stall-1'),
          JSON.stringify({ ts: Date.now() - 60_000 + i, values: { water_level_cm: i } }),
          { qos: 1 },
        ),
      );
    const degraded = await waitFor(
      'health to notice the stall',
      async () => {
        const h = await health();
        return h.status === 'degraded' ? h : null;
      },
      20_000,
      250,
    );
    expect(degraded.parts.broker).toMatchObject({ status: 'degraded' });
    expect(degraded.parts.broker!.detail).toMatch(
      /message delivery stalled: \d+ publishes of 1 client\(s\) made no progress for \d+ s; the ingest receives nothing from them/,
    );
    expect(app.ingest!.pipeline.metrics.received).toBe(before);
    // Nothing was acknowledged that the ingest has not taken.
    const queue = held;
    held = null;
    for (const release of queue.splice(0)) release();
    await Promise.all(acks);
    await waitFor('the ingest to take the held messages', () => app.ingest!.pipeline.metrics.received - before === 50);
    await waitFor('health ok again', async () => (await health()).status === 'ok', 10_000, 250);
    await publisher.endAsync();
  }, 60_000);
});

describe('per-source accounting', () => {
  it('keeps received = stored + rejected per source on /metrics and in GET /api/sources after a mixed good/bad publish', async () => {
    const sources = (await call(base, admin, 'GET', '/api/sources')).body as SourceListing[];
    const [water, traffic] = [sources[0]!.id, sources[1]!.id];
    const before = new Map(sources.map((s) => [s.id, s.ingest!]));
    const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'accounting-publisher' });
    const now = Date.now();
    const send = (topic: string, payload: string) => publisher.publishAsync(topic, payload, { qos: 1 });
    await send(topics.sensorMeta('acct-w1'), JSON.stringify({ kind: 'water_level', lng: 114.3, lat: 30.6, source: water }));
    await send(topics.sensorMeta('acct-t1'), JSON.stringify({ kind: 'traffic_flow', lng: 114.3, lat: 30.6, source: traffic }));
    for (let i = 0; i < 10; i++)
      await send(topics.sensorData('acct-w1'), JSON.stringify({ ts: now - 1000 + i, values: { water_level_cm: i } }));
    for (let i = 0; i < 4; i++)
      await send(topics.sensorData('acct-w1'), i % 2 ? '{"ts":' : JSON.stringify({ ts: now, values: { water_level_cm: 'deep' } }));
    for (let i = 0; i < 5; i++)
      await send(topics.sensorData('acct-t1'), JSON.stringify({ ts: now - 1000 + i, values: { vehicles_per_min: i } }));
    await send(topics.sensorData('acct-t1'), JSON.stringify({ ts: now, values: { vehicles_per_min: 1, nonsense_metric: 2 } }));
    await send(topics.event('acct-hotline'), JSON.stringify({ id: 'acct-1', ts: now, type: 'citizen_report', lng: 114.3, lat: 30.6 }));
    await send(topics.event('acct-hotline'), 'not json');
    await send('citytwin/v1/acct/unknown-topic', '{}');
    await publisher.endAsync();
    await waitFor(
      'everything stored or rejected',
      () =>
        app.ingest!.writer.pendingMessages === 0 &&
        app.ingest!.pipeline.metrics.received === app.ingest!.pipeline.metrics.stored + app.ingest!.pipeline.metrics.rejected,
    );

    const after = (await call(base, admin, 'GET', '/api/sources')).body as SourceListing[];
    const delta = (id: string) => {
      const a = after.find((s) => s.id === id)!.ingest!;
      const b = before.get(id) ?? { received: 0, stored: 0, rejected: 0, pending: 0 };
      return { received: a.received - b.received, stored: a.stored - b.stored, rejected: a.rejected - b.rejected, pending: a.pending };
    };
    expect(delta(water)).toEqual({ received: 15, stored: 11, rejected: 4, pending: 0 });
    expect(delta(traffic)).toEqual({ received: 7, stored: 6, rejected: 1, pending: 0 });
    expect(after.find((s) => s.id === 'acct-hotline')).toMatchObject({
      registered: false,
      ingest: { received: 2, stored: 1, rejected: 1, pending: 0 },
    });
    for (const s of after) expect(s.ingest!.received).toBe(s.ingest!.stored + s.ingest!.rejected + s.ingest!.pending);

    const text = (await call(base, null, 'GET', '/metrics')).body as string;
    for (const s of after) {
      const sample = (outcome: string) =>
        metricSample(text, `citytwin_ingest_source_messages_total{source="${s.id}",outcome="${outcome}"}`);
      if (s.ingest!.received === 0) continue;
      expect(sample('received')).toBe(sample('stored') + sample('rejected'));
      expect(sample('received')).toBe(s.ingest!.received);
    }
    expect(metricSample(text, 'citytwin_ingest_source_messages_total{source="acct-hotline",outcome="rejected"}')).toBe(1);
  });
});

describe('big packets', () => {
  it('refuses 16 MiB publishes before buffering them and keeps over-limit payloads from piling up: RSS growth stays bounded', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { port } = new URL(app.mqttUrl);
    gc();
    const rss0 = process.memoryUsage().rss;
    const oversizeBefore = app.broker!.counters().oversizePackets;
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    // 20 × 16 MiB, one connection each, as a raw stream: only one chunk exists on this side.
    for (let i = 0; i < 20; i++) {
      const socket = tcpConnect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(connectPacket(`big-${i}`));
      const body = 16 * 1024 * 1024;
      const topic = str(topics.sensorData('big-1'));
      socket.write(Buffer.concat([Buffer.from([0x32, ...remainingLength(body)]), topic, Buffer.from([0, (i % 200) + 1])]));
      let sent = topic.length + 2;
      let open = true;
      void closed.then(() => (open = false));
      while (open && sent < body) {
        const piece = chunk.subarray(0, Math.min(chunk.length, body - sent));
        sent += piece.length;
        if (!socket.write(piece)) await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
      }
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      expect(open).toBe(false);
    }
    expect(app.broker!.counters().oversizePackets - oversizeBefore).toBe(20);

    // 300 payloads just over CITYTWIN_MAX_PAYLOAD_BYTES (under the broker's limit): each is
    // spooled and dead-lettered as too_large; none may stay in memory.
    const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'big-publisher' });
    const payload = Buffer.alloc(300 * 1024, 0x62);
    const rejectedBefore = app.ingest!.pipeline.metrics.rejected;
    for (let i = 0; i < 300; i += 20)
      await Promise.all(Array.from({ length: 20 }, () => publisher.publishAsync(topics.sensorData('big-2'), payload, { qos: 1 })));
    await publisher.endAsync();
    await waitFor('300 too_large dead letters', () => app.ingest!.pipeline.metrics.rejected - rejectedBefore === 300);
    await app.ingest!.writer.flush();
    await new Promise((r) => setTimeout(r, 500));
    gc();
    const mem = process.memoryUsage();
    const growthMiB = (mem.rss - rss0) / 2 ** 20;
    console.log(
      `[big packets] 20 × 16 MiB refused, 300 × 300 KiB dead-lettered; RSS ${Math.round(rss0 / 2 ** 20)} → ${Math.round(mem.rss / 2 ** 20)} MiB (growth ${growthMiB.toFixed(1)} MiB), array buffers ${Math.round(mem.arrayBuffers / 2 ** 20)} MiB`,
    );
    // Before: ≈320 MiB for the 16 MiB packets and ≈90 MiB for the 300 KiB ones stayed referenced.
    expect(growthMiB).toBeLessThan(96);
  }, 120_000);
});
