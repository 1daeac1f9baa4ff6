/**
 * An overdue hotline case through the notifications engine in the running product: a case whose
 * accept limit passes on the case desk's clock (moved on through RuntimeHooks.caseNow) is told
 * to the subscriptions naming `case_overdue` — here a webhook on loopback (node:http, signature
 * checked) — once, with the case's record and a link to the case desk, and never what the citizen
 * said, where exactly, or who called. A subscription for another district hears nothing.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { CaseDetailResponse } from '../web/shared/case-protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const SECRET = 'case-overdue-webhook-secret';
const dir = tempDir('cases-overdue');
let app: RunningCityTwin;
let admin: string;
let receiver: Server;
let clockAhead = 0;
/** Webhook requests: the channel (path), the body, whether the signature holds. */
const hooks: Array<{ path: string; body: string; signed: boolean }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      hooks.push({
        path: req.url ?? '',
        body: raw.toString('utf8'),
        signed: req.headers['x-citytwin-signature'] === `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
      });
      res.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
  app = await startTestCity(dir.path, {}, { caseNow: () => Date.now() + clockAhead });
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  const save = async (kind: string, doc: object) =>
    expect((await call(app.url!, admin, 'POST', `/api/notifications/${kind}`, doc)).status, JSON.stringify(doc)).toBe(200);
  await save('channels', { id: 'duty', kind: 'webhook', url: `http://127.0.0.1:${port}/duty`, secret: SECRET, language: 'zh-CN' });
  await save('channels', { id: 'elsewhere', kind: 'webhook', url: `http://127.0.0.1:${port}/elsewhere`, secret: SECRET });
  await save('contacts', { user: 'admin', roles: ['admin'], email: 'admin@citytwin.example' });
  await save('subscriptions', { id: 'overdue', events: ['case_overdue'], target: { role: 'admin' }, channels: ['duty'] });
  await save('subscriptions', {
    id: 'overdue-other-district',
    events: ['case_overdue'],
    districts: ['420117'],
    target: { role: 'admin' },
    channels: ['elsewhere'],
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  dir.remove();
});

describe('an overdue case through the notifications engine', () => {
  it('notifies the subscriptions naming case_overdue once, with the record and never the sensitive parts', async () => {
    const text = `路口信号灯全灭-${Date.now()}`;
    const intake = await call(app.url!, admin, 'POST', '/api/cases', {
      externalId: `OV-${Date.now()}`,
      category: 'traffic',
      text,
      caller: { name: '赵女士', phone: '13822223333' },
      lng: 114.2712345,
      lat: 30.6012345,
      address: '解放大道 100 号',
      receivedAt: Date.now() - 60_000,
    });
    expect(intake.status, JSON.stringify(intake.body)).toBe(200);
    const caseId = intake.body.caseId as string;
    const detail = (await call(app.url!, admin, 'GET', `/api/cases/${caseId}`)).body as CaseDetailResponse;

    // The traffic accept limit (30 minutes) passes on the desk's clock; the next tick marks it once.
    clockAhead = 31 * 60_000;
    expect(app.cases!.tick().filter((e) => e.caseId === caseId && e.type === 'case_overdue')).toHaveLength(1);
    expect(app.cases!.tick().filter((e) => e.caseId === caseId)).toEqual([]);
    const hook = await waitFor('the webhook request', () => hooks.find((h) => h.path === '/duty' && h.body.includes(caseId)));
    expect(hook.signed).toBe(true);
    const body = JSON.parse(hook.body) as {
      event: { kind: string };
      case: { caseId: string; stage: string; department: string; overdueMin: number; district: string | null };
      subject: string;
      text: string;
      link: string;
    };
    expect(body.event.kind).toBe('case_overdue');
    expect(body.case).toMatchObject({ caseId, stage: 'accept', department: detail.case.department, district: detail.case.district });
    expect(body.case.overdueMin).toBeGreaterThanOrEqual(0);
    expect(body.subject).toMatch(/^【工单超时】交通/);
    expect(body.text).toContain(caseId);
    expect(body.link).toMatch(new RegExp(`/cases\\.html\\?case=${caseId}$`));
    for (const secret of [text, '赵女士', '13822223333', '解放大道', '114.2712345', '30.6012345', 'OV-'])
      expect(hook.body, `the message shows "${secret}"`).not.toContain(secret);

    // Delivered and logged; the subscription of another district matched nothing.
    await waitFor('the delivery logged as sent', async () => {
      await app.notifications!.service.flushLog();
      const log = (await call(app.url!, admin, 'GET', `/api/notifications/deliveries?incident=${caseId}`)).body as Array<{
        status: string;
      }>;
      return Array.isArray(log) && log.some((d) => d.status === 'sent');
    });
    expect(hooks.filter((h) => h.path === '/elsewhere')).toEqual([]);
    expect(hooks.filter((h) => h.path === '/duty' && h.body.includes(caseId))).toHaveLength(1);
    clockAhead = 0;
  }, 120_000);
});
