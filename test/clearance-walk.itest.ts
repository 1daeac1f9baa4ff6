/**
 * The clearance walk (分级分类): the whole product on embedded parts is seeded with MARKERS —
 * unique strings and exact coordinates, each of a known classification — in every kind of data
 * (sensor registrations and readings, hotline cases and camera detections, rejected messages,
 * incidents born of those reports and sensors, a dispatch, the flight recorder's exports and
 * after-action reports, the KPI screen). Then EVERY route of the server's own OpenAPI document
 * (so a new route is walked without touching this file: path parameters are filled from the
 * seeded data by name, enum query parameters of up to three values are walked value by value)
 * and every socket.io event is taken as every role, a wall-display token and an anonymous
 * client, and the test fails if a marker above the caller's clearance appears anywhere in a
 * response body (JSON, CSV, Parquet bytes, Markdown, HTML) or a socket payload. Hotline cases add
 * need to know: their callers' names and phones may reach only the dispatch desk and the
 * department the case is with, and a department's handler bound to another department may see
 * nothing of them at all (docs/cases.md#privacy). The `field` crew's account is bound to the unit
 * dispatched to the fire: its assignment shows that incident, at public clearance.
 *
 * What is real: the embedded broker (aedes), the embedded ClickHouse engine, the HTTP server
 * and socket.io. Nothing is substituted. Not walked: `POST /api/auth/logout` (it would end the
 * walking session; test/security.itest.ts covers it) and the console's static files. A response
 * may quote what the caller itself sent (an id in the URL): markers in the request are not
 * counted for that request.
 */
