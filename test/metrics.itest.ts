/**
 * `/metrics` of every role passes Prometheus's own linter (`promtool check metrics`, Debian
 * package `prometheus`; CI installs it): `citytwin all` in this process on its embedded broker,
 * and a `citytwin ingest` worker and a `citytwin web` node as processes on a real Mosquitto.
 * Real: brokers, the embedded ClickHouse of each process, HTTP. Each exposition is taken after
 * good and bad messages went through, so the labelled families have samples.
 */
import { spawnSync } from 'node:child_process';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { topics } from '../twin-model/index.ts';
import { type CityTwinProcess, startCityTwinProcess } from './support/citytwin-process.ts';
import { consoleEnv } from './support/console-client.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { startTestCity } from './support/test-city.ts';

/** promtool's verdict on an exposition: its exit status and everything it printed. */
function promtool(text: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw new Error(`promtool is needed for this test (Debian package prometheus): ${run.error.message}`);
  return `${run.status} ${run.stdout}${run.stderr}`.trim();
}

/** Family names with a `# TYPE` line and those with a `# HELP` line. */
function families(text: string): { typed: string[]; helped: string[] } {
  const names = (kind: string) => [...text.matchAll(new RegExp(`^# ${kind} (\\S+) `, 'gm'))].map((m) => m[1]!);
  return { typed: names('TYPE'), helped: names('HELP') };
}

/** One good reading, one bad payload and one unknown topic. */
async function publishSome(client: mqtt.MqttClient, now: number): Promise<void> {
  await client.publishAsync(topics.sensorData('wl-metrics-1'), JSON.stringify({ ts: now, values: { water_level_cm: 12 } }), { qos: 1 });
  await client.publishAsync(topics.sensorData('wl-metrics-1'), '{not json', { qos: 1 });
  await client.publishAsync('citytwin/v1/nowhere/x', '{}', { qos: 1 });
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
};

describe('/metrics of citytwin all', () => {
  const dir = tempDir('metrics-all');
  let app: RunningCityTwin;
  let publisher: mqtt.MqttClient;

  beforeAll(async () => {
    app = await startTestCity(dir.path, { CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
    publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'metrics-all-pub' });
    await publishSome(publisher, Date.now());
    const m = app.ingest!.pipeline.metrics;
    await waitFor('three messages accounted for', () => m.stored + m.rejected >= 3 && app.ingest!.writer.pendingMessages === 0);
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await app?.close();
    dir.remove();
  });

  it('passes promtool, with HELP on every family, the process metrics and every part', async () => {
    const text = await (await fetch(new URL('/metrics', app.url!))).text();
    expect(promtool(text)).toBe('0');
    const { typed, helped } = families(text);
    expect(helped).toEqual(typed);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'citytwin_ingest_messages_total',
      'citytwin_ingest_spool_bytes',
      'citytwin_storage_sample_failures_total',
      'citytwin_auth_logins_total',
      'citytwin_incident_changes_total',
      'citytwin_units',
      'citytwin_audit_entries_total',
      'citytwin_mqtt_refused_publishes_total',
      'citytwin_notify_recipients_total',
      'citytwin_notify_retries_total',
      'citytwin_notify_attempts_total',
      'citytwin_notify_queue_depth',
    ])
      expect(typed).toContain(name);
    expect(sample(text, 'citytwin_ingest_messages_total{outcome="rejected"}')).toBe(2);
    expect(sample(text, 'citytwin_ingest_rejected_total{reason="unknown_topic",source="unknown"}')).toBe(1);
    expect(text).toMatch(/^citytwin_units\{status="available"\} [1-9]/m);
  });
});

describe('/metrics of a citytwin ingest worker and a citytwin web node', () => {
  const dirs = [tempDir('metrics-ingest'), tempDir('metrics-web')];
  let mosquitto: Mosquitto;
  let worker: CityTwinProcess;
  let web: CityTwinProcess;
  let publisher: mqtt.MqttClient;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    const [workerPort, webPort] = await Promise.all([freePort(), freePort()]);
    const common = { ...consoleEnv, CITYTWIN_MQTT_URL: mosquitto.url, CITYTWIN_SENSORS: '50', CITYTWIN_LOG_LEVEL: 'warn' };
    [worker, web] = await Promise.all([
      startCityTwinProcess('ingest', {
        ...common,
        CITYTWIN_WORKER_ID: 'metrics-worker',
        CITYTWIN_HTTP_PORT: String(workerPort),
        CITYTWIN_DATA_DIR: dirs[0]!.path,
        CITYTWIN_BATCH_MAX_DELAY_MS: '50',
      }),
      startCityTwinProcess('web', {
        ...common,
        CITYTWIN_WORKER_ID: 'metrics-web',
        CITYTWIN_HTTP_PORT: String(webPort),
        CITYTWIN_DATA_DIR: dirs[1]!.path,
      }),
    ]);
    publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'metrics-pub' });
    await publishSome(publisher, Date.now());
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await Promise.all([worker?.stop(), web?.stop()]);
    await mosquitto?.stop();
    for (const d of dirs) d.remove();
  });

  it("passes promtool on the worker's ops server, with its ingest and spool figures", async () => {
    const text = await waitFor('the worker to store what was published', async () => {
      const t = await (await fetch(new URL('/metrics', worker.url))).text();
      return sample(t, 'citytwin_ingest_messages_total{outcome="stored"}') === 1 &&
        sample(t, 'citytwin_ingest_messages_total{outcome="rejected"}') === 2
        ? t
        : null;
    });
    expect(promtool(text)).toBe('0');
    const { typed, helped } = families(text);
    expect(helped).toEqual(typed);
    for (const name of ['process_resident_memory_bytes', 'citytwin_ingest_spool_bytes', 'citytwin_ingest_source_messages_total'])
      expect(typed).toContain(name);
    expect(typed).not.toContain('citytwin_auth_logins_total');
  });

  it("passes promtool on the web node, with the workers' sums", async () => {
    const text = await waitFor('the web node to hear the worker', async () => {
      const t = await (await fetch(new URL('/metrics', web.url))).text();
      return sample(t, 'citytwin_ingest_workers{state="live"}') === 1 ? t : null;
    });
    expect(promtool(text)).toBe('0');
    const { typed, helped } = families(text);
    expect(helped).toEqual(typed);
    for (const name of ['citytwin_web_nodes', 'citytwin_web_cluster_clients', 'citytwin_twin_writer', 'citytwin_audit_verification_ok'])
      expect(typed).toContain(name);
    expect(typed).not.toContain('citytwin_ingest_spool_bytes');
  });
});
