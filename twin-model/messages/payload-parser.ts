/**
 * Decodes and validates data payloads (native JSON and SenML JSON, RFC 8428) into readings.
 *
 * What is stored for each SenML value field (see docs/ingest.md):
 * - `v` (+ `bv`): a numeric reading of a vocabulary metric, in its fixed unit.
 * - `s` (+ `bs`): a numeric reading of the metric `<name>:sum`.
 * - `vb`, `vs`, `vd`: a text reading (`true`/`false`, the string, the base64 data) of a
 *   non-vocabulary name (device status such as `door_open`); a vocabulary metric is numeric.
 * The metric is the record's resolved name (bn + n) with the sensor's own id and one
 * separator (`:` `/` `.` `_` `-`) removed; the time is the resolved absolute time (bt + t,
 * relative to the receive time when below 2^28 s, RFC 8428 §4.5.3).
 *
 * A message is accepted or rejected as a whole: a packed message with one bad record is
 * rejected with the record's index in the reason, so accounting stays per message.
 */
import { isUtf8 } from 'node:buffer';
import { DeviceDirectory, deviceSensorId } from '../device-directory.ts';
import { canonicalUnit, convertUnit, isConvertible } from '../unit-conversion.ts';
import { seenUnit, unitMetricName, type SeenUnit } from './device-metrics.ts';
import { UNIT_ALIASES } from '../vocabulary.ts';
import type { Vocabulary } from '../vocabulary-registry.ts';

/** A numeric reading. `ts` is epoch ms. */
export interface Reading {
  metric: string;
  ts: number;
  value: number;
}

/** A text reading (SenML vs/vb/vd). */
export interface TextReading {
  metric: string;
  ts: number;
  value: string;
}

export const REJECT_REASONS = [
  'unknown_topic',
  'bad_id',
  'too_large',
  'empty',
  'invalid_utf8',
  'invalid_json',
  'bad_schema',
  'non_finite',
  'bad_time',
  'unknown_metric',
  'unit_mismatch',
  'bad_position',
  /** A gateway's record for a sensor the gateway may not speak for (its credentials). */
  'not_permitted',
  /** A CAP 1.2 warning that `parseCapXml` refuses; the detail lists its problems (docs/cap.md). */
  'bad_cap',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type Rejection = { ok: false; reason: RejectReason; detail: string };
/**
 * A parsed data message. `units`: the units its numeric readings of metrics the vocabulary has no
 * unit for came in (SenML `u`/`bu`), one per metric, absent when there are none (native JSON
 * carries no unit; docs/ingest.md, "Units of metrics the vocabulary does not know").
 */
export type DataParse = { ok: true; readings: Reading[]; texts: TextReading[]; units?: SeenUnit[] } | Rejection;

export interface ParseLimits {
  /** Largest accepted payload in bytes. */
  maxPayloadBytes: number;
  /** Oldest accepted reading, relative to the receive time. */
  maxAgeMs: number;
  /** Furthest accepted reading into the future (clock skew allowance). */
  maxFutureMs: number;
  /** Most records in one message. */
  maxRecords: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxPayloadBytes: 256 * 1024,
  maxAgeMs: 30 * 24 * 3600_000,
  maxFutureMs: 5 * 60_000,
  maxRecords: 10_000,
};

const SERVICE_METRIC = /^[a-z][a-z0-9_]{0,62}$/;
const TEXT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const SENML_RELATIVE_LIMIT_S = 2 ** 28; // RFC 8428 §4.5.3
const MAX_TEXT = 1024;

export function reject(reason: RejectReason, detail: string): Rejection {
  return { ok: false, reason, detail };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Checks size, emptiness and UTF-8, then JSON.parse; shared by every payload kind. */
export function decodeJson(payload: Uint8Array, limits: ParseLimits): { ok: true; value: unknown } | Rejection {
  if (payload.byteLength === 0) return reject('empty', 'empty payload');
  if (payload.byteLength > limits.maxPayloadBytes) {
    return reject('too_large', `payload of ${payload.byteLength} bytes is over the limit of ${limits.maxPayloadBytes}`);
  }
  if (!isUtf8(payload)) return reject('invalid_utf8', 'payload is not valid UTF-8 JSON');
  const text = Buffer.isBuffer(payload)
    ? payload.toString('utf8')
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return reject('invalid_json', `payload is not JSON: ${(err as Error).message.slice(0, 160)}`);
  }
}

/** Epoch ms from a native `ts` (epoch ms number or RFC 3339 string), checked against the window. */
export function parseTimestamp(ts: unknown, receivedAt: number, limits: ParseLimits, field = 'ts'): number | Rejection {
  let ms: number;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return reject('bad_time', `${field} ${describe(ts)} is not a finite epoch ms number`);
    ms = Math.round(ts);
  } else if (typeof ts === 'string') {
    if (!RFC3339.test(ts))
      return reject('bad_time', `${field} ${describe(ts)} is neither epoch ms nor RFC 3339 (e.g. 2026-07-01T08:00:00+08:00)`);
    ms = Date.parse(ts.replace(' ', 'T'));
    if (Number.isNaN(ms)) return reject('bad_time', `${field} ${describe(ts)} is not a valid date`);
  } else {
    return reject('bad_time', `${field} is ${ts === undefined ? 'missing' : describe(ts)}; expected epoch ms or an RFC 3339 string`);
  }
  return checkWindow(ms, receivedAt, limits, field);
}

