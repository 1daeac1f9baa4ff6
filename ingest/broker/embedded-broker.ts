/**
 * The embedded MQTT broker (aedes) used when no external broker is configured. It listens on
 * a TCP port like any broker, so gateways and tools talk to it the same way they would to
 * Mosquitto or EMQX (docs/security.md, "Devices (embedded broker)").
 *
 * Who may connect: a listener bound to a loopback address accepts anonymous clients (they are
 * on this machine; `loopbackAnonymous: false` turns that off, like Mosquitto 2's
 * `allow_anonymous false`); any other listener requires gateway credentials (device-acl.ts),
 * and a gateway may publish only for its own ids. The in-process parts (simulator, AVL) log in
 * with a per-start secret ({@link EmbeddedBroker.internalCredentials}) on a loopback listener.
 * Client ids are bound to credentials (device-acl.ts `clientIdRefusal`): nobody can take over
 * another client's session by reusing its id. Password guesses are throttled per user name and
 * per address with the console's throttle (web/server/auth/throttle.ts), and a throttled
 * attempt costs no scrypt.
 *
 * Resources: a packet whose declared size is over `maxPacketBytes` closes the connection
 * before its body is buffered (packet-size-guard.ts); a subscriber that does not read its
 * socket gets a bounded outgoing buffer and is disconnected when it is full, instead of
 * holding up every publisher (aedes waits for a socket to drain before it finishes a publish).
 *
 * The in-process ingest takes messages here, directly ({@link EmbeddedBroker.setIntake}):
 * inside `authorizePublish`, which aedes runs before it sends the PUBACK of a QoS 1 publish, so
 * a publisher's message is in the ingest's write-ahead spool before it is acknowledged.
 *
 * The checks themselves are in broker-hooks.ts; this module opens the listeners and hands out
 * the broker.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import type { LoginThrottle } from '../../web/server/auth/throttle.ts';
import {
  authenticateHook,
  authorizePublishHook,
  authorizeSubscribeHook,
  createBrokerState,
  INTERNAL_USERNAME,
  guardPacketSize,
  limitOutgoing,
  preConnectHook,
  type BrokerState,
  type ListenerInfo,
} from './broker-hooks.ts';
import type { GatewayCredential } from './device-acl.ts';
import type { DeliveryStall } from './delivery-watch.ts';

/** Takes every authorised publish under {@link BrokerIntake.prefix} before it is acknowledged. */
export interface BrokerIntake {
  /** Topics taken, e.g. `citytwin/v1/`. */
  prefix: string;
  /**
   * Called before the PUBACK: it goes out when this returns, or when the promise it returns
   * resolves; the publisher's connection is not read meanwhile. A throw or rejection closes
   * the publisher's connection without a PUBACK (it sends the message again).
   * `redelivery` is the DUP flag: the publisher may have sent this message before.
   */
  handle(topic: string, payload: Buffer, receivedAt: number, packetId: number, redelivery: boolean): void | Promise<void>;
}

/** Per-client limits of what the broker buffers for a subscriber that does not read. */
export interface OutgoingLimits {
  /** Bytes waiting in the process for the client's socket. @default 8 MiB */
  maxBytes: number;
  /** Messages written since the socket last drained, once it needs to drain. @default 10,000 */
  maxMessages: number;
  /** Longest time a client's socket may stay undrained (also the wait for CityTwin's own subscribers). @default 30 s */
  drainTimeoutMs: number;
}

export { DEFAULT_OUTGOING_LIMITS, INTERNAL_USERNAME } from './broker-hooks.ts';

/** No publish finished for this long while some wait: delivery is stalled (health: degraded). */
export const DELIVERY_STALL_MS = 5000;

