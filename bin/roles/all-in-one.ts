/**
 * `citytwin all` (npm start): every part in one process — the broker (embedded unless
 * CITYTWIN_MQTT_URL), ClickHouse (embedded unless CITYTWIN_CLICKHOUSE_URL), the ingest, the
 * twin, dispatch, the console server and, with CITYTWIN_SIMULATE, the simulator.
 */
import type { EmbeddedBroker } from '../../ingest/index.ts';
import { openAccounts } from '../parts/accounts.ts';
import { flushBeforeVerification, openAuditRecord } from '../parts/audit.ts';
import { externalBrokerUrl, type SecurityLogSlot, startBroker } from '../parts/broker.ts';
import { startCap } from '../parts/cap.ts';
import { startCases } from '../parts/cases.ts';
import { startCity } from '../parts/city.ts';
import { syncCityRegister } from '../parts/registry-sync.ts';
import type { BrokerLink, PartContext } from '../parts/context.ts';
import { openDevices } from '../parts/devices.ts';
import { startDispatch } from '../parts/dispatch.ts';
import { startNotifications, startRules, startShifts } from '../parts/operations.ts';
import { ingestSubscription, sampleIngestRate, startIngest, takeFromBroker } from '../parts/ingest.ts';
import { nodeMetrics } from '../parts/metrics.ts';
import type { NodeView } from '../parts/node-view.ts';
import { startSimulation } from '../parts/simulation.ts';
import { openStorage } from '../parts/storage.ts';
import { publishAuditCheckpoints, startSubscription } from '../parts/subscription.ts';
import { startTwin, startTwinClock } from '../parts/twin.ts';
import { startWeb } from '../parts/web.ts';
import { healthReport, statusFigures } from '../parts/vitals.ts';
import type { RunningCityTwin } from '../runtime.ts';
import type { WebServer } from '../../web/server/app/web-server.ts';

export async function startAllInOne(ctx: PartContext): Promise<RunningCityTwin> {
  const { config } = ctx;
  const city = startCity(ctx);
  const security: SecurityLogSlot = { auth: null };
  const broker: EmbeddedBroker | null = config.mqttUrl ? null : await startBroker(ctx, security);
  const mqttUrl = broker ? broker.url : externalBrokerUrl(config, ctx.role);
  const { clickhouse, usage } = await openStorage(ctx, city.model);
  const devices = await openDevices(ctx, clickhouse, city.model);

  const { audit, signedDispatchHead } = await openAuditRecord(ctx, clickhouse);
  const { retiredSensors } = await syncCityRegister(ctx, { city, clickhouse, audit });
  const auth = await openAccounts(ctx, clickhouse, audit, security);
  const { twin, incidentStore } = await startTwin(ctx, {
    city: city.model,
    clickhouse,
    audit,
    auth,
    vocabulary: devices.vocabulary,
    retiredSensors,
  });
  const rules = await startRules(ctx, { city: city.model, twin, clickhouse, audit });
  const dispatch = await startDispatch(ctx, { city: city.model, twin, clickhouse, audit, signedDispatchHead });
  const cases = await startCases(ctx, { city: city.model, clickhouse, twin, audit });
  flushBeforeVerification(audit, twin, dispatch, auth);
  const notifications = await startNotifications(ctx, { city: city.model, twin, dispatch, clickhouse, audit });
  // Overdue hotline cases go to the subscriptions naming `case_overdue` (docs/cases.md#time-limits).
  cases.escalateTo(notifications.service);
  const shifts = startShifts({ twin, dispatch, clickhouse, audit, auth });

  const cap = await startCap(ctx, { city: city.model, clickhouse, twin, audit });

  const link: BrokerLink = { up: false };
  const ingest = startIngest(ctx, clickhouse, { twin, dispatch, cap, cases: cases.service }, devices.directory);
  if (broker) {
    takeFromBroker(ctx, broker, ingest, link);
    publishAuditCheckpoints(ctx, broker, { audit, twin, dispatch, auth, cap });
  } else await startSubscription(ctx, ingestSubscription(ctx, mqttUrl, ingest, link), link, { audit, twin, dispatch, auth, cap });
  startTwinClock(ctx, twin, dispatch);
  const rate = sampleIngestRate(ctx, ingest);

  let web: WebServer | null = null;
  const view: NodeView = {
    startedAt: ctx.startedAt,
    mqttUrl,
    link,
    clickhouse,
    storageUsage: usage,
    broker,
    ingest,
    workerStats: null,
    twin,
    incidentStore,
    dispatch,
    audit,
    auth,
    cap,
    cases,
    web: () => web,
    rate,
  };
  const stats = statusFigures(view);
  web = await startWeb(
    ctx,
    city,
    view,
    { stats, health: healthReport(view), metricsText: nodeMetrics(view).text },
    { rules, notifications, shifts },
  );
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
    rules,
    notifications,
    shifts,
    ops: null,
    workerStats: null,
    broker,
    simulator,
    stats,
    close: () => ctx.shutdown.run(),
  };
}
