/**
 * The web server: the console's static files, the HTTP API and the socket.io live stream.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { resolve } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts';
import { dispatchRoutes } from '../dispatch/dispatch-routes.ts';
import { type Route, Router, sendJson } from './http-router.ts';
import type { ViewportOptions } from '../live/viewport-sessions.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import { type EscalationOf, escalationView, type LiveIo, startLiveStream, startStreamTimers } from './live-sockets.ts';
import type { SocketBacklogLimits } from './slow-sockets.ts';
import { apiRoutes, type ApiDeps } from './api-routes.ts';
import { incidentRoutes } from '../incidents/incident-routes.ts';
import { kpiRoutes } from '../kpi/kpi-routes.ts';
import { replayRoutesFor } from '../replay/replay-routes.ts';
import { auditRoutes } from '../audit/audit-routes.ts';
import { capRoutes, type CapRouteDeps } from '../cap/cap-routes.ts';
import { caseRoutes } from '../cases/case-routes.ts';
import { fieldRoutesFor } from '../field/field-routes.ts';
import type { CaseService } from '../cases/case-service.ts';
import type { DepartmentBindings } from '../cases/department-bindings.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { DispatchService } from '../dispatch/dispatch-service.ts';
import { apiDocs } from './api-docs.ts';
import { serveStatic } from './static-files.ts';
import { internalErrorBody, logInternalError } from './internal-error.ts';
import { AccessGuard } from '../auth/access-guard.ts';
import { authRoutes, clientAddress } from '../auth/auth-routes.ts';
import type { AuthService } from '../auth/auth-service.ts';
import { OriginPolicy } from '../auth/origin-check.ts';
import { attachSocketAuth } from '../auth/socket-auth.ts';
import { joinRedisCluster, singleNode, type InterServerEvents, type WebCluster } from '../cluster/cluster-bus.ts';
import { sensorRoutes } from '../live/sensor-routes.ts';
import { searchRoutes } from '../search/search-routes.ts';
import { vocabularyRoutes } from '../city/vocabulary-routes.ts';
import { DeadLetterStore, OpenDataStore, ReadingsStore, RegistryStore, VocabularyStore } from '../../../storage/index.ts';
import { basemapRoutes } from '../city/basemap-routes.ts';
import { openBasemapArchive, type BasemapArchive } from '../city/pmtiles-archive.ts';
import type { NotificationStore } from '../../../storage/index.ts';
import { registerRoutes } from '../register/register-routes.ts';
import type { RegisterImportService } from '../register/register-import-service.ts';
import { rulesRoutes } from '../rules/rules-routes.ts';
import type { RulesService } from '../rules/rules-service.ts';
import { notificationRoutes } from '../notifications/notification-routes.ts';
import { shiftRoutes } from '../shifts/shift-routes.ts';
import { openDataRoutes, type OpenDataOptions } from '../open-data/open-data-routes.ts';
import type { ShiftService } from '../shifts/shift-service.ts';

export interface WebServerOptions extends ApiDeps {
  host: string;
  port: number;
  /** Built console (dist/web), or null to serve the API only. */
  staticDir: string | null;
  /** Delta cadence in ms. */
  deltaIntervalMs?: number;
  /** Redis for socket.io's adapter between several web nodes (cluster-bus.ts), or null. */
  redisUrl?: string | null;
  /** This node's name among the web nodes. */
  nodeId?: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Runs the handling of each HTTP request (the process gives each its request id for the log). */
  aroundRequest?: (req: IncomingMessage, res: ServerResponse, handle: () => void) => void;
  /** Accounts, tokens and the security log (web/server/auth). */
  auth: AuthService;
  /** Certificate and key (PEM): serve HTTPS instead of HTTP. */
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Bearer token that opens /api/health and /metrics off loopback. */
  probeToken?: string | null;
  /** Origins besides the server's own whose pages may use the session (CITYTWIN_ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  /** Response units and dispatch (needs the city model); null serves no dispatch routes. */
  dispatch?: DispatchService | null;
  /** The audit record (web/server/audit): its routes, and exports recorded in it; null serves no audit routes. */
  audit?: AuditService | null;
  /** The live stream for big registries: threshold, points zoom, cap, cells cadence (viewport-sessions.ts). */
  viewport?: Partial<ViewportOptions>;
  /** What may wait in this process for one socket.io client before it is disconnected (slow-sockets.ts). */
  socketBacklog?: Partial<SocketBacklogLimits>;
  /** Live socket.io connections one account may hold on this node; unset = no bound (docs/security.md). */
  socketsPerAccount?: number;
  /** The city's PMTiles basemap (a file path), served by byte ranges; null draws the GeoJSON base map (docs/basemaps.md). */
  basemapPmtiles?: string | null;
  /** The alarm and incident rules at run time (web/server/rules): their routes, replay at T, every node applying a saved version. */
  rules?: RulesService | null;
  /** Registers imported at run time (web/server/register): their routes, every node putting an applied import in force. */
  registers?: RegisterImportService | null;
  /** Notifications and escalations (web/server/notifications) with the store of their configuration and delivery log. */
  notifications?: { service: NotificationService; store: NotificationStore } | null;
  /** The command centre's shift log (web/server/shifts). */
  shifts?: ShiftService | null;
  /** Public warnings (web/server/cap, docs/cap.md); null serves no warning routes. */
  cap?: CapRouteDeps | null;
  /** The hotline case desk and its handlers' department bindings (docs/cases.md); null serves no case routes. */
  cases?: { service: CaseService; bindings: DepartmentBindings } | null;
  /** The open-data portal's rate limits (web/server/open-data); absent: 30 a minute anonymous, 600 per key. */
  openData?: OpenDataOptions;
}

