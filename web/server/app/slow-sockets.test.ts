/**
 * SlowSocketGuard on a real socket.io server and a client that stops reading (loopback): one
 * table larger than the bound, being written, does not cut a console; what waits behind it does.
 */
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { RawSocketIo } from '../../../test/support/raw-socket-io.ts';
import { SlowSocketGuard, socketBacklog } from './slow-sockets.ts';

const MB = 1024 * 1024;
let http: HttpServer | null = null;
let io: Server | null = null;
const raws: RawSocketIo[] = [];

afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  io?.close();
  if (http?.listening) await new Promise((r) => http!.close(r));
  [http, io] = [null, null];
});

/** One more client of a socket.io server (started on first use) that has stopped reading. */
async function pausedClient(): Promise<{ socket: Socket; raw: RawSocketIo }> {
  if (!http) {
    http = createServer();
    io = new Server(http, { transports: ['websocket'] });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
  }
  const connected = once(io!, 'connection');
  const raw = await RawSocketIo.open(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
  raws.push(raw);
  raw.pause();
  raw.connect({});
  return { socket: (await connected)[0] as Socket, raw };
}

/** Waits (bounded) until more than `bytes` wait in this process for `socket`. */
async function untilWaiting(socket: Socket, bytes: number): Promise<void> {
  for (let k = 0; k < 500 && socketBacklog(socket).bytes <= bytes; k++) await new Promise((r) => setTimeout(r, 10));
  expect(socketBacklog(socket).bytes).toBeGreaterThan(bytes);
}

/** Waits (bounded) until the server has seen `socket`'s connection end. */
async function untilDisconnected(socket: Socket): Promise<void> {
  for (let k = 0; k < 500 && !socket.disconnected; k++) await new Promise((r) => setTimeout(r, 10));
  expect(socket.disconnected).toBe(true);
}

/**
 * Two clients that have stopped reading, each sent one table of the given size (MB) and waiting
 * for more than 2 MB of it, and a guard with a total bound of 4 MB for clients that read nothing.
 */
async function twoTables(aMB: number, bMB: number, maxTotalBytesReading = 1024 * MB) {
  const a = await pausedClient();
  const b = await pausedClient();
  const guard = new SlowSocketGuard({ maxBytes: 1024 * MB, maxPackets: 1000, maxTotalBytes: 4 * MB, maxTotalBytesReading });
  a.socket.emit('snapshot', 'x'.repeat(aMB * MB));
  b.socket.emit('snapshot', 'y'.repeat(bMB * MB));
  await untilWaiting(a.socket, 2 * MB);
  await untilWaiting(b.socket, 2 * MB);
  return { a, b, guard };
}

/** After a sweep: exactly `cut` was let go, `kept` still connected. */
async function onlyCut(guard: SlowSocketGuard, cut: Socket, kept: Socket): Promise<void> {
  expect(guard.disconnected).toBe(1);
  await untilDisconnected(cut);
  expect(kept.disconnected).toBe(false);
}

describe('SlowSocketGuard', () => {
  it('does not cut a console for the one table it is being sent, however large; it cuts it for what waits behind', async () => {
    const { socket } = await pausedClient();
    const guard = new SlowSocketGuard({ maxBytes: 1 * MB, maxPackets: 1000, maxTotalBytes: 1024 * MB, maxTotalBytesReading: 1024 * MB });
    // One table of 16 MB: the kernel takes a part, the rest waits in the process, over the bound.
    socket.emit('snapshot', 'x'.repeat(16 * MB));
    await untilWaiting(socket, 2 * MB);
    expect(guard.check(socket)).toBe(false);
    guard.sweep([socket]);
    expect(socket.disconnected).toBe(false);
    expect(guard.disconnected).toBe(0);
    // Deltas behind it, under the bound: still a console that reads slowly.
    for (let k = 0; k < 10; k++) socket.emit('delta', 'd'.repeat(10_000));
    expect(guard.check(socket)).toBe(false);
    // A second table behind the first: more than the bound waits besides the one being written.
    socket.emit('snapshot', 'y'.repeat(2 * MB));
    expect(guard.check(socket)).toBe(true);
    expect(guard.disconnected).toBe(1);
  });

  it('over the total, cuts the clients that read nothing since the last sweep and keeps the ones that read', async () => {
    const { a: idle, b: reader, guard } = await twoTables(16, 16);
    // First sight: both were just sent a table, neither is judged yet.
    guard.sweep([idle.socket, reader.socket]);
    expect(guard.disconnected).toBe(0);
    // The reader takes some of its table; the idle client takes nothing.
    const before = socketBacklog(reader.socket).writing;
    reader.raw.resume();
    for (let k = 0; k < 500 && socketBacklog(reader.socket).writing === before; k++) await new Promise((r) => setTimeout(r, 10));
    reader.raw.pause();
    expect(socketBacklog(reader.socket).writing).not.toBe(before);
    guard.sweep([idle.socket, reader.socket]);
    await onlyCut(guard, idle.socket, reader.socket);
  });

  it('keeps a client that reads part of one large table although the WebSocket buffer has not changed yet', async () => {
    const { a: idle, b: reader, guard } = await twoTables(16, 16);
    guard.sweep([idle.socket, reader.socket]);
    const before = socketBacklog(reader.socket).writing;
    // A slow link: the reader takes 2 MB of its table, far from the whole frame of 16 MB.
    let taken = 0;
    for (let k = 0; k < 500 && taken < 2 * MB; k++) {
      for (let chunk = reader.raw.tcp.read(); chunk !== null && taken < 2 * MB; chunk = reader.raw.tcp.read()) taken += chunk.length;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(taken).toBeGreaterThanOrEqual(2 * MB);
    // The frame is still being written, so the WebSocket's buffer is the same; the kernel's queue moved.
    expect(socketBacklog(reader.socket).writing).toBe(before);
    guard.sweep([idle.socket, reader.socket]);
    await onlyCut(guard, idle.socket, reader.socket);
  });

  it('cuts clients that read, the biggest first, once the total passes the bound for readers', async () => {
    const { a: small, b: big, guard } = await twoTables(8, 16, 12 * MB);
    await untilWaiting(big.socket, 8 * MB);
    // Seen for the first time, both count as reading: only the bound for readers applies.
    guard.sweep([small.socket, big.socket]);
    await onlyCut(guard, big.socket, small.socket);
  });
});
