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
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { verifyPassword } from '../../web/server/auth/password.ts';
import { LoginThrottle } from '../../web/server/auth/throttle.ts';
import { clientIdRefusal, publishRefusal, type BrokerIdentity, type GatewayCredential } from './device-acl.ts';
import { DeliveryWatch, type DeliveryStall } from './delivery-watch.ts';
import { PacketSizeGuard } from './packet-size-guard.ts';

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

export const DEFAULT_OUTGOING_LIMITS: OutgoingLimits = { maxBytes: 8 * 1024 * 1024, maxMessages: 10_000, drainTimeoutMs: 30_000 };

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

/** User name of the in-process parts (gateway names may not start with `citytwin`). */
export const INTERNAL_USERNAME = 'citytwin-internal';

interface ListenerInfo {
  name: string;
  anonymous: boolean;
  /** Bound to a loopback address: the in-process parts' secret is accepted here. */
  loopback: boolean;
}

/** aedes internals the broker extends per connection (aedes 1.2 lib/client.js). */
interface ClientInternals {
  _parser: { parse(buf: Buffer): number };
  waitForDrain(callback: (err: Error | null, client: unknown) => void): void;
}

/** Distinct client ids tracked in the refusal counters (a flood of random ids cannot grow memory without bound). */
const MAX_TRACKED_CLIENTS = 10_000;

