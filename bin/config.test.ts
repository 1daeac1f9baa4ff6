import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { retentionDays } from '../storage/retention.ts';
import { auditableConfig, ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      httpPort: 8080,
      httpHost: '127.0.0.1',
      mqttUrl: null,
      mqttPort: 1883,
      clickhouseUrl: null,
      dataDir: './data',
      simulate: true,
      logLevel: 'info',
      logFormat: null,
    });
  });
  it('batches inserts by 100,000 rows or 1 s by default: an insert costs the engine a part in readings and every rollup, whatever its size', () => {
    // 300,000 readings/s fill 60,000 rows in 200 ms; a 20,000-row limit split them into three
    // inserts, each a part in readings and in every rollup; a 200 ms limit sealed five a second
    // where one does (docs/ingest.md, "Batching").
    expect(loadConfig({})).toMatchObject({ batchMaxRows: 100_000, batchMaxDelayMs: 1000 });
    expect(loadConfig({ CITYTWIN_BATCH_MAX_ROWS: '20000' }).batchMaxRows).toBe(20_000);
  });
  it('reads the city package (unset: the generated city) and refuses a path that does not exist', () => {
    expect(loadConfig({}).cityPackage).toBeNull();
    expect(loadConfig({ CITYTWIN_CITY: ' test/fixtures/cities/river-town ' }).cityPackage).toBe('test/fixtures/cities/river-town');
    expect(() => loadConfig({ CITYTWIN_CITY: '/no/such/town' })).toThrow(
      'CITYTWIN_CITY="/no/such/town" is not valid: expected the path of a city package: a folder or a .zip of one (docs/city-packages.md)',
    );
  });

  it("bounds a stop's wait for storage: by default inside the manifests' grace period, with room for the rest of the stop", () => {
    const k8s = readFileSync('deploy/k8s/citytwin.yaml', 'utf8');
    const compose = readFileSync('deploy/compose.yaml', 'utf8');
    const grace = [
      ...[...k8s.matchAll(/terminationGracePeriodSeconds:\s*(\d+)/g)].map((m) => Number(m[1]) * 1000),
      ...[...compose.matchAll(/stop_grace_period:\s*(\d+)s/g)].map((m) => Number(m[1]) * 1000),
    ];
    expect(grace).toHaveLength(2);
    const wait = loadConfig({}).stopStorageWaitMs;
    expect(wait).toBe(25_000);
    for (const g of grace) expect(wait).toBeLessThanOrEqual(g - 10_000);
    expect(loadConfig({ CITYTWIN_STOP_STORAGE_WAIT_MS: '5000' }).stopStorageWaitMs).toBe(5000);
    expect(() => loadConfig({ CITYTWIN_STOP_STORAGE_WAIT_MS: '25s' })).toThrow(
      'CITYTWIN_STOP_STORAGE_WAIT_MS="25s" is not valid: expected an integer from 0 to 3600000',
    );
  });

  it('reads the log format (unset: left to the terminal)', () => {
    expect(loadConfig({ CITYTWIN_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ CITYTWIN_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });
  it('reads every contract variable', () => {
    const c = loadConfig({
      CITYTWIN_HTTP_PORT: '9000',
      CITYTWIN_HTTP_HOST: '0.0.0.0',
      CITYTWIN_MQTT_URL: 'mqtt://broker:1883',
      CITYTWIN_MQTT_PORT: '0',
      CITYTWIN_CLICKHOUSE_URL: 'http://u:p@ch:8123/city',
      CITYTWIN_DATA_DIR: '/var/lib/citytwin',
      CITYTWIN_SIMULATE: '0',
      CITYTWIN_LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      httpPort: 9000,
      httpHost: '0.0.0.0',
      mqttUrl: 'mqtt://broker:1883',
      mqttPort: 0,
      clickhouseUrl: 'http://u:p@ch:8123/city',
      dataDir: '/var/lib/citytwin',
      simulate: false,
      logLevel: 'debug',
    });
  });
  it.each([
    ['CITYTWIN_HTTP_PORT', 'eighty', /CITYTWIN_HTTP_PORT="eighty" is not valid: expected an integer from 0 to 65535/],
    ['CITYTWIN_HTTP_PORT', '70000', /an integer from 0 to 65535/],
    ['CITYTWIN_SIMULATE', 'yes', /CITYTWIN_SIMULATE="yes" is not valid: expected 1 or 0/],
    ['CITYTWIN_LOG_LEVEL', 'loud', /one of debug, info, warn, error/],
    ['CITYTWIN_LOG_FORMAT', 'xml', /CITYTWIN_LOG_FORMAT="xml" is not valid: expected one of json, pretty/],
    ['CITYTWIN_MQTT_URL', 'http://x', /scheme mqtt:/],
    ['CITYTWIN_CLICKHOUSE_URL', 'not a url', /CITYTWIN_CLICKHOUSE_URL="not a url"/],
  ])('rejects %s=%s with one clear line', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
  it('reads whether the embedded broker takes anonymous clients on loopback (default yes)', () => {
    expect(loadConfig({}).security.mqttLoopbackAnonymous).toBe(true);
    expect(loadConfig({ CITYTWIN_MQTT_LOOPBACK_ANONYMOUS: '0' }).security.mqttLoopbackAnonymous).toBe(false);
    expect(() => loadConfig({ CITYTWIN_MQTT_LOOPBACK_ANONYMOUS: 'off' })).toThrow(
      /CITYTWIN_MQTT_LOOPBACK_ANONYMOUS="off" is not valid: expected 1 or 0/,
    );
  });
  it('reads the multi-process extensions (Redis, ClickHouse cluster, worker id)', () => {
    const c = loadConfig({
      CITYTWIN_REDIS_URL: 'redis://r:6379',
      CITYTWIN_CLICKHOUSE_URL: 'http://ch:8123/db',
      CITYTWIN_CLICKHOUSE_CLUSTER: 'city_1',
      CITYTWIN_WORKER_ID: 'ingest-a',
    });
    expect(c).toMatchObject({ redisUrl: 'redis://r:6379', clickhouseCluster: 'city_1', workerId: 'ingest-a' });
    const d = loadConfig({});
    expect(d).toMatchObject({ redisUrl: null, clickhouseCluster: null, publicUrl: null });
    expect(loadConfig({ CITYTWIN_PUBLIC_URL: 'https://citytwin.example.gov.cn' }).publicUrl).toBe('https://citytwin.example.gov.cn');
    expect(d.workerId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  });
  it('reads the retention policy, defaults included', () => {
    expect(retentionDays(loadConfig({}).retention, 'dead_letters')).toBe(30);
    const c = loadConfig({ CITYTWIN_RETENTION: 'readings=400d,dead_letters=14d,sensitive=90d' });
    expect(retentionDays(c.retention, 'dead_letters')).toBe(14);
    expect(retentionDays(c.retention, 'readings', 'sensitive')).toBe(90);
  });
  it('refuses a bad retention with the variable, the value and what is accepted', () => {
    expect(() => loadConfig({ CITYTWIN_RETENTION: 'readings=400' })).toThrow(ConfigError);
    expect(() => loadConfig({ CITYTWIN_RETENTION: 'readings=400' })).toThrow(
      /^CITYTWIN_RETENTION="readings=400" is not valid: expected comma-separated key=duration, .* \("readings=400": the duration must be a whole number of days/,
    );
  });
  it.each([
    [
      { CITYTWIN_REDIS_URL: 'http://r:6379' },
      /CITYTWIN_REDIS_URL="http:\/\/r:6379" is not valid: expected a URL with scheme redis: or rediss:/,
    ],
    [
      { CITYTWIN_PUBLIC_URL: 'ftp://citytwin' },
      /CITYTWIN_PUBLIC_URL="ftp:\/\/citytwin" is not valid: expected a URL with scheme http: or https:/,
    ],
    [
      { CITYTWIN_CLICKHOUSE_URL: 'http://ch:8123', CITYTWIN_CLICKHOUSE_CLUSTER: 'a b' },
      /CITYTWIN_CLICKHOUSE_CLUSTER="a b" is not valid: expected 1-64 characters/,
    ],
    [
      { CITYTWIN_CLICKHOUSE_CLUSTER: 'city' },
      /CITYTWIN_CLICKHOUSE_CLUSTER="city" is not valid: expected to be set only together with CITYTWIN_CLICKHOUSE_URL/,
    ],
    [{ CITYTWIN_WORKER_ID: 'a/b' }, /CITYTWIN_WORKER_ID="a\/b" is not valid: expected 1-64 characters of \[A-Za-z0-9._-\]/],
  ])('rejects %o with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
  it('reads the session settings: token lifetime cap and allowed origins', () => {
    expect(loadConfig({}).security).toMatchObject({ maxTokenTtlDays: 90, allowedOrigins: [] });
    const c = loadConfig({
      CITYTWIN_MAX_TOKEN_TTL_DAYS: '30',
      CITYTWIN_ALLOWED_ORIGINS: 'https://Console.Example.org/, http://10.0.0.5:8080',
    });
    expect(c.security).toMatchObject({ maxTokenTtlDays: 30, allowedOrigins: ['https://console.example.org', 'http://10.0.0.5:8080'] });
  });
  it.each([
    [{ CITYTWIN_MAX_TOKEN_TTL_DAYS: '400' }, /CITYTWIN_MAX_TOKEN_TTL_DAYS="400" is not valid: expected an integer from 1 to 366/],
    [
      { CITYTWIN_ALLOWED_ORIGINS: 'https://ok.example.org,console.example.org' },
      /CITYTWIN_ALLOWED_ORIGINS="console.example.org" is not valid: expected a comma-separated list of origins/,
    ],
    [
      { CITYTWIN_ALLOWED_ORIGINS: 'https://console.example.org/app' },
      /CITYTWIN_ALLOWED_ORIGINS="https:\/\/console.example.org\/app" is not valid: expected origins of the form http\(s\):\/\/host\[:port\]/,
    ],
    [{ CITYTWIN_ALLOWED_ORIGINS: 'ftp://x.example.org' }, /expected origins of the form/],
    [{ CITYTWIN_ADMIN_PASSWORD: 'aaaaaaaaaa' }, /CITYTWIN_ADMIN_PASSWORD is not valid: a password must not be one character repeated/],
    [{ CITYTWIN_ADMIN_PASSWORD: 'Admin2024!' }, /CITYTWIN_ADMIN_PASSWORD is not valid: a password must not be the user name/],
    [{ CITYTWIN_ADMIN_PASSWORD: 'password1234' }, /CITYTWIN_ADMIN_PASSWORD is not valid: this password is on the list of common/],
  ])('rejects the session setting %o with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('auditableConfig', () => {
  it('records every setting but never a secret', () => {
    const c = loadConfig({
      CITYTWIN_CLICKHOUSE_URL: 'http://default:s3cret-pass@ch:8123/city',
      CITYTWIN_PROBE_TOKEN: 'probe-token-0123456789abcdef',
      CITYTWIN_ADMIN_PASSWORD: 'first admin password',
      CITYTWIN_WORKER_ID: 'web-1',
    });
    const a = auditableConfig(c);
    const text = JSON.stringify(a);
    for (const secret of ['s3cret-pass', 'probe-token-0123456789abcdef', 'first admin password']) expect(text).not.toContain(secret);
    expect(a).toMatchObject({
      clickhouseUrl: 'http://default:***@ch:8123/city',
      probeToken: expect.stringMatching(/^sha256 [0-9a-f]{12}…$/),
      workerId: 'web-1',
      httpPort: 8080,
    });
  });
  it('leaves out a generated worker id, which changes on every start', () => {
    expect(auditableConfig(loadConfig({})).workerId).toBeNull();
  });
  it('reads the public-warning settings: sender, sender names, feed URL (defaults: localhost sender, city names, own URL)', () => {
    expect(loadConfig({}).cap).toEqual({ sender: 'citytwin@localhost', senderName: null, feedUrl: null });
    const c = loadConfig({
      CITYTWIN_CAP_SENDER: 'cap@ops.wuhan.example',
      CITYTWIN_CAP_SENDER_NAME: '武汉市城市运行指挥中心 | Wuhan City Operations Centre',
      CITYTWIN_CAP_FEED_URL: 'https://ops.wuhan.example/api/cap/feed.atom',
    });
    expect(c.cap).toEqual({
      sender: 'cap@ops.wuhan.example',
      senderName: { zh: '武汉市城市运行指挥中心', en: 'Wuhan City Operations Centre' },
      feedUrl: 'https://ops.wuhan.example/api/cap/feed.atom',
    });
    expect(auditableConfig(c)).toMatchObject({
      capSender: 'cap@ops.wuhan.example',
      capFeedUrl: 'https://ops.wuhan.example/api/cap/feed.atom',
    });
  });
  it.each([
    [
      { CITYTWIN_CAP_SENDER: 'ops centre' },
      /CITYTWIN_CAP_SENDER="ops centre" is not valid: expected 1-200 characters without spaces, commas/,
    ],
    [
      { CITYTWIN_CAP_SENDER_NAME: 'only one name' },
      /CITYTWIN_CAP_SENDER_NAME="only one name" is not valid: expected the Chinese and the English name separated by \|/,
    ],
    [
      { CITYTWIN_CAP_FEED_URL: 'ftp://x/feed' },
      /CITYTWIN_CAP_FEED_URL="ftp:\/\/x\/feed" is not valid: expected a URL with scheme http: or https:/,
    ],
    [
      { CITYTWIN_CAP_FEED_URL: 'https://x/feed?a=1' },
      /CITYTWIN_CAP_FEED_URL="https:\/\/x\/feed\?a=1" is not valid: expected an http\(s\) URL without query/,
    ],
  ])('rejects the warning setting %o with the value and what is accepted', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
