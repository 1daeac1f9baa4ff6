/**
 * The one place that wires real adapters together, for each way CityTwin runs:
 * - `all`: one process with the broker (embedded unless configured), ClickHouse (embedded
 *   unless configured), ingest, twin, web server and, optionally, the simulator;
 * - `ingest`: MQTT → ClickHouse only (several may share the topics with a share group);
 * - `web`: the twin and the console server, fed by its own MQTT subscription and rebuilt
 *   from ClickHouse at start.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  createClickHouse,
  createIngest,
  MqttSource,
  renderPrometheus,
  runMigrations,
  startEmbeddedBroker,
  type EmbeddedBroker,
  type Ingest,
} from '../ingest/index.ts';
import { CitySimulator } from '../simulations/index.ts';
import { cityBasemap, districtAt, generateCity } from '../twin-model/city/index.ts';
import { countByState, parseDataPayload, parseMetaPayload, parseTopic, type CityBasemap, type CityModel } from '../twin-model/index.ts';
import type { HealthReport } from '../web/server/api-routes.ts';
import { TwinService } from '../web/server/twin-service.ts';
import { startWebServer, type WebServer } from '../web/server/web-server.ts';
import type { StatsMessage } from '../web/shared/protocol.ts';
import type { CityTwinConfig } from './config.ts';
import { createLogger, type Log } from './logger.ts';

export type Role = 'all' | 'ingest' | 'web';

export interface RunningCityTwin {
  config: CityTwinConfig;
  role: Role;
  /** Console URL (roles with a web server). */
  url: string | null;
  mqttUrl: string;
  city: CityModel | null;
  clickhouse: ClickHouseClient;
  ingest: Ingest | null;
  twin: TwinService | null;
  web: WebServer | null;
  broker: EmbeddedBroker | null;
  simulator: CitySimulator | null;
  stats(): StatsMessage;
  close(): Promise<void>;
}

const VERSION = '0.1.0';

