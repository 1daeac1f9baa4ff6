/**
 * The ingest: one handler per v1 message type. Every message is either turned into rows for
 * storage (and handed to the live listeners at once, without waiting for storage) or
 * rejected into the dead-letter table with a reason. Nothing is dropped.
 */
import { isUtf8 } from 'node:buffer';
import {
  DEFAULT_PARSE_LIMITS,
  isSystemTopic,
  parseDataPayload,
  parseEventPayload,
  parseMetaPayload,
  parseTopic,
  parseUnitPositionPayload,
  type CityEvent,
  type ParseLimits,
  type Reading,
  type RejectReason,
  type SensorMeta,
  type UnitPosition,
} from '../twin-model/index.ts';
import type { BatchWriter } from './batch-writer.ts';
import { IngestMetrics } from './ingest-metrics.ts';
import { registryRowOf } from '../storage/registry-store.ts';
import { readingRow, type EntityName } from '../storage/storage-batch.ts';

/** Dead letters keep at most this many bytes of the raw payload (docs/ingest.md). */
export const DEAD_LETTER_PAYLOAD_BYTES = 4096;

/** Live consumers of accepted messages (the twin, the web stream). */
export interface IngestListener {
  onMeta?(sensorId: string, meta: SensorMeta | null, receivedAt: number): void;
  onReadings?(entity: EntityName, id: string, readings: Reading[], receivedAt: number): void;
  onEvent?(event: CityEvent, receivedAt: number): void;
  onUnitPosition?(position: UnitPosition, receivedAt: number): void;
}

export interface IngestPipelineOptions {
  limits?: ParseLimits;
  now?: () => number;
}

export class IngestPipeline {
  readonly metrics = new IngestMetrics();
  private readonly listeners: IngestListener[] = [];
  private readonly limits: ParseLimits;
  /** Source of each registered sensor, to attribute rejections per source. */
  private readonly sourceOf = new Map<string, string>();

  constructor(
    private readonly writer: BatchWriter,
    options: IngestPipelineOptions = {},
  ) {
    this.limits = options.limits ?? DEFAULT_PARSE_LIMITS;
  }

  addListener(listener: IngestListener): void {
    this.listeners.push(listener);
  }

  /** Handles one MQTT message. Never throws for bad input. */
  handleMessage(topic: string, payload: Uint8Array, receivedAt: number): void {
    // Our own operational messages (other workers' stats) share the `citytwin/v1/#`
    // subscription; they are not device data, so they are neither stored nor dead-lettered,
    // and they stay out of `received` so that received = stored + rejected still holds.
    if (isSystemTopic(topic)) {
      this.metrics.systemMessages++;
      return;
    }
    const parsedTopic = parseTopic(topic);
    if (!parsedTopic.ok) {
      this.metrics.countReceived('unknown');
      this.deadLetter(topic, payload, receivedAt, parsedTopic.reason, parsedTopic.detail, 'unknown');
      return;
    }
    const t = parsedTopic.topic;
    this.metrics.countReceived(t.kind);
    try {
      switch (t.kind) {
        case 'sensor_data':
          this.handleData('sensor', t.id, topic, payload, receivedAt);
          return;
        case 'service_data':
          this.handleData('service', t.id, topic, payload, receivedAt);
          return;
        case 'sensor_meta':
          this.handleMeta(t.id, topic, payload, receivedAt);
          return;
        case 'event':
          this.handleEvent(t.source, topic, payload, receivedAt);
          return;
        case 'unit_position':
          this.handleUnitPosition(t.id, topic, payload, receivedAt);
          return;
        default: {
          const never: never = t;
          throw new Error(`unhandled topic ${JSON.stringify(never)}`);
        }
      }
    } catch (err) {
      // A bug in a handler must not lose the message: dead-letter it with the error.
      this.deadLetter(topic, payload, receivedAt, 'bad_schema', `internal error: ${(err as Error).message}`, 'unknown');
    }
  }

