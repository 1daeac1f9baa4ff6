/**
 * The embedded MQTT broker (aedes) used when no external broker is configured. It listens on
 * a TCP port like any broker, so gateways, the simulator and the ingest talk to it the same
 * way they would to Mosquitto or EMQX.
 *
 * Security follows Mosquitto 2's listener rule: a listener bound to a loopback address accepts
 * anonymous clients (they are on this machine); a listener on any other address requires
 * gateway credentials (device-acl.ts), and a gateway may publish only for its own ids. When
 * the main listener is not on loopback, a second listener on 127.0.0.1 (any free port) serves
 * the in-process parts (ingest, simulator). With a certificate and key, an MQTTS listener is
 * added under the same rule. Refused connects, publishes and subscriptions are counted per
 * client id and reported through `onSecurityEvent`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { verifyPassword } from '../../web/server/auth/password.ts';
import { publishRefusal, type GatewayCredential } from './device-acl.ts';

export interface EmbeddedBroker {
  /** URL for in-process clients (a loopback listener that accepts them without credentials). */
  url: string;
  port: number;
  /** The MQTTS listener's URL, or null without TLS. */
  tlsUrl: string | null;
  connectedClients(): number;
  /** Refused publishes per client id (since start). */
  refusedPublishes(): ReadonlyMap<string, number>;
  /** Prometheus lines for the broker's security counters. */
  metricsText(): string;
  close(): Promise<void>;
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
}

export class PortInUseError extends Error {}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

interface ListenerInfo {
  name: string;
  anonymous: boolean;
}

/** Distinct client ids tracked in the refusal counters (a flood of random ids cannot grow memory without bound). */
const MAX_TRACKED_CLIENTS = 10_000;

export async function startEmbeddedBroker(host: string, port: number, options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const credentials = options.credentials ?? new Map<string, GatewayCredential>();
  const listenerOf = new WeakMap<object, ListenerInfo>();
  const gatewayOf = new WeakMap<Client, GatewayCredential>();
  const refusedPublishes = new Map<string, number>();
  const counters = { authFailed: 0, subscribeRefused: 0 };
  const addressOf = (client: Client | null) => ((client?.conn as Socket | undefined)?.remoteAddress ?? 'unknown');
  const report = (type: BrokerSecurityEvent['type'], client: Client, username: string, detail: string) =>
    options.onSecurityEvent?.({ type, clientId: client.id ?? '', username, address: addressOf(client), detail });

  const broker = await Aedes.createBroker({
    drainTimeout: 30_000,
    authenticate: (client, username, password, done) => {
      const listener = listenerOf.get(client.conn) ?? { name: 'unknown', anonymous: false };
      const refuse = (code: 4 | 5, detail: string) => {
        counters.authFailed++;
        report('mqtt_auth_failed', client, username ?? '', `${detail} (listener ${listener.name})`);
        const err = Object.assign(new Error(detail), { returnCode: code });
        done(err as Parameters<typeof done>[0], null);
      };
      if (username === undefined) {
        if (listener.anonymous) return done(null, true);
        // [MQTT-3.2.2-5]: return code 5, "not authorized".
        return refuse(5, 'anonymous clients are accepted only on the loopback listener; this one needs gateway credentials');
      }
      const gateway = credentials.get(username);
      const text = password?.toString('utf8') ?? '';
      verifyPassword(text, gateway?.passwordHash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
        .then((ok) => {
          if (!ok || !gateway) return refuse(4, gateway ? 'wrong password' : `unknown gateway "${username.slice(0, 64)}"`);
          gatewayOf.set(client, gateway);
          done(null, true);
        })
        .catch((err: Error) => refuse(4, `credential check failed: ${err.message}`));
    },
    authorizePublish: (client, packet, done) => {
      if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS/ topics are reserved'));
      const gateway = client ? gatewayOf.get(client) : undefined;
      // Anonymous clients reached us only through a loopback listener: they are trusted parts.
      if (!client || !gateway) return done(null);
      const reason = publishRefusal(gateway, packet.topic);
      if (reason === null) return done(null);
      const id = client.id ?? '';
      if (refusedPublishes.has(id) || refusedPublishes.size < MAX_TRACKED_CLIENTS) refusedPublishes.set(id, (refusedPublishes.get(id) ?? 0) + 1);
      report('mqtt_publish_refused', client, gateway.username, reason);
      // [MQTT-3.3.5-2]: the broker closes the connection of a client it refuses to authorise.
      done(new Error(reason));
    },
    authorizeSubscribe: (client, subscription, done) => {
      const gateway = gatewayOf.get(client);
      if (!gateway) return done(null, subscription);
      // v1 has no topics for gateways to receive; a gateway must not read other devices' data.
      counters.subscribeRefused++;
      report('mqtt_subscribe_refused', client, gateway.username, `subscription to "${subscription.topic.slice(0, 120)}"`);
      done(null, null); // SUBACK 0x80: failure for this filter, connection kept.
    },
  });

  const servers: Server[] = [];
  const listen = async (server: Server, p: number, h: string, what: string, variable: string): Promise<number> => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(new PortInUseError(`${what} port ${p} on ${h} is already in use; set ${variable} to another port (0 = any free port)`));
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
    broker.handle(socket);
  };

  const closeAll = async () => {
    // Stop accepting, disconnect the clients (broker.close), then wait for the listeners: a
    // listener's close waits for its open connections.
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await Promise.all(closed);
  };

  try {
    const anonymous = isLoopbackHost(host);
    const mainPort = await listen(createServer(tagged({ name: `${host}:${port}`, anonymous })), port, host, 'MQTT', 'CITYTWIN_MQTT_PORT');
    let internalPort = mainPort;
    if (!anonymous) {
      internalPort = await listen(createServer(tagged({ name: 'loopback (in-process parts)', anonymous: true })), 0, '127.0.0.1', 'MQTT (loopback)', 'CITYTWIN_MQTT_PORT');
    }
    let tlsUrl: string | null = null;
    if (options.tls) {
      const tlsServer = createTlsServer({ cert: options.tls.cert, key: options.tls.key }, tagged({ name: `mqtts ${host}`, anonymous }));
      const tlsPort = await listen(tlsServer as unknown as Server, options.tls.port, host, 'MQTTS', 'CITYTWIN_MQTTS_PORT');
      tlsUrl = `mqtts://${host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${tlsPort}`;
    }
    const urlHost = anonymous ? (host.includes(':') ? `[${host}]` : host) : '127.0.0.1';
    return {
      url: `mqtt://${urlHost}:${internalPort}`,
      port: mainPort,
      tlsUrl,
      connectedClients: () => broker.connectedClients,
      refusedPublishes: () => refusedPublishes,
      metricsText: () => {
        const lines = ['# HELP citytwin_mqtt_refused_publishes_total Publishes refused by the topic ACL, per client id', '# TYPE citytwin_mqtt_refused_publishes_total counter'];
        for (const [id, n] of refusedPublishes) lines.push(`citytwin_mqtt_refused_publishes_total{client="${id.replace(/[\\"\n]/g, '_')}"} ${n}`);
        lines.push('# TYPE citytwin_mqtt_auth_failures_total counter', `citytwin_mqtt_auth_failures_total ${counters.authFailed}`);
        lines.push('# TYPE citytwin_mqtt_refused_subscriptions_total counter', `citytwin_mqtt_refused_subscriptions_total ${counters.subscribeRefused}`);
        return `${lines.join('\n')}\n`;
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
