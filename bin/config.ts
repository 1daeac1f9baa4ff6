/**
 * The one place that reads the environment. Every variable is optional (contracts.md); a bad
 * value stops start-up with one line naming the variable, the value and what is allowed.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface CityTwinConfig {
  httpPort: number;
  httpHost: string;
  /** External broker URL, or null for the embedded aedes broker. */
  mqttUrl: string | null;
  /** Embedded broker port (0 = pick a free one). */
  mqttPort: number;
  /** External ClickHouse URL, or null for the embedded engine. */
  clickhouseUrl: string | null;
  dataDir: string;
  simulate: boolean;
  logLevel: LogLevel;
  /** Seed of the generated city model (extension). */
  citySeed: number;
  /** Number of sensor sites in the generated city (extension). */
  sensorCount: number;
  /** Simulator scenario (extension). */
  scenario: 'none' | 'rainstorm';
  /** Simulated seconds per real second (extension). */
  timeScale: number;
  /** Shared-subscription group for ingest workers, or null for a plain subscription (extension). */
  mqttShareGroup: string | null;
  /** Insert batch limits (extension). */
  batchMaxRows: number;
  batchMaxDelayMs: number;
  /** Largest accepted MQTT payload in bytes (extension). */
  maxPayloadBytes: number;
}

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function fail(name: string, value: string, allowed: string): never {
  throw new ConfigError(`${name}=${JSON.stringify(value)} is not valid: expected ${allowed}`);
}

function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) fail(name, raw, `an integer from ${min} to ${max}`);
  const n = Number(raw.trim());
  if (n < min || n > max) fail(name, raw, `an integer from ${min} to ${max}`);
  return n;
}

function numVar(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < min || n > max) fail(name, raw, `a number from ${min} to ${max}`);
  return n;
}

function boolVar(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  return fail(name, raw, '1 or 0');
}

function enumVar<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw)) fail(name, raw, `one of ${allowed.join(', ')}`);
  return raw as T;
}

function urlVar(env: Env, name: string, protocols: readonly string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(name, raw, `a URL (${protocols.map((p) => `${p}//…`).join(', ')})`);
  }
  if (!protocols.includes(url.protocol)) fail(name, raw, `a URL with scheme ${protocols.join(' or ')}`);
  return raw;
}

/** Reads and validates the configuration. `defaults.simulate` is the command's default. */
export function loadConfig(env: Env = process.env, defaults: { simulate: boolean } = { simulate: true }): CityTwinConfig {
  const httpHost = env.CITYTWIN_HTTP_HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(httpHost)) fail('CITYTWIN_HTTP_HOST', httpHost, 'a host name or IP address');
  const share = env.CITYTWIN_MQTT_SHARE_GROUP?.trim() || null;
  if (share !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(share)) fail('CITYTWIN_MQTT_SHARE_GROUP', share, '1-64 characters of [A-Za-z0-9_-]');
  return {
    httpPort: intVar(env, 'CITYTWIN_HTTP_PORT', 8080, 0, 65535),
    httpHost,
    mqttUrl: urlVar(env, 'CITYTWIN_MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']),
    mqttPort: intVar(env, 'CITYTWIN_MQTT_PORT', 1883, 0, 65535),
    clickhouseUrl: urlVar(env, 'CITYTWIN_CLICKHOUSE_URL', ['http:', 'https:']),
    dataDir: env.CITYTWIN_DATA_DIR?.trim() || './data',
    simulate: boolVar(env, 'CITYTWIN_SIMULATE', defaults.simulate),
    logLevel: enumVar<LogLevel>(env, 'CITYTWIN_LOG_LEVEL', 'info', ['debug', 'info', 'warn', 'error']),
    citySeed: intVar(env, 'CITYTWIN_CITY_SEED', 2026, 0, 2 ** 31 - 1),
    sensorCount: intVar(env, 'CITYTWIN_SENSORS', 3000, 0, 20_000),
    scenario: enumVar(env, 'CITYTWIN_SCENARIO', 'rainstorm', ['none', 'rainstorm'] as const),
    timeScale: numVar(env, 'CITYTWIN_TIME_SCALE', 1, 0.1, 1000),
    mqttShareGroup: share,
    batchMaxRows: intVar(env, 'CITYTWIN_BATCH_MAX_ROWS', 20_000, 1, 1_000_000),
    batchMaxDelayMs: intVar(env, 'CITYTWIN_BATCH_MAX_DELAY_MS', 200, 1, 60_000),
    maxPayloadBytes: intVar(env, 'CITYTWIN_MAX_PAYLOAD_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
  };
}

/** The variables and their meaning, for `citytwin --help` and the docs. */
export const CONFIG_HELP: ReadonlyArray<[string, string, string]> = [
  ['CITYTWIN_HTTP_PORT', 'web console, HTTP API and socket.io port', '8080'],
  ['CITYTWIN_HTTP_HOST', 'bind address', '127.0.0.1'],
  ['CITYTWIN_MQTT_URL', 'external broker (mqtt://, mqtts://, ws://); unset = embedded aedes', 'unset'],
  ['CITYTWIN_MQTT_PORT', 'embedded broker port (0 = free port)', '1883'],
  ['CITYTWIN_CLICKHOUSE_URL', 'external ClickHouse (http(s)://user:pass@host:8123/db); unset = embedded engine', 'unset'],
  ['CITYTWIN_DATA_DIR', 'embedded ClickHouse data and local state', './data'],
  ['CITYTWIN_SIMULATE', 'run the city simulator (1/0)', '1 for `all`'],
  ['CITYTWIN_LOG_LEVEL', 'debug/info/warn/error', 'info'],
  ['CITYTWIN_CITY_SEED', 'seed of the generated schematic city', '2026'],
  ['CITYTWIN_SENSORS', 'sensor sites in the generated city', '3000'],
  ['CITYTWIN_SCENARIO', 'simulator scenario: none or rainstorm', 'rainstorm'],
  ['CITYTWIN_TIME_SCALE', 'simulated seconds per real second', '1'],
  ['CITYTWIN_MQTT_SHARE_GROUP', 'ingest subscribes through $share/<group>/ (several workers)', 'unset'],
  ['CITYTWIN_BATCH_MAX_ROWS', 'insert batch size limit (rows)', '20000'],
  ['CITYTWIN_BATCH_MAX_DELAY_MS', 'insert batch time limit (ms)', '200'],
  ['CITYTWIN_MAX_PAYLOAD_BYTES', 'largest accepted MQTT payload', '262144'],
];
