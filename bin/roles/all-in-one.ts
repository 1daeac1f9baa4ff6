/**
 * `citytwin all` (npm start): every part in one process — the broker (embedded unless
 * CITYTWIN_MQTT_URL), ClickHouse (embedded unless CITYTWIN_CLICKHOUSE_URL), the ingest, the
 * twin, dispatch, the console server and, with CITYTWIN_SIMULATE, the simulator.
 */
import type { EmbeddedBroker } from '../../ingest/index.ts';
import { externalBrokerUrl, type SecurityLogSlot, startBroker } from '../parts/broker.ts';
import { startCity } from '../parts/city.ts';
import { startCityServices, startConsole } from '../parts/city-services.ts';
import type { BrokerLink, PartContext } from '../parts/context.ts';
import { ingestSubscription, sampleIngestRate, startIngest, takeFromBroker } from '../parts/ingest.ts';
import { startSimulation } from '../parts/simulation.ts';
import { publishAuditCheckpoints, startSubscription } from '../parts/subscription.ts';
import { startTwinClock } from '../parts/twin.ts';
import type { RunningCityTwin } from '../runtime.ts';

export async function startAllInOne(ctx: PartContext): Promise<RunningCityTwin> {
  const { config } = ctx;
  const city = startCity(ctx);
  const security: SecurityLogSlot = { auth: null };
  const broker: EmbeddedBroker | null = config.mqttUrl ? null : await startBroker(ctx, security);
  const mqttUrl = broker ? broker.url : externalBrokerUrl(config, ctx.role);
  const services = await startCityServices(ctx, city, security);
  const { clickhouse, audit, auth, twin, dispatch, cases, cap } = services;

  const link: BrokerLink = { up: false };
  const ingest = startIngest(ctx, clickhouse, { twin, dispatch, cap, cases: cases.service }, services.devices.directory);
  if (broker) {
    takeFromBroker(ctx, broker, ingest, link);
    publishAuditCheckpoints(ctx, broker, { audit, twin, dispatch, auth, cap });
  } else await startSubscription(ctx, ingestSubscription(ctx, mqttUrl, ingest, link), link, { audit, twin, dispatch, auth, cap });
  startTwinClock(ctx, twin, dispatch);
  const rate = sampleIngestRate(ctx, ingest);

  const { web, stats } = await startConsole(ctx, city, services, { mqttUrl, link, broker, ingest, workerStats: null, rate });
  const simulator = config.simulate ? await startSimulation(ctx, { city: city.model, mqttUrl, broker, dispatch }) : null;

  return {
    config,
    role: ctx.role,
    url: web.url,
    mqttUrl,
    city: city.model,
    clickhouse,
    ingest: ingest.ingest,
    twin,
    dispatch,
    audit,
    cases: cases.service,
    web,
    rules: services.rules,
    notifications: services.notifications,
    shifts: services.shifts,
    ops: null,
    workerStats: null,
    broker,
    simulator,
    stats,
    close: () => ctx.shutdown.run(),
  };
}
