/**
 * Incidents live, end to end in one process on the embedded broker and ClickHouse: sensor
 * readings and a hotline report published over MQTT become one fused incident in
 * `GET /api/incidents` and on the socket; an operator's action is recorded in its history; the
 * policy refuses a role without `incidents.act` (403) and the correlator an invalid action (409);
 * a restart restores the open incidents from the store.
 */
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { startCityTwin, type RunningCityTwin } from '../bin/runtime.ts';
import type { IncidentsMessage, IncidentUpdateMessage } from '../web/shared/protocol.ts';
import { wordLinkReason } from '../web/shared/incident-wording.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';

const dir = tempDir('incidents');
let app: RunningCityTwin;
let publisher: mqtt.MqttClient;
let admin = '';
let socket: Socket;
const lists: IncidentsMessage[] = [];
const updates: IncidentUpdateMessage[] = [];

const config = () =>
  loadConfig({
    CITYTWIN_HTTP_PORT: '0',
    CITYTWIN_MQTT_PORT: '0',
    CITYTWIN_DATA_DIR: dir.path,
    CITYTWIN_SIMULATE: '0',
    CITYTWIN_LOG_LEVEL: 'warn',
    CITYTWIN_SENSORS: '300',
    CITYTWIN_BATCH_MAX_DELAY_MS: '50',
    CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  });

async function publish(topic: string, body: unknown): Promise<void> {
  await publisher.publishAsync(topic, JSON.stringify(body), { qos: 1 });
}

beforeAll(async () => {
  app = await startCityTwin(config(), 'all');
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-incidents' });
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  socket = connectSocket(app.url!, { transports: ['websocket'], reconnection: false, auth: { token: admin } });
  socket.on('incidents', (m: IncidentsMessage) => lists.push(m));
  socket.on('incident', (m: IncidentUpdateMessage) => updates.push(m));
  await waitFor('the incident list on connect', () => lists.length > 0);
});

