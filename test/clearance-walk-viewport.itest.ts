/**
 * The clearance walk over the big-registry stream (docs/scale.md): the walk's seeded city
 * (support/clearance-city.ts) runs with the viewport threshold below its registry, so a console
 * gets no whole table but its viewport's sensors when zoomed in — as a `snapshot` and `delta`s,
 * or as `points` (columns, web/shared/points-codec.ts) when it asks for `encoding: 'columns'` —
 * and aggregate `cells` when zoomed out. Every walker asks, on one socket per encoding, a
 * zoomed-in viewport around each seeded sensor (one of each classification), a zoomed-out one
 * and then a zoomed-in one over the whole city, and hears the deltas of new readings.
 *
 * A `points` message carries positions and values as binary columns, where a marker is no text:
 * each is DECODED with the codec and its table (ids, kinds, districts, sources, positions,
 * values, times) scanned for every marker above the walker's clearance; every other event is
 * scanned as JSON text. Points carry no names or other meta.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIND_METRICS } from '../twin-model/index.ts';
import { hasPermission } from '../web/server/auth/policy.ts';
import { decodePoints } from '../web/shared/points-codec.ts';
import type { PointsMessage, SnapshotMessage } from '../web/shared/protocol.ts';
import { seedClearanceCity, WALK_BBOX, type ClearanceCity, type Listener } from './support/clearance-city.ts';
import { tempDir, waitFor } from './support/fixtures.ts';

const dir = tempDir('clearance-walk-viewport');
let city: ClearanceCity;

beforeAll(async () => {
  // The seeded city holds 200 generated sensors and the walk's own: 100 makes it a big registry.
  city = await seedClearanceCity(dir.path, { CITYTWIN_VIEWPORT_THRESHOLD: '100' });
}, 180_000);

afterAll(async () => {
  await city?.close();
  dir.remove();
});

/** Half the side of a zoomed-in viewport around one sensor, in degrees (about 1 km). */
const NEAR = 0.01;

/** The walk's zoomed-in viewports: one around each seeded sensor, then cells, then the whole city zoomed in (kept for the deltas). */
function viewports(columns: boolean): Array<Record<string, unknown>> {
  const encoding = columns ? { encoding: 'columns' } : {};
  const around = city.seeded.sensors.map(({ id }) => {
    const s = city.app.twin!.state.byId.get(id);
    if (!s || s.lng === null || s.lat === null) throw new Error(`seeded sensor ${id} has no position in the twin`);
    return { bbox: [s.lng - NEAR, s.lat - NEAR, s.lng + NEAR, s.lat + NEAR], zoom: 15, ...encoding };
  });
  return [...around, { bbox: WALK_BBOX, zoom: 9, ...encoding }, { bbox: WALK_BBOX, zoom: 14, ...encoding }];
}

/** The viewport tables a socket was sent: decoded `points`, or viewport `snapshot`s that hold sensors. */
function tables(l: Listener): SnapshotMessage[] {
  const out: SnapshotMessage[] = [];
  for (const p of l.payloads) {
    if (p.event === 'points') out.push(decodePoints(p.args[0] as PointsMessage));
    else if (p.event === 'snapshot' && (p.args[0] as SnapshotMessage).sensors.length > 0) out.push(p.args[0] as SnapshotMessage);
  }
  return out;
}

describe('the clearance walk over the big-registry stream', () => {
  it("finds no marker above the caller's clearance in decoded points, viewport snapshots, deltas or cells, for every walker", async () => {
    const { walkers, markers, refusedName } = city;
    const zoomedIn = viewports(false).length - 1;
    /** The last viewport answered (they are answered in order): a table with sensors after the zoomed-out cells. */
    const answered = (l: Listener) => {
      const cells = l.payloads.findIndex((p) => p.event === 'cells');
      return cells >= 0 && tables({ ...l, payloads: l.payloads.slice(cells) }).length > 0;
    };
    const sockets = walkers.flatMap((w) => [
      { columns: false, l: city.listen(w, viewports(false)) },
      { columns: true, l: city.listen(w, viewports(true)) },
    ]);
    const live = (l: Listener) => hasPermission(l.walker.roles, 'live.read');
    // Every viewport answered, then new readings of every seeded sensor. A wait that runs out is
    // reported after the scan: a stream that leaks may also stall, and the leak is the finding.
    const missing: string[] = [];
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: Error) => void missing.push(err.message),
      );
    await settle(
      waitFor(
        'every viewport answered',
        () => sockets.every(({ l }) => (l.walker.token ? !live(l) || answered(l) : l.error !== null)),
        30_000,
      ),
    );
    for (const [k, s] of city.seeded.sensors.entries())
      await city.pub(`citytwin/v1/sensors/${s.id}/data`, { ts: Date.now(), values: { [KIND_METRICS[s.kind][0]!]: 10 + k } });
    await settle(
      waitFor(
        'a viewport delta and cells on every live socket',
        () =>
          sockets.every(
            ({ l }) => !live(l) || (l.payloads.some((p) => p.event === 'delta') && l.payloads.some((p) => p.event === 'cells')),
          ),
        30_000,
      ),
    );

    const violations: string[] = [];
    const events = new Map<string, number>();
    let decodedRows = 0;
    // The sockets of the seeding too: on a big registry they were sent cells and an empty viewport table.
    for (const l of city.listeners) {
      const scan = (text: string, where: string) => {
        for (const m of markers.leaks(text, l.walker, ''))
          violations.push(`${l.walker.name}: ${where} shows the ${m.what} (${m.cls}) "${m.value}"`);
        if (text.includes(refusedName)) violations.push(`${l.walker.name}: ${where} shows the refused device meta name`);
      };
      if (l.error) scan(l.error, 'the socket refusal');
      for (const p of l.payloads) {
        events.set(p.event, (events.get(p.event) ?? 0) + 1);
        scan(p.json, `socket '${p.event}'`);
        if (p.event !== 'points') continue;
        const table = decodePoints(p.args[0] as PointsMessage);
        decodedRows += table.sensors.length;
        scan(JSON.stringify(table.sensors), "a decoded 'points' table");
      }
    }
    const liveWalkers = walkers.filter((w) => hasPermission(w.roles, 'live.read')).map((w) => w.name);
    console.log(
      `clearance walk, big registry: ${city.listeners.length} sockets (${liveWalkers.join(', ')} with the live map) × ${zoomedIn} zoomed-in viewports; ` +
        `${decodedRows} decoded points rows; events ${[...events]
          .sort()
          .map(([e, n]) => `${e}×${n}`)
          .join(' ')}`,
    );
    expect(violations).toEqual([]);
    expect(missing).toEqual([]);
    // The walk saw what it walks: each viewport around a seeded sensor held it for a walker cleared for it.
    const heard = (name: string, columns: boolean, cls: string) => {
      const s = sockets.find((x) => x.l.walker.name === name && x.columns === columns)!;
      const id = markers.all.find((m) => m.what === `${cls} sensor id`)!.value;
      return tables(s.l).some((t) => t.sensors.some((x) => x.id === id));
    };
    for (const columns of [false, true])
      expect([heard('admin', columns, 'sensitive'), heard('leader', columns, 'internal'), heard('display', columns, 'public')]).toEqual([
        true,
        true,
        true,
      ]);
    for (const e of ['points', 'snapshot', 'delta', 'cells']) expect(events.get(e) ?? 0, e).toBeGreaterThan(0);
  }, 300_000);
});
