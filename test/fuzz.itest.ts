/**
 * Fuzzing the running product (`citytwin all` on a real Mosquitto, loopback only): 10,000+
 * generated malformed MQTT messages and 10,000+ malformed HTTP requests (bad paths,
 * parameters, methods, headers and bodies, some of them not even valid HTTP). The process
 * must stay up and answer, never with a 5xx, and its accounting must stay exact: every
 * message received is stored or rejected (dead-lettered), and what the counters say is what
 * the tables hold. Inputs come from a seeded generator, so a failure can be replayed with the
 * seed printed in the assertion message.
 */
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { startCityTwin, type RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import { consoleAuth, consoleEnv, consoleFetch } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { seededRandom, type SeededRandom } from './support/seeded-random.ts';

const SEED = 0x5eed2026;
const MQTT_CASES = 10_000;
const HTTP_CASES = 9_000;
const RAW_HTTP_CASES = 1_000;

type Rand = SeededRandom;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const int = (r: Rand, max: number) => Math.floor(r() * max);
const randomBytes = (r: Rand, n: number) => Buffer.from(Array.from({ length: n }, () => int(r, 256)));
const randomText = (r: Rand, n: number, alphabet = 'abcXYZ019-_.:/ %&?=#+é中\u0000\u202e"\'\\{}[]<>') =>
  Array.from({ length: n }, () => alphabet[int(r, alphabet.length)]).join('');

/** A valid data message, to mutate. */
function validData(r: Rand, now: number): string {
  return JSON.stringify({ ts: now - int(r, 3_600_000), values: { water_level_cm: r() * 100 } });
}

/** Topics a client can publish (no wildcards, valid UTF-8, no NUL): valid ones and broken ones. */
function fuzzTopic(r: Rand): string {
  const id = pick(r, ['fz-1', 'fz-2', 'fz.3', 'fz_4', 'x'.repeat(65), 'bad id', 'é', '..', '', 'a/b', randomText(r, 8, 'abc!@$%^*()é中 ')]);
  return pick(r, [
    `citytwin/v1/sensors/${id}/data`,
    `citytwin/v1/sensors/fz-1/data`,
    `citytwin/v1/sensors/fz-2/meta`,
    `citytwin/v1/metrics/svc-${int(r, 3)}/data`,
    `citytwin/v1/events/${id}`,
    `citytwin/v1/units/${id}/position`,
    `citytwin/v1/sensors/${id}/data/extra`,
    `citytwin/v1/${randomText(r, 6, 'abcdef')}`,
    'citytwin/v1/',
    'citytwin/v1//',
    `citytwin/v2/sensors/fz-1/data`,
    `citytwin/v1/sensors//data`,
  ]);
}

/** Messages of case 7 so far (each takes its own time). */
let case7Messages = 0;

/** Malformed (and now and then accidentally valid) payloads. */
function fuzzPayload(r: Rand, now: number): Buffer {
  const valid = validData(r, now);
  switch (int(r, 16)) {
    case 0:
      return randomBytes(r, int(r, 300));
    case 1:
      return Buffer.from(valid.slice(0, int(r, valid.length)));
    case 2:
      return Buffer.concat([Buffer.from(valid.slice(0, 10)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(valid.slice(10))]);
    case 3:
      return Buffer.from(pick(r, ['null', 'true', '0', '""', '[]', '{}', '[[]]', '"x"', '-1e999', 'NaN', '\ufeff{}', ' ']));
    case 4:
      return Buffer.from('['.repeat(1000 + int(r, 50_000)));
    case 5:
      return Buffer.from(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`);
    case 6:
      return Buffer.from(
        JSON.stringify({
          ts: pick(r, [-1, 1e20, 'yesterday', null, 1.5, '2026-13-45T99:00:00Z', now + 10 * 365 * 86_400_000]),
          values: { water_level_cm: 1 },
        }),
      );
    case 7:
      return Buffer.from(
        JSON.stringify({
          // Each message its own time: two messages of one sensor's metrics at the same time are
          // one reading each (the table's key), and collapse when they share an insert.
          ts: now - ++case7Messages,
          values: pick(r, [
            {},
            [],
            null,
            { water_level_cm: '12' },
            { water_level_cm: null },
            { 'bad metric': 1 },
            // An overflowing value: JSON writes it as null (raw overflows are case 3's -1e999).
            { water_level_cm: Number.POSITIVE_INFINITY },
            Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`m${i}`, i])),
          ]),
        }),
      );
    case 8:
      return Buffer.from(
        JSON.stringify(
          pick(r, [
            [{ bn: 5 }],
            [{ n: 'water_level_cm', v: 'x' }],
            [{ bt: 'x', n: 'a', v: 1 }],
            [{}],
            [{ n: 'water_level_cm', u: 'furlong', v: 1 }],
            Array.from({ length: 10_001 }, () => ({ n: 'x', v: 1 })),
          ]),
        ),
      );
    case 9:
      return Buffer.alloc(256 * 1024 + 1 + int(r, 1000), 0x20);
    case 10:
      return Buffer.from(
        JSON.stringify({
          kind: pick(r, ['volcano', 1, null, 'water_level']),
          lng: pick(r, [500, 'x', 114.3]),
          lat: pick(r, [-91, 30.5, null]),
        }),
      );
    case 11:
      return Buffer.from(
        JSON.stringify({
          id: randomText(r, int(r, 100)),
          ts: now,
          type: pick(r, ['citizen_report', 'alien', 3]),
          lng: 114,
          lat: 30,
          severity: pick(r, [0, 6, 'high', 3]),
        }),
      );
    case 12:
      return Buffer.from(
        JSON.stringify({
          ts: now,
          lng: pick(r, [114.2, 'east', 1e9]),
          lat: 30.5,
          speed: pick(r, [-5, 'fast', 30]),
          heading: pick(r, [720, 90, null]),
        }),
      );
    case 13:
      return Buffer.alloc(0);
    case 14: {
      // Flip a few bytes of a valid message.
      const b = Buffer.from(valid);
      for (let k = 0; k < 1 + int(r, 4); k++) b[int(r, b.length)] = int(r, 256);
      return b;
    }
    default:
      return Buffer.from(valid);
  }
}

/** An HTTP request built from parts that are each odd in some way. */
function fuzzHttp(r: Rand): { method: string; path: string; headers: Record<string, string>; body: Buffer | null } {
  const id = pick(r, ['wl-1', 'no-such', 'bad%20id', '%00', '..%2f..%2fetc%2fpasswd', 'x'.repeat(200), '%ff%fe', '中文', '']);
  const time = () =>
    pick(r, ['', '0', '-1', 'yesterday', '1e400', '2026-01-01T00:00:00Z', String(Date.now()), '9'.repeat(30), '%00', 'NaN']);
  const path = pick(r, [
    `/api/sensors/${id}`,
    `/api/sensors/${id}/readings?metric=${pick(r, ['water_level_cm', '', 'x'.repeat(300), '%27;DROP', 'a&metric=b'])}&from=${time()}&to=${time()}&maxPoints=${pick(r, ['', '0', '-5', '1e9', 'many', '100'])}`,
    `/api/sensors?kind=${pick(r, ['water_level', 'volcano', ''])}&state=${pick(r, ['alarm', 'panic', ''])}&limit=${pick(r, ['0', '-1', '10', 'x', '99999999'])}`,
    `/api/dead-letters?reason=${pick(r, ['invalid_json', 'nope', ''])}&limit=${pick(r, ['5', 'x', '-3'])}&from=${time()}`,
    '/api/stats',
    '/api/auth/login',
    '/api/health',
    '/metrics',
    '/api/vocabulary',
    '/api/city/districts',
    '/api/docs',
    '/api/openapi.json',
    `/api/${randomText(r, int(r, 40), 'abc/%.')}`,
    `/${randomText(r, int(r, 60), 'abc/%.~é中')}`,
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    `/api/sensors/${'a'.repeat(3000 + int(r, 3000))}`,
    `/?${'q=1&'.repeat(int(r, 2000))}`,
  ]);
  const method = pick(r, ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE']);
  const headers: Record<string, string> = {};
  if (r() < 0.3)
    headers['content-type'] = pick(r, [
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=',
      'application/x-www-form-urlencoded',
      '*/*;;;',
    ]);
  if (r() < 0.2) headers.accept = pick(r, ['*/*', 'text/html', 'application/json;q=abc', 'x'.repeat(500)]);
  if (r() < 0.2) headers.cookie = pick(r, ['a=b', `ct_session=${randomText(r, 40, 'abcdef0123456789')}`, '=;=;=', 'x'.repeat(4000)]);
  if (r() < 0.2) headers.authorization = pick(r, ['Bearer ', `Bearer ${randomText(r, 30, 'abc.123')}`, 'Basic !!!', 'Negotiate x']);
  if (r() < 0.1) headers.origin = pick(r, ['http://evil.example', 'null']);
  if (r() < 0.1) headers['x-forwarded-for'] = pick(r, ['1.2.3.4', 'garbage', '::1, 10.0.0.1']);
  const body =
    method === 'GET' || method === 'HEAD' || r() < 0.3
      ? null
      : r() < 0.5
        ? randomBytes(r, int(r, 2000))
        : Buffer.from(pick(r, ['{', '{"a":1}', '[]', 'null', JSON.stringify({ username: 'admin', password: randomText(r, 12) })]));
  return { method, path, headers, body };
}

/** Not-quite-HTTP for raw sockets: what a broken client or scanner sends. */
function fuzzRawHttp(r: Rand): Buffer {
  return Buffer.from(
    pick(r, [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'GET /api/health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n',
      'POST /api/sensors HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort',
      'POST /api/sensors HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /api/sensors HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`,
      'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: x\r\n${randomText(r, 50)}\r\n\r\n`,
      '\r\n\r\n\r\n',
      randomBytes(r, int(r, 500)).toString('latin1'),
    ]),
    'latin1',
  );
}

describe('fuzzing the running product (citytwin all on Mosquitto)', () => {
  const dir = tempDir('fuzz');
  let mosquitto: Mosquitto;
  let app: RunningCityTwin;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    app = await startCityTwin(
      loadConfig({
        ...consoleEnv,
        CITYTWIN_HTTP_PORT: '0',
        CITYTWIN_MQTT_URL: mosquitto.url,
        CITYTWIN_DATA_DIR: dir.path,
        CITYTWIN_SIMULATE: '0',
        CITYTWIN_LOG_LEVEL: 'error',
        CITYTWIN_SENSORS: '50',
        CITYTWIN_BATCH_MAX_DELAY_MS: '50',
      }),
      'all',
    );
    // Without merges, the rows in `readings` are exactly the rows inserted: readings that
    // share a key (e.g. two SenML records timed by their arrival) would otherwise collapse.
    await app.clickhouse.command({ query: 'SYSTEM STOP MERGES readings' });
  });

  afterAll(async () => {
    await app?.close();
    await mosquitto?.stop();
    dir.remove();
  });

  it(`survives ${MQTT_CASES.toLocaleString('en')} malformed MQTT messages with exact accounting`, async () => {
    const r = seededRandom(SEED);
    const now = Date.now();
    const publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'fuzz-publisher' });
    let system = 0;
    // Topics outside citytwin/v1/# are not delivered to the ingest at all (MQTT routing), so
    // they are counted apart: received = sent − system − outside.
    let outside = 0;
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < MQTT_CASES; i++) {
      // Now and then our own system topic: ignored by the ingest, counted apart.
      const topic = i % 500 === 7 ? `citytwin/v1/system/ingest/fz/${pick(r, ['stats', 'x'])}` : fuzzTopic(r);
      if (topic.startsWith('citytwin/v1/system/')) system++;
      else if (!topic.startsWith('citytwin/v1/')) outside++;
      pending.push(publisher.publishAsync(topic, fuzzPayload(r, now), { qos: 1 }));
      if (pending.length >= 200) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    await publisher.endAsync();
    const m = app.ingest!.pipeline.metrics;
    const expected = MQTT_CASES - system - outside;
    // The product's own operational messages reach its ingest too: the audit checkpoints it
    // publishes (at start, then on a timer and every 100 entries) are ignored and counted apart
    // like the system messages sent here; how many go out depends on how long the run takes.
    let checkpoints = 0;
    await waitFor(
      `all ${expected} messages received and written (seed ${SEED})`,
      () => {
        checkpoints = app.audit!.counters.published;
        return m.received + m.systemMessages >= MQTT_CASES - outside + checkpoints && app.ingest!.writer.pendingMessages === 0;
      },
      60_000,
    );
    expect(checkpoints).toBeGreaterThan(0);
    expect(m.systemMessages).toBe(system + checkpoints);
    expect(m.received).toBe(expected);
    expect(m.received).toBe(m.stored + m.rejected);
    expect(m.rejected).toBeGreaterThan(expected * 0.8);
    const count = async (sql: string) => Number((await queryRows<{ n: string }>(app.clickhouse, sql))[0]?.n);
    expect(await count('SELECT count() AS n FROM dead_letters')).toBe(m.rejected);
    expect(await count('SELECT count() AS n FROM readings')).toBe(m.readingsStored);
    expect(m.readingsStored).toBe(m.readingsAccepted);
  });

  it(`answers ${(HTTP_CASES + RAW_HTTP_CASES).toLocaleString('en')} malformed HTTP requests without a 5xx and keeps serving`, async () => {
    const r = seededRandom(SEED + 1);
    const url = new URL(app.url!);
    const auth = await consoleAuth(app.url!);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    const transportErrors = new Map<string, number>();
    const one = (c: ReturnType<typeof fuzzHttp>, retry = true): Promise<void> =>
      new Promise<void>((resolve) => {
        // Node's client refuses raw non-ASCII in a path; escape it (raw sockets send it as is below).
        const path = c.path.replace(/[^\x21-\x7e]/g, (ch) => encodeURIComponent(ch));
        const req = httpRequest(
          { host: url.hostname, port: url.port, method: c.method, path, headers: { ...auth, ...c.headers }, agent: retry ? agent : false },
          (res) => {
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            if ((res.statusCode ?? 0) >= 500) serverErrors.push(`${res.statusCode} ${c.method} ${c.path.slice(0, 120)}`);
            res.resume();
            res.on('end', resolve);
            res.on('error', () => resolve());
          },
        );
        // A reused keep-alive connection that the server closed after an unread body: try once
        // more on a fresh connection; what still fails is counted as unanswered.
        req.on('error', (err: NodeJS.ErrnoException) => {
          if (retry) return resolve(one(c, false));
          transportErrors.set(err.code ?? err.message, (transportErrors.get(err.code ?? err.message) ?? 0) + 1);
          resolve();
        });
        req.setTimeout(10_000, () => {
          serverErrors.push(`no answer within 10 s: ${c.method} ${c.path.slice(0, 120)}`);
          req.destroy();
        });
        if (c.body) req.end(c.body);
        else req.end();
      });
    const cases = Array.from({ length: HTTP_CASES }, () => fuzzHttp(r));
    for (let i = 0; i < cases.length; i += 16) await Promise.all(cases.slice(i, i + 16).map((c) => one(c)));
    agent.destroy();

    let rawAnswered = 0;
    const raw = (payload: Buffer) =>
      new Promise<void>((resolve) => {
        const s = connect(Number(url.port), url.hostname, () => s.end(payload));
        let first = '';
        s.on('data', (d: Buffer) => {
          if (!first) first = d.toString('latin1', 0, 16);
        });
        s.on('close', () => {
          if (first) rawAnswered++;
          if (/^HTTP\/1\.1 5/.test(first)) serverErrors.push(`raw request answered ${first.trim()}`);
          resolve();
        });
        s.on('error', () => undefined);
        s.setTimeout(10_000, () => s.destroy());
      });
    const rawCases = Array.from({ length: RAW_HTTP_CASES }, () => fuzzRawHttp(r));
    for (let i = 0; i < rawCases.length; i += 16) await Promise.all(rawCases.slice(i, i + 16).map(raw));

    expect(serverErrors, `seed ${SEED + 1}`).toEqual([]);
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(Object.fromEntries(transportErrors), `seed ${SEED + 1}`).toEqual({});
    expect(answered).toBe(HTTP_CASES);
    expect(rawAnswered).toBeGreaterThan(RAW_HTTP_CASES * 0.5);
    // Still up, still healthy, still exact.
    const health = await consoleFetch(app.url!, '/api/health');
    expect(health.status).toBe(200);
    const m = app.ingest!.pipeline.metrics;
    expect(m.received).toBe(m.stored + m.rejected);
  });
});
