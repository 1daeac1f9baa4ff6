/**
 * The one place that wires real adapters together, for each way CityTwin runs — each role is
 * a short builder that names its parts in order (bin/roles/, the parts in bin/parts/):
 * - `all`: one process with the broker (embedded unless configured), ClickHouse (embedded
 *   unless configured), ingest, twin, web server and, optionally, the simulator;
 * - `ingest`: MQTT → ClickHouse only (several may share the topics with a share group);
 * - `web`: the twin and the console server, fed by its own MQTT subscription and rebuilt
 *   from ClickHouse at start.
 * Parts register their closing step as they start; `close()` runs them last first.
 */
import type { StorageClient } from '../storage/index.ts';
import type { EmbeddedBroker, Ingest, IngestStatsAggregator, OpsServer } from '../ingest/index.ts';
import type { CitySimulator } from '../simulations/index.ts';
import type { CityModel } from '../twin-model/index.ts';
import type { AuditService } from '../web/server/audit/audit-service.ts';
import type { CaseService } from '../web/server/cases/case-service.ts';
import type { DispatchService } from '../web/server/dispatch/dispatch-service.ts';
import type { TwinService } from '../web/server/live/twin-service.ts';
import type { WebServer } from '../web/server/app/web-server.ts';
import type { RulesService } from '../web/server/rules/rules-service.ts';
import type { ShiftService } from '../web/server/shifts/shift-service.ts';
import type { NotificationsPart } from './parts/operations.ts';
import type { StatsMessage } from '../web/shared/protocol.ts';
import type { CityTwinConfig } from './config.ts';
import { createLogger, type Log } from './logger.ts';
import type { PartContext, Role, RuntimeHooks } from './parts/context.ts';
import { Shutdown } from './parts/shutdown.ts';
import { startAllInOne } from './roles/all-in-one.ts';
import { startIngestWorker } from './roles/ingest-worker.ts';
import { startWebNode } from './roles/web-node.ts';

export type { Role, RuntimeHooks } from './parts/context.ts';

export interface RunningCityTwin {
  config: CityTwinConfig;
  role: Role;
  /** Console URL (roles with a web server). */
  url: string | null;
  mqttUrl: string;
  city: CityModel | null;
  clickhouse: StorageClient;
  ingest: Ingest | null;
  twin: TwinService | null;
  /** Response units and dispatch (roles with a web server). */
  dispatch: DispatchService | null;
  /** The tamper-evident record of every action (roles with a web server). */
  audit: AuditService | null;
  /** The hotline case desk (roles with a web server). */
  cases: CaseService | null;
  web: WebServer | null;
  /** The alarm and incident rules at run time (roles with a web server). */
  rules: RulesService | null;
  /** Notifications and escalations, with their store (roles with a web server). */
  notifications: NotificationsPart | null;
  /** The command centre's shift log (roles with a web server). */
  shifts: ShiftService | null;
  /** The `ingest` role's health and metrics server. */
  ops: OpsServer | null;
  /** Ingest workers' figures heard on the system topic (the `web` role). */
  workerStats: IngestStatsAggregator | null;
  broker: EmbeddedBroker | null;
  simulator: CitySimulator | null;
  stats(): StatsMessage;
  close(): Promise<void>;
}

const ROLE_BUILDERS: Record<Role, (ctx: PartContext) => Promise<RunningCityTwin>> = {
  all: startAllInOne,
  ingest: startIngestWorker,
  web: startWebNode,
};

/** Starts CityTwin in `role`; on a failure what was started is closed again before the error is thrown. */
export async function startCityTwin(
  config: CityTwinConfig,
  role: Role,
  log: Log = createLogger(config.logLevel, role, { format: config.logFormat }),
  hooks: RuntimeHooks = {},
): Promise<RunningCityTwin> {
  const ctx: PartContext = { config, role, log, hooks, shutdown: new Shutdown(log), startedAt: Date.now() };
  try {
    return await ROLE_BUILDERS[role](ctx);
  } catch (err) {
    await ctx.shutdown.run();
    throw err;
  }
}
