import { describe, expect, it } from 'vitest';
import type { DeltaMessage, SensorSummary, SnapshotMessage } from '../../shared/protocol.ts';
import { SensorStateCode } from '../../../twin-model/sensor-state.ts';
import { kindSlot, SensorStore, UNKNOWN_KIND } from './sensor-store.ts';

function sensor(i: number, over: Partial<SensorSummary> = {}): SensorSummary {
  return {
    i,
    id: `s-${i}`,
    kind: 'water_level',
    lng: 114.3 + i * 0.01,
    lat: 30.5,
    district: '420106',
    sourceId: 'water',
    state: SensorStateCode.normal,
    value: 1,
    ts: 1_000 + i,
    registered: true,
    ...over,
  };
}

function snapshot(sensors: SensorSummary[], seq = 5): SnapshotMessage {
  return { epoch: 'e1', seq, serverTime: 10_000, sensors };
}

function delta(seq: number, rows: Array<[number, number, number, number]>, added: SensorSummary[] = []): DeltaMessage {
  return {
    epoch: 'e1',
    seq,
    serverTime: 10_000,
    dataTime: Math.max(0, ...rows.map((r) => r[3])),
    added,
    index: new Uint32Array(rows.map((r) => r[0])).buffer,
    state: new Uint8Array(rows.map((r) => r[1])).buffer,
    value: new Float32Array(rows.map((r) => r[2])).buffer,
    ts: new Float64Array(rows.map((r) => r[3])).buffer,
  };
}

describe('SensorStore', () => {
  it('loads a snapshot column-wise, with null positions as NaN', () => {
    const store = new SensorStore();
    store.applySnapshot(snapshot([sensor(0), sensor(1, { lng: null, lat: null, kind: 'unknown', value: null, ts: null })]));
    expect(store.count).toBe(2);
    expect(store.seq).toBe(5);
    expect(store.indexOf('s-1')).toBe(1);
    expect(store.hasPosition(0)).toBe(true);
    expect(store.hasPosition(1)).toBe(false);
    expect(store.kind[0]).toBe(kindSlot('water_level'));
    expect(store.kind[1]).toBe(UNKNOWN_KIND);
    expect(Number.isNaN(store.value[1])).toBe(true);
    expect(store.newestDataTime).toBe(1_000);
  });

  it('patches state, value and time from a binary delta', () => {
    const store = new SensorStore();
    store.applySnapshot(snapshot([sensor(0), sensor(1)]));
    const v = store.version;
    store.applyDelta(delta(6, [[1, SensorStateCode.alarm, 42.5, 5_000]]));
    expect(store.seq).toBe(6);
    expect(store.state[1]).toBe(SensorStateCode.alarm);
    expect(store.value[1]).toBeCloseTo(42.5);
    expect(store.ts[1]).toBe(5_000);
    expect(store.state[0]).toBe(SensorStateCode.normal);
    expect(store.version).toBeGreaterThan(v);
    expect(store.newestDataTime).toBe(5_000);
  });

  it('moves its draw version on a state, a new sensor or a snapshot, not on new values alone', () => {
    const store = new SensorStore();
    store.applySnapshot(snapshot([sensor(0), sensor(1)]));
    const d0 = store.drawVersion;
    store.applyDelta(delta(6, [[1, SensorStateCode.normal, 7, 5_000]]));
    expect(store.drawVersion).toBe(d0);
    store.applyDelta(delta(7, [[1, SensorStateCode.alarm, 8, 6_000]]));
    expect(store.drawVersion).toBe(d0 + 1);
    store.applyDelta(delta(8, [], [sensor(2, { id: 'new' })]));
    expect(store.drawVersion).toBe(d0 + 2);
    store.applySnapshot(snapshot([sensor(0)], 9));
    expect(store.drawVersion).toBe(d0 + 3);
  });

  it('adds sensors new to the epoch', () => {
    const store = new SensorStore();
    store.applySnapshot(snapshot([sensor(0)]));
    store.applyDelta(delta(6, [], [sensor(1, { id: 'new' })]));
    expect(store.count).toBe(2);
    expect(store.indexOf('new')).toBe(1);
  });

  it('reads columns from unaligned views (Node Buffers)', () => {
    const store = new SensorStore();
    store.applySnapshot(snapshot([sensor(0), sensor(1)]));
    const raw = new Uint8Array(1 + 8);
    raw.set(new Uint8Array(new Float64Array([7_777]).buffer), 1);
    const msg = delta(6, [[1, SensorStateCode.warning, 3, 0]]);
    msg.ts = new Uint8Array(raw.buffer, 1, 8) as unknown as ArrayBuffer;
    store.applyDelta(msg);
    expect(store.ts[1]).toBe(7_777);
  });

  it('rejects a delta whose columns disagree in length', () => {
    const store = new SensorStore();
    store.applySnapshot(snapshot([sensor(0)]));
    const msg = delta(6, [[0, 1, 1, 1]]);
    msg.value = new Float32Array(2).buffer;
    expect(() => store.applyDelta(msg)).toThrow(/different lengths/);
  });

  it('counts by state and kind, and counts sensors without a position', () => {
    const store = new SensorStore();
    store.applySnapshot(
      snapshot([sensor(0), sensor(1, { state: SensorStateCode.alarm }), sensor(2, { lng: null, lat: null, kind: 'rain_gauge' })]),
    );
    const c = store.counts();
    expect(c.total).toBe(3);
    expect(c.unplaced).toBe(1);
    expect(c.byState[SensorStateCode.normal]).toBe(2);
    expect(c.byState[SensorStateCode.alarm]).toBe(1);
    expect(c.byKind[kindSlot('water_level')]).toBe(2);
    expect(c.byKind[kindSlot('rain_gauge')]).toBe(1);
  });
});
