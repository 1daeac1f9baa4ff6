/**
 * Turns twin changes into the numbered live stream of protocol.ts: a snapshot on request,
 * then binary deltas every `intervalMs`, kept in a ring so that a client that reconnects
 * within `retainDeltas` deltas resumes without a gap; older gaps get a fresh snapshot.
 */
import { randomBytes } from 'node:crypto';
import {
  createTwinChanges,
  headlineValue,
  type SensorEntry,
  type TwinChanges,
  type TwinState,
} from '../../twin-model/index.ts';
import type { DeltaMessage, ResumeRequest, SensorSummary, SnapshotMessage } from '../shared/protocol.ts';

export function summarize(entry: SensorEntry): SensorSummary {
  const head = headlineValue(entry);
  return {
    i: entry.index,
    id: entry.id,
    kind: entry.kind,
    lng: entry.lng,
    lat: entry.lat,
    district: entry.district,
    sourceId: entry.sourceId,
    state: entry.state,
    value: head ? head.value : null,
    ts: head ? head.ts : null,
    registered: entry.registered,
  };
}

export interface LiveStreamOptions {
  retainDeltas?: number;
  now?: () => number;
}

export type ResumeAnswer = { type: 'snapshot'; snapshot: SnapshotMessage } | { type: 'deltas'; deltas: DeltaMessage[] };

export class LiveStream {
  /** Changes since the last delta; the twin's updaters add to it. */
  readonly pending: TwinChanges = createTwinChanges();
  readonly epoch = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  private seq = 0;
  private readonly ring: DeltaMessage[] = [];
  private readonly retain: number;
  private readonly now: () => number;
  /** Sensors whose `added` summary was sent (index < sentCount). */
  private sentCount = 0;

  constructor(
    private readonly twin: TwinState,
    options: LiveStreamOptions = {},
  ) {
    this.retain = options.retainDeltas ?? 600;
    this.now = options.now ?? Date.now;
    // Everything already in the twin is part of the first snapshot.
    this.sentCount = twin.sensors.length;
    this.pending.changed.clear();
    this.pending.added.length = 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  snapshot(): SnapshotMessage {
    // A snapshot is current to `seq`: pending changes are not in any delta yet, but the
    // summaries below already include them, and the next delta repeats them (idempotent).
    return { epoch: this.epoch, seq: this.seq, serverTime: this.now(), sensors: this.twin.sensors.map(summarize) };
  }

  /** Builds the next delta from pending changes, or null when nothing changed. */
  nextDelta(): DeltaMessage | null {
    const changed = this.pending.changed;
    if (changed.size === 0) return null;
    const sensors = this.twin.sensors;
    const added: SensorSummary[] = [];
    for (let i = this.sentCount; i < sensors.length; i++) added.push(summarize(sensors[i]!));
    this.sentCount = sensors.length;
    const n = changed.size;
    const index = new Uint32Array(n);
    const state = new Uint8Array(n);
    const value = new Float32Array(n);
    const ts = new Float64Array(n);
    let k = 0;
    let dataTime = 0;
    for (const i of changed) {
      const entry = sensors[i]!;
      const head = headlineValue(entry);
      index[k] = i;
      state[k] = entry.state;
      value[k] = head ? head.value : Number.NaN;
      ts[k] = head ? head.ts : 0;
      if (entry.lastTs > dataTime) dataTime = entry.lastTs;
      k++;
    }
    changed.clear();
    this.pending.added.length = 0;
    const delta: DeltaMessage = {
      epoch: this.epoch,
      seq: ++this.seq,
      serverTime: this.now(),
      dataTime,
      added,
      index: index.buffer,
      state: state.buffer,
      value: value.buffer,
      ts: ts.buffer,
    };
    this.ring.push(delta);
    if (this.ring.length > this.retain) this.ring.shift();
    return delta;
  }

  /** What a (re)connecting client needs: the missed deltas, or a snapshot. */
  resume(req: ResumeRequest): ResumeAnswer {
    if (req.epoch !== this.epoch || req.lastSeq === null || req.lastSeq > this.seq) {
      return { type: 'snapshot', snapshot: this.snapshot() };
    }
    if (req.lastSeq === this.seq) return { type: 'deltas', deltas: [] };
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    if (req.lastSeq + 1 < oldest) return { type: 'snapshot', snapshot: this.snapshot() };
    return { type: 'deltas', deltas: this.ring.filter((d) => d.seq > req.lastSeq!) };
  }
}
