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
let raw: RawSocketIo | null = null;

afterEach(async () => {
  raw?.close();
  io?.close();
  if (http?.listening) await new Promise((r) => http!.close(r));
  [http, io, raw] = [null, null, null];
});

/** A socket.io server and one connected client that has stopped reading. */
async function pausedClient(): Promise<Socket> {
  http = createServer();
  io = new Server(http, { transports: ['websocket'] });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const connected = once(io, 'connection');
  raw = await RawSocketIo.open(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
  raw.pause();
  raw.connect({});
  return (await connected)[0] as Socket;
}

/** Waits (bounded) until more than `bytes` wait in this process for `socket`. */
async function untilWaiting(socket: Socket, bytes: number): Promise<void> {
  for (let k = 0; k < 500 && socketBacklog(socket).bytes <= bytes; k++) await new Promise((r) => setTimeout(r, 10));
  expect(socketBacklog(socket).bytes).toBeGreaterThan(bytes);
}

describe('SlowSocketGuard', () => {
  it('does not cut a console for the one table it is being sent, however large; it cuts it for what waits behind', async () => {
    const socket = await pausedClient();
    const guard = new SlowSocketGuard({ maxBytes: 1 * MB, maxPackets: 1000, maxTotalBytes: 1024 * MB });
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
});
