/**
 * The console's live stream across faults (web/shared/protocol.ts: snapshot, numbered deltas,
 * `resume`): the console's own stream module (web/client/stream/live-stream.ts with its
 * sequencer and sensor table) driven from Node over socket.io, against `citytwin web` as its
 * own process on a real Mosquitto, while readings flow.
 *
 * 1. Network blip: the client's transport is closed under it and socket.io reconnects within
 *    the server's resume window (600 deltas, 60 s). The client resumes from its last seq: the
 *    deltas it missed are replayed in order, no snapshot, no resync, no delta twice.
 * 2. Web server restart: the process gets SIGTERM mid-flow and starts again on the same port
 *    and data directory (accounts and the token stay valid). The new process has a new epoch,
 *    so the client's `resume` is answered with a snapshot of the new epoch, and deltas follow.
 *
 * After each flow stops, the client's table must equal the server's (`/api/sensors`: same
 * sensors, state, value and time) and hold the last value sent to each sensor.
 *
 * What is real and what is substituted: broker, web process, socket.io and the console's
 * stream code are real; Chromium is not involved (the stream module has no DOM dependency
 * besides `window.setTimeout`, provided here). The web node's twin is fed by its own MQTT
 * subscription, as in the multi-process arrangement; no ingest is needed for the stream.
 */
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStream, type StreamEvent, type StreamSocket } from '../web/client/stream/live-stream.ts';
import type { DeltaMessage, SensorSummary, SnapshotMessage } from '../web/shared/protocol.ts';
import { startCityTwinProcess, type CityTwinProcess } from './support/citytwin-process.ts';
import { consoleEnv, consoleFetch, consoleToken } from './support/console-client.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { pacedFlow } from './support/paced-flow.ts';

// The stream module schedules its reconnect after a server-side disconnect with window.setTimeout.
(globalThis as { window?: unknown }).window ??= globalThis;

const PREFIX = 'sr-';
/** pacedFlow spreads readings over 500 sensors: message n goes to `<prefix>${n % 500}` with value n % 97. */
const FLOW_SENSORS = 500;

/** The value each flow sensor must end with after a flow of `total` messages. */
function lastValues(total: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let n = Math.max(0, total - FLOW_SENSORS); n < total; n++) out.set(`${PREFIX}${n % FLOW_SENSORS}`, n % 97);
  return out;
}

/** Differences between the console's table and the server's sensors (empty when equal). */
function compare(stream: LiveStream, server: SensorSummary[]): string[] {
  const store = stream.store;
  const diffs: string[] = [];
  if (store.count !== server.length) diffs.push(`client has ${store.count} sensors, server ${server.length}`);
  for (const s of server) {
    const i = store.indexOf(s.id);
    if (i < 0) {
      diffs.push(`${s.id} missing on the client`);
      continue;
    }
    const value = s.value === null ? Number.NaN : Math.fround(s.value);
    const same =
      (Number.isNaN(value) ? Number.isNaN(store.value[i]!) : store.value[i] === value) &&
      store.state[i] === s.state &&
      store.ts[i] === (s.ts ?? 0);
    if (!same) diffs.push(`${s.id}: client ${store.value[i]}/${store.state[i]}/${store.ts[i]}, server ${s.value}/${s.state}/${s.ts}`);
  }
  return diffs;
}

