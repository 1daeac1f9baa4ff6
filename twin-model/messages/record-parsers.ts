/**
 * Parsers for the non-reading v1 payloads: sensor meta, events and unit positions.
 * Schemas are zod (these messages are rare compared with data, so clarity wins over speed).
 */
import { z } from 'zod';
import { CLASSIFICATIONS, EVENT_TYPES, ID_PATTERN, type Classification, type EventType } from '../vocabulary.ts';
import { DeviceDirectory, MAX_EXTERNAL_IDS } from '../device-directory.ts';
import { KIND_NAME_PATTERN, MAX_KIND_METRICS } from '../vocabulary-registry.ts';
import { quoteValue } from '../quote-value.ts';
import { DEFAULT_PARSE_LIMITS, decodeJson, parseTimestamp, reject, type ParseLimits, type Rejection } from './payload-parser.ts';

const lng = z.number().finite().min(-180).max(180);
const lat = z.number().finite().min(-90).max(90);
const shortText = (max: number) => z.string().max(max);

const metaSchema = z.object({
  kind: z.string().regex(KIND_NAME_PATTERN, 'must be a sensor kind name ([a-z][a-z0-9_]*)'),
  lng,
  lat,
  name: shortText(128).optional(),
  unit: shortText(32).optional(),
  district: shortText(32).optional(),
  source: z.string().regex(ID_PATTERN).optional(),
  classification: z.enum(CLASSIFICATIONS).optional(),
  // v1.1 (contracts.md, "Devices as they come"): the names the device calls itself, and the
  // metrics of a kind the meta declares.
  externalIds: z.array(z.string().max(128)).max(MAX_EXTERNAL_IDS).optional(),
  metrics: z
    .record(z.string().max(63), z.string().max(32))
    .refine((m) => Object.keys(m).length <= MAX_KIND_METRICS, `at most ${MAX_KIND_METRICS} metrics`)
    .optional(),
});

/** A sensor's registration, from its retained meta message. */
export interface SensorMeta {
  /** A v1 kind or a declared one (vocabulary-registry.ts). */
  kind: string;
  lng: number;
  lat: number;
  name?: string;
  unit?: string;
  district?: string;
  source?: string;
  classification?: Classification;
  /** Names the device calls itself (a SenML base name such as `urn:dev:ow:10e2073a01080063:`). */
  externalIds?: string[];
  /** Metric → SenML unit of the kind, declaring it (or extending a declared kind). */
  metrics?: Record<string, string>;
}

export type MetaParse = { ok: true; meta: SensorMeta | null } | Rejection;

function zodReason(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
    .join('; ');
}

/**
 * Parses a meta payload. An empty payload (how MQTT clears a retained message) means the
 * sensor is deregistered: `meta: null`.
 */
export function parseMetaPayload(
  payload: Uint8Array,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  directory: DeviceDirectory = V1_DIRECTORY,
  sensorId = '',
): MetaParse {
  if (payload.byteLength === 0) return { ok: true, meta: null };
  const decoded = decodeJson(payload, limits);
  if (!decoded.ok) return decoded;
  const result = metaSchema.safeParse(decoded.value);
  if (!result.success) {
    const nonFinite = result.error.issues.some((i) => i.code === 'invalid_type' && i.message.includes('Infinity'));
    return reject(nonFinite ? 'non_finite' : 'bad_schema', `meta ${zodReason(result.error)}`);
  }
  const meta: SensorMeta = result.data;
  const vocabulary = directory.vocabulary;
  // The kind: known, or declared here with its metrics (checked against the vocabulary: a v1
  // name keeps its meaning, a declared metric its unit).
  if (meta.metrics) {
    const problems = vocabulary.check({ kind: meta.kind, metrics: meta.metrics });
    if (problems.length) return reject('bad_schema', `meta metrics: ${problems.slice(0, 3).join('; ')}`);
  } else if (!vocabulary.isKind(meta.kind)) {
    const declared = vocabulary
      .kinds()
      .filter((k) => k.origin !== 'v1')
      .map((k) => k.kind);
    return reject(
      'bad_schema',
      `meta kind ${quoteValue(meta.kind)} is not a sensor kind (v1 kinds: rain_gauge, water_level, …${
        declared.length ? `; declared: ${declared.slice(0, 5).join(', ')}` : ''
      }); declare it with "metrics": {"<metric>": "<SenML unit>"}`,
    );
  }
  if (meta.externalIds) {
    const problems = directory.checkBinding(sensorId, meta.externalIds);
    if (problems.length) return reject('bad_schema', `meta ${problems.slice(0, 3).join('; ')}`);
  }
  return { ok: true, meta };
}

/** The directory of a parser that knows only the v1 vocabulary (never taught: see the router). */
const V1_DIRECTORY = new DeviceDirectory();

const eventSchema = z.object({
  id: z.string().regex(ID_PATTERN),
  ts: z.union([z.number(), z.string()]),
  type: z.enum(EVENT_TYPES),
  lng,
  lat,
  category: shortText(64).optional(),
  severity: z.number().int().min(1).max(5).optional(),
  text: shortText(2000).optional(),
});

/** A discrete report: a hotline case, a video detection, a manual report. */
export interface CityEvent {
  source: string;
  id: string;
  ts: number;
  type: EventType;
  lng: number;
  lat: number;
  category: string | null;
  severity: number | null;
  text: string | null;
}

export function parseEventPayload(
  payload: Uint8Array,
  source: string,
  receivedAt: number,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): { ok: true; event: CityEvent } | Rejection {
  const decoded = decodeJson(payload, limits);
  if (!decoded.ok) return decoded;
  const result = eventSchema.safeParse(decoded.value);
  if (!result.success) return reject('bad_schema', `event ${zodReason(result.error)}`);
  const ts = parseTimestamp(result.data.ts, receivedAt, limits);
  if (typeof ts !== 'number') return ts;
  const e = result.data;
  return {
    ok: true,
    event: {
      source,
      id: e.id,
      ts,
      type: e.type,
      lng: e.lng,
      lat: e.lat,
      category: e.category ?? null,
      severity: e.severity ?? null,
      text: e.text ?? null,
    },
  };
}

const positionSchema = z.object({
  ts: z.union([z.number(), z.string()]),
  lng,
  lat,
  speed: z.number().finite().min(0).max(400).optional(),
  heading: z.number().finite().min(0).max(360).optional(),
  status: shortText(32).optional(),
});

/** A response unit's position report (AVL). */
export interface UnitPosition {
  unitId: string;
  ts: number;
  lng: number;
  lat: number;
  speed: number | null;
  heading: number | null;
  status: string | null;
}

export function parseUnitPositionPayload(
  payload: Uint8Array,
  unitId: string,
  receivedAt: number,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): { ok: true; position: UnitPosition } | Rejection {
  const decoded = decodeJson(payload, limits);
  if (!decoded.ok) return decoded;
  const result = positionSchema.safeParse(decoded.value);
  if (!result.success) return reject('bad_schema', `position ${zodReason(result.error)}`);
  const ts = parseTimestamp(result.data.ts, receivedAt, limits);
  if (typeof ts !== 'number') return ts;
  const p = result.data;
  return {
    ok: true,
    position: { unitId, ts, lng: p.lng, lat: p.lat, speed: p.speed ?? null, heading: p.heading ?? null, status: p.status ?? null },
  };
}
