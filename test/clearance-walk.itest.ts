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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENT_TYPE_NAMES, KIND_METRICS } from '../twin-model/index.ts';
import { serverRoutes } from '../web/server/auth/policy-doc.ts';
import { DATASETS } from '../web/server/open-data/catalogue.ts';
import { hasPermission, SOCKET_EVENTS } from '../web/server/auth/policy.ts';
import { call } from './support/auth.ts';
import { seedClearanceCity, type ClearanceCity } from './support/clearance-city.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { expandOperation, type OpenApiParameter, type Walked } from './support/openapi-walk.ts';

const dir = tempDir('clearance-walk');
let city: ClearanceCity;
/** Routes that list security events as recorded, the refused meta's words included. */
const SECURITY_RECORDS = new Set(['/api/security/events', '/api/audit/entries']);

beforeAll(async () => {
  city = await seedClearanceCity(dir.path);
}, 180_000);

afterAll(async () => {
  await city?.close();
  dir.remove();
});

// ---------------------------------------------------------------------------------------------
// Requests from the OpenAPI document

/** Values of required query parameters, by name (a route with another required parameter fails the walk, saying which). */
function requiredQuery(name: string, path: Record<string, string>): string | null {
  const from = city.t0 - 60_000;
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
      const kind = city.seeded.sensors.find((s) => s.id === path.sensorId)?.kind;
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
      return [...city.seeded.sensors.map((s) => s.id), city.app.city!.sensorSites[0]!.id];
    case 'incidentId':
      return city.seeded.incidents;
    case 'unitId':
      return city.seeded.units;
    case 'caseId':
      return city.seeded.cases;
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
      return city.seeded.capAlerts;
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
    const doc = (await call(city.base, null, 'GET', '/api/openapi.json')).body as {
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
    for (const w of city.walkers) {
      for (const r of requests) {
        const res = await fetch(new URL(r.url, city.base), {
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
        checks += city.markers.all.length;
        for (const m of city.markers.all)
          if (city.markers.mayShow(w, m) && text.includes(m.value) && !r.url.includes(m.value)) served.add(m.value);
        // The open-data portal publishes `public` data to everyone, anonymous clients included.
        const asWalker =
          r.route.startsWith('/api/open/datasets') && !w.clearance.includes('public') ? { ...w, clearance: ['public' as const] } : w;
        for (const m of city.markers.leaks(text, asWalker, r.url))
          violations.push(`${w.name}: ${r.method} ${r.url} (${res.status}) shows the ${m.what} (${m.cls}) "${m.value}"`);
        // Only the security records may quote the refused device meta: the security log and the
        // audit record, which holds every security event (both for admins only).
        if (text.includes(city.refusedName) && !SECURITY_RECORDS.has(r.route))
          violations.push(`${w.name}: ${r.method} ${r.url} shows the refused device meta name`);
        if (w.name === 'admin' && r.method === 'GET' && res.status !== 200) adminMisses.push(`${r.url} ${res.status}`);
        if (res.status >= 500) violations.push(`${w.name}: ${r.method} ${r.url} answered ${res.status}`);
      }
    }

    // Sockets: more changes while they listen, then a second connection for the on-connect lists.
    for (const w of city.walkers) city.listen(w);
    await city.pub(`citytwin/v1/sensors/${city.seeded.sensors[2]!.id}/data`, { ts: Date.now(), values: { scans_per_min: 3100 } });
    await waitFor(
      'every permitted server event seen by every walker',
      () =>
        city.listeners.every((l) => {
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
    for (const l of city.listeners) {
      if (l.error)
        for (const m of city.markers.leaks(l.error, l.walker, '')) violations.push(`${l.walker.name}: socket refusal shows the ${m.what}`);
      for (const p of l.payloads) {
        payloads++;
        events.add(p.event);
        for (const m of city.markers.leaks(p.json, l.walker, ''))
          violations.push(`${l.walker.name}: socket '${p.event}' shows the ${m.what} (${m.cls}) "${m.value}"`);
        if (p.json.includes(city.refusedName)) violations.push(`${l.walker.name}: socket '${p.event}' shows the refused device meta name`);
      }
    }
    // The walk saw what it walks: sensitive markers reach those cleared for them.
    const adminSockets = city.listeners.filter((l) => l.walker.name === 'admin');
    expect(
      city.markers.all
        .filter((m) => m.cls === 'sensitive')
        .some((m) => adminSockets.some((l) => l.payloads.some((p) => p.json.includes(m.value)))),
    ).toBe(true);
    for (const e of ['snapshot', 'delta', 'stats', 'incidents', 'incident', 'units', 'unit', 'cells', 'case'])
      expect(events.has(e), e).toBe(true);
    // Case events reached the desk and the department the cases are with, never another department.
    const heardCases = (name: string) => city.listeners.some((l) => l.walker.name === name && l.payloads.some((p) => p.event === 'case'));
    expect([heardCases('dispatcher'), heardCases('department (own)'), heardCases('department')]).toEqual([true, true, false]);

    const byClass = Object.fromEntries(
      (['public', 'internal', 'sensitive'] as const).map((c) => [c, city.markers.all.filter((m) => m.cls === c).length]),
    );
    console.log(
      `clearance walk: ${routes.size} routes → ${requests.length} requests × ${city.walkers.length} principals (${city.walkers.map((w) => w.name).join(', ')}) × ${city.markers.all.length} markers ` +
        `(${byClass.public} public, ${byClass.internal} internal, ${byClass.sensitive} sensitive) = ${checks} checks over HTTP; ` +
        `${payloads} socket payloads (${[...events].sort().join(', ')}); statuses ${[...statuses]
          .sort((a, b) => a[0] - b[0])
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    // Every marker reached a caller cleared for it, but the texts of camera and desk reports, which
    // no route serves (only the hotline's cases are listed, on the KPI screen).
    const unserved = city.markers.all.filter((m) => !served.has(m.value)).map((m) => m.what);
    console.log(`admin GET requests without a 200: ${adminMisses.join('; ') || 'none'}`);
    console.log(
      `markers served to a cleared caller: ${served.size} of ${city.markers.all.length}; not served by any route: ${unserved.join('; ') || 'none'}`,
    );
    expect(unserved.filter((w) => !/^(sensitive|internal) report text \((gaj\.public-video|aihub-video|walk-desk)\)$/.test(w))).toEqual([]);
    // Notification messages: written for the `public` classification, whoever receives them.
    await waitFor('a notification per incident opened', () => city.notified.filter((n) => n.includes('"kind":"opened"')).length >= 4);
    for (const n of city.notified)
      for (const m of city.markers.leaks(n, { name: 'a notification recipient', clearance: ['public'] }, ''))
        violations.push(`a notification message shows the ${m.what} (${m.cls}) "${m.value}"`);
    console.log(`notification messages checked: ${city.notified.length}`);
    expect(violations).toEqual([]);
  }, 600_000);
});
