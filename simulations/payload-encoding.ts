/**
 * The wire forms the simulated gateways send (contracts.md, "MQTT topics (v1)"): topics,
 * native JSON readings, SenML packs (RFC 8428), sensor meta, and realistic junk for the
 * dead-letter path. Pure string building.
 */
import type { Classification, SensorKind } from '../twin-model/vocabulary.ts';
import { ID_PATTERN, isSensorKind, KIND_METRICS, METRIC_UNITS } from '../twin-model/vocabulary.ts';
import type { DeclaredSensorKind, DeclaredSensorSite, SensorSite, Source } from '../twin-model/city/city-types.ts';
import type { Random } from '../twin-model/random.ts';
import { zoneOffsetMs } from './local-time.ts';

/** Root of every v1 topic. */
export const TOPIC_ROOT = 'citytwin/v1';

function checkId(what: string, id: string): string {
  if (!ID_PATTERN.test(id)) {
    throw new Error(`${what} "${id}" is not a valid id: 1-64 characters of [A-Za-z0-9._-]`);
  }
  return id;
}

/** `citytwin/v1/sensors/{sensorId}/meta` */
export function sensorMetaTopic(sensorId: string): string {
  return `${TOPIC_ROOT}/sensors/${checkId('sensorId', sensorId)}/meta`;
}

/** `citytwin/v1/sensors/{sensorId}/data` */
export function sensorDataTopic(sensorId: string): string {
  return `${TOPIC_ROOT}/sensors/${checkId('sensorId', sensorId)}/data`;
}

/** `citytwin/v1/metrics/{serviceId}/data` */
export function serviceMetricsTopic(serviceId: string): string {
  return `${TOPIC_ROOT}/metrics/${checkId('serviceId', serviceId)}/data`;
}

/** One sample of one sensor: the instant and its metric values (v1 metrics or a city's declared ones). */
export interface Sample {
  timeMs: number;
  values: Readonly<Partial<Record<string, number>>>;
}

/** How a native JSON reading writes its `ts`: epoch ms, RFC 3339 in UTC, or with the city's local offset. */
export type TimestampStyle = 'epoch-ms' | 'rfc3339-utc' | 'rfc3339-local';

/**
 * RFC 3339 date-time of an instant with milliseconds (RFC 3339 §5.6 `time-secfrac`): in UTC
 * (`Z`), or the local wall time of a time zone with its offset (`+08:00` in Asia/Shanghai,
 * `+02:00` in Europe/Vienna in summer).
 */
