/**
 * Notifications end to end on loopback: incident changes through the engine
 * (twin-model/notifications) into the dispatcher and real channels (web/server/notifications).
 * Real: an SMTP server in-process (`smtp-server` on a free port), webhook receivers and an SMS
 * gateway (node:http), nodemailer, the HTTP client, timers. Nothing is substituted; the
 * delivery log is the in-memory one (the ClickHouse one is in notification-store.itest.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKey, webhookMessageId, type Incident, type NotificationConfigInput } from '../twin-model/index.ts';
import { listedIncident } from '../twin-model/incidents/fixtures/listed-incident.ts';
import { MemoryIdempotencyKeys, type IdempotencyKeys } from '../web/server/notifications/index.ts';
import { freePort } from './support/fixtures.ts';
import { memoryDispatcher, type NotificationConfig, notificationEngine } from './support/notification-engine.ts';

const T0 = Date.UTC(2026, 11, 7, 2, 3, 4); // 10:03:04 in Shanghai, a Monday
const SECRET = 'webhook-secret-for-tests';

// ---------------------------------------------------------------- receivers

interface Mail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  subject: string;
  text: string;
}

/** Decodes RFC 2047 encoded words (B and Q) in a header value. */
function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*(?==\?)?/g, (_, _charset, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function parseMail(raw: string, from: string, to: string[]): Mail {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = raw.slice(split + 4);
  const text = headers['content-transfer-encoding'] === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { from, to, headers, subject: decodeWords(headers.subject ?? ''), text: text.replace(/\r\n/g, '\n').trimEnd() };
}

const mails: Mail[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

interface Hit {
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  verified: boolean;
  answered: number;
}

/** Behaviour of the webhook receiver per path. */
const mode = { down: false, flakyFirst: new Set<string>() };
const hits: Hit[] = [];
let http: Server;
let httpPort = 0;

function verify(raw: Buffer, header: string | undefined): boolean {
  // What a receiver does (docs/notifications.md): recompute, compare in constant time.
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
  const got = Buffer.from(header ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function receive(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0]!;
    const hit: Hit = {
      path: req.url ?? '',
      method: req.method ?? '',
      headers: req.headers,
      raw,
      verified: verify(raw, req.headers['x-citytwin-signature'] as string | undefined),
      answered: 0,
    };
    hits.push(hit);
    const answer = (status: number) => {
      hit.answered = status;
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver trouble');
    };
    if (path === '/slow') return; // never answers; the sender's deadline ends it
    if (path === '/hook' && !hit.verified) return answer(401);
    if (path === '/hook' && mode.down) return answer(503);
    const key = String(req.headers['x-citytwin-delivery']);
    if (path === '/flaky' && !mode.flakyFirst.has(key)) {
      mode.flakyFirst.add(key);
      return answer(500);
    }
    answer(200);
  });
}

beforeAll(async () => {
  smtpPort = await freePort();
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) {
        const err = Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push(
          parseMail(
            Buffer.concat(chunks).toString('utf8'),
            from,
            session.envelope.rcptTo.map((r) => r.address),
          ),
        );
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  httpPort = await freePort();
  http = createServer(receive);
  await new Promise<void>((resolve) => http.listen(httpPort, '127.0.0.1', resolve));
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await new Promise<void>((r) => smtp.close(() => r()));
});

// ---------------------------------------------------------------- the product's parts

const channels = () => [
  {
    id: 'hook',
    kind: 'webhook',
    url: `http://127.0.0.1:${httpPort}/hook`,
    secret: SECRET,
    retry: { attempts: 10, baseDelayMs: 10, maxDelayMs: 80 },
  },
  {
    id: 'flaky',
    kind: 'webhook',
    url: `http://127.0.0.1:${httpPort}/flaky`,
    secret: SECRET,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  },
  {
    id: 'slow',
    kind: 'webhook',
    url: `http://127.0.0.1:${httpPort}/slow`,
    secret: SECRET,
    timeoutMs: 200,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  },
  { id: 'mail', kind: 'email', host: '127.0.0.1', port: smtpPort, from: 'CityTwin 城市大脑 <noreply@citytwin.example>', timeoutMs: 5000 },
  {
    id: 'sms-form',
    kind: 'sms',
    url: `http://127.0.0.1:${httpPort}/sms/form`,
    headers: { 'X-Api-Key': 'gateway-key' },
    body: { mobile: '{to}', content: '{text}', sign: 'CityTwin' },
  },
  {
    id: 'sms-json',
    kind: 'sms',
    url: `http://127.0.0.1:${httpPort}/sms/json`,
    encoding: 'json',
    body: { phone: '{to}', message: '[CT] {text}' },
    maxLength: 60,
  },
];

const contacts = [
  { user: 'wang', language: 'zh-CN', email: 'wang@example.cn', phone: '+8613800000001', roles: ['operator'] },
  { user: 'zhang', language: 'zh-CN', email: 'zhang@example.cn', roles: ['operator'] },
  { user: 'li', language: 'en', email: 'li@example.cn', phone: '+8613800000002', roles: ['operator'] },
  { user: 'ghost', language: 'en', email: 'nobody@example.cn', roles: ['operator'] },
  { user: 'zhao', phone: '+8613800000003', roles: ['dispatcher'] },
];

function incident(n: number, over: Partial<Incident> = {}): Incident {
  const id = `inc-${String(n).padStart(6, '0')}`;
  return listedIncident(id, 'waterlogging', 114.2701, 30.5802, { district: '420103', openedAt: T0, ...over });
}

/** The engine with a configuration; returns the messages for opened incidents. */
function engine(docs: NotificationConfigInput) {
  return notificationEngine({ channels: channels(), contacts, ...docs }, new Map([['420103', { zh: '江汉区', en: 'Jianghan' }]]));
}

function dispatcher(config: NotificationConfig, keys: IdempotencyKeys = new MemoryIdempotencyKeys()) {
  return memoryDispatcher(config, 11, keys);
}

const subscription = (channel: string, over: object = {}) => ({
  subscriptions: [{ id: `to-${channel}`, events: ['opened'], target: { role: 'operator' }, channels: [channel], ...over }],
});

// ---------------------------------------------------------------- tests

describe('e-mail over SMTP', () => {
  it('sends one mail per language to the right recipients, with the content in that language', async () => {
    mails.length = 0;
    const { config, open } = engine(subscription('mail'));
    const { d, log } = dispatcher(config);
    d.enqueue(open(incident(1)));
    await d.drain();
    await d.close();

    const byLanguage = Object.fromEntries(mails.map((m) => [m.headers['content-language'], m]));
    expect(mails).toHaveLength(2);
    const zh = byLanguage['zh-CN']!;
    expect(zh.to.sort()).toEqual(['wang@example.cn', 'zhang@example.cn']);
    expect(zh.from).toBe('noreply@citytwin.example');
    expect(zh.subject).toBe('【新事件】道路积水 · 江汉区 · 3级');
    expect(zh.text).toBe(
      [
        '事件：inc-000001 (道路积水)',
        '等级：3',
        '地点：江汉区 (114.2701, 30.5802)',
        '时间：2026-12-07 10:03:04 (Asia/Shanghai)',
        '查看：https://citytwin.example/?incident=inc-000001',
      ].join('\n'),
    );
    const en = byLanguage.en!;
    expect(en.to).toEqual(['li@example.cn']);
    expect(en.subject).toBe('[New] Waterlogging · Jianghan · severity 3');
    expect(en.text).toContain('Time: 2026-12-07 10:03:04 (Asia/Shanghai)');
    expect(en.headers['x-citytwin-event']).toBe('opened');

    // The server refused ghost's address (550): failed, not retried; the others sent.
    const key = (user: string) => deliveryKey('inc-000001/opened', `user:${user}`, 'mail');
    expect(['wang', 'zhang', 'li'].map((u) => log.latest.get(key(u))!.status)).toEqual(['sent', 'sent', 'sent']);
    expect(log.latest.get(key('ghost'))).toMatchObject({ status: 'failed', reason: 'refused', attempts: 1 });
    expect(log.latest.get(key('ghost'))!.lastError).toContain('no such mailbox');
  });
});

describe('webhooks', () => {
  it('signs every body so the receiver can verify it, and a tampered body fails the check', async () => {
    hits.length = 0;
    const { config, open } = engine(subscription('hook'));
    const { d, log } = dispatcher(config);
    d.enqueue(open(incident(2)));
    await d.drain();
    await d.close();
    expect(hits.map((h) => [h.path, h.verified, h.answered])).toEqual([['/hook', true, 200]]);
    const body = JSON.parse(hits[0]!.raw.toString('utf8'));
    expect(body).toMatchObject({
      id: 'inc-000002/opened|hook',
      event: { kind: 'opened' },
      incident: { id: 'inc-000002', district: '420103' },
      recipients: [{ id: 'role:operator', users: ['wang', 'zhang', 'li', 'ghost'] }],
      subject: '【新事件】道路积水 · 江汉区 · 3级',
    });
    expect(hits[0]!.headers['x-citytwin-delivery']).toBe(body.id);
    expect(
      verify(
        Buffer.from(hits[0]!.raw.toString('utf8').replace('"severity":3', '"severity":1')),
        hits[0]!.headers['x-citytwin-signature'] as string,
      ),
    ).toBe(false);
    expect(log.latest.get(deliveryKey('inc-000002/opened', 'role:operator', 'hook'))!.status).toBe('sent');
  });

  it('retries after a 500 and is received once with 200', async () => {
    hits.length = 0;
    const { config, open } = engine(subscription('flaky'));
    const { d, log } = dispatcher(config);
    d.enqueue(open(incident(3)));
    await d.drain();
    await d.close();
    expect(hits.map((h) => h.answered)).toEqual([500, 200]);
    const key = 'inc-000003/opened|role:operator|flaky';
    expect(log.statuses(key)).toEqual(['queued', 'retrying', 'sent']);
    expect(log.latest.get(key)).toMatchObject({ attempts: 2, lastError: 'HTTP 500: receiver trouble' });
  });

  it('gives up on a receiver that never answers: retries, then a dead letter with the last error', async () => {
    hits.length = 0;
    const { config, open } = engine(subscription('slow'));
    const { d, log } = dispatcher(config);
    d.enqueue(open(incident(4)));
    await d.drain();
    await d.close();
    expect(hits.filter((h) => h.path === '/slow')).toHaveLength(3);
    const key = 'inc-000004/opened|role:operator|slow';
    expect(log.statuses(key)).toEqual(['queued', 'retrying', 'retrying', 'dead']);
    expect(d.deadLetters('slow')).toMatchObject([{ reason: 'retries_exhausted', error: 'no answer within 200 ms', attempts: 3 }]);
  });

  it('receives every event exactly once after the receiver recovers, and a second node sends nothing again', async () => {
    hits.length = 0;
    mode.down = true;
    const keys = new MemoryIdempotencyKeys();
    const { config, open } = engine(subscription('hook'));
    const messages = Array.from({ length: 20 }, (_, i) => open(incident(100 + i))).flat();
    expect(messages).toHaveLength(20);
    const first = dispatcher(config, keys);
    first.d.enqueue(messages);
    // Every message has failed at least once before the receiver comes back.
    await expect.poll(() => new Set(hits.map((h) => h.headers['x-citytwin-delivery'])).size).toBe(20);
    mode.down = false;
    await first.d.drain();

    const accepted = hits.filter((h) => h.answered === 200).map((h) => String(h.headers['x-citytwin-delivery']));
    // One request per (event, channel): the delivery header names the event and the channel.
    expect(accepted.sort()).toEqual(messages.map((m) => webhookMessageId(m.event.id, 'hook')).sort());
    expect(hits.every((h) => h.verified)).toBe(true);
    expect(first.d.stats().hook).toMatchObject({ sent: 20, dead: 0, failed: 0 });

    // The same changes replayed on this node and seen by a second web node sharing the keys.
    const second = dispatcher(config, keys);
    first.d.enqueue(messages);
    second.d.enqueue(messages);
    await Promise.all([first.d.drain(), second.d.drain()]);
    expect(hits.filter((h) => h.answered === 200)).toHaveLength(20);
    expect(first.d.stats().hook!.duplicates + second.d.stats().hook!.duplicates).toBe(40);
    await Promise.all([first.d.close(), second.d.close()]);
  });
});

describe('SMS through an HTTP gateway', () => {
  it('sends the templated body as a form and as JSON', async () => {
    hits.length = 0;
    const { config, open } = engine({
      rosters: [{ id: 'drainage', shifts: [{ days: ['mon'], from: '00:00', to: '24:00', tiers: [['zhao'], ['wang']] }] }],
      policies: [
        {
          id: 'water',
          ackDeadlineMin: 10,
          tiers: [{ targets: [{ team: 'drainage' }, { user: 'li' }] }],
          channels: ['sms-form', 'sms-json'],
        },
      ],
    });
    const { d } = dispatcher(config);
    d.enqueue(open(incident(5)));
    await d.drain();
    await d.close();

    const form = hits.filter((h) => h.path === '/sms/form').map((h) => Object.fromEntries(new URLSearchParams(h.raw.toString('utf8'))));
    const subject = '【升级·第1级】道路积水 · 江汉区 · 待确认';
    expect(form).toEqual([
      { mobile: '+8613800000003', content: `${subject} https://citytwin.example/?incident=inc-000005`, sign: 'CityTwin' },
      {
        mobile: '+8613800000002',
        content: `[Escalation tier 1] Waterlogging · Jianghan · not acknowledged https://citytwin.example/?incident=inc-000005`,
        sign: 'CityTwin',
      },
    ]);
    const formHit = hits.find((h) => h.path === '/sms/form')!;
    expect(formHit.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(formHit.headers['x-api-key']).toBe('gateway-key');

    const json = hits.filter((h) => h.path === '/sms/json').map((h) => JSON.parse(h.raw.toString('utf8')));
    expect(json.map((j) => j.phone)).toEqual(['+8613800000003', '+8613800000002']);
    // Cut to the channel's 60 characters, then put in the template.
    expect(json[0].message).toBe(`[CT] ${[...`${subject} https://citytwin.example/?incident=inc-000005`].slice(0, 59).join('')}…`);
  });
});
