/**
 * The embedded broker against the attacks a client can make on it, on real sockets: taking
 * over another client's session by its client id, guessing gateway passwords, and sending
 * packets far larger than anything it accepts. Plus the loopback listener without anonymity.
 * The broker listens on 0.0.0.0 (reached via 127.0.0.1) with gateway credentials, as deployed
 * for real gateways; the in-process parts use its loopback listener with the per-start secret.
 */
import { writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type BrokerSecurityEvent, type EmbeddedBroker } from '../ingest/broker/embedded-broker.ts';
import { loadGatewayCredentials, parseGatewayCredentials } from '../ingest/broker/device-acl.ts';
import { hashPassword } from '../web/server/auth/password.ts';
import { LoginThrottle } from '../web/server/auth/throttle.ts';
import { Registry } from 'prom-client';
import { registerBrokerMetrics } from '../bin/metrics/ingest-families.ts';
import { tempDir, waitFor } from './support/fixtures.ts';

const dir = tempDir('broker-hardening');
let broker: EmbeddedBroker;
const events: BrokerSecurityEvent[] = [];
let gatewayUrl = '';
let clock = Date.now();

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
          username: 'gw-hanyang',
          passwordHash: await hashPassword('hanyang gateway pw', { N: 1024, r: 8, p: 1 }),
          sensors: ['wl-420105-*'],
        },
        {
          username: 'gw-qiaokou',
          passwordHash: await hashPassword('qiaokou gateway pw', { N: 1024, r: 8, p: 1 }),
          sensors: ['wl-420104-*'],
        },
      ],
    }),
  );
  broker = await startEmbeddedBroker('0.0.0.0', 0, {
    credentials: loadGatewayCredentials(file),
    onSecurityEvent: (e) => events.push(e),
    maxPacketBytes: 256 * 1024 + 64 * 1024,
    // The console's throttle rules on a clock the test moves.
    throttle: new LoginThrottle(() => clock),
  });
  gatewayUrl = `mqtt://127.0.0.1:${broker.port}`;
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

/** The options an in-process part connects with (the per-start secret). */
const inProcess = (clientId: string): mqtt.IClientOptions => ({ clientId, ...broker.internalCredentials });

describe('client ids are bound to credentials', () => {
  it("refuses a gateway that connects with the ingest's client id, and the in-process client keeps its session", async () => {
    const ingest = (await connect(broker.url, inProcess('citytwin-all-worker-1'))) as mqtt.MqttClient;
    expect(ingest).not.toBeInstanceOf(Error);
    let ingestClosed = false;
    ingest.on('close', () => (ingestClosed = true));

    const takeover = await connect(gatewayUrl, {
      clientId: 'citytwin-all-worker-1',
      username: 'gw-hanyang',
      password: 'hanyang gateway pw',
    });
    expect(takeover).toBeInstanceOf(Error);
    expect((takeover as Error).message).toMatch(/Identifier rejected/i);
    // Still the same connection: a takeover would have closed it [MQTT-3.1.4-2].
    await new Promise((r) => setTimeout(r, 300));
    expect(ingestClosed).toBe(false);
    expect(ingest.connected).toBe(true);
    const event = events.find((e) => e.clientId === 'citytwin-all-worker-1' && e.type === 'mqtt_auth_failed');
    expect(event).toMatchObject({ username: 'gw-hanyang' });
    expect(event!.detail).toMatch(/client id "citytwin-all-worker-1" is reserved/);
    expect(await brokerMetrics()).toMatch(/citytwin_mqtt_client_id_refused_total 1\b/);
    await ingest.endAsync();
  });

  it("refuses a gateway that takes another gateway's id, and an anonymous loopback client that takes a gateway's or a reserved id", async () => {
    const own = (await connect(gatewayUrl, {
      clientId: 'gw-qiaokou-7',
      username: 'gw-qiaokou',
      password: 'qiaokou gateway pw',
    })) as mqtt.MqttClient;
    expect(own).not.toBeInstanceOf(Error);
    let ownClosed = false;
    own.on('close', () => (ownClosed = true));

    const other = await connect(gatewayUrl, { clientId: 'gw-qiaokou-7', username: 'gw-hanyang', password: 'hanyang gateway pw' });
    expect((other as Error).message).toMatch(/Identifier rejected/i);
    const anonymousGatewayId = await connect(broker.url, { clientId: 'gw-qiaokou-7' });
    expect((anonymousGatewayId as Error).message).toMatch(/Identifier rejected/i);
    const anonymousReserved = await connect(broker.url, { clientId: 'citytwin-ingest-a' });
    expect((anonymousReserved as Error).message).toMatch(/Identifier rejected/i);
    await new Promise((r) => setTimeout(r, 300));
    expect(ownClosed).toBe(false);

    // Its own ids, an empty id (the broker makes a random one) and plain local tools are fine.
    const bare = (await connect(gatewayUrl, {
      clientId: 'gw-hanyang',
      username: 'gw-hanyang',
      password: 'hanyang gateway pw',
    })) as mqtt.MqttClient;
    expect(bare).not.toBeInstanceOf(Error);
    const generated = (await connect(gatewayUrl, {
      clientId: '',
      username: 'gw-hanyang',
      password: 'hanyang gateway pw',
    })) as mqtt.MqttClient;
    expect(generated).not.toBeInstanceOf(Error);
    const tool = (await connect(broker.url, { clientId: 'mosquitto_sub-1' })) as mqtt.MqttClient;
    expect(tool).not.toBeInstanceOf(Error);
    await Promise.all([own, bare, generated, tool].map((c) => c.endAsync()));
  });

  it('keeps gateway user names out of the reserved prefix', () => {
    expect(() => parseGatewayCredentials('{"gateways":[{"username":"citytwin-all","passwordHash":"scrypt$x"}]}', 'gw.json')).toThrow(
      /gateways.0.username: must not start with "citytwin"/,
    );
  });
});

