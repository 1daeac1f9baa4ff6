/**
 * The one place that wires real adapters together, for each way CityTwin runs:
 * - `all`: one process with the broker (embedded unless configured), ClickHouse (embedded
 *   unless configured), ingest, twin, web server and, optionally, the simulator;
 * - `ingest`: MQTT → ClickHouse only (several may share the topics with a share group);
 * - `web`: the twin and the console server, fed by its own MQTT subscription and rebuilt
 *   from ClickHouse at start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  createIngest,
  DurableIntake,
  Spool,
  IngestStatsAggregator,
  MqttSource,
  renderClusterPrometheus,
  renderPrometheus,
  sampleWorkerStats,
  startEmbeddedBroker,
  startOpsServer,
  type BrokerIntake,
  type EmbeddedBroker,
  type Ingest,
  type OpsServer,
} from '../ingest/index.ts';
import { ClickHouseSink, createClickHouse, type StorageSink, runMigrations } from '../storage/index.ts';
import { applyRetention, recordSourceClassifications, refreshClassifications } from '../storage/retention-store.ts';
import { formatDays } from '../storage/retention.ts';
import { StorageUsageSampler } from '../storage/storage-usage.ts';
import { CitySimulator } from '../simulations/index.ts';
import { cityBasemap, districtAt, generateCity } from '../twin-model/city/index.ts';
import {
  countByState,
  isAuditTopic,
  isSystemTopic,
  TOPIC_ROOT,
  parseDataPayload,
  parseEventPayload,
  parseMetaPayload,
  parseTopic,
  parseUnitPositionPayload,
  topics,
  type CityBasemap,
  type CityModel,
} from '../twin-model/index.ts';
import { IncidentStore } from '../web/server/incident-store.ts';
import type { HealthReport } from '../web/server/api-routes.ts';
import { TwinService } from '../web/server/twin-service.ts';
import { DispatchService } from '../web/server/dispatch-service.ts';
import { UnitDriver } from '../simulations/unit-driver.ts';
import { AuthService } from '../web/server/auth/auth-service.ts';
import { DEFAULT_CLEARANCE, parseClearance } from '../web/server/auth/policy.ts';
import { loadGatewayCredentials } from '../ingest/broker/device-acl.ts';
import { startWebServer, type WebServer } from '../web/server/web-server.ts';
import type { SourceIngestCounts, StatsMessage } from '../web/shared/protocol.ts';
import { AuditService } from '../web/server/audit/audit-service.ts';
import { summarize } from '../twin-model/audit/audit-verification.ts';
import type { ChainHead } from '../twin-model/audit/hash-chain.ts';
import { auditableConfig, type CityTwinConfig } from './config.ts';
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
  /** Response units and dispatch (roles with a web server). */
  dispatch: DispatchService | null;
  /** The tamper-evident record of every action (roles with a web server). */
  audit: AuditService | null;
  web: WebServer | null;
  /** The `ingest` role's health and metrics server. */
  ops: OpsServer | null;
  /** Ingest workers' figures heard on the system topic (the `web` role). */
  workerStats: IngestStatsAggregator | null;
  broker: EmbeddedBroker | null;
  simulator: CitySimulator | null;
  stats(): StatsMessage;
  close(): Promise<void>;
}

const VERSION = '0.1.0';
/** Topics the in-process ingest takes from the embedded broker (all of v1). */
const INTAKE_PREFIX = `${TOPIC_ROOT}/`;
/** The embedded broker's packet limit is CITYTWIN_MAX_PAYLOAD_BYTES plus this (topic ≤ 65,535 bytes, packet id, lengths). */
const BROKER_PACKET_ROOM_BYTES = 64 * 1024;

/** Test seams of the runtime. */
export interface RuntimeHooks {
  /**
   * Wraps the ingest's storage adapter. The delivery tests inject a ClickHouse outage here:
   * the embedded engine cannot be stopped apart from the process that hosts it.
   */
  wrapSink?: (sink: StorageSink) => StorageSink;
  /**
   * Wraps the in-process ingest's intake from the embedded broker. The health tests make the
   * ingest stop taking messages here while publishers keep publishing.
   */
  wrapIntake?: (intake: BrokerIntake) => BrokerIntake;
}

