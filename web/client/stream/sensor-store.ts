/**
 * The console's copy of the live sensor table, kept column-wise in typed arrays so that the map
 * layer can be rebuilt from it cheaply (10k sensors, 10 deltas a second).
 *
 * Row `i` is the sensor with index `i` in the current epoch (protocol.ts: `SensorSummary.i`).
 * A snapshot replaces the table; a delta adds new sensors and overwrites state, value and time
 * of the rows it names.
 */
import type { DeltaMessage, SensorSummary, SnapshotMessage } from '../../shared/protocol.ts';
import { decodeDelta } from '../../shared/delta-codec.ts';
import { SENSOR_KINDS, type SensorKind } from '../../../twin-model/vocabulary.ts';
import { SENSOR_STATES, SensorStateCode } from '../../../twin-model/sensor-state.ts';

/** `kind` column value of a sensor whose kind is 'unknown' or one the city declares (the legend's "other kinds"). */
export const UNKNOWN_KIND = SENSOR_KINDS.length;
/** Number of kind slots: the vocabulary plus 'unknown'. */
export const KIND_SLOTS = SENSOR_KINDS.length + 1;
/** Number of state codes (SENSOR_STATES). */
export const STATE_COUNT = SENSOR_STATES.length;

const KIND_INDEX = new Map<string, number>(SENSOR_KINDS.map((k, i) => [k, i]));

/** The kind name of a kind slot. */
export function kindAt(slot: number): SensorKind | 'unknown' {
  return SENSOR_KINDS[slot] ?? 'unknown';
}

/** The kind slot of a kind name. */
export function kindSlot(kind: string): number {
  return KIND_INDEX.get(kind) ?? UNKNOWN_KIND;
}

/** Counts over the whole table, drawn or not. */
export interface SensorCounts {
  total: number;
  /** Sensors with no known position (listed, not drawn). */
  unplaced: number;
  /** Per state code (index = SensorStateCode). */
  byState: Uint32Array;
  /** Per kind slot (index = kindSlot). */
  byKind: Uint32Array;
}

export class SensorStore {
  /** Epoch of the table (null before the first snapshot). */
  epoch: string | null = null;
  /** Sequence number the table is current to (-1 before the first snapshot). */
  seq = -1;
  /** Number of rows. */
  count = 0;
  /** Bumped on every change; consumers compare it to skip needless rebuilds. */
  version = 0;
  /**
   * Bumped when something the map draws changed: rows added, a position or a state. A delta
   * that only brings new values and times leaves it, so the sensor layer need not be rebuilt
   * or uploaded again (map/sensor-overlay.ts).
   */
  drawVersion = 0;
  /** Newest reading time seen in applied data (epoch ms), 0 if none. */
  newestDataTime = 0;

  ids: string[] = [];
  district: (string | null)[] = [];
  sourceId: (string | null)[] = [];
  /** Kind name per row: a v1 kind, a declared one (its slot is {@link UNKNOWN_KIND}), or `unknown`. */
  kindName: string[] = [];
  /** For a sensor of kind `unknown`: the metric of its value, and the unit it came in (protocol.ts); null otherwise. */
  metric: (string | null)[] = [];
  unit: (string | null)[] = [];
  /** Kind slot per row (see kindSlot). */
  kind = new Uint8Array(0);
  /** Longitude / latitude, NaN when unknown. */
  lng = new Float64Array(0);
  lat = new Float64Array(0);
  /** SensorStateCode per row. */
  state = new Uint8Array(0);
  /** Headline value, NaN = none. */
  value = new Float32Array(0);
  /** Reading time (epoch ms), 0 = none. */
  ts = new Float64Array(0);
  registered = new Uint8Array(0);

  private readonly indexById = new Map<string, number>();

  /** Row of a sensor id, or -1. */
  indexOf(id: string): number {
    return this.indexById.get(id) ?? -1;
  }

  hasPosition(i: number): boolean {
    return Number.isFinite(this.lng[i]) && Number.isFinite(this.lat[i]);
  }

  /** Replaces the whole table. */
  applySnapshot(msg: SnapshotMessage): void {
    this.epoch = msg.epoch;
    this.seq = msg.seq;
    this.count = 0;
    this.ids = [];
    this.district = [];
    this.sourceId = [];
    this.kindName = [];
    this.metric = [];
    this.unit = [];
    this.indexById.clear();
    this.newestDataTime = 0;
    let rows = 0;
    for (const s of msg.sensors) rows = Math.max(rows, s.i + 1);
    this.ensureCapacity(rows, false);
    // Rows the snapshot does not list (should not happen) stay empty rather than stale.
    this.kind.fill(UNKNOWN_KIND, 0, rows);
    this.lng.fill(NaN, 0, rows);
    this.lat.fill(NaN, 0, rows);
    this.state.fill(SensorStateCode.stale, 0, rows);
    this.value.fill(NaN, 0, rows);
    this.ts.fill(0, 0, rows);
    this.registered.fill(0, 0, rows);
    for (let i = 0; i < rows; i++) {
      this.ids[i] = '';
      this.district[i] = null;
      this.sourceId[i] = null;
      this.kindName[i] = 'unknown';
      this.metric[i] = null;
      this.unit[i] = null;
    }
    this.count = rows;
    for (const s of msg.sensors) this.writeSummary(s);
    this.version++;
    this.drawVersion++;
  }

