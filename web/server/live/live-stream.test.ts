/**
 * The live stream names an unknown device's headline metric and the unit it came in, and sends
 * a sensor's summary again (under its index, in `added`) when that unit changes — in the full
 * stream and in a classified view.
 */
import { describe, expect, it } from 'vitest';
import { applyTwinInput, createTwinChanges, createTwinState, type SeenUnit } from '../../../twin-model/index.ts';
import { LiveStream } from './live-stream.ts';
import { MetricUnitLog, unitsNow } from './metric-unit-log.ts';

const T0 = Date.UTC(2026, 6, 1);
const ctx = { now: () => T0 };

describe('an unknown device on the live stream', () => {
  it('carries its metric and unit, and its summary again when the unit changes', () => {
    const twin = createTwinState();
    const stream = new LiveStream(twin, { now: () => T0 });
    const read = (id: string, value: number, units: SeenUnit[]) =>
      applyTwinInput(twin, { type: 'readings', id, readings: [{ metric: 'temp', ts: T0, value }], units }, ctx, stream.pending);
    read('dev-1', 21.5, [{ metric: 'temp', unit: 'Cel' }]);
    const view = stream.feedFor(['public', 'internal']);
    const first = stream.nextDeltas();
    expect(first[0]!.delta.added).toEqual([expect.objectContaining({ i: 0, id: 'dev-1', metric: 'temp', unit: 'Cel', value: 21.5 })]);
    expect(first.find((d) => d.key === view.key)!.delta.added).toEqual([expect.objectContaining({ i: 0, unit: 'Cel' })]);
    expect(stream.snapshot().sensors[0]).toMatchObject({ metric: 'temp', unit: 'Cel' });

    // The same unit again: no summary; another unit: the summary again, under the same index.
    read('dev-1', 21.6, [{ metric: 'temp', unit: 'Cel' }]);
    expect(stream.nextDeltas()[0]!.delta.added).toEqual([]);
    read('dev-1', 295, [{ metric: 'temp', unit: 'K' }]);
    const changed = stream.nextDeltas();
    expect(changed[0]!.delta.added).toEqual([expect.objectContaining({ i: 0, id: 'dev-1', unit: 'K' })]);
    expect(changed.find((d) => d.key === view.key)!.delta.added).toEqual([expect.objectContaining({ i: 0, id: 'dev-1', unit: 'K' })]);
    // A refused unit: the summary without one.
    read('dev-1', 3, [{ metric: 'temp', unit: '' }]);
    const refused = stream.nextDeltas()[0]!.delta.added;
    expect(refused).toHaveLength(1);
    expect(refused[0]!.unit).toBeUndefined();
    expect(refused[0]!.metric).toBe('temp');
  });

  it('says nothing more for a sensor of a known kind', () => {
    const twin = createTwinState();
    const stream = new LiveStream(twin, { now: () => T0 });
    applyTwinInput(twin, { type: 'meta', id: 'wl-1', meta: { kind: 'water_level', lng: 114.3, lat: 30.5 } }, ctx, stream.pending);
    applyTwinInput(twin, { type: 'readings', id: 'wl-1', readings: [{ metric: 'water_level_cm', ts: T0, value: 3 }] }, ctx, stream.pending);
    const summary = stream.nextDeltas()[0]!.delta.added[0]!;
    expect('metric' in summary || 'unit' in summary).toBe(false);
  });
});

describe('units seen, on their way to the store', () => {
  /** The twin and a log over a store that fails while `down` is set, counting its writes. */
  function setUp(writer = true) {
    const twin = createTwinState();
    const saved: { sensorId: string; unit: string }[][] = [];
    const store = {
      down: true,
      calls: 0,
      saveMetricUnits: async (rows: readonly { sensorId: string; metric: string; unit: string; seenAt: number }[]) => {
        store.calls++;
        if (store.down) throw new Error('store away');
        saved.push(rows.map((r) => ({ sensorId: r.sensorId, unit: r.unit })));
      },
    };
    const log = new MetricUnitLog(5, () => undefined, 5);
    log.use(store, () => writer);
    let t = T0;
    const read = (id: string, unit: string) => {
      const units: SeenUnit[] = [{ metric: 'temp', unit }];
      const was = unitsNow(twin.byId.get(id), units);
      t += 1000;
      applyTwinInput(
        twin,
        { type: 'readings', id, readings: [{ metric: 'temp', ts: t, value: 1 }], units },
        { now: () => t },
        createTwinChanges(),
      );
      log.changed(id, units, was, twin.byId.get(id), t);
    };
    return { log, store, saved, read };
  }

  it('keeps one pending change per sensor metric however often a device flips its unit while the store is away', async () => {
    const { log, store, saved, read } = setUp();
    for (let i = 0; i < 1_000; i++) read('dev-1', i % 2 === 0 ? 'Cel' : 'K');
    read('dev-2', 'hPa');
    await log.flush();
    expect(store.calls).toBeGreaterThan(0);
    expect(log.pendingCount).toBe(2);
    store.down = false;
    await log.flush();
    expect(log.pendingCount).toBe(0);
    expect(saved.flat()).toEqual([
      { sensorId: 'dev-1', unit: 'K' },
      { sensorId: 'dev-2', unit: 'hPa' },
    ]);
  });

  it('stops trying once closed, and a node that does not write stores nothing', async () => {
    const { log, store, read } = setUp();
    read('dev-1', 'Cel');
    await log.close();
    const calls = store.calls;
    // Many retry periods (5 ms each): a retry timer left running would have written again.
    await new Promise((r) => setTimeout(r, 100));
    expect(store.calls).toBe(calls);
    const mirror = setUp(false);
    mirror.read('dev-1', 'Cel');
    expect(mirror.log.pendingCount).toBe(0);
  });
});
