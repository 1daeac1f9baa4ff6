/**
 * The columnar viewport table (protocol.ts `PointsMessage`): the sensors of a zoomed-in
 * viewport as a few typed arrays and small string tables instead of one object per sensor, so
 * the server builds it without a summary object per sensor, socket.io sends the columns as
 * binary attachments (no walk over thousands of objects, no large JSON text) and the client
 * reads it back into the summaries of an ordinary viewport snapshot.
 *
 * Row r is the sensor numbered `i = r` in the viewport's epoch. The ids are one string, all of
 * them one after the other, and a Uint32 column of where each ends (UTF-16 code units), so the
 * message holds no array of thousands of strings for socket.io to walk. Text that repeats (kind,
 * district, source) is a table of distinct strings and a Uint32 column of places in it (for
 * district and source 0 = null, k + 1 = the table's entry k). Positions, values and times are
 * Float64 with NaN = null (the protocol's summaries are NaN-free: a NaN value reads back as null).
 * Over socket.io a column is an ArrayBuffer in browsers and a Buffer (possibly unaligned) in Node.
 */
import type { ColumnBytes } from './delta-codec.ts';
import type { PointsMessage, SensorSummary, SnapshotMessage } from './protocol.ts';

/** What the table needs of a sensor: a summary, or the server's twin entry with its headline value apart. */
export type PointsSensor = Pick<SensorSummary, 'id' | 'kind' | 'lng' | 'lat' | 'district' | 'sourceId' | 'state' | 'registered'>;

/** Everything of a points message but its rows. */
export interface PointsHeader {
  epoch: string;
  seq: number;
  serverTime: number;
}

const COLUMNS = ['idEnd', 'kind', 'district', 'source', 'lng', 'lat', 'state', 'value', 'ts', 'registered'] as const;

/** Distinct strings in order of first use; `place` of null is 0 when nullable. */
class StringTable {
  readonly list: string[] = [];
  private readonly at = new Map<string, number>();

  constructor(private readonly offset: number) {}

  place(s: string): number {
    let k = this.at.get(s);
    if (k === undefined) {
      k = this.list.length;
      this.list.push(s);
      this.at.set(s, k);
    }
    return k + this.offset;
  }
}

/** Fills the columns of `n` rows, one row at a time, then hands them over as a message. */
export class PointsBuilder {
  private readonly ids: string[];
  private readonly idEnd: Uint32Array;
  private readonly kinds = new StringTable(0);
  private readonly districts = new StringTable(1);
  private readonly sources = new StringTable(1);
  private readonly kind: Uint32Array;
  private readonly district: Uint32Array;
  private readonly source: Uint32Array;
  private readonly lng: Float64Array;
  private readonly lat: Float64Array;
  private readonly state: Uint8Array;
  private readonly value: Float64Array;
  private readonly ts: Float64Array;
  private readonly registered: Uint8Array;

  constructor(readonly count: number) {
    this.ids = new Array<string>(count);
    this.idEnd = new Uint32Array(count);
    this.kind = new Uint32Array(count);
    this.district = new Uint32Array(count);
    this.source = new Uint32Array(count);
    this.lng = new Float64Array(count);
    this.lat = new Float64Array(count);
    this.state = new Uint8Array(count);
    this.value = new Float64Array(count);
    this.ts = new Float64Array(count);
    this.registered = new Uint8Array(count);
  }

  /** Writes row `r`: the sensor, its headline value and that value's time (null for none). */
  set(r: number, s: PointsSensor, value: number | null, ts: number | null): void {
    this.ids[r] = s.id;
    this.kind[r] = this.kinds.place(s.kind);
    this.district[r] = s.district === null ? 0 : this.districts.place(s.district);
    this.source[r] = s.sourceId === null ? 0 : this.sources.place(s.sourceId);
    this.lng[r] = s.lng ?? Number.NaN;
    this.lat[r] = s.lat ?? Number.NaN;
    this.state[r] = s.state;
    this.value[r] = value ?? Number.NaN;
    this.ts[r] = ts ?? Number.NaN;
    this.registered[r] = s.registered ? 1 : 0;
  }

  /** The message (the columns' buffers are handed over, not copied). */
  finish(header: PointsHeader): PointsMessage {
    let end = 0;
    for (let r = 0; r < this.count; r++) {
      end += this.ids[r]!.length;
      this.idEnd[r] = end;
    }
    return {
      ...header,
      scope: 'viewport',
      count: this.count,
      ids: this.ids.join(''),
      idEnd: this.idEnd.buffer as ArrayBuffer,
      kinds: this.kinds.list,
      districts: this.districts.list,
      sources: this.sources.list,
      kind: this.kind.buffer as ArrayBuffer,
      district: this.district.buffer as ArrayBuffer,
      source: this.source.buffer as ArrayBuffer,
      lng: this.lng.buffer as ArrayBuffer,
      lat: this.lat.buffer as ArrayBuffer,
      state: this.state.buffer as ArrayBuffer,
      value: this.value.buffer as ArrayBuffer,
      ts: this.ts.buffer as ArrayBuffer,
      registered: this.registered.buffer as ArrayBuffer,
    };
  }
}

