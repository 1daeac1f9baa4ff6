/**
 * The live sensor stream: socket.io in, SensorStore out.
 *
 * On (re)connect it sends `resume` with what the table is current to; it applies the `snapshot`
 * (or a viewport's `points`, the same table in columns)
 * and each `delta` the sequencer accepts, asks again on a gap or a new epoch, and keeps the
 * latest `stats`. Listeners hear about table changes; the map and the legend rebuild from the
 * store on the next animation frame.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  DeltaMessage,
  PointsMessage,
  ServerToClientEvents,
  SnapshotMessage,
  StatsMessage,
} from '../../shared/protocol.ts';
import { decodePoints } from '../../shared/points-codec.ts';
import { judgeDelta, ResyncGate } from './delta-sequencer.ts';
import { computeFreshness, type Freshness } from './freshness.ts';
import { SensorStore } from './sensor-store.ts';
import { ServerClock } from './server-clock.ts';
import { retryRefusedHandshakes } from './refused-retry.ts';

export type StreamSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Delay before reconnecting after the server closed the socket. */
const SERVER_DISCONNECT_RETRY_MS = 1_000;
export type StreamEvent =
  | { type: 'snapshot' }
  | { type: 'delta'; touched: number }
  | { type: 'stats'; stats: StatsMessage }
  | { type: 'connection'; connected: boolean }
  | { type: 'resync'; reason: string };

/** Counters for diagnostics and tests. */
export interface StreamCounters {
  snapshots: number;
  /** Of those, viewport tables that came in columns (`points`). */
  pointsTables: number;
  deltasApplied: number;
  /** Sensor readings those deltas carried (a delta holds every reading of its 100 ms, so their count varies with the server's pace). */
  readingsApplied: number;
  deltasIgnored: number;
  resumesSent: number;
  /** Connections made (the first and every reconnection). */
  connects: number;
  /** Attempts to connect that failed (a handshake refused or timed out, a transport error), and the last one's message. */
  connectErrors: number;
  lastConnectError: string | null;
  /** Resumes asked for by the deltas, by reason (a gap, a new epoch, no snapshot yet, a bad delta). */
  resyncs: Record<string, number>;
}

export class LiveStream {
  readonly store = new SensorStore();
  readonly clock = new ServerClock();
  readonly counters: StreamCounters = {
    snapshots: 0,
    pointsTables: 0,
    deltasApplied: 0,
    readingsApplied: 0,
    deltasIgnored: 0,
    resumesSent: 0,
    connects: 0,
    connectErrors: 0,
    lastConnectError: null,
    resyncs: {},
  };

  connected = false;
  connectedAt: number | null = null;
  /** Client time the table last moved (snapshot or applied delta). */
  lastUpdateAt: number | null = null;
  stats: StatsMessage | null = null;

  private readonly gate = new ResyncGate();
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  private socket: StreamSocket | null = null;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Connects (same origin, default path `/socket.io`) unless a socket is given. */
  start(socket: StreamSocket = io({ autoConnect: false }) as StreamSocket): void {
    this.socket = socket;
    socket.on('connect', () => {
      this.connected = true;
      this.connectedAt = this.now();
      this.counters.connects++;
      this.emit({ type: 'connection', connected: true });
      // A fresh connection always asks: the server answers with replayed deltas or a snapshot.
      // Held in the gate so that deltas arriving before the answer do not ask again.
      this.gate.settle();
      this.gate.request(this.now());
      this.sendResume();
    });
    socket.on('connect_error', (err) => {
      this.counters.connectErrors++;
      this.counters.lastConnectError = err.message;
    });
    retryRefusedHandshakes(
      socket,
      () => this.socket === socket,
      (err, wait) => console.warn(`[citytwin] live stream refused (${err.data?.status}): ${err.message}; trying again in ${wait / 1000} s`),
    );
    socket.on('disconnect', (reason) => {
      this.connected = false;
      this.emit({ type: 'connection', connected: false });
      // socket.io reconnects by itself after a lost transport, but not after the server closed
      // the socket on purpose (a restart, a rebalance): then it is up to the client.
      if (reason === 'io server disconnect') {
        window.setTimeout(() => {
          if (this.socket === socket && !socket.connected) socket.connect();
        }, SERVER_DISCONNECT_RETRY_MS);
      }
    });
    socket.on('snapshot', (msg) => this.onSnapshot(msg));
    socket.on('points', (msg) => this.onPoints(msg));
    socket.on('delta', (msg) => this.onDelta(msg));
    socket.on('stats', (msg) => this.onStats(msg));
    socket.connect();
  }

