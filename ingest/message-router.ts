/**
 * The one message router of the v1 topic scheme (contracts.md): a topic goes to its handler,
 * and the payload through that handler's parser. The ingest pipeline (storage and the live
 * listeners) and a web node's own subscription (its twin replica) both route through here, so
 * a topic and a payload mean the same thing in every process.
 *
 * Two steps, because the ingest counts a message under its topic family before the payload
 * is parsed: {@link routeTopic} (system, unroutable, or a topic of the scheme), then
 * {@link decodePayload} (one parser per topic kind, an exhaustive switch).
 */
import { isUtf8 } from 'node:buffer';
import { formatCapProblem, parseCapXml, type CapAlert } from '../twin-model/cap/index.ts';
import {
  DEFAULT_PARSE_LIMITS,
  DeviceDirectory,
  isAuditTopic,
  isStatsTopic,
  isSystemTopic,
  parseDataPayload,
  parseEventPayload,
  parseGatewayPayload,
  parseMetaPayload,
  parseTopic,
  parseUnitPositionPayload,
  type CityEvent,
  type DeviceReadings,
  type ParsedTopic,
  type ParseLimits,
  type Reading,
  type RejectReason,
  type SeenUnit,
  type SensorMeta,
  type TextReading,
  type UnitPosition,
} from '../twin-model/index.ts';

/** Where a topic goes. */
export type TopicRoute =
  /**
   * CityTwin's own operational messages (`citytwin/v1/system/…`: workers' stats; `citytwin/v1/audit/…`:
   * signed checkpoints; `citytwin/v1/alerts/…`: the public warnings it publishes): not device
   * data, neither stored nor dead-lettered. `stats`: a worker's stats message.
   */
  | { to: 'system'; audit: boolean; stats: boolean }
  /** Not a topic of the scheme, or a bad id in it. */
  | { to: 'unroutable'; reason: 'unknown_topic' | 'bad_id'; detail: string }
  /** A device or service message, for the handler of `topic.kind`. */
  | { to: 'handler'; topic: ParsedTopic };

/** A payload decoded by its topic's parser, or the reason it was refused. */
export type DecodedMessage =
  /** `units`: the units readings of metrics the vocabulary has no unit for came in (payload-parser.ts `DataParse`). */
  | { ok: true; kind: 'data'; entity: 'sensor' | 'service'; id: string; readings: Reading[]; texts: TextReading[]; units?: SeenUnit[] }
  | { ok: true; kind: 'meta'; id: string; meta: SensorMeta | null }
  | { ok: true; kind: 'event'; event: CityEvent }
  | { ok: true; kind: 'unit_position'; position: UnitPosition }
  /** A gateway's pack: the readings of each device it carried. */
  | { ok: true; kind: 'gateway'; gatewayId: string; devices: DeviceReadings[] }
  /** An official warning: the parsed alert and the XML as received (docs/cap.md). */
  | { ok: true; kind: 'cap'; source: string; alert: CapAlert; xml: string }
  | { ok: false; reason: RejectReason; detail: string };

/** An accepted message of one kind, as its handler gets it. */
export type AcceptedMessage<K extends Extract<DecodedMessage, { ok: true }>['kind'] = Extract<DecodedMessage, { ok: true }>['kind']> =
  Extract<DecodedMessage, { ok: true; kind: K }>;

/** Routes a topic: operational, unroutable, or to the handler of its kind. */
export function routeTopic(topic: string): TopicRoute {
  if (isSystemTopic(topic)) return { to: 'system', audit: isAuditTopic(topic), stats: isStatsTopic(topic) };
  const parsed = parseTopic(topic);
  if (!parsed.ok) return { to: 'unroutable', reason: parsed.reason, detail: parsed.detail };
  return { to: 'handler', topic: parsed.topic };
}

/**
 * Decodes the payload of a routed message with the parser of its topic kind. `directory`
 * knows the vocabulary and the devices' names; it is not changed here ({@link learnFrom}).
 */
