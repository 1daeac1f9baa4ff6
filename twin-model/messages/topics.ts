/**
 * The v1 MQTT topic scheme (contracts.md). One parser, used by the ingest, the twin and the
 * tests, so that a topic means the same thing everywhere.
 */
import { ID_PATTERN } from '../vocabulary.ts';
import { quoteValue } from '../quote-value.ts';

export const TOPIC_ROOT = 'citytwin/v1';

export type ParsedTopic =
  | { kind: 'sensor_meta'; id: string }
  | { kind: 'sensor_data'; id: string }
  | { kind: 'service_data'; id: string }
  | { kind: 'event'; source: string }
  | { kind: 'unit_position'; id: string }
  /** A gateway's SenML pack with records of many devices (v1.1, docs/ingest.md "Gateways"). */
  | { kind: 'gateway_senml'; id: string }
  /** An official warning in CAP 1.2 XML from a feed named `source` (docs/cap.md). */
  | { kind: 'cap_warning'; source: string };

export type TopicParse = { ok: true; topic: ParsedTopic } | { ok: false; reason: 'unknown_topic' | 'bad_id'; detail: string };

/** All v1 topics, for subscribing. */
export const V1_SUBSCRIPTION = `${TOPIC_ROOT}/#`;

/**
 * CityTwin's own operational messages (compatible extension of the v1 scheme): ingest workers
 * publish their counters on `citytwin/v1/system/ingest/{workerId}/stats`. They are not device
 * data, so the ingest neither stores nor dead-letters them ({@link isSystemTopic}).
 */
export const SYSTEM_TOPIC_ROOT = `${TOPIC_ROOT}/system`;

/**
 * Signed checkpoints of the audit log (docs/security.md): `citytwin/v1/audit/checkpoints/{chain}`,
 * retained, for an external archive to keep. Operational too: neither stored nor dead-lettered.
 */
export const AUDIT_TOPIC_ROOT = `${TOPIC_ROOT}/audit`;

/**
 * Public warnings CityTwin publishes (`citytwin/v1/alerts/cap`, CAP 1.2 XML, docs/cap.md): its
 * own output, so the ingest neither stores nor dead-letters them when it hears them back.
 */
export const ALERTS_TOPIC_ROOT = `${TOPIC_ROOT}/alerts`;

function isUnder(topic: string, root: string): boolean {
  return topic.startsWith(root) && (topic.length === root.length || topic.charCodeAt(root.length) === 47) /* '/' */;
}

/** True for topics under {@link SYSTEM_TOPIC_ROOT}, {@link AUDIT_TOPIC_ROOT} or {@link ALERTS_TOPIC_ROOT} (exact root or below it). */
export function isSystemTopic(topic: string): boolean {
  return isUnder(topic, SYSTEM_TOPIC_ROOT) || isUnder(topic, AUDIT_TOPIC_ROOT) || isUnder(topic, ALERTS_TOPIC_ROOT);
}

/** True for the ingest workers' stats topics (under {@link SYSTEM_TOPIC_ROOT}). */
export function isStatsTopic(topic: string): boolean {
  return isUnder(topic, SYSTEM_TOPIC_ROOT);
}

/** True for the audit checkpoint topics. */
export function isAuditTopic(topic: string): boolean {
  return isUnder(topic, AUDIT_TOPIC_ROOT);
}

export const topics = {
  /** Counters of one ingest worker (see {@link SYSTEM_TOPIC_ROOT}). */
  ingestStats: (workerId: string) => `${SYSTEM_TOPIC_ROOT}/ingest/${workerId}/stats`,
  /** Signed checkpoints of one audit chain (see {@link AUDIT_TOPIC_ROOT}). */
  auditCheckpoints: (chain: string) => `${AUDIT_TOPIC_ROOT}/checkpoints/${chain}`,
  sensorMeta: (id: string) => `${TOPIC_ROOT}/sensors/${id}/meta`,
  sensorData: (id: string) => `${TOPIC_ROOT}/sensors/${id}/data`,
  serviceData: (id: string) => `${TOPIC_ROOT}/metrics/${id}/data`,
  event: (source: string) => `${TOPIC_ROOT}/events/${source}`,
  unitPosition: (id: string) => `${TOPIC_ROOT}/units/${id}/position`,
  gatewaySenml: (gatewayId: string) => `${TOPIC_ROOT}/gateways/${gatewayId}/senml`,
  /** Official warnings in, CAP 1.2 XML, from the feed `source` (a bureau, a gateway). */
  capWarning: (source: string) => `${TOPIC_ROOT}/warnings/${source}/cap`,
} as const;

function checkId(id: string, what: string): string | null {
  if (ID_PATTERN.test(id)) return null;
  return `${what} ${quoteValue(id)} is not 1-64 characters of [A-Za-z0-9._-]`;
}

function unknownTopic(topic: string): TopicParse {
  return {
    ok: false,
    reason: 'unknown_topic',
    detail: `unknown topic ${quoteValue(topic)}; v1 topics are sensors/{id}/meta, sensors/{id}/data, metrics/{id}/data, events/{source}, units/{id}/position, gateways/{id}/senml, warnings/{source}/cap`,
  };
}

const PREFIX = `${TOPIC_ROOT}/`;

/**
 * Parses a topic of the v1 scheme; anything else is `unknown_topic`, a bad id is `bad_id`.
 * Written with indexOf rather than split: it runs once per message on the ingest's hot path.
 */
export function parseTopic(topic: string): TopicParse {
  if (!topic.startsWith(PREFIX)) {
    return { ok: false, reason: 'unknown_topic', detail: `topic ${quoteValue(topic)} is not under ${TOPIC_ROOT}/` };
  }
  const familyEnd = topic.indexOf('/', PREFIX.length);
  if (familyEnd < 0) return unknownTopic(topic);
  const family = topic.slice(PREFIX.length, familyEnd);
  const idEnd = topic.indexOf('/', familyEnd + 1);
  const id = topic.slice(familyEnd + 1, idEnd < 0 ? undefined : idEnd);
  const leaf = idEnd < 0 ? null : topic.slice(idEnd + 1);
  let parsed: ParsedTopic | null = null;
  if (leaf === null) {
    if (family === 'events') parsed = { kind: 'event', source: id };
  } else if (family === 'sensors') {
    if (leaf === 'data') parsed = { kind: 'sensor_data', id };
    else if (leaf === 'meta') parsed = { kind: 'sensor_meta', id };
  } else if (family === 'metrics') {
    if (leaf === 'data') parsed = { kind: 'service_data', id };
  } else if (family === 'units') {
    if (leaf === 'position') parsed = { kind: 'unit_position', id };
  } else if (family === 'gateways') {
    if (leaf === 'senml') parsed = { kind: 'gateway_senml', id };
  } else if (family === 'warnings') {
    if (leaf === 'cap') parsed = { kind: 'cap_warning', source: id };
  }
  if (!parsed) return unknownTopic(topic);
  const bad = checkId(id, parsed.kind === 'event' || parsed.kind === 'cap_warning' ? 'source' : 'id');
  if (bad) return { ok: false, reason: 'bad_id', detail: bad };
  return { ok: true, topic: parsed };
}
