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
import { METRIC_UNITS, isKnownUnitFor, isMetricName } from '../vocabulary.ts';

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
  /** A CAP 1.2 warning that `parseCapXml` refuses; the detail lists its problems (docs/cap.md). */
  'bad_cap',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type Rejection = { ok: false; reason: RejectReason; detail: string };
export type DataParse = { ok: true; readings: Reading[]; texts: TextReading[] } | Rejection;

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

/** Checks that `name` is a metric a numeric reading may carry on this topic family. */
function checkNumericMetric(name: string, service: boolean): Rejection | null {
  if (isMetricName(name)) return null;
  if (service && SERVICE_METRIC.test(name)) return null;
  return reject(
    'unknown_metric',
    `unknown metric ${describe(name)}; sensor metrics are the v1 vocabulary (${Object.keys(METRIC_UNITS).slice(0, 6).join(', ')}, …)`,
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
): DataParse {
  const decoded = decodeJson(payload, limits);
  if (!decoded.ok) return decoded;
  const doc = decoded.value;
  if (Array.isArray(doc)) return parseSenml(doc, entityId, receivedAt, limits, service);
  if (doc !== null && typeof doc === 'object') return parseNative(doc as Record<string, unknown>, receivedAt, limits, service);
  return reject('bad_schema', `payload is ${describe(doc)}; expected {"ts", "values"} or a SenML array`);
}

function parseNative(doc: Record<string, unknown>, receivedAt: number, limits: ParseLimits, service: boolean): DataParse {
  const ts = parseTimestamp(doc.ts, receivedAt, limits);
  if (typeof ts !== 'number') return ts;
  const values = doc.values;
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    return reject('bad_schema', `"values" is ${values === undefined ? 'missing' : describe(values)}; expected an object of metric: number`);
  }
  const readings: Reading[] = [];
  for (const [metric, value] of Object.entries(values as Record<string, unknown>)) {
    const bad = checkNumericMetric(metric, service);
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

/** The metric of a resolved SenML name: the name with the sensor id and one separator removed. */
function senmlMetric(resolved: string, entityId: string, hasBaseName: boolean): string | Rejection {
  if (resolved.startsWith(entityId) && resolved.length > entityId.length + 1 && SEPARATORS.has(resolved.charAt(entityId.length))) {
    return resolved.slice(entityId.length + 1);
  }
  if (hasBaseName) {
    return reject('bad_schema', `SenML name ${describe(resolved)} does not start with the sensor id "${entityId}" and a separator`);
  }
  return resolved;
}

function parseSenml(pack: unknown[], entityId: string, receivedAt: number, limits: ParseLimits, service: boolean): DataParse {
  if (pack.length === 0) return reject('bad_schema', 'SenML pack is empty');
  if (pack.length > limits.maxRecords)
    return reject('too_large', `SenML pack of ${pack.length} records is over the limit of ${limits.maxRecords}`);
  const readings: Reading[] = [];
  const texts: TextReading[] = [];
  let bn = '';
  let hasBaseName = false;
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  let bs = 0;
  for (let i = 0; i < pack.length; i++) {
    const rec = pack[i];
    const at = `record ${i}`;
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
    const resolvedName = bn + ((r.n as string | undefined) ?? '');
    if (resolvedName === '') return reject('bad_schema', `${at} has no name (n or bn)`);
    const metricOrErr = senmlMetric(resolvedName, entityId, hasBaseName);
    if (typeof metricOrErr !== 'string') return { ...metricOrErr, detail: `${at}: ${metricOrErr.detail}` };
    const metric = metricOrErr;

    let t = bt;
    if (r.t !== undefined) {
      if (typeof r.t !== 'number' || !Number.isFinite(r.t)) return reject('bad_time', `${at}: t is ${describe(r.t)}; expected seconds`);
      t += r.t;
    }
    const absoluteMs = t < SENML_RELATIVE_LIMIT_S ? receivedAt + t * 1000 : t * 1000;
    const ts = checkWindow(Math.round(absoluteMs), receivedAt, limits, `${at} time`);
    if (typeof ts !== 'number') return ts;

    const unit = r.u !== undefined ? r.u : bu;
    if (unit !== undefined && typeof unit !== 'string') return reject('bad_schema', `${at}: u is ${describe(unit)}; expected a string`);

    const valueFields = ['v', 'vs', 'vb', 'vd'].filter((f) => r[f] !== undefined);
    if (valueFields.length > 1)
      return reject('bad_schema', `${at} has several value fields (${valueFields.join(', ')}); RFC 8428 allows one`);
    if (valueFields.length === 0 && r.s === undefined) return reject('bad_schema', `${at} has no value (v, vs, vb, vd or s)`);

    if (r.v !== undefined || r.s !== undefined) {
      const bad = checkNumericMetric(metric, service);
      if (bad) return { ...bad, detail: `${at}: ${bad.detail}` };
      if (unit !== undefined && isMetricName(metric) && !isKnownUnitFor(metric, unit)) {
        return reject('unit_mismatch', `${at}: unit ${describe(unit)} for ${metric}; its fixed unit is "${METRIC_UNITS[metric]}"`);
      }
    }
    if (r.v !== undefined) {
      if (typeof r.v !== 'number')
        return reject(r.v === 'NaN' ? 'non_finite' : 'bad_schema', `${at}: v is ${describe(r.v)}; expected a number`);
      const value = bv + r.v;
      if (!Number.isFinite(value)) return reject('non_finite', `${at}: v is not finite`);
      readings.push({ metric, ts, value });
    }
    if (r.s !== undefined) {
      if (typeof r.s !== 'number') return reject('bad_schema', `${at}: s is ${describe(r.s)}; expected a number`);
      const value = bs + r.s;
      if (!Number.isFinite(value)) return reject('non_finite', `${at}: s is not finite`);
      readings.push({ metric: `${metric}:sum`, ts, value });
    }
    const textField = r.vs !== undefined ? 'vs' : r.vb !== undefined ? 'vb' : r.vd !== undefined ? 'vd' : null;
    if (textField) {
      if (isMetricName(metric)) return reject('bad_schema', `${at}: ${metric} is a numeric metric; ${textField} is not allowed for it`);
      if (!TEXT_NAME.test(metric)) return reject('bad_schema', `${at}: name ${describe(metric)} is not a valid SenML name`);
      const raw = r[textField];
      if (textField === 'vb' && typeof raw !== 'boolean')
        return reject('bad_schema', `${at}: vb is ${describe(raw)}; expected true or false`);
      if (textField !== 'vb' && typeof raw !== 'string')
        return reject('bad_schema', `${at}: ${textField} is ${describe(raw)}; expected a string`);
      texts.push({ metric, ts, value: String(raw).slice(0, MAX_TEXT) });
    }
  }
  return { ok: true, readings, texts };
}
