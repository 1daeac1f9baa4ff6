/**
 * The embedded broker's checks (embedded-broker.ts), one function each over the broker's state:
 * who may connect (`authenticate`), what a client may publish and subscribe to, what the
 * in-process intake takes before the PUBACK, and the per-connection guards (packet size, a
 * subscriber that does not read). The behaviour is documented in embedded-broker.ts and
 * docs/security.md, "Devices (embedded broker)".
 */
import type { Socket } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, Client } from 'aedes';
import { verifyPassword } from '../../web/server/auth/password.ts';
import { LoginThrottle } from '../../web/server/auth/throttle.ts';
import { quoteValue } from '../../twin-model/index.ts';
import { clientIdRefusal, publishRefusal, type BrokerIdentity, type GatewayCredential } from './device-acl.ts';
import { DeliveryWatch } from './delivery-watch.ts';
import { PacketSizeGuard } from './packet-size-guard.ts';
import type { BrokerCounters, BrokerIntake, BrokerSecurityEvent, EmbeddedBrokerOptions, OutgoingLimits } from './embedded-broker.ts';

export const DEFAULT_OUTGOING_LIMITS: OutgoingLimits = { maxBytes: 8 * 1024 * 1024, maxMessages: 10_000, drainTimeoutMs: 30_000 };

/** User name of the in-process parts (gateway names may not start with `citytwin`). */
export const INTERNAL_USERNAME = 'citytwin-internal';

