/**
 * The ingest: one handler per v1 message type, reached through the message router
 * (message-router.ts). Every message is either turned into rows for
 * storage (and handed to the live listeners at once, without waiting for storage) or
 * rejected into the dead-letter table with a reason. Nothing is dropped.
 */
import { isUtf8 } from 'node:buffer';
import type { CapAlert } from '../twin-model/cap/index.ts';
import {
  DEFAULT_PARSE_LIMITS,
  DeviceDirectory,
  type CityEvent,
  type ParsedTopic,
  type ParseLimits,
  type Reading,
  type RejectReason,
  type SeenUnit,
  type SensorMeta,
  type UnitPosition,
} from '../twin-model/index.ts';
import type { BatchWriter } from './batch-writer.ts';
import { IngestMetrics } from './ingest-metrics.ts';
import { registryRowOf } from '../storage/registry-store.ts';
import { type AcceptedMessage, decodePayload, learnFrom, routeTopic } from './message-router.ts';
import { pushReadingRows, type EntityName, type StorageBatch } from '../storage/storage-batch.ts';

/** Dead letters keep at most this many bytes of the raw payload (docs/ingest.md). */
export const DEAD_LETTER_PAYLOAD_BYTES = 4096;

/** Live consumers of accepted messages (the twin, the web stream). */
export interface IngestListener {
  onMeta?(sensorId: string, meta: SensorMeta | null, receivedAt: number): void;
  /** `units`: the units readings of metrics the vocabulary has no unit for came in, when any (docs/ingest.md). */
  onReadings?(entity: EntityName, id: string, readings: Reading[], receivedAt: number, units?: readonly SeenUnit[]): void;
  /** A discrete report, with the payload it came in (its fields beyond v1: a hotline case's caller). */
  onEvent?(event: CityEvent, receivedAt: number, payload: Uint8Array): void;
  onUnitPosition?(position: UnitPosition, receivedAt: number): void;
  /** An official warning (CAP 1.2) from the feed `source`, stored with the batch (docs/cap.md). */
  onCapAlert?(alert: CapAlert, xml: string, source: string, receivedAt: number): void;
}

export interface IngestPipelineOptions {
  limits?: ParseLimits;
  now?: () => number;
  /**
   * The vocabulary and the devices' names (the city's register, stored bindings), taught by
   * every accepted meta. Default: the v1 vocabulary and no names.
   */
  directory?: DeviceDirectory;
  /** Where a live listener's failure is logged (the message stays stored). */
  log?: (level: 'error', message: string) => void;
}

/** How far the open batch and the counters were before a message: what a failure partway rolls back to. */
interface BatchMark {
  batch: StorageBatch;
  messages: number;
  /** The readings' byte length (storage/reading-rows.ts). */
  readingBytes: number;
  texts: number;
  events: number;
  capWarnings: number;
  sensors: number;
  positions: number;
  readingsAccepted: number;
}

/** The source label a gateway's pack is counted under (docs/ingest.md, "Per source"). */
export function gatewaySource(gatewayId: string): string {
  return `gateway:${gatewayId}`;
}

export class IngestPipeline {
  readonly metrics = new IngestMetrics();
  private readonly listeners: IngestListener[] = [];
  private readonly limits: ParseLimits;
  /** Source each sensor's meta named, to attribute messages per source (else the city's register's). */
  private readonly metaSourceOf = new Map<string, string>();
  readonly directory: DeviceDirectory;
  private readonly log: (level: 'error', message: string) => void;
  /** The topic of the message being handled (named when a listener fails on it). */
  private topicNow = '';

  constructor(
    private readonly writer: BatchWriter,
    options: IngestPipelineOptions = {},
  ) {
    this.limits = options.limits ?? DEFAULT_PARSE_LIMITS;
    this.directory = options.directory ?? new DeviceDirectory();
    this.log = options.log ?? (() => undefined);
  }

