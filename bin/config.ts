/**
 * The one place that reads the environment. Every variable is optional (contracts.md); a bad
 * value stops start-up with one line naming the variable, the value and what is allowed.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { checkPassword } from '../web/server/auth/password.ts';
import { parseClearance } from '../web/server/auth/policy.ts';
import { DEFAULT_BATCH_MAX_DELAY_MS } from '../ingest/batch-writer.ts';
import { parseRetention, RETENTION_SYNTAX, type RetentionPolicy } from '../storage/retention.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** How log records are written: one JSON object per line, or pino-pretty's readable lines. */
export type LogFormat = 'json' | 'pretty';

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
  /** `CITYTWIN_LOG_FORMAT`, or null: pretty on a terminal, JSON otherwise (docs/observability.md). */
  logFormat: LogFormat | null;
  /**
   * The city package to run (`CITYTWIN_CITY`: a folder or `.zip`, docs/city-packages.md), or
   * null for the generated schematic Wuhan, written as a package into the data directory.
   */
  cityPackage: string | null;
  /** Seed of the generated city model (extension). */
  citySeed: number;
  /** Number of sensor sites in the generated city (extension). */
  sensorCount: number;
  /** Registry size above which consoles get their viewport's points or cells instead of every sensor (docs/scale.md). */
  viewportThreshold: number;
  /** Live socket.io connections one account may hold on one web node (docs/security.md). */
  socketsPerAccount: number;
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
  /** Redis for socket.io's adapter between several web nodes, or null for one node (extension). */
  redisUrl: string | null;
  /** The console's public URL (links in notifications), or null: the server's own address (extension). */
  publicUrl: string | null;
  /** ClickHouse cluster name: migrations create replicated and Distributed tables ON CLUSTER (extension). */
  clickhouseCluster: string | null;
  /** Name of this process on the system topics, e.g. its ingest stats (extension). */
  workerId: string;
  /**
   * True when CITYTWIN_WORKER_ID was set: the id is then stable across restarts, so the ingest
   * can use a persistent MQTT session under it (a `<host>-<pid>` id would leave one orphaned
   * session on the broker per restart).
   */
  workerIdExplicit: boolean;
  /** Bytes the ingest's write-ahead spool may hold unstored before it stops acknowledging (extension). */
  spoolMaxBytes: number;
  /**
   * How long a stop waits for storage to take the pending batches, ms; what is left stays in the
   * spool for the next start (extension).
   */
  stopStorageWaitMs: number;
  /** MQTT 5 session expiry of the ingest's persistent session, seconds (extension). */
  mqttSessionExpiryS: number;
  /** How long each table keeps its rows, per table and classification (`CITYTWIN_RETENTION`, docs/storage.md) (extension). */
  retention: RetentionPolicy;
  /** Open-data API requests per minute per address without a key (CITYTWIN_OPEN_DATA_ANON_PER_MIN). */
  openDataAnonPerMin: number;
  /** Open-data API requests per minute of a key created without its own limit (CITYTWIN_OPEN_DATA_KEY_PER_MIN). */
  openDataKeyPerMin: number;
  /** Accounts, clearance, device credentials, TLS (extension). */
  security: SecurityConfig;
  /** Public warnings in CAP 1.2: who sends them and where the feed is (docs/cap.md) (extension). */
  cap: CapConfig;
}

/** Public warnings (docs/cap.md). */
export interface CapConfig {
  /** CAP `sender` of every alert published: no spaces, commas, `<` or `&`. */
  sender: string;
  /** `senderName` per language, or null for "<city> City Operations Centre" in each. */
  senderName: { zh: string; en: string } | null;
  /** The public URL of the Atom feed (alerts are linked beside it), or null for this server's own URL. */
  feedUrl: string | null;
}

