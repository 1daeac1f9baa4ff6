/**
 * Counts everything the ingest does. The invariant, at every instant, in total and per source:
 * received = stored + rejected + pending (accepted, not yet written).
 */
import type { RejectReason } from '../twin-model/index.ts';

export class IngestMetrics {
  received = 0;
  stored = 0;
  rejected = 0;
  readingsStored = 0;
  readingsAccepted = 0;
  deadLettersWritten = 0;
  batchesWritten = 0;
  writeErrors = 0;
  /** Messages on `citytwin/v1/system/…` seen and ignored (not part of `received`). */
  systemMessages = 0;
  /** Received by topic family (a plain object: it is updated once per message). */
  readonly receivedByKind: Record<string, number> = {};
  /** Rejected by reason and source ("reason|source"). */
  readonly rejectedBy = new Map<string, number>();
  /** Per source: received, stored, rejected (sources beyond {@link MAX_SOURCES} count as `other`). */
  readonly bySource = new Map<string, SourceCounts>();
  /** Recent batch write durations (ms), newest last. */
  private readonly writeMs: number[] = [];
  /** Recent receive→stored latencies (ms) of the oldest message per batch. */
  private readonly storeLagMs: number[] = [];
  /** Per-second history of received counts for a rate. */
  private readonly rateWindow: Array<{ t: number; received: number; readings: number }> = [];

  countReceived(kind: string): void {
    this.received++;
    this.receivedByKind[kind] = (this.receivedByKind[kind] ?? 0) + 1;
  }

  /**
   * The label a source is counted under: itself, or `other` once {@link MAX_SOURCES} are
   * tracked (sources come from devices' meta and topics; their number must not grow memory or
   * the metrics without bound).
   */
  sourceLabel(source: string): string {
    return this.bySource.has(source) || this.bySource.size < MAX_SOURCES ? source : OTHER_SOURCES;
  }

  private source(label: string): SourceCounts {
    let c = this.bySource.get(label);
    if (!c) {
      c = { received: 0, stored: 0, rejected: 0 };
      this.bySource.set(label, c);
    }
    return c;
  }

  /** A message of `source` was accepted (it is pending until its batch is written). Returns its label. */
  countAccepted(source: string): string {
    const label = this.sourceLabel(source);
    this.source(label).received++;
    return label;
  }

  countRejected(reason: RejectReason, source: string): void {
    this.rejected++;
    const label = this.sourceLabel(source);
    const c = this.source(label);
    c.received++;
    c.rejected++;
    const key = `${reason}|${label}`;
    this.rejectedBy.set(key, (this.rejectedBy.get(key) ?? 0) + 1);
  }

  countBatch(
    messages: number,
    rejectedMessages: number,
    readings: number,
    deadLetters: number,
    writeMs: number,
    lagMs: number,
    acceptedBySource: ReadonlyMap<string, number> = new Map(),
  ): void {
    for (const [label, n] of acceptedBySource) this.source(label).stored += n;
    this.stored += messages - rejectedMessages;
    this.readingsStored += readings;
    this.deadLettersWritten += deadLetters;
    this.batchesWritten++;
    push(this.writeMs, writeMs);
    push(this.storeLagMs, lagMs);
  }

  /** Samples the counters; call about once a second. Returns messages/s and readings/s. */
  sampleRate(now: number): { messagesPerSec: number; readingsPerSec: number } {
    this.rateWindow.push({ t: now, received: this.received, readings: this.readingsAccepted });
    while (this.rateWindow.length > 6) this.rateWindow.shift();
    const first = this.rateWindow[0]!;
    const span = (now - first.t) / 1000;
    if (span <= 0) return { messagesPerSec: 0, readingsPerSec: 0 };
    return { messagesPerSec: (this.received - first.received) / span, readingsPerSec: (this.readingsAccepted - first.readings) / span };
  }

  writeP95(): number {
    return percentile(this.writeMs, 0.95);
  }

  storeLagP95(): number {
    return percentile(this.storeLagMs, 0.95);
  }
}