describe('console stream: resume after a network blip, resync after a web server restart', () => {
  const dir = tempDir('stream-resume');
  let mosquitto: Mosquitto;
  let web: CityTwinProcess;
  let env: Record<string, string>;
  let publisher: mqtt.MqttClient;
  let socket: Socket;
  const stream = new LiveStream();
  const events: Array<StreamEvent & { at: number }> = [];
  const received: Array<{ epoch: string; seq: number; serverTime: number; at: number }> = [];
  const snapshots: Array<{ epoch: string; seq: number; at: number }> = [];

  const serverSensors = async (): Promise<SensorSummary[]> => {
    const body = (await (await consoleFetch(web.url, '/api/sensors?limit=10000')).json()) as { total: number; sensors: SensorSummary[] };
    return body.sensors;
  };

  /** Waits until the client's table equals the server's and holds the flow's last values; returns the server's sensors. */
  const settle = async (total: number): Promise<SensorSummary[]> => {
    const expected = lastValues(total);
    let last: string[] = [];
    let server: SensorSummary[] = [];
    await waitFor(
      'the client to match the server',
      async () => {
        server = await serverSensors();
        last = compare(stream, server);
        const byId = new Map(server.map((s) => [s.id, s.value]));
        for (const [id, v] of expected) if (byId.get(id) !== v) last.push(`server ${id} = ${byId.get(id)}, last sent ${v}`);
        return last.length === 0;
      },
      20_000,
      250,
    ).catch(() => undefined);
    expect(last.slice(0, 10)).toEqual([]);
    return server;
  };

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    const port = await freePort();
    env = {
      ...consoleEnv,
      CITYTWIN_MQTT_URL: mosquitto.url,
      CITYTWIN_HTTP_PORT: String(port),
      CITYTWIN_HTTP_HOST: '127.0.0.1',
      CITYTWIN_DATA_DIR: dir.path,
      CITYTWIN_SENSORS: '50',
      CITYTWIN_WORKER_ID: 'resume-web',
      CITYTWIN_LOG_LEVEL: 'info',
    };
    web = await startCityTwinProcess('web', env);
    publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'stream-resume-publisher' });
    // As the console does it (web/client/main.ts), with the token in the handshake; the
    // reconnection delay (1–2 s) lets a few deltas pass while the client is away.
    socket = io(web.url, {
      autoConnect: false,
      transports: ['websocket'],
      auth: { token: await consoleToken(web.url) },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 2000,
    });
    socket.on('delta', (d: DeltaMessage) => received.push({ epoch: d.epoch, seq: d.seq, serverTime: d.serverTime, at: Date.now() }));
    socket.on('snapshot', (s: SnapshotMessage) => snapshots.push({ epoch: s.epoch, seq: s.seq, at: Date.now() }));
    stream.subscribe((e) => events.push({ ...e, at: Date.now() }));
    stream.start(socket as StreamSocket);
    await waitFor('the first snapshot', () => stream.counters.snapshots === 1);
  });

  afterAll(async () => {
    stream.stop();
    await publisher?.endAsync();
    await web?.stop();
    await mosquitto?.stop();
    dir.remove();
  });

  it('resumes after a network blip with the missed deltas replayed: no snapshot, no resync, no gap, no duplicate', async () => {
    const TOTAL = 20_000;
    const before = { ...stream.counters };
    const epoch = stream.store.epoch!;
    let cutAt = 0;
    let backAt = 0;
    const reconnected = new Promise<void>((resolve) => {
      stream.subscribe((e) => {
        if (e.type === 'connection' && e.connected && cutAt > 0 && backAt === 0) {
          backAt = Date.now();
          resolve();
        }
      });
    });
    await pacedFlow(publisher, PREFIX, TOTAL, 1_000, (sent) => {
      if (cutAt === 0 && sent >= TOTAL / 3) {
        cutAt = Date.now();
        // The transport goes away under the socket (as when a network path drops); socket.io reconnects.
        socket.io.engine.close();
      }
    });
    await reconnected;
    await settle(TOTAL);
    const replayed = received.filter((d) => d.epoch === epoch && d.serverTime > cutAt && d.serverTime < backAt && d.at >= backAt);
    const inEpoch = received.filter((d) => d.epoch === epoch).map((d) => d.seq);
    console.log(
      `[stream] blip: transport closed for ${backAt - cutAt} ms; ${replayed.length} deltas produced meanwhile were replayed on resume; ${stream.counters.deltasApplied - before.deltasApplied} deltas applied, ${stream.counters.resumesSent - before.resumesSent} resume sent, ${stream.counters.snapshots - before.snapshots} snapshots`,
    );
    expect(backAt).toBeGreaterThan(cutAt);
    expect(stream.counters.resumesSent - before.resumesSent).toBe(1);
    expect(replayed.length).toBeGreaterThan(0);
    // No snapshot, no resync, nothing ignored: every delta of the epoch arrived once, in order.
    expect(stream.counters.snapshots).toBe(before.snapshots);
    expect(snapshots.length).toBe(1);
    expect(events.filter((e) => e.type === 'resync')).toEqual([]);
    expect(stream.counters.deltasIgnored).toBe(0);
    expect(inEpoch).toEqual(inEpoch.map((_, k) => snapshots[0]!.seq + 1 + k));
    expect(stream.store.epoch).toBe(epoch);
  });

  it('resyncs from a snapshot of the new epoch after the web server restarts, and ends equal to the server', async () => {
    const TOTAL = 30_000;
    const oldEpoch = stream.store.epoch!;
    const before = { ...stream.counters };
    const snapshotsBefore = snapshots.length;
    let restart: Promise<void> | null = null;
    let stoppedAt = 0;
    let startedAt = 0;
    let exitCode: number | null = -1;
    await pacedFlow(publisher, PREFIX, TOTAL, 1_000, (sent) => {
      if (restart === null && sent >= TOTAL / 4) {
        restart = (async () => {
          exitCode = await web.stop();
          stoppedAt = Date.now();
          web = await startCityTwinProcess('web', env);
          startedAt = Date.now();
        })();
      }
    });
    await restart;
    expect(exitCode).toBe(0);
    expect(startedAt).toBeGreaterThan(0);
    // The flow went on for a while after the restart; the client is back on the new process.
    await waitFor('the client to reconnect to the restarted web server', () => stream.connected && stream.store.epoch !== oldEpoch, 30_000);
    const server = await settle(TOTAL);
    const newEpoch = stream.store.epoch!;
    const after = snapshots.slice(snapshotsBefore);
    const newDeltas = received.filter((d) => d.epoch === newEpoch).map((d) => d.seq);
    console.log(
      `[stream] restart: web process down ${startedAt - stoppedAt} ms (stop to start-up line); resume with the old epoch answered by ${after.length} snapshot(s) of epoch ${newEpoch}; ${newDeltas.length} deltas since; client and server agree on ${server.length} sensors`,
    );
    expect(newEpoch).not.toBe(oldEpoch);
    // The protocol's path: a resume naming the old epoch, answered with a snapshot of the new one.
    expect(stream.counters.resumesSent - before.resumesSent).toBeGreaterThanOrEqual(1);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.every((s) => s.at >= startedAt - 1_000)).toBe(true);
    expect(after.at(-1)!.epoch).toBe(newEpoch);
    // After the snapshot, the new epoch's deltas follow it with no gap and no repeat.
    const base = after.at(-1)!.seq;
    expect(newDeltas).toEqual(newDeltas.map((_, k) => base + 1 + k));
    expect(stream.counters.deltasIgnored - before.deltasIgnored).toBe(0);
    expect(server.filter((s) => s.id.startsWith(PREFIX)).length).toBe(FLOW_SENSORS);
  });
});