export async function startCityTwin(config: CityTwinConfig, role: Role, log: Log = createLogger(config.logLevel, role)): Promise<RunningCityTwin> {
  const started = Date.now();
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log('warn', `shutdown: ${(err as Error).message}`);
      }
    }
  };
  try {
    const withWeb = role === 'all' || role === 'web';
    const city = withWeb || config.simulate ? generateCity({ seed: config.citySeed, sensorCount: config.sensorCount }) : null;
    let basemapCache: CityBasemap | null = null;
    const basemap = () => (city ? (basemapCache ??= cityBasemap(city)) : null);

    // Broker: embedded unless an external one is configured.
    let broker: EmbeddedBroker | null = null;
    let mqttUrl = config.mqttUrl;
    if (!mqttUrl) {
      if (role !== 'all') throw new Error(`the ${role} process needs an external broker: set CITYTWIN_MQTT_URL`);
      broker = await startEmbeddedBroker(config.httpHost, config.mqttPort);
      closers.push(() => broker!.close());
      mqttUrl = broker.url;
      log('info', `embedded MQTT broker on ${broker.url}`);
    }

    // ClickHouse: embedded unless a server is configured.
    if (!config.clickhouseUrl && role !== 'all') {
      log('warn', `the ${role} process uses its own embedded ClickHouse in ${config.dataDir}; set CITYTWIN_CLICKHOUSE_URL to share one server`);
    }
    const clickhouse = createClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
    closers.push(() => clickhouse.close());
    const applied = await runMigrations(clickhouse);
    if (applied.length) log('info', `schema migrations applied: ${applied.join(', ')}`);

    const twin = withWeb ? new TwinService({ city, districtAt: city ? (lng, lat) => districtAt(city, lng, lat)?.code ?? null : undefined }) : null;
    if (twin) {
      const n = await twin.rebuildFrom(clickhouse);
      log('info', `twin rebuilt from storage: ${n} sensors`);
    }

    let brokerUp = false;
    let ingest: Ingest | null = null;
    let source: MqttSource | null = null;
    const clientId = `citytwin-${role}-${hostname()}-${process.pid}`;
    if (role === 'all' || role === 'ingest') {
      ingest = createIngest({
        client: clickhouse,
        batchMaxRows: config.batchMaxRows,
        batchMaxDelayMs: config.batchMaxDelayMs,
        maxPayloadBytes: config.maxPayloadBytes,
        onWriteError: (err, attempt) => log(attempt === 1 ? 'warn' : 'debug', `insert failed (attempt ${attempt}), retrying: ${err.message}`),
      });
      closers.push(() => ingest!.writer.close());
      if (twin) {
        ingest.pipeline.addListener({
          onMeta: (id, meta) => twin.onMeta(id, meta),
          onReadings: (entity, id, readings) => {
            if (entity === 'sensor') twin.onReadings(id, readings);
          },
        });
      }
      const pipeline = ingest.pipeline;
      source = new MqttSource({
        url: mqttUrl,
        clientId,
        shareGroup: config.mqttShareGroup,
        onMessage: (topic, payload, at) => pipeline.handleMessage(topic, payload, at),
        onStatus: (up, err) => {
          brokerUp = up;
          if (err) log('warn', `MQTT: ${err.message}`);
        },
      });
    } else if (twin) {
      // A separate web process keeps its own twin replica from the same topics.
      source = new MqttSource({
        url: mqttUrl,
        clientId,
        onMessage: (topic, payload, at) => {
          const t = parseTopic(topic);
          if (!t.ok) return;
          if (t.topic.kind === 'sensor_meta') {
            const m = parseMetaPayload(payload);
            if (m.ok) twin.onMeta(t.topic.id, m.meta);
          } else if (t.topic.kind === 'sensor_data') {
            const d = parseDataPayload(payload, t.topic.id, at);
            if (d.ok && d.readings.length) twin.onReadings(t.topic.id, d.readings);
          }
        },
        onStatus: (up, err) => {
          brokerUp = up;
          if (err) log('warn', `MQTT: ${err.message}`);
        },
      });
    }
    if (source) {
      await source.start();
      brokerUp = true;
      closers.push(() => source!.stop());
      log('info', `subscribed to ${mqttUrl}${config.mqttShareGroup ? ` (share group ${config.mqttShareGroup})` : ''}`);
    }

    let tickTimer: NodeJS.Timeout | null = null;
    if (twin) {
      tickTimer = setInterval(() => twin.tick(), 1000);
      closers.push(async () => clearInterval(tickTimer!));
    }

    let web: WebServer | null = null;
    let rate = { messagesPerSec: 0, readingsPerSec: 0 };
    const rateTimer = setInterval(() => {
      if (ingest) rate = ingest.pipeline.metrics.sampleRate(Date.now());
    }, 1000);
    closers.push(async () => clearInterval(rateTimer));

    const stats = (): StatsMessage => {
      const m = ingest?.pipeline.metrics;
      const w = ingest?.writer;
      const oldest = w?.oldestPendingAt ?? 0;
      return {
        serverTime: Date.now(),
        messagesPerSec: rate.messagesPerSec,
        readingsPerSec: rate.readingsPerSec,
        receivedTotal: m?.received ?? 0,
        storedTotal: m?.stored ?? 0,
        rejectedTotal: m?.rejected ?? 0,
        pendingReadings: w?.pendingRows ?? 0,
        ingestLagMs: oldest ? Math.max(0, Date.now() - oldest) : 0,
        connectedClients: web?.connectedClients() ?? 0,
        lastDataTime: twin?.state.lastDataTime ?? 0,
        sensorsTotal: twin?.state.sensors.length ?? 0,
        byState: twin ? countByState(twin.state) : { normal: 0, warning: 0, alarm: 0, stale: 0, unregistered: 0 },
        storage: w?.health().state ?? 'ok',
        broker: brokerUp ? 'ok' : 'down',
      };
    };

    const health = async (): Promise<HealthReport> => {
      const parts: HealthReport['parts'] = {};
      parts.broker = brokerUp ? { status: 'ok' } : { status: 'down', detail: `not connected to ${mqttUrl}` };
      try {
        const ping = await Promise.race([
          clickhouse.ping(),
          new Promise<{ success: false; error: Error }>((r) => setTimeout(() => r({ success: false, error: new Error('no answer within 3 s') }), 3000)),
        ]);
        parts.clickhouse = ping.success ? { status: 'ok' } : { status: 'down', detail: (ping as { error: Error }).error.message };
      } catch (err) {
        parts.clickhouse = { status: 'down', detail: (err as Error).message };
      }
      if (ingest) {
        const h = ingest.writer.health();
        parts.ingest = h.state === 'ok' ? { status: 'ok' } : { status: h.state, detail: `inserts failing for ${Math.round(h.failingForMs / 1000)} s: ${h.lastError ?? ''}` };
      }
      const states = Object.values(parts).map((p) => p.status);
      const status = states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : 'ok';
      return { status, parts, version: VERSION, uptimeS: Math.round((Date.now() - started) / 1000) };
    };

    const metricsText = (): string => {
      const s = stats();
      const m = ingest?.pipeline.metrics;
      return m
        ? renderPrometheus(m, {
            pendingMessages: ingest!.writer.pendingMessages - ingest!.writer.pendingRejected,
            ingestLagMs: s.ingestLagMs,
            storageUp: s.storage !== 'down',
            brokerUp,
            sensors: s.sensorsTotal,
            connectedClients: s.connectedClients,
          })
        : `# TYPE citytwin_twin_sensors gauge\ncitytwin_twin_sensors ${s.sensorsTotal}\n# TYPE citytwin_web_connected_clients gauge\ncitytwin_web_connected_clients ${s.connectedClients}\n`;
    };

    if (twin) {
      const staticDir = resolve('dist/web');
      if (!existsSync(resolve(staticDir, 'index.html'))) log('warn', 'the console is not built (dist/web); run `npm run build:web` — serving the API only');
      web = await startWebServer({
        host: config.httpHost,
        port: config.httpPort,
        staticDir: existsSync(staticDir) ? staticDir : null,
        twin,
        clickhouse,
        city,
        basemap,
        stats,
        health,
        metricsText,
        log: (level, msg) => log(level, msg),
      });
      closers.push(() => web!.close());
    }

    let simulator: CitySimulator | null = null;
    if (config.simulate && city) {
      simulator = new CitySimulator({ brokerUrl: mqttUrl, city, seed: config.citySeed, scenario: config.scenario, timeScale: config.timeScale });
      await simulator.start();
      closers.push(() => simulator!.stop());
      log('info', `simulator: ${city.sensorSites.length} sensors, scenario ${config.scenario}, time scale ${config.timeScale}`);
    }

    return {
      config,
      role,
      url: web?.url ?? null,
      mqttUrl,
      city,
      clickhouse,
      ingest,
      twin,
      web,
      broker,
      simulator,
      stats,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
