/**
 * How the simulated sensors reach the broker: grouped into gateways (one department's
 * sensors in one district, up to a few dozen per gateway), each gateway with its payload
 * format, and each sensor with its reporting interval and a phase that spreads a kind's
 * reports evenly over the interval. Pure and deterministic by seed.
 *
 * Formats: native JSON with an epoch-ms or RFC 3339 `ts` (one sample per message, all the
 * kind's metrics), or SenML (RFC 8428) with one sample per message or "packed": a batch of
 * the last few samples of ONE sensor (the topic scheme carries one sensor per data topic).
 */
import type { SensorSite } from '../twin-model/city/city-types.ts';
import { createRandom, hashString } from '../twin-model/random.ts';
import { isSensorKind, KIND_METRICS, SENSOR_KINDS, type SensorKind } from '../twin-model/vocabulary.ts';

/** Default reporting interval of each kind (ms of simulated time). */
export const REPORT_INTERVAL_MS: Readonly<Record<SensorKind, number>> = {
  rain_gauge: 60_000,
  water_level: 30_000,
  river_level: 600_000,
  traffic_flow: 60_000,
  air_quality: 300_000,
  power_substation: 60_000,
  hospital_ed: 300_000,
  metro_station: 60_000,
  city_code: 60_000,
  service_hall: 120_000,
  temperature: 300_000,
};

/** Reporting interval of a kind the city declares (not in {@link REPORT_INTERVAL_MS}). */
export const DECLARED_INTERVAL_MS = 60_000;

/** The reporting interval of a kind (v1 or declared). */
export function reportIntervalMs(kind: string): number {
  return (REPORT_INTERVAL_MS as Readonly<Record<string, number>>)[kind] ?? DECLARED_INTERVAL_MS;
}

/** Payload format of a gateway (`json-rfc3339-local`: RFC 3339 with the city's local offset). */
export type PayloadFormat = 'json-epoch' | 'json-rfc3339-utc' | 'json-rfc3339-local' | 'senml';

/** A gateway: a group of sensors that report the same way. */
export interface Gateway {
  id: string;
  format: PayloadFormat;
  /** Largest number of samples one of its messages carries (1 = one sample per message). */
  samplesPerMessage: number;
  sensorIds: string[];
}

/** How and when one sensor reports. */
export interface SensorSchedule {
  sensorId: string;
  /** A v1 kind or one the city declares. */
  kind: SensorKind | (string & {});
  /** Readings (metric values) in one sample. */
  metrics: number;
  gatewayId: string;
  format: PayloadFormat;
  /** Samples collected before a message goes out (SenML gateways only may use > 1). */
  samplesPerMessage: number;
  /** Time between samples (ms of simulated time), after the rate multiplier. */
  intervalMs: number;
  /** Offset within the interval at which this sensor samples, in [0, intervalMs). */
  phaseMs: number;
}

/** The whole plan. */
export interface GatewayPlan {
  gateways: Gateway[];
  /** One schedule per site, in the order of the input sites. */
  sensors: SensorSchedule[];
}

/** Options of {@link planGateways}. */
export interface GatewayPlanOptions {
  /** @default 1 */
  seed?: number;
  /** Samples per interval relative to {@link REPORT_INTERVAL_MS} (2 = twice as often). @default 1 */
  rateMultiplier?: number;
  /** @default 40 */
  maxSensorsPerGateway?: number;
  /** A packed SenML message never spans more than this (ms of simulated time). @default 300000 */
  maxBatchSpanMs?: number;
  /**
   * Shares of gateways per style (normalised).
   * @default { jsonEpoch: 0.4, jsonRfc3339: 0.2, senml: 0.2, senmlPacked: 0.2 }
   */
  shares?: { jsonEpoch: number; jsonRfc3339: number; senml: number; senmlPacked: number };
  /** Metrics per sample of a kind the city declares (v1 kinds: their vocabulary). @default 1 */
  declaredMetrics?: Readonly<Record<string, number>>;
}

/** What the plan needs of a site (of a v1 kind or a declared one). */
export type PlannedSite = Pick<SensorSite, 'id' | 'district' | 'sourceId'> & { kind: SensorKind | (string & {}) };

const MIN_INTERVAL_MS = 100;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

function gatewayIdOf(sourceId: string, district: string, n: number): string {
  const clean = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 24);
  return `gw-${clean(sourceId)}-${clean(district)}-${String(n).padStart(2, '0')}`;
}

/**
 * Group sites into gateways and give every sensor its format, interval and phase.
 * Same sites and seed → same plan; a sensor's phase depends only on the seed and its id.
 */
