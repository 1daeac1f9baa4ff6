/**
 * What the KPI screen tests show, published over MQTT like any source: sensors registered and
 * reporting, service halls with queues, hotline reports (12345) and field reports that open
 * incidents at `places`. Message ids start with `idPrefix`, so two tests' data never mix.
 */
import mqtt from 'mqtt';
import type { RunningCityTwin } from '../../bin/runtime.ts';
import { KIND_METRICS } from '../../twin-model/index.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './auth.ts';
import { startTestCity } from './test-city.ts';

/** A product for a KPI screen test: the city, a publisher, the admin's session and a wall-display token. */
export interface KpiScreenCity {
  readonly app: RunningCityTwin;
  readonly publisher: mqtt.MqttClient;
  /** The admin's session token. */
  readonly admin: string;
  /** A wall-display token (`kpi.html?display=TOKEN`) named `tokenName`. */
  readonly displayToken: string;
}

/** Starts the product on `dataDir` with a publisher (client id `clientId`), signs the admin in and makes a display token. */
export async function startKpiScreenCity(dataDir: string, clientId: string, tokenName: string): Promise<KpiScreenCity> {
  const app = await startTestCity(dataDir);
  const publisher = await mqtt.connectAsync(app.mqttUrl, { clientId });
  const admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  const made = await call(app.url!, admin, 'POST', '/api/auth/tokens', { name: tokenName, kind: 'display', password: TEST_ADMIN_PASSWORD });
  if (made.status !== 200) throw new Error(`the display token ${tokenName} was refused (${made.status}): ${JSON.stringify(made.body)}`);
  return { app, publisher, admin, displayToken: made.body.token as string };
}

export interface KpiSeed {
  readonly idPrefix: string;
  /** How many sensors (no service halls) register and report. */
  readonly sensors: number;
  /** How many service halls report a queue. */
  readonly halls: number;
  readonly hotlineReports: number;
  /** Where field staff report: [lng, lat, category]; one incident each. */
  readonly places: ReadonlyArray<readonly [number, number, string]>;
  /** When sensor `i`'s reading was taken (default: half a second apart, back from now). */
  readonly readingTime?: (i: number, now: number) => number;
}

/** Publishes the data of `seed` (QoS 1: each message is with the broker when this resolves). */
export async function seedKpiCity(app: RunningCityTwin, publisher: mqtt.MqttClient, seed: KpiSeed) {
  const pub = (topic: string, body: unknown) => publisher.publishAsync(topic, JSON.stringify(body), { qos: 1 });
  const t0 = Date.now();
  const sites = app.city!.sensorSites.filter((s) => s.kind !== 'service_hall').slice(0, seed.sensors);
  const halls = app.city!.sensorSites.filter((s) => s.kind === 'service_hall').slice(0, seed.halls);
  for (const s of [...sites, ...halls])
    await pub(`citytwin/v1/sensors/${s.id}/meta`, {
      kind: s.kind,
      lng: s.lng,
      lat: s.lat,
      name: s.nameZh,
      district: s.district,
      source: s.sourceId,
    });
  const readingTime = seed.readingTime ?? ((i: number, now: number) => now - i * 500);
  for (const [i, s] of sites.entries())
    await pub(`citytwin/v1/sensors/${s.id}/data`, { ts: readingTime(i, t0), values: { [KIND_METRICS[s.kind][0]!]: i } });
  for (const [i, s] of halls.entries())
    await pub(`citytwin/v1/sensors/${s.id}/data`, { ts: t0 - 30_000, values: { queue_length: 5 + 7 * i, wait_min: 4 + 3 * i } });
  for (let i = 0; i < seed.hotlineReports; i++)
    await pub('citytwin/v1/events/hotline-12345', {
      id: `${seed.idPrefix}-h${i}`,
      ts: t0 - i * 60_000,
      type: 'citizen_report',
      category: 'noise',
      lng: 114.05 + 0.01 * i,
      lat: 30.45,
      severity: 2,
      text: '噪声',
    });
  for (const [i, [lng, lat, category]] of seed.places.entries())
    await pub('citytwin/v1/events/field-staff', {
      id: `${seed.idPrefix}-m${i}`,
      ts: Date.now(),
      type: 'manual_report',
      category,
      lng,
      lat,
      severity: 3 + (i % 2),
    });
  return { sites, halls };
}