/** Longest request URL accepted (414 beyond); headers are capped by MAX_HEADER_BYTES. */
export const MAX_URL_LENGTH = 4096;
export const MAX_HEADER_BYTES = 16 * 1024;

export interface WebServer {
  url: string;
  port: number;
  http: HttpServer;
  io: SocketServer<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;
  connectedClients(): number;
  /** Requests refused before routing (oversize headers, malformed HTTP). */
  refusedRequests(): number;
  /** socket.io handshakes and events refused. */
  refusedSocketEvents(): { handshakes: number; events: number };
  /** socket.io clients disconnected because too much waited for them unread (slow-sockets.ts). */
  slowClientsDisconnected(): number;
  /** This node and the other web nodes on the Redis adapter (just this node without Redis). */
  cluster: WebCluster;
  /** Serves another PMTiles basemap from now on (checked first), or none (null). */
  setBasemapPmtiles(path: string | null): Promise<void>;
  close(): Promise<void>;
}

export class HttpPortInUseError extends Error {}

/**
 * No inline scripts; maplibre starts its worker from a blob: URL (worker-src blob:); the
 * console talks only to its own origin (the map is offline).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self' ws: wss:; font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** The route tables of every feature, in the order the router tries them. */
function serverRoutes(options: WebServerOptions, basemapArchive: () => BasemapArchive | null, escalationOf: EscalationOf): Route[] {
  const notifications = options.notifications ?? null;
  return [
    ...incidentRoutes({ twin: options.twin, incidentStore: options.incidentStore ?? null, escalationOf }),
    ...apiRoutes(options),
    ...sensorRoutes({
      twin: options.twin,
      city: options.city,
      registry: new RegistryStore(options.clickhouse),
      readings: new ReadingsStore(options.clickhouse),
      deadLetters: new DeadLetterStore(options.clickhouse),
      metricUnits: new VocabularyStore(options.clickhouse),
    }),
    ...basemapRoutes({ basemap: options.basemap, archive: basemapArchive }),
    ...searchRoutes({ twin: options.twin, city: options.city, dispatch: options.dispatch ?? null }),
    ...(options.dispatch
      ? dispatchRoutes({ dispatch: options.dispatch, incidentStore: options.incidentStore ?? null, audit: options.audit ?? null })
      : []),
    ...kpiRoutes({ clickhouse: options.clickhouse, city: options.city, stats: options.stats, twin: options.twin }),
    ...replayRoutesFor(options),
    ...authRoutes({ auth: options.auth, secureCookies: Boolean(options.tls) }),
    ...(options.audit ? auditRoutes({ audit: options.audit }) : []),
    ...(options.rules ? rulesRoutes({ rules: options.rules }) : []),
    ...(options.registers ? registerRoutes({ registers: options.registers }) : []),
    ...(notifications ? notificationRoutes({ notifications: notifications.service, store: notifications.store }) : []),
    ...(options.shifts ? shiftRoutes({ shifts: options.shifts }) : []),
    ...openDataRoutes({
      store: new OpenDataStore(options.clickhouse),
      city: options.city,
      options: options.openData ?? { anonPerMinute: 30, keyPerMinute: 600 },
      audit: options.audit ?? null,
    }),
    ...vocabularyRoutes({
      vocabulary: options.twin.vocabulary,
      store: new VocabularyStore(options.clickhouse),
      audit: options.audit ?? null,
    }),
    ...(options.cap ? capRoutes(options.cap) : []),
    ...(options.cases
      ? caseRoutes({ cases: options.cases.service, bindings: options.cases.bindings, twin: options.twin, audit: options.audit ?? null })
      : []),
    ...fieldRoutesFor(options),
  ];
}

