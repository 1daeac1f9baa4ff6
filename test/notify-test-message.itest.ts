/**
 * "Send a test message" per notification channel, on the running product (`citytwin all` on the
 * embedded broker and ClickHouse): `POST /api/notifications/channels/{channelId}/test` sends a
 * message of kind `test` through the channel's own path — a webhook signed with the channel's
 * secret to a real HTTP receiver, an e-mail to an in-process SMTP server (`smtp-server`), a
 * text to an SMS gateway (node:http) through the channel's template — and answers how it went:
 * delivered, or the failure with the receiver's reason. Each is in the delivery log and the
 * audit. Nothing is substituted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { freePort, tempDir } from './support/fixtures.ts';
import { type CaughtMail, type MailCatcher, startMailCatcher } from './support/mail-catcher.ts';
import { startTestCity } from './support/test-city.ts';

const SECRET = 'test-message-webhook-secret';
const dir = tempDir('notify-test-message');
let app: RunningCityTwin;
let base: string;
let admin: string;
let operator: string;

interface Hit {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  verified: boolean;
}
const hits: Hit[] = [];
let receiver: Server;
let receiverPort = 0;
let smtp: MailCatcher | undefined;
let mails: CaughtMail[] = [];
let smtpPort = 0;

function receive(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    // What a receiver does (docs/notifications.md): recompute the HMAC, compare in constant time.
    const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
    const got = Buffer.from(String(req.headers['x-citytwin-signature'] ?? ''));
    const path = req.url ?? '';
    hits.push({
      path,
      headers: req.headers,
      raw: raw.toString('utf8'),
      verified: got.length === expected.length && timingSafeEqual(got, expected),
    });
    if (path.startsWith('/gone')) res.writeHead(410, { 'Content-Type': 'text/plain' }).end('this hook was removed');
    else res.writeHead(200).end('ok');
  });
}

beforeAll(async () => {
  receiverPort = await freePort();
  receiver = createServer(receive);
  await new Promise<void>((r) => receiver.listen(receiverPort, '127.0.0.1', r));
  smtp = await startMailCatcher((address) => address.startsWith('nobody@'));
  ({ port: smtpPort, mails } = smtp);
  app = await startTestCity(dir.path, { CITYTWIN_SENSORS: '50', CITYTWIN_PUBLIC_URL: 'https://citytwin.example' });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  expect(
    (await call(base, admin, 'POST', '/api/users', { username: 'op-zhao', roles: ['operator'], password: 'pw-op-zhao-123' })).status,
  ).toBe(200);
  operator = await login(base, 'op-zhao', 'pw-op-zhao-123');
  const closedPort = await freePort();
  const post = async (kind: string, doc: object) =>
    expect((await call(base, admin, 'POST', `/api/notifications/${kind}`, doc)).status).toBe(200);
  await post('channels', { id: 'hook', kind: 'webhook', url: `http://127.0.0.1:${receiverPort}/hook`, secret: SECRET, language: 'en' });
  await post('channels', { id: 'gone', kind: 'webhook', url: `http://127.0.0.1:${receiverPort}/gone`, secret: SECRET });
  await post('channels', { id: 'closed', kind: 'webhook', url: `http://127.0.0.1:${closedPort}/`, secret: SECRET, timeoutMs: 2000 });
  await post('channels', { id: 'mail', kind: 'email', host: '127.0.0.1', port: smtpPort, from: 'CityTwin <noreply@citytwin.example>' });
  await post('channels', {
    id: 'sms',
    kind: 'sms',
    url: `http://127.0.0.1:${receiverPort}/sms`,
    body: { mobile: '{to}', content: '{text}' },
  });
  await post('contacts', { user: 'admin', language: 'zh-CN', email: 'admin@citytwin.example', phone: '+8613800138000' });
  await post('contacts', { user: 'op-zhao', language: 'en', email: 'nobody@citytwin.example' });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await new Promise<void>((r) => receiver?.close(() => r()));
  await smtp?.close();
  dir.remove();
});

const test = (channel: string, body: object = {}, token = admin) =>
  call(base, token, 'POST', `/api/notifications/channels/${channel}/test`, body);

describe('a test message per channel', () => {
  it('sends a signed webhook in the channel language and answers delivered', async () => {
    const r = await test('hook');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      delivered: true,
      status: 'sent',
      error: '',
      channelKind: 'webhook',
      recipient: 'user:admin',
      language: 'en',
    });
    const hit = hits.find((h) => h.path === '/hook')!;
    expect(hit.verified).toBe(true);
    expect(hit.headers['x-citytwin-event']).toBe('test');
    const body = JSON.parse(hit.raw);
    expect(body.event).toMatchObject({ kind: 'test', id: r.body.eventId });
    expect(body.test).toEqual({ channelId: 'hook', actor: 'admin' });
    expect(body.subject).toBe('[Test message] CityTwin notification channel hook');
    expect(body.text).toContain('Sent by: admin');
  });

  it('sends an e-mail over SMTP to the contact in their language; a refused mailbox is answered with the server reason', async () => {
    const r = await test('mail');
    expect(r.body).toMatchObject({ delivered: true, status: 'sent', channelKind: 'email', recipient: 'user:admin', language: 'zh-CN' });
    expect(mails.at(-1)!.to).toEqual(['admin@citytwin.example']);
    expect(mails.at(-1)!.raw).toMatch(/X-CityTwin-Event: test/i);
    const refused = await test('mail', { user: 'op-zhao' });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ delivered: false, status: 'failed', retryable: false, recipient: 'user:op-zhao', language: 'en' });
    expect(refused.body.error).toContain('no such mailbox');
  });

  it('sends a text through the gateway template, in the language asked for', async () => {
    const r = await test('sms', { language: 'en' });
    expect(r.body).toMatchObject({ delivered: true, status: 'sent', channelKind: 'sms', language: 'en' });
    const form = new URLSearchParams(hits.find((h) => h.path === '/sms')!.raw);
    expect(form.get('mobile')).toBe('+8613800138000');
    expect(form.get('content')).toBe('[Test message] CityTwin notification channel sms https://citytwin.example/ops.html#notify');
  });

  it('answers a refusing webhook and an unreachable one with the reason', async () => {
    const gone = await test('gone');
    expect(gone.body).toMatchObject({ delivered: false, status: 'failed', retryable: false });
    expect(gone.body.error).toContain('410');
    const closed = await test('closed');
    expect(closed.body).toMatchObject({ delivered: false, status: 'dead', retryable: true, attempts: 1 });
    expect(closed.body.error).not.toBe('');
  });

  it('refuses what cannot be sent with a clear error, and anyone without notify.admin', async () => {
    const unknown = await test('nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('"nope"');
    const noPhone = await test('sms', { user: 'op-zhao' });
    expect(noPhone.status).toBe(400);
    expect(noPhone.body.error).toContain('has no phone number');
    const noContact = await test('mail', { user: 'li.wei' });
    expect(noContact.status).toBe(400);
    expect(noContact.body.error).toContain('"li.wei"');
    expect((await test('hook', {}, operator)).status).toBe(403);
  });

  it('keeps every test message in the delivery log and the audit', async () => {
    const rows = (await call(base, admin, 'GET', '/api/notifications/deliveries?limit=100')).body as Array<{
      eventKind: string;
      channelId: string;
      status: string;
      lastError: string;
      reason: string | null;
    }>;
    const tests = rows.filter((r) => r.eventKind === 'test');
    const byChannel = (id: string) => tests.filter((r) => r.channelId === id).map((r) => r.status);
    expect(byChannel('hook')).toEqual(['sent']);
    expect(byChannel('sms')).toEqual(['sent']);
    expect(byChannel('mail').sort()).toEqual(['failed', 'sent']);
    expect(tests.find((r) => r.channelId === 'gone')).toMatchObject({ status: 'failed', reason: 'refused' });
    expect(tests.find((r) => r.channelId === 'closed')).toMatchObject({ status: 'dead', reason: 'retries_exhausted' });
    const audit = JSON.stringify((await call(base, admin, 'GET', '/api/audit/entries?stream=config&action=notify_tested&limit=50')).body);
    for (const channel of ['hook', 'mail', 'sms', 'gone', 'closed']) expect(audit).toContain(`channel:${channel}`);
  });
});
