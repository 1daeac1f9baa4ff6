/**
 * When a page's socket tries again after the server refused its handshake: socket.io retries a lost
 * transport by itself but never a refusal from the server's handshake check (`connect_error` with
 * `data.status`), so each page's socket does it itself (the console's live stream, the case desk).
 */

/**
 * After the server refused the connection because the account holds as many as it may on that
 * node (429, `CITYTWIN_SOCKETS_PER_ACCOUNT`): socket.io does not retry a refusal by itself, so the
 * console tries again after this long (another of the account's consoles may have closed).
 */
export const ACCOUNT_BUSY_RETRY_MS = 10_000;
/** The first wait after any other refusal the server may lift, doubled each time up to {@link REFUSED_RETRY_MAX_MS}. */
export const REFUSED_RETRY_FIRST_MS = 1_000;
export const REFUSED_RETRY_MAX_MS = 30_000;

/**
 * How long to wait before connecting again after the server refused the handshake with `status`
 * (the `attempt`-th refusal in a row, from 0), or null to not try again. socket.io retries a lost
 * transport by itself but never a refusal, so a console refused once by a server that failed inside
 * (500: a store that did not answer under load) stayed disconnected until reloaded — a wall nobody
 * touches. Signed out (401) is the page's to handle (back to the login page); a full account (429)
 * waits {@link ACCOUNT_BUSY_RETRY_MS}; anything else waits 1, 2, 4 … 30 s.
 */
export function refusedRetryMs(status: number | undefined, attempt: number): number | null {
  if (status === undefined || status === 401) return null;
  if (status === 429) return ACCOUNT_BUSY_RETRY_MS;
  return Math.min(REFUSED_RETRY_MAX_MS, REFUSED_RETRY_FIRST_MS * 2 ** Math.min(attempt, 15));
}

/** A refusal of the server's handshake check as socket.io reports it (`connect_error`). */
export type HandshakeError = Error & { data?: { status?: number } };

/** What {@link retryRefusedHandshakes} needs of a socket.io client socket. */
export interface RetryingSocket {
  readonly connected: boolean;
  connect(): unknown;
  on(event: 'connect', listener: () => void): unknown;
  on(event: 'connect_error', listener: (err: HandshakeError) => void): unknown;
}

/**
 * Tries `socket` again after each handshake the server refused, waiting {@link refusedRetryMs}
 * (the count of refusals in a row starts again on each connect), while `wanted()` (the page has
 * not closed or replaced the socket); `onRetry` hears of each wait. A 401 is never tried again.
 * The console's live stream and the case desk both use it.
 */
export function retryRefusedHandshakes(
  socket: RetryingSocket,
  wanted: () => boolean,
  onRetry?: (err: HandshakeError, waitMs: number) => void,
): void {
  let refusals = 0;
  socket.on('connect', () => {
    refusals = 0;
  });
  socket.on('connect_error', (err) => {
    const wait = refusedRetryMs(err.data?.status, refusals++);
    if (wait === null) return;
    onRetry?.(err, wait);
    globalThis.setTimeout(() => {
      if (wanted() && !socket.connected) socket.connect();
    }, wait);
  });
}
