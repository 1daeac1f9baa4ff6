/**
 * Group writes of the write-ahead spool (ingest/spool/spool.ts, `enqueue`), through the real
 * embedded broker: the publishes of one TCP read are written to the spool together, and no
 * PUBACK goes out before its message's bytes are in the spool file. Storage is replaced at the
 * project's own sink interface (it keeps the batches); everything else is the product's.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createIngest, DurableIntake, type EmbeddedBroker, Spool, startEmbeddedBroker } from '../ingest/index.ts';
import type { StorageBatch } from '../storage/index.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { mqttField, mqttPacket, readingPayload, readingPublish, spoolBytes } from './support/mqtt-bytes.ts';

const dir = tempDir('spool-group');
afterAll(() => dir.remove());

const str = mqttField;
const packet = mqttPacket;
const payloadOf = readingPayload;
const publish = (i: number) => readingPublish('grp', i);

describe('spool group writes', () => {
  it('writes a turn’s records in one write and resolves only once they are in the file', async () => {
    const spoolDir = join(dir.path, 'unit');
    const spool = Spool.open(spoolDir, { maxBytes: 1 << 30 });
    const before = spoolBytes(spoolDir).length;
    const groups = [1, 2, 3].map((i) => spool.enqueue('citytwin/v1/sensors/u/data', payloadOf(i), 1000 + i, i));
    // Queued, not written: nothing is in the file yet, and all three wait on one group.
    expect(spoolBytes(spoolDir).length).toBe(before);
    expect(new Set(groups).size).toBe(1);
    expect(spool.pendingBytes).toBeGreaterThan(0);
    await groups[0];
    const file = spoolBytes(spoolDir);
    for (const i of [1, 2, 3]) expect(file.includes(payloadOf(i))).toBe(true);
    expect(spool.writes).toBe(1);
    // A seal writes what is queued before its seal record: a replay puts the message in that batch.
    void spool.enqueue('citytwin/v1/sensors/u/data', payloadOf(4), 1004, 4);
    const id = spool.seal();
    spool.close();
    const again = Spool.open(spoolDir, { maxBytes: 1 << 30 });
    const seen: number[] = [];
    const seals: string[] = [];
    again.replay(
      (m) => seen.push(m.receivedAt),
      () => seals.push(again.seal()),
    );
    again.close();
    expect(seen).toEqual([1001, 1002, 1003, 1004]);
    expect(seals).toEqual([id]);
  });

  it('under load keeps a group open for the turns of groupIntervalMs: one write for them; after a quiet spell writes at the end of the turn', async () => {
    const spoolDir = join(dir.path, 'paced');
    let clock = 100;
    const spool = Spool.open(spoolDir, { maxBytes: 1 << 30, clock: () => clock, groupIntervalMs: 60_000 });
    const topic = 'citytwin/v1/sensors/p/data';
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    try {
      // Quiet so far: the first group is written at the end of its turn.
      const first = spool.enqueue(topic, payloadOf(1), 1, 1);
      await turn();
      expect(spool.writes).toBe(1);
      await first;
      // Within the interval of that write (the clock stands still): the next turns join one
      // group, written by its timer (or a flush, as here), not at the end of each turn.
      const later: Array<Promise<void>> = [];
      for (let i = 2; i <= 5; i++) {
        later.push(spool.enqueue(topic, payloadOf(i), i, i));
        await turn();
      }
      expect(spool.writes).toBe(1);
      expect(new Set(later).size).toBe(1);
      expect(spoolBytes(spoolDir).includes(payloadOf(2))).toBe(false);
      spool.flush();
      await later[0];
      expect(spool.writes).toBe(2);
      for (let i = 2; i <= 5; i++) expect(spoolBytes(spoolDir).includes(payloadOf(i))).toBe(true);
      // A quiet spell longer than the interval: written at the end of its turn again.
      clock += 120_000;
      const quiet = spool.enqueue(topic, payloadOf(6), 6, 6);
      await turn();
      expect(spool.writes).toBe(3);
      await quiet;
    } finally {
      spool.close();
    }
  });

  it('writes nothing once closed: a record queued after close() is refused, not written through a descriptor the process reused', async () => {
    const spoolDir = join(dir.path, 'closed');
    const spool = Spool.open(spoolDir, { maxBytes: 1 << 30 });
    spool.close();
    // The lowest free descriptor: the one the spool's segment had.
    const other = join(dir.path, 'another-file');
    const fd = openSync(other, 'w');
    try {
      // As a message that waited for room does when a batch is stored after the stop closed the spool.
      const late = spool.enqueue('citytwin/v1/sensors/late/data', payloadOf(9), 9, 9);
      await expect(late).rejects.toThrow(/closed/);
      expect(readFileSync(other).length).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it('acknowledges a redelivery no sooner than its first copy, still queued in the same turn', async () => {
    const spoolDir = join(dir.path, 'redelivery');
    const spool = Spool.open(spoolDir, { maxBytes: 1 << 30 });
    const ingest = createIngest({ sink: { write: async () => undefined }, batchMaxRows: 1000, batchMaxDelayMs: 60_000 });
    const intake = new DurableIntake({ spool, pipeline: ingest.pipeline, writer: ingest.writer });
    try {
      const topic = 'citytwin/v1/sensors/rd-1/data';
      const first = intake.take(topic, payloadOf(1), 1, 7, false);
      const again = intake.take(topic, payloadOf(1), 2, 7, true);
      expect(spool.duplicatesDropped).toBe(1);
      expect(first).toBeInstanceOf(Promise);
      expect(again).toBe(first);
      await again;
      expect(spoolBytes(spoolDir).includes(payloadOf(1))).toBe(true);
      // Once written, a redelivery has nothing to wait for.
      expect(intake.take(topic, payloadOf(1), 3, 7, true)).toBeUndefined();
      expect(spool.duplicatesDropped).toBe(2);
    } finally {
      await ingest.writer.close(60_000);
      spool.close();
    }
  });

  it('acknowledges no publish before its bytes are in the spool file; one TCP read of 50 costs fewer writes', async () => {
    const spoolDir = join(dir.path, 'broker');
    const spool = Spool.open(spoolDir, { maxBytes: 1 << 30 });
    const stored: StorageBatch[] = [];
    const ingest = createIngest({ sink: { write: async (b) => void stored.push(b) }, batchMaxRows: 1000, batchMaxDelayMs: 60_000 });
    const intake = new DurableIntake({ spool, pipeline: ingest.pipeline, writer: ingest.writer });
    let broker: EmbeddedBroker | null = null;
    const n = 50;
    /** At the moment each acknowledgement is released: was the message's record in the file? */
    const inFileAtAck = new Map<string, boolean>();
    let writtenAtTake = 0;
    try {
      broker = await startEmbeddedBroker('127.0.0.1', 0);
      broker.setIntake({
        prefix: 'citytwin/v1/',
        handle: (topic, payload, at, packetId, redelivery) => {
          const pending = intake.take(topic, payload, at, packetId, redelivery);
          if (spoolBytes(spoolDir).includes(payload)) writtenAtTake++;
          if (!pending) return pending;
          return pending.then(() => void inFileAtAck.set(topic, spoolBytes(spoolDir).includes(payload)));
        },
      });
      const socket = tcpConnect(Number(new URL(broker.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      const acked = new Set<number>();
      let buffered = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buffered = Buffer.concat([buffered, d]);
        // CONNACK (0x20) and PUBACKs (0x40), four bytes each.
        while (buffered.length >= 4) {
          if (buffered[0] === 0x40) acked.add(buffered.readUInt16BE(2));
          buffered = buffered.subarray(4);
        }
      });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 60]), str('group-writer')])));
      await waitFor('the CONNACK', () => buffered.length === 0 && socket.bytesRead >= 4);
      const writesBefore = spool.writes;
      socket.write(Buffer.concat(Array.from({ length: n }, (_, k) => publish(k + 1))));
      await waitFor('50 PUBACKs', () => acked.size === n, 20_000);
      socket.destroy();
      expect(inFileAtAck.size).toBe(n);
      expect([...inFileAtAck.values()].every(Boolean)).toBe(true);
      expect(writtenAtTake).toBe(0);
      const writes = spool.writes - writesBefore;
      expect(writes).toBeGreaterThan(0);
      expect(writes).toBeLessThan(n);
      // And the pipeline has them all, for the next batch.
      await ingest.writer.close(60_000);
      expect(stored.reduce((sum, b) => sum + b.messages, 0)).toBe(n);
    } finally {
      await broker?.close();
      spool.close();
    }
  });
  it('acknowledges the publishes that share one intake promise once it resolves, and none when it rejects', async () => {
    let broker: EmbeddedBroker | null = null;
    let taken = 0;
    let settle: { resolve: () => void; reject: (err: Error) => void } | null = null;
    let shared: Promise<void> | null = null;
    let resolved = false;
    try {
      broker = await startEmbeddedBroker('127.0.0.1', 0);
      broker.setIntake({
        prefix: 'citytwin/v1/',
        handle: () => {
          taken++;
          shared ??= new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
          return shared;
        },
      });
      const socket = tcpConnect(Number(new URL(broker.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      const acked: Array<{ id: number; resolved: boolean }> = [];
      let pings = 0;
      let closed = false;
      socket.on('close', () => (closed = true));
      let buffered = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buffered = Buffer.concat([buffered, d]);
        // CONNACK (0x20) and PUBACK (0x40) are four bytes, PINGRESP (0xd0) two.
        while (buffered.length >= 2) {
          const size = buffered[0] === 0xd0 ? 2 : 4;
          if (buffered.length < size) break;
          if (buffered[0] === 0x40) acked.push({ id: buffered.readUInt16BE(2), resolved });
          if (buffered[0] === 0xd0) pings++;
          buffered = buffered.subarray(size);
        }
      });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 60]), str('shared-promise')])));
      await waitFor('the CONNACK', () => socket.bytesRead >= 4);
      // Twenty publishes and a PINGREQ in one write: the PINGRESP comes after every publish was taken.
      socket.write(Buffer.concat([...Array.from({ length: 20 }, (_, k) => publish(k + 1)), Buffer.from([0xc0, 0])]));
      await waitFor('the PINGRESP', () => pings === 1 && taken === 20);
      expect(acked).toEqual([]);
      resolved = true;
      settle!.resolve();
      await waitFor('20 PUBACKs', () => acked.length === 20, 20_000);
      expect(acked.map((a) => a.id)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
      expect(acked.every((a) => a.resolved)).toBe(true);

      // The next group's write fails: no PUBACK, the publisher's connection is closed (it sends them again).
      shared = null;
      socket.write(Buffer.concat(Array.from({ length: 10 }, (_, k) => publish(k + 21))));
      await waitFor('10 more taken', () => taken === 30);
      settle!.reject(new Error('spool write failed'));
      await waitFor('the connection closed', () => closed, 20_000);
      expect(acked).toHaveLength(20);
    } finally {
      await broker?.close();
    }
  });
});
