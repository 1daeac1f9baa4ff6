/**
 * Several web nodes (`citytwin web` behind a load balancer) on socket.io's Redis adapter
 * (`CITYTWIN_REDIS_URL`).
 *
 * What goes through Redis, and what does not:
 * - The live sensor stream does NOT: each node keeps its own twin replica from its own MQTT
 *   subscription, and its deltas are numbered in that replica's own epoch/seq; a client
 *   resumes against the node it is connected to. Sending one node's deltas to another node's
 *   clients would mix two numberings, so deltas and stats are emitted with `io.local`.
 * - Each node's presence (its client count) reaches the others with `serverSideEmit`, so every
 *   node can show cluster-wide figures.
 * - Incidents have ONE writer (the "twin writer"): the node holding a lease in Redis
 *   (`SET … NX PX`, renewed every {@link LEASE_RENEW_MS}) runs the authoritative correlator,
 *   numbers incidents and stores their changes. It sends every batch of changes to the other
 *   nodes (`twinChanges`), which mirror them for their own clients and API; an operator's action
 *   that reaches another node is forwarded to the writer (`twinCommand`, with an answer) and
 *   applied there. When the writer stops, its lease lapses within {@link LEASE_TTL_MS} and
 *   another node takes over from its mirror (web/server/live/twin-service.ts).
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server as SocketServer } from 'socket.io';
import {
  decodeClusterNotice,
  decodeWriterAnswer,
  decodeWriterChange,
  decodeWriterCommand,
  encodeClusterMessage,
  type ClusterNotice,
  type WriterAnswer,
  type WriterChange,
  type WriterCommand,
} from './cluster-messages.ts';

/** Events between web nodes (socket.io's fourth type parameter). */
export interface InterServerEvents {
  /** A node's presence: its id, connected clients and the time it sent this (epoch ms). */
  presence: (nodeId: string, clients: number, at: number) => void;
  /** The twin writer's changes (a {@link WriterChange} as JSON), in the order it made them. */
  twinChanges: (writerId: string, batch: string) => void;
  /** A command for the twin writer (a {@link WriterCommand} as JSON); only the writer answers (a {@link WriterAnswer} as JSON). */
  twinCommand: (command: string, answer: (result: string | null) => void) => void;
  /** A configuration change one node made, for every other node (a {@link ClusterNotice} as JSON). */
  clusterNotice: (nodeId: string, notice: string) => void;
}

/**
 * The node that owns incident (and dispatch) changes, and the channel between the nodes. Messages
 * are validated on receipt (cluster-messages.ts); one that does not validate is logged and dropped
 * (a change batch or a command) or rejected (an answer). Features use it through a
 * ForwardingWriter (forwarding-writer.ts).
 */
export interface TwinWriterChannel {
  /** Whether this node is the writer now. */
  isWriter(): boolean;
  /** Called when this node becomes (true) or stops being (false) the writer. */
  onWriterChange(listener: (writer: boolean) => void): void;
  /** Sends a batch of the writer's changes to the other nodes. */
  publish(change: WriterChange): void;
  /** Receives the writer's batches (on the other nodes). */
  onChanges(listener: (change: WriterChange) => void): void;
  /** Sends a command to the writer; resolves with its answer, rejects when no writer answers in time. */
  forward(command: WriterCommand): Promise<WriterAnswer>;
  /** Serves commands forwarded by other nodes (the writer answers, the others pass); handlers add up, the first answer wins. */
  serve(handler: (command: WriterCommand) => Promise<WriterAnswer | null>): void;
  /** Tells every other node, writer or not, of a configuration change made here (rules, notifications). */
  announce(notice: ClusterNotice): void;
  /** Receives the other nodes' configuration notices. */
  onNotice(listener: (notice: ClusterNotice) => void): void;
}

/** The view of the other web nodes. */
export interface WebCluster {
  /** Clients on this node plus the fresh counts of the other nodes. */
  clusterClients(): number;
  /** This node plus the other nodes heard within the last few seconds. */
  webNodes(): number;
  /** Who writes incident changes; a single node is always the writer. */
  writer: TwinWriterChannel;
  close(): Promise<void>;
}

/** A node that wrote nothing for this long loses the lease; another node takes over. */
export const LEASE_TTL_MS = 10_000;
export const LEASE_RENEW_MS = 3_000;
/** How long a forwarded command waits for the writer's answer. */
export const FORWARD_TIMEOUT_MS = 5_000;
const LEASE_KEY = 'citytwin:twin-writer';

