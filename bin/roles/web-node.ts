/**
 * `citytwin web`: the twin and the console server, fed by its own subscription to an external
 * broker and rebuilt from ClickHouse at start; its status strip and `/metrics` show the sums
 * of the ingest workers it hears. Several web nodes share socket.io through Redis.
 */
import { IngestStatsAggregator } from '../../ingest/index.ts';
import type { WebServer } from '../../web/server/app/web-server.ts';
import { openAccounts } from '../parts/accounts.ts';
import { flushBeforeVerification, openAuditRecord } from '../parts/audit.ts';
import { externalBrokerUrl, type SecurityLogSlot } from '../parts/broker.ts';
import { startCap } from '../parts/cap.ts';
import { startCases } from '../parts/cases.ts';
import { startCity } from '../parts/city.ts';
import { openDevices } from '../parts/devices.ts';
import { syncCityRegister } from '../parts/registry-sync.ts';
import type { BrokerLink, PartContext } from '../parts/context.ts';
import { startDispatch } from '../parts/dispatch.ts';
import { startNotifications, startRules, startShifts } from '../parts/operations.ts';
import { nodeMetrics } from '../parts/metrics.ts';
import type { NodeView } from '../parts/node-view.ts';
import { startSimulation } from '../parts/simulation.ts';
import { openStorage } from '../parts/storage.ts';
import { startSubscription, twinFeed } from '../parts/subscription.ts';
import { startTwin, startTwinClock } from '../parts/twin.ts';
import { healthReport, statusFigures } from '../parts/vitals.ts';
import { startWeb } from '../parts/web.ts';
import type { RunningCityTwin } from '../runtime.ts';

export async function startWebNode(ctx: PartContext): Promise<RunningCityTwin> {
  const { config } = ctx;
  const mqttUrl = externalBrokerUrl(config, ctx.role);
  const city = startCity(ctx);
  const security: SecurityLogSlot = { auth: null };
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
  const workerStats = new IngestStatsAggregator();
  await startSubscription(
    ctx,
    twinFeed(ctx, mqttUrl, { twin, dispatch, workerStats, cap, cases: cases.service }, link, devices.directory),
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

  let web: WebServer | null = null;
  const view: NodeView = {
    startedAt: ctx.startedAt,
    mqttUrl,
    link,
    clickhouse,
    storageUsage: usage,
    broker: null,
    ingest: null,
    workerStats,
    twin,
    incidentStore,
    dispatch,
    audit,
    auth,
    cap,
    cases,
    web: () => web,
    rate: () => ({ messagesPerSec: 0, readingsPerSec: 0 }),
  };
  const stats = statusFigures(view);
  web = await startWeb(
    ctx,
    city,
    view,
    { stats, health: healthReport(view), metricsText: nodeMetrics(view).text },
    { rules, notifications, shifts },
  );
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
    rules,
    notifications,
    shifts,
    ops: null,
    workerStats,
    broker: null,
    simulator,
    stats,
    close: () => ctx.shutdown.run(),
  };
}
