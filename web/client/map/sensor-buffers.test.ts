import { describe, expect, it } from 'vitest';
import { SensorStateCode } from '../../../twin-model/sensor-state.ts';
import { KIND_SLOTS, kindSlot, SensorStore, STATE_COUNT } from '../stream/sensor-store.ts';
import { DrawBufferPool, type LayerBuffers, type SensorFilter } from './sensor-buffers.ts';
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
  it('draws every sensor in the table order and the warned and alarmed again on top, alarms last', () => {
    const { alarm, normal, stale, warning } = SensorStateCode;
    const store = storeWith([alarm, normal, stale, warning, normal]);
    const b = new DrawBufferPool().build(store, all());
    expect(b.length).toBe(5);
    expect(Array.from(b.order)).toEqual([0, 1, 2, 3, 4]);
    // Slot 0 is the alarm (row 0): its position, colour and bigger radius.
    expect(Array.from(b.positions.subarray(0, 2))).toEqual([114, 30]);
    expect(Array.from(b.fillColors.subarray(0, 4))).toEqual([...STATE_STYLES.alarm.fill]);
    expect(b.radii[0]).toBeCloseTo(STATE_STYLES.alarm.radius);
    expect(b.radii[0]!).toBeGreaterThan(b.radii[1]!);
    // The top layer: exactly the warning (row 3) and then the alarm (row 0), drawn the same way.
    expect(b.top.length).toBe(2);
    expect(Array.from(b.top.order)).toEqual([3, 0]);
    expect(Array.from(b.top.positions)).toEqual([117, 33, 114, 30]);
    expect(Array.from(b.top.fillColors.subarray(4, 8))).toEqual([...STATE_STYLES.alarm.fill]);
    expect(b.top.radii[0]).toBeCloseTo(STATE_STYLES.warning.radius);
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

  it('says which arrays changed since the previous build: a state change never moves positions', () => {
    const { alarm, normal, warning } = SensorStateCode;
    const pool = new DrawBufferPool();
    const store = storeWith([normal, normal, warning]);
    const first = pool.build(store, all());
    expect(Object.values(first.changed).every(Boolean)).toBe(true);
    expect(first.topChanged).toBe(true);
    // Nothing drawn changed: no array to upload again, and the same top layer.
    const second = pool.build(store, all());
    expect(second.changed).toEqual({
      positions: false,
      fillColors: false,
      lineColors: false,
      radii: false,
      lineWidths: false,
    });
    expect(second.topChanged).toBe(false);
    expect(second.top).toBe(first.top);
    // The warning turns into an alarm: other colours and size, same positions; the top layer holds it as an alarm.
    store.state[2] = alarm;
    const third = pool.build(store, all());
    expect(third.changed).toEqual({ positions: false, fillColors: true, lineColors: true, radii: true, lineWidths: true });
    expect(Array.from(third.top.order)).toEqual([2]);
    expect(third.topChanged).toBe(true);
    expect(third.top).not.toBe(second.top);
    // A normal sensor turns into a warning: still only colours and sizes in the main layer.
    store.state[0] = warning;
    const fourth = pool.build(store, all());
    expect(fourth.changed).toEqual({ positions: false, fillColors: true, lineColors: true, radii: true, lineWidths: true });
    expect(Array.from(fourth.order)).toEqual([0, 1, 2]);
    expect(Array.from(fourth.top.order)).toEqual([0, 2]);
    // Back to normal: it leaves the top layer.
    store.state[0] = normal;
    store.state[2] = normal;
    const fifth = pool.build(store, all());
    expect(fifth.changed.positions).toBe(false);
    expect(fifth.top.length).toBe(0);
    expect(fifth.topChanged).toBe(true);
    // A filter that draws fewer: everything is handed over again, and the top layer follows it.
    store.state[1] = alarm;
    const filter = all();
    filter.states[alarm] = 0;
    const sixth = pool.build(store, filter);
    expect(Object.values(sixth.changed).every(Boolean)).toBe(true);
    expect(sixth.top.length).toBe(0);
    expect(sixth.topChanged).toBe(false);
  });

  it('hands back the previous top layer, arrays and all, while its set and looks stay the same', () => {
    const { alarm, normal, warning } = SensorStateCode;
    const pool = new DrawBufferPool();
    const store = storeWith([alarm, normal, warning, normal]);
    const first = pool.build(store, all());
    const arraysOf = (t: LayerBuffers) => [t.order, t.positions, t.fillColors, t.lineColors, t.radii, t.lineWidths];
    const arrays = arraysOf(first.top);
    // A sensor below warning that changes does not touch the top layer: no new object, no new array.
    store.state[1] = SensorStateCode.stale;
    for (let n = 0; n < 3; n++) {
      const next = pool.build(store, all());
      expect(next.topChanged).toBe(false);
      expect(next.top).toBe(first.top);
      for (const [i, a] of arraysOf(next.top).entries()) expect(a).toBe(arrays[i]);
    }
    // The warning and the alarm trade states: the same rows, drawn in another order, is a change.
    store.state[0] = warning;
    store.state[2] = alarm;
    const swapped = pool.build(store, all());
    expect(swapped.topChanged).toBe(true);
    expect(Array.from(swapped.top.order)).toEqual([0, 2]);
    // The previous layer keeps the order it was drawn with (picks map through it).
    expect(Array.from(first.top.order)).toEqual([2, 0]);
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
