/**
 * The ingest's write-ahead spool on a real file system (ingest/spool/spool.ts): replay after a
 * stop reproduces the batch ids (so the deduplication tokens), the checkpoint skips stored
 * batches, a torn tail is cut off, redeliveries are recognised, and a full spool waits; the
 * checkpoint keeps being written when the wall clock steps back, close() is not overtaken by a
 * write in flight, and a checkpoint on a deleted segment replays from the next one.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Spool, type SpooledMessage } from '../ingest/index.ts';
import { tempDir, waitFor } from './support/fixtures.ts';

const dirs: Array<{ path: string; remove(): void }> = [];
function freshDir(): string {
  const d = tempDir('spool');
  dirs.push(d);
  return join(d.path, 'spool');
}

/** Replays `spool`, sealing like the writer does; returns messages and the ids of replayed seals. */
function replayAll(spool: Spool): { messages: SpooledMessage[]; seals: string[] } {
  const messages: SpooledMessage[] = [];
  const seals: string[] = [];
  spool.replay(
    (m) => messages.push(m),
    () => seals.push(spool.seal()),
  );
  return { messages, seals };
}

const TOPIC = 'citytwin/v1/sensors/s-5/data';
/** Appends one message and seals it: a batch of one. */
function batchOf(spool: Spool, n: number): string {
  spool.append(TOPIC, payload(n), n, (n % 60000) + 1);
  return spool.seal();
}
/** The checkpoint a batch id leads to, as the file holds it (for batches of one segment). */
const positionAfter = (id: string) => `${id.split('-').at(-3)} ${id.split('-').at(-1)}`;
const checkpointIn = (dir: string) => readFileSync(join(dir, 'checkpoint'), 'utf8').trim();
const segmentsIn = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('seg-'));

const payload = (n: number) => Buffer.from(JSON.stringify({ ts: 1_700_000_000_000 + n, values: { water_level_cm: n } }));

