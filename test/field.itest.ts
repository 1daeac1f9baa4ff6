/**
 * The field page's API on the started product: an admin binds two field crews' accounts to two
 * units (audited), a dispatcher sends one unit to an incident born of a report over MQTT, and the
 * crew bound to it sees its assignment — the incident as public clearance sees it, the route and
 * its ETA — and moves it en route → on scene → (available refused: the dispatch rules) →
 * returning → available, each change in the dispatch log with the crew as the actor. The other
 * crew sees nothing of it; no crew reaches another unit, the units, the queue, sensors or cases,
 * and those refusals are security events.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { FieldAssignmentResponse } from '../web/shared/field-protocol.ts';
import type { RecommendationView } from '../web/shared/protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('field');
let app: RunningCityTwin;
let base: string;
let publisher: mqtt.MqttClient;
const tokens: Record<string, string> = {};
const RUN = Date.now().toString(36);
/** Words of the report the incident is born of: no field crew may read them. */
const REPORT_TEXT = `field-report-words-${RUN}`;

beforeAll(async () => {
  app = await startTestCity(dir.path);
  base = app.url!;
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'field-itest' });
  tokens.admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  for (const [username, role] of [
    ['crew-pump', 'field'],
    ['crew-other', 'field'],
    ['crew-unbound', 'field'],
    ['disp-li', 'dispatcher'],
  ] as const) {
    expect(
      (await call(base, tokens.admin, 'POST', '/api/users', { username, roles: [role], password: `pw-${username}-12345` })).status,
    ).toBe(200);
    tokens[username] = await login(base, username, `pw-${username}-12345`);
  }
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('the field page over the API', () => {
  let incidentId = '';
  let unitId = '';
  let otherUnitId = '';

  it('binds crews to units (an admin only, audited) and refuses a unit the fleet does not have, quoting it', async () => {
    await publisher.publishAsync(
      'citytwin/v1/events/field-staff',
      JSON.stringify({
        id: `f-${RUN}`,
        ts: Date.now(),
        type: 'manual_report',
        category: 'waterlogging',
        lng: 114.31,
        lat: 30.555,
        severity: 4,
        text: REPORT_TEXT,
      }),
      { qos: 1 },
    );
    incidentId = await waitFor('the incident', () => app.twin!.activeIncidents()[0]?.id ?? null);
    const recs = (await call(base, tokens['disp-li']!, 'GET', `/api/incidents/${incidentId}/recommendations`)).body as RecommendationView[];
    unitId = recs[0]!.unitId;
    otherUnitId = recs[1]!.unitId;

    const bad = await call(base, tokens.admin!, 'POST', '/api/field-units/crew-pump', { unitId: 'no-such-unit' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('"no-such-unit" is not a unit of the fleet; accepted: a unit id of GET /api/units');
    expect((await call(base, tokens['disp-li']!, 'POST', '/api/field-units/crew-pump', { unitId })).status).toBe(403);
    expect((await call(base, tokens.admin!, 'POST', '/api/field-units/crew-pump', { unitId })).body).toMatchObject({
      username: 'crew-pump',
      unitId,
      changedBy: 'admin',
    });
    expect((await call(base, tokens.admin!, 'POST', '/api/field-units/crew-other', { unitId: otherUnitId })).status).toBe(200);
    const listed = (await call(base, tokens.admin!, 'GET', '/api/field-units')).body as {
      bindings: Array<{ username: string; unitId: string }>;
    };
    expect(listed.bindings.map((b) => `${b.username}:${b.unitId}`)).toEqual([`crew-other:${otherUnitId}`, `crew-pump:${unitId}`]);

    await app.audit!.flush();
    const audit = (await call(base, tokens.admin!, 'GET', '/api/audit/entries?stream=config&limit=1000')).body as {
      entries: Array<{ action: string; actor: string; object: string; detail: string }>;
    };
    expect(audit.entries.filter((e) => e.action === 'field_unit').map((e) => `${e.actor}:${e.object}:${e.detail}`)).toEqual(
      expect.arrayContaining([`admin:crew-pump:${unitId}`, `admin:crew-other:${otherUnitId}`]),
    );
  });

  it('shows the crew its assignment once dispatched, as public clearance sees the incident, with the route and its ETA', async () => {
    const before = (await call(base, tokens['crew-pump']!, 'GET', '/api/field/assignment')).body as FieldAssignmentResponse;
    expect(before).toMatchObject({ unit: { id: unitId, status: 'available' }, assignment: null, next: [] });

    expect((await call(base, tokens['disp-li']!, 'POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [unitId] })).status).toBe(200);
    const res = await call(base, tokens['crew-pump']!, 'GET', '/api/field/assignment');
    expect(res.status).toBe(200);
    const a = res.body as FieldAssignmentResponse;
    expect(a.unit).toMatchObject({ id: unitId, status: 'dispatched' });
    expect(a.next).toEqual(['en_route']);
    expect(a.pollMs).toBeGreaterThan(0);
    const incident = app.twin!.incident(incidentId)!;
    expect(a.assignment!.incident).toMatchObject({
      id: incidentId,
      type: 'waterlogging',
      severity: incident.severity,
      openedAt: incident.openedAt,
    });
    expect(a.assignment!.incident!.place.districtZh).toBeTruthy();
    expect(a.assignment!.dispatchedBy).toBe('disp-li');
    expect(a.assignment!.dispatchedAt).toBeGreaterThan(0);
    const trip = app.dispatch!.trip(unitId)!;
    expect(a.assignment!.route).toMatchObject({
      leg: 'to_incident',
      etaS: Math.round(trip.route.travelTimeS),
      lengthM: Math.round(trip.route.lengthM),
    });
    expect(a.assignment!.route!.path).toEqual(trip.route.coords);
    // The report's source is not public: no evidence, no words, the place coarse.
    expect(JSON.stringify(a)).not.toContain(REPORT_TEXT);
    expect(JSON.stringify(a)).not.toContain('evidence');
    expect(a.assignment!.incident!.place.coarse).toBe(true);
    // What a phone downloads: this answer every 5 s, the base map once.
    const basemap = await call(base, tokens['crew-pump']!, 'GET', '/api/city/basemap');
    expect(basemap.status).toBe(200);
    console.log(
      `field assignment answer: ${JSON.stringify(a).length} bytes (route of ${a.assignment!.route!.path.length} points); base map ${JSON.stringify(basemap.body).length} bytes`,
    );

    // The other crew's unit was not sent: it sees its own unit, nothing of this assignment.
    const other = (await call(base, tokens['crew-other']!, 'GET', '/api/field/assignment')).body as FieldAssignmentResponse;
    expect(other).toMatchObject({ unit: { id: otherUnitId, status: 'available' }, assignment: null });
    expect(JSON.stringify(other)).not.toContain(incidentId);
    expect(JSON.stringify(other)).not.toContain(unitId);
    // An unbound crew sees no unit.
    expect((await call(base, tokens['crew-unbound']!, 'GET', '/api/field/assignment')).body).toMatchObject({
      unit: null,
      assignment: null,
    });
  });

  it('moves its own unit en route → on scene → returning → available by the dispatch rules, logged with the crew as the actor', async () => {
    const set = (status: string, who = 'crew-pump') => call(base, tokens[who]!, 'POST', '/api/field/status', { status });
    expect((await set('en_route')).body).toMatchObject({ unitId, from: 'dispatched', status: 'en_route' });
    expect((await set('on_scene')).body).toMatchObject({ unitId, from: 'en_route', status: 'on_scene' });
    const skipped = await set('available');
    expect(skipped.status).toBe(409);
    expect(skipped.body).toMatchObject({ code: 'transition_not_allowed' });
    expect(skipped.body.error).toContain(`unit ${unitId} cannot go from on_scene to available; from on_scene it can go to returning`);
    const unknown = await set('flying');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('status "flying" is not one of en_route, on_scene, returning, available');
    expect((await set('returning')).body).toMatchObject({ status: 'returning' });
    const home = (await call(base, tokens['crew-pump']!, 'GET', '/api/field/assignment')).body as FieldAssignmentResponse;
    expect(home).toMatchObject({ unit: { status: 'returning' }, next: ['available'] });
    expect((await set('available')).body).toMatchObject({ status: 'available' });
    expect(app.dispatch!.unit(unitId)).toMatchObject({ status: 'available' });

    await app.dispatch!.flush();
    const log = (await call(base, tokens.admin!, 'GET', '/api/dispatch/log')).body as string;
    const mine = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { unitId?: string; actor: string; action: string })
      .filter((e) => e.unitId === unitId && e.actor === 'crew-pump');
    expect(mine.length).toBe(4);
  });

  it('keeps every crew to its own unit: other units, the queue, sensors and cases refused and recorded as security events', async () => {
    const crew = tokens['crew-other']!;
    for (const [method, path, body] of [
      ['POST', `/api/units/${unitId}/status`, { status: 'out_of_service', reason: 'not mine' }],
      ['GET', `/api/units/${unitId}`, undefined],
      ['GET', '/api/units', undefined],
      ['GET', '/api/incidents', undefined],
      ['GET', `/api/incidents/${incidentId}`, undefined],
      ['GET', '/api/sensors', undefined],
      ['GET', '/api/cases', undefined],
      ['GET', '/api/field-units', undefined],
    ] as const)
      expect((await call(base, crew, method, path, body)).status, `${method} ${path}`).toBe(403);
    expect(app.dispatch!.unit(unitId)).toMatchObject({ status: 'available' });
    // A body naming another unit is refused, not read.
    const named = await call(base, crew, 'POST', '/api/field/status', { status: 'en_route', unitId });
    expect(named.status).toBe(400);
    // An unbound crew cannot set any status.
    const unbound = await call(base, tokens['crew-unbound']!, 'POST', '/api/field/status', { status: 'en_route' });
    expect(unbound.status).toBe(403);
    expect(unbound.body).toMatchObject({ code: 'not_bound' });

    const events = await waitFor('the refusals recorded', async () => {
      const list = (await call(base, tokens.admin!, 'GET', '/api/security/events?type=access_denied&limit=500')).body as Array<{
        username: string;
        detail: string;
      }>;
      const ours = list.filter((e) => e.username === 'crew-other' || e.username === 'crew-unbound');
      return ours.length >= 9 ? ours : null;
    });
    expect(events.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        'POST /api/units/{unitId}/status needs dispatch.act',
        'GET /api/incidents needs incidents.read',
        'POST /api/field/status: not bound to a unit',
      ]),
    );
  });
});