  stop(): void {
    this.socket?.disconnect();
    this.socket = null;
  }

  /** Listens to stream events; returns the unsubscribe function. */
  subscribe(listener: (event: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Freshness at client time `now`. */
  freshness(now = this.now()): Freshness {
    return computeFreshness({
      now,
      connected: this.connected,
      connectedAt: this.connectedAt,
      lastUpdateAt: this.lastUpdateAt,
      newestDataTime: this.store.newestDataTime,
      clockOffsetMs: this.clock.offsetMs,
    });
  }

  get resyncing(): boolean {
    return this.gate.pending;
  }

  private onSnapshot(msg: SnapshotMessage): void {
    const at = this.now();
    this.clock.observe(msg.serverTime, at);
    this.store.applySnapshot(msg);
    this.gate.settle();
    this.lastUpdateAt = at;
    this.counters.snapshots++;
    this.emit({ type: 'snapshot' });
  }

  /** A viewport's table in columns: applied as the snapshot it stands for; a malformed one asks again. */
  private onPoints(msg: PointsMessage): void {
    let snapshot: SnapshotMessage;
    try {
      snapshot = decodePoints(msg);
    } catch (err) {
      console.error('[citytwin] bad points table, asking again:', err);
      this.store.epoch = null;
      this.requestResync('bad-points');
      return;
    }
    this.counters.pointsTables++;
    this.onSnapshot(snapshot);
  }

  private onDelta(msg: DeltaMessage): void {
    const at = this.now();
    this.clock.observe(msg.serverTime, at);
    const verdict = judgeDelta({ epoch: this.store.epoch, seq: this.store.seq }, msg);
    switch (verdict.action) {
      case 'apply': {
        let touched: number;
        try {
          touched = this.store.applyDelta(msg);
        } catch (err) {
          // A malformed delta cannot be patched in: start over from a snapshot.
          console.error('[citytwin] bad delta, asking for a snapshot:', err);
          this.store.epoch = null;
          this.requestResync('bad-delta');
          return;
        }
        this.gate.settle();
        this.lastUpdateAt = at;
        this.counters.deltasApplied++;
        this.counters.readingsApplied += touched;
        this.emit({ type: 'delta', touched });
        return;
      }
      case 'ignore':
        this.counters.deltasIgnored++;
        return;
      case 'resync':
        this.counters.deltasIgnored++;
        this.requestResync(verdict.reason);
        return;
    }
  }

  private onStats(msg: StatsMessage): void {
    this.clock.observe(msg.serverTime, this.now());
    this.stats = msg;
    this.emit({ type: 'stats', stats: msg });
  }

  private requestResync(reason: string): void {
    if (!this.gate.request(this.now())) return;
    this.counters.resyncs[reason] = (this.counters.resyncs[reason] ?? 0) + 1;
    this.sendResume();
    this.emit({ type: 'resync', reason });
  }

  private sendResume(): void {
    if (!this.socket?.connected) return;
    const epoch = this.store.epoch;
    this.socket.emit('resume', { epoch, lastSeq: epoch === null ? null : this.store.seq });
    this.counters.resumesSent++;
  }

  private emit(event: StreamEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
