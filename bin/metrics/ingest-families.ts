/**
 * The ingest's metric families (docs/observability.md lists every name and label): the
 * counters of an in-process ingest, its write-ahead spool, the sums a web node hears from the
 * ingest workers, the embedded broker's, and the gauges every node shows.
 */
import type { Registry } from 'prom-client';
import type { EmbeddedBroker, IngestClusterSummary, IngestMetrics, Spool } from '../../ingest/index.ts';
import { counter, counterBy, flag, gauge, gaugeBy } from './metric-registry.ts';

/** What the ingest figures need beyond its counters. */
export interface IngestGauges {
  /** Accepted messages not yet stored. */
  pendingMessages(): number;
  /** Age of the oldest message not yet stored (ms). */
  ingestLagMs(): number;
  /** ClickHouse takes inserts (a full spool counts as not). */
  storageUp(): boolean;
}

/** The counters of an in-process ingest (`citytwin all`, `citytwin ingest`). */
export function registerIngestMetrics(registry: Registry, m: IngestMetrics, g: IngestGauges): void {
  counterBy(
    registry,
    'citytwin_ingest_messages_total',
    'MQTT messages by outcome (received = stored + rejected + pending).',
    ['outcome'],
    () => [
      [{ outcome: 'received' }, m.received],
      [{ outcome: 'stored' }, m.stored],
      [{ outcome: 'rejected' }, m.rejected],
    ],
  );
  counterBy(registry, 'citytwin_ingest_messages_received_total', 'MQTT messages received by topic family.', ['topic'], () =>
    Object.entries(m.receivedByKind).map(([topic, n]) => [{ topic }, n] as const),
  );
  counterBy(
    registry,
    'citytwin_ingest_rejected_total',
    'Rejected (dead-lettered) messages by reason and source.',
    ['reason', 'source'],
    () =>
      [...m.rejectedBy].map(([key, n]) => {
        const [reason = '', source = ''] = key.split('|');
        return [{ reason, source }, n] as const;
      }),
  );
  counterBy(
    registry,
    'citytwin_ingest_source_messages_total',
    'MQTT messages per source by outcome (received = stored + rejected + pending, per source).',
    ['source', 'outcome'],
    () =>
      [...m.bySource].flatMap(([source, c]) => [
        [{ source, outcome: 'received' }, c.received] as const,
        [{ source, outcome: 'stored' }, c.stored] as const,
        [{ source, outcome: 'rejected' }, c.rejected] as const,
      ]),
  );
  counterBy(registry, 'citytwin_ingest_readings_total', 'Readings accepted and stored.', ['state'], () => [
    [{ state: 'accepted' }, m.readingsAccepted],
    [{ state: 'stored' }, m.readingsStored],
  ]);
  counter(registry, 'citytwin_ingest_dead_letters_written_total', 'Dead-letter rows written to storage.', () => m.deadLettersWritten);
  counter(registry, 'citytwin_ingest_batches_total', 'Insert batches written.', () => m.batchesWritten);
  counter(
    registry,
    'citytwin_ingest_system_messages_total',
    'Messages on citytwin/v1/system/ ignored by the ingest (not device data).',
    () => m.systemMessages,
  );
  counter(registry, 'citytwin_ingest_write_errors_total', 'Failed insert attempts (retried).', () => m.writeErrors);
  gauge(registry, 'citytwin_ingest_pending_messages', 'Messages accepted but not yet stored.', g.pendingMessages);
  gauge(registry, 'citytwin_ingest_lag_seconds', 'Age of the oldest message not yet stored.', () => g.ingestLagMs() / 1000);
  gauge(registry, 'citytwin_ingest_write_seconds_p95', 'p95 of recent batch insert durations.', () => m.writeP95() / 1000);
  gauge(registry, 'citytwin_storage_up', 'ClickHouse takes inserts (1) or not (0).', () => flag(g.storageUp()));
}

/** The ingest's write-ahead spool (ingest/spool/), and whether its intake holds acknowledgements back. */
export function registerSpoolMetrics(
  registry: Registry,
  s: Pick<Spool, 'pendingBytes' | 'maxBytes' | 'replayedMessages' | 'duplicatesDropped' | 'writes'>,
  backpressure: () => boolean,
): void {
  gauge(registry, 'citytwin_ingest_spool_bytes', 'Bytes in the write-ahead spool not yet stored in ClickHouse.', () => s.pendingBytes);
  gauge(
    registry,
    'citytwin_ingest_spool_max_bytes',
    'Unstored bytes the spool holds before backpressure (CITYTWIN_SPOOL_MAX_BYTES).',
    () => s.maxBytes,
  );
  gauge(
    registry,
    'citytwin_ingest_spool_backpressure',
    '1 while the spool is full and the ingest does not acknowledge (the broker keeps the messages).',
    () => flag(backpressure()),
  );
  counter(
    registry,
    'citytwin_ingest_spool_replayed_messages_total',
    'Messages spooled but not stored at the last stop, replayed at start.',
    () => s.replayedMessages,
  );
  counter(
    registry,
    'citytwin_ingest_spool_writes_total',
    'System calls that wrote message records to the spool (one per event-loop turn on the embedded broker).',
    () => s.writes,
  );
  counter(
    registry,
    'citytwin_ingest_redeliveries_dropped_total',
    'Redelivered messages dropped because the spool already holds them.',
    () => s.duplicatesDropped,
  );
}

