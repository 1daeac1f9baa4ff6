/**
 * The ingest's subscription to an external broker writes the spool in groups
 * (ingest/mqtt-source.ts `handleGrouped`, DurableIntake.takeGrouped): the messages of one TCP
 * read go to the spool in one write, and no PUBACK leaves before its message's bytes are in the
 * spool file; when a group's write fails, none of its PUBACKs leaves and the connection is
 * dropped (the broker sends them again); stopping waits for the write and its PUBACKs, and a
 * start after a stop acknowledges as ever. The
 * broker side is a TCP peer speaking MQTT 3.1.1 byte
 * by byte, so the test sees exactly when each PUBACK arrives. Storage is replaced at the
 * project's own sink interface; the spool, the intake, the pipeline and mqtt.js are the
 * product's.
 */
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createIngest, DurableIntake, type Ingest, MqttSource, type MqttSourceOptions, Spool, type SpoolOptions } from '../ingest/index.ts';
import type { StorageBatch } from '../storage/index.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { mqttField, mqttPacket, readingPayload, readingPublish, spoolBytes } from './support/mqtt-bytes.ts';

const dir = tempDir('subscription-group');
afterAll(() => dir.remove());

const str = mqttField;
const packet = mqttPacket;
const payloadOf = readingPayload;
/** A QoS 1 PUBLISH from the broker to the subscriber. */
const publish = (i: number) => readingPublish('sub', i);

/** Reads whole MQTT packets from the subscriber: CONNECT, SUBSCRIBE, PUBACK, PINGREQ, DISCONNECT. */
interface Peer {
  socket: Socket;
  pubacks: number[];
  /** A SUBSCRIBE came (after whatever mqtt.js sends first on a new connection). */
  subscribed: boolean;
  /** How many PUBACKs had come when the DISCONNECT came, or null before it. */
  pubacksAtDisconnect: number | null;
  closed: boolean;
}

