/**
 * What every part of a running CityTwin is built with: the configuration, the role, the log,
 * the test seams and the shutdown sequence it registers its closing step in.
 */
import type { BrokerIntake } from '../../ingest/index.ts';
import type { StorageSink } from '../../storage/index.ts';
import type { CityTwinConfig } from '../config.ts';
import type { CityPart } from './city.ts';
import { componentLog, type Log } from '../logger.ts';
import type { Shutdown } from './shutdown.ts';
import type { SocketBacklogLimits } from '../../web/server/app/slow-sockets.ts';

export type Role = 'all' | 'ingest' | 'web';

/** Test seams of the runtime. */
export interface RuntimeHooks {
  /**
   * Wraps the ingest's storage adapter. The delivery tests inject a ClickHouse outage here:
   * the embedded engine cannot be stopped apart from the process that hosts it.
   */
  wrapSink?: (sink: StorageSink) => StorageSink;
  /**
   * Wraps the in-process ingest's intake from the embedded broker. The health tests make the
   * ingest stop taking messages here while publishers keep publishing.
   */
  wrapIntake?: (intake: BrokerIntake) => BrokerIntake;
  /**
   * The notification engine's clock (escalation deadlines). The escalation tests move it to a
   * tier's deadline instead of waiting minutes; the twin keeps the real clock.
   */
  notificationClock?: () => number;
  /**
   * The clock of the hotline case desk (time limits, intake times). The case tests move it to
   * make a case overdue; they call the desk's tick themselves (RunningCityTwin.cases).
   */
  caseNow?: () => number;
  /**
   * The clock of the open-data portal's rate limits (token buckets). The rate-limit test holds it
   * still while it counts requests, so the refill does not depend on how fast the machine answers.
   */
  openDataNow?: () => number;
  /**
   * Builds the city instead of the configured package. The start-up bench starts the generated
   * city the way it was started before city packages (`generatedCityPart`) as its baseline.
   */
  city?: (config: CityTwinConfig) => CityPart;
  /**
   * How often an ingest worker looks for register imports a web node applied (default
   * WORKER_IMPORT_POLL_MS, 5 s). The worker's register-import test shortens it so that it does
   * not wait 5 s for each look.
   */
  registerImportPollMs?: number;
  /**
   * What may wait unread for the console's socket.io clients (web/server/app/slow-sockets.ts).
   * The stream attack test lowers the total so that a few clients reach it.
   */
  socketBacklog?: Partial<SocketBacklogLimits>;
}

export interface PartContext {
  readonly config: CityTwinConfig;
  readonly role: Role;
  readonly log: Log;
  readonly hooks: RuntimeHooks;
  /** Closing steps, run in reverse order of registration. */
  readonly shutdown: Shutdown;
  /** Start time (epoch ms), for the uptime and the workers' stats. */
  readonly startedAt: number;
}

/** The log of one part, named as its component. */
export function partLog(ctx: PartContext, component: string): Log {
  return componentLog(ctx.log, component);
}

/** Whether this process's MQTT connection is up (the subscription's status, or the embedded broker's intake). */
export interface BrokerLink {
  up: boolean;
}