/** Raised when no twin writer answers a forwarded command (no node holds the lease right now). */
export class NoWriterError extends Error {}

/** The writer channel of a node alone: it is the writer, and there is no one to talk to. */
function soleWriter(): TwinWriterChannel {
  return {
    isWriter: () => true,
    onWriterChange: () => undefined,
    publish: () => undefined,
    onChanges: () => undefined,
    forward: () => Promise.reject(new NoWriterError('this node is the only twin writer')),
    serve: () => undefined,
    announce: () => undefined,
    onNotice: () => undefined,
  };
}

/** A node not heard from for this long no longer counts (three missed presence beats). */
const PRESENCE_STALE_MS = 3500;
const PRESENCE_EVERY_MS = 1000;

// biome-ignore lint/suspicious/noExplicitAny: the socket.io generics differ per caller; only adapter methods are used
type AnyServer = SocketServer<any, any, InterServerEvents>;

/** One node alone: no Redis, the cluster is this node. */
export function singleNode(io: AnyServer): WebCluster {
  return { clusterClients: () => io.engine.clientsCount, webNodes: () => 1, writer: soleWriter(), close: async () => undefined };
}

/**
 * Attaches the Redis adapter to `io` and starts the presence beat. Rejects, naming the URL,
 * when Redis does not answer within 10 s.
 */