/** What a listener accepts. */
export interface ListenerInfo {
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

/** One broker's state: its settings, what it knows of each client, its counters and the intake. */
export interface BrokerState {
  options: EmbeddedBrokerOptions;
  credentials: ReadonlyMap<string, GatewayCredential>;
  loopbackAnonymous: boolean;
  maxPacketBytes: number;
  limits: OutgoingLimits;
  throttle: LoginThrottle;
  /** The in-process parts' per-start secret. */
  internalSecret: Buffer;
  listenerOf: WeakMap<object, ListenerInfo>;
  gatewayOf: WeakMap<Client, GatewayCredential>;
  /** Clients that logged in with the per-start secret: CityTwin's own parts. */
  internalClients: WeakSet<Client>;
  /** Clients that sent an empty id (the broker made a random one). */
  generatedId: WeakSet<Client>;
  refusedPublishes: Map<string, number>;
  counters: BrokerCounters;
  watch: DeliveryWatch<Client>;
  intake: BrokerIntake | null;
  /** Publishes waiting for the intake to be attached (start-up). */
  intakeWaiters: Array<() => void>;
  /** The PUBACKs waiting on the intake's newest promise (see {@link afterIntake}). */
  waiting: IntakeWait | null;
}

/** Publishes whose PUBACKs wait on one promise of the intake: the spool's group of one event-loop turn. */
interface IntakeWait {
  promise: Promise<void>;
  clients: Client[];
  dones: Array<PublishArgs[2]>;
}

export function createBrokerState(options: EmbeddedBrokerOptions): BrokerState {
  return {
    options,
    credentials: options.credentials ?? new Map<string, GatewayCredential>(),
    loopbackAnonymous: options.loopbackAnonymous ?? true,
    maxPacketBytes: options.maxPacketBytes ?? 256 * 1024 + 64 * 1024,
    limits: { ...DEFAULT_OUTGOING_LIMITS, ...options.outgoing },
    throttle: options.throttle ?? new LoginThrottle(),
    internalSecret: Buffer.from(randomBytes(32).toString('base64url')),
    listenerOf: new WeakMap(),
    gatewayOf: new WeakMap(),
    internalClients: new WeakSet(),
    generatedId: new WeakSet(),
    refusedPublishes: new Map(),
    counters: {
      authFailed: 0,
      authThrottled: 0,
      clientIdRefused: 0,
      subscribeRefused: 0,
      oversizePackets: 0,
      unsupportedProtocol: 0,
      slowSubscribersDisconnected: 0,
      passwordChecks: 0,
      intakeMessages: 0,
    },
    watch: new DeliveryWatch<Client>(),
    intake: null,
    intakeWaiters: [],
    waiting: null,
  };
}

export const addressOf = (client: Client | null): string => (client?.conn as Socket | undefined)?.remoteAddress ?? 'unknown';

function report(s: BrokerState, type: BrokerSecurityEvent['type'], client: Client, username: string, detail: string): void {
  s.options.onSecurityEvent?.({ type, clientId: client.id ?? '', username, address: addressOf(client), detail });
}

function countRefusedPublish(s: BrokerState, id: string): void {
  if (s.refusedPublishes.has(id) || s.refusedPublishes.size < MAX_TRACKED_CLIENTS)
    s.refusedPublishes.set(id, (s.refusedPublishes.get(id) ?? 0) + 1);
}

type Hook<K extends keyof AedesOptions> = NonNullable<AedesOptions[K]>;

/** Notes generated ids; says why an MQTT 5 client is refused. */
export function preConnectHook(s: BrokerState): Hook<'preConnect'> {
  return (client, packet, done) => {
    if (!packet.clientId) s.generatedId.add(client);
    // aedes 1.2 answers an MQTT 5 CONNECT with "unacceptable protocol version" [MQTT-3.1.2-2]
    // and closes; the gateway's own log rarely says why. Say it here, with the way out. (aedes
    // 2.0 betas speak MQTT 5 but a client id or topic `constructor` kills the process, and they
    // have no shared subscriptions: docs/ingest.md, "MQTT 5".)
    if (packet.protocolVersion === 5) {
      s.counters.unsupportedProtocol++;
      s.options.onNotice?.(
        `MQTT 5 client ${quoteValue(String(packet.clientId ?? ''))} at ${addressOf(client)} refused: the embedded broker (aedes 1.2) speaks MQTT 3.1.1 only. Connect it with MQTT 3.1.1, or run Mosquitto 2 (MQTT 5) and point CityTwin at it with CITYTWIN_MQTT_URL (docs/deployment.md)`,
      );
    }
    done(null, true);
  };
}

/** Anonymous on loopback listeners, the in-process parts by their secret, gateways by password (throttled). */
export function authenticateHook(s: BrokerState): Hook<'authenticate'> {
  return (client, username, password, done) => {
    const listener = s.listenerOf.get(client.conn) ?? { name: 'unknown', anonymous: false, loopback: false };
    const address = addressOf(client);
    const refuse = (code: 2 | 4 | 5, detail: string) => {
      if (code === 2) s.counters.clientIdRefused++;
      else s.counters.authFailed++;
      report(s, 'mqtt_auth_failed', client, username ?? '', `${detail} (listener ${listener.name})`);
      const err = Object.assign(new Error(detail), { returnCode: code });
      done(err as Parameters<typeof done>[0], null);
    };
    const admit = (identity: BrokerIdentity) => {
      // [MQTT-3.2.2-5], return code 2: identifier rejected.
      const refusal = clientIdRefusal(identity, client.id, s.generatedId.has(client), s.credentials);
      if (refusal) return refuse(2, refusal);
      if (identity.kind === 'gateway') s.gatewayOf.set(client, s.credentials.get(identity.username)!);
      if (identity.kind === 'internal') s.internalClients.add(client);
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
      const ok = listener.loopback && given.length === s.internalSecret.length && timingSafeEqual(given, s.internalSecret);
      return ok
        ? admit({ kind: 'internal' })
        : refuse(
            4,
            listener.loopback ? 'wrong secret for the in-process parts' : `${INTERNAL_USERNAME} may log in only on a loopback listener`,
          );
    }
    const verdict = s.throttle.check(username, address);
    if (!verdict.allowed) {
      // No scrypt while throttled: guessing costs the guesser, not the broker.
      s.counters.authThrottled++;
      return refuse(
        5,
        `too many failed logins: ${verdict.locked ? 'locked' : 'throttled'}, retry after ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
      );
    }
    const gateway = s.credentials.get(username);
    const text = password?.toString('utf8') ?? '';
    s.counters.passwordChecks++;
    verifyPassword(text, gateway?.passwordHash ?? NO_MATCH_HASH)
      .then((ok) => {
        if (!ok || !gateway) {
          s.throttle.fail(username, address);
          return refuse(4, gateway ? 'wrong password' : `unknown gateway ${quoteValue(username)}`);
        }
        s.throttle.succeed(username, address);
        admit({ kind: 'gateway', username: gateway.username });
      })
      .catch((err: Error) => refuse(4, `credential check failed: ${err.message}`));
  };
}

type PublishArgs = Parameters<Hook<'authorizePublish'>>;

/**
 * A gateway publishes only for its own ids; the intake takes its topics before the PUBACK.
 * Called for every publish: it creates no closure on the way of an accepted one.
 */
export function authorizePublishHook(s: BrokerState): Hook<'authorizePublish'> {
  return (client, packet, done) => {
    if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS/ topics are reserved'));
    // Not a client's publish (a will is published with its client): nothing to check or take.
    if (!client) return done(null);
    // A will is published as its client closes: nothing waits on it.
    if (!client.closed) s.watch.arrived(client);
    const gateway = s.gatewayOf.get(client);
    if (gateway) {
      const reason = publishRefusal(gateway, packet.topic);
      if (reason !== null) {
        countRefusedPublish(s, client.id ?? '');
        report(s, 'mqtt_publish_refused', client, gateway.username, reason);
        // [MQTT-3.3.5-2]: the broker closes the connection of a client it refuses to authorise.
        return refusePublish(s, client, done, new Error(reason));
      }
    }
    const awaitIntake = s.options.awaitIntake;
    if (s.intake || !awaitIntake || !packet.topic.startsWith(awaitIntake)) return takePublish(s, client, packet, done);
    // Start-up: the ingest is not attached yet; acknowledge nothing it has not taken.
    s.intakeWaiters.push(() => takePublish(s, client, packet, done));
  };
}

function refusePublish(s: BrokerState, client: Client, done: PublishArgs[2], err: Error): void {
  s.watch.finished(client);
  done(err);
}

/** Hands a publish under the intake's prefix to the intake; `done` (the PUBACK) once it has taken it. */
function takePublish(s: BrokerState, client: Client, packet: PublishArgs[1], done: PublishArgs[2]): void {
  const to = s.intake;
  if (!to || !packet.topic.startsWith(to.prefix)) {
    done(null);
    return;
  }
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  let pending: void | Promise<void>;
  try {
    pending = to.handle(packet.topic, payload, Date.now(), packet.messageId ?? 0, packet.dup === true);
  } catch (err) {
    refusePublish(s, client, done, err as Error);
    return;
  }
  s.counters.intakeMessages++;
  if (!pending) {
    done(null);
    return;
  }
  afterIntake(s, client, done, pending);
}

/**
 * Acknowledges the publish once `pending` resolves, or closes its client's connection if it
 * rejects. The messages of one turn share the spool group's promise: they wait on it together,
 * in arrival order, through one reaction instead of a promise and two closures each.
 */
function afterIntake(s: BrokerState, client: Client, done: PublishArgs[2], pending: Promise<void>): void {
  let wait = s.waiting;
  if (wait === null || wait.promise !== pending) {
    const group: IntakeWait = { promise: pending, clients: [], dones: [] };
    s.waiting = wait = group;
    const settle = (err: Error | null) => {
      if (s.waiting === group) s.waiting = null;
      for (let i = 0; i < group.dones.length; i++) {
        if (err) refusePublish(s, group.clients[i]!, group.dones[i]!, err);
        else group.dones[i]!(null);
      }
    };
    pending.then(
      () => settle(null),
      (err: Error) => settle(err),
    );
  }
  wait.clients.push(client);
  wait.dones.push(done);
}

/** Gateways receive nothing (v1 has no topics for them); everyone else may subscribe. */
export function authorizeSubscribeHook(s: BrokerState): Hook<'authorizeSubscribe'> {
  return (client, subscription, done) => {
    const gateway = s.gatewayOf.get(client);
    if (!gateway) return done(null, subscription);
    // v1 has no topics for gateways to receive; a gateway must not read other devices' data.
    s.counters.subscribeRefused++;
    report(s, 'mqtt_subscribe_refused', client, gateway.username, `subscription to ${quoteValue(subscription.topic)}`);
    done(null, null); // SUBACK 0x80: failure for this filter, connection kept.
  };
}

/** Refuses a packet declared over `maxPacketBytes` before its body is read (MQTT 3.1.1 has no reason code: the connection closes). */
export function guardPacketSize(s: BrokerState, client: Client): void {
  const parser = (client as unknown as ClientInternals)._parser;
  const parse = parser.parse.bind(parser);
  const guard = new PacketSizeGuard(s.maxPacketBytes);
  parser.parse = (buf: Buffer) => {
    const violation = guard.feed(buf);
    if (!violation) return parse(buf);
    if (!client.conn.destroyed) {
      s.counters.oversizePackets++;
      const size = Number.isNaN(violation.declaredBytes) ? 'a malformed length' : `${violation.declaredBytes} bytes`;
      report(
        s,
        'mqtt_publish_refused',
        client,
        '',
        `packet of ${size} refused: the limit is ${violation.limitBytes} bytes (CITYTWIN_MAX_PAYLOAD_BYTES + 64 KiB for topic and header)`,
      );
      client.conn.destroy();
    }
    return 0;
  };
}

/**
 * aedes finishes a publish only when every subscriber's socket took it, waiting for a full
 * socket to drain: one subscriber that never reads would hold up every publisher (and the
 * ingest) until its drain timeout, on every reconnect. Here a full socket does not hold the
 * publish; the client's backlog is bounded instead and the client disconnected past it.
 * CityTwin's own subscribers (logged in with the per-start secret, e.g. an ingest on TCP)
 * keep aedes' behaviour: publishers wait for them (backpressure, nothing dropped), up to
 * the drain timeout.
 */
export function limitOutgoing(s: BrokerState, client: Client): void {
  const { limits } = s;
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
    s.counters.slowSubscribersDisconnected++;
    s.options.onNotice?.(`MQTT client ${client.id ?? '?'}@${addressOf(client)} disconnected: ${why}`);
    conn.destroy();
  };
  internals.waitForDrain = (callback) => {
    if (s.internalClients.has(client)) return waitForDrain(callback);
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
}
