/**
 * Dispatch end to end on embedded parts: an incident born from MQTT reports gets ranked unit
 * recommendations (by road ETA, with reasons), a dispatcher assigns the top pump team, a second
 * assignment of the same unit and an unexplained override are refused, the unit drives its
 * route reporting AVL fixes over MQTT (`citytwin/v1/units/{id}/position`), the twin puts it on
 * scene when it arrives, resolving the incident sends it home, and the hash-chained dispatch log
 * verifies — until a stored entry is altered in ClickHouse, which the verifier then finds.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { verifyChain } from '../twin-model/dispatch/dispatch-log.ts';
import type { DispatchLogEntry } from '../twin-model/index.ts';
import type { RecommendationView, UnitView } from '../web/shared/protocol.ts';
import { consoleAuth } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('dispatch');
let app: RunningCityTwin;
let publisher: mqtt.MqttClient;
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

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'dispatch-itest' });
  auth = await consoleAuth(app.url!);
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('dispatch from incident to arrival', () => {
  let incidentId = '';
  let pump: RecommendationView;
  // A flooded street in Wuchang, near the Yangtze.
  const place = { lng: 114.31, lat: 30.555 };

  it('recommends units for a new incident, ranked by road ETA with reasons', async () => {
    await publisher.publishAsync(
      'citytwin/v1/events/field-staff',
      JSON.stringify({ id: 'd-1', ts: Date.now(), type: 'manual_report', category: 'waterlogging', ...place, severity: 4 }),
      { qos: 1 },
    );
    incidentId = await waitFor('the incident', () => app.twin!.activeIncidents()[0]?.id ?? null);
    const recs = await api<RecommendationView[]>('GET', `/api/incidents/${incidentId}/recommendations`);
    expect(recs.status).toBe(200);
    expect(recs.body.length).toBeGreaterThan(1);
    // The first pump team is the fastest unit that can pump (a much faster traffic-police unit
    // may rank above it: docs/dispatch.md).
    pump = recs.body.find((r) => r.kind === 'pump_team')!;
    expect(pump.reasons).toContainEqual({ code: 'fastest_for', params: { cap: 'pumping' } });
    expect(pump.reasons.map((r) => r.code)).toContain('eta');
    expect(pump.path.length).toBeGreaterThan(1);
    // The ranking is by ETA among pump teams.
    const pumps = recs.body.filter((r) => r.kind === 'pump_team');
    expect(pumps.map((r) => r.etaS)).toEqual([...pumps.map((r) => r.etaS)].sort((a, b) => a - b));
  });

  it('assigns the top pump team, and refuses a double assignment and an unexplained override', async () => {
    const ok = await api<{ changes: Array<{ what: string; status: string }> }>('POST', `/api/incidents/${incidentId}/dispatch`, {
      unitIds: [pump.unitId],
      expectedVersions: { [pump.unitId]: pump.version },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.changes[0]).toMatchObject({ what: 'assigned', status: 'dispatched' });
    // A second dispatcher who saw the old version.
    const again = await api<{ error: string; code: string }>('POST', `/api/incidents/${incidentId}/dispatch`, {
      unitIds: [pump.unitId],
      expectedVersions: { [pump.unitId]: pump.version },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/changed since you looked \(now dispatched/);
    // Another pump team than the recommended one needs a reason.
    const recs = (await api<RecommendationView[]>('GET', `/api/incidents/${incidentId}/recommendations`)).body;
    const pumps = recs.filter((r) => r.kind === 'pump_team');
    expect(pumps.map((r) => r.unitId)).not.toContain(pump.unitId);
    const second = pumps[1]!;
    const refused = await api<{ error: string }>('POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [second.unitId] });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/not the recommended pump_team.*give a reason/);
    const override = await api('POST', `/api/incidents/${incidentId}/dispatch`, {
      unitIds: [second.unitId],
      overrideReason: '该队携带大功率泵',
    });
    expect(override.status).toBe(200);
    // Bad input: a unit that does not exist, an unknown status.
    expect((await api('POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: ['no-such-unit'] })).status).toBe(404);
    expect((await api('POST', `/api/units/${pump.unitId}/status`, { status: 'flying' })).status).toBe(400);
    expect((await api('POST', '/api/incidents/inc-999999/dispatch', { unitIds: [pump.unitId] })).status).toBe(404);
  });

  it('drives the unit by AVL over MQTT until the twin puts it on scene', async () => {
    const unit = (await api<UnitView>('GET', `/api/units/${pump.unitId}`)).body;
    expect(unit.status).toBe('dispatched');
    expect(unit.trip?.leg).toBe('to_incident');
    const path = unit.trip!.path;
    // Each fix newer than the last (a fix not newer than the unit's last one is rejected).
    let fixAt = Date.now();
    const fix = (p: [number, number], extra: Record<string, unknown> = {}) => {
      fixAt = Math.max(fixAt + 1, Date.now());
      return publisher.publishAsync(
        `citytwin/v1/units/${pump.unitId}/position`,
        JSON.stringify({ ts: fixAt, lng: p[0], lat: p[1], speed: 40, ...extra }),
        { qos: 1 },
      );
    };
    await fix(path[0]!, { status: 'en_route' });
    await waitFor('en route', () => app.dispatch!.unit(pump.unitId)!.status === 'en_route');
    // A fix outside the city is rejected (and counted), not applied.
    await fix([120.5, 35.0]);
    await waitFor('the bad fix counted', () => app.dispatch!.counters.rejectedFixes > 0);
    for (const p of path.slice(1)) await fix(p);
    await fix([place.lng, place.lat]);
    await waitFor('on scene', () => app.dispatch!.unit(pump.unitId)!.status === 'on_scene');
    expect(app.dispatch!.unit(pump.unitId)!.lastFixAt).toBeGreaterThan(0);
  });

  it('sends the units home when the incident is resolved', async () => {
    const resolved = await api('POST', `/api/incidents/${incidentId}/actions`, { action: 'resolve' });
    expect(resolved.status).toBe(200);
    await waitFor('returning', () => app.dispatch!.unit(pump.unitId)!.status === 'returning');
    const unit = (await api<UnitView>('GET', `/api/units/${pump.unitId}`)).body;
    expect(unit.trip?.leg).toBe('home');
    const manual = await api('POST', `/api/units/${pump.unitId}/status`, { status: 'available' });
    expect(manual.status).toBe(200);
  });

  it('keeps every action in a hash chain that verifies, and finds an entry altered in storage', async () => {
    const log = await api<string>('GET', '/api/dispatch/log');
    expect(log.status).toBe(200);
    const entries = log.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DispatchLogEntry);
    const actions = entries.map((e) => e.action);
    for (const a of ['recommend', 'assign', 'override', 'status', 'arrive', 'clear']) expect(actions).toContain(a);
    expect(entries.find((e) => e.action === 'override')).toMatchObject({ actor: 'admin', data: { overrideReason: '该队携带大功率泵' } });
    expect(verifyChain(entries).ok).toBe(true);
    expect((await api<{ ok: boolean; checked: number }>('GET', '/api/dispatch/log/verify')).body).toMatchObject({
      ok: true,
      checked: entries.length,
    });

    // Someone with database access rewrites who overrode the recommendation.
    const target = entries.find((e) => e.action === 'override')!;
    await app.clickhouse.command({
      query: `ALTER TABLE dispatch_log UPDATE actor = 'someone-else' WHERE seq = ${target.seq}`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    const verdict = (await api<{ ok: boolean; problems: Array<{ seq: number; kind: string }> }>('GET', '/api/dispatch/log/verify')).body;
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toContainEqual(expect.objectContaining({ seq: target.seq, kind: 'altered' }));
    // And a removed entry.
    const removed = entries.find((e) => e.action === 'arrive')!;
    await app.clickhouse.command({
      query: `ALTER TABLE dispatch_log DELETE WHERE seq = ${removed.seq}`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    const after = (await api<{ problems: Array<{ seq: number; kind: string }> }>('GET', '/api/dispatch/log/verify')).body;
    expect(after.problems.some((p) => p.kind === 'missing')).toBe(true);
  });

  it('reports response times from the stored incident history and the log', async () => {
    const times = (
      await api<{ incidents: Array<{ incidentId: string; durations: Record<string, number | null> }> }>(
        'GET',
        '/api/dispatch/response-times',
      )
    ).body;
    const mine = times.incidents.find((i) => i.incidentId === incidentId);
    expect(mine).toBeDefined();
  });
});
