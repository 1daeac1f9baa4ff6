/**
 * Turns twin changes into the numbered live stream of protocol.ts: a snapshot on request,
 * then binary deltas every `intervalMs`, kept in a ring so that a client that reconnects
 * within `retainDeltas` deltas resumes without a gap; older gaps get a fresh snapshot.
 *
 * Classification (分级分类): the full stream carries every sensor. A client cleared for less
 * gets a {@link ClassifiedView}: its own epoch and dense numbering over the sensors it may
 * see, derived from each full delta (O(changed) per view per delta; there are at most a few
 * views, one per distinct clearance). A sensor whose classification rises above a view's
 * clearance cannot be "removed" in the protocol, so that view starts a new epoch and its
 * clients take a fresh snapshot without it.
 */
import { randomBytes } from 'node:crypto';
import {
  createTwinChanges,
  headlineMetric,
  headlineValue,
  seenUnitOf,
  type SensorEntry,
  type TwinChanges,
  type TwinState,
} from '../../../twin-model/index.ts';
import { stateName, type Classification, type SensorStateName } from '../../../twin-model/index.ts';
import type { DeltaMessage, ResumeRequest, SensorSummary, SnapshotMessage } from '../../shared/protocol.ts';
import { decodeDelta, deltaColumns, encodeDelta, pickDeltaRows, setDeltaRow } from '../../shared/delta-codec.ts';
import { clearanceMask, CLASS_BIT, type SensorClassifier } from '../auth/classification.ts';
import { UNCLASSIFIED_AS } from '../auth/policy.ts';
import { gridSensor, SensorGrid } from './sensor-aggregate.ts';

