/**
 * The retry after a refused handshake that the console's live stream and the case desk share,
 * on a real socket.io server and client (loopback).
 */
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { retryRefusedHandshakes } from './refused-retry.ts';

let http: HttpServer | null = null;
let server: Server | null = null;
let client: Socket | null = null;

afterEach(async () => {
  client?.close();
  server?.close();
  if (http?.listening) await new Promise((r) => http!.close(r));
  [http, server, client] = [null, null, null];
});

/** A server whose handshake check refuses the first `refusals` handshakes with `status`, then accepts. */
async function refusingServer(refusals: number, status: number) {
  http = createServer();
  server = new Server(http, { transports: ['websocket'] });
  const seen = { handshakes: 0 };
  server.use((_socket, next) => {
    seen.handshakes++;
    if (seen.handshakes > refusals) return next();
    const err = new Error(`refused ${seen.handshakes}`) as Error & { data: { status: number } };
    err.data = { status };
    next(err);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`, seen };
}

async function until(check: () => boolean, what: string): Promise<void> {
  // Bounded: 300 looks of 50 ms; the retries below wait 1 s then 2 s.
  for (let k = 0; k < 300 && !check(); k++) await new Promise((r) => setTimeout(r, 50));
  expect(check(), what).toBe(true);
}

describe('retryRefusedHandshakes', () => {
  it('connects a socket refused twice (500), telling of each wait: 1 s, then 2 s', async () => {
    const { url, seen } = await refusingServer(2, 500);
    const socket = connect(url, { transports: ['websocket'], autoConnect: false });
    client = socket;
    const waits: number[] = [];
    retryRefusedHandshakes(
      socket,
      () => true,
      (_err, wait) => waits.push(wait),
    );
    socket.connect();
    await until(() => socket.connected, 'connected after two refusals');
    expect(seen.handshakes).toBe(3);
    expect(waits).toEqual([1_000, 2_000]);
  });

  it('does not try again once the page no longer wants the socket, nor after a 401', async () => {
    for (const [status, wanted] of [
      [500, false],
      [401, true],
    ] as const) {
      const { url, seen } = await refusingServer(1, status);
      const socket = connect(url, { transports: ['websocket'], autoConnect: false });
      client = socket;
      const waits: number[] = [];
      retryRefusedHandshakes(
        socket,
        () => wanted,
        (_err, wait) => waits.push(wait),
      );
      socket.connect();
      await until(() => seen.handshakes === 1, 'refused once');
      // Longer than the first retry's wait: a retry would have made a second handshake by now.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(seen.handshakes, `status ${status}`).toBe(1);
      expect(socket.connected).toBe(false);
      expect(waits).toEqual(status === 401 ? [] : [1_000]);
      socket.close();
      server!.close();
      await new Promise((r) => http!.close(r));
    }
  });
});
