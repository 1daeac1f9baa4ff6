import { describe, expect, it } from 'vitest';
import type { PointsMessage, SensorSummary } from './protocol.ts';
import { decodePoints, encodePoints, PointsBuilder } from './points-codec.ts';

const header = { epoch: 'e1-v1-1', seq: 0, serverTime: 1_780_000_000_000 };

function sensor(i: number, over: Partial<SensorSummary> = {}): SensorSummary {
  return {
    i,
    id: `s-${i}`,
    kind: i % 3 === 0 ? 'water_level' : i % 3 === 1 ? 'air_quality' : 'unknown',
    lng: 114.1 + i * 1e-5,
    lat: 30.5 - i * 1e-5,
    district: i % 4 === 0 ? null : `d${i % 4}`,
    sourceId: i % 5 === 0 ? null : `src-${i % 2}`,
    state: i % 5,
    value: i % 7 === 0 ? null : i * 0.1 + 1 / 3,
    ts: i % 7 === 0 ? null : 1_780_000_000_000 + i,
    registered: i % 2 === 0,
    ...over,
  };
}

/** As socket.io hands a column to Node: a Buffer at an odd offset into a larger buffer. */
function asReceivedInNode(msg: PointsMessage): PointsMessage {
  const out = { ...msg } as unknown as Record<string, unknown>;
  for (const name of ['idEnd', 'kind', 'district', 'source', 'lng', 'lat', 'state', 'value', 'ts', 'registered'] as const) {
    const bytes = new Uint8Array(msg[name]);
    const big = Buffer.alloc(bytes.byteLength + 3);
    big.set(bytes, 3);
    out[name] = big.subarray(3);
  }
  return out as unknown as PointsMessage;
}

describe('the columnar viewport table', () => {
  it('reads back an empty table, one sensor and a table of 20,000 as the summaries it was made of', () => {
    for (const n of [0, 1, 20_000]) {
      const sensors = Array.from({ length: n }, (_, i) => sensor(i));
      const msg = encodePoints(header, sensors);
      expect(msg.count).toBe(n);
      expect(msg.scope).toBe('viewport');
      // Repeated text goes once into its table.
      expect(msg.kinds.length).toBeLessThanOrEqual(3);
      expect(msg.districts.length).toBeLessThanOrEqual(3);
      const back = decodePoints(msg);
      expect(back).toEqual({ ...header, sensors, scope: 'viewport' });
      expect(decodePoints(asReceivedInNode(msg)).sensors).toEqual(sensors);
    }
  });

  it('keeps nulls, extreme values and exact positions; a NaN value reads back as none', () => {
    const sensors: SensorSummary[] = [
      sensor(0, { lng: null, lat: null, value: null, ts: null, district: null, sourceId: null }),
      sensor(1, { lng: -180, lat: 90, value: -0.000_001, ts: 0, state: 255 }),
      sensor(2, { lng: 179.999_999_999, lat: -89.999_999_999, value: Number.MAX_VALUE, ts: 8.64e15 }),
      sensor(3, { value: -1e-300, kind: '区域-kind', district: '江岸区', id: 'id with spaces 和中文' }),
    ];
    expect(decodePoints(encodePoints(header, sensors)).sensors).toEqual(sensors);
    const b = new PointsBuilder(1);
    b.set(0, sensor(0), Number.NaN, null);
    const back = decodePoints(b.finish(header)).sensors[0]!;
    expect(back.value).toBeNull();
    expect(back.ts).toBeNull();
  });

  it('refuses rows numbered out of order and malformed messages, naming what is wrong', () => {
    expect(() => encodePoints(header, [sensor(1)])).toThrow('sensor s-1 is numbered 1 at row 0; rows must be numbered 0..n-1');
    const good = encodePoints(header, [sensor(0), sensor(1)]);
    expect(() => decodePoints({ ...good, count: 3 })).toThrow('column "idEnd" has 8 bytes; 3 rows need 12');
    expect(() => decodePoints({ ...good, ids: ['s-0', 's-1'] as unknown as string })).toThrow('ids must be one string, not object');
    expect(() => decodePoints({ ...good, ids: 's-0s-' })).toThrow('column "idEnd" ends id 1 at 6, outside 3..5');
    expect(() => decodePoints({ ...good, ids: 's-0s-1x' })).toThrow('ids hold 7 characters, the ends only 6');
    expect(() => decodePoints({ ...good, count: -1 })).toThrow('count -1 is not a whole number ≥ 0');
    expect(() => decodePoints({ ...good, lat: new ArrayBuffer(12) })).toThrow('column "lat" has 12 bytes; 2 rows need 16');
    expect(() => decodePoints({ ...good, state: 'x' as unknown as ArrayBuffer })).toThrow('column "state" is missing or not binary');
    expect(() => decodePoints({ ...good, kinds: [] })).toThrow('column "kind" names entry 0 of a table of 0');
    expect(() => decodePoints({ ...good, districts: [] })).toThrow(/column "district" names entry 0 of a table of 0/);
  });

  it('refuses a string table that is not a list of strings, quoting what came', () => {
    const good = encodePoints(header, [sensor(0), sensor(1)]);
    // A string would read as its letters ("w" for a kind), a number as a kind that is no text.
    expect(() => decodePoints({ ...good, kinds: 'water_level' as unknown as string[] })).toThrow(
      'table "kinds" must be a list of strings, not "water_level"',
    );
    expect(() => decodePoints({ ...good, kinds: ['water_level', 7] as unknown as string[] })).toThrow(
      'table "kinds" must be a list of strings, not ["water_level",7]',
    );
    expect(() => decodePoints({ ...good, sources: null as unknown as string[] })).toThrow(
      'table "sources" must be a list of strings, not null',
    );
  });
});
