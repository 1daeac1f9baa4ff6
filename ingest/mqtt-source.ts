/**
 * Connects to an MQTT broker (embedded or external), subscribes to the v1 topics with QoS 1
 * and feeds every message to the pipeline. With a share group, several ingest workers split
 * the topics through an MQTT 5 shared subscription (`$share/<group>/…`, Mosquitto 2, EMQX).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { V1_SUBSCRIPTION } from '../twin-model/index.ts';

export interface MqttSourceOptions {
  url: string;
  clientId: string;
  /** Shared-subscription group, or null for a plain subscription. */
  shareGroup?: string | null;
  /** Called for every message, with the receive time (epoch ms). */
  onMessage: (topic: string, payload: Buffer, receivedAt: number) => void;
  onStatus?: (connected: boolean, error?: Error) => void;
  now?: () => number;
  /** Topic filter; defaults to all v1 topics. */
  filter?: string;
  /**
   * Persistent session (clean = false, with this session expiry on MQTT 5): the broker keeps
   * the subscription and queues QoS 1 messages while the process is away, and resends those
   * it never got a PUBACK for. Needs a client id that is the same at every start.
   */
  persistentSession?: { expirySeconds: number } | null;
  /**
   * Replaces `onMessage`: called for every message BEFORE it is acknowledged, for a handler that
   * writes what it keeps in groups (the spool's group write, DurableIntake.takeGrouped). A
   * returned `{ written }` releases the next packet at once, while this message's PUBACK waits,
   * with every other PUBACK given the same `written` promise, until it resolves; then they leave
   * in one write. If it rejects, the connection is dropped and none of those PUBACKs leaves (the
   * broker sends the messages again). A returned promise holds the connection (mqtt.js reads no
   * further packet of it: backpressure); its PUBACK goes out once it resolves if the connection
   * that carried the message is still up, and if it rejects the connection is dropped as for a
   * group's failed write. Nothing: acknowledge now.
   */
  handleGrouped?: (
    topic: string,
    payload: Buffer,
    receivedAt: number,
    packetId: number,
  ) => void | Promise<void> | { written: Promise<void> };
}

/** Given to mqtt.js's handler callback for a PUBACK that leaves with its group's (`handleGrouped`). */
const HELD_FOR_THE_TURN = new Error('PUBACK sent with its group');
/** Given to mqtt.js's handler callback for a message that came once stopping began: kept, not acknowledged. */
const STOPPING = new Error('PUBACK not sent: the subscription is stopping (the message is kept; a persistent session sends it again)');
/** Given to mqtt.js's handler callback for a message whose connection dropped while it waited. */
const CONNECTION_GONE = new Error('PUBACK not sent: the connection that carried the message dropped');

/**
 * The PUBACKs of `ids` as one buffer: type 4, remaining length 2, the packet id (MQTT 3.1.1
 * §3.4; in MQTT 5 §3.4.2.1 the same four bytes mean success with no properties).
 */
function pubacks(ids: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 4);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    out[i * 4] = 0x40;
    out[i * 4 + 1] = 2;
    out[i * 4 + 2] = id >> 8;
    out[i * 4 + 3] = id & 0xff;
  }
  return out;
}

export class MqttSource {
  private client: MqttClient | null = null;
  connected = false;
  /** Groups whose PUBACKs wait for their writes (`handleGrouped`); each settles once sent or dropped. */
  private readonly held = new Set<Promise<void>>();
  /**
   * The connections stop() has begun to close: a message that comes on one is kept unacknowledged
   * (`handleGrouped`). Per client, so that a start after a stop acknowledges as ever.
   */
  private readonly stopping = new WeakSet<MqttClient>();

  constructor(private readonly options: MqttSourceOptions) {}