function checkWindow(ms: number, receivedAt: number, limits: ParseLimits, field: string): number | Rejection {
  if (ms > receivedAt + limits.maxFutureMs) {
    return reject('bad_time', `${field} ${new Date(ms).toISOString()} is more than ${limits.maxFutureMs / 1000} s in the future`);
  }
  if (ms < receivedAt - limits.maxAgeMs) {
    const hint = ms > 1e9 && ms < 1e10 ? ' (it looks like epoch seconds; epoch ms is expected)' : '';
    return reject('bad_time', `${field} ${ms} is older than ${Math.round(limits.maxAgeMs / 86_400_000)} days${hint}`);
  }
  return ms;
}

/**
 * The directory of a parser that knows only the v1 vocabulary and no device names. Never
 * taught anything (the router teaches the directory it is given, not this one).
 */
const V1_DIRECTORY = new DeviceDirectory();

/** Checks that `name` is a metric a numeric reading may carry on this topic family. */
function checkNumericMetric(name: string, service: boolean, vocabulary: Vocabulary): Rejection | null {
  if (vocabulary.metric(name)) return null;
  if (service && SERVICE_METRIC.test(name)) return null;
  const names = vocabulary.metrics().map((m) => m.metric);
  return reject(
    'unknown_metric',
    `unknown metric ${describe(name)}; sensor metrics are the vocabulary's (${names.slice(0, 6).join(', ')}, … ${names.length} in all: GET /api/vocabulary)`,
  );
}

/**
 * Parses a data payload for `entityId` (a sensor, or a service when `service` is true).
 * `receivedAt` is the receive time in epoch ms (relative SenML times resolve against it).
 */
export function parseDataPayload(
  payload: Uint8Array,
  entityId: string,
  receivedAt: number,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  service = false,
  directory: DeviceDirectory = V1_DIRECTORY,
): DataParse {
  const decoded = decodeJson(payload, limits);
  if (!decoded.ok) return decoded;
  const doc = decoded.value;
  if (Array.isArray(doc)) {
    const resolver = service ? serviceNames(entityId) : sensorNames(entityId, directory);
    const walked = walkSenml(doc, receivedAt, limits, resolver, directory.vocabulary, service);
    if (!walked.ok) return walked;
    const only = walked.devices[0];
    if (only?.units) return { ok: true, readings: only.readings, texts: only.texts, units: only.units };
    return { ok: true, readings: only?.readings ?? [], texts: only?.texts ?? [] };
  }
  if (doc !== null && typeof doc === 'object')
    return parseNative(doc as Record<string, unknown>, receivedAt, limits, service, directory.vocabulary);
  return reject('bad_schema', `payload is ${describe(doc)}; expected {"ts", "values"} or a SenML array`);
}

