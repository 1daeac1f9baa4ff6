/**
 * The live stream after a refused handshake, on a real socket.io server and client (loopback):
 * socket.io retries a lost transport by itself but never a refusal from the server's handshake
 * check, so the stream tries again itself.
 */
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveStream, type StreamSocket } from './live-stream.ts';
import { REFUSED_RETRY_MAX_MS, refusedRetryMs } from './refused-retry.ts';

let http: HttpServer | null = null;
let server: Server | null = null;
let stream: LiveStream | null = null;

afterEach(async () => {
  stream?.stop();
  server?.close();
  if (http?.listening) await new Promise((r) => http!.close(r));
  [http, server, stream] = [null, null, null];
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
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  return { url, seen };
}

async function until(check: () => boolean, what: string): Promise<void> {
  // Bounded: 300 looks of 50 ms; the retries below wait 1 s then 2 s.
  for (let k = 0; k < 300 && !check(); k++) await new Promise((r) => setTimeout(r, 50));
  expect(check(), what).toBe(true);
}

describe('live stream: a refused handshake', () => {
  it('connects once a server that failed inside (500) answers again, waiting longer after each refusal', async () => {
    const { url, seen } = await refusingServer(2, 500);
    stream = new LiveStream();
    stream.start(connect(url, { transports: ['websocket'], autoConnect: false }) as StreamSocket);
    await until(() => stream!.counters.connects === 1, 'connected after two refusals');
    expect(seen.handshakes).toBe(3);
    expect(stream.counters.connectErrors).toBe(2);
    expect(stream.counters.lastConnectError).toBe('refused 2');
  });

  it('does not try again after a 401 (the page goes back to the login page)', async () => {
    const { url, seen } = await refusingServer(1, 401);
    stream = new LiveStream();
    stream.start(connect(url, { transports: ['websocket'], autoConnect: false }) as StreamSocket);
    await until(() => stream!.counters.connectErrors === 1, 'refused once');
    // Longer than the first retry's wait: a retry would have made a second handshake by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(seen.handshakes).toBe(1);
    expect(stream.counters.connects).toBe(0);
  });

  it('waits 10 s after a full account, 1, 2, 4 … 30 s after anything else', () => {
    expect(refusedRetryMs(429, 5)).toBe(10_000);
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((a) => refusedRetryMs(503, a))).toEqual([
      1_000,
      2_000,
      4_000,
      8_000,
      16_000,
      REFUSED_RETRY_MAX_MS,
      REFUSED_RETRY_MAX_MS,
      REFUSED_RETRY_MAX_MS,
    ]);
    expect(refusedRetryMs(401, 0)).toBeNull();
    expect(refusedRetryMs(undefined, 0)).toBeNull();
  });
});
