/**
 * Freshness of what the map shows: whether the stream is live, and how old the newest data on
 * screen is. A frozen map must never look live (product.md), so this is computed on every tick
 * of the client clock, not only when messages arrive.
 */

/** No applied update for longer than this means the stream has stopped. */
export const STREAM_STOP_AFTER_MS = 10_000;
/** Data age up to this is shown as fresh; up to WARN as ageing; beyond as old. */
export const DATA_AGE_OK_MS = 15_000;
export const DATA_AGE_WARN_MS = 60_000;

export interface FreshnessInput {
  /** Client clock now (ms). */
  now: number;
  connected: boolean;
  /** Client time the socket (last) connected, or null if it never did. */
  connectedAt: number | null;
  /** Client time the last snapshot or delta was applied, or null. */
  lastUpdateAt: number | null;
  /** Newest reading time on screen (server clock, ms), 0 if none. */
  newestDataTime: number;
  /** Server clock minus client clock (ms). */
  clockOffsetMs: number;
}

export type StreamCondition = 'live' | 'waiting' | 'disconnected' | 'no-updates';

export interface Freshness {
  condition: StreamCondition;
  /** True when the banner must show: disconnected, or no update for > STREAM_STOP_AFTER_MS. */
  stopped: boolean;
  /** Time since the last applied update (ms), or null before the first one. */
  sinceUpdateMs: number | null;
  /** Age of the newest data on screen on the server clock (ms), or null if there is none. */
  dataAgeMs: number | null;
  level: 'ok' | 'warn' | 'bad';
}

/** Pure. */
export function computeFreshness(input: FreshnessInput): Freshness {
  const sinceUpdateMs = input.lastUpdateAt === null ? null : Math.max(0, input.now - input.lastUpdateAt);
  const dataAgeMs = input.newestDataTime > 0 ? Math.max(0, input.now + input.clockOffsetMs - input.newestDataTime) : null;

  let condition: StreamCondition;
  if (!input.connected) condition = 'disconnected';
  else if (sinceUpdateMs === null) {
    const waited = input.connectedAt === null ? 0 : input.now - input.connectedAt;
    condition = waited > STREAM_STOP_AFTER_MS ? 'no-updates' : 'waiting';
  } else condition = sinceUpdateMs > STREAM_STOP_AFTER_MS ? 'no-updates' : 'live';

  const stopped = condition === 'disconnected' || condition === 'no-updates';
  let level: Freshness['level'];
  if (stopped) level = 'bad';
  else if (dataAgeMs === null || dataAgeMs <= DATA_AGE_OK_MS) level = condition === 'waiting' ? 'warn' : 'ok';
  else level = dataAgeMs <= DATA_AGE_WARN_MS ? 'warn' : 'bad';
  return { condition, stopped, sinceUpdateMs, dataAgeMs, level };
}
