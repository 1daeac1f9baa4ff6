/**
 * What is running in this process, as the status strip, `/api/health` and `/metrics` read it.
 * A role fills in the parts it has; the rest stay null.
 */
import type { NotificationService } from '../../web/server/notifications/notification-service.ts';
import type { EmbeddedBroker, IngestStatsAggregator } from '../../ingest/index.ts';
import type { StorageUsageSampler, StorageClient } from '../../storage/index.ts';
import type { AuditService } from '../../web/server/audit/audit-service.ts';
import type { AuthService } from '../../web/server/auth/auth-service.ts';
import type { CapService } from '../../web/server/cap/cap-service.ts';
import type { CasesPart } from './cases.ts';
import type { DispatchService } from '../../web/server/dispatch/dispatch-service.ts';
import type { IncidentStore } from '../../storage/incident-store.ts';
import type { TwinService } from '../../web/server/live/twin-service.ts';
import type { WebServer } from '../../web/server/app/web-server.ts';
import type { BrokerLink } from './context.ts';
import type { IngestPart } from './ingest.ts';

/** Messages and readings per second, sampled once a second from the ingest's counters. */
export interface Rate {
  messagesPerSec: number;
  readingsPerSec: number;
}

export interface NodeView {
  readonly startedAt: number;
  readonly mqttUrl: string;
  readonly link: BrokerLink;
  readonly clickhouse: StorageClient;
  readonly storageUsage: StorageUsageSampler;
  readonly broker: EmbeddedBroker | null;
  readonly ingest: IngestPart | null;
  /** Ingest workers' figures heard on the system topic (a web node). */
  readonly workerStats: IngestStatsAggregator | null;
  readonly twin: TwinService | null;
  readonly incidentStore: IncidentStore | null;
  readonly dispatch: DispatchService | null;
  readonly audit: AuditService | null;
  readonly auth: AuthService | null;
  /** Public warnings (roles with a web server). */
  readonly cap?: CapService | null;
  /** The hotline case desk and its handlers' department bindings. */
  readonly cases: CasesPart | null;
  /** The notification dispatcher's figures (roles with a web server). */
  readonly notifications?: NotificationService | null;
  /** The console server, once it listens. */
  web(): WebServer | null;
  rate(): Rate;
}

/** Storage as the status strip shows it: a full spool (backpressure) is "down". */
export function storageState(ingest: IngestPart | null): 'ok' | 'degraded' | 'down' {
  if (!ingest) return 'ok';
  return ingest.intake.backpressure ? 'down' : ingest.ingest.writer.health().state;
}

/** Age of the oldest message accepted and not yet stored (ms). */
export function ingestLagMs(ingest: IngestPart | null, now: number): number {
  const oldest = ingest?.ingest.writer.oldestPendingAt ?? 0;
  return oldest ? Math.max(0, now - oldest) : 0;
}
