/**
 * Device security on the embedded broker bound to a non-loopback address (0.0.0.0, reached via
 * 127.0.0.1): anonymous clients are refused on that listener, a gateway logs in with its
 * credentials and may publish only for its own sensors; a publish outside its ACL closes its
 * connection and is counted per client id. The in-process loopback listener stays anonymous.
 * TLS: with a self-signed certificate the MQTTS listener applies the same rule.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type BrokerSecurityEvent, type EmbeddedBroker } from '../ingest/broker/embedded-broker.ts';
import { loadGatewayCredentials, parseGatewayCredentials, publishRefusal } from '../ingest/broker/device-acl.ts';
import { hashPassword } from '../web/server/auth/password.ts';
import { Registry } from 'prom-client';
import { registerBrokerMetrics } from '../bin/metrics/ingest-families.ts';
import { tempDir, waitFor } from './support/fixtures.ts';

const dir = tempDir('acl');
let broker: EmbeddedBroker;
const events: BrokerSecurityEvent[] = [];
let port = 0;
let tlsPort = 0;

/** The broker's families as /metrics prints them. */
async function brokerMetrics(): Promise<string> {
  const registry = new Registry();
  registerBrokerMetrics(registry, broker);
  return registry.metrics();
}

beforeAll(async () => {
  const file = join(dir.path, 'gateways.json');
  writeFileSync(
    file,
    JSON.stringify({
      gateways: [
        {
          username: 'gw-jianghan',
          passwordHash: await hashPassword('jianghan gateway pw', { N: 1024, r: 8, p: 1 }),
          sensors: ['wl-420103-*'],
          eventSources: ['hotline-12345'],
        },
        {
          username: 'gw-wuchang',
          passwordHash: await hashPassword('wuchang gateway pw', { N: 1024, r: 8, p: 1 }),
          sensors: ['wl-420106-0001'],
        },
      ],
    }),
  );
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir.path, 'key.pem'),
      '-out',
      join(dir.path, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  broker = await startEmbeddedBroker('0.0.0.0', 0, {
    credentials: loadGatewayCredentials(file),
    tls: { cert: readFileSync(join(dir.path, 'cert.pem')), key: readFileSync(join(dir.path, 'key.pem')), port: 0 },
    onSecurityEvent: (e) => events.push(e),
  });
  port = broker.port;
  tlsPort = Number(new URL(broker.tlsUrl!).port);
});

afterAll(async () => {
  await broker?.close();
  dir.remove();
});

async function connect(url: string, options: mqtt.IClientOptions): Promise<mqtt.MqttClient | Error> {
  try {
    return await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  } catch (err) {
    return err as Error;
  }
}