/** A sensor as the stream sends it, numbered `i` (default: its twin index; a view numbers its own). */
export function summarize(entry: SensorEntry, i = entry.index): SensorSummary {
  const head = headlineValue(entry);
  const summary: SensorSummary = {
    i,
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
  // A kind without a headline (an unknown device): which metric the value is, and its unit as sent.
  if (entry.headline === null) {
    const metric = headlineMetric(entry);
    if (metric !== null) {
      summary.metric = metric;
      const unit = seenUnitOf(entry, metric);
      if (unit !== null) summary.unit = unit;
    }
  }
  return summary;
}

export interface LiveStreamOptions {
  retainDeltas?: number;
  now?: () => number;
  /** Classification of a sensor's data; default: its own, else unclassified (internal). */
  classify?: SensorClassifier;
}

/** What a socket reads from: the full stream or a classified view. */
export interface StreamFeed {
  readonly epoch: string;
  readonly lastSeq: number;
  snapshot(): SnapshotMessage;
  resume(req: ResumeRequest): ResumeAnswer;
}

/** Deltas ring and resume logic shared by the full stream and the views. */
function resumeFrom(
  feed: { epoch: string; lastSeq: number; ring: readonly DeltaMessage[]; snapshot(): SnapshotMessage },
  req: ResumeRequest,
): ResumeAnswer {
  if (req.epoch !== feed.epoch || req.lastSeq === null || req.lastSeq > feed.lastSeq) {
    return { type: 'snapshot', snapshot: feed.snapshot() };
  }
  if (req.lastSeq === feed.lastSeq) return { type: 'deltas', deltas: [] };
  const oldest = feed.ring[0]?.seq ?? feed.lastSeq + 1;
  if (req.lastSeq + 1 < oldest) return { type: 'snapshot', snapshot: feed.snapshot() };
  return { type: 'deltas', deltas: feed.ring.filter((d) => d.seq > req.lastSeq!) };
}

export type ResumeAnswer = { type: 'snapshot'; snapshot: SnapshotMessage } | { type: 'deltas'; deltas: DeltaMessage[] };

export class LiveStream implements StreamFeed {
  /** Changes since the last delta; the twin's updaters add to it. */
  readonly pending: TwinChanges = { ...createTwinChanges(), described: new Set<number>() };
  readonly epoch = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  private seq = 0;
  /** @internal read by resumeFrom */
  readonly ring: DeltaMessage[] = [];
  private readonly retain: number;
  private readonly now: () => number;
  readonly classify: SensorClassifier;
  /** Room key of the full stream. */
  readonly key = 'all';
  private readonly views = new Map<string, ClassifiedView>();
  /** Sensors whose `added` summary was sent (index < sentCount). */
  private sentCount = 0;
  /** The twin's sensors by grid cell, kept at delta cadence (sensor-aggregate.ts, docs/scale.md). */
  readonly grid = new SensorGrid();

  constructor(
    private readonly twin: TwinState,
    options: LiveStreamOptions = {},
  ) {
    this.retain = options.retainDeltas ?? 600;
    this.now = options.now ?? Date.now;
    this.classify = options.classify ?? ((s) => s.classification ?? UNCLASSIFIED_AS);
    // Everything already in the twin is part of the first snapshot.
    this.sentCount = twin.sensors.length;
    for (const entry of twin.sensors) this.grid.set(entry.index, gridSensor(entry, this.classify(entry)));
    this.pending.changed.clear();
    this.pending.added.length = 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  snapshot(): SnapshotMessage {
    // A snapshot is current to `seq`: pending changes are not in any delta yet, but the
    // summaries below already include them, and the next delta repeats them (idempotent).
    return { epoch: this.epoch, seq: this.seq, serverTime: this.now(), sensors: this.twin.sensors.map((e) => summarize(e)) };
  }

  /**
   * The feed for a clearance: this full stream when it covers every classification, else the
   * (lazily created, then kept) view for exactly that set.
   */
  feedFor(clearance: readonly Classification[]): StreamFeed & { key: string } {
    const mask = clearanceMask(clearance);
    if (mask === clearanceMask(['public', 'internal', 'sensitive'])) return this;
    const key = `m${mask}`;
    let view = this.views.get(key);
    if (!view) {
      view = new ClassifiedView(this.twin, mask, key, this.epoch, this.classify, this.retain, this.now);
      this.views.set(key, view);
    }
    return view;
  }

  /** The classified views created so far. */
  classifiedViews(): ClassifiedView[] {
    return [...this.views.values()];
  }

  /**
   * Builds the next full delta and every view's delta from it. Returns each feed's key with
   * its delta (feeds with nothing to send are left out).
   */
  nextDeltas(): Array<{ key: string; delta: DeltaMessage }> {
    const full = this.nextDelta();
    if (!full) return [];
    const out = [{ key: 'all', delta: full }];
    for (const view of this.views.values()) {
      const d = view.derive(full);
      if (d) out.push({ key: view.key, delta: d });
    }
    return out;
  }

  /** Builds the next delta from pending changes, or null when nothing changed. */
  nextDelta(): DeltaMessage | null {
    const changed = this.pending.changed;
    if (changed.size === 0) return null;
    const sensors = this.twin.sensors;
    const added: SensorSummary[] = [];
    // Sensors already sent whose summary changed (a headline's unit) go again under their index.
    const described = this.pending.described!;
    for (const i of described) if (i < this.sentCount) added.push(summarize(sensors[i]!));
    described.clear();
    for (let i = this.sentCount; i < sensors.length; i++) added.push(summarize(sensors[i]!));
    this.sentCount = sensors.length;
    const columns = deltaColumns(changed.size);
    let k = 0;
    let dataTime = 0;
    for (const i of changed) {
      const entry = sensors[i]!;
      const head = headlineValue(entry);
      this.grid.set(i, gridSensor(entry, this.classify(entry)));
      setDeltaRow(columns, k, i, entry.state, head ? head.value : null, head ? head.ts : null);
      if (entry.lastTs > dataTime) dataTime = entry.lastTs;
      k++;
    }
    changed.clear();
    this.pending.added.length = 0;
    const delta = encodeDelta({ epoch: this.epoch, seq: ++this.seq, serverTime: this.now(), dataTime, added }, columns);
    this.ring.push(delta);
    if (this.ring.length > this.retain) this.ring.shift();
    return delta;
  }

  /** What a (re)connecting client needs: the missed deltas, or a snapshot. */
  resume(req: ResumeRequest): ResumeAnswer {
    return resumeFrom(this, req);
  }
}

/**
 * The stream as seen with a limited clearance: only sensors whose classification bit is in
 * `mask`, renumbered densely (`i` = position in this view), with its own epoch and seq.
 */
export class ClassifiedView implements StreamFeed {
  epoch: string;
  private seq = 0;
  /** @internal read by resumeFrom */
  readonly ring: DeltaMessage[] = [];
  /** View index → twin index. */
  private toTwin: number[] = [];
  /** Twin index → view index (-1 = not in the view). */
  private fromTwin = new Int32Array(0);
  private resets = 0;

  constructor(
    private readonly twin: TwinState,
    readonly mask: number,
    readonly key: string,
    private readonly baseEpoch: string,
    private readonly classify: SensorClassifier,
    private readonly retain: number,
    private readonly now: () => number,
  ) {
    this.epoch = `${baseEpoch}-${key}`;
    this.rebuild();
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Number of sensors in the view. */
  get size(): number {
    return this.toTwin.length;
  }

  /** Sensors in the view per display state (the status strip must not count what it cannot show). */
  countByState(): Record<SensorStateName, number> {
    const counts: Record<SensorStateName, number> = { normal: 0, warning: 0, alarm: 0, stale: 0, unregistered: 0 };
    for (const i of this.toTwin) counts[stateName(this.twin.sensors[i]!.state)]++;
    return counts;
  }

  private allowed(i: number): boolean {
    return (CLASS_BIT[this.classify(this.twin.sensors[i]!)] & this.mask) !== 0;
  }

  private rebuild(): void {
    const n = this.twin.sensors.length;
    this.fromTwin = new Int32Array(Math.max(16, n * 2)).fill(-1);
    this.toTwin = [];
    for (let i = 0; i < n; i++) {
      if (this.allowed(i)) {
        this.fromTwin[i] = this.toTwin.length;
        this.toTwin.push(i);
      }
    }
  }

  private summary(twinIndex: number, viewIndex: number): SensorSummary {
    return summarize(this.twin.sensors[twinIndex]!, viewIndex);
  }

  snapshot(): SnapshotMessage {
    return { epoch: this.epoch, seq: this.seq, serverTime: this.now(), sensors: this.toTwin.map((t, v) => this.summary(t, v)) };
  }

  resume(req: ResumeRequest): ResumeAnswer {
    return resumeFrom(this, req);
  }

  /** This view's share of a full delta, or null when none of its sensors changed. */
  derive(full: DeltaMessage): DeltaMessage | null {
    const n = this.twin.sensors.length;
    if (this.fromTwin.length < n) {
      const grown = new Int32Array(Math.max(n * 2, 16)).fill(-1);
      grown.set(this.fromTwin);
      this.fromTwin = grown;
    }
    const columns = decodeDelta(full);
    const index = columns.index;
    const added: SensorSummary[] = [];
    const keep: number[] = [];
    const viewBefore = this.toTwin.length;
    for (let k = 0; k < index.length; k++) {
      const t = index[k]!;
      const allowed = this.allowed(t);
      let v = this.fromTwin[t]!;
      if (v < 0 && allowed) {
        v = this.toTwin.length;
        this.fromTwin[t] = v;
        this.toTwin.push(t);
        added.push(this.summary(t, v));
      } else if (v >= 0 && !allowed) {
        // Reclassified above this clearance: the protocol cannot remove a sensor, so start a
        // new epoch; clients see the epoch change and ask for a snapshot without it.
        return this.reset(full);
      }
      if (v >= 0) keep.push(k);
    }
    // Sensors new to the twin that did not change a value yet still belong in `added`; one the
    // view has and whose summary changed goes again under its view index.
    for (const s of full.added) {
      const known = this.fromTwin[s.i]!;
      if (known >= 0) {
        // In the view before this delta (not one it has just added): its summary changed.
        if (known < viewBefore) added.push(this.summary(s.i, known));
      } else if (this.allowed(s.i)) {
        const v = this.toTwin.length;
        this.fromTwin[s.i] = v;
        this.toTwin.push(s.i);
        added.push(this.summary(s.i, v));
      }
    }
    if (keep.length === 0 && added.length === 0) return null;
    const picked = pickDeltaRows(columns, keep, (t) => this.fromTwin[t]!);
    return this.push(
      encodeDelta({ epoch: this.epoch, seq: ++this.seq, serverTime: full.serverTime, dataTime: picked.dataTime, added }, picked.columns),
    );
  }

  private reset(full: DeltaMessage): DeltaMessage {
    this.resets++;
    this.epoch = `${this.baseEpoch}-${this.key}-r${this.resets}`;
    this.seq = 0;
    this.ring.length = 0;
    this.rebuild();
    // An empty delta in the new epoch tells connected clients to resynchronise.
    return this.push(
      encodeDelta({ epoch: this.epoch, seq: ++this.seq, serverTime: full.serverTime, dataTime: 0, added: [] }, deltaColumns(0)),
    );
  }

  private push(delta: DeltaMessage): DeltaMessage {
    this.ring.push(delta);
    if (this.ring.length > this.retain) this.ring.shift();
    return delta;
  }
}