export function decodePayload(
  topic: ParsedTopic,
  payload: Uint8Array,
  receivedAt: number,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  directory: DeviceDirectory = new DeviceDirectory(),
): DecodedMessage {
  switch (topic.kind) {
    case 'sensor_data':
    case 'service_data': {
      const service = topic.kind === 'service_data';
      const parsed = parseDataPayload(payload, topic.id, receivedAt, limits, service, directory);
      if (!parsed.ok) return parsed;
      return {
        ok: true,
        kind: 'data',
        entity: service ? 'service' : 'sensor',
        id: topic.id,
        readings: parsed.readings,
        texts: parsed.texts,
        ...(parsed.units ? { units: parsed.units } : {}),
      };
    }
    case 'sensor_meta': {
      const parsed = parseMetaPayload(payload, limits, directory, topic.id);
      return parsed.ok ? { ok: true, kind: 'meta', id: topic.id, meta: parsed.meta } : parsed;
    }
    case 'event': {
      const parsed = parseEventPayload(payload, topic.source, receivedAt, limits);
      return parsed.ok ? { ok: true, kind: 'event', event: parsed.event } : parsed;
    }
    case 'unit_position': {
      const parsed = parseUnitPositionPayload(payload, topic.id, receivedAt, limits);
      return parsed.ok ? { ok: true, kind: 'unit_position', position: parsed.position } : parsed;
    }
    case 'gateway_senml': {
      const parsed = parseGatewayPayload(payload, topic.id, receivedAt, limits, directory);
      return parsed.ok ? { ok: true, kind: 'gateway', gatewayId: topic.id, devices: parsed.devices } : parsed;
    }
    case 'cap_warning':
      return decodeCap(topic.source, payload, limits);
    default: {
      const never: never = topic;
      throw new Error(`unhandled topic ${JSON.stringify(never)}`);
    }
  }
}

/**
 * What an accepted message teaches the directory: a meta message's kind (declaring it with its
 * `metrics`) and its external ids. Every process that decodes messages calls it for each
 * accepted one, in order, so that the next message is read as the sender meant it.
 */
export function learnFrom(directory: DeviceDirectory, message: Extract<DecodedMessage, { ok: true }>): void {
  if (message.kind !== 'meta') return;
  const meta = message.meta;
  if (meta?.metrics) directory.vocabulary.declare({ kind: meta.kind, metrics: meta.metrics }, 'meta');
  directory.learnMeta(message.id, meta);
}

/** Problems listed in a refused CAP message's dead letter (the rest are counted). */
const CAP_PROBLEMS_LISTED = 12;

/**
 * An official warning in CAP 1.2 XML: parsed by `parseCapXml`; a refusal lists its problems
 * (path, value as written, what CAP allows) in the dead letter's detail.
 */
function decodeCap(source: string, payload: Uint8Array, limits: ParseLimits): DecodedMessage {
  if (payload.byteLength === 0) return { ok: false, reason: 'empty', detail: 'empty payload: expected a CAP 1.2 <alert> document' };
  if (payload.byteLength > limits.maxPayloadBytes)
    return {
      ok: false,
      reason: 'too_large',
      detail: `payload of ${payload.byteLength} bytes; at most ${limits.maxPayloadBytes} are accepted`,
    };
  if (!isUtf8(payload)) return { ok: false, reason: 'invalid_utf8', detail: 'the CAP document is not valid UTF-8' };
  const xml = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  const parsed = parseCapXml(xml);
  if (parsed.ok) return { ok: true, kind: 'cap', source, alert: parsed.alert, xml };
  const shown = parsed.problems.slice(0, CAP_PROBLEMS_LISTED).map(formatCapProblem);
  const more = parsed.problems.length - shown.length;
  return {
    ok: false,
    reason: 'bad_cap',
    detail: `not a valid CAP 1.2 alert (${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}): ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
  };
}
