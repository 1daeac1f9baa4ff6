/**
 * This process's own MQTT connection: a web node's twin feed (the ingest's topics, routed by
 * the same message router), and starting a subscription with the audit checkpoints published
 * on it.
 */
import { decodePayload, type IngestStatsAggregator, MqttSource, routeTopic } from '../../ingest/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { type BrokerLink, type PartContext, partLog } from './context.ts';

/**
 * A web node keeps its own twin replica from the topics the ingest workers take, and hears the
 * workers' stats on the system topic. Not started yet.
 */
export function twinFeed(
  ctx: PartContext,
  mqttUrl: string,
  to: { twin: TwinService; dispatch: DispatchService; workerStats: IngestStatsAggregator },
  link: BrokerLink,
): MqttSource {
  const { twin, dispatch, workerStats } = to;
  const log = partLog(ctx, 'mqtt');
  return new MqttSource({
    url: mqttUrl,
    clientId: `citytwin-${ctx.role}-${ctx.config.workerId}`,
    onMessage: (topic, payload, at) => {
      const route = routeTopic(topic);
      if (route.to === 'system') {
        if (!route.audit) workerStats.accept(topic, payload, at);
        return;
      }
      // Service metrics are the ingest's alone; the twin takes sensors, events and unit positions.
      if (route.to !== 'handler' || route.topic.kind === 'service_data') return;
      const m = decodePayload(route.topic, payload, at);
      if (!m.ok) return;
      switch (m.kind) {
        case 'meta':
          twin.onMeta(m.id, m.meta);
          return;
        case 'data':
          if (m.readings.length) twin.onReadings(m.id, m.readings);
          return;
        case 'event':
          twin.onEvent(m.event);
          return;
        case 'unit_position':
          dispatch.onPosition(m.position);
          return;
      }
    },
    onStatus: (up, err) => {
      link.up = up;
      if (err) log('warn', `MQTT: ${err.message}`);
    },
  });
}

/** What publishes on the subscription: the audit record's checkpoints, and what they cover. */
export interface AuditPublishing {
  audit: AuditService;
  twin: TwinService;
  dispatch: DispatchService;
  auth: AuthService;
}

/** Connects and subscribes; with the audit record, its checkpoints go out retained on this connection. */
export async function startSubscription(
  ctx: PartContext,
  source: MqttSource,
  link: BrokerLink,
  publishing: AuditPublishing | null,
): Promise<void> {
  const { config } = ctx;
  await source.start();
  link.up = true;
  ctx.shutdown.add(() => source.stop());
  partLog(ctx, 'mqtt')('info', `subscribed to ${config.mqttUrl}${config.mqttShareGroup ? ` (share group ${config.mqttShareGroup})` : ''}`);
  if (publishing) publishAuditCheckpoints(ctx, source, publishing);
}

/** Anything that publishes on MQTT as CityTwin: its own connection, or the embedded broker itself. */
export interface CheckpointPublisher {
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain: boolean }): unknown;
}

/**
 * The audit record's checkpoints go out retained, for an external archive (docs/security.md): on
 * the process's MQTT connection, or by the embedded broker when the ingest runs inside it and the
 * process has no connection of its own.
 */
export function publishAuditCheckpoints(ctx: PartContext, out: CheckpointPublisher, publishing: AuditPublishing): void {
  const { audit, twin, dispatch, auth } = publishing;
  audit.setPublisher((topic, payload) => out.publish(topic, payload, { qos: 1, retain: true }) !== false);
  void audit.checkpoint().catch((err: Error) => partLog(ctx, 'audit')('warn', `audit checkpoint: ${err.message}`));
  // At shutdown, before the connection closes: store what is pending and publish the final head.
  ctx.shutdown.add(async () => {
    await twin.flushIncidents();
    await dispatch.flush();
    await auth.flushEvents();
    await audit.checkpoint();
    audit.setPublisher(null);
  });
}