/** Counts of one source. received = stored + rejected + pending. */
export interface SourceCounts {
  received: number;
  stored: number;
  rejected: number;
}

/** Distinct sources counted apart; the rest are summed as {@link OTHER_SOURCES}. */
export const MAX_SOURCES = 1000;
export const OTHER_SOURCES = 'other';

function push(list: number[], value: number): void {
  list.push(value);
  if (list.length > 200) list.shift();
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export interface GaugeValues {
  pendingMessages: number;
  ingestLagMs: number;
  storageUp: boolean;
  brokerUp: boolean;
  sensors: number;
  connectedClients: number;
}

/** Prometheus text exposition (version 0.0.4). */
export function renderPrometheus(m: IngestMetrics, g: GaugeValues): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  metric('citytwin_ingest_messages_total', 'counter', 'MQTT messages by outcome (received = stored + rejected + pending).', [
    ['{outcome="received"}', m.received],
    ['{outcome="stored"}', m.stored],
    ['{outcome="rejected"}', m.rejected],
  ]);
  metric(
    'citytwin_ingest_messages_received_total',
    'counter',
    'MQTT messages received by topic family.',
    Object.entries(m.receivedByKind).map(([k, v]) => [`{topic="${escapeLabel(k)}"}`, v]),
  );
  metric(
    'citytwin_ingest_rejected_total',
    'counter',
    'Rejected (dead-lettered) messages by reason and source.',
    [...m.rejectedBy].map(([key, v]) => {
      const [reason, source] = key.split('|');
      return [`{reason="${escapeLabel(reason ?? '')}",source="${escapeLabel(source ?? '')}"}`, v];
    }),
  );
  metric(
    'citytwin_ingest_source_messages_total',
    'counter',
    'MQTT messages per source by outcome (received = stored + rejected + pending, per source).',
    [...m.bySource].flatMap(([source, c]): Array<[string, number]> => {
      const s = escapeLabel(source);
      return [
        [`{source="${s}",outcome="received"}`, c.received],
        [`{source="${s}",outcome="stored"}`, c.stored],
        [`{source="${s}",outcome="rejected"}`, c.rejected],
      ];
    }),
  );
  metric('citytwin_ingest_readings_total', 'counter', 'Readings accepted and stored.', [
    ['{state="accepted"}', m.readingsAccepted],
    ['{state="stored"}', m.readingsStored],
  ]);
  metric('citytwin_ingest_dead_letters_written_total', 'counter', 'Dead-letter rows written to storage.', [['', m.deadLettersWritten]]);
  metric('citytwin_ingest_batches_total', 'counter', 'Insert batches written.', [['', m.batchesWritten]]);
  metric('citytwin_ingest_system_messages_total', 'counter', 'Messages on citytwin/v1/system/ ignored by the ingest (not device data).', [
    ['', m.systemMessages],
  ]);
  metric('citytwin_ingest_write_errors_total', 'counter', 'Failed insert attempts (retried).', [['', m.writeErrors]]);
  metric('citytwin_ingest_pending_messages', 'gauge', 'Messages accepted but not yet stored.', [['', g.pendingMessages]]);
  metric('citytwin_ingest_lag_seconds', 'gauge', 'Age of the oldest message not yet stored.', [['', g.ingestLagMs / 1000]]);
  metric('citytwin_ingest_write_seconds_p95', 'gauge', 'p95 of recent batch insert durations.', [['', m.writeP95() / 1000]]);
  metric('citytwin_storage_up', 'gauge', 'ClickHouse takes inserts (1) or not (0).', [['', g.storageUp ? 1 : 0]]);
  metric('citytwin_broker_up', 'gauge', 'Connected to the MQTT broker.', [['', g.brokerUp ? 1 : 0]]);
  metric('citytwin_twin_sensors', 'gauge', 'Sensors known to the twin.', [['', g.sensors]]);
  metric('citytwin_web_connected_clients', 'gauge', 'Connected console clients.', [['', g.connectedClients]]);
  return `${lines.join('\n')}\n`;
}
