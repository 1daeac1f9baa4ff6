/**
 * The binary delta columns of the live stream (protocol.ts `DeltaMessage`), encoded and decoded
 * in this one place for the server's live stream, its classified views and viewport sessions,
 * the replay's frames, the console and the tests.
 *
 * A delta carries four parallel columns: for k in 0..n-1, sensor `index[k]` (Uint32) has state
 * `state[k]` (Uint8, a SensorStateCode), headline value `value[k]` (Float32, NaN = none) and
 * reading time `ts[k]` (Float64 epoch ms, 0 = none). Over socket.io a column is an ArrayBuffer
 * in browsers and a Buffer (a view into a larger, possibly unaligned buffer) in Node; over HTTP
 * (replay frames) it is base64 text.
 */
import { base64ToBytes, bytesToBase64, type Base64Encoder } from './base64.ts';
import type { DeltaMessage, SensorSummary } from './protocol.ts';

/** The four columns of a delta as typed arrays of one length. */
export interface DeltaColumns {
  index: Uint32Array;
  state: Uint8Array;
  value: Float32Array;
  ts: Float64Array;
}

/** Everything of a delta but its columns. */
export interface DeltaHeader {
  epoch: string;
  seq: number;
  serverTime: number;
  /** Newest reading time in the delta's source data (epoch ms), for freshness. */
  dataTime: number;
  added: SensorSummary[];
}

/** A column as received: an ArrayBuffer (browser), a Buffer or other view (Node). */
export type ColumnBytes = ArrayBuffer | ArrayBufferView;

/** Columns for `n` rows, zero-filled. */
export function deltaColumns(n: number): DeltaColumns {
  return { index: new Uint32Array(n), state: new Uint8Array(n), value: new Float32Array(n), ts: new Float64Array(n) };
}

/**
 * Writes row `k`: sensor `index` with its state, headline value and reading time (`null` for
 * none, written as NaN and 0).
 */
export function setDeltaRow(columns: DeltaColumns, k: number, index: number, state: number, value: number | null, ts: number | null): void {
  columns.index[k] = index;
  columns.state[k] = state;
  columns.value[k] = value ?? Number.NaN;
  columns.ts[k] = ts ?? 0;
}

/** The message for a header and its columns (the columns' buffers are handed over, not copied). */
export function encodeDelta(header: DeltaHeader, columns: DeltaColumns): DeltaMessage {
  const n = columns.index.length;
  if (columns.state.length !== n || columns.value.length !== n || columns.ts.length !== n) {
    throw new Error(
      `delta ${header.seq}: columns of different lengths (index ${n}, state ${columns.state.length}, value ${columns.value.length}, ts ${columns.ts.length}); all four must have one length`,
    );
  }
  return {
    ...header,
    index: wholeBuffer(columns.index),
    state: wholeBuffer(columns.state),
    value: wholeBuffer(columns.value),
    ts: wholeBuffer(columns.ts),
  };
}

/**
 * The columns of a received delta as typed arrays. Aligned views share the received bytes;
 * unaligned ones (Node Buffers) are copied. Columns of different lengths, or a byte length that
 * is not a whole number of elements, are an error naming the column.
 */
export function decodeDelta(msg: Pick<DeltaMessage, 'seq' | 'index' | 'state' | 'value' | 'ts'>): DeltaColumns {
  const columns: DeltaColumns = {
    index: column(Uint32Array, msg.index as ColumnBytes, 'index', msg.seq),
    state: column(Uint8Array, msg.state as ColumnBytes, 'state', msg.seq),
    value: column(Float32Array, msg.value as ColumnBytes, 'value', msg.seq),
    ts: column(Float64Array, msg.ts as ColumnBytes, 'ts', msg.seq),
  };
  const n = columns.index.length;
  if (columns.state.length !== n || columns.value.length !== n || columns.ts.length !== n) {
    throw new Error(
      `delta ${msg.seq} has columns of different lengths (index ${n}, state ${columns.state.length}, value ${columns.value.length}, ts ${columns.ts.length}); all four must have one length`,
    );
  }
  return columns;
}

