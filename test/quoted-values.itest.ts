/**
 * What a client sent, quoted back the one way (quoteValue: JSON, cut at 80 characters with `…`,
 * control and bidirectional characters escaped) by the running product (`citytwin all` in this
 * process, the embedded broker and ClickHouse, real HTTP and MQTT on loopback): the CAP routes'
 * refusals, the sensor routes' unknown kind, and an MQTT client id refused by the broker — in
 * the answer and in the security log. Each value has a line break and a right-to-left override
 * (U+202E) early and 500 characters, or as many as the route lets through before its own check.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('quoted-values');
let app: RunningCityTwin;
let admin = '';

/** `n` characters: a line break and a right-to-left override after `ab`, then `cd` and x. */
const hostile = (n: number) => `ab\n\u202ecd${'x'.repeat(n - 6)}`;
/** hostile(n ≥ 80) as quoteValue writes it. */
const QUOTED = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;

beforeAll(async () => {
  app = await startTestCity(dir.path);
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
}, 120_000);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

/**
 * A request with one header's value as the given bytes, written on a TCP socket by hand (an HTTP
 * client refuses them), as HTTP/1.0 so the answer is the bytes up to the close.
 */
async function rawRequest(method: string, path: string, header: string, value: Buffer): Promise<{ status: number; error: string }> {
  const url = new URL(app.url!);
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  const body = method === 'POST' ? '<a' : '';
  const head = `${method} ${path} HTTP/1.0\r\nhost: ${url.host}\r\nauthorization: Bearer ${admin}\r\ncontent-length: ${body.length}\r\n${header}: `;
  socket.end(Buffer.concat([Buffer.from(head), value, Buffer.from(`\r\n\r\n${body}`)]));
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: Number(text.slice(9, 12)), error: (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: string }).error };
}

/**
 * 500 bytes for a header: a header carries no line break, and its bytes beyond ASCII arrive as
 * Latin-1 characters, so a NEL (0x85) and the UTF-8 bytes of U+202E (E2 80 AE) reach the server
 * as C1 controls.
 */
const HEADER = Buffer.concat([Buffer.from('ab'), Buffer.from([0x85]), Buffer.from('\u202e'), Buffer.from('cd'), Buffer.alloc(492, 'x')]);

describe('the CAP routes', () => {
  it('quote a content type that is not XML, cut and escaped', async () => {
    const r = await rawRequest('POST', '/api/cap/incoming', 'content-type', HEADER);
    expect(r.status).toBe(415);
    expect(r.error).toMatch(/^the body must be a CAP 1\.2 document \(content-type: application\/cap\+xml or application\/xml\), got /);
    expect(r.error.endsWith(`got "ab\\u0085â\\u0080®cd${'x'.repeat(61)}…`)).toBe(true);
  });

  it('quote an identifier that is not on the desk, cut and escaped', async () => {
    // The identifier's pattern takes no white space and at most 200 characters.
    const identifier = `ab\u202ecd${'x'.repeat(195)}`;
    const quoted = `"ab\\u202ecd${'x'.repeat(69)}…`;
    const desk = await call(app.url!, admin, 'GET', `/api/cap/alerts/${encodeURIComponent(identifier)}`);
    expect(desk.status).toBe(404);
    expect(desk.body.error).toBe(`no alert ${quoted} on the desk`);
    const published = await call(app.url!, null, 'GET', `/api/cap/published/${encodeURIComponent(identifier)}`);
    expect(published.status).toBe(404);
    expect(published.body.error).toBe(`no published alert ${quoted}`);
  });
});

describe('the sensor routes', () => {
  it('quote an unknown sensor kind, cut and escaped', async () => {
    // `kinds` is at most 400 characters in all.
    const kinds = `rain_gauge,${hostile(380)}`;
    const r = await call(
      app.url!,
      admin,
      'GET',
      `/api/sensors/aggregate?bbox=113.7,29.9,115.1,31.4&zoom=10&kinds=${encodeURIComponent(kinds)}`,
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(`unknown sensor kind ${QUOTED}`);
  });
});

describe('the open-data routes', () => {
  it('quote the first 12 characters of an API key that is not one, escaped', async () => {
    const r = await rawRequest('GET', '/api/open/datasets', 'x-api-key', HEADER);
    expect(r.status).toBe(401);
    expect(r.error).toBe(
      'the x-api-key "ab\\u0085â\\u0080®cdxxxx"… is not a valid key; leave it out for anonymous access or ask the city for a key',
    );
  });
});

describe('the broker', () => {
  it('quotes a refused client id in its refusal and in the security log, cut and escaped', async () => {
    const clientId = `citytwin-${hostile(491)}`;
    const quoted = `"citytwin-ab\\n\\u202ecd${'x'.repeat(58)}…`;
    await expect(mqtt.connectAsync(app.mqttUrl, { clientId, reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow();
    let events: Array<{ client: string; detail: string }> = [];
    await waitFor('the refusal in the security log', async () => {
      events = (await call(app.url!, admin, 'GET', '/api/security/events?type=mqtt_auth_failed')).body;
      return events.length > 0;
    });
    expect(events[0]!.detail).toMatch(/^client id /);
    expect(events[0]!.detail.startsWith(`client id ${quoted} is reserved for CityTwin's own parts`)).toBe(true);
    expect(events[0]!.client).toMatch(/^mqtt "citytwin-ab\\n\\u202ecdx{58}…@/);
    for (const e of events) expect(`${e.client} ${e.detail}`).not.toMatch(/[\n\u202e]/);
  });
});
