/**
 * The operations loop in the running product (`citytwin all` on the embedded broker and
 * ClickHouse): rules edited over HTTP change the live twin's alarms at once and are versioned;
 * notification documents saved over HTTP put a real SMTP server (`smtp-server`) and a webhook
 * receiver (node:http) to work when an incident opens; the incident carries its escalation,
 * tier 2 is paged exactly at the acknowledgement deadline and nothing after the
 * acknowledgement; the delivery log says what was sent; the shift log is handed over and signed
 * off by a second person. Nothing is substituted; only the notification engine's clock is moved
 * (a runtime hook) instead of waiting for a deadline.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { IncidentView, SnapshotMessage } from '../web/shared/protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { type CaughtMail, type MailCatcher, startMailCatcher } from './support/mail-catcher.ts';
import { startTestCity } from './support/test-city.ts';

const SECRET = 'ops-loop-webhook-secret';
/** Replay keyframes are on a 10 s grid (docs/replay.md). */
const GRID_MS = 10_000;
const gridCeil = (ms: number) => Math.ceil(ms / GRID_MS) * GRID_MS;
const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now()) + 20));
const dir = tempDir('ops-loop');
let app: RunningCityTwin;
let base: string;
let admin: string;
let operator: string;
let dispatcher: string;
let publisher: mqtt.MqttClient;
/** The notification engine's clock: the real one unless a test sets it. */
let frozen: number | null = null;

interface Hook {
  event: string;
  delivery: string;
  verified: boolean;
  body: {
    event: { kind: string; at: number };
    incident: Record<string, unknown>;
    recipients: Array<{ id: string; users: string[] }>;
    text: string;
  };
  raw: string;
}
const hooks: Hook[] = [];
let receiver: Server;
let hookPort = 0;
let smtp: MailCatcher | undefined;
let mails: CaughtMail[] = [];
let smtpPort = 0;

function receive(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
    const got = Buffer.from(String(req.headers['x-citytwin-signature'] ?? ''));
    hooks.push({
      event: String(req.headers['x-citytwin-event']),
      delivery: String(req.headers['x-citytwin-delivery']),
      verified: got.length === expected.length && timingSafeEqual(got, expected),
      body: JSON.parse(raw.toString('utf8')),
      raw: raw.toString('utf8'),
    });
    res.writeHead(200).end('ok');
  });
}

beforeAll(async () => {
  hookPort = await freePort();
  receiver = createServer(receive);
  await new Promise<void>((r) => receiver.listen(hookPort, '127.0.0.1', r));
  smtp = await startMailCatcher();
  ({ port: smtpPort, mails } = smtp);
  app = await startTestCity(
    dir.path,
    { CITYTWIN_SENSORS: '200', CITYTWIN_PUBLIC_URL: 'https://citytwin.example' },
    { notificationClock: () => frozen ?? Date.now() },
  );
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  for (const [username, role] of [
    ['op-wang', 'operator'],
    ['disp-li', 'dispatcher'],
  ] as const)
    expect((await call(base, admin, 'POST', '/api/users', { username, roles: [role], password: `pw-${username}-123` })).status).toBe(200);
  operator = await login(base, 'op-wang', 'pw-op-wang-123');
  dispatcher = await login(base, 'disp-li', 'pw-disp-li-123');
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'ops-loop' });
}, 120_000);

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  await new Promise<void>((r) => receiver?.close(() => r()));
  await smtp?.close();
  dir.remove();
});

