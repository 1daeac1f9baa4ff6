/** The status strip's figures (`stats`) and `/api/health`, from what runs in this process. */
import { countByState } from '../../twin-model/index.ts';
import type { HealthReport } from '../../web/server/app/api-routes.ts';
import type { StatsMessage } from '../../web/shared/protocol.ts';
import { ingestLagMs, type NodeView, storageState } from './node-view.ts';

const VERSION = '0.1.0';
/** How long `/api/health` waits for ClickHouse to answer a ping. */
const PING_TIMEOUT_MS = 3000;

/** The figures of the status strip (pushed on the socket as `stats`, `GET /api/stats`). */
export function statusFigures(v: NodeView): () => StatsMessage {
  return () => {
    const now = Date.now();
    const web = v.web();
    const twin = v.twin;
    const common = {
      serverTime: now,
      connectedClients: web?.connectedClients() ?? 0,
      lastDataTime: twin?.state.lastDataTime ?? 0,
      sensorsTotal: twin?.state.sensors.length ?? 0,
      byState: twin ? countByState(twin.state) : { normal: 0, warning: 0, alarm: 0, stale: 0, unregistered: 0 },
      broker: v.link.up ? ('ok' as const) : ('down' as const),
    };
    const clusterFigures = web ? { clusterClients: web.cluster.clusterClients(), webNodes: web.cluster.webNodes() } : {};
    if (v.workerStats) {
      // A web node without an ingest shows the workers' figures, heard on the system topic.
      const c = v.workerStats.summary(now);
      return {
        ...common,
        messagesPerSec: c.messagesPerSec,
        readingsPerSec: c.readingsPerSec,
        receivedTotal: c.received,
        storedTotal: c.stored,
        rejectedTotal: c.rejected,
        pendingReadings: c.pendingReadings,
        ingestLagMs: c.ingestLagMs,
        storage: c.storage,
        ingestWorkers: c.liveWorkers,
        ...clusterFigures,
      };
    }
    const m = v.ingest?.ingest.pipeline.metrics;
    const rate = v.rate();
    return {
      ...common,
      messagesPerSec: rate.messagesPerSec,
      readingsPerSec: rate.readingsPerSec,
      receivedTotal: m?.received ?? 0,
      storedTotal: m?.stored ?? 0,
      rejectedTotal: m?.rejected ?? 0,
      pendingReadings: v.ingest?.ingest.writer.pendingRows ?? 0,
      ingestLagMs: ingestLagMs(v.ingest, now),
      storage: storageState(v.ingest),
      ...clusterFigures,
    };
  };
}

/** `/api/health`: each part's status; the worst decides (down > degraded > ok). */
export function healthReport(v: NodeView): () => Promise<HealthReport> {
  return async () => {
    const parts: HealthReport['parts'] = {};
    parts.broker = brokerHealth(v);
    parts.clickhouse = await clickhouseHealth(v);
    if (v.ingest) parts.ingest = ingestHealth(v);
    if (v.audit) parts.audit = v.audit.health();
    const states = Object.values(parts).map((p) => p.status);
    const status = states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : 'ok';
    return { status, parts, version: VERSION, uptimeS: Math.round((Date.now() - v.startedAt) / 1000) };
  };
}

type PartHealth = HealthReport['parts'][string];

function brokerHealth(v: NodeView): PartHealth {
  if (!v.link.up) return { status: 'down', detail: `not connected to ${v.mqttUrl}` };
  // Every part up and nothing pending can still mean nothing gets through: publishes waiting
  // at the broker with no progress (the ingest receives nothing from those publishers).
  const stall = v.broker?.deliveryStall();
  if (stall && stall.stalledClients > 0) {
    return {
      status: 'degraded',
      detail: `message delivery stalled: ${stall.waitingPublishes} publishes of ${stall.stalledClients} client(s) made no progress for ${Math.round(stall.longestMs / 1000)} s; the ingest receives nothing from them`,
    };
  }
  return { status: 'ok' };
}

async function clickhouseHealth(v: NodeView): Promise<PartHealth> {
  try {
    const ping = await Promise.race([
      v.clickhouse.ping(),
      new Promise<{ success: false; error: Error }>((r) =>
        setTimeout(() => r({ success: false, error: new Error('no answer within 3 s') }), PING_TIMEOUT_MS),
      ),
    ]);
    return ping.success ? { status: 'ok' } : { status: 'down', detail: (ping as { error: Error }).error.message };
  } catch (err) {
    return { status: 'down', detail: (err as Error).message };
  }
}

function ingestHealth(v: NodeView): PartHealth {
  const { ingest, spool, intake } = v.ingest!;
  const h = ingest.writer.health();
  const spooled = `; spool holds ${spool.pendingBytes} of ${spool.maxBytes} bytes unstored`;
  if (ingest.writer.sealFailing)
    return {
      status: 'down',
      detail: `spool cannot write (no room on disk?): batch left open, not acknowledging new messages${spooled}; ${h.lastError ?? ''}`,
    };
  if (intake.backpressure)
    return { status: 'down', detail: `spool full: not acknowledging, the broker keeps the messages${spooled}; ${h.lastError ?? ''}` };
  if (h.state === 'ok') return { status: 'ok' };
  return {
    status: h.state,
    detail: `inserts failing for ${Math.round(h.failingForMs / 1000)} s, spooling${spooled}: ${h.lastError ?? ''}`,
  };
}