import { createServer, type Server } from 'node:http';
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import { INCIDENT_TYPE_NAMES, KIND_METRICS, type Classification, type SensorKind } from '../twin-model/index.ts';
import { serverRoutes } from '../web/server/auth/policy-doc.ts';
import { DATASETS } from '../web/server/open-data/catalogue.ts';
import { clearanceOf, DEFAULT_CLEARANCE, hasPermission, ROLES, SOCKET_EVENTS, type Role } from '../web/server/auth/policy.ts';
import type { IncidentView, RecommendationView } from '../web/shared/protocol.ts';
import { call, login, mintToken, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { Markers } from './support/clearance-markers.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { expandOperation, type OpenApiParameter, type Walked } from './support/openapi-walk.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('clearance-walk');
let app: RunningCityTwin;
let base: string;
let publisher: mqtt.MqttClient;
let admin: string;
const RUN = Date.now().toString(36);
const T0 = Date.now();

const seededMarkers = new Markers();
const markers = seededMarkers.all;
const mark = seededMarkers.mark.bind(seededMarkers);
const coord = seededMarkers.coord.bind(seededMarkers);
const mayShow = seededMarkers.mayShow.bind(seededMarkers);
const leaks = seededMarkers.leaks.bind(seededMarkers);
/** Who calls a hotline caller back: the dispatch desk and the department the case is with. */
const CALLBACK = new Set(['admin', 'dispatcher', 'department (own)']);
/** The fire brigade has the walk's fire cases; the walk's `department` handler is another department's. */
const OWN_DEPARTMENT = '武汉市消防救援支队';
const OTHER_DEPARTMENT = '武汉市水务局';
/** An 11-digit mobile number no other figure prints. */
const phoneMarker = (what: string) => mark('sensitive', what, `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, CALLBACK);

/**
 * Who walks: every role (one account each), a wall-display token and an anonymous client; the
 * `department` role's account is bound to another department than the walk's cases, and a second
 * case handler (`department (own)`) to theirs. `clearance` is what the walker may be shown: for
 * the other department, nothing above public — none of the cases is its business.
 */
interface Walker {
  name: string;
  token: string | null;
  roles: Role[];
  clearance: readonly Classification[];
}
const walkers: Walker[] = [];

/** Seeded things whose ids fill path parameters. */
const seeded = {
  sensors: [] as Array<{ id: string; kind: SensorKind }>,
  incidents: [] as string[],
  units: [] as string[],
  /** Public warnings on the desk: one published, one still a draft. */
  capAlerts: [] as string[],
  cases: [] as string[],
};
const refusedName = `meta-name-${RUN}`;
/** Routes that list security events as recorded, the refused meta's words included. */
const SECURITY_RECORDS = new Set(['/api/security/events', '/api/audit/entries']);

/** What every socket of a walker received, by event. */
interface Listener {
  walker: Walker;
  socket: Socket;
  payloads: Array<{ event: string; json: string }>;
  error: string | null;
}
const listeners: Listener[] = [];

/** Every notification the walk's webhook received (subscribed to every event of every incident). */
const notified: string[] = [];
let receiver: Server;

const pub = (topic: string, body: unknown, retain = false) =>
  publisher.publishAsync(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1, retain });

function listen(walker: Walker): Listener {
  const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: walker.token ? { token: walker.token } : {} });
  const l: Listener = { walker, socket, payloads: [], error: null };
  socket.on('connect', () => {
    socket.emit('resume', { epoch: null, lastSeq: null });
    socket.emit('viewport', { bbox: [113.7, 29.95, 115.1, 31.4], zoom: 9 });
  });
  socket.on(
    'connect_error',
    (err) => (l.error = JSON.stringify({ message: err.message, data: (err as Error & { data?: unknown }).data ?? null })),
  );
  socket.onAny((event: string, ...args: unknown[]) => l.payloads.push({ event, json: JSON.stringify(args) }));
  listeners.push(l);
  return l;
}

beforeAll(async () => {
  // The open-data routes are walked by every walker from one address: no rate limit in the way.
  app = await startTestCity(dir.path, {
    CITYTWIN_SENSORS: '200',
    CITYTWIN_BATCH_MAX_DELAY_MS: '50',
    CITYTWIN_OPEN_DATA_ANON_PER_MIN: '100000',
  });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  // Notifications of every event of every incident to a webhook: a message says only what `public` may see.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      notified.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookPort = (receiver.address() as { port: number }).port;
  for (const [kind, doc] of [
    ['channels', { id: 'walk-hook', kind: 'webhook', url: `http://127.0.0.1:${hookPort}/`, secret: 'walk-webhook-secret-1234' }],
    ['contacts', { user: 'admin', roles: ['admin'], email: 'admin@citytwin.example' }],
    [
      'subscriptions',
      {
        id: 'walk-all',
        events: ['opened', 'severity_raised', 'escalated', 'dispatched', 'resolved'],
        target: { role: 'admin' },
        channels: ['walk-hook'],
      },
    ],
  ] as const)
    expect((await call(base, admin, 'POST', `/api/notifications/${kind}`, doc)).status).toBe(200);
  for (const role of ROLES) {
    const token =
      role === 'admin'
        ? admin
        : await (async () => {
            if (role === 'display') return mintToken(base, admin, TEST_ADMIN_PASSWORD, { name: 'walk wall', kind: 'display' });
            expect(
              (await call(base, admin, 'POST', '/api/users', { username: `walk-${role}`, roles: [role], password: `walk-pw-${role}-1` }))
                .status,
            ).toBe(200);
            return login(base, `walk-${role}`, `walk-pw-${role}-1`);
          })();
    if (role === 'department')
      expect((await call(base, admin, 'POST', `/api/case-departments/walk-${role}`, { department: OTHER_DEPARTMENT })).status).toBe(200);
    walkers.push({
      name: role,
      token,
      roles: [role],
      clearance: role === 'department' ? ['public'] : clearanceOf([role], DEFAULT_CLEARANCE),
    });
  }
  expect(
    (await call(base, admin, 'POST', '/api/users', { username: 'walk-dept-own', roles: ['department'], password: 'walk-pw-dept-own-1' }))
      .status,
  ).toBe(200);
  expect((await call(base, admin, 'POST', '/api/case-departments/walk-dept-own', { department: OWN_DEPARTMENT })).status).toBe(200);
  walkers.push({
    name: 'department (own)',
    token: await login(base, 'walk-dept-own', 'walk-pw-dept-own-1'),
    roles: ['department'],
    clearance: clearanceOf(['department'], DEFAULT_CLEARANCE),
  });
  walkers.push({ name: 'anonymous', token: null, roles: [], clearance: [] });
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'clearance-walk' });
  // Sockets open before the seeding, so that every `incident` change and `unit` move is seen.
  for (const w of walkers) listen(w);
  await waitFor('sockets', () => listeners.every((l) => l.socket.connected || l.error));

  // --- sensors: registered by their meta (outside the city's register), one per classification ---
  const sensor = async (
    cls: Classification,
    kind: SensorKind,
    source: string,
    lng: number,
    lat: number,
    extra: Record<string, unknown> = {},
  ) => {
    const id = mark(cls, `${cls} sensor id`, `walk-${cls}-${RUN}`);
    const name = mark(cls, `${cls} sensor name`, `walk-name-${cls}-${RUN}`);
    await pub(
      `citytwin/v1/sensors/${id}/meta`,
      { kind, lng: coord(cls, `${cls} sensor lng`, lng), lat: coord(cls, `${cls} sensor lat`, lat), name, source, ...extra },
      true,
    );
    seeded.sensors.push({ id, kind });
    return id;
  };
  const pubId = await sensor('public', 'water_level', 'swj.rain-gauges', 114.3112345, 30.5552345);
  const intId = await sensor('internal', 'water_level', 'swj.waterlogging', 114.2712345, 30.6012345);
  // A device that calls its city-code (sensitive) sensor public: it stays sensitive.
  const senId = await sensor('sensitive', 'city_code', 'dsj.city-code-scans', 114.3612345, 30.5212345, { classification: 'public' });
  // A registered hospital sensor that a device tries to declassify, move, rename and re-source.
  const ed = app.city!.sensorSites.find((s) => s.kind === 'hospital_ed')!;
  await pub(
    `citytwin/v1/sensors/${ed.id}/meta`,
    { kind: 'hospital_ed', lng: ed.lng, lat: ed.lat, name: ed.nameZh, source: ed.sourceId },
    true,
  );
  await pub(
    `citytwin/v1/sensors/${ed.id}/meta`,
    { kind: 'hospital_ed', lng: 114.2212345, lat: 30.5112345, name: refusedName, source: 'sthjj.air-quality', classification: 'public' },
    true,
  );
  seeded.sensors.push({ id: ed.id, kind: 'hospital_ed' });
  const now = Date.now();
  await pub(`citytwin/v1/sensors/${pubId}/data`, {
    ts: now,
    values: { water_level_cm: Number(mark('public', 'public reading', '7.1234567')) },
  });
  await pub(`citytwin/v1/sensors/${intId}/data`, {
    ts: now,
    values: { water_level_cm: Number(mark('internal', 'internal reading', '45.1234567')) },
  });
  // Two minutes above the warning (the rule's on-delay) make an alarm.
  await pub(`citytwin/v1/sensors/${senId}/data`, { ts: now - 150_000, values: { scans_per_min: 3001.5 } });
  await pub(`citytwin/v1/sensors/${senId}/data`, {
    ts: now,
    values: { scans_per_min: Number(mark('sensitive', 'sensitive reading', '3012.1234567')) },
  });
  await pub(`citytwin/v1/sensors/${ed.id}/data`, {
    ts: now,
    values: { occupancy_pct: Number(mark('sensitive', 'hospital reading', '61.1234567')) },
  });

  // --- reports: a 12345 case (sensitive), a police camera (sensitive), an AI-hub camera (internal), a desk report from an unregistered source (internal) ---
  const report = async (cls: Classification, source: string, body: Record<string, unknown>, lng: number, lat: number) => {
    const id = mark(cls, `${cls} report id (${source})`, `rep-${cls}-${source.replace(/\W/g, '')}-${RUN}`);
    const text = mark(cls, `${cls} report text (${source})`, `report-text-${cls}-${source.replace(/\W/g, '')}-${RUN}`);
    await pub(`citytwin/v1/events/${source}`, {
      id,
      ts: Date.now(),
      lng: coord(cls, `${cls} report lng (${source})`, lng),
      lat: coord(cls, `${cls} report lat (${source})`, lat),
      text,
      ...body,
    });
  };
  await report(
    'sensitive',
    'hotline-12345',
    {
      type: 'citizen_report',
      category: 'fire',
      caller: {
        name: mark('sensitive', 'reported caller name', `caller-mqtt-${RUN}`, CALLBACK),
        phone: phoneMarker('reported caller phone'),
      },
      address: mark('sensitive', 'reported address', `address-mqtt-${RUN}`),
    },
    114.2012345,
    30.5712345,
  );
  // A case from the hotline's system over HTTP: its words, its caller, its address and its place.
  const hotline = walkers.find((w) => w.name === 'hotline')!;
  const httpCase = await call(base, hotline.token, 'POST', '/api/cases', {
    externalId: mark('sensitive', 'http case hotline id', `hl-${RUN}`),
    category: 'fire',
    text: mark('sensitive', 'http case text', `case-text-${RUN}`),
    caller: { name: mark('sensitive', 'http caller name', `caller-http-${RUN}`, CALLBACK), phone: phoneMarker('http caller phone') },
    lng: coord('sensitive', 'http case lng', 114.2014567),
    lat: coord('sensitive', 'http case lat', 30.5714567),
    address: mark('sensitive', 'http case address', `address-http-${RUN}`),
    receivedAt: Date.now(),
  });
  expect(httpCase.status, JSON.stringify(httpCase.body)).toBe(200);
  seeded.cases.push(httpCase.body.caseId);
  await report('sensitive', 'gaj.public-video', { type: 'video_detection', category: 'crowd' }, 114.3618765, 30.5218765);
  await report('internal', 'aihub-video', { type: 'video_detection', category: 'standing_water' }, 114.2718765, 30.6018765);
  await report('internal', 'walk-desk', { type: 'manual_report', category: 'traffic' }, 114.4212345, 30.6023456);

  // --- rejected messages quoting their payloads ---
  await pub(`citytwin/v1/sensors/${senId}/data`, {
    ts: Date.now(),
    values: { [mark('sensitive', 'rejected metric of a sensitive sensor', `dl_sensitive_${RUN}`)]: 1 },
  });
  await pub(`citytwin/v1/sensors/${intId}/data`, {
    ts: Date.now(),
    values: { [mark('internal', 'rejected metric of an internal sensor', `dl_internal_${RUN}`)]: 1 },
  });
  await pub(`citytwin/v1/sensors/${ed.id}/data`, `not json ${mark('sensitive', 'rejected hospital payload', `dl_hospital_${RUN}`)}`);
  await pub(`citytwin/v1/elsewhere/${mark('sensitive', 'rejected unknown topic', `dl_topic_${RUN}`)}`, { any: 1 });

  // --- incidents from those reports and sensors; an acknowledgement; a dispatch ---
  const incidents = await waitFor('four incidents', async () => {
    const list = (await call(base, admin, 'GET', '/api/incidents?status=all')).body as IncidentView[];
    return list.length >= 4 ? list : null;
  });
  seeded.incidents.push(...incidents.map((i) => i.id));
  const fire = incidents.find((i) => i.type === 'fire')!;
  expect(incidents.map((i) => i.type).sort()).toEqual(['crowd', 'fire', 'traffic_accident', 'waterlogging']);
  expect((await call(base, admin, 'POST', `/api/incidents/${fire.id}/actions`, { action: 'acknowledge', reason: 'walk' })).status).toBe(
    200,
  );
  const recs = (await call(base, admin, 'GET', `/api/incidents/${fire.id}/recommendations`)).body as RecommendationView[];
  const unitId = recs[0]!.unitId;
  expect((await call(base, admin, 'POST', `/api/incidents/${fire.id}/dispatch`, { unitIds: [unitId], reason: 'nearest' })).status).toBe(
    200,
  );
  seeded.units.push(unitId);
  // The field crew's account is bound to the unit sent: its page shows this incident as public clearance sees it.
  expect((await call(base, admin, 'POST', '/api/field-units/walk-field', { unitId })).status).toBe(200);
  const crew = walkers.find((w) => w.name === 'field')!;
  expect((await call(base, crew.token, 'GET', '/api/field/assignment')).body).toMatchObject({ assignment: { incident: { id: fire.id } } });
  // A new hotline call linked to the fire: an `incident` change naming sensitive evidence.
  await publisher.publishAsync(
    'citytwin/v1/events/hotline-12345',
    JSON.stringify({
      id: mark('sensitive', 'second hotline case id', `rep-2-${RUN}`),
      ts: Date.now(),
      type: 'citizen_report',
      category: 'fire',
      lng: coord('sensitive', 'second case lng', 114.2013456),
      lat: coord('sensitive', 'second case lat', 30.5713456),
      text: mark('sensitive', 'second case text', `second-case-${RUN}`),
    }),
    { qos: 1 },
  );
  await waitFor('the second call linked', async () =>
    JSON.stringify((await call(base, admin, 'GET', `/api/incidents/${fire.id}`)).body).includes(`rep-2-${RUN}`),
  );

  // Stored: reports, rejected messages, registry, incident changes, the dispatch log.
  await app.twin!.flushIncidents();
  const count = async (sql: string) => Number((await queryRows<{ n: string }>(app.clickhouse, sql))[0]?.n ?? 0);
  await waitFor('reports stored', async () => (await count(`SELECT count() AS n FROM events WHERE id LIKE '%${RUN}'`)) >= 5);
  await waitFor(
    'rejected messages stored',
    async () => (await count(`SELECT count() AS n FROM dead_letters WHERE payload LIKE '%${RUN}%' OR topic LIKE '%${RUN}%'`)) >= 4,
  );
  await waitFor(
    'readings stored',
    async () => (await count(`SELECT count() AS n FROM readings WHERE sensor_id LIKE 'walk-%-${RUN}'`)) >= 4,
  );
  await waitFor('the dispatch logged', async () => (await count(`SELECT count() AS n FROM dispatch_log WHERE unit_id = '${unitId}'`)) >= 1);

  // --- public warnings: one drafted from the fire (sensitive evidence) and published by a second person, one left a draft ---
  const operator = walkers.find((w) => w.name === 'operator')!.token!;
  const drafted = (await call(base, admin, 'POST', `/api/incidents/${fire.id}/cap`, {})).body as { identifier: string };
  expect((await call(base, operator, 'POST', `/api/cap/alerts/${drafted.identifier}/approve`, {})).status).toBe(200);
  expect((await call(base, admin, 'POST', `/api/cap/alerts/${drafted.identifier}/publish`, {})).status).toBe(200);
  const waterlogging = incidents.find((i) => i.type === 'waterlogging')!;
  const draft = (await call(base, admin, 'POST', `/api/incidents/${waterlogging.id}/cap`, {})).body as { identifier: string };
  seeded.capAlerts.push(drafted.identifier, draft.identifier);
  // The hotline reports are cases too; one is replied to, closed, rated and reopened (words that quote the citizen).
  await app.cases!.flush();
  const list = (await call(base, admin, 'GET', '/api/cases?limit=1000')).body as { cases: Array<{ id: string; externalId?: string }> };
  for (const c of list.cases) if (c.externalId?.endsWith(RUN) && !seeded.cases.includes(c.id)) seeded.cases.push(c.id);
  expect(seeded.cases.length).toBe(3);
  const own = walkers.find((w) => w.name === 'department (own)')!;
  const act = async (caseId: string, token: string | null, body: Record<string, unknown>) =>
    expect((await call(base, token, 'POST', `/api/cases/${caseId}/commands`, body)).status).toBe(200);
  for (const [i, caseId] of seeded.cases.slice(0, 2).entries()) {
    await act(caseId, own.token, { command: 'accept' });
    await act(caseId, own.token, { command: 'reply', text: i === 0 ? mark('sensitive', 'case reply text', `reply-${RUN}`) : '已处置' });
    await act(caseId, admin, { command: 'close' });
  }
  await act(seeded.cases[0]!, admin, {
    command: 'feedback',
    satisfaction: 3,
    comment: mark('sensitive', 'feedback comment', `comment-${RUN}`),
  });
  // Reopening clears the reply and the feedback of the round (the history keeps that they were given).
  await act(seeded.cases[1]!, admin, { command: 'reopen', reason: mark('sensitive', 'reopening reason', `reason-${RUN}`) });
}, 180_000);