/** Security settings (docs/security.md). */
export interface SecurityConfig {
  /** Password of the first admin account (first start only); null = a random one, printed once. */
  adminPassword: string | null;
  /** `CITYTWIN_CLEARANCE` overrides of the classification clearance per role, or null for the defaults. */
  clearance: string | null;
  /** Bearer token that opens /api/health and /metrics off loopback, or null. */
  probeToken: string | null;
  /** Gateway credentials and topic ACLs for the embedded broker (JSON file), or null. */
  mqttCredentialsFile: string | null;
  /** PEM certificate and key: HTTPS and an MQTTS listener; both or neither. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** MQTTS port of the embedded broker when TLS is on (0 = any free port). */
  mqttsPort: number;
  /** Longest lifetime of an API or display token, days. */
  maxTokenTtlDays: number;
  /**
   * Origins besides the server's own (`scheme://host[:port]`, normalised) whose pages may open
   * the live stream and send changes with the session cookie, e.g. behind a reverse proxy.
   */
  allowedOrigins: string[];
  /** The embedded broker's loopback listeners accept anonymous clients (the in-process parts always log in with a per-start secret). */
  mqttLoopbackAnonymous: boolean;
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

/** `CITYTWIN_LOG_FORMAT`: json or pretty; unset leaves the choice to the terminal (null). */
function logFormatVar(env: Env): LogFormat | null {
  const raw = env.CITYTWIN_LOG_FORMAT;
  if (raw === undefined || raw === '') return null;
  return enumVar<LogFormat>(env, 'CITYTWIN_LOG_FORMAT', 'json', ['json', 'pretty']);
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

function fileVar(env: Env, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  if (!existsSync(raw)) fail(name, raw, 'the path of a readable file');
  return raw;
}

/**
 * `CITYTWIN_CITY`: the path of a city package (a folder or a `.zip`). Whether it loads is the
 * package check's to say (one report of every problem at start); here only that it is a path
 * that exists.
 */
function cityVar(env: Env): string | null {
  const raw = env.CITYTWIN_CITY?.trim();
  if (!raw) return null;
  if (!existsSync(raw)) fail('CITYTWIN_CITY', raw, 'the path of a city package: a folder or a .zip of one (docs/city-packages.md)');
  return raw;
}

function retentionVar(env: Env): RetentionPolicy {
  const raw = env.CITYTWIN_RETENTION?.trim() ?? '';
  try {
    return parseRetention(raw);
  } catch (err) {
    return fail('CITYTWIN_RETENTION', raw, `${RETENTION_SYNTAX} (${(err as Error).message})`);
  }
}

function loadSecurity(env: Env): SecurityConfig {
  const adminPassword = env.CITYTWIN_ADMIN_PASSWORD || null;
  // The value itself is never echoed: the error says only what is wrong with it.
  if (adminPassword !== null) {
    const problem = checkPassword(adminPassword, 'admin');
    if (problem) throw new ConfigError(`CITYTWIN_ADMIN_PASSWORD is not valid: ${problem.message} (docs/security.md, "Passwords")`);
  }
  const clearance = env.CITYTWIN_CLEARANCE?.trim() || null;
  if (clearance !== null) {
    try {
      parseClearance(clearance);
    } catch (err) {
      fail('CITYTWIN_CLEARANCE', clearance, `role=classification[,classification];… (${(err as Error).message})`);
    }
  }
  const probeToken = env.CITYTWIN_PROBE_TOKEN || null;
  if (probeToken !== null && !/^[A-Za-z0-9._~+/=-]{16,200}$/.test(probeToken)) {
    throw new ConfigError(
      `CITYTWIN_PROBE_TOKEN is not valid: expected 16 to 200 characters of [A-Za-z0-9._~+/=-], got ${probeToken.length} characters`,
    );
  }
  const tlsCert = fileVar(env, 'CITYTWIN_TLS_CERT');
  const tlsKey = fileVar(env, 'CITYTWIN_TLS_KEY');
  if ((tlsCert === null) !== (tlsKey === null))
    fail(tlsCert ? 'CITYTWIN_TLS_KEY' : 'CITYTWIN_TLS_CERT', '', 'a PEM file: CITYTWIN_TLS_CERT and CITYTWIN_TLS_KEY go together');
  return {
    adminPassword,
    clearance,
    probeToken,
    mqttCredentialsFile: fileVar(env, 'CITYTWIN_MQTT_CREDENTIALS'),
    tlsCert,
    tlsKey,
    mqttsPort: intVar(env, 'CITYTWIN_MQTTS_PORT', 8883, 0, 65535),
    maxTokenTtlDays: intVar(env, 'CITYTWIN_MAX_TOKEN_TTL_DAYS', 90, 1, 366),
    allowedOrigins: originsVar(env, 'CITYTWIN_ALLOWED_ORIGINS'),
    mqttLoopbackAnonymous: boolVar(env, 'CITYTWIN_MQTT_LOOPBACK_ANONYMOUS', true),
  };
}

/** A comma-separated list of web origins, each `http(s)://host[:port]` with nothing after it. */
function originsVar(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  const out: string[] = [];
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return fail(name, entry, 'a comma-separated list of origins such as https://console.example.org or http://10.0.0.5:8080');
    }
    if (
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.pathname !== '/' ||
      url.search ||
      url.hash ||
      url.username ||
      url.password
    ) {
      fail(name, entry, 'origins of the form http(s)://host[:port], with no path, query or credentials (comma-separated)');
    }
    out.push(url.origin);
  }
  return out;
}

