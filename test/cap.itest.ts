/**
 * Public warnings (CAP 1.2) on a started product — `citytwin all` in this process, the embedded
 * broker and ClickHouse, real MQTT clients:
 * - out: an operator drafts a warning from a waterlogging incident; the drafter cannot approve it
 *   (two-person rule); a second operator approves; it is published and an MQTT subscriber on
 *   `citytwin/v1/alerts/cap` receives the XML, which `parseCapXml` reads back as exactly the
 *   alert approved; the public XML and the Atom feed (no login, well-formed) list it; an Update
 *   and a Cancel reference the original; every desk action is in the audit record;
 * - in: a rainstorm warning published on `citytwin/v1/warnings/{source}/cap` raises the
 *   waterlogging incident's confidence with the reason `official_warning_covers` in its
 *   evidence; a refused CAP document is dead-lettered with its problems; a warning feed's token
 *   posts CAP over HTTP (422 with the problems when refused);
 * - a restart rebuilds the desk and the warnings held from the store.
 */
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { CAP_ALERTS_TOPIC, formatCapTime, parseCapXml, type CapAlert } from '../twin-model/cap/index.ts';
import { topics } from '../twin-model/index.ts';
import type { CapRecordView, WarningAreaView } from '../web/shared/cap-protocol.ts';
import { wordLinkReason } from '../web/shared/incident-wording.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('cap');
const ENV = { CITYTWIN_BATCH_MAX_DELAY_MS: '50', CITYTWIN_CAP_SENDER: 'cap@ops.wuhan.example' };
let app: RunningCityTwin;
let base = '';
let publisher: mqtt.MqttClient;
let subscriber: mqtt.MqttClient;
const received: Array<{ topic: string; xml: string }> = [];
let admin = '';
let op1 = '';
let op2 = '';
let feed = '';
let incidentId = '';

/** The rainstorm red warning of the fixtures, re-timed to be in force now. */
function rainstormNow(identifier: string, from: number): string {
  const xml = readFileSync(new URL('../twin-model/cap/fixtures/rainstorm-red-warning.xml', import.meta.url), 'utf8');
  const effective = formatCapTime(from, 'Asia/Shanghai');
  const expires = formatCapTime(from + 6 * 3_600_000, 'Asia/Shanghai');
  return xml
    .replaceAll('42010041600000_20260701140000', identifier)
    .replaceAll('<sent>2026-07-01T14:00:00+08:00</sent>', `<sent>${effective}</sent>`)
    .replaceAll('<effective>2026-07-01T14:00:00+08:00</effective>', `<effective>${effective}</effective>`)
    .replaceAll('<expires>2026-07-01T20:00:00+08:00</expires>', `<expires>${expires}</expires>`);
}

function parsed(xml: string): CapAlert {
  const r = parseCapXml(xml);
  if (!r.ok) throw new Error(`CAP refused: ${JSON.stringify(r.problems)}`);
  return r.alert;
}

async function postXml(token: string, xml: string, type = 'application/cap+xml'): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL('/api/cap/incoming', base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: xml,
  });
  return { status: res.status, body: await res.json() };
}

async function user(username: string, roles: string[]): Promise<string> {
  const password = `pw-for-${username}-1234`;
  const created = await call(base, admin, 'POST', '/api/users', { username, roles, password });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return login(base, username, password);
}

beforeAll(async () => {
  app = await startTestCity(dir.path, ENV);
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  op1 = await user('op-zhang', ['operator']);
  op2 = await user('op-li', ['operator']);
  feed = await user('met-bureau', ['warning_feed']);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-cap' });
  subscriber = await mqtt.connectAsync(app.mqttUrl, { clientId: 'sub-cap' });
  subscriber.on('message', (topic, payload) => received.push({ topic, xml: payload.toString('utf8') }));
  await subscriber.subscribeAsync(CAP_ALERTS_TOPIC, { qos: 1 });
  // A waterlogging incident in Jianghan, inside the rainstorm warning's polygon: a gauge and a call.
  const now = Date.now();
  await publisher.publishAsync(
    topics.sensorMeta('wl-cap-1'),
    JSON.stringify({ kind: 'water_level', lng: 114.265, lat: 30.586, source: 'test-src' }),
    { qos: 1, retain: true },
  );
  await publisher.publishAsync(topics.sensorData('wl-cap-1'), JSON.stringify({ ts: now, values: { water_level_cm: 33 } }), { qos: 1 });
  await waitFor('the alarm in the twin', () => app.twin!.state.byId.get('wl-cap-1')?.state === 2);
  await publisher.publishAsync(
    topics.event('hotline'),
    JSON.stringify({ id: 'cap-case-1', ts: now + 1000, type: 'citizen_report', category: 'waterlogging', lng: 114.2655, lat: 30.5865 }),
    { qos: 1 },
  );
  const incident = await waitFor('the waterlogging incident', () => app.twin!.activeIncidents().find((i) => i.type === 'waterlogging'));
  incidentId = incident.id;
});