afterAll(async () => {
  for (const l of listeners) l.socket.close();
  await publisher?.endAsync();
  await app?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  dir.remove();
});

// ---------------------------------------------------------------------------------------------
// Requests from the OpenAPI document

/** Values of required query parameters, by name (a route with another required parameter fails the walk, saying which). */
function requiredQuery(name: string, path: Record<string, string>): string | null {
  const from = T0 - 60_000;
  switch (name) {
    case 'from':
      return String(from);
    case 'to':
      return String(Math.min(Date.now() + 60_000, from + 590_000));
    case 'at':
      return String(Date.now());
    case 'bbox':
      return '113.7,29.95,115.1,31.4';
    case 'zoom':
      return '9';
    case 'q':
      // Every seeded sensor's id and name hold it: the search has markers of each class to leak.
      return 'walk';
    case 'metric': {
      const kind = seeded.sensors.find((s) => s.id === path.sensorId)?.kind;
      return kind ? KIND_METRICS[kind][0]! : 'water_level_cm';
    }
    default:
      return null;
  }
}

/** More values of a query parameter: the search also looks for every incident type's names, so the seeded incidents are found too. */
function queryVariants(name: string): string[] {
  return name === 'q' ? [...INCIDENT_TYPE_NAMES.values()].flatMap((names) => [names.zh, names.en]) : [];
}

