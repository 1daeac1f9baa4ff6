/**
 * The simulator against a real in-process aedes broker on a free port: meta is retained,
 * data arrives on the right topics and matches the contract, and the counters agree with
 * what a subscriber received.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { SENSOR_KINDS, type SensorKind } from '../twin-model/vocabulary.ts';
import { CitySimulator } from './city-simulator.ts';
import { buildSmallCity } from './fixtures/small-city.ts';
import { checkDataMessage } from './fixtures/contract-check.ts';

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startBroker(): Promise<string> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => broker.close(() => resolve()));
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `mqtt://127.0.0.1:${address.port}`;
}

async function subscriber(url: string, topic: string, into: Received[]): Promise<MqttClient> {
  const client = await connectAsync(url, { clientId: `test-sub-${topic.length}-${into.length}`, clean: true });
  cleanups.push(() => client.endAsync());
  client.on('message', (t, payload, packet) => into.push({ topic: t, payload: payload.toString('utf8'), retain: packet.retain }));
  await client.subscribeAsync(topic, { qos: 1 });
  return client;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('CitySimulator', () => {
  it('retains meta and publishes contract-valid data for every kind on the right topics', async () => {
    const url = await startBroker();
    const city = buildSmallCity();
    const data: Received[] = [];
    await subscriber(url, 'citytwin/v1/+/+/data', data);

    const startMs = Date.UTC(2024, 6, 1, 7, 0, 0); // 15:00 in Wuhan, a Monday
    const sim = new CitySimulator({
      brokerUrl: url,
      city,
      seed: 42,
      scenario: 'rainstorm',
      startMs,
      stormStartMs: startMs - 30 * 60_000,
      timeScale: 600,
      tickMs: 50,
      dropoutRate: 0,
      lateRate: 0,
      badMessageRate: 0.05,
      unregisteredCount: 3,
      strayCount: 2,
    });
    cleanups.push(() => sim.stop());
    await sim.start();

    // Subscribing after start: the broker replays the retained meta with the retain flag.
    const meta: Received[] = [];
    await subscriber(url, 'citytwin/v1/sensors/+/meta', meta);
    await sleep(2000);
    await sim.stop();
    await sleep(300); // let the broker deliver the last acknowledged messages

    // Meta: every site except the unregistered ones, retained, with the contract's fields.
    const registered = city.sensorSites.filter((s) => !sim.unregisteredIds.has(s.id));
    expect(sim.unregisteredIds.size).toBe(3);
    expect(meta.every((m) => m.retain)).toBe(true);
    expect(meta.map((m) => m.topic).sort()).toEqual(registered.map((s) => `citytwin/v1/sensors/${s.id}/meta`).sort());
    for (const m of meta) {
      const body = JSON.parse(m.payload) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(
        expect.arrayContaining(['classification', 'district', 'kind', 'lat', 'lng', 'name', 'source']),
      );
    }

    // Data: valid messages match the counters exactly; junk is what the simulator says it sent.
    const stats = sim.stats();
    const valid: Received[] = [];
    let junk = 0;
    let readings = 0;
    for (const m of data) {
      try {
        readings += checkDataMessage(m.topic, m.payload).length;
        valid.push(m);
      } catch {
        junk++;
      }
    }
    expect(valid.length).toBe(stats.messages);
    expect(readings).toBe(stats.readings);
    expect(junk).toBe(stats.badMessages);
    expect(stats.publishErrors).toBe(0);
    expect(stats.simTimeMs - startMs).toBeGreaterThan(15 * 60_000);

    const kindOf = new Map<string, SensorKind>([...city.sensorSites, ...sim.strays].map((s) => [s.id, s.kind]));
    const seenKinds = new Set<SensorKind>();
    for (const m of valid) {
      const [, , family, id] = m.topic.split('/');
      const kind = kindOf.get(id ?? '');
      expect(kind, m.topic).toBeDefined();
      if (kind === undefined) continue;
      seenKinds.add(kind);
      // Only service halls use the metrics topic.
      if (family === 'metrics') expect(kind).toBe('service_hall');
    }
    expect([...seenKinds].sort()).toEqual([...SENSOR_KINDS].sort());
    const topics = new Set(valid.map((m) => m.topic));
    for (const hall of city.sensorSites.filter((s) => s.kind === 'service_hall')) {
      expect(topics).toContain(`citytwin/v1/metrics/${hall.id}/data`);
    }
    // Unregistered and stray sensors send data, never meta.
    for (const id of [...sim.unregisteredIds, ...sim.strays.map((s) => s.id)]) {
      expect(topics).toContain(`citytwin/v1/sensors/${id}/data`);
    }
    expect(sim.strays.every((s) => !city.sensorSites.some((c) => c.id === s.id))).toBe(true);
  });
});