export interface EmbeddedBroker {
  /** URL for in-process clients: a loopback listener (log in with {@link internalCredentials}). */
  url: string;
  port: number;
  /** The MQTTS listener's URL, or null without TLS. */
  tlsUrl: string | null;
  /** User name and per-start secret of the in-process parts; give them to nobody else. */
  internalCredentials: { username: string; password: string };
  connectedClients(): number;
  /** Refused publishes per client id (since start). */
  refusedPublishes(): ReadonlyMap<string, number>;
  /** Security and resource counters (since start). */
  counters(): Readonly<BrokerCounters>;
  /** Publishes waiting with no progress for {@link DELIVERY_STALL_MS}: delivery is stalled. */
  deliveryStall(): DeliveryStall;
  /** Hands every authorised publish under `intake.prefix` to the in-process ingest (see {@link BrokerIntake}). */
  setIntake(intake: BrokerIntake): void;
  /**
   * Publishes as the broker itself (no client, no ACL, not handed to the intake): CityTwin's own
   * operational messages, such as the audit checkpoints. False once the broker is closed.
   */
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain: boolean }): boolean;
  close(): Promise<void>;
}

export interface BrokerCounters {
  authFailed: number;
  authThrottled: number;
  clientIdRefused: number;
  subscribeRefused: number;
  oversizePackets: number;
  /** Connects refused for their protocol version: MQTT 5 clients (aedes 1.2 speaks 3.1 / 3.1.1). */
  unsupportedProtocol: number;
  slowSubscribersDisconnected: number;
  /** scrypt password checks run (a throttled attempt runs none). */
  passwordChecks: number;
  /** Publishes taken by the in-process intake. */
  intakeMessages: number;
}

export interface BrokerSecurityEvent {
  type: 'mqtt_auth_failed' | 'mqtt_publish_refused' | 'mqtt_subscribe_refused';
  clientId: string;
  username: string;
  address: string;
  detail: string;
}

export interface EmbeddedBrokerOptions {
  /** Gateway credentials by user name; null/absent = no gateway can log in. */
  credentials?: ReadonlyMap<string, GatewayCredential> | null;
  /** MQTTS listener: PEM certificate and key, and its port (0 = any free port). */
  tls?: { cert: Buffer; key: Buffer; port: number } | null;
  onSecurityEvent?: (event: BrokerSecurityEvent) => void;
  /** Operational notices (a slow subscriber disconnected) for the log. */
  onNotice?: (message: string) => void;
  /** Loopback listeners accept anonymous clients. @default true */
  loopbackAnonymous?: boolean;
  /** Largest Remaining Length of an MQTT packet; a larger one closes the connection. @default 256 KiB + 64 KiB */
  maxPacketBytes?: number;
  outgoing?: Partial<OutgoingLimits>;
  /** Password throttle (tests give one with their own clock). @default the console's rules */
  throttle?: LoginThrottle;
  /**
   * Publishes under this prefix wait (unacknowledged) until {@link EmbeddedBroker.setIntake} is
   * called: nothing is acknowledged that the ingest has not taken, during start-up either.
   */
  awaitIntake?: string | null;
}

export class PortInUseError extends Error {}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The ports the broker listens on, and a way to close them all. */
interface Listeners {
  mainPort: number;
  /** The loopback listener of the in-process parts (the main one when that is on loopback). */
  internalPort: number;
  tlsUrl: string | null;
}

/** A host as it stands in a URL (IPv6 in brackets). */
const urlHostOf = (host: string): string => (host.includes(':') ? `[${host}]` : host);

async function listen(servers: Server[], server: Server, p: number, h: string, what: string, variable: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new PortInUseError(`${what} port ${p} on ${h} is already in use; set ${variable} to another port (0 = any free port)`));
      else reject(err);
    });
    server.listen(p, h, () => resolve());
  });
  servers.push(server);
  const address = server.address();
  return typeof address === 'object' && address ? address.port : p;
}