export function formatRfc3339(timeMs: number, zone: 'Z' | string): string {
  if (zone === 'Z') return new Date(timeMs).toISOString();
  const offsetMs = zoneOffsetMs(timeMs, zone);
  const minutes = Math.abs(offsetMs) / 60_000;
  const sign = offsetMs < 0 ? '-' : '+';
  const label = `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  // Shift the instant and relabel: the local wall time with its offset.
  return new Date(timeMs + offsetMs).toISOString().replace('Z', label);
}

/** Native JSON reading: `{"ts": …, "values": {"<metric>": <number>, …}}`; `timeZone` for `rfc3339-local`. */
export function encodeNativeJson(sample: Sample, style: TimestampStyle = 'epoch-ms', timeZone = 'UTC'): string {
  const ts = style === 'epoch-ms' ? sample.timeMs : formatRfc3339(sample.timeMs, style === 'rfc3339-utc' ? 'Z' : timeZone);
  return JSON.stringify({ ts, values: sample.values });
}

/** The SenML unit of a v1 metric, or of a metric a city declares (`units`), else none. */
function unitOf(metric: string, units: Readonly<Record<string, string>> | undefined): string | undefined {
  return units?.[metric] ?? (METRIC_UNITS as Readonly<Record<string, string>>)[metric];
}

/** A SenML record (RFC 8428 §4); only the fields the gateways use. */
export interface SenmlRecord {
  bn?: string;
  bt?: number;
  bu?: string;
  n?: string;
  u?: string;
  v?: number;
  t?: number;
}

/**
 * SenML pack for one sensor: base name `"<sensorId>:"` so each record's resolved name
 * (bn + n, RFC 8428 §4.5.1) is `<sensorId>:<metric>`; base time `bt` = the first sample in
 * seconds (float, ms precision); later samples carry `t` relative to it (§4.5.3). When all
 * records share one unit it goes once in `bu`, else each record has its `u`. Units of declared
 * metrics come from `units` (metric → SenML unit, a city's vocabulary).
 * Samples must be in time order and belong to the same sensor.
 */
export function buildSenmlRecords(sensorId: string, samples: readonly Sample[], units?: Readonly<Record<string, string>>): SenmlRecord[] {
  checkId('sensorId', sensorId);
  const first = samples[0];
  if (first === undefined) throw new Error('a SenML pack needs at least one sample');
  const seen = new Set<string | undefined>();
  for (const s of samples) for (const m of Object.keys(s.values)) seen.add(unitOf(m, units));
  const shared = seen.size === 1 ? [...seen][0] : undefined;
  const records: SenmlRecord[] = [];
  for (const sample of samples) {
    const dt = (sample.timeMs - first.timeMs) / 1000;
    for (const [metric, value] of Object.entries(sample.values) as Array<[string, number]>) {
      const record: SenmlRecord = {};
      if (records.length === 0) {
        record.bn = `${sensorId}:`;
        record.bt = first.timeMs / 1000;
        if (shared !== undefined) record.bu = shared;
      }
      record.n = metric;
      const unit = unitOf(metric, units);
      if (shared === undefined && unit !== undefined) record.u = unit;
      record.v = value;
      if (dt !== 0) record.t = dt;
      records.push(record);
    }
  }
  return records;
}

/** {@link buildSenmlRecords} as a JSON string. */
export function encodeSenml(sensorId: string, samples: readonly Sample[], units?: Readonly<Record<string, string>>): string {
  return JSON.stringify(buildSenmlRecords(sensorId, samples, units));
}

/** Payload of `citytwin/v1/sensors/{id}/meta`. */
export interface SensorMeta {
  /** A v1 kind, or one the city declares (then `metrics` says its metrics and units). */
  kind: SensorKind | (string & {});
  lng: number;
  lat: number;
  name: string;
  unit?: string;
  district: string;
  source: string;
  classification: Classification;
  /** A declared kind's metrics and their SenML units (contracts.md, "Devices as they come (v1.1)"). */
  metrics?: Record<string, string>;
}

/**
 * Meta of a site. `name` is the Chinese name (the name a gateway is configured with);
 * `unit` only for single-metric kinds, where it is unambiguous; `classification` comes from
 * the site's registered source (`internal` when the source is not in the model). A site of a
 * declared kind (`declared`: the kind as the city's vocabulary declares it) carries `metrics`.
 */
export function buildSensorMeta(
  site: SensorSite | DeclaredSensorSite,
  source: Pick<Source, 'classification'> | undefined,
  declared?: DeclaredSensorKind,
): SensorMeta {
  const kind = site.kind;
  const v1 = isSensorKind(kind);
  if (!v1 && declared?.kind !== kind) {
    throw new Error(`sensor ${site.id} is of kind ${JSON.stringify(kind)}: not a v1 kind, and no declaration of it was given`);
  }
  const metrics: readonly string[] = isSensorKind(kind) ? KIND_METRICS[kind] : Object.keys(declared!.metrics);
  const meta: SensorMeta = {
    kind: site.kind,
    lng: Math.round(site.lng * 1e6) / 1e6,
    lat: Math.round(site.lat * 1e6) / 1e6,
    name: site.nameZh,
    district: site.district,
    source: site.sourceId,
    classification: source?.classification ?? 'internal',
  };
  const only = metrics.length === 1 ? metrics[0] : undefined;
  const unit = only === undefined ? undefined : v1 ? unitOf(only, undefined) : declared!.metrics[only];
  if (unit !== undefined) meta.unit = unit;
  if (!v1) meta.metrics = { ...declared!.metrics };
  return meta;
}

/** The kinds of junk a misbehaving gateway sends. */
export const JUNK_KINDS = ['truncated-json', 'nan-string', 'unknown-metric', 'missing-ts', 'empty-senml', 'not-json'] as const;
export type JunkKind = (typeof JUNK_KINDS)[number];

/**
 * A realistic bad payload for the dead-letter path: a message cut short, `"NaN"` where a
 * number belongs, a metric not in the vocabulary, a reading without a timestamp, an empty
 * SenML pack, or a gateway's plain-text status line.
 */
export function buildJunkPayload(kind: JunkKind, sensorKind: SensorKind | (string & {}), timeMs: number, random: Random): string {
  const metric = isSensorKind(sensorKind) ? (KIND_METRICS[sensorKind][0] ?? 'rainfall_mm_h') : 'value';
  switch (kind) {
    case 'truncated-json': {
      const good = JSON.stringify({ ts: timeMs, values: { [metric]: Math.round(random.range(0, 100)) } });
      return good.slice(0, Math.max(1, Math.floor(good.length * random.range(0.3, 0.9))));
    }
    case 'nan-string':
      return `{"ts":${timeMs},"values":{"${metric}":"NaN"}}`;
    case 'unknown-metric':
      return JSON.stringify({ ts: timeMs, values: { [`${metric}_raw`]: Math.round(random.range(0, 4096)) } });
    case 'missing-ts':
      return JSON.stringify({ values: { [metric]: Math.round(random.range(0, 100)) } });
    case 'empty-senml':
      return '[]';
    case 'not-json':
      return `GW STATUS OK uptime=${Math.floor(random.range(1, 1e6))} rssi=-${Math.floor(random.range(60, 110))}`;
  }
}