  addListener(listener: IngestListener): void {
    this.listeners.push(listener);
  }

  /** Handles one MQTT message. Never throws for bad input. */
  handleMessage(topic: string, payload: Uint8Array, receivedAt: number): void {
    const route = routeTopic(topic);
    // Our own operational messages (other workers' stats) share the `citytwin/v1/#`
    // subscription; they are not device data, so they are neither stored nor dead-lettered,
    // and they stay out of `received` so that received = stored + rejected still holds.
    if (route.to === 'system') {
      this.metrics.systemMessages++;
      return;
    }
    if (route.to === 'unroutable') {
      this.metrics.countReceived('unknown');
      this.deadLetter(topic, payload, receivedAt, route.reason, route.detail, 'unknown');
      return;
    }
    const t = route.topic;
    this.metrics.countReceived(t.kind);
    const mark = this.mark();
    this.topicNow = topic;
    try {
      const message = decodePayload(t, payload, receivedAt, this.limits, this.directory);
      if (message.ok) {
        learnFrom(this.directory, message);
        this.accepted(message, receivedAt, payload);
      } else this.deadLetter(topic, payload, receivedAt, message.reason, message.detail, this.rejectedSource(t));
    } catch (err) {
      // A bug in a handler must not lose the message: dead-letter it with the error. What it
      // appended before failing (part of a pack: rows, texts …) and counted goes with it.
      this.rollBack(mark);
      this.deadLetter(topic, payload, receivedAt, 'bad_schema', `internal error: ${(err as Error).message}`, 'unknown');
    }
  }

  private mark(): BatchMark {
    const b = this.writer.batch;
    return {
      batch: b,
      messages: b.messages,
      readingBytes: b.readings.byteLength,
      texts: b.texts.length,
      events: b.events.length,
      capWarnings: b.capWarnings.length,
      sensors: b.sensors.length,
      positions: b.positions.length,
      readingsAccepted: this.metrics.readingsAccepted,
    };
  }

  /** Undoes a message that failed before it was committed (a committed one stays: it is stored). */
  private rollBack(m: BatchMark): void {
    const b = m.batch;
    if (this.writer.batch !== b || b.messages !== m.messages) return;
    b.readings.truncate(m.readingBytes);
    b.texts.length = m.texts;
    b.events.length = m.events;
    b.capWarnings.length = m.capWarnings;
    b.sensors.length = m.sensors;
    b.positions.length = m.positions;
    this.metrics.readingsAccepted = m.readingsAccepted;
  }

  /**
   * Hands a committed message to each live listener. A listener that throws is logged; the
   * message stays stored and the other listeners still hear of it.
   */
  private tell(call: (l: IngestListener) => void): void {
    for (const l of this.listeners) {
      try {
        call(l);
      } catch (err) {
        const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
        this.log('error', `a live listener failed on a stored message of ${this.topicNow.slice(0, 200)}: ${detail}`);
      }
    }
  }

  /** A sensor's source: the one its meta named, else the city register's, else `unknown` (docs/ingest.md, "Per source"). */
  private sourceOf(sensorId: string): string {
    return this.metaSourceOf.get(sensorId) ?? this.directory.registerSourceOf(sensorId) ?? 'unknown';
  }

  /** The source a refused message is counted under: the sensor's registered one, the event's, or `unknown`. */
  private rejectedSource(t: ParsedTopic): string {
    switch (t.kind) {
      case 'sensor_data':
      case 'service_data':
      case 'sensor_meta':
        return this.sourceOf(t.id);
      case 'event':
      case 'cap_warning':
        return t.source;
      case 'unit_position':
        return 'unknown';
      case 'gateway_senml':
        return gatewaySource(t.id);
    }
  }