describe('gateway password guessing', () => {
  it('throttles per user name and address, and a throttled attempt runs no scrypt', async () => {
    const guess = (password: string) => connect(gatewayUrl, { clientId: 'gw-qiaokou-guess', username: 'gw-qiaokou', password });
    // 3 free failures per user name (web/server/auth/throttle.ts USER_RULES), then a wait.
    for (let i = 0; i < 4; i++) expect(((await guess(`wrong-${i}`)) as Error).message).toMatch(/Bad username or password/i);
    const checked = broker.counters().passwordChecks;
    for (let i = 0; i < 50; i++) expect(((await guess(`wrong-again-${i}`)) as Error).message).toMatch(/Not authorized/i);
    // Even the right password is refused unchecked while throttled.
    expect(((await guess('qiaokou gateway pw')) as Error).message).toMatch(/Not authorized/i);
    expect(broker.counters().passwordChecks).toBe(checked);
    expect(broker.counters().authThrottled).toBe(51);
    expect(events.filter((e) => e.type === 'mqtt_auth_failed' && /too many failed logins/.test(e.detail)).length).toBe(51);
    expect(await brokerMetrics()).toMatch(/citytwin_mqtt_auth_throttled_total 51\b/);
    // Once the wait is over the right password works, and clears the user name's record.
    clock += 61_000;
    const ok = (await guess('qiaokou gateway pw')) as mqtt.MqttClient;
    expect(ok).not.toBeInstanceOf(Error);
    await ok.endAsync();
  });

  it('throttles an address that sprays user names', async () => {
    clock += 3_600_000; // a fresh hour: earlier records are forgotten
    const checked = broker.counters().passwordChecks;
    let refusedUnchecked = 0;
    for (let i = 0; i < 20; i++) {
      const err = (await connect(gatewayUrl, { clientId: `spray-${i}`, username: `gw-guess-${i}`, password: 'whatever123' })) as Error;
      if (/Not authorized/i.test(err.message)) refusedUnchecked++;
    }
    // ADDRESS_RULES: 10 free failures, then the address waits; each throttled try is refused unchecked.
    expect(broker.counters().passwordChecks - checked).toBe(11);
    expect(refusedUnchecked).toBe(9);
  });
});

/**
 * Sends a CONNECT, then a PUBLISH declaring `declaredBytes` of body and streams filler until the
 * broker closes the connection (or `declaredBytes` are sent). Resolves with the bytes of the
 * body that the broker let through before closing. The filler is one reused chunk.
 */
