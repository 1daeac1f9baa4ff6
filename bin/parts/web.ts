/** The console server (web/server/): static console, HTTP API, socket.io live stream. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ingest } from '../../ingest/index.ts';
import type { HealthReport } from '../../web/server/app/api-routes.ts';
import { startWebServer, type WebServer } from '../../web/server/app/web-server.ts';
import type { SourceIngestCounts, StatsMessage } from '../../web/shared/protocol.ts';
import type { CityPart } from './city.ts';
import { type PartContext, partLog } from './context.ts';
import type { NodeView } from './node-view.ts';
import { requestScope } from '../logger.ts';
import type { RulesService } from '../../web/server/rules/rules-service.ts';
import type { RegisterImportService } from '../../web/server/register/register-import-service.ts';
import type { ShiftService } from '../../web/server/shifts/shift-service.ts';
import type { NotificationsPart } from './operations.ts';

/** The operations loop's services (bin/parts/operations.ts), served by the web server. */
export interface OperationsParts {
  rules: RulesService;
  notifications: NotificationsPart;
  shifts: ShiftService;
  /** Registers imported at run time (bin/parts/register-imports.ts). */
  registers?: RegisterImportService | null;
}

export interface WebEndpoints {
  stats: () => StatsMessage;
  health: () => Promise<HealthReport>;
  metricsText: () => Promise<string>;
}

/** Starts the console server on CITYTWIN_HTTP_HOST:PORT; warns when the console is not built. */
export async function startWeb(
  ctx: PartContext,
  city: CityPart,
  v: NodeView,
  endpoints: WebEndpoints,
  ops: OperationsParts | null = null,
): Promise<WebServer> {
  const { config } = ctx;
  const log = partLog(ctx, 'web');
  const twin = v.twin!;
  const staticDir = resolve('dist/web');
  if (!existsSync(resolve(staticDir, 'index.html')))
    log('warn', 'the console is not built (dist/web); run `npm run build:web` — serving the API only');
  const ingest = v.ingest?.ingest ?? null;
  let url: string | null = null;
  const web = await startWebServer({
    host: config.httpHost,
    port: config.httpPort,
    staticDir: existsSync(staticDir) ? staticDir : null,
    twin,
    clickhouse: v.clickhouse,
    city: city.model,
    basemap: city.basemap,
    // The package's own offline basemap, served by range requests (docs/basemaps.md).
    basemapPmtiles: city.model.basemapPmtiles ?? null,
    ...endpoints,
    incidentStore: v.incidentStore,
    dispatch: v.dispatch,
    audit: v.audit,
    cases: v.cases,
    viewport: { threshold: config.viewportThreshold },
    socketsPerAccount: config.socketsPerAccount,
    ...(ctx.hooks.socketBacklog ? { socketBacklog: ctx.hooks.socketBacklog } : {}),
    ...(ingest ? { sourceCounts: () => sourceCounts(ingest) } : {}),
    auth: v.auth!,
    tls: tlsFiles(config.security),
    probeToken: config.security.probeToken,
    allowedOrigins: config.security.allowedOrigins,
    redisUrl: config.redisUrl,
    rules: ops?.rules ?? null,
    registers: ops?.registers ?? null,
    notifications: ops?.notifications ?? null,
    shifts: ops?.shifts ?? null,
    openData: {
      anonPerMinute: config.openDataAnonPerMin,
      keyPerMinute: config.openDataKeyPerMin,
      ...(ctx.hooks.openDataNow ? { now: ctx.hooks.openDataNow } : {}),
    },
    nodeId: config.workerId,
    log: (level, msg) => log(level, msg),
    aroundRequest: requestScope(log),
    // The feed's public URL: configured, else this server's own.
    cap: v.cap ? { cap: v.cap, feedUrl: () => config.cap.feedUrl ?? new URL('api/cap/feed.atom', url ?? 'http://127.0.0.1/').href } : null,
  });
  url = web.url;
  ctx.shutdown.add(() => web.close());
  if (config.redisUrl) log('info', `web node ${config.workerId} on the Redis adapter`);
  return web;
}

/** The HTTPS certificate and key (PEM), or null to serve HTTP. */
function tlsFiles(sec: PartContext['config']['security']): { cert: Buffer; key: Buffer } | null {
  return sec.tlsCert && sec.tlsKey ? { cert: readFileSync(sec.tlsCert), key: readFileSync(sec.tlsKey) } : null;
}

/** The ingest's per-source counts with what is pending (received = stored + rejected + pending). */
function sourceCounts(ingest: Ingest): Map<string, SourceIngestCounts> {
  const out = new Map<string, SourceIngestCounts>();
  for (const [source, c] of ingest.pipeline.metrics.bySource) out.set(source, { ...c, pending: c.received - c.stored - c.rejected });
  return out;
}
