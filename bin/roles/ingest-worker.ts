/**
 * `citytwin ingest`: MQTT → ClickHouse only, on an external broker (several workers share the
 * topics with CITYTWIN_MQTT_SHARE_GROUP); health and metrics over HTTP, and its counters on
 * the system topic for the web nodes.
 */
import { externalBrokerUrl } from '../parts/broker.ts';
import { startCity } from '../parts/city.ts';
import { openDevices } from '../parts/devices.ts';
import type { BrokerLink, PartContext } from '../parts/context.ts';
import { ingestSubscription, sampleIngestRate, startIngest } from '../parts/ingest.ts';
import { nodeMetrics } from '../parts/metrics.ts';
import type { NodeView } from '../parts/node-view.ts';
import { publishWorkerStats, startOps } from '../parts/ops.ts';
import { startSimulation } from '../parts/simulation.ts';
import { openStorage } from '../parts/storage.ts';
import { followRegisterImports, overlayRegisterImports } from '../parts/register-imports.ts';
import { startSubscription } from '../parts/subscription.ts';
import { healthReport, statusFigures } from '../parts/vitals.ts';
import type { RunningCityTwin } from '../runtime.ts';

export async function startIngestWorker(ctx: PartContext): Promise<RunningCityTwin> {
  const { config } = ctx;
  const mqttUrl = externalBrokerUrl(config, ctx.role);
  // A worker has no twin; it needs the city model for its register (the names devices call
  // themselves, the kinds the city declares) and to simulate it. A configured package is checked
  // (a bad one stops every role) and its sources' classifications recorded.
  const city = startCity(ctx);
  const { clickhouse, usage } = await openStorage(ctx, config.simulate || config.cityPackage ? city.model : null);
  // Registers imported at run time overlay the package here too (the names devices call themselves).
  const overlay = await overlayRegisterImports(ctx, city, clickhouse, false);
  const devices = await openDevices(ctx, clickhouse, city.model);
  // And the imports applied from now on, by any web node.
  followRegisterImports(ctx, { city, overlay, clickhouse, devices });

  const link: BrokerLink = { up: false };
  const ingest = startIngest(ctx, clickhouse, null, devices.directory);
  const source = ingestSubscription(ctx, mqttUrl, ingest, link);
  await startSubscription(ctx, source, link, null);
  const rate = sampleIngestRate(ctx, ingest);

  const view: NodeView = {
    startedAt: ctx.startedAt,
    mqttUrl,
    link,
    clickhouse,
    storageUsage: usage,
    broker: null,
    ingest,
    workerStats: null,
    twin: null,
    incidentStore: null,
    dispatch: null,
    audit: null,
    auth: null,
    cases: null,
    web: () => null,
    rate,
  };
  const ops = await startOps(ctx, { health: healthReport(view), metricsText: nodeMetrics(view).text });
  publishWorkerStats(ctx, ingest, source, rate);
  const simulator = config.simulate ? await startSimulation(ctx, { city: city.model, mqttUrl, broker: null, dispatch: null }) : null;

  return {
    config,
    role: ctx.role,
    url: null,
    mqttUrl,
    city: city.model,
    clickhouse,
    ingest: ingest.ingest,
    twin: null,
    dispatch: null,
    audit: null,
    cases: null,
    web: null,
    rules: null,
    notifications: null,
    shifts: null,
    ops,
    workerStats: null,
    broker: null,
    simulator,
    stats: statusFigures(view),
    close: () => ctx.shutdown.run(),
  };
}