describe('rules at run time', () => {
  it('applies an edited threshold to the live twin at once, as a new version with its diff, author and reason; replay uses the version in force at T', async () => {
    const site = app.city!.sensorSites.find((s) => s.kind === 'water_level')!;
    const state = async () => {
      const res = await call(base, admin, 'GET', `/api/sensors/${site.id}`);
      return res.status === 200 ? (res.body.state as string) : `HTTP ${res.status}`;
    };
    // Registered by its meta (no simulator runs), then a reading between the default warning (15 cm) and the new one (25 cm).
    const meta = { kind: 'water_level', lng: site.lng, lat: site.lat, name: site.nameZh, source: site.sourceId };
    await publisher.publishAsync(`citytwin/v1/sensors/${site.id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
    await waitFor('the sensor registered', async () => (await state()) === 'normal' || (await state()) === 'stale');
    const reading = { ts: Date.now(), values: { water_level_cm: 18 } };
    await publisher.publishAsync(`citytwin/v1/sensors/${site.id}/data`, JSON.stringify(reading), { qos: 1 });
    await waitFor('the reading above the default warning (15 cm)', async () => (await state()) === 'warning');
    // A replay grid point after the reading and before the edit.
    const before = gridCeil(reading.ts + 1);
    await until(before);

    const current = (await call(base, operator, 'GET', '/api/rules/alarms')).body;
    expect(current.version).toBe(0);
    const ruleSet = structuredClone(current.ruleSet);
    const rules = ruleSet.kinds.water_level.rules as Record<string, { metric?: string; warning: object; alarm: object }>;
    const id = Object.keys(rules).find((k) => rules[k]!.metric === 'water_level_cm')!;
    rules[id]!.warning = { enter: 25, exit: 20 };
    rules[id]!.alarm = { enter: 40, exit: 35 };

    // Only rules.edit may apply; a bad rule set is refused naming the value and what is allowed.
    expect((await call(base, operator, 'POST', '/api/rules/alarms/apply', { ruleSet, reason: 'x' })).status).toBe(403);
    const bad = structuredClone(ruleSet);
    bad.kinds.water_level.rules[id].warning = { enter: 'high', exit: 20 };
    const refused = await call(base, admin, 'POST', '/api/rules/alarms/apply', { ruleSet: bad, reason: 'typo' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('high');

    const applied = await call(base, admin, 'POST', '/api/rules/alarms/apply', { ruleSet, reason: 'raised after the drain upgrade' });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ version: 1, author: 'admin', reason: 'raised after the drain upgrade' });
    // In force at once: the live twin re-evaluated the sensor's current value under the new rule.
    expect(await state()).toBe('normal');

    const history = (await call(base, admin, 'GET', '/api/rules/alarms/versions')).body;
    expect(history).toMatchObject({ scope: 'alarms', current: 1, baseline: 'defaults' });
    const versions = history.versions as Array<{ version: number; author: string; diff: unknown[] }>;
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(versions[0]!.diff.length).toBeGreaterThan(0);
    const diff = await call(base, admin, 'GET', '/api/rules/alarms/diff?fromVersion=0&toVersion=1');
    expect(diff.status).toBe(200);
    expect(JSON.stringify(diff.body)).toContain('25');
    const audit = (await call(base, admin, 'GET', '/api/audit/entries?stream=config&limit=50')).body;
    expect(JSON.stringify(audit)).toContain('rules_applied');

    // Replay at T runs the rules in force at T: the stored reading is a warning before the edit, normal after it.
    const after = gridCeil(applied.body.at + 1);
    await until(after);
    const replayed = async (at: number) => {
      const kf = await call(base, admin, 'GET', `/api/replay/keyframe?at=${at}`);
      expect(kf.status, JSON.stringify(kf.body).slice(0, 300)).toBe(200);
      return (kf.body.snapshot as SnapshotMessage).sensors.find((x) => x.id === site.id)?.state;
    };
    expect(await waitFor('the reading stored and replayed as a warning', async () => ((await replayed(before)) === 1 ? 1 : null))).toBe(1);
    expect(await replayed(after)).toBe(0);
  }, 60_000);
});

describe('notifications wired end to end', () => {
  let incident: IncidentView;

  it('saves the configuration over HTTP, never echoing a secret, refusing what does not resolve', async () => {
    const post = (kind: string, doc: object) => call(base, admin, 'POST', `/api/notifications/${kind}`, doc);
    const hook = await post('channels', {
      id: 'hook',
      kind: 'webhook',
      url: `http://127.0.0.1:${hookPort}/hook`,
      secret: SECRET,
      language: 'en',
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    });
    expect(hook.status).toBe(200);
    expect(JSON.stringify(hook.body)).not.toContain(SECRET);
    expect(
      (
        await post('channels', {
          id: 'mail',
          kind: 'email',
          host: '127.0.0.1',
          port: smtpPort,
          from: 'CityTwin <noreply@citytwin.example>',
        })
      ).status,
    ).toBe(200);
    expect(JSON.stringify((await call(base, admin, 'GET', '/api/notifications/channels')).body)).not.toContain(SECRET);
    // A subscription naming a channel that does not exist is refused with the name.
    const dangling = await post('subscriptions', { id: 's0', events: ['opened'], target: { role: 'operator' }, channels: ['nope'] });
    expect(dangling.status).toBe(400);
    expect(dangling.body.error).toContain('nope');
    for (const [user, language, roles] of [
      ['op-wang', 'en', ['operator']],
      ['disp-li', 'zh-CN', ['dispatcher']],
    ] as const)
      expect((await post('contacts', { user, language, email: `${user}@citytwin.example`, roles })).status).toBe(200);
    const allDays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    expect(
      (await post('rosters', { id: 'duty', shifts: [{ days: allDays, from: '00:00', to: '24:00', tiers: [['op-wang'], ['disp-li']] }] }))
        .status,
    ).toBe(200);
    expect(
      (
        await post('policies', {
          id: 'everything',
          ackDeadlineMin: 10,
          tiers: [{ targets: [{ team: 'duty' }] }, { targets: [{ team: 'duty', tier: 2 }] }],
          channels: ['mail'],
        })
      ).status,
    ).toBe(200);
    expect(
      (await post('subscriptions', { id: 'ops-hook', events: ['opened', 'resolved'], target: { role: 'operator' }, channels: ['hook'] }))
        .status,
    ).toBe(200);
    // Deleting a channel a subscription names is refused (409).
    expect((await call(base, admin, 'DELETE', '/api/notifications/channels/hook')).status).toBe(409);
    // Only notify.admin reads the configuration.
    expect((await call(base, operator, 'GET', '/api/notifications/channels')).status).toBe(403);
    expect((await call(base, operator, 'GET', '/api/oncall')).body.teams).toEqual([
      { team: 'duty', name: null, tiers: [['op-wang'], ['disp-li']] },
    ]);
  });

  it('an incident opened in the live product sends the signed webhook and the tier-1 mail, and carries its escalation', async () => {
    await publisher.publishAsync(
      'citytwin/v1/events/ops-desk',
      JSON.stringify({ id: `r-${Date.now()}`, ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng: 114.27, lat: 30.58 }),
      { qos: 1 },
    );
    incident = await waitFor('the incident', async () => {
      const list = (await call(base, operator, 'GET', '/api/incidents')).body as IncidentView[];
      return list.find((i) => i.type === 'waterlogging') ?? null;
    });
    const opened = await waitFor('the webhook', () => hooks.find((h) => h.event === 'opened' && h.body.incident.id === incident.id));
    expect(opened.verified).toBe(true);
    expect(opened.body.recipients).toEqual([{ id: 'role:operator', users: ['op-wang'] }]);
    expect(opened.body.text).toContain(incident.id);
    expect(opened.body.text).toContain('https://citytwin.example/?incident=');
    const mail = await waitFor('the tier-1 mail', () => mails.find((m) => m.raw.includes(incident.id)));
    expect(mail.to).toEqual(['op-wang@citytwin.example']);

    const view = (await call(base, operator, 'GET', '/api/incidents')).body.find((i: IncidentView) => i.id === incident.id) as IncidentView;
    expect(view.escalation).toEqual({
      policyId: 'everything',
      tier: 1,
      nextTier: 2,
      nextRepeat: 0,
      nextEscalationAt: incident.openedAt + 10 * 60_000,
    });
    const list = (await call(base, operator, 'GET', '/api/notifications/escalations')).body;
    expect(list.escalations.map((e: { incidentId: string }) => e.incidentId)).toContain(incident.id);

    const log = await waitFor('the deliveries logged as sent', async () => {
      const rows = (await call(base, admin, 'GET', `/api/notifications/deliveries?incident=${incident.id}`)).body as Array<{
        channelId: string;
        status: string;
      }>;
      return rows.filter((r) => r.status === 'sent').length >= 2 ? rows : null;
    });
    expect(new Set(log.filter((r) => r.status === 'sent').map((r) => r.channelId))).toEqual(new Set(['hook', 'mail']));
  }, 60_000);

  it('pages tier 2 exactly at the acknowledgement deadline and nothing after the acknowledgement', async () => {
    const due = incident.openedAt + 10 * 60_000;
    const toLi = () => mails.filter((m) => m.to.includes('disp-li@citytwin.example') && m.raw.includes(incident.id));
    frozen = due - 1;
    app.notifications!.service.tick();
    expect(app.notifications!.service.escalation(incident.id)?.tier).toBe(1);
    frozen = due;
    app.notifications!.service.tick();
    expect(app.notifications!.service.escalation(incident.id)?.tier).toBe(2);
    await waitFor('the tier-2 mail', () => toLi().length === 1);

    expect(
      (await call(base, operator, 'POST', `/api/incidents/${incident.id}/actions`, { action: 'acknowledge', reason: 'on it' })).status,
    ).toBe(200);
    await waitFor('the escalation stopped', () => app.notifications!.service.escalation(incident.id) === null);
    const mailsBefore = mails.length;
    frozen = due + 60 * 60_000;
    app.notifications!.service.tick();
    await app.notifications!.service.dispatcher.drain();
    expect(mails.length).toBe(mailsBefore);
    const view = (await call(base, operator, 'GET', '/api/incidents')).body.find((i: IncidentView) => i.id === incident.id) as IncidentView;
    expect(view.escalation).toBeNull();
    frozen = null;
  }, 60_000);
});