afterAll(async () => {
  await subscriber?.endAsync();
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('public warnings out: draft, second-person approval, publication', () => {
  let identifier = '';

  it('drafts a warning from the incident, its area around the incident, in zh-CN and en-US', async () => {
    const drafted = await call(base, op1, 'POST', `/api/incidents/${incidentId}/cap`, {});
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(200);
    const r = drafted.body as CapRecordView;
    identifier = r.identifier;
    expect(r).toMatchObject({
      state: 'draft',
      msgType: 'Alert',
      status: 'Actual',
      incidentId,
      draftedBy: 'op-zhang',
      authors: ['op-zhang'],
    });
    expect(r.texts.map((t) => [t.language, t.event])).toEqual([
      ['zh-CN', '道路积水'],
      ['en-US', 'Road waterlogging'],
    ]);
    const alert = parsed(r.xml);
    expect(alert.sender).toBe('cap@ops.wuhan.example');
    expect(alert.incidents).toEqual([incidentId]);
    const circle = alert.infos[0]!.areas[0]!.circles[0]!;
    expect(circle.lat).toBeCloseTo(app.twin!.incident(incidentId)!.lat, 4);
    expect(circle.radiusKm).toBeGreaterThanOrEqual(0.5);
    // Not public before it is published.
    expect((await call(base, null, 'GET', `/api/cap/published/${identifier}`)).status).toBe(404);
  });

  it('refuses approval by the drafter or an editor (two-person rule), and by a role without cap.approve', async () => {
    const self = await call(base, op1, 'POST', `/api/cap/alerts/${identifier}/approve`, {});
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ code: 'self_approval' });
    expect(self.body.error).toMatch(/op-zhang drafted or edited alert .*another person must approve/);
    // op-li edits the text: an author now, so op-li cannot approve either.
    const edited = await call(base, op2, 'POST', `/api/cap/alerts/${identifier}/edit`, {
      instruction: { zh: '请绕行江汉路下穿通道。', en: 'Avoid the Jianghan Road underpass.' },
      severity: 'Severe',
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.authors).toEqual(['op-zhang', 'op-li']);
    expect((await call(base, op2, 'POST', `/api/cap/alerts/${identifier}/approve`, {})).body.code).toBe('self_approval');
    // A dispatcher drafts but does not approve; an analyst may not draft.
    const dispatcher = await user('disp-wang', ['dispatcher']);
    expect((await call(base, dispatcher, 'POST', `/api/cap/alerts/${identifier}/approve`, {})).status).toBe(403);
    const analyst = await user('ana-chen', ['analyst']);
    expect((await call(base, analyst, 'POST', `/api/incidents/${incidentId}/cap`, {})).status).toBe(403);
    // Publishing needs approval first.
    const early = await call(base, op1, 'POST', `/api/cap/alerts/${identifier}/publish`, {});
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'wrong_state', params: { state: 'draft', needs: 'approved' } });
  });

  it('publishes once a second person approved: a subscriber receives the XML, parsed back as the alert approved', async () => {
    const approved = await call(base, admin, 'POST', `/api/cap/alerts/${identifier}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', approvedBy: 'admin' });
    const published = await call(base, op1, 'POST', `/api/cap/alerts/${identifier}/publish`, {});
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect(published.body).toMatchObject({ state: 'published', publishedBy: 'op-zhang' });
    const message = await waitFor('the alert on MQTT', () => received.find((m) => m.xml.includes(identifier)));
    expect(message.topic).toBe(CAP_ALERTS_TOPIC);
    expect(parsed(message.xml)).toEqual(parsed(approved.body.xml));
    expect(parsed(message.xml).infos[0]!.severity).toBe('Severe');
    // Public, without a login, as application/cap+xml.
    const xml = await fetch(new URL(`/api/cap/published/${identifier}`, base));
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toMatch(/^application\/cap\+xml/);
    expect(await xml.text()).toBe(message.xml);
  });

  it('lists it in a well-formed Atom feed, public, linking the CAP XML', async () => {
    const res = await fetch(new URL('/api/cap/feed.atom', base));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    const atom = await res.text();
    expect(XMLValidator.validate(atom)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'entry' }).parse(atom) as {
      feed: { entry: Array<{ id: string; link: { '@_href': string; '@_type': string } }> };
    };
    expect(doc.feed.entry).toHaveLength(1);
    expect(doc.feed.entry[0]!.link['@_type']).toBe('application/cap+xml');
    const link = new URL(doc.feed.entry[0]!.link['@_href']);
    expect(link.pathname).toBe(`/api/cap/published/${identifier}`);
    expect((await fetch(new URL(link.pathname, base))).status).toBe(200);
  });

  it('updates and cancels with references to the original, each approved by a second person', async () => {
    const original = parsed((await call(base, op1, 'GET', `/api/cap/alerts/${identifier}`)).body.record.xml);
    const update = await call(base, op1, 'POST', `/api/cap/alerts/${identifier}/update`, {
      severity: 'Extreme',
      expiresInH: 4,
      note: 'water rising',
    });
    expect(update.status, JSON.stringify(update.body)).toBe(200);
    const u = update.body as CapRecordView;
    expect(u).toMatchObject({ msgType: 'Update', state: 'draft', incidentId });
    expect(u.references).toEqual([`${original.sender},${original.identifier},${original.sent}`]);
    expect((await call(base, op1, 'POST', `/api/cap/alerts/${u.identifier}/approve`, {})).body.code).toBe('self_approval');
    expect((await call(base, op2, 'POST', `/api/cap/alerts/${u.identifier}/approve`, {})).status).toBe(200);
    expect((await call(base, op1, 'POST', `/api/cap/alerts/${u.identifier}/publish`, {})).status).toBe(200);
    const head = await call(base, op1, 'GET', `/api/cap/alerts/${identifier}`);
    expect(head.body.record).toMatchObject({ state: 'superseded', supersededBy: u.identifier });
    expect(head.body.history.map((h: { action: string }) => h.action)).toEqual([
      'drafted',
      'edited',
      'approved',
      'published',
      'superseded',
    ]);
    // The superseded original can no longer be followed; the Update can.
    expect((await call(base, op1, 'POST', `/api/cap/alerts/${identifier}/cancel`, { reason: 'x' })).body.code).toBe(
      'original_not_published',
    );
    const cancel = await call(base, op2, 'POST', `/api/cap/alerts/${u.identifier}/cancel`, { reason: '积水已退 / water receded' });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    const c = cancel.body as CapRecordView;
    const updated = parsed(u.xml);
    expect(c.references).toEqual([
      `${original.sender},${original.identifier},${original.sent}`,
      `${updated.sender},${updated.identifier},${updated.sent}`,
    ]);
    expect(parsed(c.xml).note).toBe('积水已退 / water receded');
    expect((await call(base, op1, 'POST', `/api/cap/alerts/${c.identifier}/approve`, {})).status).toBe(200);
    expect((await call(base, op2, 'POST', `/api/cap/alerts/${c.identifier}/publish`, {})).status).toBe(200);
    const sent = await waitFor('the cancel on MQTT', () => received.find((m) => m.xml.includes(c.identifier)));
    expect(parsed(sent.xml)).toMatchObject({ msgType: 'Cancel', references: parsed(c.xml).references });
    expect((await call(base, op1, 'GET', `/api/cap/alerts/${u.identifier}`)).body.record.state).toBe('cancelled');
    // The feed lists the Cancel (for a day) and no longer the alerts it replaced.
    const atom = await (await fetch(new URL('/api/cap/feed.atom', base))).text();
    expect(atom).toContain(c.identifier);
    expect(atom).not.toContain(`/published/${identifier}<`);
  });

  it('records every desk action in the audit record, with the actor', async () => {
    const entries = await call(base, admin, 'GET', '/api/audit/entries?stream=cap&limit=100');
    expect(entries.status).toBe(200);
    const mine = (entries.body.entries as Array<{ actor: string; action: string; object: string }>)
      .filter((e) => e.object === identifier)
      .map((e) => [e.actor, e.action])
      .reverse();
    expect(mine).toEqual([
      ['op-zhang', 'drafted'],
      ['op-li', 'edited'],
      ['admin', 'approved'],
      ['op-zhang', 'published'],
      ['op-zhang', 'superseded'],
    ]);
  });
});

describe('official warnings in', () => {
  it('raises the waterlogging incident it covers, with the reason in its evidence', async () => {
    const before = app.twin!.incident(incidentId)!.confidence;
    await publisher.publishAsync(topics.capWarning('wuhan-met'), rainstormNow('WH-RS-RED-1', Date.now() - 3_600_000), { qos: 1 });
    const support = await waitFor('the warning in the incident’s evidence', () =>
      app.twin!.incident(incidentId)!.evidence.find((e) => e.kind === 'official_warning'),
    );
    expect(support.why).toMatchObject({
      code: 'official_warning_covers',
      params: { kind: 'rainstorm', colour: 'red', severity: 'Extreme', identifier: 'WH-RS-RED-1', inside: 'polygon' },
    });
    const detail = await call(base, op1, 'GET', `/api/incidents/${incidentId}`);
    expect(detail.body.confidence).toBeCloseTo(Math.min(0.99, before + 0.2), 6);
    const evidence = (detail.body.evidence as Array<{ kind: string; why: never }>).find((e) => e.kind === 'official_warning')!;
    expect(wordLinkReason(evidence.why, 'zh')).toMatch(/红色暴雨预警.*覆盖本事件/);
    // On the map, for every role that reads warnings (a wall display too).
    const areas = (await call(base, op1, 'GET', '/api/cap/warnings')).body as WarningAreaView[];
    expect(areas.find((a) => a.identifier === 'WH-RS-RED-1')).toMatchObject({ kind: 'rainstorm', colour: 'red', own: false });
    // Stored by the ingest (cap_warnings).
    await waitFor('the warning stored', async () => {
      const rs = await app.clickhouse.query({
        query: "SELECT count() AS n FROM cap_warnings WHERE identifier = 'WH-RS-RED-1'",
        format: 'JSONEachRow',
      });
      return Number(((await rs.json()) as Array<{ n: string }>)[0]!.n) === 1;
    });
  });

  it('dead-letters a CAP document parseCapXml refuses, with its problems', async () => {
    const broken = rainstormNow('WH-BAD-1', Date.now())
      .replace('<sender>whqxt@weather.example.cn</sender>', '')
      .replaceAll('30.56,114.24 30.56,114.32', '114.24,30.56 114.32,30.56');
    await publisher.publishAsync(topics.capWarning('wuhan-met'), broken, { qos: 1 });
    const letter = await waitFor('the dead letter', async () => {
      const res = await call(base, admin, 'GET', '/api/dead-letters?reason=bad_cap');
      return (res.body as Array<{ topic: string; detail: string; payload: string }>).find((d) => d.payload.includes('WH-BAD-1'));
    });
    expect(letter.topic).toBe('citytwin/v1/warnings/wuhan-met/cap');
    expect(letter.detail).toMatch(/^not a valid CAP 1\.2 alert/);
    expect(letter.detail).toContain('alert/sender: missing');
    expect(letter.detail).toMatch(/polygon\[0\]: "114\.24,30\.56/);
    expect(app.twin!.incident(incidentId)!.evidence.filter((e) => e.kind === 'official_warning')).toHaveLength(1);
  });

  it('takes CAP over HTTP from a warning feed’s token, refusing a bad document with every problem', async () => {
    const bad = await postXml(feed, '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x y</identifier></alert>');
    expect(bad.status).toBe(422);
    expect(bad.body.problems.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['identifier_chars', 'required']));
    expect((await postXml(feed, 'hello', 'text/plain')).status).toBe(415);
    // The feed's role reads nothing else.
    expect((await call(base, feed, 'GET', '/api/cap/alerts')).status).toBe(403);
    expect((await call(base, feed, 'GET', '/api/incidents')).status).toBe(403);
    const ok = await postXml(feed, rainstormNow('WH-RS-RED-2', Date.now() - 600_000));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ identifier: 'WH-RS-RED-2', msgType: 'Alert' });
    const entries = await call(base, admin, 'GET', '/api/audit/entries?stream=cap&action=received');
    expect(entries.body.entries[0]).toMatchObject({ actor: 'met-bureau', object: 'WH-RS-RED-2' });
    // An operator's token may not post warnings.
    expect((await postXml(op1, rainstormNow('WH-RS-RED-3', Date.now()))).status).toBe(403);
  });
});

describe('restart', () => {
  it('rebuilds the desk and the warnings held from the store', async () => {
    const desk = (await call(base, op1, 'GET', '/api/cap/alerts')).body as CapRecordView[];
    const warnings = ((await call(base, op1, 'GET', '/api/cap/warnings')).body as WarningAreaView[]).map((w) => w.key).sort();
    await app.close();
    app = await startTestCity(dir.path, ENV);
    base = app.url!;
    const token = await login(base, 'op-zhang', 'pw-for-op-zhang-1234');
    const again = (await call(base, token, 'GET', '/api/cap/alerts')).body as CapRecordView[];
    expect(again.map((r) => [r.identifier, r.state, r.incidentId, r.xml])).toEqual(
      desk.map((r) => [r.identifier, r.state, r.incidentId, r.xml]),
    );
    expect(((await call(base, token, 'GET', '/api/cap/warnings')).body as WarningAreaView[]).map((w) => w.key).sort()).toEqual(warnings);
  });
});
