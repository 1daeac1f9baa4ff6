/**
 * A bound on what waits in this process for each socket.io client (docs/security.md, "The live
 * stream under attack"). engine.io queues every packet of a socket whose transport has not taken
 * the previous ones, and the WebSocket keeps what the kernel has not taken: a console that stops
 * reading (and answers the heartbeat blind, which engine.io accepts) would make both grow without
 * end — by the deltas of everything it watches and by every table it asks for. Past
 * {@link SocketBacklogLimits} the client is disconnected at once, its queue dropped, counted
 * and logged; a console reconnects and asks for its table again.
 *
 * The bound is on what waits BEHIND the write in progress (engine.io hands the WebSocket one
 * batch at a time and queues the rest until that batch is written): a table larger than the
 * bound — the whole registry of a city with a raised viewport threshold — is written to a console
 * that reads, however slowly, instead of cutting it after every snapshot in a loop (reconnect,
 * snapshot, cut). A client that does not read is still cut once its queue passes the bound, so
 * one client holds at most the bound plus one batch in writing — a batch is what its queue held
 * when the previous one was written, so itself under the bound plus the last table or sweep's
 * worth of packets; the total counts both.
 */
import type { Socket } from 'socket.io';

export interface SocketBacklogLimits {
  /**
   * Bytes waiting for one client in engine.io's queue, behind the batch the WebSocket is writing
   * (that batch, however large, is not counted against this bound; it is in `maxTotalBytes`).
   */
  maxBytes: number;
  /** Packets waiting in engine.io's queue for one client. */
  maxPackets: number;
  /**
   * Bytes waiting for all clients of this node together: one credential may open many sockets,
   * each under its own bound. Over it, the clients that took nothing since the previous sweep
   * are disconnected, the ones with the most waiting first.
   */
  maxTotalBytes: number;
  /**
   * The total again, for clients that do read: many consoles reconnecting at once (a restart)
   * each wait for a whole table and read it as fast as their links allow; they are cut, the
   * biggest first, only when what waits for all clients passes this larger bound.
   */
  maxTotalBytesReading: number;
}

/**
 * 32 MiB: more than three whole tables at the viewport threshold (a snapshot of 50,000 sensors
 * is ≈9 MB of JSON), so a console on a slow link that reads is never cut; 20,000 packets: half an
 * hour of deltas, stats and incidents for a console that reads nothing; 256 MiB in all for
 * clients that do not read: eight at their bound; 1 GiB for clients that read: a hundred consoles
 * reconnecting at once, each sent a whole table of ≈9 MB.
 */
export const DEFAULT_SOCKET_BACKLOG: SocketBacklogLimits = {
  maxBytes: 32 * 1024 * 1024,
  maxPackets: 20_000,
  maxTotalBytes: 256 * 1024 * 1024,
  maxTotalBytesReading: 1024 * 1024 * 1024,
};

/** The parts of engine.io's socket read here (not in its typings). */
interface EngineConn {
  writeBuffer?: { data?: unknown }[];
  transport?: {
    name?: string;
    socket?: { bufferedAmount?: number; terminate?: () => void; _socket?: { _handle?: { writeQueueSize?: number } | null } };
  };
  close(discard?: boolean): void;
}

/**
 * Bytes and packets waiting in this process for one client: `bytes` in all, `writing` of them in
 * the WebSocket's buffer (the batch being written), the rest in engine.io's queue behind it;
 * `unsent`: the bytes of the write in progress not yet taken by the kernel. A WebSocket frame
 * leaves `writing` only once all of it was written, so a client reading one large table on a
 * slow link shows its progress only in `unsent`.
 */
export interface Backlog {
  bytes: number;
  writing: number;
  packets: number;
  unsent: number;
}

export function socketBacklog(socket: Pick<Socket, 'conn'>): Backlog {
  const conn = socket.conn as unknown as EngineConn;
  const queue = conn.writeBuffer ?? [];
  const writing = conn.transport?.socket?.bufferedAmount ?? 0;
  let bytes = writing;
  for (const p of queue) {
    const d = p.data;
    // A string's length is its size in UTF-16 units: the JSON the server writes is mostly ASCII.
    if (typeof d === 'string') bytes += d.length;
    else if (d instanceof ArrayBuffer || ArrayBuffer.isView(d)) bytes += d.byteLength;
  }
  const unsent = conn.transport?.socket?._socket?._handle?.writeQueueSize ?? 0;
  return { bytes, writing, packets: queue.length, unsent };
}