export function planGateways(sites: readonly PlannedSite[], options: GatewayPlanOptions = {}): GatewayPlan {
  const seed = options.seed ?? 1;
  const rate = positive('rateMultiplier', options.rateMultiplier ?? 1);
  const perGateway = Math.floor(positive('maxSensorsPerGateway', options.maxSensorsPerGateway ?? 40));
  const maxSpan = positive('maxBatchSpanMs', options.maxBatchSpanMs ?? 300_000);
  const shares = options.shares ?? { jsonEpoch: 0.4, jsonRfc3339: 0.2, senml: 0.2, senmlPacked: 0.2 };
  const total = shares.jsonEpoch + shares.jsonRfc3339 + shares.senml + shares.senmlPacked;
  positive('sum of shares', total);

  const root = createRandom(seed);
  const formatRandom = root.fork('gateway-formats');

  // Group by (source, district), then cut into gateways; sorted so the plan does not depend
  // on the order of the input.
  const groups = new Map<string, PlannedSite[]>();
  for (const site of sites) {
    const key = `${site.sourceId}\u0000${site.district}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [site]);
    else group.push(site);
  }
  const gateways: Gateway[] = [];
  const bySensor = new Map<string, SensorSchedule>();
  for (const key of [...groups.keys()].sort()) {
    const members = (groups.get(key) ?? []).slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let start = 0, n = 1; start < members.length; start += perGateway, n++) {
      const chunk = members.slice(start, start + perGateway);
      const head = chunk[0];
      if (head === undefined) continue;
      const id = gatewayIdOf(head.sourceId, head.district, n);
      const roll = formatRandom.next() * total;
      let format: PayloadFormat;
      let batch = 1;
      if (roll < shares.jsonEpoch) format = 'json-epoch';
      else if (roll < shares.jsonEpoch + shares.jsonRfc3339) format = formatRandom.next() < 0.5 ? 'json-rfc3339-utc' : 'json-rfc3339-local';
      else if (roll < shares.jsonEpoch + shares.jsonRfc3339 + shares.senml) format = 'senml';
      else {
        format = 'senml';
        batch = formatRandom.pick([3, 4, 5, 6]);
      }
      const gateway: Gateway = { id, format, samplesPerMessage: 1, sensorIds: [] };
      for (const site of chunk) {
        const intervalMs = Math.max(MIN_INTERVAL_MS, Math.round(reportIntervalMs(site.kind) / rate));
        // A packed batch holds as many samples as fit in maxSpan, at least 1.
        const samplesPerMessage = Math.max(1, Math.min(batch, Math.floor(maxSpan / intervalMs)));
        const phaseMs = Math.floor(createRandom((hashString(site.id) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0).next() * intervalMs);
        gateway.samplesPerMessage = Math.max(gateway.samplesPerMessage, samplesPerMessage);
        gateway.sensorIds.push(site.id);
        const metrics = isSensorKind(site.kind) ? KIND_METRICS[site.kind].length : (options.declaredMetrics?.[site.kind] ?? 1);
        bySensor.set(site.id, {
          sensorId: site.id,
          kind: site.kind,
          metrics,
          gatewayId: id,
          format,
          samplesPerMessage,
          intervalMs,
          phaseMs,
        });
      }
      gateways.push(gateway);
    }
  }
  const sensors = sites.map((site) => {
    const schedule = bySensor.get(site.id);
    if (schedule === undefined) throw new Error(`site ${site.id} has no schedule`);
    return schedule;
  });
  return { gateways, sensors };
}

/** Steady-state message and reading rates of a plan (per second of simulated time). */
export interface PlanRate {
  messagesPerSec: number;
  readingsPerSec: number;
  /** Every v1 kind, and the declared kinds in the plan. */
  byKind: Record<string, { messagesPerSec: number; readingsPerSec: number }>;
}

/**
 * Rates a plan produces, before dropout, late delivery and junk. Service halls count twice
 * when `serviceHallsOnMetricsTopic` (they also publish on the metrics topic).
 * Multiply by the simulator's `timeScale` for wall-clock rates.
 */
export function estimatePlanRate(plan: GatewayPlan, serviceHallsOnMetricsTopic = true): PlanRate {
  const byKind: PlanRate['byKind'] = Object.fromEntries(SENSOR_KINDS.map((k) => [k, { messagesPerSec: 0, readingsPerSec: 0 }]));
  let messagesPerSec = 0;
  let readingsPerSec = 0;
  for (const s of plan.sensors) {
    const copies = s.kind === 'service_hall' && serviceHallsOnMetricsTopic ? 2 : 1;
    const samplesPerSec = 1000 / s.intervalMs;
    const msg = (copies * samplesPerSec) / s.samplesPerMessage;
    const readings = copies * samplesPerSec * s.metrics;
    let k = byKind[s.kind];
    if (!k) {
      k = { messagesPerSec: 0, readingsPerSec: 0 };
      byKind[s.kind] = k;
    }
    k.messagesPerSec += msg;
    k.readingsPerSec += readings;
    messagesPerSec += msg;
    readingsPerSec += readings;
  }
  return { messagesPerSec, readingsPerSec, byKind };
}
