/**
 * `citytwin web`: the twin and the console server, fed by its own subscription to an external
 * broker and rebuilt from ClickHouse at start; its status strip and `/metrics` show the sums
 * of the ingest workers it hears. Several web nodes share socket.io through Redis.
 */
import { IngestStatsAggregator } from '../../ingest/index.ts';
import { externalBrokerUrl, type SecurityLogSlot } from '../parts/broker.ts';
import { startCity } from '../parts/city.ts';
import { startCityServices, startConsole } from '../parts/city-services.ts';
import type { BrokerLink, PartContext } from '../parts/context.ts';
import { startSimulation } from '../parts/simulation.ts';
import { startSubscription, twinFeed } from '../parts/subscription.ts';
import { startTwinClock } from '../parts/twin.ts';
import type { RunningCityTwin } from '../runtime.ts';

export async function startWebNode(ctx: PartContext): Promise<RunningCityTwin> {
  const { config } = ctx;
  const mqttUrl = externalBrokerUrl(config, ctx.role);
  const city = startCity(ctx);
  const security: SecurityLogSlot = { auth: null };
  const services = await startCityServices(ctx, city, security);
  const { clickhouse, audit, auth, twin, dispatch, cases, cap } = services;

  const link: BrokerLink = { up: false };
  const workerStats = new IngestStatsAggregator();
  await startSubscription(
    ctx,
    twinFeed(ctx, mqttUrl, { twin, dispatch, workerStats, cap, cases: cases.service }, link, services.devices.directory),
    link,
    {
      audit,
      twin,
      dispatch,
      auth,
      cap,
    },
  );
  startTwinClock(ctx, twin, dispatch);

  const { web, stats } = await startConsole(ctx, city, services, {
    mqttUrl,
    link,
    broker: null,
    ingest: null,
    workerStats,
    rate: () => ({ messagesPerSec: 0, readingsPerSec: 0 }),
  });
  const simulator = config.simulate ? await startSimulation(ctx, { city: city.model, mqttUrl, broker: null, dispatch }) : null;

  return {
    config,
    role: ctx.role,
    url: web.url,
    mqttUrl,
    city: city.model,
    clickhouse,
    ingest: null,
    twin,
    dispatch,
    audit,
    cases: cases.service,
    web,
    rules: services.rules,
    notifications: services.notifications,
    shifts: services.shifts,
    ops: null,
    workerStats,
    broker: null,
    simulator,
    stats,
    close: () => ctx.shutdown.run(),
  };
}
