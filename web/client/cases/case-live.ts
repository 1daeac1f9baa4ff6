/**
 * The case desk's live updates: the `case` event on socket.io (signed in by the session cookie),
 * merged into the list the page shows. While the socket is down the page falls back to reading
 * the list every {@link FALLBACK_POLL_MS}; on every (re)connect it reads the list once, to catch
 * up on what it missed. A handshake the server refused (other than signed out) is tried again
 * after a wait (stream/refused-retry.ts): socket.io does not retry a refusal by itself.
 */
import { io, type Socket } from 'socket.io-client';
import type { CaseUpdateMessage } from '../../shared/case-protocol.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts';
import { bearerToken } from '../backend/session.ts';
import { retryRefusedHandshakes } from '../stream/refused-retry.ts';

/** How often the list is read while the socket is down. */
export const FALLBACK_POLL_MS = 60_000;

export interface CaseLive {
  connected(): boolean;
  close(): void;
}

export interface CaseLiveHandlers {
  onCase(msg: CaseUpdateMessage): void;
  /** Read the list again: on (re)connect and, while disconnected, every FALLBACK_POLL_MS. */
  reload(): void;
}

export function followCaseDesk(handlers: CaseLiveHandlers): CaseLive {
  const token = bearerToken();
  const socket = io({ ...(token ? { auth: { token } } : {}) }) as Socket<ServerToClientEvents, ClientToServerEvents>;
  let poll: ReturnType<typeof setInterval> | null = null;
  const stopPolling = () => {
    if (poll !== null) clearInterval(poll);
    poll = null;
  };
  const startPolling = () => {
    poll ??= setInterval(() => handlers.reload(), FALLBACK_POLL_MS);
  };
  let closed = false;
  socket.on('connect', () => {
    stopPolling();
    handlers.reload();
  });
  socket.on('disconnect', startPolling);
  socket.on('connect_error', startPolling);
  retryRefusedHandshakes(socket, () => !closed);
  socket.on('case', (msg) => handlers.onCase(msg));
  return {
    connected: () => socket.connected,
    close: () => {
      closed = true;
      stopPolling();
      socket.close();
    },
  };
}
