/**
 * The wire forms the simulated gateways send (contracts.md, "MQTT topics (v1)"): topics,
 * native JSON readings, SenML packs (RFC 8428), sensor meta, and realistic junk for the
 * dead-letter path. Pure string building.
 */
import type { Classification, MetricName, SensorKind } from '../twin-model/vocabulary.ts';
import { ID_PATTERN, KIND_METRICS, METRIC_UNITS } from '../twin-model/vocabulary.ts';
import type { SensorSite, Source } from '../twin-model/city/city-types.ts';
import type { Random } from '../twin-model/random.ts';
import type { MetricValues } from './signal-patterns.ts';

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

/** One sample of one sensor: the instant and its metric values. */
export interface Sample {
  timeMs: number;
  values: MetricValues;
}

/** How a native JSON reading writes its `ts`. */
export type TimestampStyle = 'epoch-ms' | 'rfc3339-utc' | 'rfc3339-shanghai';

/**
 * RFC 3339 date-time of an instant, in UTC (`Z`) or with China's `+08:00` offset, with
 * milliseconds (RFC 3339 §5.6 `time-secfrac`).
 */
export function formatRfc3339(timeMs: number, offset: 'Z' | '+08:00'): string {
  if (offset === 'Z') return new Date(timeMs).toISOString();
  // Shift the instant and relabel: the wall time in UTC+8 with its offset.
  return new Date(timeMs + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
}

/** Native JSON reading: `{"ts": …, "values": {"<metric>": <number>, …}}`. */
export function encodeNativeJson(sample: Sample, style: TimestampStyle = 'epoch-ms'): string {
  const ts = style === 'epoch-ms' ? sample.timeMs : formatRfc3339(sample.timeMs, style === 'rfc3339-utc' ? 'Z' : '+08:00');
  return JSON.stringify({ ts, values: sample.values });
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
 * records share one unit it goes once in `bu`, else each record has its `u`.
 * Samples must be in time order and belong to the same sensor.
 */
export function buildSenmlRecords(sensorId: string, samples: readonly Sample[]): SenmlRecord[] {
  checkId('sensorId', sensorId);
  const first = samples[0];
  if (first === undefined) throw new Error('a SenML pack needs at least one sample');
  const units = new Set<string>();
  for (const s of samples) for (const m of Object.keys(s.values) as MetricName[]) units.add(METRIC_UNITS[m]);
  const shared = units.size === 1 ? [...units][0] : undefined;
  const records: SenmlRecord[] = [];
  for (const sample of samples) {
    const dt = (sample.timeMs - first.timeMs) / 1000;
    for (const [metric, value] of Object.entries(sample.values) as Array<[MetricName, number]>) {
      const record: SenmlRecord = {};
      if (records.length === 0) {
        record.bn = `${sensorId}:`;
        record.bt = first.timeMs / 1000;
        if (shared !== undefined) record.bu = shared;
      }
      record.n = metric;
      if (shared === undefined) record.u = METRIC_UNITS[metric];
      record.v = value;
      if (dt !== 0) record.t = dt;
      records.push(record);
    }
  }
  return records;
}

/** {@link buildSenmlRecords} as a JSON string. */
export function encodeSenml(sensorId: string, samples: readonly Sample[]): string {
  return JSON.stringify(buildSenmlRecords(sensorId, samples));
}

/** Payload of `citytwin/v1/sensors/{id}/meta`. */
export interface SensorMeta {
  kind: SensorKind;
  lng: number;
  lat: number;
  name: string;
  unit?: string;
  district: string;
  source: string;
  classification: Classification;
}

/**
 * Meta of a site. `name` is the Chinese name (what a gateway in Wuhan is configured with);
 * `unit` only for single-metric kinds, where it is unambiguous; `classification` comes from
 * the site's registered source (`internal` when the source is not in the model).
 */
export function buildSensorMeta(site: SensorSite, source: Pick<Source, 'classification'> | undefined): SensorMeta {
  const metrics = KIND_METRICS[site.kind];
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
  if (only !== undefined) meta.unit = METRIC_UNITS[only];
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
export function buildJunkPayload(kind: JunkKind, sensorKind: SensorKind, timeMs: number, random: Random): string {
  const metric = KIND_METRICS[sensorKind][0] ?? 'rainfall_mm_h';
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
