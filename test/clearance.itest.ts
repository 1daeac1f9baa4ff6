/**
 * Classification (分级分类) of what leaves the server, case by case, against the whole product on
 * embedded parts: hotline cases and rejected messages in the KPI drill-downs, reports as incident
 * evidence (HTTP, socket, KPI points, replay, after-action reports), and device meta against the
 * city's register (a retained meta cannot declassify, move, rename or re-source a registered
 * sensor, and the attempt is a security event). The walk over every route, role and socket event
 * is test/clearance-walk.itest.ts.
 */
import mqtt from 'mqtt';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import type { KpiDrill, KpiSummary } from '../web/server/kpi/kpi-routes.ts';
import type { IncidentDetail, IncidentUpdateMessage, IncidentView, IncidentsMessage } from '../web/shared/protocol.ts';
import { call, login, mintToken, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('clearance');
let app: RunningCityTwin;
let base: string;
let publisher: mqtt.MqttClient;
let admin: string;
let leader: string;
let operator: string;
let display: string;

const RUN = `${Date.now().toString(36)}`;
const pub = (topic: string, body: unknown, retain = false) => publisher.publishAsync(topic, JSON.stringify(body), { qos: 1, retain });

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_SENSORS: '200', CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  for (const role of ['leader', 'operator'])
    expect(
      (await call(base, admin, 'POST', '/api/users', { username: `c-${role}`, roles: [role], password: `pw-${role}-12345` })).status,
    ).toBe(200);
  leader = await login(base, 'c-leader', 'pw-leader-12345');
  operator = await login(base, 'c-operator', 'pw-operator-12345');
  display = await mintToken(base, admin, TEST_ADMIN_PASSWORD, { name: 'hall wall', kind: 'display' });
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'clearance-itest' });
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('KPI drill-downs', () => {
  it('lists a 12345 hotline case (sensitive) to an operator, to a leader and a display only as a count', async () => {
    const text = `hotline-text-${RUN} my neighbour at no. 12 is flooded`;
    await pub('citytwin/v1/events/hotline-12345', {
      id: `case-${RUN}`,
      ts: Date.now(),
      type: 'citizen_report',
      category: 'waterlogging',
      lng: 114.2871234,
      lat: 30.5812345,
      text,
    });
    const drill = (token: string) => call(base, token, 'GET', '/api/kpi/drill/hotline');
    await waitFor('the case in the drill-down', async () => JSON.stringify((await drill(operator)).body).includes(text));
    for (const token of [leader, display]) {
      const d = (await drill(token)).body as KpiDrill;
      expect(JSON.stringify(d)).not.toContain(text);
      expect(JSON.stringify(d)).not.toContain(`case-${RUN}`);
      expect(d.hidden).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives the topic, source and payload of a rejected hospital reading only to those who read dead letters, within their clearance', async () => {
    const ed = app.city!.sensorSites.find((s) => s.kind === 'hospital_ed')!;
    const metric = `bogus_${RUN}`;
    await pub(`citytwin/v1/sensors/${ed.id}/data`, { ts: Date.now(), values: { [metric]: 1 } });
    const drill = (token: string) => call(base, token, 'GET', '/api/kpi/drill/dead-letters');
    await waitFor('the rejected reading in the drill-down', async () => JSON.stringify((await drill(operator)).body).includes(metric));
    for (const token of [leader, display]) {
      const d = (await drill(token)).body as KpiDrill;
      expect(JSON.stringify(d)).not.toContain(metric);
      expect(JSON.stringify(d)).not.toContain(ed.id);
      expect(d.columns).toEqual(['receivedAt', 'reason']);
    }
    expect((await call(base, leader, 'GET', '/api/dead-letters')).status).toBe(403);
  });
});

describe('reports as incident evidence', () => {
  it('shows a hotline-born incident to a display and a leader without the case, its source or its exact place — over HTTP, the socket, KPI, replay and reports', async () => {
    const sockets = [display, leader].map((token) => {
      const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: { token } });
      const seen: unknown[] = [];
      socket.on('incidents', (m: IncidentsMessage) => seen.push(m));
      socket.on('incident', (m: IncidentUpdateMessage) => seen.push(m));
      return { socket, seen };
    });
    await waitFor('sockets connected', () => sockets.every((s) => s.socket.connected));
    const caseId = `fire-${RUN}`;
    const place = { lng: 114.3312345, lat: 30.5412345 };
    // A single fire call opens an incident (twin-model/incidents/rules/fire.json).
    await pub('citytwin/v1/events/hotline-12345', {
      id: caseId,
      ts: Date.now(),
      type: 'citizen_report',
      category: 'fire',
      ...place,
      text: `smoke ${RUN}`,
    });
    const incident = await waitFor('the incident', async () =>
      ((await call(base, admin, 'GET', '/api/incidents')).body as IncidentView[]).find((i) =>
        i.evidence.some((e) => e.id.includes(caseId)),
      ),
    );
    expect(incident).toMatchObject({ lng: place.lng, lat: place.lat, coarse: false, hiddenEvidence: 0 });
    await waitFor('the socket updates', () => sockets.every((s) => s.seen.some((m) => JSON.stringify(m).includes(incident.id))));
    await app.twin!.flushIncidents();
    const marks = [caseId, 'hotline-12345', String(place.lng), String(place.lat)];
    for (const token of [display, leader]) {
      const list = ((await call(base, token, 'GET', '/api/incidents')).body as IncidentView[]).find((i) => i.id === incident.id)!;
      expect(list).toMatchObject({
        type: 'fire',
        status: 'open',
        severity: incident.severity,
        coarse: true,
        hiddenEvidence: 1,
        evidence: [],
        lng: 114.33,
        lat: 30.54,
      });
      const one = (await call(base, token, 'GET', `/api/incidents/${incident.id}`)).body as IncidentDetail;
      const kpi = (await call(base, token, 'GET', '/api/kpi/summary')).body as KpiSummary;
      expect(kpi.openIncidents.points.find((p) => p.id === incident.id)).toMatchObject({ lng: 114.33, lat: 30.54 });
      const bodies = [JSON.stringify(list), JSON.stringify(one), JSON.stringify(kpi)];
      if (token === leader) {
        const from = incident.openedAt - 60_000;
        bodies.push(JSON.stringify((await call(base, token, 'GET', `/api/replay/events?from=${from}&to=${Date.now() + 1000}`)).body));
        bodies.push(JSON.stringify((await call(base, token, 'GET', `/api/replay/keyframe?at=${Date.now() + 10_000}`)).body));
        for (const format of ['json', 'md', 'html'])
          bodies.push(
            JSON.stringify((await call(base, token, 'GET', `/api/replay/incidents/${incident.id}/report?format=${format}`)).body),
          );
      }
      for (const body of bodies) for (const mark of marks) expect(body, mark).not.toContain(mark);
    }
    for (const s of sockets) {
      for (const mark of marks) expect(JSON.stringify(s.seen), mark).not.toContain(mark);
      s.socket.close();
    }
    // Those cleared for it see everything.
    const full = JSON.stringify((await call(base, operator, 'GET', `/api/incidents/${incident.id}`)).body);
    for (const mark of marks) expect(full).toContain(mark);
  });
});

