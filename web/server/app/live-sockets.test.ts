/**
 * Which rooms have a client of this node: the deltas are encoded and sent only to rooms that
 * have one (a broadcast encodes its message even for an empty room). A real socket.io server
 * and client on loopback.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { hasLocalListeners, type LiveIo } from './live-sockets.ts';

describe('live rooms', () => {
  const http = createServer();
  const io: LiveIo = new Server(http);
  afterAll(async () => {
    await io.close();
  });

  it('has listeners in a room only while a connected client is in it', async () => {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const left = new Promise<void>((resolve) => io.on('connection', (socket) => socket.once('disconnect', () => resolve())));
    const joined = new Promise<void>((resolve) =>
      io.on('connection', (socket) => {
        void socket.join('live:all');
        resolve();
      }),
    );
    expect(hasLocalListeners(io, 'live:all')).toBe(false);
    const client = connectSocket(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'] });
    await joined;
    expect(hasLocalListeners(io, 'live:all')).toBe(true);
    expect(hasLocalListeners(io, 'live:internal')).toBe(false);
    client.disconnect();
    await left;
    expect(hasLocalListeners(io, 'live:all')).toBe(false);
  });
});
