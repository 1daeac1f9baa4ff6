/**
 * Webhook batching (a channel's opt-in `batch` option, docs/notifications.md "Batches"): a
 * backlog goes out as signed requests carrying several messages, each message still logged per
 * recipient and received exactly once after the receiver recovers. Real: the engine, the
 * dispatcher, the webhook sender and an HTTP receiver (node:http) checking every signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKey, webhookMessageId, type Incident } from '../twin-model/index.ts';
import { listedIncident } from '../twin-model/incidents/fixtures/listed-incident.ts';
import { MemoryIdempotencyKeys, webhookBody, type IdempotencyKeys } from '../web/server/notifications/index.ts';
import { freePort } from './support/fixtures.ts';
import { memoryDispatcher, notificationEngine } from './support/notification-engine.ts';

const T0 = Date.UTC(2026, 11, 7, 2, 3, 4);
const SECRET = 'webhook-secret-for-batches';

interface Request {
  event: string;
  delivery: string;
  verified: boolean;
  body: { batch?: string; messages?: Array<Record<string, unknown>> } & Record<string, unknown>;
  answered: number;
}

const requests: Request[] = [];
const mode = { down: false };
let server: Server;
let port = 0;

function verify(raw: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
  const got = Buffer.from(header ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

beforeAll(async () => {
  port = await freePort();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verified = verify(raw, req.headers['x-citytwin-signature'] as string | undefined);
      const answered = !verified ? 401 : mode.down ? 503 : 200;
      requests.push({
        event: String(req.headers['x-citytwin-event']),
        delivery: String(req.headers['x-citytwin-delivery']),
        verified,
        body: JSON.parse(raw.toString('utf8')),
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function incident(n: number): Incident {
  return listedIncident(`inc-${String(n).padStart(6, '0')}`, 'waterlogging', 114.27, 30.58, { district: '420103', openedAt: T0 + n });
}

function setup(batch: { maxEvents: number; maxWaitMs?: number }) {
  const { config, open } = notificationEngine({
    channels: [
      {
        id: 'hook',
        kind: 'webhook',
        url: `http://127.0.0.1:${port}/hook`,
        secret: SECRET,
        retry: { attempts: 10, baseDelayMs: 10, maxDelayMs: 40 },
        queue: { capacity: 1000, concurrency: 1 },
        batch,
      },
    ],
    contacts: [{ user: 'wang', roles: ['operator'] }],
    subscriptions: [{ id: 'ops', events: ['opened'], target: { role: 'operator' }, channels: ['hook'] }],
  });
  return { open, dispatcher: (keys?: IdempotencyKeys) => memoryDispatcher(config, 5, keys) };
}

/** The message ids in the requests the receiver took (answered 200). */
const accepted = () => requests.filter((r) => r.answered === 200).flatMap((r) => (r.body.messages ?? []).map((m) => String(m.id)));

describe('webhook batches', () => {
  it('sends a backlog as signed batches of at most maxEvents, each message as its own body would be, logged per recipient', async () => {
    requests.length = 0;
    const { open, dispatcher } = setup({ maxEvents: 10 });
    const messages = Array.from({ length: 25 }, (_, i) => open(incident(i + 1))).flat();
    expect(messages).toHaveLength(25);
    const { d, log } = dispatcher();
    d.enqueue(messages);
    await d.drain();
    await d.close();
    // One send at once, 25 waiting: batches of 10, 10 and 5.
    expect(requests.map((r) => [r.event, r.verified, r.body.messages?.length])).toEqual([
      ['batch', true, 10],
      ['batch', true, 10],
      ['batch', true, 5],
    ]);
    for (const r of requests) expect(r.delivery).toBe(r.body.batch);
    expect(requests[1]!.body.messages![0]).toEqual(JSON.parse(webhookBody(messages[10]!).toString('utf8')));
    expect(accepted()).toEqual(messages.map((m) => webhookMessageId(m.event.id, 'hook')));
    for (const m of messages) expect(log.statuses(deliveryKey(m.event.id, 'role:operator', 'hook'))).toEqual(['queued', 'sent']);
  });

  it('waits up to maxWaitMs for a batch to fill, and sends it as soon as it is full', async () => {
    requests.length = 0;
    const { open, dispatcher } = setup({ maxEvents: 3, maxWaitMs: 10_000 });
    const { d } = dispatcher();
    d.enqueue(open(incident(101)));
    await new Promise((r) => setImmediate(r));
    d.enqueue([...open(incident(102)), ...open(incident(103))]);
    await d.drain();
    await d.close();
    expect(requests.map((r) => r.body.messages?.length)).toEqual([3]);
  });

  it('delivers every message exactly once after the receiver recovers, and a second node sends nothing again', async () => {
    requests.length = 0;
    mode.down = true;
    const { open, dispatcher } = setup({ maxEvents: 8 });
    const keys = new MemoryIdempotencyKeys();
    const messages = Array.from({ length: 20 }, (_, i) => open(incident(200 + i))).flat();
    const first = dispatcher(keys);
    first.d.enqueue(messages);
    // Every message has failed at least once before the receiver comes back.
    await expect
      .poll(() => new Set(requests.flatMap((r) => (r.body.messages ?? []).map((m) => String(m.id)))).size, { timeout: 10_000 })
      .toBe(20);
    mode.down = false;
    await first.d.drain();
    expect(requests.every((r) => r.verified)).toBe(true);
    expect(accepted().sort()).toEqual(messages.map((m) => webhookMessageId(m.event.id, 'hook')).sort());
    expect(first.d.stats().hook).toMatchObject({ sent: 20, dead: 0, failed: 0 });
    for (const m of messages) expect(first.log.latest.get(deliveryKey(m.event.id, 'role:operator', 'hook'))!.status).toBe('sent');

    const second = dispatcher(keys);
    const before = requests.length;
    first.d.enqueue(messages);
    second.d.enqueue(messages);
    await Promise.all([first.d.drain(), second.d.drain()]);
    expect(requests).toHaveLength(before);
    expect(first.d.stats().hook!.duplicates + second.d.stats().hook!.duplicates).toBe(40);
    await Promise.all([first.d.close(), second.d.close()]);
  });
});