interface Waiting extends Backlog {
  socket: Socket;
  reading: boolean;
}

export class SlowSocketGuard {
  /** Clients disconnected for their backlog, for /metrics. */
  disconnected = 0;
  /** Each client's backlog at the previous sweep, to tell a client that reads from one that does not. */
  private readonly seen = new WeakMap<Socket, Backlog>();

  constructor(
    readonly limits: SocketBacklogLimits,
    private readonly log?: (level: 'warn', message: string) => void,
  ) {}

  /** Disconnects `socket` when its backlog is over the limits; true when it did. */
  check(socket: Socket): boolean {
    if (socket.disconnected) return false;
    return this.overLimit(socket, socketBacklog(socket));
  }

  /** Disconnects `socket` when `backlog` (measured by the caller) is over the per-client limits. */
  private overLimit(socket: Socket, backlog: Backlog): boolean {
    const { bytes, writing, packets } = backlog;
    if (bytes - writing <= this.limits.maxBytes && packets <= this.limits.maxPackets) return false;
    this.let(
      socket,
      bytes,
      packets,
      `at most ${this.limits.maxBytes} bytes behind the ${writing} being written, and ${this.limits.maxPackets} packets`,
    );
    return true;
  }

  /**
   * Checks every client of `sockets`, then the total: over `maxTotalBytes`, the clients that took
   * nothing since the previous sweep go, the most waiting first; over `maxTotalBytesReading`, the
   * others too. A client seen for the first time counts as reading (its table was just queued).
   */
  sweep(sockets: Iterable<Socket>): void {
    const waiting: Waiting[] = [];
    let total = 0;
    for (const socket of sockets) {
      if (socket.disconnected) continue;
      const b = socketBacklog(socket);
      const before = this.seen.get(socket);
      this.seen.set(socket, b);
      if (this.overLimit(socket, b) || b.bytes === 0) continue;
      // The kernel's queue shrinks as the peer takes bytes, the WebSocket's buffer once a whole
      // frame was written: any change in either — or a shorter queue (polling) — is progress.
      const reading = !before || b.unsent !== before.unsent || b.writing !== before.writing || b.bytes < before.bytes;
      waiting.push({ socket, ...b, reading });
      total += b.bytes;
    }
    if (total <= this.limits.maxTotalBytes) return;
    waiting.sort((a, b) => b.bytes - a.bytes);
    const over = (bound: number) => `${total} bytes wait for this node's clients in all; at most ${bound}`;
    for (const w of waiting) {
      if (total <= this.limits.maxTotalBytes) return;
      if (w.reading) continue;
      this.let(w.socket, w.bytes, w.packets, `${over(this.limits.maxTotalBytes)} for clients that read nothing since the last check`);
      total -= w.bytes;
      w.bytes = 0;
    }
    for (const w of waiting) {
      if (total <= this.limits.maxTotalBytesReading) return;
      if (w.bytes === 0) continue;
      this.let(w.socket, w.bytes, w.packets, over(this.limits.maxTotalBytesReading));
      total -= w.bytes;
    }
  }

  /** Lets `socket` go: counted, logged, its queue freed. */
  private let(socket: Socket, bytes: number, packets: number, bound: string): void {
    this.disconnected++;
    const who = (socket.data as { principal?: { username?: string } }).principal?.username ?? '?';
    this.log?.(
      'warn',
      `socket.io client ${socket.id} of ${who} at ${socket.handshake.address} does not read: ${bytes} bytes in ${packets} packets ` +
        `wait for it (${bound}); disconnected`,
    );
    dropConnection(socket);
  }
}

/**
 * Ends the connection without waiting: engine.io's own close waits for its queue to drain (which
 * never happens for a client that does not read) and the WebSocket's close for the peer's answer;
 * terminating the WebSocket frees both at once (a polling transport's queue is discarded).
 */
export function dropConnection(socket: Pick<Socket, 'conn'>): void {
  const conn = socket.conn as unknown as EngineConn;
  const ws = conn.transport?.socket;
  if (conn.transport?.name === 'websocket' && typeof ws?.terminate === 'function') ws.terminate();
  else conn.close(true);
}