/** Values of a path parameter, by name, from the seeded data. */
function pathValues(name: string, p: OpenApiParameter): string[] {
  if (p.schema.enum) return p.schema.enum.map(String);
  switch (name) {
    case 'sensorId':
      return [...seeded.sensors.map((s) => s.id), app.city!.sensorSites[0]!.id];
    case 'incidentId':
      return seeded.incidents;
    case 'unitId':
      return seeded.units;
    case 'caseId':
      return seeded.cases;
    case 'tokenId':
      return ['aaaaaaaaaaaa'];
    case 'username':
      return ['walk-nobody'];
    case 'docId':
      return ['walk-nothing'];
    case 'channelId':
      return ['walk-hook'];
    case 'shiftId':
      return ['shift-000001'];
    case 'identifier':
      return seeded.capAlerts;
    case 'datasetId':
      return DATASETS.map((d) => d.id);
    case 'keyId':
      return ['0000000000000000'];
    case 'importId':
      return ['imp-walk-nothing'];
    default:
      throw new Error(`the walk does not know how to fill the path parameter "${name}": add it to pathValues`);
  }
}

describe('the clearance walk', () => {
  it("finds no marker above the caller's clearance in any route's answer or socket payload, for every role, a display and an anonymous client", async () => {
    const doc = (await call(base, null, 'GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters: OpenApiParameter[] }>>;
    };
    const requests: Walked[] = [];
    const routes = new Set<string>();
    for (const [route, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const method = m.toUpperCase();
        if (method === 'POST' && route === '/api/auth/logout') continue;
        routes.add(`${method} ${route}`);
        requests.push(
          ...expandOperation(route, method, op.parameters, { query: requiredQuery, path: pathValues, variants: queryVariants }),
        );
      }
    }
    // The document the walk reads covers every route of the server's table.
    for (const r of serverRoutes())
      if (r.path !== '/api/auth/logout') expect(routes.has(`${r.method} ${r.path}`), `${r.method} ${r.path}`).toBe(true);

    const violations: string[] = [];
    /** Markers some route served to a caller cleared for them: the walk proves something about these. */
    const served = new Set<string>();
    /** GET requests an admin (every permission, every classification) did not get a 200 for. */
    const adminMisses: string[] = [];
    const statuses = new Map<number, number>();
    let checks = 0;
    for (const w of walkers) {
      for (const r of requests) {
        const res = await fetch(new URL(r.url, base), {
          method: r.method,
          headers: {
            ...(w.token ? { authorization: `Bearer ${w.token}` } : {}),
            ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(r.body !== undefined ? { body: JSON.stringify(r.body) } : {}),
        });
        // latin1 keeps every byte: binary answers (Parquet) are searched as they are.
        const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        checks += markers.length;
        for (const m of markers) if (mayShow(w, m) && text.includes(m.value) && !r.url.includes(m.value)) served.add(m.value);
        // The open-data portal publishes `public` data to everyone, anonymous clients included.
        const asWalker =
          r.route.startsWith('/api/open/datasets') && !w.clearance.includes('public') ? { ...w, clearance: ['public' as const] } : w;
        for (const m of leaks(text, asWalker, r.url))
          violations.push(`${w.name}: ${r.method} ${r.url} (${res.status}) shows the ${m.what} (${m.cls}) "${m.value}"`);
        // Only the security records may quote the refused device meta: the security log and the
        // audit record, which holds every security event (both for admins only).
        if (text.includes(refusedName) && !SECURITY_RECORDS.has(r.route))
          violations.push(`${w.name}: ${r.method} ${r.url} shows the refused device meta name`);
        if (w.name === 'admin' && r.method === 'GET' && res.status !== 200) adminMisses.push(`${r.url} ${res.status}`);
        if (res.status >= 500) violations.push(`${w.name}: ${r.method} ${r.url} answered ${res.status}`);
      }
    }

    // Sockets: more changes while they listen, then a second connection for the on-connect lists.
    for (const w of walkers) listen(w);
    await pub(`citytwin/v1/sensors/${seeded.sensors[2]!.id}/data`, { ts: Date.now(), values: { scans_per_min: 3100 } });
    await waitFor(
      'every permitted server event seen by every walker',
      () =>
        listeners.every((l) => {
          if (!l.walker.token) return l.error !== null;
          const seen = new Set(l.payloads.map((p) => p.event));
          return (['snapshot', 'stats', 'incidents', 'units', 'cells'] as const).every(
            (e) => !hasPermission(l.walker.roles, SOCKET_EVENTS[e].permission) || seen.has(e),
          );
        }),
      30_000,
    );
    let payloads = 0;
    const events = new Set<string>();
    for (const l of listeners) {
      if (l.error) for (const m of leaks(l.error, l.walker, '')) violations.push(`${l.walker.name}: socket refusal shows the ${m.what}`);
      for (const p of l.payloads) {
        payloads++;
        events.add(p.event);
        for (const m of leaks(p.json, l.walker, ''))
          violations.push(`${l.walker.name}: socket '${p.event}' shows the ${m.what} (${m.cls}) "${m.value}"`);
        if (p.json.includes(refusedName)) violations.push(`${l.walker.name}: socket '${p.event}' shows the refused device meta name`);
      }
    }
    // The walk saw what it walks: sensitive markers reach those cleared for them.
    const adminSockets = listeners.filter((l) => l.walker.name === 'admin');
    expect(
      markers.filter((m) => m.cls === 'sensitive').some((m) => adminSockets.some((l) => l.payloads.some((p) => p.json.includes(m.value)))),
    ).toBe(true);
    for (const e of ['snapshot', 'delta', 'stats', 'incidents', 'incident', 'units', 'unit', 'cells', 'case'])
      expect(events.has(e), e).toBe(true);
    // Case events reached the desk and the department the cases are with, never another department.
    const heardCases = (name: string) => listeners.some((l) => l.walker.name === name && l.payloads.some((p) => p.event === 'case'));
    expect([heardCases('dispatcher'), heardCases('department (own)'), heardCases('department')]).toEqual([true, true, false]);

    const byClass = Object.fromEntries(
      (['public', 'internal', 'sensitive'] as const).map((c) => [c, markers.filter((m) => m.cls === c).length]),
    );
    console.log(
      `clearance walk: ${routes.size} routes → ${requests.length} requests × ${walkers.length} principals (${walkers.map((w) => w.name).join(', ')}) × ${markers.length} markers ` +
        `(${byClass.public} public, ${byClass.internal} internal, ${byClass.sensitive} sensitive) = ${checks} checks over HTTP; ` +
        `${payloads} socket payloads (${[...events].sort().join(', ')}); statuses ${[...statuses]
          .sort((a, b) => a[0] - b[0])
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    // Every marker reached a caller cleared for it, but the texts of camera and desk reports, which
    // no route serves (only the hotline's cases are listed, on the KPI screen).
    const unserved = markers.filter((m) => !served.has(m.value)).map((m) => m.what);
    console.log(`admin GET requests without a 200: ${adminMisses.join('; ') || 'none'}`);
    console.log(
      `markers served to a cleared caller: ${served.size} of ${markers.length}; not served by any route: ${unserved.join('; ') || 'none'}`,
    );
    expect(unserved.filter((w) => !/^(sensitive|internal) report text \((gaj\.public-video|aihub-video|walk-desk)\)$/.test(w))).toEqual([]);
    // Notification messages: written for the `public` classification, whoever receives them.
    await waitFor('a notification per incident opened', () => notified.filter((n) => n.includes('"kind":"opened"')).length >= 4);
    for (const n of notified)
      for (const m of leaks(n, { name: 'a notification recipient', clearance: ['public'] }, ''))
        violations.push(`a notification message shows the ${m.what} (${m.cls}) "${m.value}"`);
    console.log(`notification messages checked: ${notified.length}`);
    expect(violations).toEqual([]);
  }, 600_000);
});