afterAll(async () => {
  socket?.close();
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('incidents live', () => {
  let incidentId = '';

  it('fuses a water-level alarm and a hotline report from MQTT into one incident in the API and on the socket', async () => {
    expect(lists[0]!.incidents).toEqual([]);
    const now = Date.now();
    await publisher.publishAsync(
      'citytwin/v1/sensors/wl-inc-1/meta',
      JSON.stringify({ kind: 'water_level', lng: 114.3, lat: 30.55, source: 'test-src' }),
      { qos: 1, retain: true },
    );
    await publish('citytwin/v1/sensors/wl-inc-1/data', { ts: now, values: { water_level_cm: 33 } });
    // One gauge alone is not enough (a stuck gauge is a classic false alarm) …
    await waitFor('the alarm in the twin', () => app.twin!.state.byId.get('wl-inc-1')?.state === 2);
    expect(app.twin!.activeIncidents()).toEqual([]);
    // … a citizen's call 100 m away confirms it.
    await publish('citytwin/v1/events/hotline', {
      id: 'case-1',
      ts: now + 1000,
      type: 'citizen_report',
      category: 'waterlogging',
      lng: 114.301,
      lat: 30.5505,
      severity: 3,
      text: '下穿通道积水',
    });
    const opened = await waitFor('the incident on the socket', () => updates.find((u) => u.what === 'opened'));
    incidentId = opened.incident.id;
    expect(opened.incident.type).toBe('waterlogging');
    expect(opened.incident.evidence.map((e) => e.id).sort()).toEqual(['alarm:wl-inc-1', 'event:hotline:case-1']);

    const list = await call(app.url!, admin, 'GET', '/api/incidents');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    const inc = list.body[0];
    expect(inc).toMatchObject({ id: incidentId, type: 'waterlogging', status: 'open' });
    for (const k of ['lng', 'lat', 'severity', 'confidence', 'openedAt']) expect(typeof inc[k]).toBe('number');
    expect(inc.confidence).toBeGreaterThan(0.6);
    for (const e of inc.evidence) {
      expect(['sensor_alarm', 'event']).toContain(e.kind);
      expect(typeof e.id).toBe('string');
      expect(wordLinkReason(e.why, 'en').length).toBeGreaterThan(0);
    }
    expect((await call(app.url!, admin, 'GET', '/api/incidents?status=all&from=0')).body.map((i: { id: string }) => i.id)).toContain(
      incidentId,
    );
    expect((await call(app.url!, admin, 'GET', `/api/incidents?status=open&to=${now - 3600_000}`)).body).toEqual([]);
    expect((await call(app.url!, admin, 'GET', '/api/incidents?status=maybe')).status).toBe(400);
  });

  it('records an operator action with the actor in the history, on the socket and in the store', async () => {
    const res = await call(app.url!, admin, 'POST', `/api/incidents/${incidentId}/actions`, {
      action: 'acknowledge',
      reason: 'pump team informed',
    });
    expect(res.status).toBe(200);
    expect(res.body.incident.status).toBe('acknowledged');
    await waitFor('the acknowledgement on the socket', () => updates.find((u) => u.what === 'acknowledged' && u.actor === 'admin'));
    const detail = await call(app.url!, admin, 'GET', `/api/incidents/${incidentId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.status).toBe('acknowledged');
    const history = detail.body.history as Array<{ actor: string; what: string; detail: string; at: number }>;
    expect(history[0]).toMatchObject({ actor: 'twin', what: 'opened' });
    expect(history.at(-1)).toMatchObject({ actor: 'admin', what: 'acknowledged', detail: 'acknowledged (pump team informed)' });
    expect((await call(app.url!, admin, 'GET', '/api/incidents/inc-999999')).status).toBe(404);
  });

  it('refuses an action to a role without incidents.act (403) and an invalid action (409), and checks the body (400)', async () => {
    const created = await call(app.url!, admin, 'POST', '/api/users', {
      username: 'analyst-user',
      roles: ['analyst'],
      password: 'pw-for-analyst-1234',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const analyst = await login(app.url!, 'analyst-user', 'pw-for-analyst-1234');
    expect((await call(app.url!, analyst, 'GET', '/api/incidents')).status).toBe(200);
    const refused = await call(app.url!, analyst, 'POST', `/api/incidents/${incidentId}/actions`, { action: 'close' });
    expect(refused.status).toBe(403);
    const again = await call(app.url!, admin, 'POST', `/api/incidents/${incidentId}/actions`, { action: 'acknowledge' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/is acknowledged, not open/);
    expect((await call(app.url!, admin, 'POST', `/api/incidents/${incidentId}/actions`, { action: 'set_severity' })).status).toBe(400);
    expect((await call(app.url!, admin, 'POST', `/api/incidents/${incidentId}/actions`, { action: 'explode' })).status).toBe(400);
    const severity = await call(app.url!, admin, 'POST', `/api/incidents/${incidentId}/actions`, { action: 'set_severity', severity: 5 });
    expect(severity.body.incident).toMatchObject({ severity: 5, severityPinned: true });
  });

  it('restores the open incidents from the store after a restart', async () => {
    socket.close();
    await publisher.endAsync();
    await app.close();
    app = await startCityTwin(config(), 'all');
    publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-incidents-2' });
    const restored = app.twin!.incident(incidentId);
    expect(restored).toMatchObject({ id: incidentId, status: 'acknowledged', severity: 5 });
    // A new report nearby joins it instead of opening a second incident.
    await publish('citytwin/v1/events/hotline', {
      id: 'case-2',
      ts: Date.now(),
      type: 'citizen_report',
      category: 'waterlogging',
      lng: 114.3005,
      lat: 30.5502,
    });
    await waitFor('the report linked', () => app.twin!.incident(incidentId)?.evidence.some((e) => e.id === 'event:hotline:case-2'));
    expect(app.twin!.activeIncidents().map((i) => i.id)).toEqual([incidentId]);
    admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
    const history = (await call(app.url!, admin, 'GET', `/api/incidents/${incidentId}`)).body.history as Array<{ what: string }>;
    expect(history.map((h) => h.what)).toContain('acknowledged');
    expect(history.at(-1)!.what).toBe('evidence_linked');
  });
});