/** The main listener, a loopback one for the in-process parts when the main one is not, and MQTTS when configured. */
async function openListeners(
  s: BrokerState,
  servers: Server[],
  accept: (info: ListenerInfo) => (socket: Socket) => void,
  host: string,
  port: number,
): Promise<Listeners> {
  const loopback = isLoopbackHost(host);
  const anonymous = loopback && s.loopbackAnonymous;
  const mainServer = createServer(accept({ name: `${host}:${port}`, anonymous, loopback }));
  const mainPort = await listen(servers, mainServer, port, host, 'MQTT', 'CITYTWIN_MQTT_PORT');
  let internalPort = mainPort;
  if (!loopback) {
    const internal = createServer(accept({ name: 'loopback (in-process parts)', anonymous: s.loopbackAnonymous, loopback: true }));
    internalPort = await listen(servers, internal, 0, '127.0.0.1', 'MQTT (loopback)', 'CITYTWIN_MQTT_PORT');
  }
  let tlsUrl: string | null = null;
  const tls = s.options.tls;
  if (tls) {
    const tlsServer = createTlsServer({ cert: tls.cert, key: tls.key }, accept({ name: `mqtts ${host}`, anonymous, loopback }));
    const tlsPort = await listen(servers, tlsServer as unknown as Server, tls.port, host, 'MQTTS', 'CITYTWIN_MQTTS_PORT');
    tlsUrl = `mqtts://${host === '0.0.0.0' ? '127.0.0.1' : urlHostOf(host)}:${tlsPort}`;
  }
  return { mainPort, internalPort, tlsUrl };
}

/** The running broker as the rest of CityTwin sees it. */
function brokerHandle(s: BrokerState, broker: Aedes, host: string, ports: Listeners, close: () => Promise<void>): EmbeddedBroker {
  const urlHost = isLoopbackHost(host) ? urlHostOf(host) : '127.0.0.1';
  return {
    url: `mqtt://${urlHost}:${ports.internalPort}`,
    port: ports.mainPort,
    tlsUrl: ports.tlsUrl,
    internalCredentials: { username: INTERNAL_USERNAME, password: s.internalSecret.toString() },
    connectedClients: () => broker.connectedClients,
    publish: (topic, payload, { qos, retain }) => {
      if (broker.closed) return false;
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false }, (err) => {
        if (err) s.options.onNotice?.(`publishing ${topic}: ${err.message}`);
      });
      return true;
    },
    refusedPublishes: () => s.refusedPublishes,
    counters: () => s.counters,
    deliveryStall: () => s.watch.stall(DELIVERY_STALL_MS),
    setIntake: (to) => {
      s.intake = to;
      for (const w of s.intakeWaiters.splice(0)) w();
    },
    close,
  };
}

export async function startEmbeddedBroker(host: string, port: number, options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const s = createBrokerState(options);
  const broker = await Aedes.createBroker({
    // For CityTwin's own subscribers only, which keep aedes' backpressure (limitOutgoing).
    drainTimeout: s.limits.drainTimeoutMs,
    preConnect: preConnectHook(s),
    authenticate: authenticateHook(s),
    authorizePublish: authorizePublishHook(s),
    authorizeSubscribe: authorizeSubscribeHook(s),
    published: (_packet, client, done) => {
      if (client) s.watch.finished(client);
      done(null);
    },
  });
  broker.on('clientDisconnect', (client) => s.watch.forget(client));

  const accept = (info: ListenerInfo) => (socket: Socket) => {
    s.listenerOf.set(socket, info);
    const client = broker.handle(socket);
    guardPacketSize(s, client);
    limitOutgoing(s, client);
  };
  const servers: Server[] = [];
  const closeAll = async () => {
    // Stop accepting, disconnect the clients (broker.close), then wait for the listeners: a
    // listener's close waits for its open connections.
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await Promise.all(closed);
  };
  try {
    const ports = await openListeners(s, servers, accept, host, port);
    return brokerHandle(s, broker, host, ports, closeAll);
  } catch (err) {
    await closeAll();
    throw err;
  }
}