  /** Connects and subscribes; resolves once the subscription is acknowledged. */
  async start(): Promise<void> {
    const o = this.options;
    const now = o.now ?? Date.now;
    const filter = o.filter ?? V1_SUBSCRIPTION;
    const topic = o.shareGroup ? `$share/${o.shareGroup}/${filter}` : filter;
    const protocolVersion = o.shareGroup ? 5 : 4;
    const session = o.persistentSession ?? null;
    const client = mqtt.connect(o.url, {
      clientId: o.clientId,
      protocolVersion,
      clean: session === null,
      ...(session && protocolVersion === 5 ? { properties: { sessionExpiryInterval: session.expirySeconds } } : {}),
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // The ingest must not lose messages while storage is slow; keep the socket reading.
      queueQoSZero: false,
      // mqtt.js logs a dozen debug lines per packet: ≈1 µs a message even when nothing is
      // printed. Kept when DEBUG names it (DEBUG=mqttjs*).
      ...(/mqttjs/.test(process.env.DEBUG ?? '') ? {} : { log: () => undefined }),
    });
    this.client = client;
    if (o.handleGrouped) this.takeGrouped(client, o.handleGrouped, now);
    else client.on('message', (t, payload) => o.onMessage(t, payload, now()));
    client.on('connect', () => {
      this.connected = true;
      o.onStatus?.(true);
      client.subscribe(topic, { qos: 1 }, (err) => {
        if (err) o.onStatus?.(true, err);
      });
    });
    client.on('close', () => {
      if (this.connected) o.onStatus?.(false);
      this.connected = false;
    });
    client.on('error', (err) => o.onStatus?.(this.connected, err));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`MQTT broker ${o.url} did not answer within 10 s`)), 10_000);
      client.once('connect', () => {
        client.subscribe(topic, { qos: 1 }, (err) => {
          clearTimeout(timer);
          if (err) reject(new Error(`subscribing to ${topic} failed: ${err.message}`));
          else resolve();
        });
      });
    });
  }

  /**
   * Every message goes to `handleGrouped`. The packet ids of the messages whose records ride the
   * same write (one `written` promise: the spool's group, an event-loop turn or, under load,
   * the turns of a millisecond) are kept, and their PUBACKs written in one buffer, on the
   * connection that carried them, once that write is done; groups are written in order, so the
   * PUBACKs leave in the order of their PUBLISHes (a message with nothing to write joins the
   * group waiting before it). mqtt.js itself sends only the PUBACKs of
   * messages acknowledged at once or after a wait for room (a promise), and of the latter only
   * while their connection lasts.
   */
  private takeGrouped(client: MqttClient, handle: NonNullable<MqttSourceOptions['handleGrouped']>, now: () => number): void {
    const o = this.options;
    let group: { written: Promise<void>; ids: number[]; stream: MqttClient['stream'] } | null = null;
    const open = (written: Promise<void>) => {
      const g = { written, ids: [] as number[], stream: client.stream };
      group = g;
      const released = written.then(
        () => {
          if (group === g) group = null;
          if (g.ids.length > 0 && !g.stream.destroyed) g.stream.write(pubacks(g.ids));
        },
        (err: Error) => {
          if (group === g) group = null;
          // No PUBACK of the group leaves: the broker sends its messages again.
          g.stream.destroy();
          o.onStatus?.(this.connected, err);
        },
      );
      this.held.add(released);
      void released.then(() => this.held.delete(released));
      return g;
    };
    client.handleMessage = (packet, callback) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      if (this.stopping.has(client)) {
        // Its PUBACK could only follow the DISCONNECT: kept (spooled and stored, if there is
        // room) but not acknowledged. A persistent session sends it again to the next start (a
        // duplicate by key); without one the broker drops it with the session, and it is kept.
        try {
          const kept = handle(packet.topic, payload, now(), packet.messageId ?? 0);
          // Nothing waits on its write: a failure is the spool's to report, not an unhandled rejection.
          if (kept instanceof Promise) kept.catch(() => undefined);
          else if (kept) kept.written.catch(() => undefined);
        } catch (err) {
          o.onStatus?.(this.connected, err as Error);
        }
        return callback(STOPPING);
      }
      let taken: ReturnType<typeof handle>;
      try {
        taken = handle(packet.topic, payload, now(), packet.messageId ?? 0);
      } catch (err) {
        o.onStatus?.(this.connected, err as Error);
        callback(err as Error);
        return;
      }
      if (!taken) {
        // Nothing to write (a redelivery already written, an audit checkpoint): its PUBACK
        // still goes after those of the group waiting on this connection, if one does (MQTT
        // 3.1.1 §4.6: PUBACKs in the order of the PUBLISHes).
        const waiting: typeof group = group;
        if (waiting === null || waiting.stream !== client.stream || packet.qos !== 1 || packet.messageId === undefined) return callback();
        waiting.ids.push(packet.messageId);
        return callback(HELD_FOR_THE_TURN);
      }
      if (taken instanceof Promise) {
        // The connection that carried the message: its PUBACK goes on that one or on none (on
        // a new connection the broker may have given the packet id to another message).
        const stream = client.stream;
        taken.then(
          () => callback(stream.destroyed || client.stream !== stream ? CONNECTION_GONE : undefined),
          (err: Error) => {
            // As for a group's failed write: the broker sends the message again on a new connection.
            stream.destroy();
            o.onStatus?.(this.connected, err);
            callback(err);
          },
        );
        return;
      }
      const g: { written: Promise<void>; ids: number[]; stream: MqttClient['stream'] } =
        group !== null && group.written === taken.written && group.stream === client.stream ? group : open(taken.written);
      if (packet.qos !== 1 || packet.messageId === undefined) return callback();
      // The PUBACK goes with the group's (above): mqtt.js sends none for a handler that fails,
      // and goes on to the next packet.
      g.ids.push(packet.messageId);
      callback(HELD_FOR_THE_TURN);
    };
  }

  /**
   * Publishes on the source's own connection, by default QoS 0 and not retained: the worker's
   * stats, which are sent again a second later, so a lost one does not matter. The audit
   * checkpoints ask for QoS 1, retained. A no-op while disconnected (mqtt.js would otherwise
   * queue them without bound); returns whether it was sent.
   */
  publish(topic: string, payload: string, options: { qos?: 0 | 1; retain?: boolean } = {}): boolean {
    if (!this.client || !this.connected) return false;
    this.client.publish(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false });
    return true;
  }

  /**
   * Disconnects, once the PUBACKs held for their group's writes (`handleGrouped`) have left or been
   * dropped with the connection: none leaves before its message is written, and none is lost
   * behind the DISCONNECT. From the call on, a message that comes is kept but not acknowledged
   * (`handleGrouped`): its PUBACK could only go after the DISCONNECT (when a seal had written the
   * group waited for mid-read, the read's later messages were left in a new group whose PUBACKs
   * no one waited for).
   */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    this.stopping.add(client);
    // Bounded: no group opens any more (what comes is kept unacknowledged).
    while (this.held.size > 0) await Promise.all([...this.held]);
    await client.endAsync();
  }
}