/** The readings of one device of a gateway's pack. */
export interface DeviceReadings {
  /** The sensor they belong to: a known sensor, or the id derived from an unknown device's name. */
  sensorId: string;
  /** An unknown device: kept as an unregistered sensor under {@link deviceSensorId} of its name. */
  unknownDevice: boolean;
  /** The device's name as the pack gave it (its base name or record name), for unknown devices. */
  deviceName: string | null;
  readings: Reading[];
  texts: TextReading[];
  /** The units its readings of metrics the vocabulary has no unit for came in, absent when none (see {@link DataParse}). */
  units?: SeenUnit[];
}

export type GatewayParse = { ok: true; devices: DeviceReadings[] } | Rejection;

/**
 * Parses a gateway's SenML pack (`citytwin/v1/gateways/{gatewayId}/senml`): records of many
 * devices, each record's resolved name (bn + n) picking its sensor through the directory's
 * external ids, or `<sensorId>:` for a known sensor; a record of an unknown device is kept under
 * the device's name (docs/ingest.md, "Gateways").
 */
export function parseGatewayPayload(
  payload: Uint8Array,
  gatewayId: string,
  receivedAt: number,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  directory: DeviceDirectory = V1_DIRECTORY,
): GatewayParse {
  const decoded = decodeJson(payload, limits);
  if (!decoded.ok) return decoded;
  if (!Array.isArray(decoded.value)) return reject('bad_schema', `payload is ${describe(decoded.value)}; a gateway sends a SenML array`);
  return walkSenml(decoded.value, receivedAt, limits, gatewayNames(gatewayId, directory), directory.vocabulary, false);
}

function parseNative(
  doc: Record<string, unknown>,
  receivedAt: number,
  limits: ParseLimits,
  service: boolean,
  vocabulary: Vocabulary,
): DataParse {
  const ts = parseTimestamp(doc.ts, receivedAt, limits);
  if (typeof ts !== 'number') return ts;
  const values = doc.values;
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    return reject('bad_schema', `"values" is ${values === undefined ? 'missing' : describe(values)}; expected an object of metric: number`);
  }
  const readings: Reading[] = [];
  const byMetric = values as Record<string, unknown>;
  // `for…in` over the own keys, in the order Object.entries gives, without its pair arrays (every message).
  for (const metric in byMetric) {
    if (!Object.hasOwn(byMetric, metric)) continue;
    const value = byMetric[metric];
    const bad = checkNumericMetric(metric, service, vocabulary);
    if (bad) return bad;
    if (typeof value !== 'number') {
      return reject(
        value === 'NaN' || value === 'Infinity' || value === '-Infinity' ? 'non_finite' : 'bad_schema',
        `values.${metric} is ${describe(value)}; expected a finite number`,
      );
    }
    if (!Number.isFinite(value)) return reject('non_finite', `values.${metric} is not finite`);
    readings.push({ metric, ts, value });
  }
  if (readings.length === 0) return reject('bad_schema', '"values" is empty; expected at least one metric');
  return { ok: true, readings, texts: [] };
}

const SEPARATORS = new Set([':', '/', '.', '_', '-']);
/** Names an unknown device's numeric readings may carry (SenML name characters, RFC 8428 §4.5.1). */
const DEVICE_METRIC = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$/;

/** Who a SenML record is about, and which of its metrics. */
interface ResolvedName {
  entityId: string;
  /** The metric part of the name; `''` when the name is the device's alone (RFC 8428 §5.1.1). */
  metric: string;
  /** The sensor's kind, when known (to find the metric of a name-only record by its unit). */
  kind: string | undefined;
  unknownDevice: boolean;
  deviceName: string | null;
}

/** Resolves a record's name: `resolved` = bn + n, `bn` the base name in effect (`''` if none). */
type NameResolver = (resolved: string, bn: string, n: string, hasBaseName: boolean) => ResolvedName | Rejection;