/**
 * Rows `rows` of `columns`, renumbered by `indexOf` (twin index → index of a view): a classified
 * view's or a viewport's share of a full delta. `dataTime` is the newest reading time picked.
 */
export function pickDeltaRows(
  columns: DeltaColumns,
  rows: readonly number[],
  indexOf: (index: number) => number,
): { columns: DeltaColumns; dataTime: number } {
  const out = deltaColumns(rows.length);
  let dataTime = 0;
  for (let j = 0; j < rows.length; j++) {
    const k = rows[j]!;
    const ts = columns.ts[k]!;
    out.index[j] = indexOf(columns.index[k]!);
    out.state[j] = columns.state[k]!;
    out.value[j] = columns.value[k]!;
    out.ts[j] = ts;
    if (ts > dataTime) dataTime = ts;
  }
  return { columns: out, dataTime };
}

/** A delta with its columns as base64 text: a replay frame over HTTP (JSON). */
export interface Base64DeltaColumns {
  index: string;
  state: string;
  value: string;
  ts: string;
}

/**
 * The columns of a delta as base64 text. `encode` is the platform's encoder where it has a
 * faster one (the server passes Node's `Buffer`); the default is the portable one.
 */
export function deltaColumnsToBase64(
  msg: Pick<DeltaMessage, 'index' | 'state' | 'value' | 'ts'>,
  encode: Base64Encoder = bytesToBase64,
): Base64DeltaColumns {
  return {
    index: encode(bytesOf(msg.index as ColumnBytes)),
    state: encode(bytesOf(msg.state as ColumnBytes)),
    value: encode(bytesOf(msg.value as ColumnBytes)),
    ts: encode(bytesOf(msg.ts as ColumnBytes)),
  };
}

/** A delta whose columns came as base64 text (fresh, aligned ArrayBuffers). */
export function deltaFromBase64(header: DeltaHeader, fields: Base64DeltaColumns): DeltaMessage {
  return {
    ...header,
    index: base64Buffer(fields.index, 'index'),
    state: base64Buffer(fields.state, 'state'),
    value: base64Buffer(fields.value, 'value'),
    ts: base64Buffer(fields.ts, 'ts'),
  };
}

/** A list of sensor indices (replay gaps) as base64 text of a Uint32Array, and back. */
export function indicesToBase64(indices: Uint32Array, encode: Base64Encoder = bytesToBase64): string {
  return encode(bytesOf(indices));
}

export function indicesFromBase64(text: string): Uint32Array {
  return new Uint32Array(base64Buffer(text, 'indices', 4));
}

type ColumnCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

function column<T>(Ctor: ColumnCtor<T>, data: ColumnBytes, name: string, seq: number): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  const view = ArrayBuffer.isView(data);
  const buffer = view ? data.buffer : data;
  const byteOffset = view ? data.byteOffset : 0;
  const byteLength = data.byteLength;
  if (byteLength % size !== 0) {
    throw new Error(`delta ${seq}: column "${name}" has ${byteLength} bytes, not a multiple of ${size}`);
  }
  if (byteOffset % size === 0) return new Ctor(buffer, byteOffset, byteLength / size);
  const copy = new Uint8Array(byteLength);
  copy.set(new Uint8Array(buffer, byteOffset, byteLength));
  return new Ctor(copy.buffer, 0, byteLength / size);
}

function bytesOf(data: ColumnBytes): Uint8Array {
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The array's own ArrayBuffer when it spans all of it, else a copy of its bytes. */
function wholeBuffer(a: Uint32Array | Uint8Array | Float32Array | Float64Array): ArrayBuffer {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) return a.buffer;
  return a.slice().buffer as ArrayBuffer;
}

function base64Buffer(text: string, name: string, size = 1): ArrayBuffer {
  const bytes = base64ToBytes(text, name);
  if (bytes.byteLength % size !== 0) throw new Error(`"${name}" has ${bytes.byteLength} bytes, not a multiple of ${size}`);
  return bytes.buffer as ArrayBuffer;
}
