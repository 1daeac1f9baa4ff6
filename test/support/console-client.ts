/**
 * How a test talks to a console server as an operator would: HTTP requests and the socket.io
 * live stream, signed in as the first admin (the server must start with
 * CITYTWIN_ADMIN_PASSWORD = TEST_ADMIN_PASSWORD, see {@link consoleEnv}). Kept in one place so
 * that a change in how the console authenticates changes one file.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { DeltaMessage, SnapshotMessage, StatsMessage } from '../../web/shared/protocol.ts';
import { decodeDelta } from '../../web/shared/delta-codec.ts';
import { login, mintToken, TEST_ADMIN_PASSWORD } from './auth.ts';

/** Environment a console under test needs so that {@link consoleAuth} can sign in. */
export const consoleEnv: Readonly<Record<string, string>> = { CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD };

const tokens = new Map<string, Promise<string>>();

/** The admin's bearer token for the console at `base` (signed in once per console). */
export function consoleToken(base: string): Promise<string> {
  const origin = new URL(base).origin;
  let token = tokens.get(origin);
  if (!token) {
    token = login(origin, 'admin', TEST_ADMIN_PASSWORD);
    tokens.set(origin, token);
  }
  return token;
}

/** Headers that authenticate a test's requests to `base`. */
export async function consoleAuth(base: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await consoleToken(base)}` };
}

/** A display token (a wall screen's) minted by the console's admin. */
export async function consoleDisplayToken(base: string, name: string): Promise<string> {
  return mintToken(new URL(base).origin, await consoleToken(base), TEST_ADMIN_PASSWORD, { name, kind: 'display' });
}

/** `fetch` relative to the console's URL, authenticated. */
export async function consoleFetch(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  const auth = await consoleAuth(base);
  return fetch(new URL(path, base), { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } });
}

/** A live-stream client that keeps the map view a console would draw. */
export interface LiveView {
  socket: Socket;
  snapshots: SnapshotMessage[];
  deltas: DeltaMessage[];
  stats: StatsMessage[];
  /** Sensor id → [state, headline value]. */
  view: Map<string, [number, number]>;
}

/** Connects an authenticated socket.io client that asks for a snapshot and applies deltas (as admin unless a token is given). */
export async function openLiveView(base: string, token?: string): Promise<LiveView> {
  const socket = connectSocket(base, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token: token ?? (await consoleToken(base)) },
  });
  const client: LiveView = { socket, snapshots: [], deltas: [], stats: [], view: new Map() };
  const ids: string[] = [];
  socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
  socket.on('snapshot', (s: SnapshotMessage) => {
    client.snapshots.push(s);
    for (const x of s.sensors) {
      ids[x.i] = x.id;
      client.view.set(x.id, [x.state, x.value ?? Number.NaN]);
    }
  });
  socket.on('delta', (d: DeltaMessage) => {
    client.deltas.push(d);
    for (const x of d.added) ids[x.i] = x.id;
    const { index, state, value } = decodeDelta(d);
    index.forEach((i, k) => {
      client.view.set(ids[i]!, [state[k]!, value[k]!]);
    });
  });
  socket.on('stats', (s: StatsMessage) => client.stats.push(s));
  return client;
}
