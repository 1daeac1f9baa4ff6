/**
 * The retry after a refused handshake that the console's live stream and the case desk share,
 * on a real socket.io server and client (loopback).
 */
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type RefusingServer, refusingServer, until } from '../../../test/support/refusing-socket-server.ts';
import { retryRefusedHandshakes } from './refused-retry.ts';

let refusing: RefusingServer | null = null;
let client: Socket | null = null;

afterEach(async () => {
  client?.close();
  await refusing?.close();
  [refusing, client] = [null, null];
});

/** A socket to `url` retrying refused handshakes while `wanted()`, connecting; the waits it told of. */
function retrying(url: string, wanted: () => boolean) {
  const socket = connect(url, { transports: ['websocket'], autoConnect: false });
  client = socket;
  const waits: number[] = [];
  retryRefusedHandshakes(socket, wanted, (_err, wait) => waits.push(wait));
  socket.connect();
  return { socket, waits };
}

describe('retryRefusedHandshakes', () => {
  it('connects a socket refused twice (500), telling of each wait: 1 s, then 2 s', async () => {
    refusing = await refusingServer(2, 500);
    const { seen } = refusing;
    const { socket, waits } = retrying(refusing.url, () => true);
    await until(() => socket.connected, 'connected after two refusals');
    expect(seen.handshakes).toBe(3);
    expect(waits).toEqual([1_000, 2_000]);
  });

  it('does not try again once the page no longer wants the socket, nor after a 401', async () => {
    for (const [status, wanted] of [
      [500, false],
      [401, true],
    ] as const) {
      refusing = await refusingServer(1, status);
      const { seen } = refusing;
      const { socket, waits } = retrying(refusing.url, () => wanted);
      await until(() => seen.handshakes === 1, 'refused once');
      // Longer than the first retry's wait: a retry would have made a second handshake by now.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(seen.handshakes, `status ${status}`).toBe(1);
      expect(socket.connected).toBe(false);
      expect(waits).toEqual(status === 401 ? [] : [1_000]);
      socket.close();
      await refusing.close();
    }
  });
});