/** A viewport snapshot's summaries as a points message (their `i` must be 0..n-1 in order). */
export function encodePoints(header: PointsHeader, sensors: readonly SensorSummary[]): PointsMessage {
  const b = new PointsBuilder(sensors.length);
  sensors.forEach((s, r) => {
    if (s.i !== r) throw new Error(`points ${header.epoch}: sensor ${s.id} is numbered ${s.i} at row ${r}; rows must be numbered 0..n-1`);
    b.set(r, s, s.value, s.ts);
  });
  return b.finish(header);
}

type Columns = {
  idEnd: Uint32Array;
  kind: Uint32Array;
  district: Uint32Array;
  source: Uint32Array;
  lng: Float64Array;
  lat: Float64Array;
  state: Uint8Array;
  value: Float64Array;
  ts: Float64Array;
  registered: Uint8Array;
};

/**
 * The viewport snapshot a points message stands for. Columns whose length is not `count`, ids
 * that are not `count` strings, a string table that is not a list of strings, or a place
 * outside its table are an error naming the column or table.
 */
export function decodePoints(msg: PointsMessage): SnapshotMessage {
  const n = msg.count;
  const fail = (what: string): never => {
    throw new Error(`points ${msg.epoch}: ${what}`);
  };
  if (!Number.isSafeInteger(n) || n < 0) fail(`count ${String(n)} is not a whole number ≥ 0`);
  if (typeof msg.ids !== 'string') fail(`ids must be one string, not ${typeof msg.ids}`);
  for (const name of ['kinds', 'districts', 'sources'] as const) checkTable(msg[name], name, fail);
  const c = readColumns(msg, n, fail);
  const ids = splitIds(msg.ids, c.idEnd, fail);
  const text = (table: readonly string[], k: number, name: string): string =>
    table[k] ?? fail(`column "${name}" names entry ${k} of a table of ${table.length}`);
  const nullable = (table: readonly string[], k: number, name: string): string | null => (k === 0 ? null : text(table, k - 1, name));
  const num = (v: number): number | null => (Number.isNaN(v) ? null : v);
  const sensors = new Array<SensorSummary>(n);
  for (let r = 0; r < n; r++) {
    sensors[r] = {
      i: r,
      id: ids[r]!,
      kind: text(msg.kinds, c.kind[r]!, 'kind'),
      lng: num(c.lng[r]!),
      lat: num(c.lat[r]!),
      district: nullable(msg.districts, c.district[r]!, 'district'),
      sourceId: nullable(msg.sources, c.source[r]!, 'source'),
      state: c.state[r]!,
      value: num(c.value[r]!),
      ts: num(c.ts[r]!),
      registered: c.registered[r] === 1,
    };
  }
  return { epoch: msg.epoch, seq: msg.seq, serverTime: msg.serverTime, sensors, scope: 'viewport' };
}

const WIDTH: Record<(typeof COLUMNS)[number], 1 | 4 | 8> = {
  idEnd: 4,
  kind: 4,
  district: 4,
  source: 4,
  lng: 8,
  lat: 8,
  state: 1,
  value: 8,
  ts: 8,
  registered: 1,
};

/** A string table must be a list of strings: a string would read as its letters, a number as text. */
function checkTable(table: unknown, name: string, fail: (what: string) => never): void {
  if (Array.isArray(table) && table.every((s) => typeof s === 'string')) return;
  fail(`table "${name}" must be a list of strings, not ${JSON.stringify(table)?.slice(0, 80) ?? String(table)}`);
}

/** The ids back from their string and end offsets; offsets that go back or past the string are an error. */
function splitIds(text: string, ends: Uint32Array, fail: (what: string) => never): string[] {
  const ids = new Array<string>(ends.length);
  let start = 0;
  for (let r = 0; r < ends.length; r++) {
    const end = ends[r]!;
    if (end < start || end > text.length) fail(`column "idEnd" ends id ${r} at ${end}, outside ${start}..${text.length}`);
    ids[r] = text.slice(start, end);
    start = end;
  }
  if (start !== text.length) fail(`ids hold ${text.length} characters, the ends only ${start}`);
  return ids;
}

function readColumns(msg: PointsMessage, n: number, fail: (what: string) => never): Columns {
  const out: Record<string, Uint32Array | Float64Array | Uint8Array> = {};
  for (const name of COLUMNS) {
    const data = msg[name] as ColumnBytes | undefined;
    if (!data || (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data))) fail(`column "${name}" is missing or not binary`);
    const size = WIDTH[name];
    if (data!.byteLength !== n * size) fail(`column "${name}" has ${data!.byteLength} bytes; ${n} rows need ${n * size}`);
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data!);
    // Node hands a Buffer that may be unaligned: copy those bytes.
    const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
    const Ctor = size === 8 ? Float64Array : size === 4 ? Uint32Array : Uint8Array;
    out[name] = new Ctor(aligned.buffer as ArrayBuffer, aligned.byteOffset, n);
  }
  return out as Columns;
}
