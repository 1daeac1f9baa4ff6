/**
 * Several web nodes (`citytwin web` behind a load balancer) on socket.io's Redis adapter
 * (`CITYTWIN_REDIS_URL`).
 *
 * What goes through Redis, and what does not:
 * - The live sensor stream does NOT: each node keeps its own twin replica from its own MQTT
 *   subscription, and its deltas are numbered in that replica's own epoch/seq; a client
 *   resumes against the node it is connected to. Sending one node's deltas to another node's
 *   clients would mix two numberings, so deltas and stats are emitted with `io.local`.
 * - What only one node knows does: events that originate on one node rather than on MQTT
 *   (an operator's action over HTTP, future incident notifications) are to be broadcast with
 *   plain `io.emit`, which the adapter fans out to every node's clients; and each node's presence (its client count) reaches the others with
 *   `serverSideEmit`, so every node can show cluster-wide figures.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server as SocketServer } from 'socket.io';

/** Events between web nodes (socket.io's fourth type parameter). */
export interface InterServerEvents {
  /** A node's presence: its id, connected clients and the time it sent this (epoch ms). */
  presence: (nodeId: string, clients: number, at: number) => void;
}

/** The view of the other web nodes. */
export interface WebCluster {
  /** Clients on this node plus the fresh counts of the other nodes. */
  clusterClients(): number;
  /** This node plus the other nodes heard within the last few seconds. */
  webNodes(): number;
  close(): Promise<void>;
}

/** A node not heard from for this long no longer counts (three missed presence beats). */
const PRESENCE_STALE_MS = 3500;
const PRESENCE_EVERY_MS = 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the socket.io generics differ per caller; only adapter methods are used
type AnyServer = SocketServer<any, any, InterServerEvents>;

/** One node alone: no Redis, the cluster is this node. */
export function singleNode(io: AnyServer): WebCluster {
  return { clusterClients: () => io.engine.clientsCount, webNodes: () => 1, close: async () => undefined };
}

/**
 * Attaches the Redis adapter to `io` and starts the presence beat. Rejects, naming the URL,
 * when Redis does not answer within 10 s.
 */
export async function joinRedisCluster(io: AnyServer, redisUrl: string, nodeId: string, log: (level: 'warn', message: string) => void = () => undefined): Promise<WebCluster> {
  const pub = createClient({ url: redisUrl, socket: { connectTimeout: 10_000, reconnectStrategy: (retries) => Math.min(200 * 2 ** retries, 5000) } });
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
    close: async () => {
      clearInterval(beatTimer);
      await Promise.allSettled([pub.quit(), sub.quit()]);
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
