import { describe, expect, it } from 'vitest';
import {
  decodeDelta,
  deltaColumns,
  deltaColumnsToBase64,
  deltaFromBase64,
  encodeDelta,
  indicesFromBase64,
  indicesToBase64,
  pickDeltaRows,
  setDeltaRow,
} from './delta-codec.ts';
import { decodeFrame, encodeFrame, snapToGrid, snapUpToGrid } from './replay-protocol.ts';

const header = { epoch: 'e1', seq: 7, serverTime: 10_000, dataTime: 9_000, added: [] };

function sample() {
  const c = deltaColumns(3);
  setDeltaRow(c, 0, 4, 2, 31.5, 9_000);
  setDeltaRow(c, 1, 9, 1, null, null);
  setDeltaRow(c, 2, 12, 0, 0, 8_000);
  return c;
}

describe('delta codec', () => {
  it('round-trips the four columns, with none as NaN and 0', () => {
    const msg = encodeDelta(header, sample());
    expect(msg).toMatchObject(header);
    const back = decodeDelta(msg);
    expect([...back.index]).toEqual([4, 9, 12]);
    expect([...back.state]).toEqual([2, 1, 0]);
    expect(back.value[0]).toBe(31.5);
    expect(Number.isNaN(back.value[1])).toBe(true);
    expect(back.value[2]).toBe(0);
    expect([...back.ts]).toEqual([9_000, 0, 8_000]);
  });

  it('reads columns that arrive as unaligned Node Buffers', () => {
    const msg = encodeDelta(header, sample());
    const unaligned = (buf: ArrayBuffer) => {
      const raw = Buffer.alloc(buf.byteLength + 1);
      Buffer.from(buf).copy(raw, 1);
      return raw.subarray(1) as unknown as ArrayBuffer;
    };
    const back = decodeDelta({ ...msg, index: unaligned(msg.index), value: unaligned(msg.value), ts: unaligned(msg.ts) });
    expect([...back.index]).toEqual([4, 9, 12]);
    expect([...back.ts]).toEqual([9_000, 0, 8_000]);
  });

  it('refuses columns of different lengths or partial elements, naming the column', () => {
    const msg = encodeDelta(header, sample());
    expect(() => decodeDelta({ ...msg, value: new Float32Array(2).buffer })).toThrow(
      /delta 7 has columns of different lengths \(index 3, state 3, value 2, ts 3\)/,
    );
    expect(() => decodeDelta({ ...msg, ts: new ArrayBuffer(7) })).toThrow('delta 7: column "ts" has 7 bytes, not a multiple of 8');
    expect(() => encodeDelta(header, { ...sample(), state: new Uint8Array(1) })).toThrow(/columns of different lengths/);
  });

  it('picks rows for a view, renumbered, with their newest reading time', () => {
    const { columns, dataTime } = pickDeltaRows(sample(), [0, 2], (i) => i * 10);
    expect([...columns.index]).toEqual([40, 120]);
    expect([...columns.state]).toEqual([2, 0]);
    expect([...columns.ts]).toEqual([9_000, 8_000]);
    expect(dataTime).toBe(9_000);
    expect(pickDeltaRows(sample(), [], (i) => i).columns.index.length).toBe(0);
  });

  it('sends columns as base64 and reads them back, with any encoder', () => {
    const msg = encodeDelta(header, sample());
    const node = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
    const portable = deltaColumnsToBase64(msg);
    expect(deltaColumnsToBase64(msg, node)).toEqual(portable);
    const back = decodeDelta(deltaFromBase64(header, portable));
    expect([...back.index]).toEqual([4, 9, 12]);
    expect(back.value[0]).toBe(31.5);
    expect([...indicesFromBase64(indicesToBase64(Uint32Array.of(3, 70_000)))]).toEqual([3, 70_000]);
    expect(() => indicesFromBase64('AAA=')).toThrow(/not a multiple of 4/);
  });
});

describe('replay frames', () => {
  it('encode for JSON and decode to the same delta and gaps', () => {
    const frame = { delta: encodeDelta(header, sample()), gaps: Uint32Array.of(1, 5) };
    const wire = JSON.parse(JSON.stringify(encodeFrame(frame)));
    const back = decodeFrame(wire);
    expect(back.delta).toMatchObject({ epoch: 'e1', seq: 7, serverTime: 10_000, dataTime: 9_000, added: [] });
    expect([...decodeDelta(back.delta).index]).toEqual([4, 9, 12]);
    expect([...back.gaps]).toEqual([1, 5]);
  });

  it('snap to the 10 s replay grid', () => {
    expect(snapToGrid(1_234_567)).toBe(1_230_000);
    expect(snapUpToGrid(1_234_567)).toBe(1_240_000);
    expect(snapUpToGrid(1_230_000)).toBe(1_230_000);
  });
});