/** The HTTP handler: security headers, the URL's length, the API docs, the routes, then the built console. */
function requestHandler(options: WebServerOptions, routes: Route[], guard: AccessGuard) {
  const log = options.log ?? (() => undefined);
  const docs = apiDocs(routes, {
    title: 'CityTwin API',
    version: '1',
    description: 'HTTP API of the CityTwin console server. The live stream is socket.io (see web/shared/protocol.ts).',
  });
  const router = new Router(routes, guard.guard, log);
  const staticRoot = options.staticDir ? resolve(options.staticDir) : null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (options.tls) res.setHeader('strict-transport-security', 'max-age=31536000');
    if ((req.url ?? '').length > MAX_URL_LENGTH) {
      options.auth.record('access_denied', 'refused', '', clientAddress(req), `URL of ${(req.url ?? '').length} characters`);
      sendJson(res, 414, { error: `the request URL is ${(req.url ?? '').length} characters; at most ${MAX_URL_LENGTH} are accepted` });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error: 'malformed request URL' });
      return;
    }
    if (docs.serve(url.pathname, res)) return;
    if (await router.handle(req, res, url)) return;
    if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: `no API route ${req.method} ${url.pathname}; see /api/docs` });
    if ((req.method === 'GET' || req.method === 'HEAD') && staticRoot && (await serveStatic(staticRoot, req, url, res))) return;
    sendJson(res, 404, { error: staticRoot ? `not found: ${url.pathname}` : 'the console is not built: run `npm run build:web`' });
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    const run = () => {
      handle(req, res).catch((err: unknown) => {
        const id = logInternalError(log, req, res, err);
        if (!res.headersSent) sendJson(res, 500, internalErrorBody(id));
        else res.end();
      });
    };
    if (options.aroundRequest) options.aroundRequest(req, res, run);
    else run();
  };
}

/** The node:http (or HTTPS) server with its limits; requests refused before routing are answered and counted. */
function createHttpServer(
  options: WebServerOptions,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
): { http: HttpServer; refusedRequests: () => number } {
  const http: HttpServer = options.tls
    ? (createHttpsServer(
        { cert: options.tls.cert, key: options.tls.key, maxHeaderSize: MAX_HEADER_BYTES },
        onRequest,
      ) as unknown as HttpServer)
    : createServer({ maxHeaderSize: MAX_HEADER_BYTES }, onRequest);
  let refusedRequests = 0;
  // Oversize headers and malformed requests never reach a handler: answer them here, count them.
  http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    refusedRequests++;
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      error: tooLarge ? `request headers over ${MAX_HEADER_BYTES} bytes` : `malformed HTTP request (${err.code ?? err.message})`,
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  http.headersTimeout = 20_000;
  http.requestTimeout = 30_000;
  http.maxHeadersCount = 100;
  return { http, refusedRequests: () => refusedRequests };
}