  /** One handler per accepted message kind: rows into the open batch, then the live listeners. */
  private accepted(message: AcceptedMessage, receivedAt: number, payload: Uint8Array): void {
    switch (message.kind) {
      case 'data':
        this.handleData(message, receivedAt);
        return;
      case 'meta':
        this.handleMeta(message, receivedAt);
        return;
      case 'event':
        this.handleEvent(message, receivedAt, payload);
        return;
      case 'unit_position':
        this.handleUnitPosition(message, receivedAt);
        return;
      case 'cap':
        this.handleCap(message, receivedAt);
        return;
      case 'gateway':
        this.handleGateway(message, receivedAt);
        return;
    }
  }

  /**
   * A gateway's pack: one message, counted under the gateway (`gateway:<id>`), its readings
   * stored per device — unknown devices under the id derived from their name, as unregistered
   * sensors — and handed to the live listeners per device.
   */
  private handleGateway({ gatewayId, devices }: AcceptedMessage<'gateway'>, receivedAt: number): void {
    const batch = this.writer.batch;
    let rows = 0;
    for (const d of devices) {
      pushReadingRows(batch.readings, 'sensor', d.sensorId, d.readings, receivedAt);
      for (const r of d.texts)
        batch.texts.push({ entity: 'sensor', sensorId: d.sensorId, metric: r.metric, ts: r.ts, value: r.value, receivedAt });
      this.metrics.readingsAccepted += d.readings.length;
      rows += d.readings.length + d.texts.length;
    }
    this.accept(gatewaySource(gatewayId));
    this.writer.commitMessage(rows, receivedAt);
    for (const d of devices) {
      if (d.readings.length > 0) this.tell((l) => l.onReadings?.('sensor', d.sensorId, d.readings, receivedAt, d.units));
    }
  }

  private handleCap({ source, alert, xml }: AcceptedMessage<'cap'>, receivedAt: number): void {
    this.writer.batch.capWarnings.push({
      receivedAt,
      via: 'mqtt',
      source,
      sender: alert.sender,
      identifier: alert.identifier,
      sent: alert.sent,
      msgType: alert.msgType,
      status: alert.status,
      xml,
    });
    this.accept(source);
    this.writer.commitMessage(1, receivedAt);
    this.tell((l) => l.onCapAlert?.(alert, xml, source, receivedAt));
  }

  private handleData({ entity, id, readings, texts, units }: AcceptedMessage<'data'>, receivedAt: number): void {
    const batch = this.writer.batch;
    pushReadingRows(batch.readings, entity, id, readings, receivedAt);
    for (const r of texts) batch.texts.push({ entity, sensorId: id, metric: r.metric, ts: r.ts, value: r.value, receivedAt });
    this.metrics.readingsAccepted += readings.length;
    this.accept(this.sourceOf(id));
    this.writer.commitMessage(readings.length + texts.length, receivedAt);
    if (readings.length > 0) this.tell((l) => l.onReadings?.(entity, id, readings, receivedAt, units));
  }

  private handleMeta({ id, meta: m }: AcceptedMessage<'meta'>, receivedAt: number): void {
    if (m?.source) this.metaSourceOf.set(id, m.source);
    this.writer.batch.sensors.push(registryRowOf(id, m, receivedAt));
    this.accept(this.sourceOf(id));
    this.writer.commitMessage(1, receivedAt);
    this.tell((l) => l.onMeta?.(id, m, receivedAt));
  }

  private handleEvent({ event: e }: AcceptedMessage<'event'>, receivedAt: number, payload: Uint8Array): void {
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
    this.accept(e.source);
    this.writer.commitMessage(1, receivedAt);
    this.tell((l) => l.onEvent?.(e, receivedAt, payload));
  }

  private handleUnitPosition({ position: p }: AcceptedMessage<'unit_position'>, receivedAt: number): void {
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
    this.accept('unknown');
    this.writer.commitMessage(1, receivedAt);
    this.tell((l) => l.onUnitPosition?.(p, receivedAt));
  }

  /**
   * Counts an accepted message under its source, in the totals and in the open batch (stored with
   * it). Called just before the message is committed, so a failure before it counts nothing.
   */
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