describe('write-ahead spool', () => {
  afterAll(() => {
    for (const d of dirs) d.remove();
  });

  it('replays unstored messages with the same batch ids, and skips stored batches', () => {
    const dir = freshDir();
    const a = Spool.open(dir, { maxBytes: 1 << 30 });
    for (let i = 1; i <= 3; i++) a.append('citytwin/v1/sensors/s-1/data', payload(i), 1000 + i, i);
    const first = a.seal();
    for (let i = 4; i <= 5; i++) a.append('citytwin/v1/sensors/s-1/data', payload(i), 1000 + i, i);
    const second = a.seal();
    a.append('citytwin/v1/sensors/s-1/data', payload(6), 1006, 6);
    a.close();

    // Nothing stored: everything comes back, in order, with the original batch ids.
    const b = Spool.open(dir, { maxBytes: 1 << 30 });
    const r1 = replayAll(b);
    expect(r1.messages.map((m) => m.receivedAt)).toEqual([1001, 1002, 1003, 1004, 1005, 1006]);
    expect(r1.seals).toEqual([first, second]);
    expect(r1.messages[0]!.payload.equals(payload(1))).toBe(true);
    // The first batch is stored: the checkpoint passes it.
    b.stored(first);
    b.close();

    const c = Spool.open(dir, { maxBytes: 1 << 30 });
    const r2 = replayAll(c);
    expect(r2.messages.map((m) => m.receivedAt)).toEqual([1004, 1005, 1006]);
    expect(r2.seals).toEqual([second]);
    // A new seal after the replayed tail covers message 6 and gets a new id.
    const third = c.seal();
    expect(third).not.toBe(second);
    expect(third.startsWith(c.id)).toBe(true);
    // A redelivery of a spooled message (same packet id, topic and payload) is recognised.
    expect(c.isDuplicate(6, 'citytwin/v1/sensors/s-1/data', payload(6))).toBe(true);
    expect(c.isDuplicate(6, 'citytwin/v1/sensors/s-1/data', payload(7))).toBe(false);
    c.close();
  });

  it('cuts a torn record off the end of the spool', () => {
    const dir = freshDir();
    const a = Spool.open(dir, { maxBytes: 1 << 30 });
    a.append('citytwin/v1/sensors/s-2/data', payload(1), 1, 1);
    a.close();
    const seg = readdirSync(dir).find((f) => f.startsWith('seg-'))!;
    // Half a header: what a power loss in the middle of a write can leave.
    appendFileSync(join(dir, seg), Buffer.from([1, 0, 2, 0, 30, 0, 0]));
    const b = Spool.open(dir, { maxBytes: 1 << 30 });
    expect(replayAll(b).messages.length).toBe(1);
    b.append('citytwin/v1/sensors/s-2/data', payload(2), 2, 2);
    b.close();
    const c = Spool.open(dir, { maxBytes: 1 << 30 });
    expect(replayAll(c).messages.map((m) => m.receivedAt)).toEqual([1, 2]);
    c.close();
  });

  it('is full at its limit and has room again once a batch is stored; old segments go', async () => {
    const dir = freshDir();
    const s = Spool.open(dir, { maxBytes: 4096, segmentBytes: 1024 });
    let id = '';
    for (let i = 1; !s.full; i++) {
      s.append('citytwin/v1/sensors/s-3/data', payload(i), i, i);
      if (i % 5 === 0) id = s.seal();
    }
    expect(s.pendingBytes).toBeGreaterThanOrEqual(4096);
    let resumed = false;
    const waiting = s.waitForSpace().then(() => (resumed = true));
    await Promise.resolve();
    expect(resumed).toBe(false);
    s.stored(id);
    await waiting;
    expect(resumed).toBe(true);
    expect(s.pendingBytes).toBeLessThan(4096);
    // Segments wholly before the checkpoint are deleted once the checkpoint is on disk.
    await s.checkpointWritten();
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-')).length).toBeLessThanOrEqual(2);
    s.close();
  });

  it('writes the checkpoint after stored() returns, newest first, at most once per interval; close writes the last', async () => {
    const dir = freshDir();
    const s = Spool.open(dir, { maxBytes: 1 << 30 });
    const ids: string[] = [];
    for (let b = 0; b < 50; b++) {
      s.append('citytwin/v1/sensors/s-4/data', payload(b), b, (b % 60000) + 1);
      ids.push(s.seal());
    }
    const checkpoint = () => (existsSync(join(dir, 'checkpoint')) ? readFileSync(join(dir, 'checkpoint'), 'utf8').trim() : null);
    s.stored(ids[0]!);
    // Not on disk inside stored(): the event loop is not held by the file system.
    expect(checkpoint()).toBeNull();
    expect(s.pendingBytes).toBeGreaterThan(0);
    for (const id of ids.slice(1, 49)) s.stored(id);
    await s.checkpointWritten();
    // One write for the first batch, one for the 48 that came while it was in flight.
    expect(s.checkpointWrites).toBe(2);
    const end49 = ids[48]!.split('-').at(-1);
    expect(checkpoint()).toBe(`0 ${end49}`);
    // Within the interval after a write, the next one waits (the file stays at the last write).
    const tDir = freshDir();
    const t = Spool.open(tDir, { maxBytes: 1 << 30, checkpointIntervalMs: 60_000 });
    t.append('citytwin/v1/sensors/s-4/data', payload(1), 1, 1);
    const first = t.seal();
    t.append('citytwin/v1/sensors/s-4/data', payload(2), 2, 2);
    const second = t.seal();
    t.stored(first);
    await t.checkpointWritten();
    t.stored(second);
    expect(t.checkpointWrites).toBe(1);
    expect(readFileSync(join(tDir, 'checkpoint'), 'utf8').trim()).toBe(`0 ${first.split('-').at(-1)}`);
    expect(t.pendingBytes).toBe(0);
    t.close(); // writes it without waiting out the interval
    expect(readFileSync(join(tDir, 'checkpoint'), 'utf8').trim()).toBe(`0 ${second.split('-').at(-1)}`);
    await t.checkpointWritten();
    s.stored(ids[49]!);
    s.close();
    expect(checkpoint()).toBe(`0 ${ids[49]!.split('-').at(-1)}`);
    expect(s.pendingBytes).toBe(0);
    // A later write of the spool's own cannot land after close.
    await s.checkpointWritten();
    expect(checkpoint()).toBe(`0 ${ids[49]!.split('-').at(-1)}`);
    const again = Spool.open(dir, { maxBytes: 1 << 30 });
    expect(replayAll(again).messages).toEqual([]);
    again.close();
  });

  it('recognises a redelivered large message by digest, after a restart too, without keeping its payload', () => {
    const dir = freshDir();
    const big = Buffer.alloc(300 * 1024, 0x61);
    const other = Buffer.from(big);
    other[other.length - 1] = 0x62;
    const a = Spool.open(dir, { maxBytes: 1 << 30 });
    a.append('citytwin/v1/sensors/s-big/data', big, 1000, 9);
    expect(a.isDuplicate(9, 'citytwin/v1/sensors/s-big/data', Buffer.from(big))).toBe(true);
    expect(a.isDuplicate(9, 'citytwin/v1/sensors/s-big/data', other)).toBe(false);
    expect(a.isDuplicate(9, 'citytwin/v1/sensors/s-other/data', big)).toBe(false);
    a.close();
    const b = Spool.open(dir, { maxBytes: 1 << 30 });
    replayAll(b);
    expect(b.isDuplicate(9, 'citytwin/v1/sensors/s-big/data', big)).toBe(true);
    expect(b.isDuplicate(9, 'citytwin/v1/sensors/s-big/data', other)).toBe(false);
    b.close();
  });

  it('writes the checkpoint within its interval after the wall clock steps back an hour', async () => {
    const dir = freshDir();
    const s = Spool.open(dir, { maxBytes: 1 << 30, checkpointIntervalMs: 20 });
    s.stored(batchOf(s, 1));
    await s.checkpointWritten();
    expect(s.checkpointWrites).toBe(1);
    const wall = Date.now;
    // An NTP step or a VM resume: the wall clock goes back an hour and runs on from there.
    const stepped = vi.spyOn(Date, 'now').mockImplementation(() => wall() - 3_600_000);
    let second = '';
    try {
      second = batchOf(s, 2);
      s.stored(second);
      await waitFor('a checkpoint write after the wall clock stepped back', () => s.checkpointWrites === 2, 10_000, 5);
    } finally {
      stepped.mockRestore();
    }
    expect(checkpointIn(dir)).toBe(positionAfter(second));
    s.close();

    // A clock that goes back (the spool's own, injected here) holds a write no longer than the interval.
    const tDir = freshDir();
    let now = 1_000_000_000;
    const t = Spool.open(tDir, { maxBytes: 1 << 30, checkpointIntervalMs: 20, clock: () => now });
    t.stored(batchOf(t, 1));
    await t.checkpointWritten();
    now -= 3_600_000;
    const next = batchOf(t, 2);
    t.stored(next);
    await waitFor('a checkpoint write after the spool clock went back', () => t.checkpointWrites === 2, 10_000, 5);
    expect(checkpointIn(tDir)).toBe(positionAfter(next));
    t.close();
  });

  it('close() during a checkpoint write in flight leaves the newest checkpoint and does not throw', async () => {
    // close() at every point of the write for the first stored batch (file write, rename,
    // segment deletions) and of the write for the rest that follows it.
    for (let turns = 0; turns < 40; turns++) {
      const dir = freshDir();
      const s = Spool.open(dir, { maxBytes: 1 << 30, segmentBytes: 256, checkpointIntervalMs: 0 });
      const ids = Array.from({ length: 12 }, (_, i) => batchOf(s, i + 1));
      s.stored(ids[0]!);
      for (const id of ids.slice(1, 11)) s.stored(id);
      for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
      expect(() => s.close()).not.toThrow();
      await s.checkpointWritten();
      // Let any file operation still under way land before looking.
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      expect({ turns, checkpoint: checkpointIn(dir) }).toEqual({ turns, checkpoint: positionAfter(ids[10]!) });
      const again = Spool.open(dir, { maxBytes: 1 << 30 });
      expect(replayAll(again).seals).toEqual([ids[11]]);
      again.close();
    }
  });

  it('replays from the start of the next segment when the checkpoint names a deleted one', () => {
    const dir = freshDir();
    const s = Spool.open(dir, { maxBytes: 1 << 30, segmentBytes: 256 });
    const ids = Array.from({ length: 12 }, (_, i) => batchOf(s, i + 1));
    const firstOfSeg2 = ids.findIndex((id) => id.split('-').at(-3) === '2');
    s.stored(ids[firstOfSeg2 - 1]!);
    s.close();
    expect(segmentsIn(dir)[0]).toBe('seg-000000000002.log');
    // What a checkpoint write overtaking the shutdown's leaves: a position in segment 0, deleted.
    writeFileSync(join(dir, 'checkpoint'), `0 ${positionAfter(ids[0]!).split(' ')[1]}\n`);
    const again = Spool.open(dir, { maxBytes: 1 << 30 });
    const unstored = segmentsIn(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(again.pendingBytes).toBe(unstored);
    const r = replayAll(again);
    expect(r.seals).toEqual(ids.slice(firstOfSeg2));
    expect(r.messages.map((m) => m.receivedAt)).toEqual(ids.slice(firstOfSeg2).map((_, i) => firstOfSeg2 + i + 1));
    again.close();
  });
});
