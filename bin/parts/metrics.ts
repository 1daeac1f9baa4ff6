/**
 * This process's `/metrics`: one prom-client registry with the default process metrics and
 * the families of the parts that run here (bin/metrics/, docs/observability.md).
 */
import type { Registry } from 'prom-client';
import {
  registerBrokerMetrics,
  registerIngestClusterMetrics,
  registerIngestMetrics,
  registerNodeGauges,
  registerSpoolMetrics,
  registerWebClusterGauges,
} from '../metrics/ingest-families.ts';
import { createMetricsRegistry } from '../metrics/metric-registry.ts';
import { registerStorageSamplerMetrics, registerStorageUsageMetrics } from '../metrics/storage-families.ts';
import {
  registerAuditMetrics,
  registerAuthMetrics,
  registerDispatchMetrics,
  registerNotificationMetrics,
  registerTwinMetrics,
} from '../metrics/web-families.ts';
import { ingestLagMs, type NodeView, storageState } from './node-view.ts';

/** The registry of the parts in `v`, and its text exposition for `GET /metrics`. */
export function nodeMetrics(v: NodeView): { registry: Registry; text: () => Promise<string> } {
  const registry = createMetricsRegistry();
  registerStorageUsageMetrics(registry, v.storageUsage);
  registerStorageSamplerMetrics(registry, v.storageUsage);
  const ingest = v.ingest;
  if (ingest) {
    const { spool, intake, ingest: running } = ingest;
    registerSpoolMetrics(registry, spool, () => intake.backpressure);
    registerIngestMetrics(registry, running.pipeline.metrics, {
      pendingMessages: () => running.writer.pendingMessages - running.writer.pendingRejected,
      ingestLagMs: () => ingestLagMs(ingest, Date.now()),
      storageUp: () => storageState(ingest) !== 'down',
    });
  } else if (v.workerStats) {
    const workers = v.workerStats;
    registerIngestClusterMetrics(registry, () => workers.summary(Date.now()));
    registerWebClusterGauges(registry, {
      clusterClients: () => v.web()?.cluster.clusterClients() ?? v.web()?.connectedClients() ?? 0,
      webNodes: () => v.web()?.cluster.webNodes() ?? 1,
    });
  }
  registerNodeGauges(registry, {
    brokerUp: () => v.link.up,
    sensors: () => v.twin?.state.sensors.length ?? 0,
    connectedClients: () => v.web()?.connectedClients() ?? 0,
  });
  if (v.auth) registerAuthMetrics(registry, v.auth, v.web);
  if (v.twin) registerTwinMetrics(registry, v.twin);
  if (v.dispatch) registerDispatchMetrics(registry, v.dispatch);
  if (v.notifications) registerNotificationMetrics(registry, v.notifications);
  if (v.audit) registerAuditMetrics(registry, v.audit);
  if (v.broker) registerBrokerMetrics(registry, v.broker);
  return { registry, text: () => registry.metrics() };
}