describe('the shift log', () => {
  it('takes notes, hands over with a summary of the open incidents, and is signed off by the incoming lead only', async () => {
    const note = await call(base, operator, 'POST', '/api/shifts/current/notes', { text: 'pump 3 at Hankou station restarted' });
    expect(note.status).toBe(200);
    expect(note.body).toMatchObject({ id: 'shift-000001', lead: 'op-wang', status: 'open' });
    expect(note.body.notes.map((n: { text: string }) => n.text)).toEqual(['pump 3 at Hankou station restarted']);
    // The incoming lead must be another person, with an account that may write in the log.
    expect((await call(base, operator, 'POST', '/api/shifts/current/handover', { incomingLead: 'op-wang' })).status).toBe(409);
    expect((await call(base, operator, 'POST', '/api/shifts/current/handover', { incomingLead: 'nobody-here' })).status).toBe(409);
    const handover = await call(base, operator, 'POST', '/api/shifts/current/handover', { incomingLead: 'disp-li', note: 'quiet night' });
    expect(handover.status).toBe(200);
    const summary = handover.body.handover.summary;
    const active = (await call(base, admin, 'GET', '/api/incidents')).body as IncidentView[];
    expect(summary.openIncidents).toBe(active.length);
    expect(summary.byType.waterlogging).toBeGreaterThanOrEqual(1);
    expect(summary.unacknowledged.map((u: { id: string }) => u.id)).toEqual(
      active
        .filter((i) => i.status === 'open')
        .map((i) => i.id)
        .sort(),
    );
    // Neither the outgoing lead nor a third person signs it off; the incoming lead does.
    expect((await call(base, operator, 'POST', '/api/shifts/shift-000001/sign-off', {})).status).toBe(403);
    expect((await call(base, admin, 'POST', '/api/shifts/shift-000001/sign-off', {})).status).toBe(403);
    const signed = await call(base, dispatcher, 'POST', '/api/shifts/shift-000001/sign-off', { note: 'taken over' });
    expect(signed.status).toBe(200);
    expect(signed.body.signed).toMatchObject({ status: 'signed_off', signOff: { by: 'disp-li', note: 'taken over' } });
    expect(signed.body.opened).toMatchObject({ id: 'shift-000002', lead: 'disp-li', status: 'open' });
    const shifts = (await call(base, operator, 'GET', '/api/shifts')).body as Array<{ id: string }>;
    expect(shifts.map((s) => s.id)).toEqual(['shift-000002', 'shift-000001']);
    const audit = JSON.stringify((await call(base, admin, 'GET', '/api/audit/entries?stream=shift&limit=50')).body);
    for (const action of ['opened', 'note', 'handover', 'signed_off']) expect(audit).toContain(action);
  }, 60_000);
});
