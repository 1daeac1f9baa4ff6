/**
 * This process's own MQTT connection: a web node's twin feed (the ingest's topics, routed by
 * the same message router), and starting a subscription with the audit checkpoints published
 * on it.
 */
import { decodePayload, type IngestStatsAggregator, learnFrom, MqttSource, routeTopic } from '../../ingest/index.ts';
import { DEFAULT_PARSE_LIMITS, type DeviceDirectory } from '../../twin-model/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import type { CapService } from '../../web/server/cap/cap-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { CaseService } from '../../web/server/cases/case-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import { type BrokerLink, type PartContext, partLog } from './context.ts';

/**
 * A web node keeps its own twin replica from the topics the ingest workers take, and hears the
 * workers' stats on the system topic. Not started yet.
 */
export function twinFeed(
  ctx: PartContext,
  mqttUrl: string,
  to: {
    twin: TwinService;
    dispatch: DispatchService;
    cases: CaseService | null;
    workerStats: IngestStatsAggregator;
    cap?: CapService | null;
  },
  link: BrokerLink,
  directory: DeviceDirectory,
): MqttSource {
  const { twin, dispatch, cases, workerStats, cap } = to;
  const log = partLog(ctx, 'mqtt');
  return new MqttSource({
    url: mqttUrl,
    clientId: `citytwin-${ctx.role}-${ctx.config.workerId}`,
    onMessage: (topic, payload, at) => {
      const route = routeTopic(topic);
      if (route.to === 'system') {
        if (route.stats) workerStats.accept(topic, payload, at);
        return;
      }
      // Service metrics are the ingest's alone; the twin takes sensors, events and unit positions.
      if (route.to !== 'handler' || route.topic.kind === 'service_data') return;
      const m = decodePayload(
        route.topic,
        payload,
        at,
        { ...DEFAULT_PARSE_LIMITS, maxPayloadBytes: ctx.config.maxPayloadBytes },
        directory,
      );
      if (!m.ok) return;
      // The same lesson the ingest takes from it: a kind a meta declares, names it binds.
      learnFrom(directory, m);
      switch (m.kind) {
        case 'meta':
          twin.onMeta(m.id, m.meta);
          return;
        case 'data':
          if (m.readings.length) twin.onReadings(m.id, m.readings, m.units);
          return;
        case 'event':
          // The case first (on the node that holds the case desk): the incident its report opens or joins then finds it.
          if (m.event.type === 'citizen_report') cases?.report(payload, m.event.source, at);
          twin.onEvent(m.event);
          return;
        case 'unit_position':
          dispatch.onPosition(m.position);
          return;
        case 'gateway':
          for (const d of m.devices) if (d.readings.length) twin.onReadings(d.sensorId, d.readings, d.units);
          return;
        // Stored by the ingest workers; held here for the map and the correlator.
        case 'cap':
          void cap?.receive(m.alert, null).catch((err: Error) => log('warn', `cap: ${err.message}`));
          return;
      }
    },
    onStatus: (up, err) => {
      link.up = up;
      if (err) log('warn', `MQTT: ${err.message}`);
    },
  });
}

/** What publishes on the subscription: the audit record's checkpoints, and what they cover; published public warnings. */
export interface AuditPublishing {
  audit: AuditService;
  twin: TwinService;
  dispatch: DispatchService;
  auth: AuthService;
  cap?: CapService | null;
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
  const { audit, twin, dispatch, auth, cap } = publishing;
  audit.setPublisher((topic, payload) => out.publish(topic, payload, { qos: 1, retain: true }) !== false);
  // Published alerts on the same connection, not retained: the feed is their index (docs/cap.md).
  cap?.setPublisher((topic, xml) => {
    out.publish(topic, xml, { qos: 1, retain: false });
  });
  void audit.checkpoint().catch((err: Error) => partLog(ctx, 'audit')('warn', `audit checkpoint: ${err.message}`));
  // At shutdown, before the connection closes: store what is pending and publish the final head.
  ctx.shutdown.add(async () => {
    await twin.flushIncidents();
    await dispatch.flush();
    await auth.flushEvents();
    await audit.checkpoint();
    audit.setPublisher(null);
    cap?.setPublisher(null);
  });
}