/** On a sensor's topic: the sensor id and a separator, one of its external ids, or a plain `n`. */
function sensorNames(entityId: string, directory: DeviceDirectory): NameResolver {
  const kind = directory.kindOf(entityId);
  const named = (metric: string): ResolvedName => ({ entityId, metric, kind, unknownDevice: false, deviceName: null });
  return (resolved, _bn, _n, hasBaseName) => {
    if (resolved.startsWith(entityId) && resolved.length > entityId.length + 1 && SEPARATORS.has(resolved.charAt(entityId.length)))
      return named(resolved.slice(entityId.length + 1));
    const external = directory.matchName(resolved, entityId);
    if (external) return named(external.rest);
    if (resolved === entityId) return named('');
    if (!hasBaseName) return named(resolved);
    const names = directory.externalIdsOf(entityId);
    return reject(
      'bad_schema',
      `SenML name ${describe(resolved)} does not start with the sensor id "${entityId}" and a separator${
        names.length
          ? ` nor with one of its external ids (${names.slice(0, 4).join(', ')})`
          : ', and the sensor has no external ids (meta "externalIds")'
      }`,
    );
  };
}

/** On a service's topic: the service id and a separator, or a plain `n` (as before v1.1). */
function serviceNames(entityId: string): NameResolver {
  return (resolved, _bn, _n, hasBaseName) => {
    const named = (metric: string): ResolvedName => ({ entityId, metric, kind: undefined, unknownDevice: false, deviceName: null });
    if (resolved.startsWith(entityId) && resolved.length > entityId.length + 1 && SEPARATORS.has(resolved.charAt(entityId.length)))
      return named(resolved.slice(entityId.length + 1));
    if (!hasBaseName) return named(resolved);
    return reject('bad_schema', `SenML name ${describe(resolved)} does not start with the service id "${entityId}" and a separator`);
  };
}

/**
 * On a gateway's topic: an external id, `<sensorId>:` of a known sensor, a known sensor's id
 * as the whole base name, else an unknown device named by its base name (or, without one, by
 * the record's name).
 */
function gatewayNames(gatewayId: string, directory: DeviceDirectory): NameResolver {
  const known = (sensorId: string, metric: string): ResolvedName | Rejection =>
    directory.gatewayMay(gatewayId, sensorId)
      ? { entityId: sensorId, metric, kind: directory.kindOf(sensorId), unknownDevice: false, deviceName: null }
      : reject('not_permitted', `gateway ${gatewayId} may not publish for sensor ${sensorId}`);
  return (resolved, bn, n, hasBaseName) => {
    const external = directory.matchName(resolved);
    if (external) return known(external.sensorId, external.rest);
    const colon = resolved.indexOf(':');
    if (colon > 0 && directory.isKnownSensor(resolved.slice(0, colon))) return known(resolved.slice(0, colon), resolved.slice(colon + 1));
    const byBase = hasBaseName && bn !== '';
    const deviceName = byBase ? bn : resolved;
    const metric = byBase ? n : '';
    const sensorId = deviceSensorId(deviceName);
    if (directory.isKnownSensor(sensorId)) return known(sensorId, metric);
    return { entityId: sensorId, metric, kind: undefined, unknownDevice: true, deviceName };
  };
}

/** A unit a metric accepts as its own: the fixed unit, a v1 spelling of it, or the same canonical name. */
function isOwnUnit(fixed: string, unit: string): boolean {
  return (UNIT_ALIASES[fixed] ?? [fixed]).includes(unit) || canonicalUnit(unit) === canonicalUnit(fixed);
}

