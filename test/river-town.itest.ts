/**
 * The second city end to end: `citytwin all` started on the river-town package
 * (test/fixtures/cities/river-town, Flusstal, CITYTWIN_CITY) with the product's own simulator
 * running the rainstorm over it (CITYTWIN_SCENARIO=rainstorm, compressed 240×). Its registered
 * sensors publish; the storm floods its underpass (wl-up-bahnhof rising) and the twin opens a
 * waterlogging incident there; the recommended pump team is the fastest by the town's roads —
 * checked against routing every candidate separately with the router (one-way streets
 * honoured); the dispatcher assigns it, the simulated AVL (simulations/unit-driver.ts) drives it
 * over MQTT along its route until it is on scene (recorded in the dispatch log); when the water
 * falls the incident resolves and the unit is released.
 *
 * Real: the embedded broker, ingest, embedded ClickHouse, twin, dispatch, HTTP API, simulator and
 * AVL. Changed for the test: the package is a copy whose waterlogging rule waits 20 s of quiet
 * before resolving instead of the town's 15 minutes (the rule is the package's own,
 * rules/incidents/waterlogging.json).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { districtAt } from '../twin-model/city/index.ts';
import { isCandidate } from '../twin-model/dispatch/recommender.ts';
import { responderRestrictions, restrictionsFromIncidents } from '../twin-model/dispatch/road-restrictions.ts';
import { RoadRouter } from '../twin-model/dispatch/road-router.ts';
import { needsOf } from '../twin-model/dispatch/unit-needs.ts';
import { cityTimeZone, type CityModel, type DispatchLogEntry, type Incident } from '../twin-model/index.ts';
import type { RecommendationView, UnitView } from '../web/shared/protocol.ts';
import { consoleAuth } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const RIVER_TOWN = join(import.meta.dirname, 'fixtures', 'cities', 'river-town');
const dir = tempDir('river-town');
const pkg = join(dir.path, 'flusstal');
let app: RunningCityTwin;
let city: CityModel;
let auth: Record<string, string>;

async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, app.url!), {
    method,
    headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as T };
}

const waterAt = (sensorId: string): number | undefined => app.twin!.state.byId.get(sensorId)?.latest.get('water_level_cm')?.value;

beforeAll(async () => {
  cpSync(RIVER_TOWN, pkg, { recursive: true });
  const rulePath = join(pkg, 'rules', 'incidents', 'waterlogging.json');
  const rule = JSON.parse(readFileSync(rulePath, 'utf8')) as { resolve: { quietS: number } };
  rule.resolve.quietS = 20;
  writeFileSync(rulePath, JSON.stringify(rule, null, 2));
  app = await startTestCity(join(dir.path, 'data'), {
    CITYTWIN_CITY: pkg,
    CITYTWIN_SIMULATE: '1',
    CITYTWIN_SCENARIO: 'rainstorm',
    CITYTWIN_TIME_SCALE: '240',
  });
  city = app.city!;
  auth = await consoleAuth(app.url!);
}, 120_000);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('river-town end to end: flood, recommendation, dispatch, AVL, arrival, resolution', () => {
  let incident: Incident;
  let pump: RecommendationView;

  it('runs the town: its districts, sensors and units, its sensors publishing', async () => {
    expect(city).toMatchObject({ id: 'flusstal', timezone: 'Europe/Vienna', source: 'package' });
    const districts = await api<Array<{ code: string }>>('GET', '/api/city/districts');
    expect(districts.status).toBe(200);
    expect(districts.body.map((d) => d.code).sort()).toEqual(['altstadt', 'bahnhof', 'nordost', 'suedwest']);
    expect(
      app
        .dispatch!.units()
        .map((u) => u.id)
        .sort(),
    ).toEqual((city.units ?? []).map((u) => u.id).sort());
    // Every sensor of the register reports (the simulator leaves a few without meta: they still send data).
    const registerIds = city.sensorSites.map((s) => s.id);
    await waitFor(
      'readings from every sensor of the register',
      () => registerIds.every((id) => (app.twin!.state.byId.get(id)?.lastTs ?? 0) > 0),
      60_000,
    );
    expect(app.simulator!.stats().messages).toBeGreaterThan(registerIds.length);
  }, 90_000);

  it('opens a waterlogging incident at its underpass as the water rises', async () => {
    incident = await waitFor(
      'a waterlogging incident at the Bahnhof underpass',
      () =>
        app
          .twin!.activeIncidents()
          .find(
            (i) => i.type === 'waterlogging' && (i.assetId === 'up-bahnhof' || i.evidence.some((e) => e.sensorId === 'wl-up-bahnhof')),
          ) ?? null,
      90_000,
      200,
    );
    expect(waterAt('wl-up-bahnhof')).toBeGreaterThanOrEqual(15);
    expect(incident.district).toBe(districtAt(city, incident.lng, incident.lat)?.code);
    expect(incident.evidence.map((e) => e.sensorId)).toContain('wl-up-bahnhof');
  }, 120_000);

  it('recommends the pump team that is fastest by the town’s roads, checked unit by unit with the router', async () => {
    const recs = await api<RecommendationView[]>('GET', `/api/incidents/${incident.id}/recommendations`);
    expect(recs.status).toBe(200);
    pump = recs.body.find((r) => r.kind === 'pump_team')!;
    expect(pump).toBeDefined();
    expect(pump.reasons).toContainEqual({ code: 'fastest_for', params: { cap: 'pumping' } });

    // Independently: route every candidate unit on its own from where it stands to the incident,
    // forwards over the town's graph (one-way edges only in their drawn direction), under the
    // closures the open incidents impose, and take the fastest pump team.
    const router = new RoadRouter(city.graph);
    const sites = new Map(city.sensorSites.map((s) => [s.id, s]));
    const target = router.snap(incident.lng, incident.lat).nodeId;
    const restrictions = responderRestrictions(
      restrictionsFromIncidents(app.twin!.activeIncidents(), city, (id) => sites.get(id)),
      city.graph,
      target,
    );
    const needs = needsOf('waterlogging');
    const now = Date.now();
    const timed = app
      .dispatch!.units()
      .filter((u) => isCandidate(u, needs, now, cityTimeZone(city)) && u.capabilities.includes('pumping'))
      .map((u) => ({ unit: u, route: router.route(u.nodeId, target, restrictions) }));
    expect(timed.length).toBeGreaterThan(1);
    for (const { unit, route } of timed) {
      expect(route, `a route for ${unit.id}`).not.toBeNull();
      // One-way streets: every edge is driven from its first to its last coordinate, or is two-way.
      route!.edges.forEach((edgeId, k) => {
        const edge = city.graph.edges[edgeId]!;
        if (edge.oneway) expect(route!.nodes[k], `${unit.id} against one-way edge ${edgeId}`).toBe(edge.from);
      });
    }
    const fastest = Math.min(...timed.map((t) => t.route!.travelTimeS));
    const mine = timed.find((t) => t.unit.id === pump.unitId);
    expect(mine, `${pump.unitId} is a candidate`).toBeDefined();
    expect(mine!.route!.travelTimeS).toBeCloseTo(fastest, 6);
    expect(pump.etaS).toBeCloseTo(mine!.route!.travelTimeS, 6);
    // Every other recommended unit's ETA is its own route's time too.
    for (const r of recs.body) {
      const unit = app.dispatch!.unit(r.unitId)!;
      expect(r.etaS, r.unitId).toBeCloseTo(router.route(unit.nodeId, target, restrictions)!.travelTimeS, 6);
    }
  }, 30_000);

  it('dispatches it; the AVL drives it along its route over MQTT until it is on scene, recorded in the log', async () => {
    const ok = await api<{ changes: Array<{ what: string; status: string }> }>('POST', `/api/incidents/${incident.id}/dispatch`, {
      unitIds: [pump.unitId],
      expectedVersions: { [pump.unitId]: pump.version },
    });
    expect(ok.status).toBe(200);
    const trip = (await api<UnitView>('GET', `/api/units/${pump.unitId}`)).body.trip;
    expect(trip?.leg).toBe('to_incident');
    expect(trip!.path.length).toBeGreaterThan(1);
    await waitFor('on scene', () => app.dispatch!.unit(pump.unitId)!.status === 'on_scene', 60_000, 100);
    const unit = app.dispatch!.unit(pump.unitId)!;
    // The fixes came over MQTT from the simulated terminal; the last one at the end of the route.
    expect(unit.lastFixAt).toBeGreaterThan(0);
    const end = trip!.path[trip!.path.length - 1]!;
    expect(Math.abs(unit.lng - end[0]) + Math.abs(unit.lat - end[1])).toBeLessThan(0.0005);
    const log = await api<string>('GET', '/api/dispatch/log');
    const entries = log.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DispatchLogEntry)
      .filter((e) => e.unitId === pump.unitId);
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['assign', 'status']));
    expect(
      entries.some((e) => e.action === 'arrive' || (e.action === 'status' && (e.data as { to?: string } | undefined)?.to === 'on_scene')),
    ).toBe(true);
  }, 90_000);

  it('resolves the incident when the water falls, and sends the unit home', async () => {
    const resolved = await waitFor(
      'the incident resolved',
      () => {
        const i = app.twin!.incident(incident.id);
        return i && i.status === 'resolved' ? i : null;
      },
      240_000,
      500,
    );
    expect(resolved.status).toBe('resolved');
    // The water has fallen below the warning's exit level (10 cm) at the underpass.
    expect(waterAt('wl-up-bahnhof')).toBeLessThan(10);
    await waitFor('the unit released', () => ['returning', 'available'].includes(app.dispatch!.unit(pump.unitId)!.status), 30_000, 200);
    const verify = await api<{ ok: boolean }>('GET', '/api/dispatch/log/verify');
    expect(verify.body.ok).toBe(true);
  }, 300_000);
});
