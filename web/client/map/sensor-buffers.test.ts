import { describe, expect, it } from 'vitest';
import { SensorStateCode } from '../../../twin-model/sensor-state.ts';
import { KIND_SLOTS, kindSlot, SensorStore, STATE_COUNT } from '../stream/sensor-store.ts';
import { DrawBufferPool, type SensorFilter } from './sensor-buffers.ts';
import { STATE_STYLES } from './sensor-style.ts';

function storeWith(states: number[], kinds: string[] = [], unplaced: number[] = []): SensorStore {
  const store = new SensorStore();
  store.applySnapshot({
    epoch: 'e',
    seq: 1,
    serverTime: 0,
    sensors: states.map((state, i) => ({
      i,
      id: `s${i}`,
      kind: (kinds[i] ?? 'rain_gauge') as 'rain_gauge',
      lng: unplaced.includes(i) ? null : 114 + i,
      lat: unplaced.includes(i) ? null : 30 + i,
      district: null,
      sourceId: null,
      state,
      value: null,
      ts: null,
      registered: true,
    })),
  });
  return store;
}

const all = (): SensorFilter => ({ kinds: new Uint8Array(KIND_SLOTS).fill(1), states: new Uint8Array(STATE_COUNT).fill(1) });

describe('DrawBufferPool', () => {
  it('draws alarms last (on top) and maps draw slots back to rows', () => {
    const { alarm, normal, stale, warning } = SensorStateCode;
    const store = storeWith([alarm, normal, stale, warning, normal]);
    const b = new DrawBufferPool().build(store, all());
    expect(b.length).toBe(5);
    expect(Array.from(b.order)).toEqual([2, 1, 4, 3, 0]);
    // Slot 4 is the alarm (row 0): its position, colour and bigger radius.
    expect(Array.from(b.positions.subarray(8, 10))).toEqual([114, 30]);
    expect(Array.from(b.fillColors.subarray(16, 20))).toEqual([...STATE_STYLES.alarm.fill]);
    expect(b.radii[4]).toBeCloseTo(STATE_STYLES.alarm.radius);
    expect(b.radii[4]!).toBeGreaterThan(b.radii[1]!);
  });

  it('skips sensors without a position and filtered kinds or states', () => {
    const { normal, warning } = SensorStateCode;
    const store = storeWith([normal, normal, warning, normal], ['rain_gauge', 'air_quality', 'rain_gauge', 'rain_gauge'], [3]);
    const filter = all();
    filter.kinds[kindSlot('air_quality')] = 0;
    filter.states[warning] = 0;
    const b = new DrawBufferPool().build(store, filter);
    expect(Array.from(b.order)).toEqual([0]);
  });

  it('says which arrays changed since the previous build', () => {
    const { alarm, normal, warning } = SensorStateCode;
    const pool = new DrawBufferPool();
    const store = storeWith([normal, normal, warning]);
    const first = pool.build(store, all());
    expect(Object.values(first.changed).every(Boolean)).toBe(true);
    // Nothing drawn changed: no array to upload again.
    expect(pool.build(store, all()).changed).toEqual({
      positions: false,
      fillColors: false,
      lineColors: false,
      radii: false,
      lineWidths: false,
    });
    // The warning turns into an alarm: same slot (the top), other colours and size, same position.
    store.state[2] = alarm;
    const third = pool.build(store, all());
    expect(third.changed).toMatchObject({ positions: false, fillColors: true, radii: true });
    // A normal sensor turns into a warning: the draw order moves, so positions change too.
    store.state[0] = warning;
    expect(pool.build(store, all()).changed).toMatchObject({ positions: true, fillColors: true });
    // A filter that draws fewer: everything is handed over again.
    const filter = all();
    filter.states[alarm] = 0;
    expect(Object.values(pool.build(store, filter).changed).every(Boolean)).toBe(true);
  });

  it('gives each build its own order array (picks map through the order they were drawn with)', () => {
    const pool = new DrawBufferPool();
    const store = storeWith([SensorStateCode.normal, SensorStateCode.alarm]);
    const first = pool.build(store, all());
    const kept = Array.from(first.order);
    store.state[1] = SensorStateCode.normal;
    store.state[0] = SensorStateCode.alarm;
    pool.build(store, all());
    expect(Array.from(first.order)).toEqual(kept);
  });
});