/** The metric of a name-only record: the one metric of the sensor's kind its unit fits. */
function metricByUnit(r: ResolvedName, unit: string | undefined, resolved: string, vocabulary: Vocabulary, at: string): string | Rejection {
  const metrics = r.kind !== undefined ? vocabulary.kindMetrics(r.kind) : undefined;
  if (!metrics) {
    return reject(
      'unknown_metric',
      `${at}: the name ${describe(resolved)} names sensor ${r.entityId} but no metric, and the sensor has no kind yet (no meta) to find it by its unit`,
    );
  }
  const fits = metrics.filter((m) => {
    const fixed = vocabulary.unitOf(m) ?? '';
    return unit === undefined ? metrics.length === 1 : isOwnUnit(fixed, unit) || isConvertible(unit, fixed);
  });
  if (fits.length === 1) return fits[0]!;
  const listed = metrics.map((m) => `${m} [${vocabulary.unitOf(m) ?? ''}]`).join(', ');
  return reject(
    'unknown_metric',
    `${at}: the name ${describe(resolved)} names sensor ${r.entityId} but no metric, and ${
      unit === undefined ? 'no unit' : `the unit ${describe(unit)}`
    } fits ${fits.length === 0 ? 'none' : 'several'} of kind ${r.kind}'s metrics (${listed})`,
  );
}

/** A value of `metric` in `unit` is stored as sent: no unit, a metric without one, or its own unit. */
function asSent(metric: string, unit: string | undefined, vocabulary: Vocabulary): boolean {
  const fixed = vocabulary.unitOf(metric);
  return unit === undefined || fixed === undefined || isOwnUnit(fixed, unit);
}

/** A numeric value in the metric's own unit: as sent, or converted (docs/ingest.md, "Units"). */
function inMetricUnit(
  value: number,
  metric: string,
  unit: string | undefined,
  vocabulary: Vocabulary,
  at: string,
  kind: 'value' | 'sum',
): number | Rejection {
  if (asSent(metric, unit, vocabulary)) return value;
  const fixed = vocabulary.unitOf(metric)!;
  const converted = convertUnit(value, unit!, fixed, kind);
  if (converted.ok) return converted.value;
  return reject('unit_mismatch', `${at}: ${metric} is in "${fixed}"; ${converted.detail}`);
}

/** `record <i>`, the label of a record in a refusal's detail; built once per index. */
const RECORD_LABELS: string[] = [];
function recordLabel(i: number): string {
  if (i >= 4096) return `record ${i}`;
  const label = RECORD_LABELS[i] ?? `record ${i}`;
  RECORD_LABELS[i] = label;
  return label;
}

/** Notes the unit a metric came in (the newest in the message wins; a refused one as `''`). */
function noteUnit(device: DeviceReadings, metric: string, unit: string): void {
  const kept = seenUnit(unit) ?? '';
  const units = device.units ?? [];
  device.units = units;
  for (const u of units) {
    if (u.metric === metric) {
      u.unit = kept;
      return;
    }
  }
  units.push({ metric, unit: kept });
}

interface DeviceAccumulator {
  device: DeviceReadings;
}

/**
 * Walks a SenML pack (RFC 8428 §4): base fields carried forward, names resolved by `names`,
 * times resolved (relative below 2^28 s, §4.5.3), values checked and converted into their
 * metric's unit. Readings are grouped by the entity each record resolves to, in pack order.
 */
