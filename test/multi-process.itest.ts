/**
 * Several processes, as deployed: two `citytwin ingest` workers sharing the topics through an
 * MQTT shared subscription on a real Mosquitto, and two `citytwin web` nodes on socket.io's
 * Redis adapter with a real redis-server — six separate processes, all started here.
 *
 * What is real and what is substituted: the broker, Redis, the processes and their roles are
 * real. A shared ClickHouse server is not available on this machine, and the embedded engine
 * binds one data directory per process, so each process has its own embedded store. "Stored
 * once" is therefore checked across the two workers' stores: together they hold every sent
 * reading, no reading is in both, and neither holds a duplicate row. With a ClickHouse server
 * (CITYTWIN_CLICKHOUSE_URL) the same workers write into one store. The web nodes' own stores
 * stay empty of readings (their twins are fed by MQTT, which is what is tested here); one of them,
 * the twin writer, stores incident changes, and the other mirrors them and forwards actions (and
 * hotline cases) to it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../twin-model/index.ts';
import { startCityTwinProcess, TSX, type CityTwinProcess } from './support/citytwin-process.ts';
import { consoleEnv, consoleFetch, openLiveView, type LiveView } from './support/console-client.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { startRedis, type RedisServer } from './support/redis.ts';

const SENSORS = 2000;
const BAD = 150;
const PREFIX = 'mp-';

/** One Prometheus sample, by name and labels as printed. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

/** A web node's metrics (signed in), or a worker's (its HTTP server has no login: loopback or probe token). */
async function metrics(url: string, worker = false): Promise<string> {
  return (worker ? await fetch(new URL('/metrics', url)) : await consoleFetch(url, '/metrics')).text();
}

async function census(dataDir: string): Promise<{ keys: string[]; rawRows: number; deadLetters: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join('test', 'support', 'store-census.ts'), dataDir, PREFIX], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`census of ${dataDir} exited with ${code}`)),
    );
  });
}