/** A scrypt hash no password matches: an unknown gateway costs as much as a known one. */
const NO_MATCH_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export async function startEmbeddedBroker(host: string, port: number, options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const credentials = options.credentials ?? new Map<string, GatewayCredential>();
  const loopbackAnonymous = options.loopbackAnonymous ?? true;
  const maxPacketBytes = options.maxPacketBytes ?? 256 * 1024 + 64 * 1024;
  const limits: OutgoingLimits = { ...DEFAULT_OUTGOING_LIMITS, ...options.outgoing };
  const throttle = options.throttle ?? new LoginThrottle();
  const internalSecret = Buffer.from(randomBytes(32).toString('base64url'));
  const listenerOf = new WeakMap<object, ListenerInfo>();
  const gatewayOf = new WeakMap<Client, GatewayCredential>();
  /** Clients that logged in with the per-start secret: CityTwin's own parts. */
  const internalClients = new WeakSet<Client>();
  /** Clients that sent an empty id (the broker made a random one). */
  const generatedId = new WeakSet<Client>();
  const refusedPublishes = new Map<string, number>();
  const counters: BrokerCounters = {
    authFailed: 0,
    authThrottled: 0,
    clientIdRefused: 0,
    subscribeRefused: 0,
    oversizePackets: 0,
    unsupportedProtocol: 0,
    slowSubscribersDisconnected: 0,
    passwordChecks: 0,
    intakeMessages: 0,
  };
  const watch = new DeliveryWatch<Client>();
  let intake: BrokerIntake | null = null;
  const intakeWaiters: Array<() => void> = [];
  const addressOf = (client: Client | null) => (client?.conn as Socket | undefined)?.remoteAddress ?? 'unknown';
  const report = (type: BrokerSecurityEvent['type'], client: Client, username: string, detail: string) =>
    options.onSecurityEvent?.({ type, clientId: client.id ?? '', username, address: addressOf(client), detail });
  const countRefusedPublish = (id: string) => {
    if (refusedPublishes.has(id) || refusedPublishes.size < MAX_TRACKED_CLIENTS)
      refusedPublishes.set(id, (refusedPublishes.get(id) ?? 0) + 1);
  };

  const broker = await Aedes.createBroker({
    // For CityTwin's own subscribers only, which keep aedes' backpressure (limitOutgoing).
    drainTimeout: limits.drainTimeoutMs,
    preConnect: (client, packet, done) => {
      if (!packet.clientId) generatedId.add(client);
      // aedes 1.2 answers an MQTT 5 CONNECT with "unacceptable protocol version" [MQTT-3.1.2-2]
      // and closes; the gateway's own log rarely says why. Say it here, with the way out. (aedes
      // 2.0 betas speak MQTT 5 but a client id or topic `constructor` kills the process, and they
      // have no shared subscriptions: docs/ingest.md, "MQTT 5".)
      if (packet.protocolVersion === 5) {
        counters.unsupportedProtocol++;
        options.onNotice?.(
          `MQTT 5 client ${JSON.stringify(String(packet.clientId ?? '').slice(0, 64))} at ${addressOf(client)} refused: the embedded broker (aedes 1.2) speaks MQTT 3.1.1 only. Connect it with MQTT 3.1.1, or run Mosquitto 2 (MQTT 5) and point CityTwin at it with CITYTWIN_MQTT_URL (docs/deployment.md)`,
        );
      }
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const listener = listenerOf.get(client.conn) ?? { name: 'unknown', anonymous: false, loopback: false };
      const address = addressOf(client);
      const refuse = (code: 2 | 4 | 5, detail: string) => {
        if (code === 2) counters.clientIdRefused++;
        else counters.authFailed++;
        report('mqtt_auth_failed', client, username ?? '', `${detail} (listener ${listener.name})`);
        const err = Object.assign(new Error(detail), { returnCode: code });
        done(err as Parameters<typeof done>[0], null);
      };
      const admit = (identity: BrokerIdentity) => {
        // [MQTT-3.2.2-5], return code 2: identifier rejected.
        const refusal = clientIdRefusal(identity, client.id, generatedId.has(client), credentials);
        if (refusal) return refuse(2, refusal);
        if (identity.kind === 'gateway') gatewayOf.set(client, credentials.get(identity.username)!);
        if (identity.kind === 'internal') internalClients.add(client);
        done(null, true);
      };
      if (username === undefined) {
        if (listener.anonymous) return admit({ kind: 'anonymous' });
        // [MQTT-3.2.2-5]: return code 5, "not authorized".
        return refuse(
          5,
          listener.loopback
            ? 'anonymous clients are not accepted (CITYTWIN_MQTT_LOOPBACK_ANONYMOUS=0)'
            : 'anonymous clients are accepted only on the loopback listener; this one needs gateway credentials',
        );
      }
      if (username === INTERNAL_USERNAME) {
        const given = (password ?? Buffer.alloc(0)) as Buffer;
        const ok = listener.loopback && given.length === internalSecret.length && timingSafeEqual(given, internalSecret);
        return ok
          ? admit({ kind: 'internal' })
          : refuse(
              4,
              listener.loopback ? 'wrong secret for the in-process parts' : `${INTERNAL_USERNAME} may log in only on a loopback listener`,
            );
      }
      const verdict = throttle.check(username, address);
      if (!verdict.allowed) {
        // No scrypt while throttled: guessing costs the guesser, not the broker.
        counters.authThrottled++;
        return refuse(
          5,
          `too many failed logins: ${verdict.locked ? 'locked' : 'throttled'}, retry after ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
        );
      }
      const gateway = credentials.get(username);
      const text = password?.toString('utf8') ?? '';
      counters.passwordChecks++;
      verifyPassword(text, gateway?.passwordHash ?? NO_MATCH_HASH)
        .then((ok) => {
          if (!ok || !gateway) {
            throttle.fail(username, address);
            return refuse(4, gateway ? 'wrong password' : `unknown gateway "${username.slice(0, 64)}"`);
          }
          throttle.succeed(username, address);
          admit({ kind: 'gateway', username: gateway.username });
        })
        .catch((err: Error) => refuse(4, `credential check failed: ${err.message}`));
    },
    authorizePublish: (client, packet, done) => {
      if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS/ topics are reserved'));
      // Not a client's publish (a will is published with its client): nothing to check or take.
      if (!client) return done(null);
      // A will is published as its client closes: nothing waits on it.
      if (!client.closed) watch.arrived(client);
      const refused = (err: Error) => {
        watch.finished(client);
        done(err);
      };
      const gateway = gatewayOf.get(client);
      if (gateway) {
        const reason = publishRefusal(gateway, packet.topic);
        if (reason !== null) {
          countRefusedPublish(client.id ?? '');
          report('mqtt_publish_refused', client, gateway.username, reason);
          // [MQTT-3.3.5-2]: the broker closes the connection of a client it refuses to authorise.
          return refused(new Error(reason));
        }
      }
      const take = (to: BrokerIntake | null) => {
        if (!to || !packet.topic.startsWith(to.prefix)) return done(null);
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        let pending: void | Promise<void>;
        try {
          pending = to.handle(packet.topic, payload, Date.now(), packet.messageId ?? 0, packet.dup === true);
        } catch (err) {
          return refused(err as Error);
        }
        counters.intakeMessages++;
        if (!pending) return done(null);
        pending.then(() => done(null), refused);
      };
      if (intake || !options.awaitIntake || !packet.topic.startsWith(options.awaitIntake)) return take(intake);
      // Start-up: the ingest is not attached yet; acknowledge nothing it has not taken.
      intakeWaiters.push(() => take(intake));
    },
    authorizeSubscribe: (client, subscription, done) => {
      const gateway = gatewayOf.get(client);
      if (!gateway) return done(null, subscription);
      // v1 has no topics for gateways to receive; a gateway must not read other devices' data.
      counters.subscribeRefused++;
      report('mqtt_subscribe_refused', client, gateway.username, `subscription to "${subscription.topic.slice(0, 120)}"`);
      done(null, null); // SUBACK 0x80: failure for this filter, connection kept.
    },
    published: (_packet, client, done) => {
      if (client) watch.finished(client);
      done(null);
    },
  });
  broker.on('clientDisconnect', (client) => watch.forget(client));

  /** Refuses a packet declared over `maxPacketBytes` before its body is read (MQTT 3.1.1 has no reason code: the connection closes). */
  const guardPacketSize = (client: Client) => {
    const parser = (client as unknown as ClientInternals)._parser;
    const parse = parser.parse.bind(parser);
    const guard = new PacketSizeGuard(maxPacketBytes);
    parser.parse = (buf: Buffer) => {
      const violation = guard.feed(buf);
      if (!violation) return parse(buf);
      if (!client.conn.destroyed) {
        counters.oversizePackets++;
        const size = Number.isNaN(violation.declaredBytes) ? 'a malformed length' : `${violation.declaredBytes} bytes`;
        report(
          'mqtt_publish_refused',
          client,
          '',
          `packet of ${size} refused: the limit is ${violation.limitBytes} bytes (CITYTWIN_MAX_PAYLOAD_BYTES + 64 KiB for topic and header)`,
        );
        client.conn.destroy();
      }
      return 0;
    };
  };

  /**
   * aedes finishes a publish only when every subscriber's socket took it, waiting for a full
   * socket to drain: one subscriber that never reads would hold up every publisher (and the
   * ingest) until its drain timeout, on every reconnect. Here a full socket does not hold the
   * publish; the client's backlog is bounded instead and the client disconnected past it.
   * CityTwin's own subscribers (logged in with the per-start secret, e.g. an ingest on TCP)
   * keep aedes' behaviour: publishers wait for them (backpressure, nothing dropped), up to
   * the drain timeout.
   */
  const limitOutgoing = (client: Client) => {
    const internals = client as unknown as ClientInternals;
    const waitForDrain = internals.waitForDrain.bind(client);
    const conn = client.conn as Socket;
    let writesSinceDrain = 0;
    let timer: NodeJS.Timeout | null = null;
    const drained = () => {
      writesSinceDrain = 0;
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const disconnect = (why: string) => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (conn.destroyed) return;
      counters.slowSubscribersDisconnected++;
      options.onNotice?.(`MQTT client ${client.id ?? '?'}@${addressOf(client)} disconnected: ${why}`);
      conn.destroy();
    };
    internals.waitForDrain = (callback) => {
      if (internalClients.has(client)) return waitForDrain(callback);
      writesSinceDrain++;
      if (conn.writableLength > limits.maxBytes)
        disconnect(`it does not read its socket: ${conn.writableLength} bytes waiting (limit ${limits.maxBytes})`);
      else if (writesSinceDrain > limits.maxMessages)
        disconnect(`it does not read its socket: ${writesSinceDrain} messages waiting (limit ${limits.maxMessages})`);
      else if (!timer) {
        conn.once('drain', drained);
        timer = setTimeout(() => disconnect(`its socket did not drain within ${limits.drainTimeoutMs} ms`), limits.drainTimeoutMs);
        timer.unref();
      }
      setImmediate(callback, null, client);
    };
    conn.once('close', drained);
  };

  const servers: Server[] = [];
  const listen = async (server: Server, p: number, h: string, what: string, variable: string): Promise<number> => {
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
  };
  const tagged = (info: ListenerInfo) => (socket: Socket) => {
    listenerOf.set(socket, info);
    const client = broker.handle(socket);
    guardPacketSize(client);
    limitOutgoing(client);
  };

  const closeAll = async () => {
    // Stop accepting, disconnect the clients (broker.close), then wait for the listeners: a
    // listener's close waits for its open connections.
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await Promise.all(closed);
  };

  try {
    const loopback = isLoopbackHost(host);
    const mainPort = await listen(
      createServer(tagged({ name: `${host}:${port}`, anonymous: loopback && loopbackAnonymous, loopback })),
      port,
      host,
      'MQTT',
      'CITYTWIN_MQTT_PORT',
    );
    let internalPort = mainPort;
    if (!loopback) {
      internalPort = await listen(
        createServer(tagged({ name: 'loopback (in-process parts)', anonymous: loopbackAnonymous, loopback: true })),
        0,
        '127.0.0.1',
        'MQTT (loopback)',
        'CITYTWIN_MQTT_PORT',
      );
    }
    let tlsUrl: string | null = null;
    if (options.tls) {
      const tlsServer = createTlsServer(
        { cert: options.tls.cert, key: options.tls.key },
        tagged({ name: `mqtts ${host}`, anonymous: loopback && loopbackAnonymous, loopback }),
      );
      const tlsPort = await listen(tlsServer as unknown as Server, options.tls.port, host, 'MQTTS', 'CITYTWIN_MQTTS_PORT');
      tlsUrl = `mqtts://${host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${tlsPort}`;
    }
    const urlHost = loopback ? (host.includes(':') ? `[${host}]` : host) : '127.0.0.1';
    return {
      url: `mqtt://${urlHost}:${internalPort}`,
      port: mainPort,
      tlsUrl,
      internalCredentials: { username: INTERNAL_USERNAME, password: internalSecret.toString() },
      connectedClients: () => broker.connectedClients,
      publish: (topic, payload, { qos, retain }) => {
        if (broker.closed) return false;
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false }, (err) => {
          if (err) options.onNotice?.(`publishing ${topic}: ${err.message}`);
        });
        return true;
      },
      refusedPublishes: () => refusedPublishes,
      counters: () => counters,
      deliveryStall: () => watch.stall(DELIVERY_STALL_MS),
      setIntake: (to) => {
        intake = to;
        for (const w of intakeWaiters.splice(0)) w();
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