describe('the embedded broker on a non-loopback listener', () => {
  it('refuses anonymous clients there, but serves in-process parts on its loopback listener', async () => {
    const anon = await connect(`mqtt://127.0.0.1:${port}`, { clientId: 'anon-1' });
    expect(anon).toBeInstanceOf(Error);
    expect((anon as Error).message).toMatch(/Not authorized/i);
    expect(events.some((e) => e.type === 'mqtt_auth_failed' && e.clientId === 'anon-1')).toBe(true);
    expect(broker.url).not.toBe(`mqtt://127.0.0.1:${port}`);
    const inProcess = await connect(broker.url, { clientId: 'ingest-1' });
    expect(inProcess).not.toBeInstanceOf(Error);
    await (inProcess as mqtt.MqttClient).endAsync();
  });

  it('refuses a wrong password and an unknown gateway', async () => {
    const wrong = await connect(`mqtt://127.0.0.1:${port}`, { clientId: 'gw-x', username: 'gw-jianghan', password: 'nope' });
    expect((wrong as Error).message).toMatch(/Bad username or password/i);
    const unknown = await connect(`mqtt://127.0.0.1:${port}`, { clientId: 'gw-y', username: 'gw-nobody', password: 'whatever123' });
    expect(unknown).toBeInstanceOf(Error);
  });

  it('lets a gateway publish for its own sensors only, and counts the refusal per client', async () => {
    const watcher = (await connect(broker.url, { clientId: 'watcher' })) as mqtt.MqttClient;
    const got: string[] = [];
    await watcher.subscribeAsync('citytwin/v1/#', { qos: 1 });
    watcher.on('message', (topic) => got.push(topic));
    const gw = (await connect(`mqtt://127.0.0.1:${port}`, {
      clientId: 'gw-jianghan-1',
      username: 'gw-jianghan',
      password: 'jianghan gateway pw',
    })) as mqtt.MqttClient;
    expect(gw).not.toBeInstanceOf(Error);
    await gw.publishAsync('citytwin/v1/sensors/wl-420103-0007/data', '{"ts":1,"values":{"water_level_cm":3}}', { qos: 1 });
    await gw.publishAsync('citytwin/v1/events/hotline-12345', '{}', { qos: 1 });
    await waitFor('its own messages delivered', () => got.length === 2);
    // Subscribing to others' data is refused (SUBACK failure), the connection stays.
    await expect(gw.subscribeAsync('citytwin/v1/#')).rejects.toThrow(/Subscribe error/);
    expect(gw.connected).toBe(true);
    // Speaking for another district's sensor closes the connection [MQTT-3.3.5-2].
    const closed = new Promise<void>((r) => gw.once('close', () => r()));
    gw.publish('citytwin/v1/sensors/wl-420106-0001/data', '{"ts":1,"values":{"water_level_cm":99}}', { qos: 1 });
    await closed;
    gw.end(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['citytwin/v1/sensors/wl-420103-0007/data', 'citytwin/v1/events/hotline-12345']);
    expect(broker.refusedPublishes().get('gw-jianghan-1')).toBe(1);
    expect(await brokerMetrics()).toContain('citytwin_mqtt_refused_publishes_total{client="gw-jianghan-1"} 1');
    expect(events.find((e) => e.type === 'mqtt_publish_refused')).toMatchObject({
      clientId: 'gw-jianghan-1',
      username: 'gw-jianghan',
      detail: 'gateway gw-jianghan may not publish for sensor wl-420106-0001',
    });
    await watcher.endAsync();
  });

  it('quotes the topics and user names a client sent in its refusals, cut at 80 characters and escaped', async () => {
    // A line break and a right-to-left override early, then 500 characters in all.
    const hostile = `ab\n\u202ecd${'x'.repeat(494)}`;
    const quoted = `"ab\\n\\u202ecd${'x'.repeat(67)}…`;
    const unknown = await connect(`mqtt://127.0.0.1:${port}`, { clientId: 'gw-q', username: hostile, password: 'whatever123' });
    expect(unknown).toBeInstanceOf(Error);
    expect(events.find((e) => e.type === 'mqtt_auth_failed' && e.clientId === 'gw-q')?.detail).toContain(
      `unknown gateway ${quoted} (listener `,
    );
    const gw = (await connect(`mqtt://127.0.0.1:${port}`, {
      clientId: 'gw-jianghan-q',
      username: 'gw-jianghan',
      password: 'jianghan gateway pw',
    })) as mqtt.MqttClient;
    expect(gw).not.toBeInstanceOf(Error);
    await expect(gw.subscribeAsync(hostile)).rejects.toThrow(/Subscribe error/);
    expect(events.find((e) => e.type === 'mqtt_subscribe_refused' && e.clientId === 'gw-jianghan-q')?.detail).toBe(
      `subscription to ${quoted}`,
    );
    const closed = new Promise<void>((r) => gw.once('close', () => r()));
    gw.publish(hostile, '{}', { qos: 1 });
    await closed;
    gw.end(true);
    expect(events.find((e) => e.type === 'mqtt_publish_refused' && e.clientId === 'gw-jianghan-q')?.detail).toBe(
      `topic ${quoted} is not a CityTwin v1 device topic`,
    );
  });

  it('applies the same rule on the MQTTS listener', async () => {
    const anon = await connect(`mqtts://127.0.0.1:${tlsPort}`, { clientId: 'anon-tls', rejectUnauthorized: false });
    expect(anon).toBeInstanceOf(Error);
    const gw = await connect(`mqtts://127.0.0.1:${tlsPort}`, {
      clientId: 'gw-wuchang-tls',
      username: 'gw-wuchang',
      password: 'wuchang gateway pw',
      rejectUnauthorized: false,
    });
    expect(gw).not.toBeInstanceOf(Error);
    await (gw as mqtt.MqttClient).publishAsync('citytwin/v1/sensors/wl-420106-0001/meta', '{}', { qos: 1 });
    await (gw as mqtt.MqttClient).endAsync();
  });
});

describe('gateway credential files', () => {
  it('name the file, the entry and the problem', () => {
    expect(() => parseGatewayCredentials('{', 'gw.json')).toThrow(/gw.json is not valid JSON/);
    expect(() => parseGatewayCredentials('{"gateways":[{"username":"a","passwordHash":"plain"}]}', 'gw.json')).toThrow(
      /gateways.0.passwordHash: must be a scrypt hash/,
    );
    expect(() =>
      parseGatewayCredentials('{"gateways":[{"username":"a","passwordHash":"scrypt$x","sensors":["bad id!"]}]}', 'gw.json'),
    ).toThrow(/gateways.0.sensors.0/);
  });

  it('match exact ids, prefixes and wildcards per topic family', () => {
    const [gw] = [
      ...parseGatewayCredentials(
        '{"gateways":[{"username":"g","passwordHash":"scrypt$x","sensors":["rg-1","wl-*"],"units":["*"]}]}',
      ).values(),
    ];
    expect(publishRefusal(gw!, 'citytwin/v1/sensors/rg-1/meta')).toBeNull();
    expect(publishRefusal(gw!, 'citytwin/v1/sensors/rg-10/data')).toMatch(/may not publish for sensor rg-10/);
    expect(publishRefusal(gw!, 'citytwin/v1/sensors/wl-9/data')).toBeNull();
    expect(publishRefusal(gw!, 'citytwin/v1/units/pump-3/position')).toBeNull();
    expect(publishRefusal(gw!, 'citytwin/v1/metrics/hall-1/data')).toMatch(/service hall-1/);
    expect(publishRefusal(gw!, 'other/topic')).toMatch(/not a CityTwin v1 device topic/);
  });
});