function walkSenml(
  pack: unknown[],
  receivedAt: number,
  limits: ParseLimits,
  names: NameResolver,
  vocabulary: Vocabulary,
  service: boolean,
): GatewayParse {
  if (pack.length === 0) return reject('bad_schema', 'SenML pack is empty');
  if (pack.length > limits.maxRecords)
    return reject('too_large', `SenML pack of ${pack.length} records is over the limit of ${limits.maxRecords}`);
  const byEntity = new Map<string, DeviceAccumulator>();
  let bn = '';
  let hasBaseName = false;
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  let bs = 0;
  // The last name resolved: the records of a pack mostly repeat their name (and resolving one
  // allocates), so a repeat of the same base name, name and base-name state reuses it.
  let lastBn = '';
  let lastN = '';
  let lastHasBaseName = false;
  let lastWho: ResolvedName | null = null;
  let lastResolved = '';
  let lastAcc: DeviceAccumulator | undefined;
  // The last numeric record's checks (metric known, unit its own): they hold for a record of the
  // same name, metric and unit, as a pack's records mostly are.
  let checkedWho: ResolvedName | null = null;
  let checkedMetric = '';
  let checkedUnit: string | undefined;
  let checkedAsSent = false;
  for (let i = 0; i < pack.length; i++) {
    const rec = pack[i];
    const at = recordLabel(i);
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec))
      return reject('bad_schema', `${at} is ${describe(rec)}; expected an object`);
    const r = rec as Record<string, unknown>;
    // Base fields apply to this record and the following ones (RFC 8428 §4.1).
    if (r.bn !== undefined) {
      if (typeof r.bn !== 'string') return reject('bad_schema', `${at}: bn is ${describe(r.bn)}; expected a string`);
      bn = r.bn;
      hasBaseName = true;
    }
    if (r.bt !== undefined) {
      if (typeof r.bt !== 'number' || !Number.isFinite(r.bt)) return reject('bad_time', `${at}: bt is ${describe(r.bt)}; expected seconds`);
      bt = r.bt;
    }
    if (r.bu !== undefined) {
      if (typeof r.bu !== 'string') return reject('bad_schema', `${at}: bu is ${describe(r.bu)}; expected a string`);
      bu = r.bu;
    }
    if (r.bv !== undefined) {
      if (typeof r.bv !== 'number' || !Number.isFinite(r.bv))
        return reject('non_finite', `${at}: bv is ${describe(r.bv)}; expected a finite number`);
      bv = r.bv;
    }
    if (r.bs !== undefined) {
      if (typeof r.bs !== 'number' || !Number.isFinite(r.bs))
        return reject('non_finite', `${at}: bs is ${describe(r.bs)}; expected a finite number`);
      bs = r.bs;
    }
    if (r.bver !== undefined && (typeof r.bver !== 'number' || r.bver > 10)) {
      return reject('bad_schema', `${at}: unsupported SenML version bver=${describe(r.bver)}`);
    }
    if (r.n !== undefined && typeof r.n !== 'string') return reject('bad_schema', `${at}: n is ${describe(r.n)}; expected a string`);
    const n = (r.n as string | undefined) ?? '';
    if (bn === '' && n === '') return reject('bad_schema', `${at} has no name (n or bn)`);
    const repeat: boolean = lastWho !== null && n === lastN && bn === lastBn && hasBaseName === lastHasBaseName;
    const resolvedName: string = repeat ? lastResolved : bn + n;
    const who: ResolvedName | Rejection = repeat && lastWho !== null ? lastWho : names(resolvedName, bn, n, hasBaseName);
    if ('ok' in who) return { ...who, detail: `${at}: ${who.detail}` };
    const sameWho = who === lastWho;
    lastWho = who;
    lastResolved = resolvedName;
    lastBn = bn;
    lastN = n;
    lastHasBaseName = hasBaseName;

    let t = bt;
    if (r.t !== undefined) {
      if (typeof r.t !== 'number' || !Number.isFinite(r.t)) return reject('bad_time', `${at}: t is ${describe(r.t)}; expected seconds`);
      t += r.t;
    }
    const absoluteMs = t < SENML_RELATIVE_LIMIT_S ? receivedAt + t * 1000 : t * 1000;
    const ms = Math.round(absoluteMs);
    // The label is built only for a refusal.
    const ts =
      ms > receivedAt + limits.maxFutureMs || ms < receivedAt - limits.maxAgeMs ? checkWindow(ms, receivedAt, limits, `${at} time`) : ms;
    if (typeof ts !== 'number') return ts;

    const unit = r.u !== undefined ? r.u : bu;
    if (unit !== undefined && typeof unit !== 'string') return reject('bad_schema', `${at}: u is ${describe(unit)}; expected a string`);

    const valueFields =
      (r.v !== undefined ? 1 : 0) + (r.vs !== undefined ? 1 : 0) + (r.vb !== undefined ? 1 : 0) + (r.vd !== undefined ? 1 : 0);
    if (valueFields > 1) {
      const given = ['v', 'vs', 'vb', 'vd'].filter((f) => r[f] !== undefined);
      return reject('bad_schema', `${at} has several value fields (${given.join(', ')}); RFC 8428 allows one`);
    }
    if (valueFields === 0 && r.s === undefined) return reject('bad_schema', `${at} has no value (v, vs, vb, vd or s)`);
    const numeric = r.v !== undefined || r.s !== undefined;

    let metric = who.metric;
    if (metric === '') {
      if (who.unknownDevice) metric = unitMetricName(unit);
      else if (!numeric)
        return reject('bad_schema', `${at}: the name ${describe(resolvedName)} names sensor ${who.entityId} but no metric`);
      else {
        const found = metricByUnit(who, unit, resolvedName, vocabulary, at);
        if (typeof found !== 'string') return found;
        metric = found;
      }
    }

    let acc = sameWho ? lastAcc : byEntity.get(who.entityId);
    if (!acc) {
      acc = {
        device: { sensorId: who.entityId, unknownDevice: who.unknownDevice, deviceName: who.deviceName, readings: [], texts: [] },
      };
      byEntity.set(who.entityId, acc);
    }
    lastAcc = acc;
    const { readings, texts } = acc.device;

    const checked = numeric && who === checkedWho && metric === checkedMetric && unit === checkedUnit;
    if (numeric && !checked) {
      const known = vocabulary.metric(metric) !== undefined;
      if (!known && !(who.unknownDevice && DEVICE_METRIC.test(metric))) {
        const bad = checkNumericMetric(metric, service, vocabulary);
        if (bad) return { ...bad, detail: `${at}: ${bad.detail}` };
      }
      checkedWho = who;
      checkedMetric = metric;
      checkedUnit = unit;
      checkedAsSent = asSent(metric, unit, vocabulary);
      // A metric the vocabulary has no unit for keeps the unit it came in, once per change of
      // name or unit (not per reading): shown with its values (docs/ingest.md).
      if (!known && unit !== undefined) noteUnit(acc.device, metric, unit);
    }
    if (r.v !== undefined) {
      if (typeof r.v !== 'number')
        return reject(r.v === 'NaN' ? 'non_finite' : 'bad_schema', `${at}: v is ${describe(r.v)}; expected a number`);
      const raw = bv + r.v;
      if (!Number.isFinite(raw)) return reject('non_finite', `${at}: v is not finite`);
      const value = checkedAsSent ? raw : inMetricUnit(raw, metric, unit, vocabulary, at, 'value');
      if (typeof value !== 'number') return value;
      readings.push({ metric, ts, value });
    }
    if (r.s !== undefined) {
      if (typeof r.s !== 'number') return reject('bad_schema', `${at}: s is ${describe(r.s)}; expected a number`);
      const raw = bs + r.s;
      if (!Number.isFinite(raw)) return reject('non_finite', `${at}: s is not finite`);
      // A sum is in the unit × seconds (RFC 8428 §4.2): the unit's factor applies.
      const value = checkedAsSent ? raw : inMetricUnit(raw, metric, unit, vocabulary, at, 'sum');
      if (typeof value !== 'number') return value;
      readings.push({ metric: `${metric}:sum`, ts, value });
    }
    const textField = r.vs !== undefined ? 'vs' : r.vb !== undefined ? 'vb' : r.vd !== undefined ? 'vd' : null;
    if (textField) {
      if (vocabulary.metric(metric))
        return reject('bad_schema', `${at}: ${metric} is a numeric metric; ${textField} is not allowed for it`);
      if (!TEXT_NAME.test(metric)) return reject('bad_schema', `${at}: name ${describe(metric)} is not a valid SenML name`);
      const raw = r[textField];
      if (textField === 'vb' && typeof raw !== 'boolean')
        return reject('bad_schema', `${at}: vb is ${describe(raw)}; expected true or false`);
      if (textField !== 'vb' && typeof raw !== 'string')
        return reject('bad_schema', `${at}: ${textField} is ${describe(raw)}; expected a string`);
      texts.push({ metric, ts, value: String(raw).slice(0, MAX_TEXT) });
    }
  }
  return { ok: true, devices: [...byEntity.values()].map((a) => a.device) };
}
