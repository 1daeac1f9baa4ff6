/**
 * The metric families of a node with a console (docs/observability.md): sign-ins and refusals,
 * the incident writer, dispatch and the audit record. Each reads the counters its service keeps.
 */
import type { NotificationService } from '../../web/server/notifications/notification-service.ts';
import type { Registry } from 'prom-client';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import type { WebServer } from '../../web/server/app/web-server.ts';
import { counter, counterBy, flag, gauge, gaugeBy } from './metric-registry.ts';

/** Logins, refusals (HTTP, socket.io) and dropped security events; `web` is null until the server listens. */
export function registerAuthMetrics(registry: Registry, auth: AuthService, web: () => WebServer | null): void {
  const a = auth.counters;
  counterBy(registry, 'citytwin_auth_logins_total', 'Console sign-ins by outcome.', ['outcome'], () => [
    [{ outcome: 'ok' }, a.loginOk],
    [{ outcome: 'failed' }, a.loginFailed],
    [{ outcome: 'throttled' }, a.loginThrottled],
  ]);
  counterBy(
    registry,
    'citytwin_auth_refused_total',
    'HTTP requests and socket.io handshakes and events refused, by reason.',
    ['reason'],
    () => {
      const w = web();
      const sockets = w ? w.refusedSocketEvents() : { handshakes: 0, events: 0 };
      return [
        [{ reason: 'bad_credentials' }, a.authFailed],
        [{ reason: 'forbidden' }, a.denied],
        [{ reason: 'malformed_request' }, w?.refusedRequests() ?? 0],
        [{ reason: 'socket_handshake' }, sockets.handshakes],
        [{ reason: 'socket_event' }, sockets.events],
      ];
    },
  );
  counter(
    registry,
    'citytwin_socket_slow_clients_disconnected_total',
    'socket.io clients disconnected because more than the bound waited for them unread.',
    () => web()?.slowClientsDisconnected() ?? 0,
  );
  counter(
    registry,
    'citytwin_security_events_dropped_total',
    'Security events dropped because too many were waiting to be stored.',
    () => a.eventsDropped,
  );
}

/** The incident writer and the twin's refusals of device meta. */
export function registerTwinMetrics(registry: Registry, twin: TwinService): void {
  gauge(registry, 'citytwin_twin_writer', "1 when this node's correlator writes incidents (one node of a cluster)", () =>
    flag(twin.isWriter()),
  );
  counterBy(
    registry,
    'citytwin_incident_changes_total',
    'Incident changes: made by this node as the writer, stored, mirrored from the writer, or shadowed (computed while another node writes).',
    ['outcome'],
    () => {
      const c = twin.incidentCounters;
      return [
        [{ outcome: 'made' }, c.changes],
        [{ outcome: 'stored' }, c.stored],
        [{ outcome: 'mirrored' }, c.mirrored],
        [{ outcome: 'shadowed' }, c.shadowed],
      ];
    },
  );
  counter(
    registry,
    'citytwin_incident_store_failures_total',
    'Failed writes of incident changes (retried).',
    () => twin.incidentCounters.storeFailures,
  );
  counter(
    registry,
    'citytwin_sensor_meta_refused_total',
    'device meta messages that tried to change a registered sensor or lower a classification',
    () => twin.metaRefused,
  );
}

/** Response units by status, the dispatch log, reroutes and refused AVL fixes. */
export function registerDispatchMetrics(registry: Registry, dispatch: DispatchService): void {
  gaugeBy(registry, 'citytwin_units', 'Response units by status.', ['status'], () => {
    const byStatus = new Map<string, number>();
    for (const u of dispatch.units()) byStatus.set(u.status, (byStatus.get(u.status) ?? 0) + 1);
    return [...byStatus].map(([status, n]) => [{ status }, n] as const);
  });
  counterBy(
    registry,
    'citytwin_dispatch_log_entries_total',
    'Entries of the hash-chained dispatch log, made and stored.',
    ['outcome'],
    () => [
      [{ outcome: 'made' }, dispatch.counters.logEntries],
      [{ outcome: 'stored' }, dispatch.logCounters.stored],
    ],
  );
  counter(
    registry,
    'citytwin_dispatch_reroutes_total',
    'Routes recomputed because the road ahead became blocked.',
    () => dispatch.counters.reroutes,
  );
  counter(
    registry,
    'citytwin_units_rejected_fixes_total',
    'AVL fixes rejected (outside the city, far in the future, or older than the last fix).',
    () => dispatch.counters.rejectedFixes,
  );
}

/** The audit record: entries, signed and published checkpoints, the last verification. */
export function registerAuditMetrics(registry: Registry, audit: AuditService): void {
  counterBy(registry, 'citytwin_audit_entries_total', 'Entries of the audit chain, made and stored.', ['outcome'], () => [
    [{ outcome: 'made' }, audit.counters.made],
    [{ outcome: 'stored' }, audit.storeCounters.stored],
  ]);
  counterBy(
    registry,
    'citytwin_audit_checkpoints_total',
    'Checkpoints of the audit chain head, signed and published on MQTT.',
    ['outcome'],
    () => [
      [{ outcome: 'signed' }, audit.counters.checkpoints],
      [{ outcome: 'published' }, audit.counters.published],
    ],
  );
  gauge(
    registry,
    'citytwin_audit_verification_ok',
    '1 when the last verification of the audit record found nothing, 0 when it found tampering',
    () => {
      const v = audit.lastVerification;
      return flag(!(v && !v.ok));
    },
  );
}

/** The notification dispatcher, per channel: recipients sent, failed and dead-lettered, retries, the queue. */
export function registerNotificationMetrics(registry: Registry, notifications: NotificationService): void {
  const perChannel = () => Object.entries(notifications.dispatcher.stats());
  counterBy(
    registry,
    'citytwin_notify_recipients_total',
    'Recipients of notification messages by channel and outcome: sent, failed (refused for good) or dead (dead letters: attempts exhausted, queue full, channel gone, shutdown).',
    ['channel', 'outcome'],
    () =>
      perChannel().flatMap(([channel, s]) => [
        [{ channel, outcome: 'sent' }, s.sent] as const,
        [{ channel, outcome: 'failed' }, s.failed] as const,
        [{ channel, outcome: 'dead' }, s.dead] as const,
      ]),
  );
  counterBy(
    registry,
    'citytwin_notify_retries_total',
    'Notification messages scheduled for another attempt after a retryable failure, by channel.',
    ['channel'],
    () => perChannel().map(([channel, s]) => [{ channel }, s.retried] as const),
  );
  counterBy(
    registry,
    'citytwin_notify_attempts_total',
    'Attempts to send a notification message (one request or SMTP transaction each), by channel.',
    ['channel'],
    () => perChannel().map(([channel, s]) => [{ channel }, s.attempts] as const),
  );
  gaugeBy(
    registry,
    'citytwin_notify_queue_depth',
    'Notification messages waiting per channel: queued, being sent, or waiting for their next attempt.',
    ['channel'],
    () => perChannel().map(([channel, s]) => [{ channel }, s.queued + s.inFlight + s.retrying] as const),
  );
}