/** Joins the other web nodes (Redis), or runs as the only one; the writer's channel goes to the services that need it. */
async function joinCluster(io: LiveIo, options: WebServerOptions): Promise<WebCluster> {
  const log = options.log ?? (() => undefined);
  const cluster = options.redisUrl
    ? await joinRedisCluster(io, options.redisUrl, options.nodeId ?? `web-${process.pid}`, log)
    : singleNode(io);
  // One node writes incidents; the others mirror its changes and forward actions to it.
  if (options.redisUrl) {
    options.twin.attachWriterChannel(cluster.writer);
    options.dispatch?.attachWriterChannel(cluster.writer);
    options.cases?.service.attachWriterChannel(cluster.writer);
    options.shifts?.attachWriterChannel(cluster.writer);
  }
  // Configuration saved on one node (rules, notification documents) is announced to the others;
  // redelivery is forwarded to the writer, whose dispatcher holds the dead letters.
  options.rules?.attach(cluster.writer);
  options.registers?.attach(cluster.writer);
  options.notifications?.service.attach(cluster.writer);
  return cluster;
}

/** Listens on the host and port; a port in use is an {@link HttpPortInUseError} that names the setting. */
function listen(http: HttpServer, options: WebServerOptions): Promise<void> {
  return new Promise<void>((resolveListen, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(
          new HttpPortInUseError(`HTTP port ${options.port} on ${options.host} is already in use; set CITYTWIN_HTTP_PORT to another port`),
        );
      else reject(err);
    });
    http.listen(options.port, options.host, () => resolveListen());
  });
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const origins = new OriginPolicy({ allowed: options.allowedOrigins ?? [], secure: Boolean(options.tls) });
  const guard = new AccessGuard({ auth: options.auth, probeToken: options.probeToken ?? null, origins });
  let basemapArchive: BasemapArchive | null = options.basemapPmtiles ? await openBasemapArchive(options.basemapPmtiles) : null;
  const notifications = options.notifications ?? null;
  const escalationOf = notifications ? (id: string) => escalationView(notifications.service.escalation(id)) : null;
  const routes = serverRoutes(options, () => basemapArchive, escalationOf);
  const { http, refusedRequests } = createHttpServer(options, requestHandler(options, routes, guard));

  const io: LiveIo = new SocketServer<ClientToServerEvents, ServerToClientEvents, InterServerEvents>(http, {
    serveClient: false,
    transports: ['websocket', 'polling'],
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  // Authentication in the handshake, the policy on every event, one room per clearance.
  const sockets = attachSocketAuth(io, {
    guard,
    auth: options.auth,
    origins,
    log: options.log,
    ...(options.socketsPerAccount ? { maxSocketsPerAccount: options.socketsPerAccount } : {}),
  });
  const live = startLiveStream(io, options, sockets, escalationOf);
  // Before listening, so that no client connects to a node that is not yet in the cluster.
  const cluster = await joinCluster(io, options);
  const stopTimers = startStreamTimers(io, options, live.viewports, live.slow);
  const stopStream = () => {
    stopTimers();
    live.stop();
  };

  try {
    await listen(http, options);
  } catch (err) {
    // Leave nothing running (timers, Redis connections) when the port is taken.
    stopStream();
    await cluster.close();
    throw err;
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host === '0.0.0.0' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}/`,
    refusedRequests,
    refusedSocketEvents: () => ({ ...sockets.refused }),
    slowClientsDisconnected: () => live.slow.disconnected,
    port,
    http,
    io,
    connectedClients: () => io.engine.clientsCount,
    cluster,
    setBasemapPmtiles: async (path) => {
      basemapArchive = path ? await openBasemapArchive(path) : null;
    },
    close: async () => {
      stopStream();
      sockets.close();
      await io.close();
      await cluster.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
