/**
 * Late evidence, a flapping alarm and on-call pages, end to end on loopback: the correlator's
 * changes about a service hall go through the notification engine (twin-model/notifications)
 * into the dispatcher and real webhook channels (web/server/notifications); a receiver
 * (node:http) counts what reaches on-call and the duty chat. A report entered after the twin
 * resolved the hall's incident, dated before the resolution but with its quiet time already over
 * when it arrives, could not keep the incident open: no reopening, so nobody is paged. The same
 * report a second earlier still holds the incident open and pages again (docs/incidents.md "Late
 * evidence"). A queue alarm that clears and raises again a minute later is one incident and one
 * page: the quiet time counts from when the alarm cleared (docs/incidents.md "Quiet time"). A late
 * alarm whose clear comes in the same delivery reopens nothing; its clear a minute later does.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyIncidentInput,
  applyNotificationInput,
  createIncidentState,
  createNotificationState,
  LATE_HOLD_MS,
  parseNotificationConfig,
  type Evidence,
  type IncidentInput,
} from '../twin-model/index.ts';
import { freePort } from './support/fixtures.ts';
import { memoryDispatcher } from './support/notification-engine.ts';
import { hallBusy, hallReport, MIN } from './support/service-hall.ts';

const T0 = Date.UTC(2026, 6, 1, 1); // 09:00 in Wuhan, a Wednesday

/** What the receiver heard, by path (`/page`: on-call, `/chat`: the duty chat) and event kind. */
const heard: Array<{ path: string; kind: string }> = [];
let http: Server;
let port = 0;

beforeAll(async () => {
  port = await freePort();
  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: { kind: string } };
      heard.push({ path: req.url ?? '', kind: body.event.kind });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
});

/**
 * The hall's morning: the queue warns at +0 and clears at +30 min; quiet for 15 min after the
 * clear, the twin resolves the incident at +45 min. `more`: what else happens (by minute); the
 * twin and the notifications tick every minute to +90 min. Returns what on-call and the chat received.
 */
async function morning(more: Array<[number, IncidentInput]>): Promise<{ pages: number; chat: string[] }> {
  heard.length = 0;
  const webhook = (id: string) => ({ id, kind: 'webhook', url: `http://127.0.0.1:${port}/${id}`, secret: 'webhook-secret-for-tests' });
  const config = parseNotificationConfig({
    channels: [webhook('page'), webhook('chat')],
    contacts: [{ user: 'li', language: 'en', roles: ['operator'] }],
    subscriptions: [{ id: 'duty-chat', events: ['opened', 'resolved'], target: { role: 'operator' }, channels: ['chat'] }],
    policies: [{ id: 'halls', ackDeadlineMin: 60, tiers: [{ targets: [{ user: 'li' }] }], channels: ['page'] }],
  });
  const notify = createNotificationState(config, {
    timeZone: 'Asia/Shanghai',
    consoleUrl: 'https://citytwin.example',
    districts: new Map(),
  });
  const incidents = createIncidentState();
  const { d } = memoryDispatcher(config, 7);
  let now = T0;
  const ctx = { now: () => now };
  const timeline: Array<[number, IncidentInput]> = [
    [T0, { type: 'alarm', evidence: hallBusy('sh-1', T0) }],
    [T0 + 30 * MIN, { type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 30 * MIN }],
    ...more,
  ];
  for (let t = T0; t <= T0 + 90 * MIN; t += MIN) timeline.push([t, { type: 'tick' }]);
  // Stable: an input comes before the tick of its minute.
  timeline.sort((a, b) => a[0] - b[0]);
  for (const [at, input] of timeline) {
    now = at;
    for (const change of applyIncidentInput(incidents, input, ctx))
      d.enqueue(applyNotificationInput(notify, { type: 'incident_change', change }, ctx).emitted.messages);
    if (input.type === 'tick') d.enqueue(applyNotificationInput(notify, { type: 'tick' }, ctx).emitted.messages);
  }
  await d.drain();
  await d.close();
  return { pages: heard.filter((h) => h.path === '/page').length, chat: heard.filter((h) => h.path === '/chat').map((h) => h.kind) };
}