  private handleData(entity: EntityName, id: string, topic: string, payload: Uint8Array, receivedAt: number): void {
    const parsed = parseDataPayload(payload, id, receivedAt, this.limits, entity === 'service');
    if (!parsed.ok) {
      this.deadLetter(topic, payload, receivedAt, parsed.reason, parsed.detail, this.sourceOf.get(id) ?? 'unknown');
      return;
    }
    const batch = this.writer.batch;
    for (const r of parsed.readings) batch.readings.push(readingRow(entity, id, r.metric, r.ts, r.value, receivedAt));
    for (const r of parsed.texts) batch.texts.push({ entity, sensorId: id, metric: r.metric, ts: r.ts, value: r.value, receivedAt });
    this.metrics.readingsAccepted += parsed.readings.length;
    this.accept(this.sourceOf.get(id) ?? 'unknown');
    this.writer.commitMessage(parsed.readings.length + parsed.texts.length, receivedAt);
    if (parsed.readings.length > 0) for (const l of this.listeners) l.onReadings?.(entity, id, parsed.readings, receivedAt);
  }

  private handleMeta(id: string, topic: string, payload: Uint8Array, receivedAt: number): void {
    const parsed = parseMetaPayload(payload, this.limits);
    if (!parsed.ok) {
      this.deadLetter(topic, payload, receivedAt, parsed.reason, parsed.detail, this.sourceOf.get(id) ?? 'unknown');
      return;
    }
    const m = parsed.meta;
    if (m?.source) this.sourceOf.set(id, m.source);
    this.accept(this.sourceOf.get(id) ?? 'unknown');
    this.writer.batch.sensors.push(registryRowOf(id, m, receivedAt));
    this.writer.commitMessage(1, receivedAt);
    for (const l of this.listeners) l.onMeta?.(id, m, receivedAt);
  }

  private handleEvent(source: string, topic: string, payload: Uint8Array, receivedAt: number): void {
    const parsed = parseEventPayload(payload, source, receivedAt, this.limits);
    if (!parsed.ok) {
      this.deadLetter(topic, payload, receivedAt, parsed.reason, parsed.detail, source);
      return;
    }
    const e = parsed.event;
    this.accept(source);
    this.writer.batch.events.push({
      source: e.source,
      id: e.id,
      ts: e.ts,
      type: e.type,
      category: e.category ?? '',
      lng: e.lng,
      lat: e.lat,
      severity: e.severity,
      text: e.text ?? '',
      receivedAt,
    });
    this.writer.commitMessage(1, receivedAt);
    for (const l of this.listeners) l.onEvent?.(e, receivedAt);
  }

  private handleUnitPosition(unitId: string, topic: string, payload: Uint8Array, receivedAt: number): void {
    const parsed = parseUnitPositionPayload(payload, unitId, receivedAt, this.limits);
    if (!parsed.ok) {
      this.deadLetter(topic, payload, receivedAt, parsed.reason, parsed.detail, 'unknown');
      return;
    }
    const p = parsed.position;
    this.accept('unknown');
    this.writer.batch.positions.push({
      unitId: p.unitId,
      ts: p.ts,
      lng: p.lng,
      lat: p.lat,
      speed: p.speed,
      heading: p.heading,
      status: p.status ?? '',
      receivedAt,
    });
    this.writer.commitMessage(1, receivedAt);
    for (const l of this.listeners) l.onUnitPosition?.(p, receivedAt);
  }

  /** Counts an accepted message under its source, in the totals and in the open batch (stored with it). */
  private accept(source: string): void {
    const label = this.metrics.countAccepted(source);
    const bySource = this.writer.batch.acceptedBySource;
    bySource.set(label, (bySource.get(label) ?? 0) + 1);
  }

  private deadLetter(topic: string, payload: Uint8Array, receivedAt: number, reason: RejectReason, detail: string, source: string): void {
    const raw = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const head = raw.subarray(0, DEAD_LETTER_PAYLOAD_BYTES);
    const utf8 = isUtf8(raw);
    this.writer.batch.deadLetters.push({
      receivedAt,
      topic: topic.slice(0, 512),
      reason,
      detail: detail.slice(0, 1000),
      source,
      payload: utf8 ? head.toString('utf8') : head.toString('base64'),
      payloadEncoding: utf8 ? 'utf8' : 'base64',
      payloadBytes: raw.byteLength,
    });
    this.metrics.countRejected(reason, source);
    this.writer.commitMessage(1, receivedAt, true);
  }
}