describe('device meta against the register', () => {
  it('keeps a hospital sensor sensitive, in place, named and sourced as registered when a retained meta says otherwise, and logs it', async () => {
    const ed = app.city!.sensorSites.find(
      (s) => s.kind === 'hospital_ed' && s.id !== app.city!.sensorSites.find((x) => x.kind === 'hospital_ed')!.id,
    )!;
    await pub(
      `citytwin/v1/sensors/${ed.id}/meta`,
      { kind: 'hospital_ed', lng: ed.lng, lat: ed.lat, name: ed.nameZh, district: ed.district, source: ed.sourceId },
      true,
    );
    await pub(`citytwin/v1/sensors/${ed.id}/data`, { ts: Date.now(), values: { occupancy_pct: 55 } });
    await waitFor('the sensor registered', () => app.twin!.state.byId.get(ed.id)?.registered);
    const moved = `moved-${RUN}`;
    await pub(
      `citytwin/v1/sensors/${ed.id}/meta`,
      { kind: 'air_quality', lng: 114.1, lat: 30.4, name: moved, source: 'sthjj.air-quality', classification: 'public' },
      true,
    );
    await waitFor('the refusal counted', () => app.twin!.metaRefused > 0);
    expect(app.twin!.state.byId.get(ed.id)).toMatchObject({
      kind: 'hospital_ed',
      lng: ed.lng,
      lat: ed.lat,
      name: ed.nameZh,
      sourceId: ed.sourceId,
    });
    for (const token of [display, leader]) {
      expect((await call(base, token, 'GET', `/api/sensors/${ed.id}`)).status).toBe(403);
      const listed = (await call(base, token, 'GET', '/api/sensors?limit=10000')).body.sensors as Array<{ id: string }>;
      expect(listed.some((s) => s.id === ed.id)).toBe(false);
    }
    const detail = (await call(base, operator, 'GET', `/api/sensors/${ed.id}`)).body;
    expect(detail).toMatchObject({
      classification: 'sensitive',
      kind: 'hospital_ed',
      lng: ed.lng,
      lat: ed.lat,
      name: ed.nameZh,
      source: { id: ed.sourceId },
    });
    // The stored registry keeps what the device sent; readers of it apply the register too.
    await waitFor(
      'the meta stored',
      async () =>
        Number(
          (
            await queryRows<{ n: string | number }>(
              app.clickhouse,
              `SELECT count() AS n FROM sensors WHERE sensor_id = {id:String} AND name = {name:String}`,
              { id: ed.id, name: moved },
            )
          )[0]?.n,
        ) > 0,
    );
    const health = (await call(base, admin, 'GET', `/api/kpi/drill/sensor-health?limit=5000`)).body as KpiDrill;
    expect(health.rows.find((r) => r.sensorId === ed.id)).toMatchObject({
      name: ed.nameZh,
      source: ed.sourceId,
      classification: 'sensitive',
    });
    const leaderHealth = (await call(base, leader, 'GET', `/api/kpi/drill/sensor-health?limit=5000`)).body as KpiDrill;
    expect(JSON.stringify(leaderHealth)).not.toContain(ed.id);
    const events = await waitFor('the security event', async () =>
      ((await call(base, admin, 'GET', '/api/security/events?type=sensor_meta_refused&limit=10')).body as Array<{ detail: string }>).find(
        (e) => e.detail.includes(ed.id),
      ),
    );
    expect(events.detail).toMatch(/kind, position, name, source/);
    const metrics = (await call(base, null, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/citytwin_sensor_meta_refused_total [1-9]/);
  });

  it("lets a sensor outside the register be registered and moved by its meta, but never below its source's classification", async () => {
    const id = `gw-${RUN}`;
    await pub(`citytwin/v1/sensors/${id}/meta`, { kind: 'city_code', lng: 114.3, lat: 30.55, source: 'dsj.city-code-scans' }, true);
    await waitFor('registered', () => app.twin!.state.byId.get(id)?.registered);
    await pub(
      `citytwin/v1/sensors/${id}/meta`,
      { kind: 'city_code', lng: 114.31, lat: 30.56, name: 'plaza', source: 'dsj.city-code-scans', classification: 'public' },
      true,
    );
    await waitFor('moved', () => app.twin!.state.byId.get(id)?.lng === 114.31);
    expect((await call(base, operator, 'GET', `/api/sensors/${id}`)).body).toMatchObject({ name: 'plaza', classification: 'sensitive' });
    expect((await call(base, display, 'GET', `/api/sensors/${id}`)).status).toBe(403);
  });
});