/** A report taken at +40 min, 5 min before the resolution, entered at `enteredAt`. */
const lateReport = (enteredAt: number): Array<[number, IncidentInput]> => [
  [enteredAt, { type: 'event', evidence: hallReport(T0 + 40 * MIN, 1, 'other') }],
];

describe('late evidence and on-call pages', () => {
  it('pages once for the incident: a late report whose quiet time is over when it arrives reopens nothing', async () => {
    const { pages, chat } = await morning(lateReport(T0 + 55 * MIN));
    expect(pages).toBe(1);
    expect(chat).toEqual(['opened', 'resolved']);
  });

  it('pages again for the same report a second earlier: it holds the incident open, and it resolves again', async () => {
    const { pages, chat } = await morning(lateReport(T0 + 55 * MIN - 1000));
    expect(pages).toBe(2);
    expect(chat).toEqual(['opened', 'resolved', 'opened', 'resolved']);
  });
});

describe('a flapping alarm and on-call pages', () => {
  it('pages once: the queue warns again a minute after it cleared, within the quiet time, and joins the open incident', async () => {
    const { pages, chat } = await morning([
      [T0 + 31 * MIN, { type: 'alarm', evidence: hallBusy('sh-1', T0 + 31 * MIN) }],
      [T0 + 50 * MIN, { type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 50 * MIN }],
    ]);
    expect(pages).toBe(1);
    expect(chat).toEqual(['opened', 'resolved']);
  });

  it('pages again when it warns again after the quiet time: a new incident', async () => {
    const { pages, chat } = await morning([
      [T0 + 46 * MIN, { type: 'alarm', evidence: hallBusy('sh-1', T0 + 46 * MIN) }],
      [T0 + 50 * MIN, { type: 'alarm_cleared', sensorId: 'sh-1', ts: T0 + 50 * MIN }],
    ]);
    expect(pages).toBe(2);
    expect(chat).toEqual(['opened', 'resolved', 'opened', 'resolved']);
  });
});

/** A second counter group's queue warning (`alarm:sh-2`), behind a gateway that buffers. */
const lateFeed = (ts: number): Evidence => hallBusy('sh-2', ts);

describe('a late alarm and its clear in one flush, and on-call pages', () => {
  it('pages once: the warning (+38 min) and its clear (+44) arrive together at +47, after the resolution', async () => {
    const { pages, chat } = await morning([
      [T0 + 47 * MIN, { type: 'alarm', evidence: lateFeed(T0 + 38 * MIN) }],
      [T0 + 47 * MIN, { type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 44 * MIN }],
    ]);
    expect(pages).toBe(1);
    expect(chat).toEqual(['opened', 'resolved']);
  });

  it('pages once when the twin ticks between the raise and the clear of one flush', async () => {
    const { pages, chat } = await morning([
      [T0 + 47 * MIN, { type: 'alarm', evidence: lateFeed(T0 + 38 * MIN) }],
      [T0 + 47 * MIN + 500, { type: 'tick' }],
      [T0 + 47 * MIN + 800, { type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 44 * MIN }],
      [T0 + 47 * MIN + 1500, { type: 'tick' }],
      [T0 + 47 * MIN + 2500, { type: 'tick' }],
    ]);
    expect(pages).toBe(1);
    expect(chat).toEqual(['opened', 'resolved']);
  });

  it('pages again when the clear comes in a later delivery: the warning was still on when it arrived', async () => {
    const { pages, chat } = await morning([
      [T0 + 47 * MIN, { type: 'alarm', evidence: lateFeed(T0 + 38 * MIN) }],
      // The live twin ticks every second: the first tick LATE_HOLD_MS after the raise finds it still on.
      [T0 + 47 * MIN + LATE_HOLD_MS, { type: 'tick' }],
      [T0 + 48 * MIN, { type: 'alarm_cleared', sensorId: 'sh-2', ts: T0 + 44 * MIN }],
    ]);
    expect(pages).toBe(2);
    expect(chat).toEqual(['opened', 'resolved', 'opened', 'resolved']);
  });
});
