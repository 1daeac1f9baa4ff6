/**
 * The seeded city of the clearance walk (test/clearance-walk.itest.ts and its siblings): the
 * whole product on embedded parts, seeded with MARKERS — unique strings and exact coordinates,
 * each of a known classification — in every kind of data (sensor registrations and readings,
 * hotline cases and camera detections, rejected messages, incidents born of those reports and
 * sensors, a dispatch, public warnings, case replies and feedback), and the walkers who take
 * it: every role (one account each), a wall-display token and an anonymous client, each with
 * a socket that listens from before the seeding on.
 */
import { createServer, type Server } from 'node:http';
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import type { RunningCityTwin } from '../../bin/runtime.ts';
import { queryRows } from '../../storage/index.ts';
import type { Classification, SensorKind } from '../../twin-model/index.ts';
import { clearanceOf, DEFAULT_CLEARANCE, ROLES, type Role } from '../../web/server/auth/policy.ts';
import type { IncidentView, RecommendationView } from '../../web/shared/protocol.ts';
import { call, login, mintToken, TEST_ADMIN_PASSWORD } from './auth.ts';
import { Markers } from './clearance-markers.ts';
import { waitFor } from './fixtures.ts';
import { startTestCity } from './test-city.ts';

/**
 * Who walks: every role (one account each), a wall-display token and an anonymous client; the
 * `department` role's account is bound to another department than the walk's cases, and a second
 * case handler (`department (own)`) to theirs. `clearance` is what the walker may be shown: for
 * the other department, nothing above public — none of the cases is its business.
 */
export interface Walker {
  name: string;
  token: string | null;
  roles: Role[];
  clearance: readonly Classification[];
}

/** Seeded things whose ids fill path parameters. */
export interface SeededIds {
  sensors: Array<{ id: string; kind: SensorKind }>;
  incidents: string[];
  units: string[];
  /** Public warnings on the desk: one published, one still a draft. */
  capAlerts: string[];
  cases: string[];
}

/** What every socket of a walker received, by event (the raw arguments too, for binary payloads). */
export interface Listener {
  walker: Walker;
  socket: Socket;
  payloads: Array<{ event: string; json: string; args: unknown[] }>;
  error: string | null;
}

/** The seeded, running city and what the walk needs of it. */
export interface ClearanceCity {
  app: RunningCityTwin;
  base: string;
  admin: string;
  /** This run's suffix of every seeded id. */
  run: string;
  /** When the seeding began. */
  t0: number;
  markers: Markers;
  walkers: Walker[];
  seeded: SeededIds;
  /** The name a device tried to give a registered hospital sensor (refused). */
  refusedName: string;
  /** Every socket opened by `listen`, those of the seeding first. */
  listeners: Listener[];
  /** Every notification the walk's webhook received (subscribed to every event of every incident). */
  notified: string[];
  /** Opens a socket as `walker` that sends `resume`, then each of `viewports` (a zoomed-out one by default) on connect. */
  listen(walker: Walker, viewports?: readonly Record<string, unknown>[]): Listener;
  /** Publishes on the city's broker. */
  pub(topic: string, body: unknown, retain?: boolean): Promise<unknown>;
  close(): Promise<void>;
}

/** The whole city, as far as the walk sees it. */
export const WALK_BBOX = [113.7, 29.95, 115.1, 31.4] as const;

