/**
 * A load generator for benchmarks: a bounded number of data messages from synthetic sensors
 * `load-000000 …`, as fast as the broker takes them (a window of publishes awaiting their
 * callback) or at a fixed rate. Payloads are assembled from prebuilt fragments, so the
 * generator spends its time in the MQTT client, not in JSON.stringify.
 *
 * Timestamps are unique per sensor (1 ms apart) and end at the start time, so an ingest that
 * deduplicates on (sensor, metric, ts) stores every reading.
 */
import { connectAsync, type IClientOptions } from 'mqtt';
import { METRIC_UNITS, type MetricName } from '../twin-model/vocabulary.ts';

/** Options of {@link generateLoad}. */
export interface LoadOptions {
  brokerUrl: string;
  /** Number of distinct sensors the messages rotate over. */
  sensors: number;
  /** Number of messages to publish. */
  messages: number;
  /** `'single'`: native JSON with one reading; `'packed'`: SenML with `readingsPerMessage` records. */
  mode: 'single' | 'packed';
  /** Readings per packed message (ignored in single mode). @default 10 */
  readingsPerMessage?: number;
  /** @default 0 */
  qos?: 0 | 1 | 2;
  /** Target messages per second; unset = as fast as possible. */
  ratePerSec?: number;
  /** Topic before `/{sensorId}/data`. @default 'citytwin/v1/sensors' */
  topicPrefix?: string;
  /** Metric the readings carry. @default 'water_level_cm' */
  metric?: MetricName;
  /** Publishes awaiting their callback at most. @default 1000 */
  maxInFlight?: number;
  mqttOptions?: IClientOptions;
  /** Epoch-ms clock for the payload timestamps. @default Date.now */
  clock?: () => number;
  /** Monotonic ms clock for pacing and elapsed time. @default performance.now */
  monotonic?: () => number;
}

/** What {@link generateLoad} did. */
export interface LoadResult {
  /** Messages whose publish completed (written for QoS 0, acknowledged for QoS 1/2). */
  sent: number;
  readings: number;
  /** Publishes that failed. */
  errors: number;
  /** From the first publish to the last callback. */
  elapsedMs: number;
}

/** Sensor id of the i-th load sensor: `load-000123`. */
export function loadSensorId(i: number): string {
  return `load-${String(i).padStart(6, '0')}`;
}

/** Builds the payload of the k-th message of one sensor from prebuilt fragments. */
export type LoadPayloadBuilder = (sensor: number, k: number) => string;

/**
 * Payload builder for a load run. Message k of sensor s covers the timestamps
 * `baseMs + k·r … baseMs + k·r + r − 1` (r readings, 1 ms apart).
 */
export function createLoadPayloadBuilder(
  sensors: number,
  mode: 'single' | 'packed',
  readingsPerMessage: number,
  metric: MetricName,
  baseMs: number,
): LoadPayloadBuilder {
  const r = mode === 'single' ? 1 : readingsPerMessage;
  const value = (s: number, k: number, j: number): string => String(((s * 7 + k * 13 + j * 3) % 1000) / 10);
  if (mode === 'single') {
    const head = '{"ts":';
    const mid = `,"values":{"${metric}":`;
    return (s, k) => `${head + (baseMs + k) + mid + value(s, k, 0)}}}`;
  }
  const heads = Array.from({ length: sensors }, (_, s) => `[{"bn":"${loadSensorId(s)}:","bt":`);
  const firstMid = `,"bu":"${METRIC_UNITS[metric]}","n":"${metric}","v":`;
  // Relative times in seconds (RFC 8428 §4.5.3): j ms after bt.
  const tails = Array.from({ length: r }, (_, j) => `},{"n":"${metric}","t":${j / 1000},"v":`);
  return (s, k) => {
    let out = (heads[s] ?? '') + (baseMs + k * r) / 1000 + firstMid + value(s, k, 0);
    for (let j = 1; j < r; j++) out += (tails[j] ?? '') + value(s, k, j);
    return `${out}}]`;
  };
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0, got ${String(value)}`);
  return value;
}

/**
 * Publish `messages` data messages round-robin over `sensors` sensors and resolve when the
 * last publish has completed.
 */
export async function generateLoad(options: LoadOptions): Promise<LoadResult> {
  const sensors = positiveInt('sensors', options.sensors);
  const messages = positiveInt('messages', options.messages);
  const readingsPerMessage = options.mode === 'single' ? 1 : positiveInt('readingsPerMessage', options.readingsPerMessage ?? 10);
  if (options.mode !== 'single' && options.mode !== 'packed') {
    throw new Error(`mode must be 'single' or 'packed', got ${JSON.stringify(options.mode)}`);
  }
  if (sensors > 1_000_000) throw new Error(`sensors must be at most 1000000 (ids have 6 digits), got ${sensors}`);
  const maxInFlight = positiveInt('maxInFlight', options.maxInFlight ?? 1000);
  const rate = options.ratePerSec;
  if (rate !== undefined && (!Number.isFinite(rate) || rate <= 0)) {
    throw new Error(`ratePerSec must be a positive number or unset, got ${String(rate)}`);
  }
  const qos = options.qos ?? 0;
  const clock = options.clock ?? Date.now;
  const monotonic = options.monotonic ?? (() => performance.now());
  const prefix = options.topicPrefix ?? 'citytwin/v1/sensors';
  const metric = options.metric ?? 'water_level_cm';

  const perSensor = Math.ceil(messages / sensors);
  // The last message of each sensor ends just before now.
  const baseMs = clock() - perSensor * readingsPerMessage;
  const build = createLoadPayloadBuilder(sensors, options.mode, readingsPerMessage, metric, baseMs);
  const topics = Array.from({ length: sensors }, (_, s) => `${prefix}/${loadSensorId(s)}/data`);

  const client = await connectAsync(options.brokerUrl, {
    clientId: `load-${Math.floor(clock() % 1e9).toString(36)}`,
    clean: true,
    ...options.mqttOptions,
  });
  client.on('error', () => {
    /* counted through publish callbacks */
  });

  let next = 0;
  let done = 0;
  let errors = 0;
  let inFlight = 0;
  const t0 = monotonic();
  let t1 = t0;
  try {
    await new Promise<void>((resolve) => {
      let scheduled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const schedule = (): void => {
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
        });
      };
      const onDone = (err?: Error): void => {
        inFlight--;
        done++;
        if (err) errors++;
        if (done === messages) resolve();
        else schedule();
      };
      const pump = (): void => {
        let allowed = messages;
        if (rate !== undefined) allowed = Math.min(messages, Math.floor(((monotonic() - t0) * rate) / 1000) + 1);
        while (next < allowed && inFlight < maxInFlight) {
          const s = next % sensors;
          const k = Math.floor(next / sensors);
          next++;
          inFlight++;
          client.publish(topics[s] ?? '', build(s, k), { qos }, onDone);
        }
        if (rate !== undefined && next < messages && next >= allowed && timer === undefined) {
          // Wake when the next message is due.
          const dueIn = Math.max(1, ((next + 1) * 1000) / rate - (monotonic() - t0));
          timer = setTimeout(() => {
            timer = undefined;
            pump();
          }, dueIn);
        }
      };
      pump();
    });
    t1 = monotonic();
  } finally {
    await client.endAsync();
  }
  const elapsedMs = t1 - t0;
  const sent = done - errors;
  return { sent, readings: sent * readingsPerMessage, errors, elapsedMs };
}