/**
 * A web node without an ingest of its own: the contract's ingest figures summed over the
 * workers it hears on citytwin/v1/system/ingest/+/stats. Scrape either the workers or the web
 * nodes' sums, not both.
 */
export function registerIngestClusterMetrics(registry: Registry, summary: () => IngestClusterSummary): void {
  counterBy(
    registry,
    'citytwin_ingest_messages_total',
    'MQTT messages by outcome, summed over the ingest workers heard on citytwin/v1/system/ingest/+/stats.',
    ['outcome'],
    () => {
      const s = summary();
      return [
        [{ outcome: 'received' }, s.received],
        [{ outcome: 'stored' }, s.stored],
        [{ outcome: 'rejected' }, s.rejected],
      ];
    },
  );
  counterBy(registry, 'citytwin_ingest_readings_total', 'Readings accepted and stored, summed over the workers.', ['state'], () => {
    const s = summary();
    return [
      [{ state: 'accepted' }, s.readingsAccepted],
      [{ state: 'stored' }, s.readingsStored],
    ];
  });
  gauge(
    registry,
    'citytwin_ingest_pending_messages',
    'Messages received but not yet written, summed over the workers.',
    () => summary().pendingMessages,
  );
  gauge(
    registry,
    'citytwin_ingest_lag_seconds',
    'Largest age of an unwritten message over the live workers.',
    () => summary().ingestLagMs / 1000,
  );
  gaugeBy(registry, 'citytwin_ingest_workers', 'Ingest workers heard recently (live) or earlier (stale).', ['state'], () => {
    const s = summary();
    return [
      [{ state: 'live' }, s.liveWorkers],
      [{ state: 'stale' }, s.staleWorkers],
    ];
  });
  gauge(registry, 'citytwin_storage_up', 'Every live worker writes to ClickHouse (1) or not (0).', () =>
    flag(summary().storage !== 'down'),
  );
}

/** What every node shows about itself. */
export interface NodeGauges {
  brokerUp(): boolean;
  sensors(): number;
  connectedClients(): number;
}

/** Broker connection, the twin's size and this node's console clients (zero on an ingest worker). */
export function registerNodeGauges(registry: Registry, g: NodeGauges): void {
  gauge(registry, 'citytwin_broker_up', 'Connected to the MQTT broker.', () => flag(g.brokerUp()));
  gauge(registry, 'citytwin_twin_sensors', 'Sensors known to the twin.', g.sensors);
  gauge(registry, 'citytwin_web_connected_clients', 'Console clients connected to this node.', g.connectedClients);
}

/** The web nodes of a cluster (the `web` role). */
export function registerWebClusterGauges(registry: Registry, g: { clusterClients(): number; webNodes(): number }): void {
  gauge(
    registry,
    'citytwin_web_cluster_clients',
    'Console clients connected to all web nodes (through the Redis adapter; this node only without it).',
    g.clusterClients,
  );
  gauge(registry, 'citytwin_web_nodes', 'Web nodes heard through the Redis adapter (1 without it).', g.webNodes);
}

/** The embedded broker's security and resource counters. */
export function registerBrokerMetrics(registry: Registry, broker: EmbeddedBroker): void {
  const c = () => broker.counters();
  counterBy(registry, 'citytwin_mqtt_refused_publishes_total', 'Publishes refused by the topic ACL, per client id.', ['client'], () =>
    [...broker.refusedPublishes()].map(([client, n]) => [{ client }, n] as const),
  );
  counter(registry, 'citytwin_mqtt_auth_failures_total', 'MQTT logins refused for bad credentials.', () => c().authFailed);
  counter(
    registry,
    'citytwin_mqtt_auth_throttled_total',
    'Logins refused unchecked (no scrypt) while the user name or address is throttled.',
    () => c().authThrottled,
  );
  counter(
    registry,
    'citytwin_mqtt_client_id_refused_total',
    'Connects refused because the client id belongs to someone else.',
    () => c().clientIdRefused,
  );
  counter(registry, 'citytwin_mqtt_refused_subscriptions_total', 'Subscriptions refused by the topic ACL.', () => c().subscribeRefused);
  counter(
    registry,
    'citytwin_mqtt_oversize_packets_total',
    'Connections closed for a packet over the size limit.',
    () => c().oversizePackets,
  );
  counter(
    registry,
    'citytwin_mqtt_unsupported_protocol_total',
    'Connects refused for their protocol version (MQTT 5 on the embedded broker, which speaks 3.1.1).',
    () => c().unsupportedProtocol,
  );
  counter(
    registry,
    'citytwin_mqtt_slow_subscribers_disconnected_total',
    'Clients disconnected for not reading their socket.',
    () => c().slowSubscribersDisconnected,
  );
  gauge(
    registry,
    'citytwin_mqtt_stalled_publishers',
    'Publishing clients whose publishes made no progress for 5 s.',
    () => broker.deliveryStall().stalledClients,
  );
}
