/**
 * The parts the roles with a twin (`all` and `web`) share, in the order they start: storage,
 * devices, the audit record, the city register, accounts, the twin, rules, dispatch, the case
 * desk, notifications, the shift log and public warnings; and, once the role has its feed, the
 * console server over what runs in the process.
 */
import type { EmbeddedBroker, IngestStatsAggregator } from '../../ingest/index.ts';
import type { IncidentStore, StorageClient, StorageUsageSampler } from '../../storage/index.ts';
import type { WebServer } from '../../web/server/app/web-server.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import type { CapService } from '../../web/server/cap/cap-service.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import type { RegisterImportService } from '../../web/server/register/register-import-service.ts';
import type { RulesService } from '../../web/server/rules/rules-service.ts';
import type { ShiftService } from '../../web/server/shifts/shift-service.ts';
import type { StatsMessage } from '../../web/shared/protocol.ts';
import { openAccounts } from './accounts.ts';
import { flushBeforeVerification, openAuditRecord } from './audit.ts';
import type { SecurityLogSlot } from './broker.ts';
import { startCap } from './cap.ts';
import { type CasesPart, startCases } from './cases.ts';
import type { CityPart } from './city.ts';
import { type BrokerLink, type PartContext, partLog } from './context.ts';
import { type DevicesPart, openDevices } from './devices.ts';
import { startDispatch } from './dispatch.ts';
import type { IngestPart } from './ingest.ts';
import { nodeMetrics } from './metrics.ts';
import type { NodeView, Rate } from './node-view.ts';
import { type NotificationsPart, startNotifications, startRules, startShifts } from './operations.ts';
import { auditSuperseded, overlayRegisterImports, startRegisterImports } from './register-imports.ts';
import { syncCityRegister } from './registry-sync.ts';
import { openStorage } from './storage.ts';
import { startTwin } from './twin.ts';
import { healthReport, statusFigures } from './vitals.ts';
import { startWeb } from './web.ts';

export interface CityServices {
  clickhouse: StorageClient;
  usage: StorageUsageSampler;
  devices: DevicesPart;
  audit: AuditService;
  auth: AuthService;
  twin: TwinService;
  incidentStore: IncidentStore;
  rules: RulesService;
  registers: RegisterImportService;
  dispatch: DispatchService;
  cases: CasesPart;
  notifications: NotificationsPart;
  shifts: ShiftService;
  cap: CapService;
}

export async function startCityServices(ctx: PartContext, city: CityPart, security: SecurityLogSlot): Promise<CityServices> {
  const { clickhouse, usage } = await openStorage(ctx, city.model);
  // Registers imported at run time overlay the package's files before anything reads them.
  const overlay = await overlayRegisterImports(ctx, city, clickhouse);
  const devices = await openDevices(ctx, clickhouse, city.model);

  const { audit, signedDispatchHead } = await openAuditRecord(ctx, clickhouse);
  auditSuperseded(audit, overlay);
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
  const registers = startRegisterImports(ctx, { city, overlay, clickhouse, twin, dispatch, devices, audit });
  const cases = await startCases(ctx, { city: city.model, clickhouse, twin, audit });
  flushBeforeVerification(audit, twin, dispatch, auth);
  const notifications = await startNotifications(ctx, { city: city.model, twin, dispatch, clickhouse, audit });
  // Overdue hotline cases go to the subscriptions naming `case_overdue` (docs/cases.md#time-limits).
  cases.escalateTo(notifications.service);
  const shifts = startShifts({ twin, dispatch, clickhouse, audit, auth, log: partLog(ctx, 'shifts') });

  const cap = await startCap(ctx, { city: city.model, clickhouse, twin, audit });
  return { clickhouse, usage, devices, audit, auth, twin, incidentStore, rules, registers, dispatch, cases, notifications, shifts, cap };
}

/** What feeds the twin in this role: the embedded broker and the ingest (`all`), or the ingest workers' figures (`web`). */
export interface ConsoleFeed {
  mqttUrl: string;
  link: BrokerLink;
  broker: EmbeddedBroker | null;
  ingest: IngestPart | null;
  workerStats: IngestStatsAggregator | null;
  rate: () => Rate;
}

/** Starts the console server over the services and the feed, with its status strip, `/api/health` and `/metrics`. */
export async function startConsole(
  ctx: PartContext,
  city: CityPart,
  s: CityServices,
  feed: ConsoleFeed,
): Promise<{ web: WebServer; stats: () => StatsMessage }> {
  let web: WebServer | null = null;
  const view: NodeView = {
    startedAt: ctx.startedAt,
    mqttUrl: feed.mqttUrl,
    link: feed.link,
    clickhouse: s.clickhouse,
    storageUsage: s.usage,
    broker: feed.broker,
    ingest: feed.ingest,
    workerStats: feed.workerStats,
    twin: s.twin,
    incidentStore: s.incidentStore,
    dispatch: s.dispatch,
    audit: s.audit,
    auth: s.auth,
    cap: s.cap,
    cases: s.cases,
    notifications: s.notifications.service,
    web: () => web,
    rate: feed.rate,
  };
  const stats = statusFigures(view);
  web = await startWeb(
    ctx,
    city,
    view,
    { stats, health: healthReport(view), metricsText: nodeMetrics(view).text },
    { rules: s.rules, notifications: s.notifications, shifts: s.shifts, registers: s.registers },
  );
  return { web, stats };
}
