/**
 * The simulator against a real in-process aedes broker on a free port: meta is retained,
 * data arrives on the right topics and matches the contract, and the counters agree with
 * what a subscriber received.
 */
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { loadCityPackage } from '../twin-model/city-package/index.ts';
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

let subscribers = 0;

async function subscriber(url: string, topic: string, into: Received[]): Promise<MqttClient> {
  const client = await connectAsync(url, { clientId: `test-sub-${++subscribers}`, clean: true });
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

describe('CitySimulator on a city package (river-town)', () => {
  it('publishes the register in the town, declared kinds with their metrics and units, and says which kinds it skips', async () => {
    const url = await startBroker();
    const town = loadCityPackage(join(import.meta.dirname, '..', 'test', 'fixtures', 'cities', 'river-town'));
    // A kind the simulator has no pattern for (volumetric water content is not a unit it models).
    town.vocabulary = [
      ...(town.vocabulary ?? []),
      { kind: 'soil_moisture', label: { zh: '土壤湿度', en: 'Soil moisture' }, metrics: { vwc: 'm3/m3' } },
    ];
    town.declaredSensorSites = [
      ...(town.declaredSensorSites ?? []),
      { ...town.declaredSensorSites![0]!, id: 'sm-park', kind: 'soil_moisture', nameZh: '公园土壤', nameEn: 'Park soil' },
    ];
    const data: Received[] = [];
    const meta: Received[] = [];
    await subscriber(url, 'citytwin/v1/sensors/+/data', data);
    const logged: string[] = [];
    // From 03:00 in Vienna (UTC+2 in July) on a Monday, compressed: about 4 simulated hours.
    const startMs = Date.UTC(2024, 6, 1, 1, 0, 0);
    const sim = new CitySimulator({
      brokerUrl: url,
      city: town,
      seed: 3,
      startMs,
      stamp: 'simulated',
      timeScale: 4000,
      tickMs: 50,
      dropoutRate: 0,
      lateRate: 0,
      unregisteredCount: 0,
      strayCount: 0,
      log: (_level, message) => logged.push(message),
    });
    cleanups.push(() => sim.stop());
    await sim.start();
    await subscriber(url, 'citytwin/v1/sensors/+/meta', meta);
    await sleep(4000);
    await sim.stop();
    await sleep(300);

    expect(sim.skippedKinds).toEqual([{ kind: 'soil_moisture', sensors: 1, reason: expect.stringContaining('vwc in "m3/m3"') }]);
    expect(logged).toEqual([
      expect.stringMatching(/1 sensor\(s\) of declared kind soil_moisture not simulated: no pattern for vwc in "m3\/m3"/),
    ]);

    // Meta for every registered sensor but the skipped one; declared kinds carry their metrics (contracts v1.1).
    const noise = town.declaredSensorSites!.filter((s) => s.kind === 'noise_level');
    expect(noise.length).toBe(5);
    expect(meta.map((m) => m.topic).sort()).toEqual([...town.sensorSites, ...noise].map((s) => `citytwin/v1/sensors/${s.id}/meta`).sort());
    const noiseMeta = JSON.parse(meta.find((m) => m.topic.includes('/nz-markt/'))!.payload) as Record<string, unknown>;
    expect(noiseMeta).toMatchObject({
      kind: 'noise_level',
      unit: 'dB',
      metrics: { noise_dba: 'dB' },
      source: 'env.noise',
      district: 'altstadt',
    });

    // Data: v1 sensors by the contract; noise in dB, quieter before dawn than in the morning (local time).
    const values = new Map<string, Array<{ t: number; v: number }>>();
    for (const m of data) {
      const id = m.topic.split('/')[3]!;
      expect(id).not.toBe('sm-park');
      if (!id.startsWith('nz-')) {
        expect(checkDataMessage(m.topic, m.payload).length).toBeGreaterThan(0);
        continue;
      }
      const body = JSON.parse(m.payload) as unknown;
      const samples = Array.isArray(body)
        ? (body as Array<{ bt?: number; t?: number; n: string; v: number; bu?: string; u?: string }>).map((r, _i, all) => ({
            t: ((all[0]?.bt ?? 0) + (r.t ?? 0)) * 1000,
            n: r.n,
            v: r.v,
            u: r.u ?? all[0]?.bu,
          }))
        : [
            {
              t: Date.parse(String((body as { ts: unknown }).ts)) || Number((body as { ts: unknown }).ts),
              n: 'noise_dba',
              v: (body as { values: { noise_dba: number } }).values.noise_dba,
              u: 'dB',
            },
          ];
      for (const s of samples) {
        expect(s.n).toBe('noise_dba');
        expect(s.u).toBe('dB');
        expect(s.v).toBeGreaterThanOrEqual(20);
        expect(s.v).toBeLessThanOrEqual(120);
        const list = values.get(id) ?? [];
        list.push({ t: s.t, v: s.v });
        values.set(id, list);
      }
    }
    expect(values.size).toBe(5);
    const all = [...values.values()].flat();
    const mean = (from: number, to: number) => {
      const xs = all.filter((x) => x.t >= from && x.t < to).map((x) => x.v);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    // The town's night (03:00–04:00) is quieter than its early morning (06:00–07:00), on Vienna's
    // clock; on Shanghai's (09:00–10:00 vs 12:00–13:00) it would be the other way round.
    expect(mean(startMs + 3 * 3_600_000, startMs + 4 * 3_600_000) - mean(startMs, startMs + 3_600_000)).toBeGreaterThan(1.5);
    expect(sim.stats().byKind.noise_level?.readings).toBeGreaterThan(0);
  });
});