export async function startCityTwin(
  config: CityTwinConfig,
  role: Role,
  log: Log = createLogger(config.logLevel, role),
  hooks: RuntimeHooks = {},
): Promise<RunningCityTwin> {
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
    const basemap = (): CityBasemap | null => {
      if (city && !basemapCache) basemapCache = cityBasemap(city);
      return basemapCache;
    };

    // Accounts and the security log (web/server/auth); created once ClickHouse is migrated.
    let auth: AuthService | null = null;
    // Broker: embedded unless an external one is configured.
    let broker: EmbeddedBroker | null = null;
    let mqttUrl = config.mqttUrl;
    if (!mqttUrl) {
      if (role !== 'all') throw new Error(`the ${role} process needs an external broker: set CITYTWIN_MQTT_URL`);
      const sec = config.security;
      const tls =
        sec.tlsCert && sec.tlsKey ? { cert: readFileSync(sec.tlsCert), key: readFileSync(sec.tlsKey), port: sec.mqttsPort } : null;
      const credentials = sec.mqttCredentialsFile ? loadGatewayCredentials(sec.mqttCredentialsFile) : null;
      broker = await startEmbeddedBroker(config.httpHost, config.mqttPort, {
        credentials,
        tls,
        loopbackAnonymous: config.security.mqttLoopbackAnonymous,
        // The payload limit plus room for the topic and the rest of the packet (docs/security.md).
        maxPacketBytes: config.maxPayloadBytes + BROKER_PACKET_ROOM_BYTES,
        // Nothing is acknowledged before the in-process ingest (attached below) has spooled it.
        awaitIntake: INTAKE_PREFIX,
        // Device refusals go to the security log once it exists (below); until then to the log.
        onSecurityEvent: (e) => {
          if (auth) auth.record(e.type, 'refused', e.username, `mqtt ${e.clientId}@${e.address}`, e.detail);
          else log('warn', `MQTT ${e.type} ${e.clientId}: ${e.detail}`);
        },
        onNotice: (message) => log('warn', message),
      });
      if (credentials) log('info', `embedded broker: ${credentials.size} gateway credentials from ${sec.mqttCredentialsFile}`);
      if (broker.tlsUrl) log('info', `embedded MQTTS listener on ${broker.tlsUrl}`);
      closers.push(() => broker!.close());
      mqttUrl = broker.url;
      log('info', `embedded MQTT broker on ${broker.url}`);
    }

    // ClickHouse: embedded unless a server is configured.
    if (!config.clickhouseUrl && role !== 'all') {
      log(
        'warn',
        `the ${role} process uses its own embedded ClickHouse in ${config.dataDir}; set CITYTWIN_CLICKHOUSE_URL to share one server`,
      );
    }
    const clickhouse = createClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
    closers.push(() => clickhouse.close());
    const applied = await runMigrations(clickhouse, undefined, config.clickhouseCluster);
    if (applied.length) log('info', `schema migrations applied: ${applied.join(', ')}`);
    // Retention (docs/storage.md): TTLs follow CITYTWIN_RETENTION; an unchanged policy alters nothing.
    for (const change of await applyRetention(clickhouse, config.retention, config.clickhouseCluster)) {
      log('info', `retention of ${change.table}: ${change.to ?? `kept ${formatDays(null)}`} (was ${change.from ?? 'kept forever'})`);
    }
    // The classification stored with each sensor value falls back on its source's, known from the city model.
    if (city) await recordSourceClassifications(clickhouse, city.sources, config.clickhouseCluster);
    // Disk use per table on /metrics; stopped before the client closes (closers run in reverse).
    const storageUsage = new StorageUsageSampler(clickhouse);
    storageUsage.start();
    closers.push(() => storageUsage.close());

    // The audit record (web/server/audit): verified at start, before anything new is appended.
    // Its closer is registered before the twin's, dispatch's and accounts' so it runs after
    // theirs: what they store at shutdown is in the final checkpoint.
    let audit: AuditService | null = null;
    let signedDispatchHead: ChainHead | null = null;
    if (withWeb) {
      const opened = await AuditService.open({
        clickhouse,
        dataDir: config.dataDir,
        node: config.workerId,
        // A ClickHouse server may hold the chains of several web nodes; the embedded engine only this node's.
        foreignChainsAllowed: config.clickhouseUrl !== null,
        log: (level, msg) => log(level, msg),
      });
      audit = opened.audit;
      signedDispatchHead = opened.signedDispatchHead;
      const openedAudit = opened.audit;
      closers.push(() => openedAudit.close());
      log(opened.verification.ok ? 'info' : 'error', `audit verification at start: ${summarize(opened.verification, 10)}`);
    }

    if (withWeb || broker) {
      const auditRecord = audit;
      auth = new AuthService({
        clickhouse,
        clearance: config.security.clearance ? parseClearance(config.security.clearance) : DEFAULT_CLEARANCE,
        node: config.workerId,
        maxTokenTtlDays: config.security.maxTokenTtlDays,
        log: (level, msg) => log(level, msg),
        ...(auditRecord ? { onRecord: (e: Parameters<AuditService['securityEvent']>[0]) => auditRecord.securityEvent(e) } : {}),
      });
      const authService = auth;
      closers.push(() => authService.close());
      if (auditRecord) {
        // Tampering found (at start, or later on demand) is a security event, beside health.
        const start = auditRecord.lastVerification;
        if (start && !start.ok) authService.record('audit_tampering', 'refused', 'system', 'start-up verification', summarize(start, 10));
        auditRecord.onProblems((v) => authService.record('audit_tampering', 'refused', 'system', 'verification', summarize(v, 10)));
        await auditRecord.recordConfig(auditableConfig(config));
      }
      if (withWeb) {
        const first = await auth.init(config.security.adminPassword);
        if (first.createdAdmin) {
          // Printed once, on first start only; only its scrypt hash is stored.
          if (first.generatedPassword)
            log(
              'warn',
              `first start: created the account "admin" with the password ${first.generatedPassword} (change it after signing in; set CITYTWIN_ADMIN_PASSWORD to choose it)`,
            );
          else log('info', 'first start: created the account "admin" with the password from CITYTWIN_ADMIN_PASSWORD');
        }
      }
    }

    const twin = withWeb
      ? new TwinService({
          city,
          districtAt: city ? (lng, lat) => districtAt(city, lng, lat)?.code ?? null : undefined,
          // A report is placed in the city when it falls in one of its districts.
          ...(city ? { inCity: (lng: number, lat: number) => districtAt(city, lng, lat) !== null } : {}),
          log: (level, msg) => log(level, msg),
        })
      : null;
    let incidentStore: IncidentStore | null = null;
    if (twin) {
      // Every incident change is stored (event-sourced); the open ones come back at start.
      incidentStore = new IncidentStore(clickhouse);
      await incidentStore.init();
      twin.useIncidentStore(incidentStore);
      if (audit) {
        const auditRecord = audit;
        // Only the writer's own changes: a node that mirrors the writer does not audit them again.
        twin.onIncidentChanges((changes) => {
          if (twin.isWriter()) auditRecord.incidentChanges(changes);
        });
      }
      // Device meta that tries to move, rename, re-source or declassify a registered sensor is a
      // security event (recorded once, by the node that writes incidents).
      const securityLog = auth;
      twin.onMetaRefused((r) => {
        if (securityLog && twin.isWriter())
          securityLog.record(
            'sensor_meta_refused',
            'refused',
            '',
            `mqtt sensors/${r.sensorId}/meta`,
            `${r.sensorId}: ${r.fields.join(', ')} kept (device sent ${JSON.stringify(r.meta).slice(0, 300)})`,
          );
      });
      const n = await twin.rebuildFrom(clickhouse);
      log('info', `twin rebuilt from storage: ${n} sensors, ${twin.activeIncidents().length} open incidents`);
      // Runs before ClickHouse closes (closers run in reverse): the last changes are stored.
      closers.push(() => twin.close());
    }
    // Response units and dispatch: on the city's road graph, next to the twin.
    const auditForDispatch = audit;
    const dispatch =
      twin && city
        ? new DispatchService({
            city,
            twin,
            log: (level, msg) => log(level, msg),
            ...(auditForDispatch ? { onLogEntry: (e) => auditForDispatch.dispatchEntry(e) } : {}),
          })
        : null;
    if (dispatch) {
      await dispatch.useStore(clickhouse);
      closers.push(() => dispatch.close());
      if (auditForDispatch) {
        dispatch.resumeAfter(signedDispatchHead);
        dispatch.anchorWith(() =>
          auditForDispatch
            .validCheckpoints()
            .flatMap((cp) => (cp.dispatch ? [{ ...cp.dispatch, label: `the checkpoint signed at ${new Date(cp.at).toISOString()}` }] : [])),
        );
        auditForDispatch.signDispatchHead(() => dispatch.storedHead);
      }
    }
    if (audit && twin) {
      const authService = auth;
      audit.flushSourcesWith(async () => {
        await twin.flushIncidents();
        await dispatch?.flush();
        await authService?.flushEvents();
      });
    }

    let brokerUp = false;
    let ingest: Ingest | null = null;
    let source: MqttSource | null = null;
    const clientId = `citytwin-${role}-${config.workerId}`;
    // A web node without an ingest shows the workers' figures, heard on the system topic.
    const workerStats = role === 'web' ? new IngestStatsAggregator() : null;
    let spool: Spool | null = null;
    let intake: DurableIntake | null = null;
    if (role === 'all' || role === 'ingest') {
      // The write-ahead spool (ingest/spool/spool.ts): closed last, after the final flush.
      const openedSpool = Spool.open(join(config.dataDir, 'spool'), { maxBytes: config.spoolMaxBytes });
      spool = openedSpool;
      closers.push(async () => openedSpool.close());
      const distributed = config.clickhouseCluster !== null;
      const sink = new ClickHouseSink(clickhouse, {
        distributed,
        onRegistryChanged: (ids) => refreshClassifications(clickhouse, ids, config.clickhouseCluster),
      });
      ingest = createIngest({
        sink: hooks.wrapSink ? hooks.wrapSink(sink) : sink,
        // A batch's id (hence its deduplication token) is its spool position, fixed at seal.
        onBatchSealed: (batch) => {
          batch.id = openedSpool.seal();
        },
        onBatchStored: (batch) => openedSpool.stored(batch.id),
        batchMaxRows: config.batchMaxRows,
        batchMaxDelayMs: config.batchMaxDelayMs,
        maxPayloadBytes: config.maxPayloadBytes,
        distributed,
        onWriteError: (err, attempt) =>
          log(attempt === 1 ? 'warn' : 'debug', `insert failed (attempt ${attempt}), retrying: ${err.message}`),
      });
      closers.push(() => ingest!.writer.close());
      if (twin) {
        ingest.pipeline.addListener({
          onMeta: (id, meta) => twin.onMeta(id, meta),
          onReadings: (entity, id, readings) => {
            if (entity === 'sensor') twin.onReadings(id, readings);
          },
          onEvent: (event) => twin.onEvent(event),
          onUnitPosition: (position) => dispatch?.onPosition(position),
        });
      }
      const pipeline = ingest.pipeline;
      const durable = new DurableIntake({
        spool: openedSpool,
        pipeline,
        writer: ingest.writer,
        onBackpressure: (on) =>
          log(
            on ? 'warn' : 'info',
            on
              ? `spool full (${config.spoolMaxBytes} bytes unstored): not acknowledging, the broker keeps the messages`
              : 'spool has room again: acknowledging',
          ),
      });
      intake = durable;
      // Before subscribing: what was spooled but not stored goes first, in its old batches.
      const replayed = durable.replay();
      if (replayed > 0) log('info', `spool: replayed ${replayed} messages not yet stored at the last stop`);
      if (broker) {
        // The embedded broker hands every v1 publish to the ingest before its PUBACK: no TCP
        // hop, and a message is in the spool before its publisher hears it is received.
        const direct: BrokerIntake = {
          prefix: INTAKE_PREFIX,
          handle: (topic, payload, at, packetId, redelivery) => durable.handle(topic, payload, at, packetId, redelivery),
        };
        broker.setIntake(hooks.wrapIntake ? hooks.wrapIntake(direct) : direct);
        brokerUp = true;
        log('info', `ingest takes ${INTAKE_PREFIX}# from the embedded broker, before each PUBACK`);
        // Shutting down (closers run in reverse, so before the last flush and the spool close):
        // hold new publishes unacknowledged; the publishers send them again to the next start.
        const embedded = broker;
        closers.push(async () => embedded.setIntake({ prefix: INTAKE_PREFIX, handle: () => new Promise<void>(() => undefined) }));
      } else {
        if (!config.workerIdExplicit && role === 'ingest')
          log(
            'warn',
            'CITYTWIN_WORKER_ID is not set: no persistent MQTT session, messages sent while this worker is down are not kept for it',
          );
        source = new MqttSource({
          url: mqttUrl,
          clientId,
          shareGroup: config.mqttShareGroup,
          persistentSession: config.workerIdExplicit ? { expirySeconds: config.mqttSessionExpiryS } : null,
          onMessage: (topic, payload, at) => pipeline.handleMessage(topic, payload, at),
          handle: (topic, payload, at, packetId) => durable.handle(topic, payload, at, packetId),
          onStatus: (up, err) => {
            brokerUp = up;
            if (err) log('warn', `MQTT: ${err.message}`);
          },
        });
      }
    } else if (twin) {
      // A separate web process keeps its own twin replica from the same topics.
      source = new MqttSource({
        url: mqttUrl,
        clientId,
        onMessage: (topic, payload, at) => {
          if (isSystemTopic(topic)) {
            if (!isAuditTopic(topic)) workerStats?.accept(topic, payload, at);
            return;
          }
          const t = parseTopic(topic);
          if (!t.ok) return;
          if (t.topic.kind === 'sensor_meta') {
            const m = parseMetaPayload(payload);
            if (m.ok) twin.onMeta(t.topic.id, m.meta);
          } else if (t.topic.kind === 'sensor_data') {
            const d = parseDataPayload(payload, t.topic.id, at);
            if (d.ok && d.readings.length) twin.onReadings(t.topic.id, d.readings);
          } else if (t.topic.kind === 'event') {
            const e = parseEventPayload(payload, t.topic.source, at);
            if (e.ok) twin.onEvent(e.event);
          } else if (t.topic.kind === 'unit_position') {
            const p = parseUnitPositionPayload(payload, t.topic.id, at);
            if (p.ok) dispatch?.onPosition(p.position);
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
    // Checkpoints go out retained, for an external archive (docs/security.md): on the MQTT
    // connection, or by the embedded broker itself when the process has no connection of its own.
    const checkpointOut = source ?? broker;
    if (audit && checkpointOut) {
      const auditRecord = audit;
      auditRecord.setPublisher((topic, payload) => checkpointOut.publish(topic, payload, { qos: 1, retain: true }));
      void auditRecord.checkpoint().catch((err: Error) => log('warn', `audit checkpoint: ${err.message}`));
      // At shutdown, before the connection closes: store what is pending and publish the final head.
      closers.push(async () => {
        await twin?.flushIncidents();
        await dispatch?.flush();
        await auth?.flushEvents();
        await auditRecord.checkpoint();
        auditRecord.setPublisher(null);
      });
    }

    let tickTimer: NodeJS.Timeout | null = null;
    if (twin) {
      tickTimer = setInterval(() => {
        twin.tick();
        dispatch?.tick();
      }, 1000);
      closers.push(async () => clearInterval(tickTimer!));
    }

    let web: WebServer | null = null;
    let rate = { messagesPerSec: 0, readingsPerSec: 0 };
    const rateTimer = setInterval(() => {
      if (ingest) rate = ingest.pipeline.metrics.sampleRate(Date.now());
    }, 1000);
    closers.push(async () => clearInterval(rateTimer));

    /** Storage as the status strip shows it: a full spool (backpressure) is "down". */
    const storageState = () => (intake?.backpressure ? 'down' : (ingest?.writer.health().state ?? 'ok'));

    const stats = (): StatsMessage => {
      const m = ingest?.pipeline.metrics;
      const w = ingest?.writer;
      const oldest = w?.oldestPendingAt ?? 0;
      const clusterFigures = web ? { clusterClients: web.cluster.clusterClients(), webNodes: web.cluster.webNodes() } : {};
      if (workerStats) {
        const c = workerStats.summary(Date.now());
        return {
          serverTime: Date.now(),
          messagesPerSec: c.messagesPerSec,
          readingsPerSec: c.readingsPerSec,
          receivedTotal: c.received,
          storedTotal: c.stored,
          rejectedTotal: c.rejected,
          pendingReadings: c.pendingReadings,
          ingestLagMs: c.ingestLagMs,
          connectedClients: web?.connectedClients() ?? 0,
          lastDataTime: twin?.state.lastDataTime ?? 0,
          sensorsTotal: twin?.state.sensors.length ?? 0,
          byState: twin ? countByState(twin.state) : { normal: 0, warning: 0, alarm: 0, stale: 0, unregistered: 0 },
          storage: c.storage,
          broker: brokerUp ? 'ok' : 'down',
          ingestWorkers: c.liveWorkers,
          ...clusterFigures,
        };
      }
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
        storage: storageState(),
        broker: brokerUp ? 'ok' : 'down',
        ...clusterFigures,
      };
    };

    const health = async (): Promise<HealthReport> => {
      const parts: HealthReport['parts'] = {};
      parts.broker = brokerUp ? { status: 'ok' } : { status: 'down', detail: `not connected to ${mqttUrl}` };
      // Every part up and nothing pending can still mean nothing gets through: publishes waiting
      // at the broker with no progress (the ingest receives nothing from those publishers).
      const stall = broker?.deliveryStall();
      if (stall && stall.stalledClients > 0 && parts.broker.status === 'ok') {
        parts.broker = {
          status: 'degraded',
          detail: `message delivery stalled: ${stall.waitingPublishes} publishes of ${stall.stalledClients} client(s) made no progress for ${Math.round(stall.longestMs / 1000)} s; the ingest receives nothing from them`,
        };
      }
      try {
        const ping = await Promise.race([
          clickhouse.ping(),
          new Promise<{ success: false; error: Error }>((r) =>
            setTimeout(() => r({ success: false, error: new Error('no answer within 3 s') }), 3000),
          ),
        ]);
        parts.clickhouse = ping.success ? { status: 'ok' } : { status: 'down', detail: (ping as { error: Error }).error.message };
      } catch (err) {
        parts.clickhouse = { status: 'down', detail: (err as Error).message };
      }
      if (ingest) {
        const h = ingest.writer.health();
        const spooled = spool ? `; spool holds ${spool.pendingBytes} of ${spool.maxBytes} bytes unstored` : '';
        if (intake?.backpressure)
          parts.ingest = {
            status: 'down',
            detail: `spool full: not acknowledging, the broker keeps the messages${spooled}; ${h.lastError ?? ''}`,
          };
        else
          parts.ingest =
            h.state === 'ok'
              ? { status: 'ok' }
              : {
                  status: h.state,
                  detail: `inserts failing for ${Math.round(h.failingForMs / 1000)} s, spooling${spooled}: ${h.lastError ?? ''}`,
                };
      }
      if (audit) parts.audit = audit.health();
      const states = Object.values(parts).map((p) => p.status);
      const status = states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : 'ok';
      return { status, parts, version: VERSION, uptimeS: Math.round((Date.now() - started) / 1000) };
    };

    const metricsText = (): string => storageUsage.text() + processMetricsText();
    const processMetricsText = (): string => {
      const s = stats();
      if (workerStats) {
        return renderClusterPrometheus(workerStats.summary(Date.now()), {
          brokerUp,
          sensors: s.sensorsTotal,
          connectedClients: s.connectedClients,
          clusterClients: s.clusterClients ?? s.connectedClients,
          webNodes: s.webNodes ?? 1,
        });
      }
      const m = ingest?.pipeline.metrics;
      const spoolText = spool
        ? `# TYPE citytwin_ingest_spool_bytes gauge
citytwin_ingest_spool_bytes ${spool.pendingBytes}
# TYPE citytwin_ingest_spool_max_bytes gauge
citytwin_ingest_spool_max_bytes ${spool.maxBytes}
# TYPE citytwin_ingest_spool_backpressure gauge
citytwin_ingest_spool_backpressure ${intake?.backpressure ? 1 : 0}
# TYPE citytwin_ingest_spool_replayed_messages_total counter
citytwin_ingest_spool_replayed_messages_total ${spool.replayedMessages}
# TYPE citytwin_ingest_redeliveries_dropped_total counter
citytwin_ingest_redeliveries_dropped_total ${spool.duplicatesDropped}
`
        : '';
      return m
        ? spoolText +
            renderPrometheus(m, {
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
      if (!existsSync(resolve(staticDir, 'index.html')))
        log('warn', 'the console is not built (dist/web); run `npm run build:web` — serving the API only');
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
        incidentStore,
        dispatch,
        audit,
        viewport: { threshold: config.viewportThreshold },
        ...(ingest ? { sourceCounts: () => sourceCounts(ingest!) } : {}),
        // Security counters: logins, refusals, and the broker's per-client refused publishes.
        metricsText: () => {
          const a = auth!.counters;
          const w = web;
          const refusedSockets = w ? w.refusedSocketEvents() : { handshakes: 0, events: 0 };
          return `${metricsText()}# TYPE citytwin_auth_logins_total counter
citytwin_auth_logins_total{outcome="ok"} ${a.loginOk}
citytwin_auth_logins_total{outcome="failed"} ${a.loginFailed}
citytwin_auth_logins_total{outcome="throttled"} ${a.loginThrottled}
# TYPE citytwin_auth_refused_total counter
citytwin_auth_refused_total{reason="bad_credentials"} ${a.authFailed}
citytwin_auth_refused_total{reason="forbidden"} ${a.denied}
citytwin_auth_refused_total{reason="malformed_request"} ${w?.refusedRequests() ?? 0}
citytwin_auth_refused_total{reason="socket_handshake"} ${refusedSockets.handshakes}
citytwin_auth_refused_total{reason="socket_event"} ${refusedSockets.events}
# TYPE citytwin_security_events_dropped_total counter
citytwin_security_events_dropped_total ${a.eventsDropped}
# HELP citytwin_twin_writer 1 when this node's correlator writes incidents (one node of a cluster)
# TYPE citytwin_twin_writer gauge
citytwin_twin_writer ${twin.isWriter() ? 1 : 0}
# TYPE citytwin_incident_changes_total counter
citytwin_incident_changes_total{outcome="made"} ${twin.incidentCounters.changes}
citytwin_incident_changes_total{outcome="stored"} ${twin.incidentCounters.stored}
citytwin_incident_changes_total{outcome="mirrored"} ${twin.incidentCounters.mirrored}
citytwin_incident_changes_total{outcome="shadowed"} ${twin.incidentCounters.shadowed}
# TYPE citytwin_incident_store_failures_total counter
citytwin_incident_store_failures_total ${twin.incidentCounters.storeFailures}
# HELP citytwin_sensor_meta_refused_total device meta messages that tried to change a registered sensor or lower a classification
# TYPE citytwin_sensor_meta_refused_total counter
citytwin_sensor_meta_refused_total ${twin.metaRefused}
${dispatch ? dispatchMetrics(dispatch) : ''}${audit ? auditMetrics(audit) : ''}${broker ? broker.metricsText() : ''}`;
        },
        auth: auth!,
        tls:
          config.security.tlsCert && config.security.tlsKey
            ? { cert: readFileSync(config.security.tlsCert), key: readFileSync(config.security.tlsKey) }
            : null,
        probeToken: config.security.probeToken,
        allowedOrigins: config.security.allowedOrigins,
        redisUrl: config.redisUrl,
        nodeId: config.workerId,
        log: (level, msg) => log(level, msg),
      });
      closers.push(() => web!.close());
      if (config.redisUrl) log('info', `web node ${config.workerId} on the Redis adapter`);
    }

    // A separate ingest worker: health and metrics over HTTP, and its counters on the system
    // topic once a second for the web nodes' status strip (ingest/ingest-stats.ts).
    let ops: OpsServer | null = null;
    if (role === 'ingest' && ingest && source) {
      const workerIngest = ingest;
      const workerSource = source;
      ops = await startOpsServer({
        host: config.httpHost,
        port: config.httpPort,
        health,
        metricsText,
        probeToken: config.security.probeToken,
      });
      closers.push(() => ops!.close());
      log('info', `ingest worker ${config.workerId}: health and metrics on ${ops.url}`);
      const statsTopic = topics.ingestStats(config.workerId);
      const publishStats = () =>
        workerSource.publish(
          statsTopic,
          JSON.stringify(sampleWorkerStats(workerIngest, config.workerId, started, rate, Date.now(), storageState())),
        );
      const statsTimer = setInterval(publishStats, 1000);
      // Closers run in reverse, so this runs before the source stops: the last figures, taken
      // after a flush, go out while the connection is still open.
      closers.push(async () => {
        clearInterval(statsTimer);
        await Promise.race([workerIngest.writer.flush(), new Promise((r) => setTimeout(r, 5000))]);
        publishStats();
      });
    }

    /** In-process parts log in to the embedded broker with its per-start secret, under reserved client ids. */
    const inProcessMqtt = (part: string) =>
      broker ? { clientId: `citytwin-${part}-${config.workerId}`, ...broker.internalCredentials } : {};
    let simulator: CitySimulator | null = null;
    if (config.simulate && city) {
      simulator = new CitySimulator({
        brokerUrl: mqttUrl,
        city,
        seed: config.citySeed,
        scenario: config.scenario,
        timeScale: config.timeScale,
        mqttOptions: inProcessMqtt('sim'),
      });
      await simulator.start();
      closers.push(() => simulator!.stop());
      log('info', `simulator: ${city.sensorSites.length} sensors, scenario ${config.scenario}, time scale ${config.timeScale}`);
      if (dispatch) {
        // Simulated AVL: assigned units drive their routes and report over MQTT.
        const driver = new UnitDriver({
          brokerUrl: mqttUrl,
          source: dispatch,
          timeScale: config.timeScale,
          log: (level, msg) => log(level, msg),
          mqttOptions: inProcessMqtt('avl'),
        });
        await driver.start();
        closers.push(() => driver.stop());
      }
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
      dispatch,
      audit,
      web,
      ops,
      workerStats,
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

/** The ingest's per-source counts with what is pending (received = stored + rejected + pending). */
function sourceCounts(ingest: Ingest): Map<string, SourceIngestCounts> {
  const out = new Map<string, SourceIngestCounts>();
  for (const [source, c] of ingest.pipeline.metrics.bySource) out.set(source, { ...c, pending: c.received - c.stored - c.rejected });
  return out;
}

/** Dispatch figures for /metrics. */
function dispatchMetrics(d: DispatchService): string {
  const byStatus = new Map<string, number>();
  for (const u of d.units()) byStatus.set(u.status, (byStatus.get(u.status) ?? 0) + 1);
  const c = d.counters;
  return `# TYPE citytwin_units gauge
${[...byStatus].map(([s, n]) => `citytwin_units{status="${s}"} ${n}`).join('\n')}
# TYPE citytwin_dispatch_log_entries_total counter
citytwin_dispatch_log_entries_total{outcome="made"} ${c.logEntries}
citytwin_dispatch_log_entries_total{outcome="stored"} ${d.logCounters.stored}
# TYPE citytwin_dispatch_reroutes_total counter
citytwin_dispatch_reroutes_total ${c.reroutes}
# TYPE citytwin_units_rejected_fixes_total counter
citytwin_units_rejected_fixes_total ${c.rejectedFixes}
`;
}

/** Audit figures for /metrics. */
function auditMetrics(a: AuditService): string {
  const v = a.lastVerification;
  return `# TYPE citytwin_audit_entries_total counter
citytwin_audit_entries_total{outcome="made"} ${a.counters.made}
citytwin_audit_entries_total{outcome="stored"} ${a.storeCounters.stored}
# TYPE citytwin_audit_checkpoints_total counter
citytwin_audit_checkpoints_total{outcome="signed"} ${a.counters.checkpoints}
citytwin_audit_checkpoints_total{outcome="published"} ${a.counters.published}
# HELP citytwin_audit_verification_ok 1 when the last verification of the audit record found nothing, 0 when it found tampering
# TYPE citytwin_audit_verification_ok gauge
citytwin_audit_verification_ok ${v && !v.ok ? 0 : 1}
`;
}