/** `CITYTWIN_CAP_*`: the sender identifier (CAP §3.2.1), the sender names, the feed's public URL. */
function loadCap(env: Env): CapConfig {
  const sender = env.CITYTWIN_CAP_SENDER?.trim() || 'citytwin@localhost';
  if (!/^[^\s,<&"]{1,200}$/.test(sender))
    fail('CITYTWIN_CAP_SENDER', sender, '1-200 characters without spaces, commas, <, & or " (CAP 1.2 §3.2.1), e.g. cap@ops.wuhan.example');
  const names = env.CITYTWIN_CAP_SENDER_NAME?.trim() || null;
  let senderName: CapConfig['senderName'] = null;
  if (names !== null) {
    const parts = names.split('|').map((p) => p.trim());
    const control = [...names].some((ch) => ch.charCodeAt(0) < 0x20);
    if (parts.length !== 2 || !parts[0] || !parts[1] || names.length > 400 || control)
      fail(
        'CITYTWIN_CAP_SENDER_NAME',
        names,
        'the Chinese and the English name separated by |, e.g. 武汉市城市运行指挥中心|Wuhan City Operations Centre',
      );
    senderName = { zh: parts[0], en: parts[1] };
  }
  const feedUrl = urlVar(env, 'CITYTWIN_CAP_FEED_URL', ['http:', 'https:']);
  if (feedUrl !== null) {
    const u = new URL(feedUrl);
    if (u.search || u.hash || u.username || u.password)
      fail(
        'CITYTWIN_CAP_FEED_URL',
        feedUrl,
        'an http(s) URL without query, fragment or credentials, e.g. https://ops.wuhan.example/api/cap/feed.atom',
      );
  }
  return { sender, senderName, feedUrl };
}

/** Reads and validates the configuration. `defaults.simulate` is the command's default. */
export function loadConfig(env: Env = process.env, defaults: { simulate: boolean } = { simulate: true }): CityTwinConfig {
  const httpHost = env.CITYTWIN_HTTP_HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(httpHost)) fail('CITYTWIN_HTTP_HOST', httpHost, 'a host name or IP address');
  const share = env.CITYTWIN_MQTT_SHARE_GROUP?.trim() || null;
  if (share !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(share)) fail('CITYTWIN_MQTT_SHARE_GROUP', share, '1-64 characters of [A-Za-z0-9_-]');
  const cluster = env.CITYTWIN_CLICKHOUSE_CLUSTER?.trim() || null;
  if (cluster !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(cluster))
    fail('CITYTWIN_CLICKHOUSE_CLUSTER', cluster, '1-64 characters of [A-Za-z0-9_], not starting with a digit');
  if (cluster !== null && !(env.CITYTWIN_CLICKHOUSE_URL ?? '').trim())
    fail(
      'CITYTWIN_CLICKHOUSE_CLUSTER',
      cluster,
      'to be set only together with CITYTWIN_CLICKHOUSE_URL (the embedded engine is a single node)',
    );
  // The default id is unique per process on a host; Kubernetes pods and compose replicas have distinct host names.
  const workerId =
    env.CITYTWIN_WORKER_ID?.trim() ||
    `${hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 48)}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(workerId)) fail('CITYTWIN_WORKER_ID', workerId, '1-64 characters of [A-Za-z0-9._-]');
  return {
    httpPort: intVar(env, 'CITYTWIN_HTTP_PORT', 8080, 0, 65535),
    httpHost,
    mqttUrl: urlVar(env, 'CITYTWIN_MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']),
    mqttPort: intVar(env, 'CITYTWIN_MQTT_PORT', 1883, 0, 65535),
    clickhouseUrl: urlVar(env, 'CITYTWIN_CLICKHOUSE_URL', ['http:', 'https:']),
    dataDir: env.CITYTWIN_DATA_DIR?.trim() || './data',
    simulate: boolVar(env, 'CITYTWIN_SIMULATE', defaults.simulate),
    logLevel: enumVar<LogLevel>(env, 'CITYTWIN_LOG_LEVEL', 'info', ['debug', 'info', 'warn', 'error']),
    logFormat: logFormatVar(env),
    cityPackage: cityVar(env),
    citySeed: intVar(env, 'CITYTWIN_CITY_SEED', 2026, 0, 2 ** 31 - 1),
    sensorCount: intVar(env, 'CITYTWIN_SENSORS', 3000, 0, 20_000),
    viewportThreshold: intVar(env, 'CITYTWIN_VIEWPORT_THRESHOLD', 50_000, 0, 100_000_000),
    socketsPerAccount: intVar(env, 'CITYTWIN_SOCKETS_PER_ACCOUNT', 64, 1, 100_000),
    scenario: enumVar(env, 'CITYTWIN_SCENARIO', 'rainstorm', ['none', 'rainstorm'] as const),
    timeScale: numVar(env, 'CITYTWIN_TIME_SCALE', 1, 0.1, 1000),
    mqttShareGroup: share,
    batchMaxRows: intVar(env, 'CITYTWIN_BATCH_MAX_ROWS', 100_000, 1, 1_000_000),
    batchMaxDelayMs: intVar(env, 'CITYTWIN_BATCH_MAX_DELAY_MS', DEFAULT_BATCH_MAX_DELAY_MS, 1, 60_000),
    maxPayloadBytes: intVar(env, 'CITYTWIN_MAX_PAYLOAD_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    redisUrl: urlVar(env, 'CITYTWIN_REDIS_URL', ['redis:', 'rediss:']),
    publicUrl: urlVar(env, 'CITYTWIN_PUBLIC_URL', ['http:', 'https:']),
    clickhouseCluster: cluster,
    workerId,
    workerIdExplicit: Boolean(env.CITYTWIN_WORKER_ID?.trim()),
    spoolMaxBytes: intVar(env, 'CITYTWIN_SPOOL_MAX_BYTES', 256 * 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024 * 1024),
    // 25 s: inside the manifests' 40 s grace period (deploy/k8s/), with room for the rest of the stop.
    stopStorageWaitMs: intVar(env, 'CITYTWIN_STOP_STORAGE_WAIT_MS', 25_000, 0, 3_600_000),
    mqttSessionExpiryS: intVar(env, 'CITYTWIN_MQTT_SESSION_EXPIRY_S', 3600, 1, 4_294_967_294),
    retention: retentionVar(env),
    openDataAnonPerMin: intVar(env, 'CITYTWIN_OPEN_DATA_ANON_PER_MIN', 30, 1, 100_000),
    openDataKeyPerMin: intVar(env, 'CITYTWIN_OPEN_DATA_KEY_PER_MIN', 600, 1, 100_000),
    security: loadSecurity(env),
    cap: loadCap(env),
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
  ['CITYTWIN_LOG_FORMAT', 'json (one object per line) or pretty (readable, needs pino-pretty)', 'pretty on a terminal, else json'],
  ['CITYTWIN_CITY', 'city package to run: a folder or .zip (docs/city-packages.md); unset = the generated Wuhan', 'unset'],
  ['CITYTWIN_CITY_SEED', 'seed of the generated schematic city', '2026'],
  ['CITYTWIN_SENSORS', 'sensor sites in the generated city', '3000'],
  ['CITYTWIN_VIEWPORT_THRESHOLD', 'sensors above which consoles get viewport points or aggregate cells, not every sensor', '50000'],
  [
    'CITYTWIN_SOCKETS_PER_ACCOUNT',
    'live socket.io connections of one account (its sign-ins together) or of one API or display token on one web node (docs/security.md)',
    '64',
  ],
  ['CITYTWIN_SCENARIO', 'simulator scenario: none or rainstorm', 'rainstorm'],
  ['CITYTWIN_TIME_SCALE', 'simulated seconds per real second', '1'],
  ['CITYTWIN_MQTT_SHARE_GROUP', 'ingest subscribes through $share/<group>/ (several workers)', 'unset'],
  ['CITYTWIN_BATCH_MAX_ROWS', 'insert batch size limit (rows)', '100000'],
  ['CITYTWIN_BATCH_MAX_DELAY_MS', 'insert batch time limit (ms)', String(DEFAULT_BATCH_MAX_DELAY_MS)],
  ['CITYTWIN_MAX_PAYLOAD_BYTES', 'largest accepted MQTT payload', '262144'],
  ['CITYTWIN_OPEN_DATA_ANON_PER_MIN', 'open-data API requests per minute per address without a key (docs/open-data.md)', '30'],
  ['CITYTWIN_OPEN_DATA_KEY_PER_MIN', 'open-data API requests per minute of a key created without its own limit', '600'],
  ['CITYTWIN_REDIS_URL', 'Redis (redis://, rediss://) for socket.io between several web nodes', 'unset'],
  ['CITYTWIN_PUBLIC_URL', "the console's public URL (http(s)://…), for the links in notifications", "the server's own address"],
  ['CITYTWIN_CLICKHOUSE_CLUSTER', 'ClickHouse cluster name: replicated + Distributed tables ON CLUSTER', 'unset'],
  [
    'CITYTWIN_WORKER_ID',
    "name of this process on system topics (ingest stats); when set, also the ingest's persistent MQTT session id",
    '<host>-<pid>',
  ],
  ['CITYTWIN_SPOOL_MAX_BYTES', 'write-ahead spool limit (unstored bytes) before the ingest stops acknowledging', '268435456'],
  [
    'CITYTWIN_STOP_STORAGE_WAIT_MS',
    'how long a stop waits for storage to take the pending batches (ms); the rest stays in the spool for the next start',
    '25000',
  ],
  ['CITYTWIN_MQTT_SESSION_EXPIRY_S', "MQTT 5 session expiry of the ingest's persistent session (share group)", '3600'],
  [
    'CITYTWIN_RETENTION',
    'retention per table / classification, e.g. readings=400d,dead_letters=30d,sensitive=180d (docs/storage.md)',
    'docs/storage.md',
  ],
  ['CITYTWIN_ADMIN_PASSWORD', 'password of the first admin account (first start only)', 'random, printed once'],
  ['CITYTWIN_CLEARANCE', 'classification clearance per role, e.g. leader=public,internal,sensitive;display=public', 'docs/security.md'],
  ['CITYTWIN_PROBE_TOKEN', 'bearer token for /api/health and /metrics off loopback', 'unset'],
  ['CITYTWIN_MQTT_CREDENTIALS', 'gateway credentials and topic ACLs (JSON) for the embedded broker', 'unset'],
  ['CITYTWIN_TLS_CERT / CITYTWIN_TLS_KEY', 'PEM certificate and key: HTTPS and MQTTS', 'unset'],
  ['CITYTWIN_MQTTS_PORT', 'embedded broker MQTTS port (with TLS)', '8883'],
  ['CITYTWIN_MAX_TOKEN_TTL_DAYS', 'longest lifetime of an API or display token, days (1-366)', '90'],
  [
    'CITYTWIN_ALLOWED_ORIGINS',
    'other web origins (comma-separated https://host[:port]) whose pages may use the session: live stream and changes',
    'unset (own origin only)',
  ],
  ['CITYTWIN_MQTT_LOOPBACK_ANONYMOUS', 'embedded broker accepts anonymous clients on loopback (1/0)', '1'],
  ['CITYTWIN_CAP_SENDER', 'CAP sender identifier of the public warnings published (no spaces, commas, < or &)', 'citytwin@localhost'],
  ['CITYTWIN_CAP_SENDER_NAME', 'sender name of the warnings, Chinese|English', '<city> City Operations Centre'],
  [
    'CITYTWIN_CAP_FEED_URL',
    'public URL of the Atom feed of published warnings (alerts linked beside it)',
    "the server's own /api/cap/feed.atom",
  ],
];

/** A URL with its password (if any) replaced, for records and logs. */
function withoutPassword(url: string | null): string | null {
  if (url === null) return null;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** First 12 hex digits of SHA-256: enough to see that a secret or a file changed, not to learn it. */
function digest(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

function fileDigest(path: string | null): string | null {
  if (path === null) return null;
  try {
    return `${path} (sha256 ${digest(readFileSync(path))}…)`;
  } catch {
    return `${path} (unreadable)`;
  }
}

/**
 * The configuration as the audit log records it at start (a change from the last start is an
 * audited `config.changed`): every setting, with URL passwords masked, the probe token and
 * the files (credentials, certificate) as digests, the key file and the first admin password
 * left out. A generated worker id (host and pid) is left out too: it changes on every start;
 * so is the log format, which changes how records look, not what is recorded.
 */
export function auditableConfig(c: CityTwinConfig): Record<string, string | number | boolean | null> {
  return {
    httpPort: c.httpPort,
    httpHost: c.httpHost,
    mqttUrl: withoutPassword(c.mqttUrl),
    mqttPort: c.mqttPort,
    clickhouseUrl: withoutPassword(c.clickhouseUrl),
    clickhouseCluster: c.clickhouseCluster,
    dataDir: c.dataDir,
    simulate: c.simulate,
    logLevel: c.logLevel,
    cityPackage: c.cityPackage,
    citySeed: c.citySeed,
    sensorCount: c.sensorCount,
    viewportThreshold: c.viewportThreshold,
    socketsPerAccount: c.socketsPerAccount,
    scenario: c.scenario,
    timeScale: c.timeScale,
    mqttShareGroup: c.mqttShareGroup,
    batchMaxRows: c.batchMaxRows,
    batchMaxDelayMs: c.batchMaxDelayMs,
    maxPayloadBytes: c.maxPayloadBytes,
    redisUrl: withoutPassword(c.redisUrl),
    publicUrl: c.publicUrl,
    workerId: c.workerIdExplicit ? c.workerId : null,
    spoolMaxBytes: c.spoolMaxBytes,
    stopStorageWaitMs: c.stopStorageWaitMs,
    mqttSessionExpiryS: c.mqttSessionExpiryS,
    clearance: c.security.clearance,
    probeToken: c.security.probeToken === null ? null : `sha256 ${digest(c.security.probeToken)}…`,
    mqttCredentials: fileDigest(c.security.mqttCredentialsFile),
    tlsCert: fileDigest(c.security.tlsCert),
    tlsKey: c.security.tlsKey,
    mqttsPort: c.security.mqttsPort,
    capSender: c.cap.sender,
    capSenderName: c.cap.senderName ? `${c.cap.senderName.zh}|${c.cap.senderName.en}` : null,
    capFeedUrl: c.cap.feedUrl,
  };
}