/** A broker-side TCP peer: CONNACK to CONNECT, SUBACK to SUBSCRIBE; `onPuback` at each PUBACK. */
async function startPeer(onPuback: (id: number) => void): Promise<{ server: Server; url: string; peer: () => Peer | null }> {
  let current: Peer | null = null;
  const server = createServer((socket) => {
    const peer: Peer = { socket, pubacks: [], subscribed: false, pubacksAtDisconnect: null, closed: false };
    current = peer;
    socket.on('error', () => undefined);
    socket.on('close', () => (peer.closed = true));
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (buf.length < 2) return;
        let len = 0;
        let mul = 1;
        let at = 1;
        for (; at < buf.length; at++) {
          len += (buf[at]! & 0x7f) * mul;
          mul *= 128;
          if ((buf[at]! & 0x80) === 0) break;
        }
        if (at >= buf.length || buf.length < at + 1 + len) return;
        const type = buf[0]! >> 4;
        const body = buf.subarray(at + 1, at + 1 + len);
        buf = buf.subarray(at + 1 + len);
        if (type === 1) socket.write(Buffer.from([0x20, 2, 0, 0]));
        if (type === 8) {
          peer.subscribed = true;
          socket.write(Buffer.from([0x90, 3, body[0]!, body[1]!, 1]));
        }
        if (type === 4) {
          const id = body.readUInt16BE(0);
          peer.pubacks.push(id);
          onPuback(id);
        }
        if (type === 12) socket.write(Buffer.from([0xd0, 0]));
        if (type === 14) peer.pubacksAtDisconnect = peer.pubacks.length;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `mqtt://127.0.0.1:${address.port}`, peer: () => current };
}

let clients = 0;

/** What a test gives a subscription: how it takes messages, and what to note at each PUBACK. */
interface SubscriptionOptions {
  handleGrouped: NonNullable<MqttSourceOptions['handleGrouped']>;
  onPuback?: (id: number) => void;
  onStatus?: MqttSourceOptions['onStatus'];
}

/** The product's subscription (MqttSource) to a fresh broker-side peer, and the peer's current connection. */
interface Subscription {
  source: MqttSource;
  peer: () => Peer | null;
}

/**
 * Starts a peer and a subscription to it, runs `test` (returns what it returns), then, whatever
 * happened, stops the subscription (it waits for the PUBACKs it holds), closes the peer and runs
 * `cleanup`.
 */
async function withSubscription<T>(
  options: SubscriptionOptions,
  test: (s: Subscription) => Promise<T>,
  cleanup?: () => Promise<void> | void,
): Promise<T> {
  const { server, url, peer } = await startPeer(options.onPuback ?? (() => undefined));
  const source = new MqttSource({
    url,
    clientId: `group-${++clients}`,
    onMessage: () => undefined,
    onStatus: options.onStatus,
    handleGrouped: options.handleGrouped,
  });
  try {
    await source.start();
    return await test({ source, peer });
  } finally {
    await source.stop();
    server.close();
    await cleanup?.();
  }
}

/** The product's path end to end: a spool in `<test dir>/<name>`, a pipeline, the intake, a storage sink. */
interface SpooledOptions {
  name: string;
  /** Beyond a 1 GiB `maxBytes`. */
  spool?: Omit<SpoolOptions, 'maxBytes'>;
  /** Where batches go; by default nowhere. */
  sink?: { write: (batch: StorageBatch) => Promise<void> };
  batchMaxRows: number;
  /** At each PUBACK, with the spool's directory. */
  onPuback?: (id: number, spoolDir: string) => void;
  /** At each message the subscription hands to the intake, before it is taken. */
  onTaken?: (packetId: number) => void;
  /** Batches sealed in the spool (a seal record, as the product's ingest does), not only in memory. */
  sealInSpool?: boolean;
}

interface SpooledSubscription extends Subscription {
  spool: Spool;
  spoolDir: string;
  ingest: Ingest;
}

/**
 * As {@link withSubscription}, the subscription taking its messages through the intake
 * (`takeGrouped`) into a real spool; afterwards the writer is closed and the spool too.
 */
async function withSpooledSubscription(options: SpooledOptions, test: (s: SpooledSubscription) => Promise<void>): Promise<void> {
  const spoolDir = join(dir.path, options.name);
  const spool = Spool.open(spoolDir, { maxBytes: 1 << 30, ...options.spool });
  const sink = options.sink ?? { write: async () => undefined };
  const seals = options.sealInSpool
    ? {
        onBatchSealed: (batch: StorageBatch) => {
          batch.id = spool.seal();
        },
        onBatchStored: (batch: StorageBatch) => spool.stored(batch.id),
      }
    : {};
  const ingest = createIngest({ sink, batchMaxRows: options.batchMaxRows, batchMaxDelayMs: 60_000, ...seals });
  const intake = new DurableIntake({ spool, pipeline: ingest.pipeline, writer: ingest.writer });
  await withSubscription(
    {
      handleGrouped: (topic, payload, at, packetId) => {
        options.onTaken?.(packetId);
        return intake.takeGrouped(topic, payload, at, packetId);
      },
      onPuback: (id) => options.onPuback?.(id, spoolDir),
    },
    async (s) => {
      try {
        await test({ ...s, spool, spoolDir, ingest });
      } finally {
        // A group held open (a standing clock) is written, or stopping would wait for it.
        spool.flush();
      }
    },
    async () => {
      await ingest.writer.close(60_000);
      spool.close();
    },
  );
}

/**
 * Stands in for the intake: every message taken goes in one group write, pending until the
 * test calls `write` (it succeeds) or `fail` (it fails).
 */
function pendingGroupWrite(): {
  taken: () => number;
  handleGrouped: () => { written: Promise<void> };
  write: () => void;
  fail: (err: Error) => void;
} {
  let taken = 0;
  let settle!: { resolve: () => void; reject: (err: Error) => void };
  const written = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  return {
    taken: () => taken,
    handleGrouped: () => {
      taken++;
      return { written };
    },
    write: () => settle.resolve(),
    fail: (err) => settle.reject(err),
  };
}

/**
 * Five publishes taken into one pending group write, then the subscription stopped and, a turn
 * later, the write settled by `settle`. Stopping ends the socket: the PUBACKs must still wait for
 * the write. Returns the peer's connection once it closed.
 */
async function stopWhileWritePending(settle: (group: ReturnType<typeof pendingGroupWrite>) => void): Promise<Peer> {
  const group = pendingGroupWrite();
  return withSubscription({ handleGrouped: group.handleGrouped }, async ({ source, peer }) => {
    const connection = peer()!;
    connection.socket.write(Buffer.concat(Array.from({ length: 5 }, (_, k) => publish(k + 1))));
    await waitFor('5 taken', () => group.taken() === 5);
    const stopped = source.stop();
    await new Promise((r) => setImmediate(r));
    settle(group);
    await stopped;
    await waitFor('the connection closed', () => connection.closed);
    return connection;
  });
}

describe('the subscription’s group writes', () => {
  it('acknowledges no message before its bytes are in the spool file; one read of 50 costs fewer writes than 50', async () => {
    const stored: StorageBatch[] = [];
    const n = 50;
    /** At the moment each PUBACK reached the broker: was its message's record in the file? */
    const inFileAtAck = new Map<number, boolean>();
    await withSpooledSubscription(
      {
        name: 'grouped',
        sink: { write: async (b) => void stored.push(b) },
        batchMaxRows: 1000,
        onPuback: (id, spoolDir) => inFileAtAck.set(id, spoolBytes(spoolDir).includes(payloadOf(id))),
      },
      async ({ peer, spool, ingest }) => {
        const writesBefore = spool.writes;
        peer()!.socket.write(Buffer.concat(Array.from({ length: n }, (_, k) => publish(k + 1))));
        await waitFor('50 PUBACKs', () => peer()!.pubacks.length === n);
        expect(peer()!.pubacks).toEqual(Array.from({ length: n }, (_, k) => k + 1));
        expect([...inFileAtAck.values()].filter(Boolean).length).toBe(n);
        const writes = spool.writes - writesBefore;
        expect(writes).toBeGreaterThan(0);
        expect(writes).toBeLessThan(n);
        await ingest.writer.close(60_000);
        expect(stored.reduce((sum, b) => sum + b.messages, 0)).toBe(n);
      },
    );
  });

  it('sends none of a turn’s PUBACKs when its write fails, and drops the connection', async () => {
    const group = pendingGroupWrite();
    const errors: string[] = [];
    const onStatus = (_up: boolean, err?: Error) => {
      if (err) errors.push(err.message);
    };
    await withSubscription({ handleGrouped: group.handleGrouped, onStatus }, async ({ peer }) => {
      const first = peer()!;
      // Twenty publishes: every one is taken, none acknowledged while their write is pending.
      first.socket.write(Buffer.concat(Array.from({ length: 20 }, (_, k) => publish(k + 1))));
      await waitFor('20 taken', () => group.taken() === 20);
      expect(first.pubacks).toEqual([]);
      group.fail(new Error('spool write failed (test)'));
      await waitFor('the connection dropped', () => first.closed);
      expect(first.pubacks).toEqual([]);
      expect(errors).toContain('spool write failed (test)');
    });
  });

  it('sends none of a turn’s PUBACKs when stopped while its write is pending and the write then fails', async () => {
    const first = await stopWhileWritePending((group) => group.fail(new Error('spool write failed (test)')));
    expect(first.pubacks).toEqual([]);
  });

  it('sends a turn’s PUBACKs before the DISCONNECT when stopped while its write is pending and the write then succeeds', async () => {
    const first = await stopWhileWritePending((group) => group.write());
    expect(first.pubacks).toEqual([1, 2, 3, 4, 5]);
    expect(first.pubacksAtDisconnect).toBe(5);
  });

  it('drops the connection when a message taken once the spool had room fails to be written', async () => {
    let fail: ((err: Error) => void) | null = null;
    let taken = 0;
    // A promise: the spool was full; it rejects when the record's write fails.
    const handleGrouped = () => {
      taken++;
      return new Promise<void>((_resolve, reject) => (fail = reject));
    };
    await withSubscription({ handleGrouped }, async ({ peer }) => {
      const first = peer()!;
      first.socket.write(publish(1));
      await waitFor('1 taken', () => taken === 1);
      fail!(new Error('spool write failed (test)'));
      // Kept open, the broker would never send the message again on this connection.
      await waitFor('the connection dropped', () => first.closed);
      expect(first.pubacks).toEqual([]);
    });
  });

  it('sends no PUBACK on a new connection for a message taken on one that dropped', async () => {
    let write: (() => void) | null = null;
    let taken = 0;
    // The first message waits for room in the spool; the others are written with their turn.
    const handleGrouped = () => {
      taken++;
      if (taken === 1) return new Promise<void>((resolve) => (write = resolve));
      return { written: Promise.resolve() };
    };
    await withSubscription({ handleGrouped }, async ({ peer }) => {
      const first = peer()!;
      first.socket.write(publish(7));
      await waitFor('1 taken', () => taken === 1);
      first.socket.destroy();
      const second = await waitFor('a new connection subscribed', () => {
        const p = peer();
        return p !== first && p?.subscribed ? p : null;
      });
      // On a clean session the broker may give packet id 7 to another message: a PUBACK 7 here
      // would acknowledge that one before its record is written.
      write!();
      second.socket.write(publish(8));
      await waitFor('PUBACK 8', () => second.pubacks.includes(8));
      expect(second.pubacks).toEqual([8]);
    });
  });

  it('holds the thousands of PUBACKs of one read until their records are written, each sent after its record', async () => {
    // Tiny publishes: one 64 KiB read holds thousands, their PUBACKs past the socket's 16 KiB
    // buffer limit (mqtt-packet reports every PUBACK written, so mqtt.js takes the next packet).
    const n = 12_000;
    const mark = (i: number) => Buffer.from(`<${String(i).padStart(5, '0')}>`);
    const tiny = (i: number) => packet(0x32, Buffer.concat([str('t'), Buffer.from([i >> 8, i & 0xff]), mark(i)]));
    const segment = (spoolDir: string) => join(spoolDir, readdirSync(spoolDir).find((f) => f.startsWith('seg-'))!);
    /** The segment's size when each PUBACK reached the broker. */
    const sizeAtAck = new Map<number, number>();
    await withSpooledSubscription(
      { name: 'thousands', batchMaxRows: 100_000, onPuback: (id, spoolDir) => sizeAtAck.set(id, statSync(segment(spoolDir)).size) },
      async ({ peer, spool, spoolDir }) => {
        peer()!.socket.write(Buffer.concat(Array.from({ length: n }, (_, k) => tiny(k + 1))));
        await waitFor(`${n} PUBACKs`, () => peer()!.pubacks.length === n);
        expect(peer()!.pubacks).toEqual(Array.from({ length: n }, (_, k) => k + 1));
        const bytes = spoolBytes(spoolDir);
        const early = [...sizeAtAck].filter(([id, size]) => bytes.indexOf(mark(id)) + mark(id).length > size);
        expect(early).toEqual([]);
        expect(spool.writes).toBeLessThan(n / 20);
      },
    );
  });

  it('under load acknowledges the reads of one group write together, after it, in the order of the PUBLISHes', async () => {
    // The clock stands still: every group after the first stays open until flushed here.
    const paced = { clock: () => 0, groupIntervalMs: 60_000 };
    await withSpooledSubscription({ name: 'paced', spool: paced, batchMaxRows: 1000 }, async ({ peer, spool, spoolDir, ingest }) => {
      const received = () => ingest.pipeline.metrics.received;
      // The first group is written at the end of its turn (nothing was written before it).
      peer()!.socket.write(publish(1));
      await waitFor('the first PUBACK', () => peer()!.pubacks.length === 1);
      // Three reads, each taken in its own turn, all within the interval: one group.
      for (const ids of [[2, 3], [4], [5, 6, 7]]) {
        const before = received();
        peer()!.socket.write(Buffer.concat(ids.map(publish)));
        await waitFor(`messages ${ids.join(', ')} taken`, () => received() === before + ids.length);
      }
      expect(peer()!.pubacks).toEqual([1]);
      expect(spoolBytes(spoolDir).includes(payloadOf(2))).toBe(false);
      const writes = spool.writes;
      spool.flush();
      expect(spool.writes).toBe(writes + 1);
      await waitFor('the group’s PUBACKs', () => peer()!.pubacks.length === 7);
      expect(peer()!.pubacks).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // The next group likewise.
      peer()!.socket.write(Buffer.concat([8, 9].map(publish)));
      await waitFor('messages 8, 9 taken', () => received() === 9);
      expect(peer()!.pubacks.length).toBe(7);
      spool.flush();
      await waitFor('the next group’s PUBACKs', () => peer()!.pubacks.length === 9);
      expect(peer()!.pubacks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  it('acknowledges a message with nothing to write (an audit checkpoint) after the PUBACKs of the group still waiting before it', async () => {
    // The clock stands still: the group after the first stays open until flushed here.
    const paced = { clock: () => 0, groupIntervalMs: 60_000 };
    let taken = 0;
    // A retained audit checkpoint comes back on the subscription (citytwin/v1/#) at QoS 1; nothing of it is spooled.
    const checkpoint = (id: number) =>
      packet(0x32, Buffer.concat([str('citytwin/v1/audit/checkpoints/main'), Buffer.from([id >> 8, id & 0xff]), Buffer.from('{"seq":1}')]));
    const options = { name: 'ordered-nothing', spool: paced, batchMaxRows: 1000, onTaken: () => taken++ };
    await withSpooledSubscription(options, async ({ peer, spool }) => {
      peer()!.socket.write(publish(1));
      await waitFor('the first PUBACK', () => peer()!.pubacks.length === 1);
      // Message 2 waits for its group's write; the checkpoint (3) comes after it.
      peer()!.socket.write(Buffer.concat([publish(2), checkpoint(3)]));
      await waitFor('messages 2 and 3 taken', () => taken === 3);
      // MQTT 3.1.1 §4.6: PUBACKs in the order of the PUBLISHes. None may overtake 2's.
      expect(peer()!.pubacks).toEqual([1]);
      spool.flush();
      await waitFor('the PUBACKs of 2 and 3', () => peer()!.pubacks.length === 3);
      expect(peer()!.pubacks).toEqual([1, 2, 3]);
    });
  });

  it('when stopped, acknowledges before its DISCONNECT every message it took before, and keeps unacknowledged what comes after', async () => {
    // The clock stands still: a group after the first stays open until a seal or a flush writes it.
    const paced = { clock: () => 0, groupIntervalMs: 60_000 };
    const taken: number[] = [];
    // Message 3 fills the batch: its seal writes the group of 2 and 3, and 4 opens another.
    const options = { name: 'stop-seal', spool: paced, batchMaxRows: 3, sealInSpool: true, onTaken: (id: number) => taken.push(id) };
    await withSpooledSubscription(options, async ({ source, peer, spool, spoolDir, ingest }) => {
      const first = peer()!;
      first.socket.write(publish(1));
      await waitFor('the first PUBACK', () => first.pubacks.length === 1);
      first.socket.write(publish(2));
      await waitFor('message 2 taken', () => taken.length === 2);
      // The subscription's own socket, to see when it has read what comes next.
      const { stream } = (source as unknown as { client: { stream: { bytesRead: number } } }).client;
      // Stopping waits for 2's group; 3 and 4 come in one read meanwhile.
      const stopped = source.stop();
      const takenBeforeStop = [...taken];
      const read = Buffer.concat([publish(3), publish(4)]);
      const before = stream.bytesRead;
      first.socket.write(read);
      await waitFor('3 and 4 read', () => stream.bytesRead >= before + read.length);
      // Whatever group is open now is written here.
      spool.flush();
      await stopped;
      await waitFor('the connection closed', () => first.closed);
      // Taken before the stop means acknowledged before the DISCONNECT; what came after is
      // kept (in the spool and the pipeline) with no PUBACK: a persistent session sends it again.
      expect(takenBeforeStop).toEqual([1, 2]);
      expect(first.pubacks).toEqual(takenBeforeStop);
      expect(first.pubacksAtDisconnect).toBe(takenBeforeStop.length);
      expect(taken).toEqual([1, 2, 3, 4]);
      expect(ingest.pipeline.metrics.received).toBe(4);
      for (const i of [3, 4]) expect(spoolBytes(spoolDir).includes(payloadOf(i))).toBe(true);
    });
  });

  it('acknowledges again once started after a stop: what came while stopping is not held against the next start', async () => {
    let taken = 0;
    await withSubscription(
      {
        handleGrouped: () => {
          taken++;
        },
      },
      async ({ source, peer }) => {
        const first = peer()!;
        first.socket.write(publish(1));
        await waitFor('the first PUBACK', () => first.pubacks.length === 1);
        await source.stop();
        await source.start();
        const second = await waitFor('a new connection subscribed', () => {
          const p = peer();
          return p !== first && p?.subscribed ? p : null;
        });
        second.socket.write(publish(2));
        await waitFor('message 2 taken', () => taken === 2);
        await waitFor('the PUBACK of message 2', () => second.pubacks.length === 1);
        expect(second.pubacks).toEqual([2]);
      },
    );
  });

  it('acknowledges a group write on each connection only for the messages that connection carried', async () => {
    // The clock stands still: the group after the first stays open across the reconnect until flushed here.
    const paced = { clock: () => 0, groupIntervalMs: 60_000 };
    await withSpooledSubscription({ name: 'reconnect', spool: paced, batchMaxRows: 1000 }, async ({ peer, spool, spoolDir, ingest }) => {
      const received = () => ingest.pipeline.metrics.received;
      const first = peer()!;
      first.socket.write(publish(1));
      await waitFor('the first PUBACK', () => first.pubacks.length === 1);
      first.socket.write(publish(2));
      await waitFor('message 2 taken', () => received() === 2);
      first.socket.destroy();
      const second = await waitFor('a new connection subscribed', () => {
        const p = peer();
        return p !== first && p?.subscribed ? p : null;
      });
      // Packet id 2 again, another message: on a clean session the broker may reuse it.
      second.socket.write(Buffer.concat([readingPublish('other', 2), publish(3)]));
      await waitFor('messages on the new connection taken', () => received() === 4);
      expect(spoolBytes(spoolDir).includes(payloadOf(3))).toBe(false);
      spool.flush();
      await waitFor('the PUBACKs of the new connection', () => second.pubacks.length === 2);
      expect(second.pubacks).toEqual([2, 3]);
      expect(first.pubacks).toEqual([1]);
    });
  });
});