describe('two ingest workers on a shared subscription, two web nodes on the Redis adapter', () => {
  const dirs = ['ingest-a', 'ingest-b', 'web-a', 'web-b'].map((n) => tempDir(`mp-${n}`));
  let mosquitto: Mosquitto;
  let redis: RedisServer;
  let workers: CityTwinProcess[] = [];
  let webs: CityTwinProcess[] = [];
  let clients: LiveView[] = [];
  let publisher: mqtt.MqttClient;
  const base = Date.now() - 60_000;

  beforeAll(async () => {
    [mosquitto, redis] = await Promise.all([startMosquitto(), startRedis()]);
    const common = {
      ...consoleEnv,
      CITYTWIN_MQTT_URL: mosquitto.url,
      CITYTWIN_LOG_LEVEL: 'info',
      CITYTWIN_SENSORS: '50',
      CITYTWIN_HTTP_HOST: '127.0.0.1',
    };
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    [workers, webs] = await Promise.all([
      Promise.all(
        ['a', 'b'].map((n, k) =>
          startCityTwinProcess('ingest', {
            ...common,
            CITYTWIN_MQTT_SHARE_GROUP: 'ingest',
            CITYTWIN_WORKER_ID: `ingest-${n}`,
            CITYTWIN_HTTP_PORT: String(ports[k]),
            CITYTWIN_DATA_DIR: dirs[k]!.path,
            CITYTWIN_BATCH_MAX_DELAY_MS: '50',
          }),
        ),
      ),
      Promise.all(
        ['a', 'b'].map((n, k) =>
          startCityTwinProcess('web', {
            ...common,
            CITYTWIN_REDIS_URL: redis.url,
            CITYTWIN_WORKER_ID: `web-${n}`,
            CITYTWIN_HTTP_PORT: String(ports[k + 2]),
            CITYTWIN_DATA_DIR: dirs[k + 2]!.path,
          }),
        ),
      ),
    ]);
    // Two operators on each node.
    clients = await Promise.all([webs[0]!, webs[0]!, webs[1]!, webs[1]!].map((w) => openLiveView(w.url)));
    await waitFor('a snapshot on every client', () => clients.every((c) => c.snapshots.length > 0));
    publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'mp-publisher' });
  });

  afterAll(async () => {
    for (const c of clients) c.socket.close();
    await publisher?.endAsync();
    await Promise.all([...workers, ...webs].map((p) => p.stop()));
    await Promise.all([mosquitto?.stop(), redis?.stop()]);
    for (const d of dirs) d.remove();
  });

  it('shows every update on every client of every web node, each on its own node’s stream', async () => {
    for (let i = 0; i < SENSORS; i++) {
      const id = `${PREFIX}${String(i).padStart(5, '0')}`;
      void publisher.publish(topics.sensorData(id), JSON.stringify({ ts: base + i, values: { water_level_cm: i % 97 } }), { qos: 1 });
    }
    for (let i = 0; i < BAD; i++)
      void publisher.publish(topics.sensorData(`${PREFIX}bad`), i % 2 ? '{broken' : JSON.stringify({ ts: 'never', values: {} }), {
        qos: 1,
      });
    const seesAll = (c: LiveView) => {
      for (let i = 0; i < SENSORS; i++) {
        const v = c.view.get(`${PREFIX}${String(i).padStart(5, '0')}`);
        if (!v || v[1] !== i % 97) return false;
      }
      return true;
    };
    await waitFor('every sensor with its value on all four clients', () => clients.every(seesAll), 60_000);
    // Deltas are per node: a client only ever gets its own node's epoch, with no gap in seq.
    for (const c of clients) {
      const epoch = c.snapshots[0]!.epoch;
      expect(c.deltas.every((d) => d.epoch === epoch)).toBe(true);
      const seqs = c.deltas.map((d) => d.seq);
      expect(seqs).toEqual(seqs.map((_, k) => c.snapshots[0]!.seq + 1 + k));
    }
    expect(clients[0]!.snapshots[0]!.epoch).not.toBe(clients[2]!.snapshots[0]!.epoch);
  });

  it('aggregates both workers’ counters on each web node, and sees the other web node through Redis', async () => {
    const total = SENSORS + BAD;
    for (const web of webs) {
      const text = await waitFor(
        `web node ${web.url} to sum both workers' figures to ${total}`,
        async () => {
          const t = await metrics(web.url);
          // The other web node's clients are known as of its last presence beat (cluster-bus.ts,
          // every PRESENCE_EVERY_MS): a node that beat before its clients connected counts 0 until
          // its next beat, so the cluster's figures are waited for like the workers' totals.
          return sample(t, 'citytwin_ingest_messages_total{outcome="stored"}') === SENSORS &&
            sample(t, 'citytwin_ingest_messages_total{outcome="rejected"}') === BAD &&
            sample(t, 'citytwin_web_cluster_clients') === 4
            ? t
            : null;
        },
        30_000,
        200,
      );
      expect(sample(text, 'citytwin_ingest_messages_total{outcome="received"}')).toBe(total);
      expect(sample(text, 'citytwin_ingest_workers{state="live"}')).toBe(2);
      expect(sample(text, 'citytwin_web_nodes')).toBe(2);
      expect(sample(text, 'citytwin_web_cluster_clients')).toBe(4);
      expect(sample(text, 'citytwin_web_connected_clients')).toBe(2);
    }
    // The status strip gets the same figures. A push carries the cluster's figures as the node last
    // counted them (both web nodes, their clients), which can come a push after the workers' totals.
    const strip = await waitFor('a stats push with both workers and both web nodes', () =>
      clients[3]!.stats.findLast((s) => s.ingestWorkers === 2 && s.storedTotal === SENSORS && s.webNodes === 2),
    );
    expect(strip).toMatchObject({
      receivedTotal: total,
      rejectedTotal: BAD,
      clusterClients: 4,
      webNodes: 2,
      connectedClients: 2,
      storage: 'ok',
      broker: 'ok',
    });

    // Each worker took a share, serves its own health and metrics, and its books balance.
    let sum = 0;
    for (const w of workers) {
      const health = await fetch(new URL('/api/health', w.url));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        parts: { broker: { status: 'ok' }, clickhouse: { status: 'ok' }, ingest: { status: 'ok' } },
      });
      const t = await metrics(w.url, true);
      const received = sample(t, 'citytwin_ingest_messages_total{outcome="received"}')!;
      expect(received).toBeGreaterThan(0);
      expect(received).toBe(
        sample(t, 'citytwin_ingest_messages_total{outcome="stored"}')! + sample(t, 'citytwin_ingest_messages_total{outcome="rejected"}')!,
      );
      // The other worker's stats messages arrive on the shared subscription too, and are ignored.
      expect(sample(t, 'citytwin_ingest_dead_letters_written_total')).toBe(sample(t, 'citytwin_ingest_messages_total{outcome="rejected"}'));
      sum += received;
      expect((await fetch(new URL('/api/sensors', w.url))).status).toBe(404);
    }
    expect(sum).toBe(total);
  });

  it('stores every message exactly once across the workers’ stores', async () => {
    // SIGTERM: each worker writes what is pending, then exits 0; the census reads its store.
    expect(await Promise.all(workers.map((w) => w.stop()))).toEqual([0, 0]);
    const [a, b] = await Promise.all([census(dirs[0]!.path), census(dirs[1]!.path)]);
    expect(a!.keys.length).toBeGreaterThan(0);
    expect(b!.keys.length).toBeGreaterThan(0);
    const inA = new Set(a!.keys);
    expect(b!.keys.filter((k) => inA.has(k))).toEqual([]);
    expect(a!.keys.length + b!.keys.length).toBe(SENSORS);
    expect(new Set([...a!.keys, ...b!.keys]).size).toBe(SENSORS);
    // No duplicate rows waiting for a merge either.
    expect(a!.rawRows).toBe(a!.keys.length);
    expect(b!.rawRows).toBe(b!.keys.length);
    expect(a!.deadLetters + b!.deadLetters).toBe(BAD);
  });

  it('has one twin writer: both nodes show its incidents, an action on the other node is forwarded to it', async () => {
    const writerFlag = async (url: string) => sample(await metrics(url), 'citytwin_twin_writer');
    const flags = await waitFor('one web node to hold the twin-writer lease', async () => {
      const f = await Promise.all(webs.map((w) => writerFlag(w.url)));
      return f.filter((x) => x === 1).length === 1 && f.filter((x) => x === 0).length === 1 ? f : null;
    });
    const writer = webs[flags.indexOf(1)]!;
    const other = webs[flags.indexOf(0)]!;
    // A manual report opens an incident on its own.
    const report = (id: string, lng: number, lat: number) =>
      publisher.publishAsync(
        topics.event('field-staff'),
        JSON.stringify({ id, ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng, lat, severity: 3 }),
        { qos: 1 },
      );
    const incidents = async (url: string) =>
      (await (await consoleFetch(url, '/api/incidents')).json()) as Array<{ id: string; status: string }>;
    await report('mp-r1', 114.3, 30.58);
    const [onWriter, onOther] = await waitFor('the incident on both nodes', async () => {
      const both = await Promise.all([incidents(writer.url), incidents(other.url)]);
      return both.every((l) => l.length === 1) ? both : null;
    });
    expect(onOther![0]!.id).toBe(onWriter![0]!.id);
    const first = onWriter![0]!.id;

    // The operator is on the other node: the action is applied by the writer and shown everywhere.
    const ack = await consoleFetch(other.url, `/api/incidents/${first}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'acknowledge', reason: 'on the other node' }),
    });
    expect(ack.status).toBe(200);
    await waitFor('the acknowledgement on both nodes', async () =>
      (await Promise.all(webs.map((w) => incidents(w.url)))).every((l) => l[0]?.status === 'acknowledged'),
    );
    const detail = (await (await consoleFetch(writer.url, `/api/incidents/${first}`)).json()) as {
      history: Array<{ what: string; actor: string; detail: string }>;
    };
    expect(detail.history.find((h) => h.what === 'acknowledged')).toMatchObject({
      actor: 'admin',
      detail: 'acknowledged (on the other node)',
    });
    // Acting twice is refused by the writer with its reason.
    const again = await consoleFetch(other.url, `/api/incidents/${first}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'acknowledge' }),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/acknowledged, not open/);

    // Dispatch from the other node: forwarded to the writer, the unit's new status mirrored back.
    const recs = (await (await consoleFetch(other.url, `/api/incidents/${first}/recommendations`)).json()) as Array<{
      unitId: string;
      kind: string;
      version: number;
    }>;
    expect(recs[0]!.kind).toBe('pump_team');
    const sent = await consoleFetch(other.url, `/api/incidents/${first}/dispatch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ unitIds: [recs[0]!.unitId], expectedVersions: { [recs[0]!.unitId]: recs[0]!.version } }),
    });
    expect(sent.status).toBe(200);
    const unitOn = async (url: string) =>
      (await (await consoleFetch(url, `/api/units/${recs[0]!.unitId}`)).json()) as { status: string; incidentId?: string };
    await waitFor('the unit dispatched on both nodes', async () =>
      (await Promise.all(webs.map((w) => unitOn(w.url)))).every((u) => u.status === 'dispatched' && u.incidentId === first),
    );
    const twice = await consoleFetch(writer.url, `/api/incidents/${first}/dispatch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ unitIds: [recs[0]!.unitId], expectedVersions: { [recs[0]!.unitId]: recs[0]!.version } }),
    });
    expect(twice.status).toBe(409);

    // A hotline case handed to the other node is taken in by the writer's case desk, once.
    const hotlineCase = JSON.stringify({
      externalId: 'mp-case-1',
      category: 'traffic',
      text: '路口拥堵',
      lng: 114.26,
      lat: 30.53,
      receivedAt: Date.now(),
    });
    const postCase = (url: string) =>
      consoleFetch(url, '/api/cases', { method: 'POST', headers: { 'content-type': 'application/json' }, body: hotlineCase });
    const taken = await postCase(other.url);
    expect(taken.status).toBe(200);
    const made = (await taken.json()) as { caseId: string; duplicate: boolean; status: string; department: string };
    expect(made).toMatchObject({ duplicate: false, status: 'assigned', department: '武汉市公安局交通管理局' });
    // Each process has its own embedded store here, so the case is read on the writer (with a
    // shared ClickHouse every node reads it).
    expect((await consoleFetch(writer.url, `/api/cases/${made.caseId}`)).status).toBe(200);
    expect(await (await postCase(writer.url)).json()).toMatchObject({ caseId: made.caseId, duplicate: true });

    // Only the writer makes and stores changes; the other node mirrors them.
    const [wm, om] = await Promise.all([metrics(writer.url), metrics(other.url)]);
    expect(sample(wm, 'citytwin_incident_changes_total{outcome="made"}')).toBeGreaterThanOrEqual(2);
    expect(sample(om, 'citytwin_incident_changes_total{outcome="made"}')).toBe(0);
    expect(sample(om, 'citytwin_incident_changes_total{outcome="mirrored"}')).toBeGreaterThanOrEqual(2);
    expect(sample(om, 'citytwin_incident_changes_total{outcome="stored"}')).toBe(0);

    // The writer stops: the other node takes over and numbers new incidents after the old ones.
    expect(await writer.stop()).toBe(0);
    await waitFor('the other node to become the writer', async () => (await writerFlag(other.url)) === 1);
    await report('mp-r2', 114.25, 30.52);
    const after = await waitFor('a new incident on the new writer', async () => {
      const l = await incidents(other.url);
      return l.length === 2 ? l : null;
    });
    const second = after.find((i) => i.id !== first)!;
    expect(Number(second.id.slice(4))).toBeGreaterThan(Number(first.slice(4)));
    expect(after.find((i) => i.id === first)!.status).toBe('acknowledged');
    const close = await consoleFetch(other.url, `/api/incidents/${second.id}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'close' }),
    });
    expect(close.status).toBe(200);
  });
});