/** Starts the product on `dataDir` (with `env` over the walk's settings), opens the walkers' sockets and seeds every marker. */
export async function seedClearanceCity(dataDir: string, env: Record<string, string> = {}): Promise<ClearanceCity> {
  const RUN = Date.now().toString(36);
  const T0 = Date.now();

  const seededMarkers = new Markers();
  const mark = seededMarkers.mark.bind(seededMarkers);
  const coord = seededMarkers.coord.bind(seededMarkers);
  /** Who calls a hotline caller back: the dispatch desk and the department the case is with. */
  const CALLBACK = new Set(['admin', 'dispatcher', 'department (own)']);
  /** The fire brigade has the walk's fire cases; the walk's `department` handler is another department's. */
  const OWN_DEPARTMENT = '武汉市消防救援支队';
  const OTHER_DEPARTMENT = '武汉市水务局';
  /** An 11-digit mobile number no other figure prints. */
  const phoneMarker = (what: string) => mark('sensitive', what, `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, CALLBACK);
  const walkers: Walker[] = [];
  const seeded: SeededIds = { sensors: [], incidents: [], units: [], capAlerts: [], cases: [] };
  const refusedName = `meta-name-${RUN}`;
  const listeners: Listener[] = [];
  const notified: string[] = [];
  let app: RunningCityTwin | undefined;
  let base = '';
  let admin = '';
  let publisher: mqtt.MqttClient | undefined;
  let receiver: Server | undefined;

  const pub = (topic: string, body: unknown, retain = false) =>
    publisher!.publishAsync(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1, retain });

  function listen(walker: Walker, viewports: readonly Record<string, unknown>[] = [{ bbox: WALK_BBOX, zoom: 9 }]): Listener {
    const socket = connectSocket(base, {
      transports: ['websocket'],
      reconnection: false,
      auth: walker.token ? { token: walker.token } : {},
    });
    const l: Listener = { walker, socket, payloads: [], error: null };
    socket.on('connect', () => {
      socket.emit('resume', { epoch: null, lastSeq: null });
      for (const v of viewports) socket.emit('viewport', v);
    });
    socket.on(
      'connect_error',
      (err) => (l.error = JSON.stringify({ message: err.message, data: (err as Error & { data?: unknown }).data ?? null })),
    );
    socket.onAny((event: string, ...args: unknown[]) => l.payloads.push({ event, json: JSON.stringify(args), args }));
    listeners.push(l);
    return l;
  }
  const close = async () => {
    for (const l of listeners) l.socket.close();
    await publisher?.endAsync();
    await app?.close();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  };
  try {
    // --- set-up ---
    // The open-data routes are walked by every walker from one address: no rate limit in the way.
    const running = await startTestCity(dataDir, {
      CITYTWIN_SENSORS: '200',
      CITYTWIN_BATCH_MAX_DELAY_MS: '50',
      CITYTWIN_OPEN_DATA_ANON_PER_MIN: '100000',
      ...env,
    });
    app = running;
    base = running.url!;
    admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
    // Notifications of every event of every incident to a webhook: a message says only what `public` may see.
    const hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        notified.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200).end();
      });
    });
    receiver = hook;
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookPort = (hook.address() as { port: number }).port;
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
    publisher = await mqtt.connectAsync(running.mqttUrl, { clientId: `clearance-walk-${RUN}` });
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
    const ed = running.city!.sensorSites.find((s) => s.kind === 'hospital_ed')!;
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
    expect((await call(base, crew.token, 'GET', '/api/field/assignment')).body).toMatchObject({
      assignment: { incident: { id: fire.id } },
    });
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
    await running.twin!.flushIncidents();
    const count = async (sql: string) => Number((await queryRows<{ n: string }>(running.clickhouse, sql))[0]?.n ?? 0);
    await waitFor('reports stored', async () => (await count(`SELECT count() AS n FROM events WHERE id LIKE '%${RUN}'`)) >= 5);
    await waitFor(
      'rejected messages stored',
      async () => (await count(`SELECT count() AS n FROM dead_letters WHERE payload LIKE '%${RUN}%' OR topic LIKE '%${RUN}%'`)) >= 4,
    );
    await waitFor(
      'readings stored',
      async () => (await count(`SELECT count() AS n FROM readings WHERE sensor_id LIKE 'walk-%-${RUN}'`)) >= 4,
    );
    await waitFor(
      'the dispatch logged',
      async () => (await count(`SELECT count() AS n FROM dispatch_log WHERE unit_id = '${unitId}'`)) >= 1,
    );

    // --- public warnings: one drafted from the fire (sensitive evidence) and published by a second person, one left a draft ---
    const operator = walkers.find((w) => w.name === 'operator')!.token!;
    const drafted = (await call(base, admin, 'POST', `/api/incidents/${fire.id}/cap`, {})).body as { identifier: string };
    expect((await call(base, operator, 'POST', `/api/cap/alerts/${drafted.identifier}/approve`, {})).status).toBe(200);
    expect((await call(base, admin, 'POST', `/api/cap/alerts/${drafted.identifier}/publish`, {})).status).toBe(200);
    const waterlogging = incidents.find((i) => i.type === 'waterlogging')!;
    const draft = (await call(base, admin, 'POST', `/api/incidents/${waterlogging.id}/cap`, {})).body as { identifier: string };
    seeded.capAlerts.push(drafted.identifier, draft.identifier);
    // The hotline reports are cases too; one is replied to, closed, rated and reopened (words that quote the citizen).
    await running.cases!.flush();
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
    return {
      app: running,
      base,
      admin,
      run: RUN,
      t0: T0,
      markers: seededMarkers,
      walkers,
      seeded,
      refusedName,
      listeners,
      notified,
      listen,
      pub,
      close,
    };
  } catch (err) {
    // A seeding that failed leaves nothing running behind it.
    await close();
    throw err;
  }
}