export async function joinRedisCluster(
  io: AnyServer,
  redisUrl: string,
  nodeId: string,
  log: (level: 'warn', message: string) => void = () => undefined,
): Promise<WebCluster> {
  const pub = createClient({
    url: redisUrl,
    socket: { connectTimeout: 10_000, reconnectStrategy: (retries) => Math.min(200 * 2 ** retries, 5000) },
  });
  const sub = pub.duplicate();
  let lastError = '';
  for (const c of [pub, sub]) {
    // Without a listener an 'error' event would crash the process; reconnection is automatic.
    c.on('error', (err: Error) => {
      if (err.message !== lastError) log('warn', `Redis ${redactUrl(redisUrl)}: ${err.message}`);
      lastError = err.message;
    });
  }
  const connect = Promise.all([pub.connect(), sub.connect()]);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connect,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis ${redactUrl(redisUrl)} did not answer within 10 s (CITYTWIN_REDIS_URL)`)), 10_000);
      }),
    ]);
  } catch (err) {
    await Promise.allSettled([pub.disconnect(), sub.disconnect()]);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  io.adapter(createAdapter(pub, sub));

  const others = new Map<string, { clients: number; heardAt: number }>();
  io.on('presence', (id: string, clients: number, at: number) => {
    if (id === nodeId || typeof id !== 'string' || !Number.isSafeInteger(clients) || clients < 0 || !Number.isFinite(at)) return;
    others.set(id, { clients, heardAt: Date.now() });
  });
  const writer = writerLease(io, pub, nodeId, log);
  // Whether this node writes is known before it serves anyone.
  await writer.ready;
  const beat = () => io.serverSideEmit('presence', nodeId, io.engine.clientsCount, Date.now());
  beat();
  const beatTimer = setInterval(beat, PRESENCE_EVERY_MS);
  const fresh = () => {
    const now = Date.now();
    const list: number[] = [];
    for (const [id, o] of others) {
      if (now - o.heardAt > PRESENCE_STALE_MS) others.delete(id);
      else list.push(o.clients);
    }
    return list;
  };
  return {
    clusterClients: () => fresh().reduce((a, b) => a + b, io.engine.clientsCount),
    webNodes: () => 1 + fresh().length,
    writer,
    close: async () => {
      clearInterval(beatTimer);
      await writer.release();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

type RedisConnection = ReturnType<typeof createClient>;

/**
 * The twin-writer lease: taken with `SET NX PX`, kept by renewing it only while Redis still
 * holds this node's id (a check-and-extend script), given up on close so a successor need not
 * wait for the TTL. A node that cannot reach Redis stops being the writer at once: two nodes may
 * then both believe they write only within the few seconds before the old lease lapses.
 */
function writerLease(
  io: AnyServer,
  redis: RedisConnection,
  nodeId: string,
  log: (level: 'warn', message: string) => void,
): TwinWriterChannel & { ready: Promise<void>; release(): Promise<void> } {
  let writer = false;
  const listeners: Array<(writer: boolean) => void> = [];
  const changeListeners: Array<(change: WriterChange) => void> = [];
  const handlers: Array<(command: WriterCommand) => Promise<WriterAnswer | null>> = [];
  const noticeListeners: Array<(notice: ClusterNotice) => void> = [];
  const set = (now: boolean) => {
    if (now === writer) return;
    writer = now;
    for (const l of listeners) l(now);
  };
  const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
  const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
  let stopped = false;
  const step = async () => {
    try {
      if (writer) {
        const kept = await redis.eval(RENEW, { keys: [LEASE_KEY], arguments: [nodeId, String(LEASE_TTL_MS)] });
        if (Number(kept) !== 1) set(false);
      }
      if (!writer && !stopped) {
        const got = await redis.set(LEASE_KEY, nodeId, { NX: true, PX: LEASE_TTL_MS });
        if (got === 'OK') set(true);
      }
    } catch (err) {
      if (writer) log('warn', `twin writer lease: ${(err as Error).message}; this node stops writing incidents`);
      set(false);
    }
  };
  const ready = step();
  const timer = setInterval(() => void step(), LEASE_RENEW_MS);
  io.on('twinChanges', (from: string, batch: string) => {
    if (from === nodeId || typeof batch !== 'string') return;
    let change: WriterChange;
    try {
      change = decodeWriterChange(batch);
    } catch (err) {
      log('warn', `twin writer ${String(from).slice(0, 64)}: ${(err as Error).message}`);
      return;
    }
    for (const l of changeListeners) {
      try {
        l(change);
      } catch (err) {
        log('warn', `changes from the twin writer: ${(err as Error).message}`);
      }
    }
  });
  io.on('clusterNotice', (from: string, text: string) => {
    if (from === nodeId || typeof text !== 'string') return;
    let notice: ClusterNotice;
    try {
      notice = decodeClusterNotice(text);
    } catch (err) {
      log('warn', `web node ${String(from).slice(0, 64)}: ${(err as Error).message}`);
      return;
    }
    for (const l of noticeListeners) {
      try {
        l(notice);
      } catch (err) {
        log('warn', `a configuration notice from ${String(from).slice(0, 64)}: ${(err as Error).message}`);
      }
    }
  });
  io.on('twinCommand', (text: string, answer: (result: string | null) => void) => {
    if (typeof answer !== 'function') return;
    if (!writer || typeof text !== 'string') return answer(null);
    let command: WriterCommand;
    try {
      command = decodeWriterCommand(text);
    } catch (err) {
      return answer(encodeClusterMessage({ kind: 'failed', message: (err as Error).message }));
    }
    // The first handler with an answer (incidents, dispatch …) answers.
    const serveWith = async (): Promise<string | null> => {
      for (const h of handlers) {
        const result = await h(command);
        if (result !== null) return encodeClusterMessage(result);
      }
      return null;
    };
    serveWith().then(answer, (err: Error) => answer(encodeClusterMessage({ kind: 'failed', message: err.message })));
  });
  return {
    ready,
    isWriter: () => writer,
    onWriterChange: (l) => void listeners.push(l),
    publish: (change) => io.serverSideEmit('twinChanges', nodeId, encodeClusterMessage(change)),
    onChanges: (l) => void changeListeners.push(l),
    serve: (h) => void handlers.push(h),
    announce: (notice) => io.serverSideEmit('clusterNotice', nodeId, encodeClusterMessage(notice)),
    onNotice: (l) => void noticeListeners.push(l),
    forward: async (command) => {
      let answers: Array<string | null>;
      try {
        // The adapter waits up to its requestsTimeout (5 s, FORWARD_TIMEOUT_MS) for every other node.
        answers = (await io.serverSideEmitWithAck('twinCommand', encodeClusterMessage(command))) as Array<string | null>;
      } catch (err) {
        throw new NoWriterError(
          `no twin writer answered within ${FORWARD_TIMEOUT_MS / 1000} s (${(err as Error).message}); retry in a few seconds`,
        );
      }
      const answer = answers.find((a): a is string => typeof a === 'string');
      if (answer === undefined) throw new NoWriterError('no node holds the twin-writer lease right now; retry in a few seconds');
      return decodeWriterAnswer(answer);
    },
    release: async () => {
      stopped = true;
      clearInterval(timer);
      if (!writer) return;
      set(false);
      await redis.eval(RELEASE, { keys: [LEASE_KEY], arguments: [nodeId] }).catch(() => undefined);
    },
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
