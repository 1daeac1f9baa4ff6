/**
 * The live stream after a refused handshake, on a real socket.io server and client (loopback):
 * socket.io retries a lost transport by itself but never a refusal from the server's handshake
 * check, so the stream tries again itself.
 */
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type RefusingServer, refusingServer, until } from '../../../test/support/refusing-socket-server.ts';
import { LiveStream, type StreamSocket } from './live-stream.ts';
import { REFUSED_RETRY_MAX_MS, refusedRetryMs } from './refused-retry.ts';

let refusing: RefusingServer | null = null;
let stream: LiveStream | null = null;

afterEach(async () => {
  stream?.stop();
  await refusing?.close();
  [refusing, stream] = [null, null];
});

describe('live stream: a refused handshake', () => {
  it('connects once a server that failed inside (500) answers again, waiting longer after each refusal', async () => {
    refusing = await refusingServer(2, 500);
    const { url, seen } = refusing;
    stream = new LiveStream();
    stream.start(connect(url, { transports: ['websocket'], autoConnect: false }) as StreamSocket);
    await until(() => stream!.counters.connects === 1, 'connected after two refusals');
    expect(seen.handshakes).toBe(3);
    expect(stream.counters.connectErrors).toBe(2);
    expect(stream.counters.lastConnectError).toBe('refused 2');
  });

  it('does not try again after a 401 (the page goes back to the login page)', async () => {
    refusing = await refusingServer(1, 401);
    const { url, seen } = refusing;
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