  /**
   * Applies a delta that the sequencer accepted (same epoch, seq = this.seq + 1).
   * Returns the number of rows it touched.
   */
  applyDelta(msg: DeltaMessage): number {
    for (const s of msg.added) {
      if (s.i >= this.count) {
        this.ensureCapacity(s.i + 1, true);
        for (let i = this.count; i <= s.i; i++) {
          this.ids[i] = '';
          this.district[i] = null;
          this.sourceId[i] = null;
          this.kindName[i] = 'unknown';
          this.metric[i] = null;
          this.unit[i] = null;
          this.kind[i] = UNKNOWN_KIND;
          this.lng[i] = NaN;
          this.lat[i] = NaN;
          this.value[i] = NaN;
          this.state[i] = SensorStateCode.stale;
        }
        this.count = s.i + 1;
      }
      this.writeSummary(s);
    }
    const { index, state, value, ts } = decodeDelta(msg);
    const n = index.length;
    let touched = 0;
    let drawn = msg.added.length > 0;
    for (let k = 0; k < n; k++) {
      const i = index[k]!;
      if (i >= this.count) continue; // unknown row: ignore rather than corrupt the table
      if (this.state[i] !== state[k]) drawn = true;
      this.state[i] = state[k]!;
      this.value[i] = value[k]!;
      const t = ts[k]!;
      this.ts[i] = t;
      if (t > this.newestDataTime) this.newestDataTime = t;
      touched++;
    }
    if (msg.dataTime > this.newestDataTime) this.newestDataTime = msg.dataTime;
    this.seq = msg.seq;
    this.version++;
    if (drawn) this.drawVersion++;
    return touched + msg.added.length;
  }

  /** Counts per state and kind over all rows. */
  counts(out?: SensorCounts): SensorCounts {
    const c = out ?? { total: 0, unplaced: 0, byState: new Uint32Array(STATE_COUNT), byKind: new Uint32Array(KIND_SLOTS) };
    c.byState.fill(0);
    c.byKind.fill(0);
    c.unplaced = 0;
    c.total = this.count;
    for (let i = 0; i < this.count; i++) {
      const s = this.state[i]!;
      if (s < STATE_COUNT) c.byState[s]!++;
      c.byKind[this.kind[i]!]!++;
      if (!this.hasPosition(i)) c.unplaced++;
    }
    return c;
  }

  private writeSummary(s: SensorSummary): void {
    const i = s.i;
    const previous = this.ids[i];
    if (previous) this.indexById.delete(previous);
    this.ids[i] = s.id;
    this.indexById.set(s.id, i);
    this.district[i] = s.district;
    this.sourceId[i] = s.sourceId;
    this.kind[i] = kindSlot(s.kind);
    this.kindName[i] = s.kind;
    this.metric[i] = s.metric ?? null;
    this.unit[i] = s.unit ?? null;
    this.lng[i] = s.lng ?? NaN;
    this.lat[i] = s.lat ?? NaN;
    this.state[i] = s.state;
    this.value[i] = s.value ?? NaN;
    this.ts[i] = s.ts ?? 0;
    this.registered[i] = s.registered ? 1 : 0;
    if (s.ts !== null && s.ts > this.newestDataTime) this.newestDataTime = s.ts;
  }

  private ensureCapacity(rows: number, keep: boolean): void {
    if (rows <= this.kind.length) return;
    const capacity = Math.max(rows, Math.ceil(this.kind.length * 1.5), 1024);
    const grow = <T extends Uint8Array | Float32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      if (keep) next.set(old);
      return next;
    };
    this.kind = grow(this.kind, (n) => new Uint8Array(n));
    this.lng = grow(this.lng, (n) => new Float64Array(n));
    this.lat = grow(this.lat, (n) => new Float64Array(n));
    this.state = grow(this.state, (n) => new Uint8Array(n));
    this.value = grow(this.value, (n) => new Float32Array(n));
    this.ts = grow(this.ts, (n) => new Float64Array(n));
    this.registered = grow(this.registered, (n) => new Uint8Array(n));
  }
}