function sendHugePublish(port: number, clientId: string, declaredBytes: number): Promise<{ sentBytes: number; closedByBroker: boolean }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tcpConnect(port, '127.0.0.1');
    const str = (s: string) => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
    const connectBody = Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 30]), str(clientId)]);
    const remaining: number[] = [];
    let n = declaredBytes;
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      remaining.push(b);
    } while (n > 0);
    const topic = str('citytwin/v1/sensors/wl-big/data');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let closed = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ sentBytes: sent, closedByBroker: sent < declaredBytes });
    });
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from([0x10, connectBody.length]), connectBody]));
      socket.write(Buffer.concat([Buffer.from([0x32, ...remaining]), topic, Buffer.from([0, 1])]));
      sent = topic.length + 2;
      const pump = () => {
        while (!closed && sent < declaredBytes) {
          const piece = chunk.subarray(0, Math.min(chunk.length, declaredBytes - sent));
          sent += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
        if (!closed) setTimeout(() => (closed ? undefined : reject(new Error('the broker took the whole packet'))), 2000);
      };
      pump();
    });
  });
}

describe('packet size', () => {
  it('closes the connection of a 16 MiB publish before reading it, and counts the refusal', async () => {
    const before = broker.counters().oversizePackets;
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await sendHugePublish(Number(new URL(broker.url).port), `big-${i}`, 16 * 1024 * 1024));
    for (const r of results) {
      expect(r.closedByBroker).toBe(true);
      // Closed at the header: far less than the packet went out (socket buffers take the rest).
      expect(r.sentBytes).toBeLessThan(8 * 1024 * 1024);
    }
    expect(broker.counters().oversizePackets - before).toBe(3);
    expect(await brokerMetrics()).toMatch(/citytwin_mqtt_oversize_packets_total 3\b/);
    expect(events.filter((e) => /packet of 16777216 bytes refused: the limit is 327680 bytes/.test(e.detail)).length).toBe(3);
  });

  it('still takes a publish under the limit', async () => {
    const watcher = (await connect(broker.url, { clientId: 'size-watcher' })) as mqtt.MqttClient;
    const got: number[] = [];
    watcher.on('message', (_t, p) => got.push(p.length));
    await watcher.subscribeAsync('citytwin/v1/#', { qos: 1 });
    const pub = (await connect(broker.url, { clientId: 'size-pub' })) as mqtt.MqttClient;
    await pub.publishAsync('citytwin/v1/sensors/wl-1/data', Buffer.alloc(256 * 1024, 0x61), { qos: 1 });
    await waitFor('the publish delivered', () => got.length === 1);
    expect(got).toEqual([256 * 1024]);
    await Promise.all([watcher.endAsync(), pub.endAsync()]);
  });
});

describe('the loopback listener without anonymity (CITYTWIN_MQTT_LOOPBACK_ANONYMOUS=0)', () => {
  it('refuses anonymous loopback clients; the in-process parts and gateways still connect', async () => {
    const strict = await startEmbeddedBroker('127.0.0.1', 0, {
      loopbackAnonymous: false,
      credentials: loadGatewayCredentials(join(dir.path, 'gateways.json')),
    });
    try {
      const anon = await connect(strict.url, { clientId: 'local-tool' });
      expect((anon as Error).message).toMatch(/Not authorized/i);
      const part = (await connect(strict.url, { clientId: 'citytwin-sim-1', ...strict.internalCredentials })) as mqtt.MqttClient;
      expect(part).not.toBeInstanceOf(Error);
      // The same secret in the URL (how the bench's TCP ingest logs in).
      const { username, password } = strict.internalCredentials;
      const byUrl = (await connect(strict.url.replace('mqtt://', `mqtt://${username}:${password}@`), {
        clientId: 'citytwin-bench-ingest',
      })) as mqtt.MqttClient;
      expect(byUrl).not.toBeInstanceOf(Error);
      await byUrl.endAsync();
      const wrongSecret = await connect(strict.url, {
        clientId: 'citytwin-sim-2',
        username: strict.internalCredentials.username,
        password: 'guess',
      });
      expect((wrongSecret as Error).message).toMatch(/Bad username or password/i);
      const gw = (await connect(strict.url, {
        clientId: 'gw-hanyang-1',
        username: 'gw-hanyang',
        password: 'hanyang gateway pw',
      })) as mqtt.MqttClient;
      expect(gw).not.toBeInstanceOf(Error);
      await Promise.all([part.endAsync(), gw.endAsync()]);
    } finally {
      await strict.close();
    }
  });

  it('accepts the in-process secret only on a loopback listener', async () => {
    const err = await connect(gatewayUrl, { clientId: 'citytwin-sim-3', ...broker.internalCredentials });
    expect((err as Error).message).toMatch(/Bad username or password/i);
  });
});
