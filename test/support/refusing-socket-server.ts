/**
 * A real socket.io server on loopback whose handshake check refuses the first handshakes, for the
 * console's retry after a refused handshake (web/client/stream: live-stream, refused-retry).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { expect } from 'vitest';

export interface RefusingServer {
  /** The server's address, `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** How many handshakes it has seen, refused ones included. */
  readonly seen: { handshakes: number };
  /** Closes the socket.io server and its HTTP server. */
  close(): Promise<void>;
}

/** A server (WebSocket only) that refuses the first `refusals` handshakes with `status`, then accepts. */
export async function refusingServer(refusals: number, status: number): Promise<RefusingServer> {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
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
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    seen,
    async close() {
      server.close();
      if (http.listening) await new Promise((r) => http.close(r));
    },
  };
}

/** Waits until `check` holds, looking every 50 ms at most 300 times (the retries wait 1 s, then 2 s), then asserts it. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let k = 0; k < 300 && !check(); k++) await new Promise((r) => setTimeout(r, 50));
  expect(check(), what).toBe(true);
}
